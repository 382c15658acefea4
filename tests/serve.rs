//! `newsidx serve`'s JSON API over real HTTP: the command line's JSON for the same parameters, each bad request's status and message, commits seen without a restart.

mod common;

use std::time::{Duration, Instant};

use common::{http_get, stderr, stdout, Env, HttpAnswer, Results, Server};

/// The API's answer to `path` is 200 with exactly what `newsidx ARGS`
/// prints (and exits 0 or 1 with).
fn same_as_command(env: &Env, server: &Server, path: &str, args: &[&str]) {
    let answer = server.get(path);
    let out = env.run(args);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{args:?}: {}",
        stderr(&out)
    );
    assert_eq!(answer.status, 200, "{path}: {}", answer.body);
    assert_eq!(
        answer.header("content-type"),
        Some("application/json; charset=utf-8"),
        "{path}"
    );
    assert_eq!(answer.body, stdout(&out), "{path} against {args:?}");
}

#[test]
fn every_endpoint_answers_with_the_commands_json() {
    let env = Env::with_whole_sample();
    env.index();
    let server = Server::start(&env.index, &[]);
    let cases: &[(&str, &[&str])] = &[
        ("/api/search?q=minister", &["search", "--json", "minister"]),
        ("/api/search?query=minister", &["search", "--json", "minister"]),
        (
            "/api/search?q=%22finance+minister%22",
            &["search", "--json", "\"finance minister\""],
        ),
        (
            "/api/search?q=minister+OR+chancellor&section=world&section=politics",
            &[
                "search",
                "--json",
                "--section",
                "world",
                "--section",
                "politics",
                "minister OR chancellor",
            ],
        ),
        (
            "/api/search?entity=Kim%20Jong%20Un",
            &["search", "--json", "--entity", "Kim Jong Un"],
        ),
        (
            "/api/search?sort=oldest&limit=5&offset=3&since=2024-06&until=2025",
            &[
                "search", "--json", "--sort", "oldest", "--limit", "5", "--offset", "3", "--since",
                "2024-06", "--until", "2025",
            ],
        ),
        (
            "/api/search?q=bank&histogram=month&facets=true",
            &["search", "--json", "--histogram", "month", "--facets", "bank"],
        ),
        (
            "/api/search?q=ministr&fuzzy",
            &["search", "--json", "--fuzzy", "ministr"],
        ),
        ("/api/search", &["search", "--json"]),
        (
            "/api/search?q=zzzzunheardof",
            &["search", "--json", "zzzzunheardof"],
        ),
        (
            "/api/show/headline%2Fsport%2F2024%2F07%2F26%2Fparis-opening-ceremony.txt",
            &[
                "show",
                "--json",
                "headline/sport/2024/07/26/paris-opening-ceremony.txt",
            ],
        ),
        (
            "/api/show/exports/feed-2025-03.jsonl%23feed-0004",
            &["show", "--json", "exports/feed-2025-03.jsonl#feed-0004"],
        ),
        ("/api/entities", &["entities", "--json"]),
        (
            "/api/entities?q=election&type=person&limit=5",
            &[
                "entities", "--json", "--type", "person", "--limit", "5", "election",
            ],
        ),
        ("/api/stats", &["stats", "--json"]),
    ];
    for (path, args) in cases {
        same_as_command(&env, &server, path, args);
    }
    // The hits carry what the page shows: highlights and entities.
    let results: Results = serde_json::from_str(&server.get("/api/search?q=minister").body).expect("results");
    assert!(results.total > 0 && results.hits.iter().all(|h| !h.highlights.is_empty()));
}

