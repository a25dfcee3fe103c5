//! `bongsu demo`: keys, a status file, three signed regions and the app,
//! served on loopback and re-signed whenever the status file changes.
//!
//! Everything that exists for the demo and the tests lives here, apart from
//! the operator's commands: the Kakao replay ([`timeline`], [`catalogue`],
//! [`history`]), the stand-in services ([`services`]), fault injection
//! ([`fault`], [`faulty_region`]) and the control endpoint ([`admin`]),
//! served together by [`stage`].

pub mod admin;
pub mod catalogue;
pub mod fault;
pub mod faulty_region;
pub mod history;
pub mod services;
pub mod stage;
#[cfg(feature = "publish")]
pub mod stores;
pub mod timeline;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use bongsu_core::{AppConfig, RegionConfig, RoleKeys, TrustPolicy};
use time::OffsetDateTime;

use std::sync::Arc;

use crate::demo::fault::Forger;
use crate::demo::history::DemoHistory;
use crate::demo::services::{DemoServices, ServiceFault};
use crate::demo::stage::Stage;
use crate::error::CliError;
use crate::keygen::read_signer;
use crate::keygen::{keygen_kind, public_path, KeyKind};
use crate::mirror_source::Source;
use crate::probe::check::Check;
use crate::probe::config::{ProbeConfig, ProbedService};
use crate::probe::watch::ProbeWatch;
use crate::serve::{parse_witness_specs, Site, SiteKind};
use crate::sign::LogOptions;

const REGIONS: [(&str, &str); 3] = [("seoul", "Seoul"), ("busan", "Busan"), ("tokyo", "Tokyo")];
const STATUS_KEY_NAME: &str = "status.bongsu.demo";
/// The demo's ports after the app's: regions, partner page, admin, one
/// stand-in per replayed service from `port + 10`, then (with `--stores`)
/// the S3 and Azure Blob servers at `port + 22` and `port + 23`.
const DEMO_PORTS: u16 = 10 + crate::demo::timeline::CATALOGUE.len() as u16 - 1;
const DEMO_PORTS_WITH_STORES: u16 = 23;
const _: () = assert!(DEMO_PORTS < 22);
/// The demo's probes: quick enough to watch a break turn red.
const PROBE_INTERVAL: Duration = Duration::from_secs(5);
const PROBE_WINDOW: Duration = Duration::from_secs(60);
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);
const PROBE_MAX_LATENCY: Duration = Duration::from_secs(1);
const ROOT_KEY_NAME: &str = "root.bongsu.demo";
/// The log's key name is the log's origin, the first line of its checkpoints.
const LOG_KEY_NAME: &str = "log.bongsu.demo";
/// Publish a new key set when the newest one has less than this left.
const REISSUE_KEYS_BEFORE: time::Duration = time::Duration::days(7);
/// Re-sign when the current feed has less than this left.
const RESIGN_BEFORE_EXPIRY: time::Duration = time::Duration::minutes(10);

