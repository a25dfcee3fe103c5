//! Root-signed key sets and the chain of them: how the app learns which
//! online keys to trust, and how keys rotate without a rebuild.
//!
//! The model is The Update Framework's root metadata (see docs/protocol/keys.md):
//!
//! - A **key set** names the root keys and every online role's keys with
//!   their thresholds, lists revoked keys, and has a version and an expiry.
//! - Version `n + 1` is trusted only when it is signed by a threshold of
//!   version `n`'s root keys **and** a threshold of its own root keys, so a
//!   root rotation needs both the old and the new root to agree.
//! - The app pins root keys only. It walks the published chain from the
//!   first key set its pinned root signed, remembers the newest version it
//!   trusted, and never goes back.
//! - The newest trusted key set must be unexpired for feeds to be accepted
//!   (a frozen, never-updated key set stops working instead of lingering).
//!
//! Everything here is a pure function of bytes and the trusted state.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::keys::signature::{check_signatures, SignatureError};
use crate::keys::trust::{RoleKeys, TrustError};
use crate::text::is_valid_id;
use crate::text::json::{FromJson, Problem, Value};

/// How far the reader's clock may be off before expiry is enforced.
pub const MAX_CLOCK_SKEW: Duration = Duration::minutes(5);

/// The first line of every key set note.
pub const KEY_SET_FORMAT_LINE: &str = "bongsu-key-set/v1";
/// The `format` of the published chain file (`keys.json`).
pub const KEY_CHAIN_FORMAT: &str = "bongsu-key-chain/v1";
/// Larger chain files are rejected before parsing.
pub const MAX_KEY_CHAIN_BYTES: usize = 256 * 1024;

/// One version of the operator's keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeySet {
    /// The feed these keys are for.
    pub feed: String,
    /// 1 for the first key set; each next one is exactly one higher.
    pub version: u64,
    #[serde(with = "crate::text::rfc3339")]
    pub issued_at: OffsetDateTime,
    /// After this (plus the clock-skew allowance) the keys sign nothing.
    #[serde(with = "crate::text::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// The keys that sign the next key set (together with its own root).
    pub root: RoleKeys,
    pub roles: Roles,
    /// Keys that must never be trusted again, as full verifier keys, so a
    /// feed they sign is named as signed by a revoked key.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revoked: Vec<String>,
}

/// The online roles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Roles {
    /// Signs the status feed.
    pub status: RoleKeys,
    /// Signs the history log's checkpoints. Every log key has the same
    /// name, which is the log's origin line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<RoleKeys>,
    /// Cosign history checkpoints (C2SP tlog-cosignature keys, type 0x04).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub witness: Option<RoleKeys>,
    /// Each region's probe, by region id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub probes: BTreeMap<String, RoleKeys>,
}

/// The published chain file: every key set ever issued, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyChainFile {
    pub format: String,
    /// Signed key set notes, in version order.
    pub key_sets: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeySetError {
    #[error("the key chain is over the {limit}-byte limit")]
    TooLarge { limit: usize },
    #[error("the key chain is not a valid keys.json: {message}")]
    ChainJson { message: String },
    #[error("the key chain's format is `{found}`, expected `{KEY_CHAIN_FORMAT}`")]
    ChainFormat { found: String },
    #[error("key set #{position} in the chain is not a key set: {message}")]
    Text { position: usize, message: String },
    #[error("key set #{position} in the chain is not signed by the root keys that must sign it: {source}")]
    Unsigned {
        position: usize,
        source: SignatureError,
    },
    #[error("key set version {version}: {source}")]
    Signature {
        version: u64,
        source: SignatureError,
    },
    #[error("key set version {version} breaks the key set rules: {message}")]
    Invalid { version: u64, message: String },
    #[error("key set version {version} is for feed `{found}`, but this page shows `{expected}`")]
    WrongFeed {
        version: u64,
        expected: String,
        found: String,
    },
    #[error("the key chain is out of order: version {version} follows version {after}")]
    OutOfOrder { version: u64, after: u64 },
    #[error("the key chain skips from version {after} to {version}")]
    Gap { after: u64, version: u64 },
    #[error("two different key sets with version {version} are both signed by the root: the root keys were misused")]
    Conflict { version: u64 },
    #[error("no key set in the chain is signed by the pinned root keys (first problem: {first})")]
    NoAnchor { first: String },
    #[error("the chain is empty")]
    Empty,
}

