//! Signed checkpoints of the history log (C2SP tlog-checkpoint in a C2SP
//! signed note), and the witness threshold on them.
//!
//! A checkpoint counts when the key set's `log` role has signed it (the
//! checkpoint's origin line is the log key's name) and, if the key set names
//! witnesses, when at least the witness threshold has cosigned it.

#[cfg(feature = "signing")]
use signed_note::{NoteError, Signer};
use time::OffsetDateTime;

use crate::keys::cosignature::CosignatureVerifier;
use crate::keys::keyset::KeySet;
use crate::keys::note::Note;
use crate::keys::signature::{check_signatures, SignatureError};
use crate::keys::trust::RoleKeys;
use crate::log::tree::Hash;

/// Larger checkpoints are refused before parsing.
pub const MAX_CHECKPOINT_BYTES: usize = 16 * 1024;

/// The most entries a log may have: 2^40, far past any status history (a
/// hundred years at thirty thousand events a second). A signature does not
/// make a size believable: whoever holds the log key could sign 2^60, and
/// its witnesses check only consistency, which a made-up tree can have.
/// Readers would then plan fetches, and tree arithmetic, for entries that
/// cannot exist; so every reader and witness refuses such a checkpoint.
pub const MAX_LOG_SIZE: u64 = 1 << 40;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error("the checkpoint is over the {MAX_CHECKPOINT_BYTES}-byte limit")]
    TooLarge,
    #[error("the key set names no log key, so no history can be trusted")]
    NoLogKeys,
    #[error("the checkpoint's log signature: {0}")]
    Signature(SignatureError),
    #[error("the signed text is not a checkpoint (origin, tree size and root hash lines)")]
    Malformed,
    #[error("the checkpoint is for the log `{found}`, not `{expected}`")]
    WrongOrigin { found: String, expected: String },
    #[error("the checkpoint claims {size} entries, more than the {MAX_LOG_SIZE} a log may have: no reader could fetch or check them, so it counts for nothing")]
    TooManyEntries { size: u64 },
    #[error("the key set's witness keys are unusable: {0}")]
    BadWitnessKey(String),
    #[error("it is signed by a log key that key set version {version} trusted and a later key set revoked: a revoked key may be in the wrong hands, so what it signs does not count")]
    RevokedSince { version: u64 },
    #[error("only {valid} of the {needed} required witnesses cosigned this checkpoint")]
    WitnessThreshold { valid: usize, needed: usize },
}

/// One witness's cosignature on a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cosigned {
    pub witness: String,
    /// When the witness says it cosigned.
    pub time: OffsetDateTime,
}

/// A checkpoint whose signatures checked out.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    /// The signed note, as received.
    pub note: Vec<u8>,
    pub cosigned: Vec<Cosigned>,
}

/// The checkpoint text for a tree.
pub fn checkpoint_text(origin: &str, size: u64, root: Hash) -> Vec<u8> {
    crate::text::invariant::holds(
        tlog_tiles::Checkpoint::new(origin, size, root, ""),
        "an origin that is a valid key name makes a valid checkpoint",
    )
    .to_bytes()
}

/// Signs a checkpoint with the log key(s); the origin is the first signer's name.
#[cfg(feature = "signing")]
pub fn sign_checkpoint(
    size: u64,
    root: Hash,
    signers: &[&dyn Signer],
) -> Result<Vec<u8>, NoteError> {
    let origin = signers
        .first()
        .map(|s| s.name())
        .ok_or(NoteError::InvalidSigner)?;
    let mut note = signed_note::Note::new(&checkpoint_text(origin, size, root), &[])?;
    note.add_sigs(signers)?;
    Ok(note.to_bytes())
}

/// Adds (or replaces) cosignatures on a signed checkpoint.
#[cfg(feature = "signing")]
pub fn add_cosignatures(note: &[u8], cosigners: &[&dyn Signer]) -> Result<Vec<u8>, NoteError> {
    let mut note = signed_note::Note::from_bytes(note)?;
    note.add_sigs(cosigners)?;
    Ok(note.to_bytes())
}

pub use crate::keys::keyset::log_origin;

/// Verifies a checkpoint against the key set's log and witness roles.
pub fn verify_checkpoint(bytes: &[u8], key_set: &KeySet) -> Result<Checkpoint, CheckpointError> {
    let checkpoint = verify_log_signature(bytes, key_set)?;
    if let Some(witness) = &key_set.roles.witness {
        if checkpoint.cosigned.len() < witness.threshold {
            return Err(CheckpointError::WitnessThreshold {
                valid: checkpoint.cosigned.len(),
                needed: witness.threshold,
            });
        }
    }
    Ok(checkpoint)
}

