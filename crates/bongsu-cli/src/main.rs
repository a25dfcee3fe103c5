//! `bongsu`: the operator's command line. This file is the command line's
//! shape and nothing else: each command is a module with its own `Args`
//! (its flags, used as its options) and `run`; `demo/` holds everything
//! that exists only for the demo and the tests.

mod audit;
mod badge;
mod config_file;
mod declare;
mod demo;
mod error;
mod files;
mod keygen;
mod keyset;
mod lock;
mod log_store;
mod mirror_source;
mod probe;
mod publish;
mod serve;
mod sign;
mod status_file;
mod witness;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::error::CliError;

/// Bongsu: signed status feeds, served by independent regions.
#[derive(Parser)]
#[command(name = "bongsu", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Make a signing key: the private key (mode 0600) and <out>.pub. Prints the public key.
    Keygen(keygen::Args),
    /// Sign a status file into one or more feed files.
    Sign(sign::Args),
    /// Declare an incident in one step: edit the status file (comments kept), check it, sign,
    /// log and (with --to) publish. `open`, `update` or `resolve`; --ko and --en for the words.
    Incident(Box<declare::IncidentArgs>),
    /// Set a component's status in one step: edit the status file, check, sign, log, publish.
    Component(Box<declare::ComponentArgs>),
    /// Sign the next version of the key set with the root key(s) and append it to the key chain.
    Keyset(keyset::Args),
    /// Serve region directories and the built app: static files with the headers a status
    /// feed needs, and a witness in any region given one. Holds up under slow and abusive
    /// clients (header and idle timeouts, a connection cap below the descriptor limit).
    Serve(serve::Args),
    /// Verify the history log from one or more mirrors, check they all show the same history,
    /// and print or export the timeline. Exits 1 if any check fails.
    Audit(audit::Args),
    /// Draw a static SVG status badge from a region's signed feed, verified against the page's
    /// config.json, for places that allow no script. An expired feed is drawn as out of date.
    Badge(badge::Args),
    /// Run a witness on its own (C2SP tlog-witness, POST /add-checkpoint), apart from any
    /// region: it cosigns a log's checkpoints only when they extend what it cosigned before.
    Witness(witness::Args),
    /// Publish a staged region tree (--from) or the built app (--app) to object stores and
    /// directories, all at once, in an order readers can follow; read each back over HTTP.
    /// Exits 3 naming the destinations that lag; running it again catches them up.
    Publish(publish::Args),
    /// Run this region's probe: check every service's endpoints on an interval and sign what
    /// was seen into probe.note (the key set's probes.<region> key). Runs until stopped.
    Probe(probe::Args),
    /// For tests: regions that a control endpoint (loopback only, PUT only, a token printed
    /// at start) switches into fault modes. Never for production: that is `serve`.
    #[command(hide = true)]
    FaultRegions(demo::stage::FaultRegionsArgs),
    /// For tests: sign the stale, expired and equivocating variants of a region's feed with
    /// the status key, for `fault-regions` to serve.
    #[command(hide = true)]
    FaultVariants(demo::stage::FaultVariantsArgs),
    /// Run the demo: keys, a replay of the 2022 Kakao outage, three regions and the app.
    Demo(demo::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Keygen(args) => keygen::run(args),
        Command::Sign(args) => sign::run(args),
        Command::Incident(args) => declare::run_incident(*args),
        Command::Component(args) => declare::run_component(*args),
        Command::Keyset(args) => keyset::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Audit(args) => audit::run(args),
        Command::Badge(args) => badge::run(args),
        Command::Probe(args) => probe::run(args),
        Command::Publish(args) => publish::run(args),
        Command::Witness(args) => witness::run(args),
        Command::FaultRegions(args) => {
            runtime().and_then(|rt| rt.block_on(demo::stage::run_fault_regions(args)))
        }
        Command::FaultVariants(args) => demo::stage::write_fault_variants(args),
        Command::Demo(args) => demo::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(error.exit_code())
        }
    }
}

/// The runtime the servers, the probe and the demo run on.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}