pub async fn demo(options: Args) -> Result<(), CliError> {
    let Args {
        dir,
        app,
        port,
        partner,
        stores,
        emulators,
    } = options;
    if !app.join("index.html").is_file() {
        return Err(CliError::AppNotBuilt { dist: app });
    }
    let uses = if stores {
        DEMO_PORTS_WITH_STORES
    } else {
        DEMO_PORTS
    };
    if port.checked_add(uses).is_none() {
        return Err(CliError::DemoPortTooHigh {
            port,
            uses,
            below: u16::MAX - uses + 1,
        });
    }
    let root_key = dir.join("keys/root.key");
    let root_vkey = ensure_key(&root_key, ROOT_KEY_NAME)?;
    let key = dir.join("keys/status.key");
    ensure_key(&key, STATUS_KEY_NAME)?;
    // A key "retired" before the demo began, revoked in the key set, so the
    // revoked-key fault has something real to sign with.
    let retired_key = dir.join("keys/retired-status.key");
    ensure_key(&retired_key, STATUS_KEY_NAME)?;
    let log_key = dir.join("keys/log.key");
    let log_vkey = ensure_key(&log_key, LOG_KEY_NAME)?;
    let mut witness_specs = Vec::new();
    for (id, _) in REGIONS {
        let key = dir.join(format!("keys/witness-{id}.key"));
        ensure_key_kind(&key, &format!("witness-{id}.bongsu.demo"), KeyKind::Witness)?;
        witness_specs.push(format!("{id}={}", key.display()));
    }
    let mut probe_keys = Vec::new();
    for (id, _) in REGIONS {
        let key = dir.join(format!("keys/probe-{id}.key"));
        ensure_key(&key, &format!("probe-{id}.bongsu.demo"))?;
        probe_keys.push(key);
    }
    let region_dirs: Vec<PathBuf> = REGIONS
        .iter()
        .map(|(id, _)| dir.join("regions").join(id))
        .collect();
    ensure_key_set(&dir, &root_key, &region_dirs)?;
    let outs: Vec<PathBuf> = region_dirs.iter().map(|d| d.join("feed.note")).collect();
    for region in &region_dirs {
        std::fs::create_dir_all(region)?;
    }
    #[cfg_attr(not(feature = "publish"), allow(unused_mut))]
    let mut config = demo_config(&root_vkey, port);
    let stores = start_stores(stores, &emulators, &dir, port)?;
    #[cfg(feature = "publish")]
    if let Some(stores) = &stores {
        // The page reads the regions from their stores; the local region
        // servers stay, for the witnesses and the signer.
        for region in &mut config.regions {
            if let Some(store) = stores.region(&region.id) {
                region.url = store.public.clone();
                region.name = store.name.clone();
            }
        }
    }
    config.check()?;
    // The signer reads the probes from the region directories it writes.
    let probes = ProbeWatch {
        regions: REGIONS
            .iter()
            .zip(&region_dirs)
            .map(|((id, _), d)| ((*id).to_owned(), Source::Dir(d.clone())))
            .collect(),
        ..ProbeWatch::from_config(&config).0
    };
    let log = LogOptions {
        dir: dir.join("log"),
        key: log_key,
        witnesses: (0..REGIONS.len())
            .map(|i| format!("http://127.0.0.1:{}/witness", port + 1 + i as u16))
            .collect(),
        probes: Some(probes),
    };
    let variants = dir.join("fault-variants");
    let history = Arc::new(DemoHistory::new(
        &dir,
        log,
        key.clone(),
        outs.clone(),
        variants.clone(),
        bongsu_core::statuspage::PageInfo {
            name: "Kakao".to_owned(),
            url: format!("http://127.0.0.1:{port}/"),
            lang: Some(crate::demo::catalogue::LANG.to_owned()),
        },
    )?);
    let status = history.status.clone();

    let config_path = dir.join("config.json");
    let json = serde_json::to_string_pretty(&config).unwrap_or_default();
    crate::sign::write_atomically(&config_path, format!("{json}\n").as_bytes())?;

    let app_dir = app.clone();
    let app_config = config_path.clone();
    let mut sites = vec![Site {
        kind: SiteKind::App {
            config: Some(config_path),
        },
        dir: app,
        addr: format!("127.0.0.1:{port}"),
    }];
    let has_partner = partner.is_dir();
    if has_partner {
        sites.push(Site {
            kind: SiteKind::Page,
            dir: partner_page(&partner, &dir.join("partner"), port)?,
            addr: format!("127.0.0.1:{}", port + 4),
        });
    }
    for (i, (id, _)) in REGIONS.iter().enumerate() {
        sites.push(Site {
            kind: SiteKind::Region {
                id: (*id).to_owned(),
            },
            dir: dir.join("regions").join(id),
            addr: format!("127.0.0.1:{}", port + 1 + i as u16),
        });
    }
    let service_addrs: Vec<(String, std::net::SocketAddr)> = crate::demo::timeline::CATALOGUE
        .iter()
        .enumerate()
        .map(|(i, (id, ..))| {
            (
                (*id).to_owned(),
                ([127, 0, 0, 1], port + 10 + i as u16).into(),
            )
        })
        .collect();
    let services = DemoServices::start(&service_addrs, ServiceFault::Healthy);
    services.set_all(&stand_in_modes(&history.replay_services()));
    let replay = history.clone();
    let following = services.clone();
    let (replayed, replay_epochs) = tokio::sync::watch::channel(0u64);
    // The revoked-key fault signs with the retired key, which the key set
    // revokes; the fault server accepts no key the live key set trusts.
    let live = crate::keyset::newest_published(&outs);
    let stage = Stage {
        sites,
        witnesses: parse_witness_specs(
            &witness_specs,
            Some(&log_vkey),
            Some(&dir.join("witness-state")),
            // The demo's own witnesses, made with its keys: a new demo
            // directory starts them.
            true,
        )?,
        variants,
        forger: Forger::new(Some(read_signer(&retired_key)?), live.as_ref())?,
        admin: format!("127.0.0.1:{}", port + 9),
        token_file: Some(dir.join(ADMIN_TOKEN_FILE)),
        initial: Default::default(),
        replay: Some(Arc::new(move |how: &str| {
            let answer = replay.step(how)?;
            following.set_all(&stand_in_modes(&replay.replay_services()));
            replayed.send_modify(|epoch| *epoch += 1);
            Ok(answer)
        })),
        services: Some(services.clone()),
    };
    for ((id, _), (key, region_dir)) in REGIONS.iter().zip(probe_keys.iter().zip(&region_dirs)) {
        let config = demo_probe_config(id, &service_addrs);
        let out = region_dir.join("probe.note");
        let signer = read_signer(key)?;
        tokio::spawn(probe_loop(config, signer, out, replay_epochs.clone()));
    }
    let token_file = dir.join(ADMIN_TOKEN_FILE);
    let on_stores = stores.is_some();
    let stores = stores.map(Arc::new);
    let keep_stores = stores.clone();
    // Signing waits until the regions (and so their witnesses) are serving.
    let start = async move {
        let signed = tokio::task::spawn_blocking({
            let history = history.clone();
            move || -> Result<_, CliError> {
                history.ensure_started()?;
                history.sign(OffsetDateTime::now_utc())
            }
        })
        .await
        .map_err(|e| CliError::Io(std::io::Error::other(e)))??;
        report(&signed);
        println!(
            "signed {} seq {} into {} regions",
            signed.feed,
            signed.seq,
            REGIONS.len()
        );
        tokio::spawn(resign_loop(history, signed.expires_at));
        #[cfg(feature = "publish")]
        if let Some(stores) = &stores {
            for ((id, _), region_dir) in REGIONS.iter().zip(&region_dirs) {
                if let Some(sync) = stores.syncing(id, region_dir.clone()) {
                    let written = sync.once().await.map_err(CliError::Stores)?;
                    println!("published region {id} to its store ({written} files)");
                    tokio::spawn(sync.forever());
                }
            }
            stores.publish_app(&app_dir, &app_config).await?;
            crate::demo::stores::explain(stores);
        }
        #[cfg(not(feature = "publish"))]
        let _ = (&stores, &app_dir, &app_config, &region_dirs);
        println!("Bongsu demo: open http://127.0.0.1:{port}/");
        if has_partner {
            println!(
                "A partner's page embedding the status widget: http://127.0.0.1:{}/",
                port + 4
            );
        }
        println!(
            "Edit {} and save: the demo re-signs it into every region within a second.",
            status.display()
        );
        let token = format!(
            "-H \"Authorization: Bearer $(cat {})\"",
            token_file.display()
        );
        println!(
            "Step the Kakao replay: curl -X PUT {token} --data next http://127.0.0.1:{}/replay (or --data end)",
            port + 9
        );
        println!(
            "Break a service (the probes see it within {} s): curl -X PUT {token} --data break http://127.0.0.1:{}/services/kakaotalk/fault (repair: --data repair; modes: {})",
            PROBE_INTERVAL.as_secs(),
            port + 9,
            ServiceFault::names()
        );
        // With --stores the page reads the stores, not the local regions
        // the faults act on: stopping a store is the way to break one.
        if !on_stores {
            println!(
                "Break a region: curl -X PUT {token} --data blackhole http://127.0.0.1:{}/regions/seoul/fault (modes: {})",
                port + 9,
                crate::demo::fault::Fault::names()
            );
        }
        Ok(())
    };
    let served = crate::demo::stage::run(stage, start).await;
    // The storage servers stop with the demo.
    drop(keep_stores);
    served
}