/// How a log's current checkpoint stands with a chain of key sets.
#[derive(Debug, Clone, PartialEq)]
pub struct UnderChain {
    pub checkpoint: Checkpoint,
    /// The key set it verified under.
    pub version: u64,
    /// Whether that is the newest key set; if not, its log key was rotated
    /// out since (never revoked: then it would not verify at all).
    pub newest: bool,
}

/// Verifies a log's current checkpoint (log key and witnesses) under the
/// newest of `trusted` (oldest first), or, for an old copy of the log,
/// under an earlier key set whose log key no later key set revokes. A
/// revoked key may have been stolen: what it signs cannot count.
pub fn verify_under_chain(
    bytes: &[u8],
    trusted: &[crate::keys::keyset::TrustedKeySet],
) -> Result<UnderChain, CheckpointError> {
    let Some((newest, earlier)) = trusted.split_last() else {
        return Err(CheckpointError::NoLogKeys);
    };
    let newest_error = match verify_checkpoint(bytes, &newest.key_set) {
        Ok(checkpoint) => {
            return Ok(UnderChain {
                checkpoint,
                version: newest.key_set.version,
                newest: true,
            })
        }
        Err(e) => e,
    };
    for (index, older) in earlier.iter().enumerate().rev() {
        let Ok(checkpoint) = verify_checkpoint(bytes, &older.key_set) else {
            continue;
        };
        let signer = signer_identities(&checkpoint.note, &older.key_set);
        let revoked_later = trusted[index + 1..].iter().any(|later| {
            let revoked = RoleKeys {
                threshold: 1,
                keys: later.key_set.revoked.clone(),
            }
            .identities();
            signer.iter().any(|s| revoked.contains(s))
        });
        if revoked_later {
            return Err(CheckpointError::RevokedSince {
                version: older.key_set.version,
            });
        }
        return Ok(UnderChain {
            checkpoint,
            version: older.key_set.version,
            newest: false,
        });
    }
    Err(newest_error)
}

/// Verifies a checkpoint this reader verified and kept before (the device's
/// or an auditor's `--seen`): the log's signature under whichever trusted
/// key set signed it, without the witness threshold, and even if its key was
/// revoked since. What was seen stays evidence; a rotation must not switch
/// off the check that the log still extends it.
pub fn verify_seen_checkpoint(
    bytes: &[u8],
    trusted: &[crate::keys::keyset::TrustedKeySet],
) -> Result<(Checkpoint, u64), CheckpointError> {
    let mut newest_error = None;
    for t in trusted.iter().rev() {
        match verify_log_signature(bytes, &t.key_set) {
            Ok(c) => return Ok((c, t.key_set.version)),
            Err(e) => {
                newest_error.get_or_insert(e);
            }
        }
    }
    Err(newest_error.unwrap_or(CheckpointError::NoLogKeys))
}

/// The `name+keyid` of the log keys of `key_set` that signed `note`.
fn signer_identities(note: &[u8], key_set: &KeySet) -> Vec<String> {
    let Some(parsed) = Note::parse(note) else {
        return Vec::new();
    };
    let log_keys = key_set
        .roles
        .log
        .as_ref()
        .map(|l| l.identities())
        .unwrap_or_default();
    parsed
        .signatures()
        .iter()
        .map(|sig| crate::keys::trust::key_identity(&sig.name, sig.id))
        .filter(|id| log_keys.contains(id))
        .collect()
}

/// The log's signature and origin, and every valid cosignature, with no
/// witness threshold applied.
fn verify_log_signature(bytes: &[u8], key_set: &KeySet) -> Result<Checkpoint, CheckpointError> {
    if bytes.len() > MAX_CHECKPOINT_BYTES {
        return Err(CheckpointError::TooLarge);
    }
    let log = key_set
        .roles
        .log
        .as_ref()
        .ok_or(CheckpointError::NoLogKeys)?;
    let note = check_signatures(bytes, log, "log", &key_set.revoked)
        .map_err(CheckpointError::Signature)?;
    let body =
        tlog_tiles::Checkpoint::from_bytes(note.text()).map_err(|_| CheckpointError::Malformed)?;
    let expected = log_origin(log).unwrap_or_default();
    if body.origin() != expected {
        return Err(CheckpointError::WrongOrigin {
            found: body.origin().chars().take(100).collect(),
            expected,
        });
    }
    if body.size() > MAX_LOG_SIZE {
        return Err(CheckpointError::TooManyEntries { size: body.size() });
    }
    let cosigned = match &key_set.roles.witness {
        None => Vec::new(),
        Some(witness) => valid_cosignatures(&note, &witness_verifiers(witness)?),
    };
    Ok(Checkpoint {
        origin: expected,
        size: body.size(),
        root: *body.hash(),
        note: bytes.to_vec(),
        cosigned,
    })
}

