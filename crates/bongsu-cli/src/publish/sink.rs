//! The few operations a publish needs from a destination, for a directory
//! and for an object store alike: list what is there, read one object,
//! write one with its headers, conditionally. Everything object-store
//! specific is here, behind the `publish` feature.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use axum::body::Bytes;
use sha2::{Digest, Sha256};

use crate::files::{Encoding, FileClass};

/// What a listing says of one object.
#[derive(Debug, Clone)]
pub struct Listed {
    pub etag: Option<String>,
}

/// An object's version, for a write that must find it unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Version {
    pub etag: Option<String>,
    pub version: Option<String>,
}

/// An object read back: its bytes decoded from its Content-Encoding.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub bytes: Vec<u8>,
    pub version: Version,
}

#[derive(Debug, Clone)]
pub enum Mode {
    /// Only if nothing is there.
    Create,
    /// Only if the object is still this version.
    Replace(Version),
}

#[derive(Debug)]
pub enum PutError {
    /// Create found an object there.
    Exists,
    /// Replace found another version.
    Changed,
    Failed(String),
}

#[cfg_attr(not(feature = "publish"), allow(dead_code))]
/// One body to write.
pub struct Upload<'a> {
    pub path: &'a str,
    pub body: Bytes,
    pub class: &'a FileClass,
    pub encoding: Encoding,
}

/// The largest object read back: a log's entry bundle is the largest file
/// a region serves (bongsu_core::limits), the app's wasm the largest of
/// the app's.
const MAX_READ: usize = 32 << 20;

pub enum Sink {
    Dir(PathBuf),
    #[cfg(feature = "publish")]
    Store {
        store: std::sync::Arc<dyn object_store::ObjectStore>,
        prefix: String,
        conditional: bool,
    },
}

impl Sink {
    /// Whether bodies are stored as given (an object store) or always
    /// plain (a directory: `serve` compresses when it sends).
    pub fn stores_encodings(&self) -> bool {
        !matches!(self, Sink::Dir(_))
    }

    pub async fn list(&self) -> Result<HashMap<String, Listed>, String> {
        match self {
            Sink::Dir(root) => {
                let root = root.clone();
                tokio::task::spawn_blocking(move || list_dir(&root))
                    .await
                    .map_err(|e| e.to_string())?
            }
            #[cfg(feature = "publish")]
            Sink::Store { store, prefix, .. } => store::list(store.as_ref(), prefix).await,
        }
    }

    pub async fn get(&self, path: &str) -> Result<Option<Fetched>, String> {
        match self {
            Sink::Dir(root) => match std::fs::read(root.join(path)) {
                Ok(bytes) => Ok(Some(Fetched {
                    version: Version {
                        etag: Some(sha256(&bytes)),
                        version: None,
                    },
                    bytes,
                })),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(format!("cannot read {path}: {e}")),
            },
            #[cfg(feature = "publish")]
            Sink::Store { store, prefix, .. } => store::get(store.as_ref(), prefix, path).await,
        }
    }

    /// Writes `upload`; returns the new object's ETag if the store gives one.
    pub async fn put(&self, upload: Upload<'_>, mode: Mode) -> Result<Option<String>, PutError> {
        match self {
            Sink::Dir(root) => put_dir(root, upload, mode),
            #[cfg(feature = "publish")]
            Sink::Store {
                store,
                prefix,
                conditional,
            } => store::put(store.as_ref(), prefix, upload, mode, *conditional).await,
        }
    }
}

pub fn sha256(bytes: &[u8]) -> String {
    super::plan::hex(&Sha256::digest(bytes))
}

fn list_dir(root: &Path) -> Result<HashMap<String, Listed>, String> {
    let mut out = HashMap::new();
    if !root.exists() {
        return Ok(out);
    }
    let mut stack = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, prefix)) = stack.pop() {
        let entries =
            std::fs::read_dir(&dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        for entry in entries.flatten() {
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            if name.starts_with('.') {
                continue;
            }
            let path = if prefix.is_empty() {
                name
            } else {
                format!("{prefix}/{name}")
            };
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push((entry.path(), path));
            } else if let Ok(bytes) = std::fs::read(entry.path()) {
                out.insert(
                    path,
                    Listed {
                        etag: Some(sha256(&bytes)),
                    },
                );
            }
        }
    }
    Ok(out)
}