#[test]
fn bad_requests_get_a_status_and_a_message() {
    let env = Env::with_sample(&[
        "headline/politics/001.txt",
        "wire/20241018/us-korea-north-russia-troops-idUSKBN3LJ0A20241018",
    ]);
    env.index();
    let server = Server::start(&env.index, &[]);
    let index_path = env.index.display().to_string();
    let deep = format!("{}a{}", "(".repeat(70), ")".repeat(70));
    let cases: Vec<(String, u16, &str)> = vec![
        ("/api/search?q=(((".into(), 400, "bad query: "),
        (format!("/api/search?q={deep}"), 400, "nested more than 64 deep"),
        (
            "/api/search?q=nosuchfield:x".into(),
            400,
            "bad query: unknown field `nosuchfield`",
        ),
        (
            "/api/search?q=%22unclosed".into(),
            400,
            "bad query: unclosed quote (column 1)",
        ),
        ("/api/search?text=x".into(), 400, "unknown parameter `text`"),
        (
            "/api/search?limit=1000".into(),
            400,
            "limit is 1000; the most is 100",
        ),
        (
            "/api/search?offset=99999".into(),
            400,
            "offset is 99999; the most is 10000",
        ),
        ("/api/search?limit=ten".into(), 400, "not a whole number"),
        (
            "/api/search?since=2024-13".into(),
            400,
            "since '2024-13' is not a date",
        ),
        ("/api/search?sort=random".into(), 400, "sort: `random`"),
        ("/api/search?histogram=week".into(), 400, "histogram: `week`"),
        ("/api/search?fuzzy=maybe".into(), 400, "fuzzy: `maybe`"),
        ("/api/search?q=a&q=b".into(), 400, "q is given more than once"),
        (
            format!("/api/search?q={}", "x".repeat(2100)),
            400,
            "2100 bytes long",
        ),
        ("/api/entities?type=animal".into(), 400, "type: `animal`"),
        ("/api/stats?verbose=1".into(), 400, "unknown parameter `verbose`"),
        (
            "/api/show/no%2Fsuch.txt".into(),
            404,
            "no document with id no/such.txt",
        ),
        ("/api/show/%FF".into(), 400, "not valid UTF-8"),
        ("/api/delete".into(), 404, "no such endpoint"),
        ("/etc/passwd".into(), 404, "no such page"),
        ("/../../etc/passwd".into(), 404, "no such page"),
        ("/app.js/../../Cargo.toml".into(), 404, "no such page"),
    ];
    for (path, status, message) in &cases {
        let answer = server.get(path);
        assert_eq!(answer.status, *status, "{path}: {}", answer.body);
        let error = answer.error();
        assert!(error.contains(message), "{path}: {error:?} lacks {message:?}");
        assert_eq!(error.lines().count(), 1, "{path}: {error:?}");
        assert!(
            !answer.body.contains(&index_path),
            "{path} names the index folder"
        );
        assert!(!answer.body.contains("panicked"), "{path}: {}", answer.body);
    }
    // Nothing in the API writes.
    let post = server.raw(
        "POST /api/search?q=x HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(post.status, 405, "{}", post.body);
    assert_eq!(post.header("allow"), Some("GET, HEAD"));
    let delete = server.raw("DELETE /api/show/x HTTP/1.1\r\nHost: 127.0.0.1:1\r\nConnection: close\r\n\r\n");
    assert_eq!(delete.status, 405);
    // A page elsewhere that points a name of its own at 127.0.0.1 (DNS
    // rebinding) is not answered.
    let foreign =
        server.raw("GET /api/stats HTTP/1.1\r\nHost: evil.example:8080\r\nConnection: close\r\n\r\n");
    assert_eq!(foreign.status, 421, "{}", foreign.body);
    for host in ["localhost:8080", "[::1]:8080", "127.0.0.1"] {
        let ok = server.raw(&format!(
            "GET /api/stats HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        ));
        assert_eq!(ok.status, 200, "Host: {host}");
    }
    // Headers past their bound are refused by the HTTP layer itself.
    let huge = server.raw(&format!(
        "GET /api/stats HTTP/1.1\r\nHost: localhost\r\nX-Filler: {}\r\nConnection: close\r\n\r\n",
        "y".repeat(40_000)
    ));
    assert_eq!(huge.status, 431);
    // And the server is still there.
    assert_eq!(server.get("/api/stats").status, 200);
}

#[test]
fn the_page_is_served_from_the_binary() {
    let env = Env::with_sample(&["headline/politics/001.txt"]);
    env.index();
    let server = Server::start(&env.index, &[]);
    for (path, kind, needle) in [
        ("/", "text/html; charset=utf-8", "app.js"),
        ("/app.js", "text/javascript; charset=utf-8", "/api/search"),
        ("/app.css", "text/css; charset=utf-8", "{"),
    ] {
        let answer = server.get(path);
        assert_eq!(answer.status, 200, "{path}");
        assert_eq!(answer.header("content-type"), Some(kind), "{path}");
        assert!(answer.body.contains(needle), "{path} lacks {needle}");
        let policy = answer.header("content-security-policy").unwrap_or("");
        assert!(
            policy.contains("script-src 'self'") && policy.contains("default-src 'none'"),
            "{path}: {policy}"
        );
        assert_eq!(answer.header("x-content-type-options"), Some("nosniff"));
    }
    // HEAD: the headers alone.
    let head = server.raw("HEAD / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
}

#[test]
fn a_commit_is_seen_without_a_restart_and_the_server_holds_no_lock() {
    let env = Env::with_sample(&["headline/politics/001.txt"]);
    env.index();
    let server = Server::start(&env.index, &["-v"]);
    let total = |q: &str| -> usize {
        let answer = server.get(&format!("/api/search?q={q}&limit=1"));
        assert_eq!(answer.status, 200, "{}", answer.body);
        serde_json::from_str::<Results>(&answer.body)
            .expect("results")
            .total
    };
    assert_eq!(total("zeppelin"), 0);
    // An index run beside the server: not locked out (exit 75), and its
    // commit shows in the answers within tantivy's reload delay.
    env.copy_sample(
        "headline/sport/2024/07/26/paris-opening-ceremony.txt",
        "sport/paris.txt",
    );
    let out = env.run(&["index", "--json", env.archive.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let deadline = Instant::now() + Duration::from_secs(20);
    while total("zeppelin") == 0 {
        assert!(Instant::now() < deadline, "the commit was not seen in 20 s");
        std::thread::sleep(Duration::from_millis(100));
    }
    // The article shows with the archive's entity table of the new commit.
    let show = server.get("/api/show/sport%2Fparis.txt");
    assert_eq!(show.status, 200, "{}", show.body);
    assert_eq!(
        show.body,
        stdout(&env.run(&["show", "--json", "sport/paris.txt"]))
    );
    // A full rebuild is seen too.
    std::fs::remove_file(env.archive.join("sport/paris.txt")).expect("rm");
    let out = env.run(&["index", "--full", env.archive.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let deadline = Instant::now() + Duration::from_secs(20);
    while total("zeppelin") != 0 {
        assert!(Instant::now() < deadline, "the rebuild was not seen in 20 s");
        std::thread::sleep(Duration::from_millis(100));
    }
    // -v: a line per request.
    let said = server.said().join("\n");
    assert!(said.contains("GET /api/search?q=zeppelin&limit=1 200"), "{said}");
}

#[test]
fn a_busy_server_says_so_and_a_failure_inside_says_only_that() {
    let env = Env::with_sample(&["headline/politics/001.txt"]);
    env.index();
    // One slot, and the first call holds it for 7 s: the next 64 wait their
    // 5 s for a slot and get 503; the six more than 64 get 503 at once.
    let server = Server::start_with(&env.index, &["--searches", "1"], Some("serve:1:sleep7000"));
    let addr = server.addr;
    let first = std::thread::spawn(move || http_get(addr, "/api/search?q=government"));
    std::thread::sleep(Duration::from_millis(500));
    let waiters: Vec<_> = (0..70)
        .map(|_| {
            std::thread::spawn(move || {
                let started = Instant::now();
                (http_get(addr, "/api/stats"), started.elapsed())
            })
        })
        .collect();
    let answers: Vec<(HttpAnswer, Duration)> =
        waiters.into_iter().map(|w| w.join().expect("waiter")).collect();
    let statuses: Vec<u16> = answers.iter().map(|(a, _)| a.status).collect();
    assert!(
        statuses.iter().all(|&s| s == 503),
        "{statuses:?}; the server said {:?}",
        server.said()
    );
    assert!(answers
        .iter()
        .all(|(a, _)| a.error().contains("too many searches at once")));
    let waited = answers
        .iter()
        .filter(|(_, t)| *t >= Duration::from_secs(4))
        .count();
    let at_once = answers
        .iter()
        .filter(|(_, t)| *t < Duration::from_secs(2))
        .count();
    assert_eq!(
        (waited, at_once),
        (64, 6),
        "those who waited for a slot, those who did not"
    );
    assert_eq!(first.join().expect("first").status, 200);
    // The slot is free again.
    assert_eq!(server.get("/api/stats").status, 200);

    // A panic inside a call: 500, one line, no trace, and the server goes on.
    let env = Env::with_sample(&["headline/politics/001.txt"]);
    env.index();
    let server = Server::start_with(&env.index, &[], Some("serve:1:panic"));
    let failed = server.get("/api/search?q=government");
    assert_eq!(failed.status, 500, "{}", failed.body);
    assert_eq!(failed.error(), "internal error; the server's log says more");
    assert_eq!(server.get("/api/search?q=government").status, 200);
    std::thread::sleep(Duration::from_millis(200));
    let said = server.said().join("\n");
    assert!(
        said.contains("internal error answering a search for \"government\""),
        "{said}"
    );
}

#[test]
fn a_client_that_sends_its_request_too_slowly_is_let_go() {
    use std::io::{Read, Write};
    let env = Env::with_sample(&["headline/politics/001.txt"]);
    env.index();
    let server = Server::start(&env.index, &[]);
    // Half a request line, then nothing: the server must not wait for the
    // rest for good (10 s for a request's headers), and must still answer
    // others meanwhile.
    let mut slow = std::net::TcpStream::connect(server.addr).expect("connect");
    slow.write_all(b"GET /api/stats HTTP/1.1\r\nHost: local")
        .expect("send");
    slow.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let started = Instant::now();
    assert_eq!(server.get("/api/stats").status, 200);
    let mut rest = Vec::new();
    let read = slow.read_to_end(&mut rest);
    let waited = started.elapsed();
    assert!(
        read.is_ok() || waited < Duration::from_secs(29),
        "the connection was still open after 30 s"
    );
    assert!(
        waited >= Duration::from_secs(8) && waited < Duration::from_secs(20),
        "closed after {waited:?}"
    );
    // Whatever it said, it was no answer to the request it never got whole.
    let said = String::from_utf8_lossy(&rest);
    assert!(!said.contains("200 OK"), "{said}");
}
