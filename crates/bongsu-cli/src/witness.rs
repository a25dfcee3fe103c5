//! The two sides of C2SP tlog-witness: the log's side, which submits each
//! new checkpoint and keeps only cosignatures that verify (`client`), and
//! a region's witness, which cosigns only consistent growth and never
//! forgets what it cosigned (`server`).
//!
//! `bongsu witness` runs a witness on its own; `serve --witness` runs one
//! beside a region.

pub mod client;
pub mod server;

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::routing::post;
use axum::Router;
use bongsu_core::log::MAX_ADD_CHECKPOINT_BYTES;

use crate::error::CliError;
use crate::serve::{connections, Limits};

/// `bongsu witness`'s flags.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to listen, e.g. 127.0.0.1:8411 (behind a TLS proxy in production).
    #[arg(long)]
    listen: String,
    /// This witness's private key (`bongsu keygen --witness`).
    #[arg(long)]
    key: PathBuf,
    /// The verifier key of the log it witnesses, or a .pub file holding it.
    #[arg(long)]
    log: String,
    /// A directory for its memory of the log (<key file name>.json). It refuses to start
    /// without it: a witness that forgot what it cosigned would cosign any fork.
    #[arg(long)]
    state: PathBuf,
    /// Start with an empty memory: only for a new witness that has never cosigned.
    #[arg(long)]
    init: bool,
}

/// Runs a witness on its own, apart from any region: `POST /add-checkpoint`
/// (C2SP tlog-witness), so a region can be a bucket while its witness runs
/// elsewhere. The same limits as `serve`: timeouts, a connection cap, and a
/// body read only on this route, at most 64 KiB.
pub fn run(args: Args) -> Result<(), CliError> {
    // Named by its key file, as `serve` names a witness by its region.
    let id = args
        .key
        .file_stem()
        .map_or("witness".into(), |s| s.to_string_lossy().into_owned());
    let witnesses = crate::serve::parse_witness_specs(
        &[format!("{id}={}", args.key.display())],
        Some(&args.log),
        Some(&args.state),
        args.init,
    )?;
    let witness = witnesses
        .into_values()
        .next()
        .ok_or_else(|| CliError::BadWitnessSpec("no witness".into()))?;
    crate::runtime()?.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&args.listen)
            .await
            .map_err(|source| CliError::Listen {
                addr: args.listen.clone(),
                what: "the witness".to_owned(),
                source,
            })?;
        {
            let mut stdout = std::io::stdout().lock();
            writeln!(stdout, "witness http://{}/", listener.local_addr()?)?;
            stdout.flush()?;
        }
        let app = Router::new().route(
            "/add-checkpoint",
            post(add)
                .layer(DefaultBodyLimit::max(MAX_ADD_CHECKPOINT_BYTES))
                .with_state(witness),
        );
        tokio::spawn(connections::serve(
            listener,
            app,
            Limits::public(),
            std::future::pending(),
        ));
        crate::serve::ready()?;
        crate::serve::wait_for_shutdown().await;
        Ok(())
    })
}

async fn add(
    State(witness): State<Arc<server::Witness>>,
    body: Bytes,
) -> axum::http::Response<axum::body::Body> {
    server::add_checkpoint(&witness, &body).await
}
