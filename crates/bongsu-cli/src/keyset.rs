//! `bongsu keyset`: sign the next version of the operator's key set with the
//! root keys and append it to the published chain (`keys.json`).
//!
//! The key set is described in a small TOML file:
//!
//! ```toml
//! feed = "kakao"
//! valid_for = "365d"            # 1d to 3650d
//! revoked = ["status-2025.example+1a2b3c4d+AbC…"]   # optional
//!
//! [root]                        # who signs the NEXT key set
//! threshold = 1
//! keys = ["keys/root.key.pub"]  # verifier keys, or paths to .pub files
//!
//! [status]                      # who signs the status feed
//! threshold = 1
//! keys = ["keys/status.key.pub"]
//!
//! [log]                         # optional: signs history checkpoints
//! [witness]                     # optional: history cosigners (keygen --witness)
//! [probes.seoul]                # optional: each region's probe
//! ```
//!
//! Before anything is written, the whole new chain is verified exactly as a
//! reader would, so a rotation signed by too few old or new root keys is
//! refused with the reason instead of being published.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bongsu_core::{
    chain_file, parse_chain_file, sign_key_set, KeyChain, KeySet, RoleKeys, Roles, SignError,
};
use serde::Deserialize;
use signed_note::Signer;
use time::{Duration, OffsetDateTime};

