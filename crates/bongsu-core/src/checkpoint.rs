//! Signed checkpoints of the history log (C2SP tlog-checkpoint in a C2SP
//! signed note), and the witness threshold on them.
//!
//! A checkpoint counts when the key set's `log` role has signed it (the
//! checkpoint's origin line is the log key's name) and, if the key set names
//! witnesses, when at least the witness threshold has cosigned it.

#[cfg(feature = "signing")]
use signed_note::{NoteError, Signer};
use time::OffsetDateTime;

use crate::cosignature::CosignatureVerifier;
use crate::keyset::KeySet;
use crate::merkle_log::Hash;
use crate::note::Note;
use crate::signature::{check_signatures, SignatureError};
use crate::trust::RoleKeys;

/// Larger checkpoints are refused before parsing.
pub const MAX_CHECKPOINT_BYTES: usize = 16 * 1024;

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
    #[error("the key set's witness keys are unusable: {0}")]
    BadWitnessKey(String),
    #[error("the cosignature of witness {witness} does not match the checkpoint")]
    BadCosignature { witness: String },
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
    crate::invariant::holds(
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

/// The log's origin: the name its keys share.
pub fn log_origin(log: &RoleKeys) -> Option<String> {
    let first = log.keys.first()?;
    first.split('+').next().map(str::to_owned)
}

/// Verifies a checkpoint against the key set's log and witness roles.
pub fn verify_checkpoint(bytes: &[u8], key_set: &KeySet) -> Result<Checkpoint, CheckpointError> {
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
    let cosigned = match &key_set.roles.witness {
        None => Vec::new(),
        Some(witness) => check_cosignatures(&note, witness)?,
    };
    Ok(Checkpoint {
        origin: expected,
        size: body.size(),
        root: *body.hash(),
        note: bytes.to_vec(),
        cosigned,
    })
}

/// The witnesses whose cosignatures on `note` verify, each counted once.
/// As for the log's own signature, a witness's first line is the one
/// checked, and one that does not verify rejects the checkpoint.
fn check_cosignatures(note: &Note, witness: &RoleKeys) -> Result<Vec<Cosigned>, CheckpointError> {
    let mut verifiers = Vec::with_capacity(witness.keys.len());
    for key in &witness.keys {
        verifiers.push(
            CosignatureVerifier::new(key)
                .map_err(|e| CheckpointError::BadWitnessKey(e.to_string()))?,
        );
    }
    let mut checked: Vec<(&str, u32)> = Vec::new();
    let mut cosigned: Vec<Cosigned> = Vec::new();
    for sig in note.signatures() {
        let Some(v) = verifiers.iter().find(|v| v.key().names(sig)) else {
            continue;
        };
        if checked.contains(&(sig.name.as_str(), sig.id)) {
            continue;
        }
        checked.push((&sig.name, sig.id));
        let Some(time) = v.verified_time(note.text(), &sig.bytes) else {
            return Err(CheckpointError::BadCosignature {
                witness: crate::trust::key_identity(&sig.name, sig.id),
            });
        };
        if cosigned.iter().any(|c| c.witness == sig.name) {
            continue;
        }
        cosigned.push(Cosigned {
            witness: sig.name.clone(),
            time: i64::try_from(time)
                .ok()
                .and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok())
                .unwrap_or(OffsetDateTime::UNIX_EPOCH),
        });
    }
    if cosigned.len() < witness.threshold {
        return Err(CheckpointError::WitnessThreshold {
            valid: cosigned.len(),
            needed: witness.threshold,
        });
    }
    Ok(cosigned)
}