#[cfg(feature = "publish")]
type Stores = crate::demo::stores::Stores;
#[cfg(not(feature = "publish"))]
type Stores = std::convert::Infallible;

/// The storage servers, if asked for.
fn start_stores(
    wanted: bool,
    emulators: &Path,
    dir: &Path,
    port: u16,
) -> Result<Option<Stores>, CliError> {
    if !wanted {
        return Ok(None);
    }
    #[cfg(feature = "publish")]
    return crate::demo::stores::start(emulators, dir, port).map(Some);
    #[cfg(not(feature = "publish"))]
    {
        let _ = (emulators, dir, port);
        Err(CliError::Stores(
            "this bongsu was built without the `publish` feature".into(),
        ))
    }
}

/// Where the control endpoint's token is written, in the demo directory.
pub const ADMIN_TOKEN_FILE: &str = "admin-token";

/// The sample partner page, copied to `to` with the app's default origin
/// in its HTML replaced by the demo's real one, so it works on any port.
fn partner_page(from: &Path, to: &Path, port: u16) -> Result<PathBuf, CliError> {
    const SAMPLE_APP_ORIGIN: &str = "http://127.0.0.1:8400";
    let origin = format!("http://127.0.0.1:{port}");
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        if !entry.file_type()?.is_file() {
            continue;
        }
        let mut bytes = std::fs::read(entry.path())?;
        if entry.path().extension().is_some_and(|e| e == "html") {
            bytes = String::from_utf8_lossy(&bytes)
                .replace(SAMPLE_APP_ORIGIN, &origin)
                .into_bytes();
        }
        crate::sign::write_atomically(&to.join(entry.file_name()), &bytes)?;
    }
    Ok(to.to_owned())
}

