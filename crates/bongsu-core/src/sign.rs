//! Turning a feed into a signed note.

use signed_note::{Note, Signer};

use crate::model::Feed;
use crate::validate::{validate, ValidationError};
use crate::wire::encode_text;

#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("the feed is not valid, so it was not signed: {0}")]
    Invalid(#[from] ValidationError),
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