use crate::error::CliError;
use crate::keygen::{read_signer, KeyEntryError};
use crate::sign::write_atomically;
use crate::status_file::parse_duration;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeySetFile {
    feed: String,
    valid_for: String,
    #[serde(default)]
    revoked: Vec<String>,
    root: RoleFile,
    status: RoleFile,
    log: Option<RoleFile>,
    witness: Option<RoleFile>,
    #[serde(default)]
    probes: BTreeMap<String, RoleFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleFile {
    threshold: usize,
    keys: Vec<String>,
}

/// What was published.
#[derive(Debug)]
pub struct Published {
    pub feed: String,
    pub version: u64,
    pub expires_at: OffsetDateTime,
}

/// Signs the next key set described by `keys_file` with every `signers`
/// key, appends it to the chain in `chain` (created if missing), verifies
/// the result as a reader would, and writes it to `chain` and every `outs`.
pub fn sign_key_set_file(
    keys_file: &Path,
    signers: &[PathBuf],
    chain: &Path,
    outs: &[PathBuf],
    now: OffsetDateTime,
) -> Result<Published, CliError> {
    // Held for the whole run: two runs would both sign the same version.
    let _locks = crate::lock::lock_dirs(
        std::iter::once(chain)
            .chain(outs.iter().map(PathBuf::as_path))
            .map(|file| file.parent().unwrap_or(Path::new(".")).to_owned()),
        crate::lock::LOCK_WAIT,
    )?;
    let invalid = |message: String| CliError::KeySetInvalid {
        path: keys_file.to_owned(),
        message,
    };
    let text = std::fs::read_to_string(keys_file).map_err(|source| CliError::ReadFile {
        path: keys_file.to_owned(),
        source,
    })?;
    let file: KeySetFile = toml::from_str(&text).map_err(|e| invalid(e.message().to_owned()))?;
    let base = keys_file.parent().unwrap_or(Path::new("."));

    let mut notes = match std::fs::read(chain) {
        Ok(bytes) => parse_chain_file(&bytes).map_err(|e| CliError::ChainInvalid {
            path: chain.to_owned(),
            message: e.to_string(),
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(source) => {
            return Err(CliError::ReadFile {
                path: chain.to_owned(),
                source,
            })
        }
    };
    // The operator's own chain: trust its first key set's root, then check
    // every step from there exactly as readers do.
    let mut existing = None;
    if let Some(first) = notes.first() {
        let text = signed_note::Note::from_bytes(first.as_bytes())
            .map(|n| n.text().to_vec())
            .unwrap_or_default();
        let first_root = bongsu_core::keys::decode_key_set_text(&text)
            .map_err(|message| CliError::ChainInvalid {
                path: chain.to_owned(),
                message,
            })?
            .root;
        let mut reader = KeyChain::new(first_root, &file.feed);
        reader.extend(&notes).map_err(|e| CliError::ChainInvalid {
            path: chain.to_owned(),
            message: e.to_string(),
        })?;
        existing = Some(reader);
    }
    let version = existing
        .as_ref()
        .and_then(|r| r.latest())
        .map_or(1, |k| k.version + 1);

    let valid_for = parse_duration(&file.valid_for, Duration::days(1), Duration::days(3650))
        .map_err(|m| invalid(format!("valid_for: {m}")))?;
    let issued_at = now.replace_nanosecond(0).unwrap_or(now);
    let role = |name: &str, r: &RoleFile| -> Result<RoleKeys, CliError> {
        let keys = r
            .keys
            .iter()
            .map(|k| resolve_key(base, k).map_err(|m| invalid(format!("{name}: {m}"))))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(RoleKeys {
            threshold: r.threshold,
            keys,
        })
    };
    let key_set = KeySet {
        feed: file.feed.clone(),
        version,
        issued_at,
        expires_at: issued_at + valid_for,
        root: role("root", &file.root)?,
        roles: Roles {
            status: role("status", &file.status)?,
            log: file.log.as_ref().map(|l| role("log", l)).transpose()?,
            witness: file
                .witness
                .as_ref()
                .map(|w| role("witness", w))
                .transpose()?,
            probes: file
                .probes
                .iter()
                .map(|(region, r)| Ok((region.clone(), role(&format!("probes.{region}"), r)?)))
                .collect::<Result<_, CliError>>()?,
        },
        revoked: file
            .revoked
            .iter()
            .map(|k| resolve_key(base, k).map_err(|m| invalid(format!("revoked: {m}"))))
            .collect::<Result<_, _>>()?,
    };

    let signers = signers
        .iter()
        .map(|p| read_signer(p))
        .collect::<Result<Vec<_>, _>>()?;
    let dyn_signers: Vec<&dyn Signer> = signers.iter().map(|s| s as &dyn Signer).collect();
    let note = sign_key_set(&key_set, &dyn_signers).map_err(|e| match e {
        SignError::InvalidKeySet(message) => invalid(message),
        other => CliError::Sign(other),
    })?;
    notes.push(note);

    let mut reader = existing.unwrap_or_else(|| KeyChain::new(key_set.root.clone(), &file.feed));
    reader.extend(&notes).map_err(|e| CliError::KeySetRefused {
        version,
        reason: e.to_string(),
    })?;
    if reader.latest().map(|k| k.version) != Some(version) {
        return Err(CliError::KeySetRefused {
            version,
            reason: "readers would not trust it".to_owned(),
        });
    }
    let bytes = chain_file(&notes);
    for path in std::iter::once(chain).chain(outs.iter().map(PathBuf::as_path)) {
        write_atomically(path, bytes.as_bytes())?;
    }
    Ok(Published {
        feed: key_set.feed,
        version,
        expires_at: key_set.expires_at,
    })
}

/// A verifier key written out, or a path (relative to the key set file) to a
/// `.pub` file holding one: a signer key or a witness's cosignature key.
fn resolve_key(base: &Path, entry: &str) -> Result<String, String> {
    let is_key = |k: &str| {
        crate::keygen::is_signer_key(k) || bongsu_core::keys::CosignatureVerifier::new(k).is_ok()
    };
    crate::keygen::resolve_verifier_key(base, entry, is_key).map_err(|e| match e {
        KeyEntryError::Unreadable { source, .. } => {
            format!("`{entry}` is neither a verifier key nor a readable .pub file ({source})")
        }
        KeyEntryError::NotAKey { path } => {
            format!("{} does not hold a verifier key", path.display())
        }
    })
}

/// The newest key set in the chains (`keys.json`) published beside the
/// given feed files: what readers of those regions trust now. These are
/// the operator's own staging files, which `keyset` verified as a reader
/// would before writing them; the signer uses this to check witness
/// cosignatures before it publishes them.
pub fn newest_published(feed_files: &[PathBuf]) -> Option<KeySet> {
    feed_files
        .iter()
        .filter_map(|feed| newest_in(&feed.parent().unwrap_or(Path::new(".")).join("keys.json")))
        .max_by_key(|k| k.version)
}

/// The newest key set in the operator's chain file at `chain`.
pub fn newest_in(chain: &Path) -> Option<KeySet> {
    let bytes = std::fs::read(chain).ok()?;
    let last = parse_chain_file(&bytes).ok()?.pop()?;
    let note = signed_note::Note::from_bytes(last.as_bytes()).ok()?;
    bongsu_core::keys::decode_key_set_text(note.text()).ok()
}

/// `bongsu keyset`'s flags: what the command line gives, used as its options.
#[derive(Debug, clap::Args)]
pub struct Args {
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
    #[command(flatten)]
    to: crate::publish::To,
}

/// Runs `bongsu keyset`.
pub fn run(args: Args) -> Result<(), CliError> {
    let Args {
        keys,
        signers,
        chain,
        out,
        to,
    } = args;
    let destinations = to.plan(&out)?;
    let published = sign_key_set_file(
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
    // Only the chain: a key set is published before anything it signs.
    to.publish(
        &destinations,
        false,
        &format!("key set version {}", published.version),
    )
}
