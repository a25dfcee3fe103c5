//! Proof that a signing key signed two different feeds with the same
//! sequence number. Both signed notes are kept, so anyone can check the
//! proof later with nothing but the operator's public keys.

use serde::{Deserialize, Serialize};

use crate::feed::verify::verify_feed;
use crate::keys::keyset::KeySet;
use crate::text::json::{FromJson, Problem, Value};

/// The `kind` of an evidence file.
pub const EVIDENCE_KIND: &str = "bongsu-equivocation-evidence/v1";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    pub kind: String,
    pub feed: String,
    pub seq: u64,
    /// The key set version both notes verified under.
    pub key_set_version: u64,
    /// The two signed notes, exactly as served.
    pub notes: [String; 2],
    /// Where each note came from (region ids, or "device").
    pub sources: [String; 2],
    /// When the reader noticed, RFC 3339.
    pub observed_at: String,
}

/// Evidence of equivocation if `a` and `b` are both valid feeds under
/// `key_set` with the same seq and different content; None otherwise (so a
/// region cannot manufacture "evidence" from a forgery or a duplicate).
pub fn equivocation_evidence(
    a: (&str, &str),
    b: (&str, &str),
    key_set: &KeySet,
    observed_at: String,
) -> Option<Evidence> {
    let (note_a, source_a) = a;
    let (note_b, source_b) = b;
    let feed_a = verify_feed(note_a.as_bytes(), key_set).ok()?;
    let feed_b = verify_feed(note_b.as_bytes(), key_set).ok()?;
    if feed_a.seq != feed_b.seq || feed_a == feed_b {
        return None;
    }
    Some(Evidence {
        kind: EVIDENCE_KIND.to_owned(),
        feed: feed_a.feed,
        seq: feed_a.seq,
        key_set_version: key_set.version,
        notes: [note_a.to_owned(), note_b.to_owned()],
        sources: [source_a.to_owned(), source_b.to_owned()],
        observed_at,
    })
}

impl FromJson for Evidence {
    fn from_json(v: &Value<'_>) -> Result<Self, Problem> {
        let pair = |v: &Value| -> Result<[String; 2], Problem> {
            match <[String; 2]>::try_from(v.strings()?) {
                Ok(pair) => Ok(pair),
                Err(_) => Err(Problem::new(v.at, "expected an array of two strings")),
            }
        };
        v.object(|f| {
            Ok(Evidence {
                kind: f.text("kind")?,
                feed: f.text("feed")?,
                seq: f.required("seq")?.u64()?,
                key_set_version: f.required("key_set_version")?.u64()?,
                notes: pair(f.required("notes")?)?,
                sources: pair(f.required("sources")?)?,
                observed_at: f.text("observed_at")?,
            })
        })
    }
}