fn witness_verifiers(witness: &RoleKeys) -> Result<Vec<CosignatureVerifier>, CheckpointError> {
    let mut verifiers = Vec::with_capacity(witness.keys.len());
    for key in &witness.keys {
        verifiers.push(
            CosignatureVerifier::new(key)
                .map_err(|e| CheckpointError::BadWitnessKey(e.to_string()))?,
        );
    }
    Ok(verifiers)
}

/// Every witness with a valid cosignature on `note`, once each, in the
/// order of their first valid line.
///
/// A line that names a witness and does not verify is ignored, not fatal:
/// cosignatures are added by third parties, and one witness (or anyone on
/// its path) must not be able to break a checkpoint for every reader by
/// adding a bad line under its own or another witness's name. Only valid
/// cosignatures count towards the threshold.
fn valid_cosignatures(note: &Note, verifiers: &[CosignatureVerifier]) -> Vec<Cosigned> {
    let mut cosigned: Vec<Cosigned> = Vec::new();
    for sig in note.signatures() {
        let Some(v) = verifiers.iter().find(|v| v.key().names(sig)) else {
            continue;
        };
        if cosigned.iter().any(|c| c.witness == sig.name) {
            continue;
        }
        let Some(time) = v.verified_time(note.text(), &sig.bytes) else {
            continue;
        };
        cosigned.push(Cosigned {
            witness: sig.name.clone(),
            time: i64::try_from(time)
                .ok()
                .and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok())
                .unwrap_or(OffsetDateTime::UNIX_EPOCH),
        });
    }
    cosigned
}

/// How many distinct witnesses of `witness` validly cosigned `checkpoint`
/// (0 when it is not a signed note or the keys are unusable).
pub fn count_valid_cosignatures(checkpoint: &[u8], witness: &RoleKeys) -> usize {
    match (Note::parse(checkpoint), witness_verifiers(witness)) {
        (Some(note), Ok(verifiers)) => valid_cosignatures(&note, &verifiers).len(),
        _ => 0,
    }
}

/// What [`add_valid_cosignatures`] did with one witness's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CosignaturesAdded {
    /// The checkpoint with the lines kept.
    pub note: Vec<u8>,
    /// The witnesses whose cosignature was added.
    pub added: Vec<String>,
    /// Lines in the answer that were dropped: not a signature line, no
    /// witness of the key set, a signature that does not verify, a second
    /// line for a witness already counted, or no room left in the note.
    pub dropped: usize,
}

/// Appends to `checkpoint` (a log-signed note) the cosignature lines in
/// `answer` (a witness's reply: signature lines) that verify under the
/// key set's witness keys, at most one per witness (counting those already
/// on the note), keeping the note within [`MAX_CHECKPOINT_BYTES`] and the
/// signed-note signature limit. What a signer does with every witness's
/// answer before publishing, so that no witness can make the checkpoint
/// fail for readers.
pub fn add_valid_cosignatures(
    checkpoint: &[u8],
    answer: &[u8],
    witness: &RoleKeys,
) -> Result<CosignaturesAdded, CheckpointError> {
    let verifiers = witness_verifiers(witness)?;
    let note = Note::parse(checkpoint).ok_or(CheckpointError::Malformed)?;
    let mut present: Vec<String> = valid_cosignatures(&note, &verifiers)
        .into_iter()
        .map(|c| c.witness)
        .collect();
    let mut signatures = note.signatures().len();
    let mut out = checkpoint.to_vec();
    let mut added = Vec::new();
    let mut dropped = 0;
    for line in String::from_utf8_lossy(answer).lines() {
        let kept = crate::keys::note::NoteSignature::parse(line).and_then(|sig| {
            let v = verifiers.iter().find(|v| v.key().names(&sig))?;
            let fits = out.len() + line.len() < MAX_CHECKPOINT_BYTES
                && signatures < crate::keys::note::MAX_NOTE_SIGNATURES;
            let new = !present.contains(&sig.name);
            (fits && new && v.verified_time(note.text(), &sig.bytes).is_some()).then_some(sig.name)
        });
        match kept {
            Some(name) => {
                out.extend_from_slice(line.as_bytes());
                out.push(b'\n');
                signatures += 1;
                present.push(name.clone());
                added.push(name);
            }
            None => dropped += 1,
        }
    }
    Ok(CosignaturesAdded {
        note: out,
        added,
        dropped,
    })
}