/// Why no feed can be verified right now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeysUnusable {
    #[error("no key set signed by the pinned root keys has been received yet")]
    NoKeySet,
    #[error("the newest key set (version {version}) expired at {}; the operator must publish a new one", crate::text::rfc3339::shown(*expires_at))]
    Expired {
        version: u64,
        expires_at: OffsetDateTime,
    },
}

/// A key set the reader has verified, with the note it came in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedKeySet {
    pub key_set: KeySet,
    pub note: String,
}

/// What the reader trusts: the pinned root and the key sets verified from
/// it, oldest first. Only ever grows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyChain {
    anchor: RoleKeys,
    feed: String,
    trusted: Vec<TrustedKeySet>,
}

/// The note text for a key set (ends in a newline, as signed notes require).
pub fn encode_key_set_text(key_set: &KeySet) -> String {
    // Plain structs with string map keys: serializing cannot fail.
    let json = serde_json::to_string(key_set).unwrap_or_default();
    format!("{KEY_SET_FORMAT_LINE}\n{json}\n")
}

/// Parses a key set note's text (not its signatures).
pub fn decode_key_set_text(text: &[u8]) -> Result<KeySet, String> {
    let text = std::str::from_utf8(text).map_err(|_| "the text is not UTF-8".to_owned())?;
    let body = text.strip_suffix('\n').unwrap_or(text);
    let (first, json) = body
        .split_once('\n')
        .ok_or_else(|| "it has no JSON line".to_owned())?;
    if first != KEY_SET_FORMAT_LINE {
        let found: String = first.chars().take(80).collect();
        return Err(format!(
            "its first line is `{found}`, expected `{KEY_SET_FORMAT_LINE}`"
        ));
    }
    if json.contains('\n') {
        return Err("the JSON must be one line".to_owned());
    }
    crate::text::json::read(json, KeySet::from_json)
        .map_err(|e| format!("invalid JSON at column {}: {}", e.column, e.message))
}

/// The signed text of a note (what its signatures cover), as the
/// signed-note reader splits it: at the last blank line.
fn note_text(note: &str) -> Option<Vec<u8>> {
    crate::keys::note::Note::parse(note.as_bytes()).map(|n| n.text().to_vec())
}

/// A key set note's content. Only for a note whose signature by a trusted
/// root has been checked.
fn decode_note(note: &str, position: usize) -> Result<KeySet, KeySetError> {
    let text = note_text(note).ok_or_else(|| KeySetError::Text {
        position,
        message: "it is not a signed note".to_owned(),
    })?;
    decode_key_set_text(&text).map_err(|message| KeySetError::Text { position, message })
}

/// Versions in a chain are consecutive: a mirror that dropped one is broken
/// even where this reader already knows the rest.
fn in_order(previous: Option<u64>, version: u64) -> Result<(), KeySetError> {
    match previous {
        Some(after) if version <= after => Err(KeySetError::OutOfOrder { version, after }),
        Some(after) if version != after + 1 => Err(KeySetError::Gap { after, version }),
        _ => Ok(()),
    }
}

/// The log's origin: the name its keys share.
pub fn log_origin(log: &RoleKeys) -> Option<String> {
    let first = log.keys.first()?;
    first.split('+').next().map(str::to_owned)
}

