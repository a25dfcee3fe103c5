//! `bongsu demo`: keys, a status file, three signed regions and the app,
//! served on loopback and re-signed whenever the status file changes.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use bongsu_core::{AppConfig, RegionConfig, RoleKeys, TrustPolicy};
use time::OffsetDateTime;

use crate::demo_catalogue::STATUS_TOML;
use crate::error::CliError;
use crate::fault::FaultKeys;
use crate::keygen::read_signer;
use crate::keygen::{keygen, public_path};
use crate::serve::{serve, Faults, Site, SiteKind};
use crate::sign::sign_files;

const REGIONS: [(&str, &str); 3] = [("seoul", "Seoul"), ("busan", "Busan"), ("tokyo", "Tokyo")];
const STATUS_KEY_NAME: &str = "status.bongsu.demo";
const ROOT_KEY_NAME: &str = "root.bongsu.demo";
/// Publish a new key set when the newest one has less than this left.
const REISSUE_KEYS_BEFORE: time::Duration = time::Duration::days(7);
/// Re-sign when the current feed has less than this left.
const RESIGN_BEFORE_EXPIRY: time::Duration = time::Duration::minutes(10);

pub struct DemoOptions {
    pub dir: PathBuf,
    pub app: PathBuf,
    pub port: u16,
}

pub async fn demo(options: DemoOptions) -> Result<(), CliError> {
    let DemoOptions { dir, app, port } = options;
    if !app.join("index.html").is_file() {
        return Err(CliError::AppNotBuilt { dist: app });
    }
    let root_key = dir.join("keys/root.key");
    let root_vkey = ensure_key(&root_key, ROOT_KEY_NAME)?;
    let key = dir.join("keys/status.key");
    ensure_key(&key, STATUS_KEY_NAME)?;
    // A key "retired" before the demo began, revoked in the key set, so the
    // revoked-key fault has something real to sign with.
    let retired_key = dir.join("keys/retired-status.key");
    ensure_key(&retired_key, STATUS_KEY_NAME)?;
    let region_dirs: Vec<PathBuf> = REGIONS
        .iter()
        .map(|(id, _)| dir.join("regions").join(id))
        .collect();
    ensure_key_set(&dir, &root_key, &region_dirs)?;
    let status = dir.join("status.toml");
    if !status.exists() {
        crate::sign::write_atomically(&status, STATUS_TOML.as_bytes())?;
    }
    let outs: Vec<PathBuf> = region_dirs.iter().map(|d| d.join("feed.note")).collect();
    let signed = sign_files(&key, &status, &outs, None, None, OffsetDateTime::now_utc())?;
    println!(
        "signed {} seq {} into {} regions",
        signed.feed,
        signed.seq,
        outs.len()
    );

    let config = demo_config(&root_vkey, port);
    config.check()?;
    let config_path = dir.join("config.json");
    let json = serde_json::to_string_pretty(&config).unwrap_or_default();
    crate::sign::write_atomically(&config_path, format!("{json}\n").as_bytes())?;

    let mut sites = vec![Site {
        kind: SiteKind::App {
            config: Some(config_path),
        },
        dir: app,
        addr: format!("127.0.0.1:{port}"),
    }];
    for (i, (id, _)) in REGIONS.iter().enumerate() {
        sites.push(Site {
            kind: SiteKind::Region {
                id: (*id).to_owned(),
            },
            dir: dir.join("regions").join(id),
            addr: format!("127.0.0.1:{}", port + 1 + i as u16),
        });
    }
    let faults = Faults {
        admin: Some(format!("127.0.0.1:{}", port + 9)),
        keys: FaultKeys::new(Some(read_signer(&key)?), Some(read_signer(&retired_key)?))?,
        initial: Default::default(),
        witnesses: Default::default(),
    };
    tokio::spawn(resign_loop(key, status.clone(), outs, signed.expires_at));
    println!("Bongsu demo: open http://127.0.0.1:{port}/");
    println!(
        "Edit {} and save: the demo re-signs it into every region within a second.",
        status.display()
    );
    println!(
        "Break a region: curl -X PUT --data blackhole http://127.0.0.1:{}/regions/seoul/fault (modes: {})",
        port + 9,
        crate::fault::Fault::names()
    );
    serve(sites, Some(faults)).await
}

/// The demo's key set: root and status keys, version 1 on first run, and a
/// new version whenever the newest is near expiry. Every region gets the
/// chain beside its feed.
fn ensure_key_set(dir: &Path, root_key: &Path, regions: &[PathBuf]) -> Result<(), CliError> {
    let keys_toml = dir.join("keys.toml");
    if !keys_toml.exists() {
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
            bongsu_core::keyset::decode_key_set_text(text.as_bytes()).ok()
        });
    let outs: Vec<PathBuf> = regions.iter().map(|d| d.join("keys.json")).collect();
    match latest {
        Some(k) if k.expires_at - now > REISSUE_KEYS_BEFORE => {
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
# --chain keys.json --out regions/<id>/keys.json` (see docs/PROTOCOL.md).
feed = "kakao"
valid_for = "90d"
{revoked}
[root]
threshold = 1
keys = ["keys/root.key.pub"]

[status]
threshold = 1
keys = ["keys/status.key.pub"]
"#;

/// Appended to the demo's key set file: the retired key is revoked.
const DEMO_REVOKED: &str = "revoked = [\"keys/retired-status.key.pub\"]\n";

/// The demo's key, made on first run and reused afterwards.
fn ensure_key(key: &Path, name: &str) -> Result<String, CliError> {
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
    keygen(name, key)
}

/// The app's config: the root key is the only key it pins.
pub fn demo_config(root_vkey: &str, port: u16) -> AppConfig {
    AppConfig {
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
    }
}

/// Re-signs when the status file changes or the feed nears expiry. A bad
/// edit is reported and the last good feed keeps being served.
async fn resign_loop(
    key: PathBuf,
    status: PathBuf,
    outs: Vec<PathBuf>,
    mut expires_at: OffsetDateTime,
) {
    let mtime = |p: &Path| p.metadata().and_then(|m| m.modified()).ok();
    let mut seen: Option<SystemTime> = mtime(&status);
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = OffsetDateTime::now_utc();
        let current = mtime(&status);
        let changed = current != seen;
        if !changed && expires_at - now > RESIGN_BEFORE_EXPIRY {
            continue;
        }
        seen = current;
        match sign_files(&key, &status, &outs, None, None, now) {
            Ok(signed) => {
                expires_at = signed.expires_at;
                println!(
                    "re-signed {} seq {} (expires {})",
                    signed.feed, signed.seq, signed.expires_at
                );
            }
            Err(error) => {
                // Retry expiry-driven signing in a minute rather than every second.
                expires_at = now + RESIGN_BEFORE_EXPIRY + time::Duration::minutes(1);
                eprintln!("error: {error} (still serving the last good feed)");
            }
        }
    }
}
