//! Deciding whether bytes from a region are a feed the app may show.

use crate::feed::model::Feed;
use crate::feed::validate::{validate, ValidationError};
use crate::feed::wire::{decode_text, WireError};
use crate::keys::keyset::{KeySet, KeysUnusable};
use crate::keys::signature::{check_signatures, SignatureError};
use crate::keys::trust::RoleKeys;

/// Larger responses are rejected before parsing. A real feed with a hundred
/// services and long incident histories is a few tens of kilobytes.
pub const MAX_FEED_BYTES: usize = 256 * 1024;

/// Why a region's response is not a feed the app may show. Every variant
/// means "do not show this content".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeedError {
    #[error("the response is over the {limit}-byte limit; it was cut off and rejected")]
    TooLarge { limit: usize },
    #[error("the response was served as `{found}`, not text/plain: probably an error or login page rather than the feed")]
    WrongContentType { found: String },
    #[error(transparent)]
    Signature(#[from] SignatureError),
    #[error("no feed can be trusted yet: {0}")]
    Keys(#[from] KeysUnusable),
    #[error("the signed text is not a valid feed: {0}")]
    Wire(#[from] WireError),
    #[error("the feed is for `{found}`, but this page shows `{expected}`")]
    WrongFeed { expected: String, found: String },
    #[error("the signed feed breaks the feed rules: {0}")]
    Invalid(#[from] ValidationError),
}

impl FeedError {
    /// True when the region served something forged, corrupted or signed by
    /// a key that must not sign, rather than merely something unexpected.
    pub fn is_signature_failure(&self) -> bool {
        matches!(self, FeedError::Signature(_))
    }
}

/// Feeds are served as `text/plain` (a signed note is text). Generic binary
/// types and a missing header are tolerated, since some object stores send
/// them for unknown extensions; anything else, HTML above all, is a page
/// that is not the feed (a CDN error page, a captive portal).
pub fn check_content_type(content_type: Option<&str>) -> Result<(), FeedError> {
    let Some(value) = content_type else {
        return Ok(());
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "" | "text/plain" | "application/octet-stream" | "binary/octet-stream" => Ok(()),
        _ => Err(FeedError::WrongContentType {
            found: value.chars().take(80).collect(),
        }),
    }
}

/// Whether the feed on show (its signed note) still verifies under the
/// newest trusted key set. When a key set revokes or rotates out the key
/// that signed it, it is taken down at once, however high its sequence
/// number: a forgery made with a stolen key and given a huge seq must not
/// stay up, rejecting every genuine feed after it (TUF's fast-forward
/// attack). Both the page and the widget apply this after keys change.
pub fn still_trusted(note: &[u8], keys: &crate::keys::keyset::KeyChain) -> bool {
    keys.latest()
        .is_some_and(|key_set| verify_feed(note, key_set).is_ok())
}

/// Verifies `bytes` as a status feed under a trusted key set: signed by a
/// threshold of its status keys, by none of its revoked keys alone, and for
/// its feed. The caller checks the key set is current ([`crate::KeyChain::current`]).
pub fn verify_feed(bytes: &[u8], key_set: &KeySet) -> Result<Feed, FeedError> {
    verify_feed_with_keys(
        bytes,
        &key_set.roles.status,
        &key_set.revoked,
        &key_set.feed,
    )
}

/// Verifies `bytes` as a status feed signed by `status` keys for feed
/// `expected_feed`.
///
/// Signatures are checked before the text is parsed as JSON, so unsigned
/// text never reaches the JSON parser.
pub fn verify_feed_with_keys(
    bytes: &[u8],
    status: &RoleKeys,
    revoked: &[String],
    expected_feed: &str,
) -> Result<Feed, FeedError> {
    if bytes.len() > MAX_FEED_BYTES {
        return Err(FeedError::TooLarge {
            limit: MAX_FEED_BYTES,
        });
    }
    let note = check_signatures(bytes, status, "status", revoked)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feeds_must_be_plain_text_or_generic_bytes() {
        for ok in [
            None,
            Some("text/plain"),
            Some("text/plain; charset=utf-8"),
            Some("Text/Plain"),
            Some("application/octet-stream"),
        ] {
            assert_eq!(check_content_type(ok), Ok(()), "{ok:?}");
        }
        for bad in ["text/html; charset=utf-8", "application/json", "image/png"] {
            assert!(matches!(
                check_content_type(Some(bad)),
                Err(FeedError::WrongContentType { .. })
            ));
        }
    }
}