/// Checks the rules a key set must follow on its own.
pub fn validate_key_set(key_set: &KeySet) -> Result<(), String> {
    if !is_valid_id(&key_set.feed) {
        return Err(format!("`{}` is not a valid feed identifier", key_set.feed));
    }
    if key_set.version == 0 {
        return Err("versions start at 1".to_owned());
    }
    if key_set.expires_at <= key_set.issued_at {
        return Err("it expires before it is issued".to_owned());
    }
    let trust = |e: TrustError| e.to_string();
    key_set.root.check("root").map_err(trust)?;
    key_set.roles.status.check("status").map_err(trust)?;
    if let Some(log) = &key_set.roles.log {
        log.check("log").map_err(trust)?;
        let origin = log_origin(log);
        if log
            .keys
            .iter()
            .any(|k| k.split('+').next().map(str::to_owned) != origin)
        {
            return Err("every log key must have the same name (the log's origin)".to_owned());
        }
    }
    if let Some(witness) = &key_set.roles.witness {
        check_witness_keys(witness)?;
    }
    let mut probe_owner: BTreeMap<[u8; 32], &str> = BTreeMap::new();
    for (region, keys) in &key_set.roles.probes {
        if !is_valid_id(region) {
            return Err(format!("probe region `{region}` is not a valid identifier"));
        }
        keys.check(&format!("probe.{region}")).map_err(trust)?;
        // One key in two regions would let one probe count twice in the
        // consensus; the same public key under two names is one key.
        for key in keys
            .keys
            .iter()
            .filter_map(|k| crate::keys::note::VerifierKey::parse(k))
        {
            if let Some(other) = probe_owner.insert(key.public_key(), region) {
                return Err(format!(
                    "probe key {} is listed for both `{other}` and `{region}`; each region needs its own probe key",
                    key.name
                ));
            }
        }
    }
    let revoked = RoleKeys {
        threshold: 1,
        keys: key_set.revoked.clone(),
    };
    if !key_set.revoked.is_empty() {
        revoked.check("revoked").map_err(trust)?;
    }
    let revoked: HashSet<String> = revoked.identities().into_iter().collect();
    let in_use = std::iter::once(&key_set.root)
        .chain(std::iter::once(&key_set.roles.status))
        .chain(key_set.roles.log.iter())
        .chain(key_set.roles.probes.values());
    for keys in in_use {
        if let Some(key) = keys.identities().into_iter().find(|k| revoked.contains(k)) {
            return Err(format!("key {key} is both revoked and in use"));
        }
    }
    Ok(())
}

fn check_witness_keys(witness: &RoleKeys) -> Result<(), String> {
    if witness.threshold == 0 || witness.threshold > witness.keys.len() {
        return Err(TrustError::BadThreshold {
            role: "witness".into(),
            threshold: witness.threshold,
            keys: witness.keys.len(),
        }
        .to_string());
    }
    let mut names = HashSet::new();
    let mut public_keys = HashSet::new();
    for key in &witness.keys {
        let v = crate::keys::cosignature::CosignatureVerifier::new(key)
            .map_err(|e| format!("role `witness`: {e}"))?;
        // Distinct names and distinct keys: one witness cannot count twice,
        // neither under two keys nor with one key under two names.
        if !names.insert(v.name().to_owned()) {
            return Err(format!("role `witness`: two keys are named `{}`", v.name()));
        }
        if !public_keys.insert(v.key().public_key()) {
            return Err(format!(
                "role `witness`: `{}` has the same public key as another witness",
                v.name()
            ));
        }
    }
    Ok(())
}

/// Parses the published chain file into its notes.
pub fn parse_chain_file(bytes: &[u8]) -> Result<Vec<String>, KeySetError> {
    if bytes.len() > MAX_KEY_CHAIN_BYTES {
        return Err(KeySetError::TooLarge {
            limit: MAX_KEY_CHAIN_BYTES,
        });
    }
    let chain_json = |message| KeySetError::ChainJson { message };
    let text = std::str::from_utf8(bytes).map_err(|_| chain_json("it is not UTF-8".to_owned()))?;
    let file = crate::text::json::read(text, KeyChainFile::from_json)
        .map_err(|e| chain_json(e.to_string()))?;
    if file.format != KEY_CHAIN_FORMAT {
        return Err(KeySetError::ChainFormat {
            found: file.format.chars().take(80).collect(),
        });
    }
    Ok(file.key_sets)
}

/// The chain file for a list of notes.
///
/// Written by hand, byte for byte as serde_json's pretty printer writes
/// [`KeyChainFile`], so the browser build needs no JSON serializer.
pub fn chain_file(notes: &[String]) -> String {
    let mut out = String::from("{\n  \"format\": ");
    crate::text::json::write_string(&mut out, KEY_CHAIN_FORMAT);
    out.push_str(",\n  \"key_sets\": [");
    for (i, note) in notes.iter().enumerate() {
        out.push_str(if i == 0 { "\n    " } else { ",\n    " });
        crate::text::json::write_string(&mut out, note);
    }
    out.push_str(if notes.is_empty() {
        "]\n}\n"
    } else {
        "\n  ]\n}\n"
    });
    out
}

impl KeyChain {
    /// Trusts nothing yet but the pinned root keys.
    pub fn new(anchor: RoleKeys, feed: &str) -> KeyChain {
        KeyChain {
            anchor,
            feed: feed.to_owned(),
            trusted: Vec::new(),
        }
    }

    /// The newest trusted key set.
    pub fn latest(&self) -> Option<&KeySet> {
        self.trusted.last().map(|t| &t.key_set)
    }

