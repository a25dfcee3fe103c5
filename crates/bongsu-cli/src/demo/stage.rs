//! Serving regions with fault switches, the app and other pages, and the
//! control endpoint: what `bongsu demo` and the tests' `bongsu
//! fault-regions` run. Production regions are [`crate::serve::serve`].

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::watch;

use super::admin::{self, Admin, ReplayHook};
use super::fault::{Fault, Forger};
use super::faulty_region::{self, FaultyRegion};
use super::services::DemoServices;
use crate::error::CliError;
use crate::serve::{self, connections, site_router, Limits, Site, SiteKind};
use crate::witness::server::Witness;

/// Everything a stage serves.
pub struct Stage {
    pub sites: Vec<Site>,
    /// Witnesses by region id.
    pub witnesses: BTreeMap<String, Arc<Witness>>,
    /// `<variants>/<region id>/` holds each region's pre-signed variants.
    pub variants: PathBuf,
    pub forger: Forger,
    /// Where the control endpoint listens (loopback only).
    pub admin: String,
    /// Also written here (mode 0600), for scripts and the README's curl lines.
    pub token_file: Option<PathBuf>,
    /// Regions that start in a fault, by id.
    pub initial: BTreeMap<String, Fault>,
    pub replay: Option<ReplayHook>,
    pub services: Option<Arc<DemoServices>>,
}

/// Serves the stage; runs `before_ready` once everything listens (the demo
/// signs there, because signing the history needs the witnesses), then
/// prints `ready` and serves until interrupted.
pub async fn run(
    stage: Stage,
    before_ready: impl std::future::Future<Output = Result<(), CliError>>,
) -> Result<(), CliError> {
    for id in stage.initial.keys().chain(stage.witnesses.keys()) {
        let known = stage
            .sites
            .iter()
            .any(|s| matches!(&s.kind, SiteKind::Region { id: r } if r == id));
        if !known {
            return Err(CliError::UnknownRegion(id.clone()));
        }
    }
    let bound = serve::bind(stage.sites).await?;
    let admin_listener = admin::bind(&stage.admin).await?;
    let token = admin::new_token();
    if let Some(file) = &stage.token_file {
        write_secret(file, &token)?;
    }
    println!(
        "admin http://{}/ token {token}",
        admin_listener.local_addr()?
    );
    let forger = Arc::new(stage.forger);
    let limits = Limits::public();
    let mut regions = Vec::new();
    for (listener, site) in bound {
        match &site.kind {
            SiteKind::Region { id } => {
                let region = Arc::new(FaultyRegion {
                    fault: watch::Sender::new(
                        stage.initial.get(id).copied().unwrap_or(Fault::Healthy),
                    ),
                    witness: stage.witnesses.get(id).cloned(),
                    variants: stage.variants.join(id),
                    forger: forger.clone(),
                    site,
                });
                regions.push(region.clone());
                tokio::spawn(faulty_region::run(listener, region));
            }
            _ => {
                let app = site_router(Arc::new(site), None);
                tokio::spawn(connections::serve(
                    listener,
                    app,
                    limits,
                    std::future::pending(),
                ));
            }
        }
    }
    tokio::spawn(admin::serve(
        admin_listener,
        Admin {
            regions,
            replay: stage.replay,
            services: stage.services,
            token,
        },
    ));
    before_ready.await?;
    serve::ready()?;
    serve::wait_for_shutdown().await;
    Ok(())
}

/// Writes `secret` readable by its owner only.
pub(crate) fn write_secret(path: &std::path::Path, secret: &str) -> Result<(), CliError> {
    use std::io::Write;
    let err = |source| CliError::Write {
        path: path.to_owned(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    let _ = std::fs::remove_file(path);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(err)?;
    writeln!(file, "{secret}").map_err(err)
}

/// `seoul=blackhole`
pub fn parse_fault_spec(spec: &str) -> Result<(String, Fault), CliError> {
    let bad = || CliError::BadFaultSpec {
        spec: spec.to_owned(),
        modes: Fault::names(),
    };
    let (id, mode) = spec.split_once('=').ok_or_else(bad)?;
    Ok((id.to_owned(), Fault::parse(mode).ok_or_else(bad)?))
}

/// `bongsu fault-regions`: the tests' regions.
#[derive(Debug, clap::Args)]
pub struct FaultRegionsArgs {
    /// A region: <id>=<dir>@<address> (loopback). Repeatable.
    #[arg(long, required = true)]
    region: Vec<String>,
    /// Where each region's pre-signed variants are: <variants>/<id>/ (see fault-variants).
    #[arg(long)]
    variants: PathBuf,
    /// A key the live key set revokes, for the revoked-key fault. A key that the key set
    /// trusts is refused.
    #[arg(long)]
    revoked_key: Option<PathBuf>,
    /// The operator's key chain, the live key set to check --revoked-key against (default:
    /// the regions' keys.json, which a test may have replaced with something hostile).
    #[arg(long)]
    keys: Option<PathBuf>,
    /// Start a region in a fault mode: <id>=<mode>. Repeatable.
    #[arg(long)]
    fault: Vec<String>,
    /// Where the control endpoint listens (loopback only).
    #[arg(long, default_value = "127.0.0.1:0")]
    admin: String,
}

pub async fn run_fault_regions(args: FaultRegionsArgs) -> Result<(), CliError> {
    let sites = args
        .region
        .iter()
        .map(|s| crate::serve::parse_region_spec(s))
        .collect::<Result<Vec<_>, _>>()?;
    for site in &sites {
        let loopback = site
            .addr
            .parse::<std::net::SocketAddr>()
            .is_ok_and(|a| a.ip().is_loopback());
        if !loopback {
            return Err(CliError::AdminAddress(site.addr.clone()));
        }
    }
    let feeds: Vec<PathBuf> = sites.iter().map(|s| s.dir.join("feed.note")).collect();
    let live = match &args.keys {
        Some(chain) => crate::keyset::newest_in(chain),
        None => crate::keyset::newest_published(&feeds),
    };
    let revoked = args
        .revoked_key
        .as_deref()
        .map(crate::keygen::read_signer)
        .transpose()?;
    let stage = Stage {
        sites,
        witnesses: BTreeMap::new(),
        variants: args.variants,
        forger: Forger::new(revoked, live.as_ref())?,
        admin: args.admin,
        token_file: None,
        initial: args
            .fault
            .iter()
            .map(|s| parse_fault_spec(s))
            .collect::<Result<_, _>>()?,
        replay: None,
        services: None,
    };
    run(stage, async { Ok(()) }).await
}

/// `bongsu fault-variants`: what a test's signer adds after signing.
#[derive(Debug, clap::Args)]
pub struct FaultVariantsArgs {
    /// The status signing key that signed the feed.
    #[arg(long)]
    key: PathBuf,
    /// The region's real feed.
    #[arg(long)]
    feed: PathBuf,
    /// The region's variants directory.
    #[arg(long)]
    out: PathBuf,
}

pub fn write_fault_variants(args: FaultVariantsArgs) -> Result<(), CliError> {
    let key = crate::keygen::read_signer(&args.key)?;
    let real = std::fs::read(&args.feed).map_err(|source| CliError::ReadFile {
        path: args.feed.clone(),
        source,
    })?;
    super::fault::write_variants(&args.out, &real, &key, time::OffsetDateTime::now_utc())
}
