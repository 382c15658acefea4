//! `newsidx serve`: the index over HTTP until the process is stopped.

use std::net::ToSocketAddrs;

use anyhow::Context as _;

use super::Context;
use crate::cli::ServeArgs;
use crate::exit_codes::ExitCode;
use crate::serve;

pub fn run(ctx: &Context, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let listen = args
        .listen
        .to_socket_addrs()
        .with_context(|| format!("--listen {}: not an address and port", args.listen))?
        .next()
        .with_context(|| format!("--listen {}: the name has no address", args.listen))?;
    let searches = args.searches.map_or_else(super::cores, usize::from);
    let config = serve::Config {
        listen,
        index_dir: ctx.index_dir.clone(),
        mapping: ctx.mapping()?,
        searches,
        log_requests: ctx.verbose > 0,
    };
    let index_dir = ctx.index_dir.display().to_string();
    // Said even with --quiet: a script that asked for port 0 learns the
    // port here.
    serve::run(config, |addr| {
        eprintln!("newsidx: serving {index_dir} at http://{addr}/ (read-only; Ctrl-C stops)");
        if !addr.ip().is_loopback() {
            eprintln!(
                "newsidx: listening on {}: anyone who can reach this machine can read the archive",
                addr.ip()
            );
        }
    })?;
    Ok(ExitCode::Success)
}
