//! Checking a signed note's signatures against a role's keys: the one
//! signature rule shared by feeds and key sets.
//!
//! A note counts as signed by a role when at least `threshold` distinct keys
//! of the role have valid signatures on it. Signatures by keys the reader
//! does not know are ignored (witnesses may add theirs), but a signature
//! that claims a known key and does not verify rejects the whole note.

use crate::keys::note::{Note, VerifierKey, ED25519_KEY_TYPE};
use crate::keys::trust::{key_identity, RoleKeys, TrustError};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the response is not a signed note (C2SP signed-note format)")]
    NotANote,
    #[error(
        "a signature by the trusted key {key} does not match: the content was altered or corrupted"
    )]
    BadSignature { key: String },
    #[error("no trusted key signed this (signed by: {signers})")]
    UnknownSigner { signers: String },
    #[error("signed by {key}, a key the operator has revoked")]
    Revoked { key: String },
    #[error("only {valid} of the {needed} required trusted signatures are present")]
    ThresholdNotMet { valid: usize, needed: usize },
    #[error("the trusted keys are unusable: {0}")]
    Trust(#[from] TrustError),
}

/// Verifies the note in `bytes` against `keys` (the keys of `role`), with
/// `revoked` keys recognised so that their signatures are named, never
/// counted. Returns the parsed note when the threshold is met.
///
/// Each known key's first signature line is checked and a later one by the
/// same key is ignored, as `signed_note` does; one that does not verify
/// rejects the note.
pub fn check_signatures(
    bytes: &[u8],
    keys: &RoleKeys,
    role: &str,
    revoked: &[String],
) -> Result<Note, SignatureError> {
    let trusted = keys.verifier_keys(role)?;
    let note = Note::parse(bytes).ok_or(SignatureError::NotANote)?;
    let mut known_revoked: Vec<VerifierKey> = Vec::new();
    for key in revoked.iter().filter_map(|k| VerifierKey::parse(k)) {
        let same = |k: &VerifierKey| k.name == key.name && k.id == key.id;
        if key.key_type == ED25519_KEY_TYPE
            && !trusted.iter().any(same)
            && !known_revoked.iter().any(same)
        {
            known_revoked.push(key);
        }
    }
    let mut checked: Vec<(&str, u32)> = Vec::new();
    let mut valid = 0;
    let mut revoked_signer = None;
    for sig in note.signatures() {
        let (key, is_trusted) = match trusted.iter().find(|k| k.names(sig)) {
            Some(key) => (key, true),
            None => match known_revoked.iter().find(|k| k.names(sig)) {
                Some(key) => (key, false),
                None => continue,
            },
        };
        if checked.contains(&(sig.name.as_str(), sig.id)) {
            continue;
        }
        checked.push((&sig.name, sig.id));
        if key.verify(note.text(), &sig.bytes).is_none() {
            return Err(SignatureError::BadSignature {
                key: key_identity(&sig.name, sig.id),
            });
        }
        if is_trusted {
            valid += 1;
        } else {
            revoked_signer.get_or_insert_with(|| key_identity(&sig.name, sig.id));
        }
    }
    if valid >= keys.threshold {
        return Ok(note);
    }
    if let Some(key) = revoked_signer {
        return Err(SignatureError::Revoked { key });
    }
    if valid == 0 {
        return Err(SignatureError::UnknownSigner {
            signers: signer_list(&note),
        });
    }
    Err(SignatureError::ThresholdNotMet {
        valid,
        needed: keys.threshold,
    })
}

/// The signer names of a note, for error messages. The names are
/// attacker-chosen text; callers render them as text only.
fn signer_list(note: &Note) -> String {
    let names: Vec<String> = note
        .signatures()
        .iter()
        .map(|sig| sig.name.chars().take(64).collect())
        .collect();
    if names.is_empty() {
        "nobody".to_owned()
    } else {
        names.join(", ")
    }
}
