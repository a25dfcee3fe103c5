//! The feed's text inside a C2SP signed note: a format line, then the feed
//! as one line of compact JSON. See docs/protocol/feed.md.
//!
//! The format line keeps a feed signature from ever being mistaken for a
//! signature over some other kind of note (a log checkpoint starts with its
//! origin line instead).

use crate::feed::model::Feed;
use crate::text::json::FromJson;

/// The first line of a status feed note in format 1.
pub const FORMAT_LINE: &str = "bongsu-status-feed/v1";
/// Format 2 adds texts that state their language (with translations) and
/// dependencies between components. A feed that uses neither is written
/// in format 1, so readers from before format 2 still read it; one that
/// uses them is refused by those readers as an unknown format, cleanly.
pub const FORMAT_LINE_V2: &str = "bongsu-status-feed/v2";
const FORMAT_PREFIX: &str = "bongsu-status-feed/v";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    #[error("the feed is in format `{found}`, newer than this reader knows (up to v2); update Bongsu to read it")]
    NewerFormat { found: String },
    #[error("the feed says format v1 but uses format 2 (a text with a language, or a dependency); a v1 feed cannot carry them")]
    Format2UnderV1,
    #[error("the note is not a Bongsu status feed: its first line is `{found}`, expected `{FORMAT_LINE}`")]
    UnknownFormat { found: String },
    #[error(
        "the note text must be the format line and exactly one JSON line; found {lines} lines"
    )]
    LineCount { lines: usize },
    #[error("the feed's JSON is invalid at column {column}: {message}")]
    Json { column: usize, message: String },
    #[error("the feed text is not UTF-8")]
    NotUtf8,
}

/// The note text for a feed (ends in a newline, as signed notes require).
pub fn encode_text(feed: &Feed) -> String {
    // Serializing these plain structs cannot fail: no maps with non-string
    // keys and no custom serializers that error.
    let json = serde_json::to_string(feed).unwrap_or_default();
    let line = if feed.format_version() >= 2 {
        FORMAT_LINE_V2
    } else {
        FORMAT_LINE
    };
    format!("{line}\n{json}\n")
}

/// Parses the note text (not the signatures) back into a feed.
pub fn decode_text(text: &[u8]) -> Result<Feed, WireError> {
    let text = std::str::from_utf8(text).map_err(|_| WireError::NotUtf8)?;
    let body = text.strip_suffix('\n').unwrap_or(text);
    let mut lines = body.split('\n');
    let first = lines.next().unwrap_or_default();
    let v1 = first == FORMAT_LINE;
    if !v1 && first != FORMAT_LINE_V2 {
        let found: String = first.chars().take(80).collect();
        let newer = first
            .strip_prefix(FORMAT_PREFIX)
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        return Err(if newer {
            WireError::NewerFormat { found }
        } else {
            WireError::UnknownFormat { found }
        });
    }
    let json_lines: Vec<&str> = lines.collect();
    if json_lines.len() != 1 {
        return Err(WireError::LineCount {
            lines: json_lines.len() + 1,
        });
    }
    let feed = crate::text::json::read(json_lines[0], crate::feed::model::Feed::from_json)
        .map_err(|e| WireError::Json {
            column: e.column,
            message: e.message,
        })?;
    // One encoding per feed: format 2 features only under the v2 line (a
    // v2 line on a feed without them is accepted: a signer may always
    // write the newer format).
    if v1 && feed.format_version() >= 2 {
        return Err(WireError::Format2UnderV1);
    }
    Ok(feed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_format_line_is_named() {
        let err = decode_text(b"checkpoint.example/log\n{}\n").unwrap_err();
        assert_eq!(
            err,
            WireError::UnknownFormat {
                found: "checkpoint.example/log".into()
            }
        );
    }

    #[test]
    fn a_newer_format_asks_for_an_update() {
        let err = decode_text(b"bongsu-status-feed/v3\n{}\n").unwrap_err();
        assert!(matches!(err, WireError::NewerFormat { .. }));
        assert!(err.to_string().contains("update Bongsu"));
    }

    #[test]
    fn extra_lines_are_rejected() {
        let text = format!("{FORMAT_LINE}\n{{}}\n{{}}\n");
        assert_eq!(
            decode_text(text.as_bytes()),
            Err(WireError::LineCount { lines: 3 })
        );
    }

    #[test]
    fn bad_json_reports_its_column() {
        let text = format!("{FORMAT_LINE}\n{{\"feed\": }}\n");
        assert!(matches!(
            decode_text(text.as_bytes()),
            Err(WireError::Json { column: 10, .. })
        ));
    }

    #[test]
    fn unknown_fields_are_rejected_not_ignored() {
        let text = format!(
            "{FORMAT_LINE}\n{{\"feed\":\"a\",\"seq\":1,\"issued_at\":\"2022-10-15T06:30:00Z\",\"expires_at\":\"2022-10-15T07:30:00Z\",\"services\":[],\"surprise\":1}}\n"
        );
        assert!(matches!(
            decode_text(text.as_bytes()),
            Err(WireError::Json { .. })
        ));
    }
}
