//! What a witness decides before it cosigns a checkpoint (C2SP tlog-witness).
//!
//! A witness remembers the last checkpoint it cosigned for the log. It
//! cosigns a new one only if the log signed it, it is not smaller, and a
//! consistency proof shows the old tree is a prefix of the new one. So a
//! log that shows different histories to different readers cannot get a
//! threshold of witnesses to cosign both.
//!
//! The wire format of an `add-checkpoint` request body:
//!
//! ```text
//! old <size the submitter believes the witness has>
//! <consistency proof, one base64 hash per line>
//!
//! <signed checkpoint>
//! ```

use serde::{Deserialize, Serialize};

use crate::keys::signature::{check_signatures, SignatureError};
use crate::keys::trust::RoleKeys;
use crate::log::checkpoint::MAX_LOG_SIZE;
use crate::log::tree::{parse_hash, verify_consistency, Hash};

/// The largest request a witness reads.
pub const MAX_ADD_CHECKPOINT_BYTES: usize = 64 * 1024;

/// The witness's memory of one log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WitnessRecord {
    pub origin: String,
    pub size: u64,
    /// Base64 root hash.
    pub root: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WitnessError {
    #[error("the request is not an add-checkpoint body: {0}")]
    Malformed(String),
    #[error("the checkpoint is not signed by the log: {0}")]
    LogSignature(SignatureError),
    #[error("the checkpoint is for an unknown log `{0}`")]
    UnknownLog(String),
    /// The submitter's idea of the witness's size is wrong; it should retry
    /// with `size` (HTTP 409 with the size as body).
    #[error("the witness's latest cosigned size is {size}, not {claimed}")]
    Conflict { size: u64, claimed: u64 },
    #[error("the checkpoint's tree of size {new} is smaller than the {old} already cosigned")]
    Shrunk { old: u64, new: u64 },
    #[error("the log signed two different trees of size {size}: refusing to cosign a split view")]
    Equivocation { size: u64 },
    #[error("the consistency proof from size {old} to {new} is invalid: the log may have rewritten its history")]
    Inconsistent { old: u64, new: u64 },
    #[error("the checkpoint claims {size} entries, more than the {MAX_LOG_SIZE} a log may have: refusing to cosign a tree that cannot exist")]
    TooManyEntries { size: u64 },
}

/// A parsed add-checkpoint request.
#[derive(Debug, Clone, PartialEq)]
pub struct AddCheckpoint {
    pub old: u64,
    pub proof: Vec<Hash>,
    pub checkpoint: Vec<u8>,
}

pub fn encode_add_checkpoint(old: u64, proof: &[Hash], checkpoint: &[u8]) -> Vec<u8> {
    let mut out = format!("old {old}\n").into_bytes();
    for hash in proof {
        out.extend_from_slice(format!("{hash}\n").as_bytes());
    }
    out.push(b'\n');
    out.extend_from_slice(checkpoint);
    out
}

pub fn parse_add_checkpoint(body: &[u8]) -> Result<AddCheckpoint, WitnessError> {
    let bad = |m: &str| WitnessError::Malformed(m.to_owned());
    if body.len() > MAX_ADD_CHECKPOINT_BYTES {
        return Err(bad("over the size limit"));
    }
    let text = std::str::from_utf8(body).map_err(|_| bad("not UTF-8"))?;
    let (head, checkpoint) = text
        .split_once("\n\n")
        .ok_or_else(|| bad("no blank line before the checkpoint"))?;
    let mut lines = head.split('\n');
    let old = lines
        .next()
        .and_then(|l| l.strip_prefix("old "))
        .and_then(|n| n.parse::<u64>().ok())
        .ok_or_else(|| bad("the first line must be `old <size>`"))?;
    let proof = lines
        .map(|l| parse_hash(l).map_err(|e| WitnessError::Malformed(e.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    if proof.len() > 63 {
        return Err(bad("the consistency proof is too long"));
    }
    Ok(AddCheckpoint {
        old,
        proof,
        checkpoint: checkpoint.as_bytes().to_vec(),
    })
}

/// Decides whether to cosign `request` given the witness's `record` for the
/// log (none before its first cosignature). Returns the record to store
/// once the cosignature has been made.
pub fn check_add_checkpoint(
    record: Option<&WitnessRecord>,
    request: &AddCheckpoint,
    log_keys: &RoleKeys,
) -> Result<WitnessRecord, WitnessError> {
    let note = check_signatures(&request.checkpoint, log_keys, "log", &[])
        .map_err(WitnessError::LogSignature)?;
    let body = tlog_tiles::Checkpoint::from_bytes(note.text())
        .map_err(|_| WitnessError::Malformed("the note is not a checkpoint".into()))?;
    let origin = crate::log::checkpoint::log_origin(log_keys).unwrap_or_default();
    if body.origin() != origin {
        return Err(WitnessError::UnknownLog(
            body.origin().chars().take(100).collect(),
        ));
    }
    let (old_size, old_root) = match record {
        None => (0, tlog_tiles::EMPTY_HASH),
        // A record of another log is no record of this one; starting this
        // log from nothing on it would cosign any fork.
        Some(r) if r.origin != origin => {
            return Err(WitnessError::Malformed(format!(
                "the witness's record is for the log `{}`, not `{origin}`",
                r.origin.chars().take(100).collect::<String>()
            )))
        }
        Some(r) => (
            r.size,
            parse_hash(&r.root)
                .map_err(|e| WitnessError::Malformed(format!("the witness's own record: {e}")))?,
        ),
    };
    if request.old != old_size {
        return Err(WitnessError::Conflict {
            size: old_size,
            claimed: request.old,
        });
    }
    let new_size = body.size();
    let new_root = *body.hash();
    if new_size > MAX_LOG_SIZE {
        return Err(WitnessError::TooManyEntries { size: new_size });
    }
    if new_size < old_size {
        return Err(WitnessError::Shrunk {
            old: old_size,
            new: new_size,
        });
    }
    if new_size == old_size && new_root != old_root && old_size > 0 {
        return Err(WitnessError::Equivocation { size: new_size });
    }
    verify_consistency(&request.proof, old_size, old_root, new_size, new_root).map_err(|_| {
        WitnessError::Inconsistent {
            old: old_size,
            new: new_size,
        }
    })?;
    Ok(WitnessRecord {
        origin,
        size: new_size,
        root: new_root.to_string(),
    })
}