/// Prints what signing logged and anything that went wrong on the way.
fn report(signed: &crate::sign::Signed) {
    if let Some((commitment, added)) = &signed.log {
        if *added > 0 {
            println!(
                "logged {added} events; the history log now has {} entries",
                commitment.size
            );
        }
    }
    for w in &signed.warnings {
        eprintln!("warning: {w}");
    }
}

/// The demo's key set: root and status keys, version 1 on first run, and a
/// new version whenever the newest is near expiry. Every region gets the
/// chain beside its feed.
fn ensure_key_set(dir: &Path, root_key: &Path, regions: &[PathBuf]) -> Result<(), CliError> {
    let keys_toml = dir.join("keys.toml");
    // A demo directory from before the history log or the probes gets their roles,
    // published as a new key set version.
    let outdated = std::fs::read_to_string(&keys_toml).is_ok_and(|t| !t.contains("[probes."));
    if !keys_toml.exists() || outdated {
        let text = DEMO_KEYS_TOML.replace("{revoked}", DEMO_REVOKED);
        crate::sign::write_atomically(&keys_toml, text.as_bytes())?;
    }
    let chain = dir.join("keys.json");
    let now = OffsetDateTime::now_utc();
    let latest = std::fs::read(&chain)
        .ok()
        .and_then(|bytes| bongsu_core::parse_chain_file(&bytes).ok())
        .and_then(|notes| notes.last().cloned())
        .and_then(|note| {
            let text = note.split_once("\n\n").map(|(t, _)| t.to_owned())?;
            bongsu_core::keys::decode_key_set_text(text.as_bytes()).ok()
        });
    let outs: Vec<PathBuf> = regions.iter().map(|d| d.join("keys.json")).collect();
    match latest {
        Some(k) if k.expires_at - now > REISSUE_KEYS_BEFORE && !outdated => {
            // Regions created since (or wiped) still need the chain.
            let bytes = std::fs::read(&chain)?;
            for out in &outs {
                if std::fs::read(out).ok().as_deref() != Some(&bytes[..]) {
                    crate::sign::write_atomically(out, &bytes)?;
                }
            }
        }
        _ => {
            let published = crate::keyset::sign_key_set_file(
                &keys_toml,
                &[root_key.to_owned()],
                &chain,
                &outs,
                now,
            )?;
            println!(
                "published key set version {} (expires {})",
                published.version, published.expires_at
            );
        }
    }
    Ok(())
}

