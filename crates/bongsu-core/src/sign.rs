//! Turning a feed into a signed note.

use signed_note::{Note, Signer};

use crate::feed::model::Feed;
use crate::feed::validate::{validate, ValidationError};
use crate::feed::wire::encode_text;
use crate::keys::keyset::{encode_key_set_text, validate_key_set, KeySet};
use crate::probe::observation::{validate_observation, Observation};

#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("the feed is not valid, so it was not signed: {0}")]
    Invalid(#[from] ValidationError),
    #[error("the key set is not valid, so it was not signed: {0}")]
    InvalidKeySet(String),
    #[error("the observation is not valid, so it was not signed: {0}")]
    InvalidObservation(String),
    #[error("the Statuspage API's page settings are not valid, so nothing was signed: {0}")]
    InvalidManifest(String),
    #[error("no signing key was given")]
    NoSigner,
    #[error("signing failed: {0}")]
    Note(#[from] signed_note::NoteError),
}

/// Validates the feed and returns the signed note bytes, signed by every
/// signer given (several signers meet a k-of-n threshold).
pub fn sign_feed(feed: &Feed, signers: &[&dyn Signer]) -> Result<Vec<u8>, SignError> {
    validate(feed)?;
    if signers.is_empty() {
        return Err(SignError::NoSigner);
    }
    let mut note = Note::new(encode_text(feed).as_bytes(), &[])?;
    note.add_sigs(signers)?;
    Ok(note.to_bytes())
}

/// Validates the key set and returns its signed note, signed by every
/// signer given (the previous root's keys and, for a root rotation, the new
/// root's keys too).
pub fn sign_key_set(key_set: &KeySet, signers: &[&dyn Signer]) -> Result<String, SignError> {
    validate_key_set(key_set).map_err(SignError::InvalidKeySet)?;
    if signers.is_empty() {
        return Err(SignError::NoSigner);
    }
    let mut note = Note::new(encode_key_set_text(key_set).as_bytes(), &[])?;
    note.add_sigs(signers)?;
    // The text is UTF-8 JSON and signature lines are ASCII.
    Ok(String::from_utf8_lossy(&note.to_bytes()).into_owned())
}

/// Validates a probe's observation and returns its signed note.
pub fn sign_observation(
    observation: &Observation,
    signers: &[&dyn Signer],
) -> Result<Vec<u8>, SignError> {
    validate_observation(observation).map_err(SignError::InvalidObservation)?;
    if signers.is_empty() {
        return Err(SignError::NoSigner);
    }
    let text = crate::probe::observation::encode_text(observation);
    let mut note = Note::new(text.as_bytes(), &[])?;
    note.add_sigs(signers)?;
    Ok(note.to_bytes())
}

/// Signs the manifest of a region's Statuspage-compatible files, with the
/// same status key(s) as the feed they were derived from.
pub fn sign_statuspage_manifest(
    manifest: &crate::statuspage::Manifest,
    signers: &[&dyn Signer],
) -> Result<Vec<u8>, SignError> {
    crate::statuspage::validate_page(&manifest.page).map_err(SignError::InvalidManifest)?;
    if signers.is_empty() {
        return Err(SignError::NoSigner);
    }
    let text = crate::statuspage::encode_manifest_text(manifest);
    let mut note = Note::new(text.as_bytes(), &[])?;
    note.add_sigs(signers)?;
    Ok(note.to_bytes())
}
