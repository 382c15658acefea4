//! `newsidx serve`: the index over HTTP, read-only: a JSON API and the page that uses it.
//!
//! One thread runs the connections (tokio's current-thread runtime under
//! hyper); searches run on blocking threads, at most `searches` at once.
//! Everything a request can make the server do is bounded: header size and
//! time, connections, waiting searches, a search's time; no request path
//! reaches the file system (the page is compiled in), and nothing writes.

mod api;
mod assets;

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{self, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::sync::Semaphore;

use newsidx::index::NewsIndex;
use newsidx::schema::Mapping;
use tantivy::IndexReader;

/// Connections open at once; the next ones wait in the kernel's backlog.
const MAX_CONNECTIONS: usize = 512;
/// A request's line and headers must arrive within this time...
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// ...and fit in this many bytes (hyper answers 431 beyond).
const MAX_HEADER_BYTES: usize = 16 * 1024;
/// A connection is closed after this long, kept alive or not, so that no
/// client holds one of the connections for good.
const CONNECTION_LIFETIME: Duration = Duration::from_secs(300);
/// How long a request waits for a search slot before a 503.
const SLOT_WAIT: Duration = Duration::from_secs(5);
/// Requests waiting for a slot, per slot; more get a 503 at once. Fifty
/// clients of a two-core server all wait their turn.
const WAITING_PER_SLOT: usize = 64;
/// A search that takes longer is answered with a 503 (it finishes in the
/// background, holding its slot, so the load stays bounded).
const SEARCH_TIMEOUT: Duration = Duration::from_secs(30);

/// What `serve` is told.
pub struct Config {
    pub listen: SocketAddr,
    pub index_dir: PathBuf,
    pub mapping: Mapping,
    /// Searches that may run at once.
    pub searches: usize,
    /// A line on standard error per request.
    pub log_requests: bool,
}

/// What every request shares.
struct State {
    index: NewsIndex,
    reader: IndexReader,
    slots: Arc<Semaphore>,
    waiting: AtomicUsize,
    max_waiting: usize,
    /// Listening on a loopback address: only requests naming this machine
    /// in their Host header are answered (a web page elsewhere cannot reach
    /// the archive by pointing a name of its own at 127.0.0.1).
    loopback_only: bool,
    log_requests: bool,
}

/// Serves until the process is stopped; `ready` hears the address bound
/// (the port chosen, when `listen` asked for port 0) before the first
/// request is taken.
pub fn run(config: Config, ready: impl FnOnce(SocketAddr)) -> anyhow::Result<()> {
    let index = NewsIndex::open(&config.index_dir, config.mapping)?;
    let reader = index.following_reader()?;
    let searches = config.searches.max(1);
    let state = Arc::new(State {
        index,
        reader,
        slots: Arc::new(Semaphore::new(searches)),
        waiting: AtomicUsize::new(0),
        max_waiting: searches * WAITING_PER_SLOT,
        loopback_only: config.listen.ip().is_loopback(),
        log_requests: config.log_requests,
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .max_blocking_threads(searches + 2)
        .thread_name("newsidx-serve")
        .build()
        .context("cannot start the server's runtime")?;
    runtime.block_on(async move {
        let listener = std::net::TcpListener::bind(config.listen)
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        listener.set_nonblocking(true)?;
        let listener = tokio::net::TcpListener::from_std(listener)?;
        ready(listener.local_addr()?);
        let connections = Arc::new(Semaphore::new(MAX_CONNECTIONS));
        loop {
            let Ok(permit) = connections.clone().acquire_owned().await else {
                return Ok(());
            };
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors, say: wait rather than spin.
                    eprintln!("newsidx: cannot accept a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let _ = stream.set_nodelay(true);
            let state = state.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req| respond(state.clone(), req));
                let connection = http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(HEADER_TIMEOUT)
                    .max_buf_size(MAX_HEADER_BYTES)
                    .serve_connection(TokioIo::new(stream), service);
                // An error here is the client's (gone, too slow, malformed):
                // nothing to tell the operator about.
                let _ = tokio::time::timeout(CONNECTION_LIFETIME, connection).await;
                drop(permit);
            });
        }
    })
}

/// A response with its body whole.
type Answer = Response<Full<Bytes>>;

async fn respond(state: Arc<State>, req: Request<Incoming>) -> Result<Answer, Infallible> {
    let started = Instant::now();
    let mut answer = route(&state, &req).await;
    let headers = answer.headers_mut();
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    if state.log_requests {
        eprintln!(
            "newsidx: {} {} {} {:.1} ms",
            req.method(),
            req.uri(),
            answer.status().as_u16(),
            started.elapsed().as_secs_f64() * 1000.0
        );
    }
    Ok(answer)
}

async fn route(state: &Arc<State>, req: &Request<Incoming>) -> Answer {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut answer = api::error(
            StatusCode::METHOD_NOT_ALLOWED,
            "only GET and HEAD: the server is read-only",
        );
        answer
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return answer;
    }
    if state.loopback_only && !names_this_machine(req) {
        return api::error(
            StatusCode::MISDIRECTED_REQUEST,
            "this server answers to localhost only (see serve --listen)",
        );
    }
    let path = req.uri().path();
    if let Some(asset) = assets::get(path) {
        return assets::answer(asset);
    }
    if path == "/api" || path.starts_with("/api/") {
        return match api::parse(path, req.uri().query().unwrap_or("")) {
            Ok(call) => run_call(state.clone(), call).await,
            Err(problem) => problem.answer(),
        };
    }
    api::error(StatusCode::NOT_FOUND, "no such page")
}

/// Whether the request's Host header, if it has one, is a name of the
/// loopback interface.
fn names_this_machine(req: &Request<Incoming>) -> bool {
    let Some(host) = req.headers().get(header::HOST) else {
        return true;
    };
    let Ok(host) = host.to_str() else {
        return false;
    };
    // "localhost:8080", "127.0.0.1", "[::1]:8080"
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    name.eq_ignore_ascii_case("localhost")
        || name.eq_ignore_ascii_case("localhost.")
        || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Runs an API call on a blocking thread once a slot is free.
async fn run_call(state: Arc<State>, call: api::Call) -> Answer {
    let busy = || {
        api::error(
            StatusCode::SERVICE_UNAVAILABLE,
            "too many searches at once; try again in a moment",
        )
    };
    if state.waiting.fetch_add(1, Ordering::SeqCst) >= state.max_waiting {
        state.waiting.fetch_sub(1, Ordering::SeqCst);
        return busy();
    }
    let slot = tokio::time::timeout(SLOT_WAIT, state.slots.clone().acquire_owned()).await;
    state.waiting.fetch_sub(1, Ordering::SeqCst);
    let Ok(Ok(slot)) = slot else {
        return busy();
    };
    let what = call.to_string();
    let worker = state.clone();
    let task = tokio::task::spawn_blocking(move || {
        let _slot = slot;
        newsidx::crashtest::point("serve");
        api::answer(&worker, call)
    });
    match tokio::time::timeout(SEARCH_TIMEOUT, task).await {
        Ok(Ok(answer)) => answer,
        Ok(Err(_)) => {
            eprintln!("newsidx: internal error answering {what}; please report it");
            api::internal_error()
        }
        Err(_) => api::error(
            StatusCode::SERVICE_UNAVAILABLE,
            &format!(
                "the search took longer than {} s; narrow it down",
                SEARCH_TIMEOUT.as_secs()
            ),
        ),
    }
}