const DEMO_KEYS_TOML: &str = r#"# The demo's key set: the root key signs this, the status key signs feeds.
# Rotate the status key by adding a new key here, moving the old one to
# `revoked`, and running `bongsu keyset --keys keys.toml --key keys/root.key
# --chain keys.json --out regions/<id>/keys.json` (see docs/protocol/keys.md).
feed = "kakao"
valid_for = "90d"
{revoked}
[root]
threshold = 1
keys = ["keys/root.key.pub"]

[status]
threshold = 1
keys = ["keys/status.key.pub"]

# Signs the history log's checkpoints.
[log]
threshold = 1
keys = ["keys/log.key.pub"]

# Each region runs a witness that cosigns the log's checkpoints only if they
# extend what it saw before; readers require two of the three.
[witness]
threshold = 2
keys = ["keys/witness-seoul.key.pub", "keys/witness-busan.key.pub", "keys/witness-tokyo.key.pub"]

# Each region's probe signs what it measured of the services (probe.note);
# only a region's own probe key speaks for it.
[probes.seoul]
threshold = 1
keys = ["keys/probe-seoul.key.pub"]

[probes.busan]
threshold = 1
keys = ["keys/probe-busan.key.pub"]

[probes.tokyo]
threshold = 1
keys = ["keys/probe-tokyo.key.pub"]
"#;

/// Appended to the demo's key set file: the retired key is revoked.
const DEMO_REVOKED: &str = "revoked = [\"keys/retired-status.key.pub\"]\n";

/// The demo's key, made on first run and reused afterwards.
fn ensure_key(key: &Path, name: &str) -> Result<String, CliError> {
    ensure_key_kind(key, name, KeyKind::Signer)
}

fn ensure_key_kind(key: &Path, name: &str, kind: KeyKind) -> Result<String, CliError> {
    if key.exists() {
        let public = public_path(key);
        return std::fs::read_to_string(&public)
            .map(|s| s.trim().to_owned())
            .map_err(|source| CliError::ReadKey {
                path: public,
                source,
            });
    }
    if let Some(parent) = key.parent() {
        std::fs::create_dir_all(parent)?;
    }
    keygen_kind(name, key, kind)
}

/// The app's config: the root key is the only key it pins.
pub fn demo_config(root_vkey: &str, port: u16) -> AppConfig {
    AppConfig {
        // The demo replays the 2022 fire: its history ends on the replay's dates.
        replay: true,
        feed: "kakao".to_owned(),
        title: "Kakao services".to_owned(),
        trust: TrustPolicy {
            root: RoleKeys {
                threshold: 1,
                keys: vec![root_vkey.to_owned()],
            },
        },
        regions: REGIONS
            .iter()
            .enumerate()
            .map(|(i, (id, name))| RegionConfig {
                id: (*id).to_owned(),
                name: (*name).to_owned(),
                url: format!("http://127.0.0.1:{}/", port + 1 + i as u16),
            })
            .collect(),
        refresh_seconds: 15,
        timeout_ms: 4000,
        // Short, so that a service broken in the demo is called out within a minute.
        disagreement_grace_seconds: 20,
    }
}

/// Re-signs when the status file changes or the feed nears expiry. A bad
/// edit is reported and the last good feed keeps being served.
async fn resign_loop(history: Arc<DemoHistory>, mut expires_at: OffsetDateTime) {
    let mtime = |p: &Path| p.metadata().and_then(|m| m.modified()).ok();
    let mut seen: Option<SystemTime> = mtime(&history.status);
    let mut probes_checked = std::time::Instant::now();
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = OffsetDateTime::now_utc();
        let current = mtime(&history.status);
        let changed = current != seen;
        // Once per probe round: has a disagreement lasted its grace period, or ended?
        let mut disagreements = false;
        if probes_checked.elapsed() >= PROBE_INTERVAL {
            probes_checked = std::time::Instant::now();
            let checking = history.clone();
            disagreements =
                tokio::task::spawn_blocking(move || checking.disagreements_changed(now))
                    .await
                    .unwrap_or(false);
        }
        if !changed && !disagreements && expires_at - now > RESIGN_BEFORE_EXPIRY {
            continue;
        }
        seen = current;
        let signing = history.clone();
        let outcome = tokio::task::spawn_blocking(move || signing.sign(now)).await;
        match outcome {
            Ok(Ok(signed)) => {
                expires_at = signed.expires_at;
                report(&signed);
                println!(
                    "re-signed {} seq {} (expires {})",
                    signed.feed, signed.seq, signed.expires_at
                );
            }
            Ok(Err(error)) => {
                // Retry expiry-driven signing in a minute rather than every second.
                expires_at = now + RESIGN_BEFORE_EXPIRY + time::Duration::minutes(1);
                eprintln!("error: {error} (still serving the last good feed)");
            }
            Err(error) => eprintln!("error: signing stopped: {error}"),
        }
    }
}

