//! Load for `newsidx serve`: CLIENTS keep-alive connections ask the API paths of a file in turn for SECONDS, and the latencies are summed up.
//!
//! Usage: `cargo run --release --example load-serve -- ADDR SECONDS CLIENTS PATHS_FILE`
//!
//! ADDR is `127.0.0.1:PORT`; PATHS_FILE has one request path a line
//! (`/api/search?q=oil&facets`). Each client is a thread with one HTTP/1.1
//! connection, sending the next path as soon as the last answer is read
//! whole (a closed-loop load: the server's speed sets the rate), client i
//! starting at path i. Prints one JSON line: requests, errors (any answer
//! but 200, any broken connection), throughput, latency percentiles in ms.
//! Exits 1 when there was an error. scripts/bench-serve runs it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 5 {
        eprintln!("usage: load-serve ADDR SECONDS CLIENTS PATHS_FILE");
        std::process::exit(2);
    }
    let addr = args[1].clone();
    let seconds: u64 = args[2].parse().expect("SECONDS: a whole number");
    let clients: usize = args[3].parse().expect("CLIENTS: a whole number");
    let paths: Vec<String> = std::fs::read_to_string(&args[4])
        .expect("PATHS_FILE")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect();
    assert!(!paths.is_empty(), "no path in {}", args[4]);
    let end = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|i| {
            let (addr, paths) = (addr.clone(), paths.clone());
            std::thread::spawn(move || client(&addr, &paths, i, end))
        })
        .collect();
    let mut latencies = Vec::new();
    let mut errors = Vec::new();
    for w in workers {
        let (l, e) = w.join().expect("client thread");
        latencies.extend(l);
        errors.extend(e);
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let at = |p: f64| {
        let i = ((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len().max(1)) - 1;
        latencies.get(i).map_or(0.0, |&us| us as f64 / 1000.0)
    };
    let first_errors: Vec<&String> = errors.iter().take(5).collect();
    println!(
        "{{\"clients\": {clients}, \"seconds\": {elapsed:.1}, \"requests\": {}, \"errors\": {}, \
         \"per_second\": {:.1}, \"p50_ms\": {:.2}, \"p95_ms\": {:.2}, \"p99_ms\": {:.2}, \"max_ms\": {:.2}, \
         \"first_errors\": {}}}",
        latencies.len(),
        errors.len(),
        latencies.len() as f64 / elapsed,
        at(0.50),
        at(0.95),
        at(0.99),
        at(1.0),
        serde_json::to_string(&first_errors).unwrap_or_default()
    );
    if !errors.is_empty() {
        std::process::exit(1);
    }
}

/// One client's latencies in microseconds, and its errors.
fn client(addr: &str, paths: &[String], first: usize, end: Instant) -> (Vec<u64>, Vec<String>) {
    let mut latencies = Vec::new();
    let mut errors = Vec::new();
    let mut conn: Option<BufReader<TcpStream>> = None;
    let mut next = first % paths.len();
    while Instant::now() < end {
        let path = &paths[next];
        next = (next + 1) % paths.len();
        if conn.is_none() {
            match TcpStream::connect(addr) {
                Ok(s) => {
                    let _ = s.set_nodelay(true);
                    let _ = s.set_read_timeout(Some(Duration::from_secs(60)));
                    conn = Some(BufReader::new(s));
                }
                Err(e) => {
                    errors.push(format!("connect: {e}"));
                    std::thread::sleep(Duration::from_millis(100));
                    continue;
                }
            }
        }
        let Some(reader) = conn.as_mut() else { continue };
        let sent = Instant::now();
        match exchange(reader, path) {
            Ok((200, keep)) => {
                latencies.push(sent.elapsed().as_micros() as u64);
                if !keep {
                    conn = None;
                }
            }
            Ok((status, _)) => {
                errors.push(format!("{path}: status {status}"));
                conn = None;
            }
            Err(e) => {
                // The server closes a connection after five minutes; a
                // closed keep-alive connection is reopened, not an error,
                // when nothing of the answer had come.
                if e.kind() != std::io::ErrorKind::UnexpectedEof {
                    errors.push(format!("{path}: {e}"));
                }
                conn = None;
            }
        }
    }
    (latencies, errors)
}

/// Sends `GET path` and reads the whole answer: (status, whether the
/// connection stays open).
fn exchange(reader: &mut BufReader<TcpStream>, path: &str) -> std::io::Result<(u16, bool)> {
    let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    reader.get_mut().write_all(request.as_bytes())?;
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    let status: u16 = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("bad status line {line:?}")))?;
    let (mut length, mut keep) = (0usize, true);
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            match name.trim().to_ascii_lowercase().as_str() {
                "content-length" => length = value.trim().parse().unwrap_or(0),
                "connection" => keep = !value.trim().eq_ignore_ascii_case("close"),
                _ => {}
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    Ok((status, keep))
}
