//! The newest history checkpoint this device verified, and evidence when a
//! later one does not extend it.
//!
//! Remembering the checkpoint is what makes a rewrite visible to a returning
//! reader: a log rebuilt with different past entries can be signed and
//! cosigned again, but it cannot be consistent with a checkpoint of the old
//! one. Both signed checkpoints are kept, so anyone can check the claim
//! with the published keys.

use serde::{Deserialize, Serialize};

use bongsu_core::text::json;

use crate::device_storage;

pub const EVIDENCE_KIND: &str = "bongsu-history-rewrite/v1";

/// Two signed checkpoints of one log that cannot both be honest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RewriteEvidence {
    pub kind: String,
    /// The log's origin line.
    pub origin: String,
    /// What the check found, e.g. "the log was rewritten: …".
    pub message: String,
    /// The checkpoint this device verified earlier, as served then.
    pub remembered: String,
    /// The checkpoint served now.
    pub served: String,
    pub served_by: String,
    /// RFC 3339.
    pub observed_at: String,
}

fn checkpoint_key(feed: &str) -> String {
    format!("bongsu.log-checkpoint.v1.{feed}")
}

fn evidence_key(feed: &str) -> String {
    format!("bongsu.log-rewrite.v1.{feed}")
}

/// The remembered checkpoint note; the caller verifies it before use.
pub fn load(feed: &str) -> Option<String> {
    device_storage::get(&checkpoint_key(feed))
}

pub fn save(feed: &str, note: &[u8]) {
    device_storage::set(&checkpoint_key(feed), &String::from_utf8_lossy(note));
}

pub fn load_evidence(feed: &str) -> Option<RewriteEvidence> {
    let text = device_storage::get(&evidence_key(feed))?;
    json::read(&text, rewrite_evidence).ok()
}

/// Read with the core's JSON reader (no serde_json deserializer in the
/// browser build); what this device wrote with serde reads back the same.
fn rewrite_evidence(v: &json::Value) -> Result<RewriteEvidence, json::Problem> {
    let mut f = v.fields()?;
    let mut text = |name: &str| f.required(name).and_then(json::Value::string);
    Ok(RewriteEvidence {
        kind: text("kind")?,
        origin: text("origin")?,
        message: text("message")?,
        remembered: text("remembered")?,
        served: text("served")?,
        served_by: text("served_by")?,
        observed_at: text("observed_at")?,
    })
}

/// Pretty, as the evidence is downloaded: one serde_json formatter in the
/// build, not two.
pub fn save_evidence(feed: &str, evidence: &RewriteEvidence) {
    if let Ok(text) = serde_json::to_string_pretty(evidence) {
        device_storage::set(&evidence_key(feed), &text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_written_by_serde_reads_back_the_same() {
        let evidence = RewriteEvidence {
            kind: EVIDENCE_KIND.into(),
            origin: "log.bongsu.demo/kakao".into(),
            message: "the log was rewritten: \"quoted\"\nnewline".into(),
            remembered: "a\n\n— k abc\n".into(),
            served: "b".into(),
            served_by: "seoul".into(),
            observed_at: "2022-10-15T06:30:00Z".into(),
        };
        for text in [
            serde_json::to_string(&evidence).unwrap(),
            serde_json::to_string_pretty(&evidence).unwrap(),
        ] {
            assert_eq!(json::read(&text, rewrite_evidence), Ok(evidence.clone()));
        }
        assert!(json::read("{\"kind\":1}", rewrite_evidence).is_err());
    }
}
