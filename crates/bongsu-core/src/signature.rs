//! Checking a signed note's signatures against a role's keys: the one
//! signature rule shared by feeds and key sets.
//!
//! A note counts as signed by a role when at least `threshold` distinct keys
//! of the role have valid signatures on it. Signatures by keys the reader
//! does not know are ignored (witnesses may add theirs), but a signature
//! that claims a known key and does not verify rejects the whole note.

use std::collections::HashSet;

use signed_note::{Note, NoteError, StandardVerifier, Verifier, VerifierList};

use crate::trust::{key_identity, RoleKeys, TrustError};

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
pub fn check_signatures(
    bytes: &[u8],
    keys: &RoleKeys,
    role: &str,
    revoked: &[String],
) -> Result<Note, SignatureError> {
    let trusted = keys.verifiers(role)?;
    let note = Note::from_bytes(bytes).map_err(|_| SignatureError::NotANote)?;
    let mut all: Vec<Box<dyn Verifier>> = Vec::new();
    let mut trusted_ids = HashSet::new();
    for key in &keys.keys {
        // Parsed once already by `verifiers` above.
        if let Ok(v) = StandardVerifier::new(key) {
            trusted_ids.insert((v.name().to_owned(), v.key_id()));
            all.push(Box::new(v));
        }
    }
    let mut revoked_ids = HashSet::new();
    for key in revoked {
        let Ok(v) = StandardVerifier::new(key) else {
            continue;
        };
        let id = (v.name().to_owned(), v.key_id());
        if !trusted_ids.contains(&id) && revoked_ids.insert(id) {
            all.push(Box::new(v));
        }
    }
    drop(trusted);
    let (verified, _unknown) = match note.verify(&VerifierList::new(all)) {
        Ok(sigs) => sigs,
        Err(NoteError::InvalidSignature { name, id }) => {
            return Err(SignatureError::BadSignature {
                key: format!("{name}+{id:08x}"),
            })
        }
        Err(NoteError::UnverifiedNote) => {
            return Err(SignatureError::UnknownSigner {
                signers: signer_list(&note),
            })
        }
        Err(_) => return Err(SignatureError::NotANote),
    };
    let mut valid = HashSet::new();
    let mut revoked_signer = None;
    for sig in &verified {
        let id = (sig.name().to_owned(), sig.id());
        if trusted_ids.contains(&id) {
            valid.insert(id);
        } else if revoked_ids.contains(&id) {
            revoked_signer.get_or_insert_with(|| key_identity(sig.name(), sig.id()));
        }
    }
    if valid.len() >= keys.threshold {
        return Ok(note);
    }
    if let Some(key) = revoked_signer {
        return Err(SignatureError::Revoked { key });
    }
    if valid.is_empty() {
        return Err(SignatureError::UnknownSigner {
            signers: signer_list(&note),
        });
    }
    Err(SignatureError::ThresholdNotMet {
        valid: valid.len(),
        needed: keys.threshold,
    })
}

/// The signer names of a note, for error messages. The names are
/// attacker-chosen text; callers render them as text only.
fn signer_list(note: &Note) -> String {
    // Note does not expose its signatures, so re-parse the signature block.
    let bytes = note.to_bytes();
    let text_len = note.text().len() + 1;
    let names: Vec<String> = String::from_utf8_lossy(&bytes[text_len.min(bytes.len())..])
        .lines()
        .filter_map(|line| line.strip_prefix("— "))
        .filter_map(|rest| rest.split(' ').next())
        .map(|name| name.chars().take(64).collect())
        .collect();
    if names.is_empty() {
        "nobody".to_owned()
    } else {
        names.join(", ")
    }
}
