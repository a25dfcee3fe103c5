//! `bongsu`: the operator's command line. Thin: each subcommand is a module.

mod demo;
mod demo_catalogue;
mod error;
mod fault;
mod keygen;
mod keyset;
mod serve;
mod sign;
mod status_file;

use std::path::PathBuf;
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
    Keygen {
        /// Key name, e.g. status.example.com (no spaces or '+').
        #[arg(long)]
        name: String,
        /// Where to write the private key; refuses to overwrite.
        #[arg(long)]
        out: PathBuf,
    },
    /// Sign a status file into one or more feed files.
    Sign {
        /// Private key file from `bongsu keygen`.
        #[arg(long)]
        key: PathBuf,
        /// The status file (TOML).
        #[arg(long)]
        status: PathBuf,
        /// Feed file to write; repeat for every region.
        #[arg(long, required = true)]
        out: Vec<PathBuf>,
        /// Sequence number; default: one more than the highest in the existing --out files.
        #[arg(long)]
        seq: Option<u64>,
    },
    /// Sign the next version of the key set with the root key(s) and append it to the key chain.
    Keyset {
        /// The key set description (TOML): feed, valid_for, root, status, revoked.
        #[arg(long)]
        keys: PathBuf,
        /// A root private key; repeat to meet the threshold, and pass both the old and the new
        /// root keys when rotating the root.
        #[arg(long = "key", required = true)]
        signers: Vec<PathBuf>,
        /// The key chain (keys.json) to extend; created with version 1 if missing.
        #[arg(long)]
        chain: PathBuf,
        /// Also write the new chain here, e.g. into every region directory. Repeatable.
        #[arg(long)]
        out: Vec<PathBuf>,
    },
    /// Serve region directories and the built app on local ports.
    Serve {
        /// A region: <id>=<dir>@<address>, e.g. seoul=regions/seoul@127.0.0.1:8401. Repeatable.
        #[arg(long)]
        region: Vec<String>,
        /// The built app: <dir>@<address>, e.g. dist@127.0.0.1:8400.
        #[arg(long)]
        app: Option<String>,
        /// Serve this file as the app's /config.json.
        #[arg(long, requires = "app")]
        config: Option<PathBuf>,
        /// Listen here for fault switching: PUT /regions/<id>/fault with a mode as the body
        /// (healthy, down, blackhole, slow, stale, expired, bad-sig, unknown-key, revoked-key,
        /// equivocating, malformed, oversized, wrong-content-type).
        #[arg(long)]
        admin: Option<String>,
        /// Start a region in a fault mode: <id>=<mode>. Repeatable.
        #[arg(long)]
        fault: Vec<String>,
        /// The status signing key, for the stale, expired and equivocating faults.
        #[arg(long)]
        fault_key: Option<PathBuf>,
        /// A key the key set revokes, for the revoked-key fault.
        #[arg(long)]
        revoked_key: Option<PathBuf>,
    },
    /// Run the demo: keys, a replay of the 2022 Kakao outage, three regions and the app.
    Demo {
        /// Where the demo keeps its keys, status file and regions.
        #[arg(long, default_value = ".bongsu/demo")]
        dir: PathBuf,
        /// The built app (trunk build --release).
        #[arg(long, default_value = "dist")]
        app: PathBuf,
        /// The app's port; the regions take the next three.
        #[arg(long, default_value_t = 8400)]
        port: u16,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> Result<(), CliError> {
    match command {
        Command::Keygen { name, out } => {
            println!("{}", keygen::keygen(&name, &out)?);
            Ok(())
        }
        Command::Sign {
            key,
            status,
            out,
            seq,
        } => {
            let signed =
                sign::sign_files(&key, &status, &out, seq, time::OffsetDateTime::now_utc())?;
            for path in &out {
                println!(
                    "signed {} seq {} (expires {}) -> {}",
                    signed.feed,
                    signed.seq,
                    signed.expires_at,
                    path.display()
                );
            }
            Ok(())
        }
        Command::Keyset {
            keys,
            signers,
            chain,
            out,
        } => {
            let published = keyset::sign_key_set_file(
                &keys,
                &signers,
                &chain,
                &out,
                time::OffsetDateTime::now_utc(),
            )?;
            for path in std::iter::once(&chain).chain(&out) {
                println!(
                    "key set {} version {} (expires {}) -> {}",
                    published.feed,
                    published.version,
                    published.expires_at,
                    path.display()
                );
            }
            Ok(())
        }
        Command::Serve {
            region,
            app,
            config,
            admin,
            fault,
            fault_key,
            revoked_key,
        } => {
            let mut sites = region
                .iter()
                .map(|s| serve::parse_region_spec(s))
                .collect::<Result<Vec<_>, _>>()?;
            if let Some(app) = app {
                sites.push(serve::parse_app_spec(&app, config)?);
            }
            let faults = serve::Faults {
                admin,
                keys: fault::FaultKeys::new(
                    fault_key.as_deref().map(fault::read_key).transpose()?,
                    revoked_key.as_deref().map(fault::read_key).transpose()?,
                )?,
                initial: fault
                    .iter()
                    .map(|s| serve::parse_fault_spec(s))
                    .collect::<Result<_, _>>()?,
            };
            runtime()?.block_on(serve::serve(sites, Some(faults)))
        }
        Command::Demo { dir, app, port } => {
            runtime()?.block_on(demo::demo(demo::DemoOptions { dir, app, port }))
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}