/// A directory: the same rules, by content hash; written through a
/// temporary file and a rename, so `serve` never sends half a file.
fn put_dir(root: &Path, upload: Upload<'_>, mode: Mode) -> Result<Option<String>, PutError> {
    let target = root.join(upload.path);
    let current = match std::fs::read(&target) {
        Ok(bytes) => Some(sha256(&bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            return Err(PutError::Failed(format!(
                "cannot read {}: {e}",
                target.display()
            )))
        }
    };
    match (&mode, &current) {
        (Mode::Create, Some(_)) => return Err(PutError::Exists),
        (Mode::Replace(v), current) if v.etag != *current => return Err(PutError::Changed),
        _ => {}
    }
    // A directory holds files as they are; `serve` negotiates encodings.
    let bytes = match upload.encoding {
        Encoding::Identity => upload.body.to_vec(),
        encoding => crate::files::decode(&upload.body, encoding, MAX_READ)
            .ok_or_else(|| PutError::Failed(format!("{}: cannot decode the body", upload.path)))?,
    };
    crate::sign::write_atomically(&target, &bytes).map_err(|e| PutError::Failed(e.to_string()))?;
    Ok(Some(sha256(&bytes)))
}

#[cfg(feature = "publish")]
mod store {
    use std::collections::HashMap;

    use futures_util::StreamExt;
    use object_store::path::Path as ObjectPath;
    use object_store::{
        Attribute, Attributes, GetOptions, ObjectStore, PutMode, PutOptions, UpdateVersion,
    };

    use super::{Fetched, Listed, Mode, PutError, Upload, Version, MAX_READ};
    use crate::files::{self, Encoding};

    fn location(prefix: &str, path: &str) -> ObjectPath {
        if prefix.is_empty() {
            ObjectPath::from(path)
        } else {
            ObjectPath::from(format!("{prefix}/{path}"))
        }
    }

    /// An error as a person reads it: object_store's messages carry the
    /// request URL (never a credential: those are headers) and the cause.
    fn describe(e: &object_store::Error) -> String {
        let mut text = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            let more = s.to_string();
            if !text.contains(&more) {
                text.push_str(": ");
                text.push_str(&more);
            }
            source = s.source();
        }
        text
    }

    pub async fn list(
        store: &dyn ObjectStore,
        prefix: &str,
    ) -> Result<HashMap<String, Listed>, String> {
        let base = (!prefix.is_empty()).then(|| ObjectPath::from(prefix));
        let mut listing = store.list(base.as_ref());
        let mut out = HashMap::new();
        while let Some(meta) = listing.next().await {
            let meta = meta.map_err(|e| format!("cannot list: {}", describe(&e)))?;
            let full = meta.location.as_ref();
            let relative = if prefix.is_empty() {
                full
            } else {
                full.strip_prefix(prefix)
                    .and_then(|r| r.strip_prefix('/'))
                    .unwrap_or(full)
            };
            out.insert(relative.to_owned(), Listed { etag: meta.e_tag });
        }
        Ok(out)
    }

    pub async fn get(
        store: &dyn ObjectStore,
        prefix: &str,
        path: &str,
    ) -> Result<Option<Fetched>, String> {
        let result = match store
            .get_opts(&location(prefix, path), GetOptions::default())
            .await
        {
            Ok(result) => result,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(format!("cannot read {path}: {}", describe(&e))),
        };
        if result.meta.size > MAX_READ as u64 {
            return Err(format!(
                "{path} is {} bytes, more than any file a tree holds",
                result.meta.size
            ));
        }
        let encoding = match result
            .attributes
            .get(&Attribute::ContentEncoding)
            .map(|v| v.as_ref().to_ascii_lowercase())
            .as_deref()
        {
            None | Some("") | Some("identity") => Encoding::Identity,
            Some("gzip") => Encoding::Gzip,
            Some("br") => Encoding::Br,
            Some(other) => {
                return Err(format!(
                    "{path} is stored with Content-Encoding {other}, which publish never writes"
                ))
            }
        };
        let version = Version {
            etag: result.meta.e_tag.clone(),
            version: result.meta.version.clone(),
        };
        let raw = result
            .bytes()
            .await
            .map_err(|e| format!("cannot read {path}: {}", describe(&e)))?;
        let bytes = files::decode(&raw, encoding, MAX_READ).ok_or_else(|| {
            format!("{path} is not valid {encoding:?} as its Content-Encoding says")
        })?;
        Ok(Some(Fetched { bytes, version }))
    }

    pub async fn put(
        store: &dyn ObjectStore,
        prefix: &str,
        upload: Upload<'_>,
        mode: Mode,
        conditional: bool,
    ) -> Result<Option<String>, PutError> {
        let mut attributes = Attributes::new();
        attributes.insert(Attribute::ContentType, upload.class.content_type.into());
        attributes.insert(Attribute::CacheControl, upload.class.cache_control().into());
        if let Some(coding) = upload.encoding.header() {
            attributes.insert(Attribute::ContentEncoding, coding.into());
        }
        let mode = match (mode, conditional) {
            // Without conditional writes the caller has already compared.
            (_, false) => PutMode::Overwrite,
            (Mode::Create, true) => PutMode::Create,
            // A store that gave no version to compare against.
            (
                Mode::Replace(Version {
                    etag: None,
                    version: None,
                }),
                true,
            ) => PutMode::Overwrite,
            (Mode::Replace(v), true) => PutMode::Update(UpdateVersion {
                e_tag: v.etag,
                version: v.version,
            }),
        };
        let options = PutOptions {
            mode,
            attributes,
            ..Default::default()
        };
        match store
            .put_opts(&location(prefix, upload.path), upload.body.into(), options)
            .await
        {
            Ok(result) => Ok(result.e_tag),
            Err(object_store::Error::AlreadyExists { .. }) => Err(PutError::Exists),
            Err(object_store::Error::Precondition { .. }) => Err(PutError::Changed),
            Err(object_store::Error::NotImplemented { .. }) => Err(PutError::Failed(
                "the store does not support conditional writes; add conditional=false to the URL (then only one publisher may write it at a time)".into(),
            )),
            Err(e) => Err(PutError::Failed(format!(
                "cannot write {}: {}",
                upload.path,
                describe(&e)
            ))),
        }
    }
}