    /// Every trusted key set, oldest first.
    pub fn trusted(&self) -> &[TrustedKeySet] {
        &self.trusted
    }

    /// The trusted notes, oldest first: what a reader persists.
    pub fn notes(&self) -> Vec<String> {
        self.trusted.iter().map(|t| t.note.clone()).collect()
    }

    /// The key set that feeds must be signed under at `now`.
    pub fn current(&self, now: OffsetDateTime) -> Result<&KeySet, KeysUnusable> {
        let latest = self.latest().ok_or(KeysUnusable::NoKeySet)?;
        if now - latest.expires_at > MAX_CLOCK_SKEW {
            return Err(KeysUnusable::Expired {
                version: latest.version,
                expires_at: latest.expires_at,
            });
        }
        Ok(latest)
    }

    /// Trusts every key set in `notes` that extends what is trusted, in
    /// order. Returns how many versions were added. On an error the versions
    /// accepted before it stay trusted; nothing after it is looked at.
    ///
    /// A key set's signature is checked before its JSON is read: an entry
    /// no trusted root signed is never decoded. While nothing is trusted,
    /// every entry is checked against the pinned root at once (one batch of
    /// checks in the browser, however long a hostile chain is); entries
    /// from before that root's time are history this reader cannot check
    /// and are skipped.
    pub fn extend(&mut self, notes: &[String]) -> Result<usize, KeySetError> {
        if notes.is_empty() {
            return Err(KeySetError::Empty);
        }
        let before = self.trusted.len();
        let anchored: Vec<Result<(), SignatureError>> = if self.trusted.is_empty() {
            notes
                .iter()
                .map(|n| check_signatures(n.as_bytes(), &self.anchor, "root", &[]).map(|_| ()))
                .collect()
        } else {
            Vec::new()
        };
        let mut previous_version = None;
        let mut first_anchor_problem = None;
        // Entries before the first one this reader can place are history
        // from before its pinned root: skipped, not errors.
        let mut placed = false;
        for (index, note) in notes.iter().enumerate() {
            let position = index + 1;
            let version = match self.trusted.last() {
                None => {
                    if let Some(Err(problem)) = anchored.get(index) {
                        first_anchor_problem.get_or_insert_with(|| problem.to_string());
                        continue;
                    }
                    let key_set = decode_note(note, position)?;
                    let version = key_set.version;
                    in_order(previous_version, version)?;
                    let anchor = self.anchor.clone();
                    if let Err(problem) = self.accept(note, key_set, &anchor) {
                        first_anchor_problem.get_or_insert_with(|| problem.to_string());
                    }
                    version
                }
                Some(latest) => {
                    let latest = latest.key_set.clone();
                    match self.extend_with(note, position, previous_version, latest) {
                        Err(KeySetError::Unsigned { .. }) if !placed => continue,
                        other => other?,
                    }
                }
            };
            placed = true;
            previous_version = Some(version);
        }
        if self.trusted.is_empty() {
            return Err(KeySetError::NoAnchor {
                first: first_anchor_problem.unwrap_or_default(),
            });
        }
        Ok(self.trusted.len() - before)
    }

    /// One entry of a chain once something is trusted: a version already
    /// held (the same text), the next version signed by the newest root, or
    /// an error. Returns the entry's version.
    fn extend_with(
        &mut self,
        note: &str,
        position: usize,
        previous: Option<u64>,
        latest: KeySet,
    ) -> Result<u64, KeySetError> {
        let text = note_text(note);
        if let Some(held) = self
            .trusted
            .iter()
            .find(|t| text.is_some() && note_text(&t.note) == text)
        {
            in_order(previous, held.key_set.version)?;
            return Ok(held.key_set.version);
        }
        match check_signatures(note.as_bytes(), &latest.root, "root", &latest.revoked) {
            Ok(_) => {
                let key_set = decode_note(note, position)?;
                let version = key_set.version;
                in_order(previous, version)?;
                if version == latest.version + 1 {
                    self.accept(note, key_set, &latest.root)?;
                } else if version <= latest.version {
                    self.check_known(note, version)?;
                } else {
                    return Err(KeySetError::Gap {
                        after: latest.version,
                        version,
                    });
                }
                Ok(version)
            }
            Err(source) => {
                // Signed by an earlier root: a second copy of a version that
                // root signed (a conflict), or a new version the current
                // root did not agree to. Signed by no root: not decoded.
                let earlier = std::iter::once(&self.anchor)
                    .chain(self.trusted.iter().map(|t| &t.key_set.root))
                    .any(|root| check_signatures(note.as_bytes(), root, "root", &[]).is_ok());
                if !earlier {
                    return Err(KeySetError::Unsigned { position, source });
                }
                let version = decode_note(note, position)?.version;
                in_order(previous, version)?;
                if version <= latest.version {
                    self.check_known(note, version)?;
                    return Ok(version);
                }
                Err(KeySetError::Signature { version, source })
            }
        }
    }

