//! Deciding whether bytes from a region are a feed the app may show.

use std::collections::HashSet;

use signed_note::{Note, NoteError};

use crate::model::Feed;
use crate::trust::{RoleKeys, TrustError};
use crate::validate::{validate, ValidationError};
use crate::wire::{decode_text, WireError};

/// Larger responses are rejected before parsing. A real feed with a hundred
/// services and long incident histories is a few tens of kilobytes.
pub const MAX_FEED_BYTES: usize = 256 * 1024;

/// Why a region's response is not a feed the app may show. Every variant
/// means "do not show this content".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeedError {
    #[error("the response is over the {limit}-byte limit; it was cut off and rejected")]
    TooLarge { limit: usize },
    #[error("the response is not a signed note (C2SP signed-note format)")]
    NotANote,
    #[error("a signature by the trusted key {key} does not match the feed: the feed was altered or corrupted")]
    BadSignature { key: String },
    #[error("no trusted key signed this feed (signed by: {signers})")]
    UnknownSigner { signers: String },
    #[error("only {valid} of the {needed} required trusted signatures are present")]
    ThresholdNotMet { valid: usize, needed: usize },
    #[error("the trusted keys in the configuration are unusable: {0}")]
    Trust(#[from] TrustError),
    #[error("the signed text is not a valid feed: {0}")]
    Wire(#[from] WireError),
    #[error("the feed is for `{found}`, but this page shows `{expected}`")]
    WrongFeed { expected: String, found: String },
    #[error("the signed feed breaks the feed rules: {0}")]
    Invalid(#[from] ValidationError),
}

impl FeedError {
    /// True when the bytes were signed by a trusted key and still rejected,
    /// or did not verify against one: the region served something forged or
    /// corrupted, rather than merely something unexpected.
    pub fn is_signature_failure(&self) -> bool {
        matches!(
            self,
            FeedError::BadSignature { .. }
                | FeedError::UnknownSigner { .. }
                | FeedError::ThresholdNotMet { .. }
        )
    }
}

/// Verifies `bytes` as a status feed signed by `keys` for feed `expected_feed`.
///
/// Signatures are checked before the text is parsed as JSON, so unsigned
/// text never reaches the JSON parser.
pub fn verify_feed(bytes: &[u8], keys: &RoleKeys, expected_feed: &str) -> Result<Feed, FeedError> {
    if bytes.len() > MAX_FEED_BYTES {
        return Err(FeedError::TooLarge {
            limit: MAX_FEED_BYTES,
        });
    }
    let verifiers = keys.verifiers("status")?;
    let note = Note::from_bytes(bytes).map_err(|_| FeedError::NotANote)?;
    let (verified, unverified) = match note.verify(&verifiers) {
        Ok(sigs) => sigs,
        Err(NoteError::InvalidSignature { name, id }) => {
            return Err(FeedError::BadSignature {
                key: format!("{name}+{id:08x}"),
            })
        }
        Err(NoteError::UnverifiedNote) => {
            return Err(FeedError::UnknownSigner {
                signers: signer_list(&note),
            })
        }
        Err(_) => return Err(FeedError::NotANote),
    };
    let _ = unverified; // signatures by keys we do not know (e.g. witnesses) are allowed
    let distinct: HashSet<(&str, u32)> = verified.iter().map(|s| (s.name(), s.id())).collect();
    if distinct.len() < keys.threshold {
        return Err(FeedError::ThresholdNotMet {
            valid: distinct.len(),
            needed: keys.threshold,
        });
    }
    let feed = decode_text(note.text())?;
    if feed.feed != expected_feed {
        return Err(FeedError::WrongFeed {
            expected: expected_feed.to_owned(),
            found: feed.feed,
        });
    }
    validate(&feed)?;
    Ok(feed)
}

/// The signer names of an unverifiable note, for the error message. The
/// names are attacker-chosen text; callers render them as text only.
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
