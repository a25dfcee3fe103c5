//! The signed manifest of a region's Statuspage-compatible files: a C2SP
//! signed note by the status key(s) holding each derived file's SHA-256 and
//! size, the feed seq and log commitment they were derived from, and the
//! page settings the derivation took. The files themselves stay exactly
//! Statuspage's shapes; whoever cares checks them against this.
//!
//! ```text
//! bongsu-statuspage-manifest/v1
//! {"feed":"kakao","seq":7,"log":{"size":42,"root":"…"},"page":{"name":"Kakao","url":"https://…"},"files":[{"path":"api/v2/summary.json","size":1234,"sha256":"…"},…]}
//! ```

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::feed::model::{Feed, LogCommitment};
use crate::feed::validate::{check_text, check_url, MAX_NAME_LEN};
use crate::keys::keyset::KeySet;
use crate::keys::signature::{check_signatures, SignatureError};
use crate::log::event::LogEvent;
use crate::statuspage::derive::{derive, ApiFile, PageInfo, API_FILES};

pub const MANIFEST_FORMAT: &str = "bongsu-statuspage-manifest/v1";
/// Where a region serves the manifest, beside the files it lists.
pub const MANIFEST_PATH: &str = "api/v2/x-bongsu-manifest.note";
/// A manifest lists ten short lines; anything near this is not one.
pub const MAX_MANIFEST_BYTES: usize = 16 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub feed: String,
    pub seq: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<LogCommitment>,
    pub page: PageInfo,
    pub files: Vec<ManifestFile>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestFile {
    pub path: String,
    pub size: u64,
    /// Lower-case hex.
    pub sha256: String,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The manifest for `files`, derived from `feed` with `page`.
pub fn manifest_for(feed: &Feed, page: &PageInfo, files: &[ApiFile]) -> Manifest {
    Manifest {
        feed: feed.feed.clone(),
        seq: feed.seq,
        log: feed.log.clone(),
        page: page.clone(),
        files: files
            .iter()
            .map(|f| ManifestFile {
                path: f.path.to_owned(),
                size: f.bytes.len() as u64,
                sha256: sha256_hex(&f.bytes),
            })
            .collect(),
    }
}

pub fn encode_manifest_text(manifest: &Manifest) -> String {
    let json = serde_json::to_string(manifest).unwrap_or_default();
    format!("{MANIFEST_FORMAT}\n{json}\n")
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    #[error("the manifest is over the {MAX_MANIFEST_BYTES}-byte limit")]
    TooLarge,
    #[error(transparent)]
    Signature(#[from] SignatureError),
    #[error("the signed note is not a Statuspage manifest: {0}")]
    Format(String),
    #[error("the manifest is for feed `{found}`, but the key set is for `{expected}`")]
    WrongFeed { expected: String, found: String },
}

/// Page settings a manifest may carry: a name and an http(s) URL, within
/// the feed's limits (they end up in every file a reader parses).
pub fn validate_page(page: &PageInfo) -> Result<(), String> {
    check_text("page.name", &page.name, MAX_NAME_LEN).map_err(|e| e.to_string())?;
    if let Some(lang) = page
        .lang
        .as_deref()
        .filter(|l| !crate::text::is_valid_lang_tag(l))
    {
        return Err(format!(
            "page.lang: `{}` is not a language tag like `ko` or `en`",
            lang.chars().take(40).collect::<String>()
        ));
    }
    check_url("page.url", &page.url).map_err(|e| e.to_string())
}

/// Verifies a manifest's signatures under the key set's status role (the
/// feed's signers) before reading a byte of its JSON.
pub fn verify_manifest(bytes: &[u8], key_set: &KeySet) -> Result<Manifest, ManifestError> {
    if bytes.len() > MAX_MANIFEST_BYTES {
        return Err(ManifestError::TooLarge);
    }
    let note = check_signatures(bytes, &key_set.roles.status, "status", &key_set.revoked)?;
    let text = std::str::from_utf8(note.text())
        .map_err(|_| ManifestError::Format("its text is not UTF-8".into()))?;
    let body = text
        .strip_prefix(MANIFEST_FORMAT)
        .and_then(|rest| rest.strip_prefix('\n'))
        .ok_or_else(|| {
            ManifestError::Format(format!("its first line is not `{MANIFEST_FORMAT}`"))
        })?;
    // Exactly one JSON line after the format line, as for the feed.
    let json = body
        .strip_suffix('\n')
        .filter(|json| !json.contains('\n'))
        .ok_or_else(|| ManifestError::Format("its text is not exactly two lines".into()))?;
    let manifest: Manifest =
        serde_json::from_str(json).map_err(|e| ManifestError::Format(e.to_string()))?;
    if manifest.feed != key_set.feed {
        return Err(ManifestError::WrongFeed {
            expected: key_set.feed.clone(),
            found: manifest.feed,
        });
    }
    validate_page(&manifest.page).map_err(ManifestError::Format)?;
    Ok(manifest)
}

/// Where a region's derived files and what it signed part ways.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DerivedProblem {
    #[error("the API files were derived from feed seq {manifest}, but the region serves seq {feed}: publish again after signing")]
    OtherSeq { manifest: u64, feed: u64 },
    #[error("the API files were derived from another log state than the one the feed commits to")]
    OtherLog,
    #[error("`{path}` is not served")]
    Missing { path: String },
    #[error("`{path}` could not be read: {why}")]
    Unreadable { path: String, why: String },
    #[error("`{path}` is not in the signed manifest")]
    Unlisted { path: String },
    #[error(
        "`{path}` is not the file the manifest signs (tampered with, or left from another publish)"
    )]
    NotSigned { path: String },
    #[error("`{path}` is not what the signed feed and log give: the signer derived it wrongly, or signed something else")]
    NotDerived { path: String },
}

/// What a region served at a path: its bytes, `None` if it has no such
/// file, or why it could not be read (a network error, over the limit).
pub type Served = Result<Option<Vec<u8>>, String>;

/// Checks a region's served files (`served(path)`) against its verified
/// manifest, and both against the files recomputed from its verified feed
/// and the log entries the feed commits to.
pub fn check_derived(
    feed: &Feed,
    log: Option<&[LogEvent]>,
    manifest: &Manifest,
    served: &dyn Fn(&str) -> Served,
) -> Vec<DerivedProblem> {
    let mut problems = Vec::new();
    if manifest.seq != feed.seq {
        problems.push(DerivedProblem::OtherSeq {
            manifest: manifest.seq,
            feed: feed.seq,
        });
    }
    if manifest.log != feed.log {
        problems.push(DerivedProblem::OtherLog);
    }
    // Recomputing only means something once the manifest names this feed and log.
    let same_source = problems.is_empty();
    let expected = derive(feed, log, &manifest.page);
    for path in API_FILES {
        let listed = manifest.files.iter().find(|f| f.path == path);
        let recomputed = expected.iter().find(|f| f.path == path);
        let bytes = match served(path) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => {
                problems.push(DerivedProblem::Missing { path: path.into() });
                continue;
            }
            Err(why) => {
                problems.push(DerivedProblem::Unreadable {
                    path: path.into(),
                    why,
                });
                continue;
            }
        };
        let Some(listed) = listed else {
            problems.push(DerivedProblem::Unlisted { path: path.into() });
            continue;
        };
        if listed.size != bytes.len() as u64 || listed.sha256 != sha256_hex(&bytes) {
            problems.push(DerivedProblem::NotSigned { path: path.into() });
        } else if same_source && recomputed.is_none_or(|r| r.bytes != bytes) {
            problems.push(DerivedProblem::NotDerived { path: path.into() });
        }
    }
    problems
}