    /// Verifies `note` as the next key set under `signing_root` and its own
    /// root, and trusts it.
    fn accept(
        &mut self,
        note: &str,
        key_set: KeySet,
        signing_root: &RoleKeys,
    ) -> Result<(), KeySetError> {
        let version = key_set.version;
        let signature = |source| KeySetError::Signature { version, source };
        let previous_revoked = self.latest().map(|k| k.revoked.clone()).unwrap_or_default();
        check_signatures(note.as_bytes(), signing_root, "root", &previous_revoked)
            .map_err(signature)?;
        validate_key_set(&key_set).map_err(|message| KeySetError::Invalid { version, message })?;
        if key_set.feed != self.feed {
            return Err(KeySetError::WrongFeed {
                version,
                expected: self.feed.clone(),
                found: key_set.feed,
            });
        }
        // The new root must agree too, so a root rotation cannot name keys
        // that never signed.
        check_signatures(note.as_bytes(), &key_set.root, "root", &key_set.revoked)
            .map_err(signature)?;
        self.trusted.push(TrustedKeySet {
            key_set,
            note: note.to_owned(),
        });
        Ok(())
    }

    /// A version the reader already holds must say the same thing; if it
    /// differs and the root that signed the held copy also signed this one,
    /// the root equivocated.
    fn check_known(&self, note: &str, version: u64) -> Result<(), KeySetError> {
        let Some(index) = self
            .trusted
            .iter()
            .position(|t| t.key_set.version == version)
        else {
            // Older than anything this reader trusted: not its history.
            return Ok(());
        };
        if note_text(&self.trusted[index].note) == note_text(note) && note_text(note).is_some() {
            return Ok(());
        }
        let signing_root = match index {
            0 => &self.anchor,
            i => &self.trusted[i - 1].key_set.root,
        };
        match check_signatures(note.as_bytes(), signing_root, "root", &[]) {
            Ok(_) => Err(KeySetError::Conflict { version }),
            Err(source) => Err(KeySetError::Signature { version, source }),
        }
    }
}

impl FromJson for KeySet {
    fn from_json(v: &Value<'_>) -> Result<Self, Problem> {
        v.object(|f| {
            Ok(KeySet {
                feed: f.text("feed")?,
                version: f.required("version")?.u64()?,
                issued_at: f.required("issued_at")?.time()?,
                expires_at: f.required("expires_at")?.time()?,
                root: RoleKeys::from_json(f.required("root")?)?,
                roles: Roles::from_json(f.required("roles")?)?,
                revoked: f
                    .get("revoked")
                    .map(Value::strings)
                    .transpose()?
                    .unwrap_or_default(),
            })
        })
    }
}

impl FromJson for Roles {
    fn from_json(v: &Value<'_>) -> Result<Self, Problem> {
        v.object(|f| {
            Ok(Roles {
                status: RoleKeys::from_json(f.required("status")?)?,
                log: f.optional("log").map(RoleKeys::from_json).transpose()?,
                witness: f.optional("witness").map(RoleKeys::from_json).transpose()?,
                probes: f.get("probes").map(probes).transpose()?.unwrap_or_default(),
            })
        })
    }
}

fn probes(v: &Value<'_>) -> Result<BTreeMap<String, RoleKeys>, Problem> {
    // Inserted one by one: collecting into a BTreeMap sorts a Vec first,
    // which linked a whole sort routine into the browser build.
    let mut probes = BTreeMap::new();
    for (region, keys) in v.members()? {
        probes.insert(region.clone(), RoleKeys::from_json(keys)?);
    }
    Ok(probes)
}

impl FromJson for KeyChainFile {
    fn from_json(v: &Value<'_>) -> Result<Self, Problem> {
        v.object(|f| {
            Ok(KeyChainFile {
                format: f.text("format")?,
                key_sets: f.required("key_sets")?.strings()?,
            })
        })
    }
}