/// How a stand-in behaves for a declared status: the replay's broken
/// services refuse connections, degraded ones answer slowly.
fn stand_in_modes(
    services: &[bongsu_core::Service],
) -> std::collections::BTreeMap<String, ServiceFault> {
    use bongsu_core::Status;
    services
        .iter()
        .map(|s| {
            let mode = match s.status() {
                Status::MajorOutage => ServiceFault::Down,
                Status::PartialOutage => ServiceFault::Error,
                Status::DegradedPerformance => ServiceFault::Slow,
                Status::Operational | Status::UnderMaintenance => ServiceFault::Healthy,
            };
            (s.id.clone(), mode)
        })
        .collect()
}

/// A region's probe of every stand-in: its health URL and its port.
fn demo_probe_config(region: &str, services: &[(String, std::net::SocketAddr)]) -> ProbeConfig {
    ProbeConfig {
        feed: "kakao".to_owned(),
        region: region.to_owned(),
        interval: PROBE_INTERVAL,
        window: PROBE_WINDOW,
        timeout: PROBE_TIMEOUT,
        services: services
            .iter()
            .map(|(id, addr)| ProbedService {
                id: id.clone(),
                checks: vec![
                    Check::Http {
                        url: format!("http://{addr}/health"),
                        expect_status: 200,
                        max_latency: PROBE_MAX_LATENCY,
                    },
                    Check::Tcp {
                        addr: addr.to_string(),
                    },
                ],
            })
            .collect(),
    }
}

/// One region's probe, for as long as the demo runs. When the replay moves
/// the stand-ins (a new moment of 2022, not something that happened now),
/// the probe starts over: otherwise its window would still remember the
/// old moment, and the recovery the replay declares would look, for half a
/// window, like an outage nobody declared.
async fn probe_loop(
    config: ProbeConfig,
    signer: signed_note::StandardSigner,
    out: PathBuf,
    mut replayed: tokio::sync::watch::Receiver<u64>,
) {
    let mut last = crate::probe::previous_observation(&out);
    let mut probe = crate::probe::Probe::new(config, last.clone());
    let outs = [out];
    let mut fresh = false;
    loop {
        if fresh {
            probe.start_over();
        }
        probe.run_round().await;
        let observation = probe.observation(OffsetDateTime::now_utc());
        match crate::probe::publish(&observation, &signer, &outs) {
            Err(error) => eprintln!("error: {error} (the probe goes on)"),
            Ok(()) => {
                // What the replay changed is the replay's news, not the probe's.
                if !fresh {
                    for line in crate::probe::changes(last.as_ref(), &observation) {
                        println!("probe: {line}");
                    }
                }
                last = Some(observation);
            }
        }
        // A replay step (made now, or during the round) starts the next
        // round at once, not after the sleep.
        let delay = probe.next_delay();
        fresh = tokio::select! {
            () = tokio::time::sleep(delay) => false,
            changed = replayed.changed() => match changed {
                Ok(()) => true,
                // The replay is gone (the demo is stopping): just wait.
                Err(_) => {
                    tokio::time::sleep(delay).await;
                    false
                }
            },
        };
    }
}

/// `bongsu demo`'s flags: what the command line gives, used as its options.
#[derive(Debug, clap::Args)]
pub struct Args {
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
    /// Put the regions and the app on local storage servers (an S3 server
    /// for Seoul, Busan and the app, Azure's Blob emulator for Tokyo) and
    /// publish every change there, as an operator would.
    #[arg(long)]
    stores: bool,
    /// Where `cargo xtask setup` installed the storage servers: the
    /// repository's folder.
    #[arg(long, default_value = ".")]
    emulators: PathBuf,
}

/// Runs `bongsu demo`.
pub fn run(args: Args) -> Result<(), CliError> {
    crate::runtime()?.block_on(demo(args))
}
