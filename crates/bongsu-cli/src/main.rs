//! `bongsu`: the operator's command line. Thin: each subcommand is a module.

mod audit;
mod badge;
mod config_file;
mod demo;
mod error;
mod keygen;
mod keyset;
mod lock;
mod log_store;
mod mirror_source;
mod probe;
mod probe_check;
mod probe_config;
mod probe_watch;
mod serve;
mod sign;
mod status_file;
mod witness_client;
mod witness_server;

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
        /// Make a witness key: <out>.pub holds a cosignature key (C2SP tlog-cosignature)
        /// for the key set's witness role.
        #[arg(long)]
        witness: bool,
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
        /// The history log directory: what changed is appended to it, the feed commits to it,
        /// and it is copied into log/ beside every --out file.
        #[arg(long, requires = "log_key")]
        log: Option<PathBuf>,
        /// The log's private key (the key set's log role).
        #[arg(long, requires = "log")]
        log_key: Option<PathBuf>,
        /// A witness to ask for a cosignature: its base URL, e.g. http://127.0.0.1:8401/witness/.
        /// Repeatable. A witness that does not answer is reported, never blocks publishing.
        #[arg(long, requires = "log")]
        witness: Vec<String>,
        /// The app's config.json: ask each of its regions for its probe's observation, and log
        /// where the probes and this status disagree for longer than the config's
        /// disagreement_grace_seconds (and when they stop disagreeing). A probe that does not
        /// answer is reported, never blocks publishing.
        #[arg(long, requires = "log")]
        probes: Option<PathBuf>,
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
    /// Serve region directories and the built app: static files with the headers a status
    /// feed needs, and a witness in any region given one. Holds up under slow and abusive
    /// clients (header and idle timeouts, a connection cap below the descriptor limit).
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
        /// Run a witness in a region: <id>=<witness key file> (bongsu keygen --witness). It answers
        /// POST /witness/add-checkpoint on the region's address. Repeatable.
        #[arg(long, requires_all = ["witness_log", "witness_state"])]
        witness: Vec<String>,
        /// The verifier key of the log the witnesses cosign, or a .pub file holding it.
        #[arg(long)]
        witness_log: Option<String>,
        /// A directory for the witnesses' memory (<id>.json), outside any served directory.
        /// A witness refuses to start without its file: one that forgot what it cosigned
        /// would cosign any fork.
        #[arg(long)]
        witness_state: Option<PathBuf>,
        /// Start a witness that has no state file with an empty one: only for a new witness
        /// that has never cosigned.
        #[arg(long, requires = "witness_state")]
        witness_init: bool,
    },
    /// Verify the history log from one or more mirrors, check they all show the same history,
    /// and print or export the timeline. Exits 1 if any check fails.
    Audit {
        /// A mirror: a region directory, an archived copy, or a URL (holding keys.json and log/).
        #[arg(required = true)]
        mirrors: Vec<String>,
        /// A pinned root key (verifier key or .pub file). Repeatable.
        #[arg(long = "root")]
        roots: Vec<String>,
        /// How many --root keys must sign a key set.
        #[arg(long, default_value_t = 1)]
        root_threshold: usize,
        /// Take the root keys and feed id from the app's config.json instead.
        #[arg(long, conflicts_with = "roots")]
        config: Option<PathBuf>,
        /// The feed the key sets are for.
        #[arg(long, default_value = "kakao")]
        feed: String,
        /// A checkpoint saved earlier (e.g. from a previous audit): every mirror must extend it.
        #[arg(long)]
        seen: Option<PathBuf>,
        /// text (a readable timeline), json, csv, or atom (incidents).
        #[arg(long, value_enum, default_value_t = audit::Format::Text)]
        format: audit::Format,
        /// What json and csv export: incidents or every event.
        #[arg(long, value_enum, default_value_t = audit::Export::Incidents)]
        export: audit::Export,
        /// In text, also list every event.
        #[arg(long)]
        events: bool,
        /// Write the timeline or export here instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
        /// The status page's URL, for incident permalinks in exports.
        #[arg(long)]
        page_url: Option<String>,
        /// Save the newest verified checkpoint here, for a later --seen.
        #[arg(long)]
        save_checkpoint: Option<PathBuf>,
    },
    /// Draw a static SVG status badge from a region's signed feed, verified against the page's
    /// config.json, for places that allow no script. An expired feed is drawn as out of date.
    Badge {
        /// A region directory holding feed.note and keys.json.
        region: PathBuf,
        /// The app's config.json: the pinned root keys and the feed id.
        #[arg(long)]
        config: PathBuf,
        /// One service's status (its id) instead of the worst of all.
        #[arg(long)]
        service: Option<String>,
        /// The badge's language: en or ko.
        #[arg(long, default_value = "en", value_parser = ["en", "ko"])]
        lang: String,
        /// Write the SVG here instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Run this region's probe: check every service's endpoints on an interval and sign what
    /// was seen into probe.note (the key set's probes.<region> key). Runs until stopped.
    Probe {
        /// The probe's configuration (TOML): feed, region, interval, window, timeout, services
        /// and their http/tcp/dns checks.
        #[arg(long)]
        config: PathBuf,
        /// This region's probe key (private), from `bongsu keygen`.
        #[arg(long)]
        key: PathBuf,
        /// Where to write the signed observation, e.g. regions/seoul/probe.note; repeatable.
        #[arg(long, required = true)]
        out: Vec<PathBuf>,
        /// One round and one observation, then exit.
        #[arg(long)]
        once: bool,
    },
    /// For tests: regions that a control endpoint (loopback only, PUT only, a token printed
    /// at start) switches into fault modes. Never for production: that is `serve`.
    #[command(hide = true)]
    FaultRegions(demo::stage::FaultRegionsArgs),
    /// For tests: sign the stale, expired and equivocating variants of a region's feed with
    /// the status key, for `fault-regions` to serve.
    #[command(hide = true)]
    FaultVariants(demo::stage::FaultVariantsArgs),
    /// Run the demo: keys, a replay of the 2022 Kakao outage, three regions and the app.
    Demo {
        /// Where the demo keeps its keys, status file and regions.
        #[arg(long, default_value = ".bongsu/demo")]
        dir: PathBuf,
        /// The built app (trunk build --release).
        #[arg(long, default_value = "dist")]
        app: PathBuf,
        /// The app's port; the regions take the next three, the sample partner page the fourth,
        /// the admin endpoint the ninth, and the twelve stand-in services the next ones from the tenth.
        #[arg(long, default_value_t = 8400)]
        port: u16,
        /// The sample partner page that embeds the widget (skipped if the folder is missing).
        #[arg(long, default_value = "examples/partner")]
        partner: PathBuf,
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
        Command::Keygen { name, out, witness } => {
            let kind = if witness {
                keygen::KeyKind::Witness
            } else {
                keygen::KeyKind::Signer
            };
            println!("{}", keygen::keygen_kind(&name, &out, kind)?);
            Ok(())
        }
        Command::Sign {
            key,
            status,
            out,
            seq,
            log,
            log_key,
            witness,
            probes,
        } => {
            let mut warnings = Vec::new();
            let probes = match probes {
                Some(path) => {
                    let config = config_file::read_app_config(&path)?;
                    let (watch, problems) = probe_watch::ProbeWatch::from_config(&config);
                    warnings.extend(problems);
                    Some(watch)
                }
                None => None,
            };
            let log = log.zip(log_key).map(|(dir, key)| sign::LogOptions {
                dir,
                key,
                witnesses: witness,
                probes,
            });
            let signed = sign::sign_files(
                &key,
                &status,
                &out,
                seq,
                log.as_ref(),
                time::OffsetDateTime::now_utc(),
            )?;
            for warning in warnings.iter().chain(&signed.warnings) {
                eprintln!("warning: {warning}");
            }
            if let Some((commitment, added)) = &signed.log {
                println!(
                    "logged {added} event(s); the log has {} entries, root {}",
                    commitment.size, commitment.root
                );
            }
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
            witness,
            witness_log,
            witness_state,
            witness_init,
        } => {
            let witnesses = serve::parse_witness_specs(
                &witness,
                witness_log.as_deref(),
                witness_state.as_deref(),
                witness_init,
            )?;
            let mut sites = region
                .iter()
                .map(|s| serve::parse_region_spec(s))
                .collect::<Result<Vec<_>, _>>()?;
            if let Some(app) = app {
                sites.push(serve::parse_app_spec(&app, config)?);
            }
            runtime()?.block_on(serve::serve(sites, witnesses))
        }
        Command::FaultRegions(args) => runtime()?.block_on(demo::stage::run_fault_regions(args)),
        Command::FaultVariants(args) => demo::stage::write_fault_variants(args),
        Command::Audit {
            mirrors,
            roots,
            root_threshold,
            config,
            feed,
            seen,
            format,
            export,
            events,
            out,
            page_url,
            save_checkpoint,
        } => {
            let (roots, root_threshold, feed) = match config {
                Some(path) => audit::roots_from_config(&path)?,
                None => (roots, root_threshold, feed),
            };
            let options = audit::AuditOptions {
                mirrors,
                roots,
                root_threshold,
                feed,
                seen,
                format,
                export,
                events,
                out,
                page_url,
            };
            let now = time::OffsetDateTime::now_utc();
            let report = audit::audit(&options, now)?;
            let summary = audit::summary(&report);
            let body = audit::render(&report, &options, now);
            match (&options.out, options.format) {
                (Some(path), _) => {
                    print!("{summary}");
                    sign::write_atomically(path, body.as_bytes())?;
                    println!("wrote {}", path.display());
                }
                (None, audit::Format::Text) => print!("{summary}{body}"),
                (None, _) => {
                    eprint!("{summary}");
                    print!("{body}");
                }
            }
            if let (Some(path), Some(best)) = (
                &save_checkpoint,
                report.views.iter().max_by_key(|v| v.log.tree.size()),
            ) {
                sign::write_atomically(path, &best.log.checkpoint.note)?;
            }
            match report.problems.len() {
                0 => Ok(()),
                n => Err(CliError::AuditFailed(n)),
            }
        }
        Command::Badge {
            region,
            config,
            service,
            lang,
            out,
        } => {
            let language = if lang == "ko" {
                bongsu_widget::words::Language::Korean
            } else {
                bongsu_widget::words::Language::English
            };
            let svg = badge::badge_for_region(
                &config,
                &region,
                service.as_deref(),
                language,
                time::OffsetDateTime::now_utc(),
            )?;
            match out {
                Some(path) => sign::write_atomically(&path, svg.as_bytes()),
                None => {
                    print!("{svg}");
                    Ok(())
                }
            }
        }
        Command::Probe {
            config,
            key,
            out,
            once,
        } => {
            let config = probe_config::read_probe_config(&config)?;
            runtime()?.block_on(probe::run_probe(probe::ProbeOptions {
                config,
                key,
                out,
                once,
            }))
        }
        Command::Demo {
            dir,
            app,
            port,
            partner,
        } => runtime()?.block_on(demo::demo(demo::DemoOptions {
            dir,
            app,
            port,
            partner,
        })),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}
