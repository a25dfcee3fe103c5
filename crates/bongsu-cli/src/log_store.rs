//! The operator's copy of the history log: a directory in the C2SP
//! tlog-tiles layout (`checkpoint`, `tile/…`), which is exactly what every
//! region serves under `log/`.

use std::path::{Path, PathBuf};

use bongsu_core::log::bundle_paths;
use bongsu_core::log::sign_checkpoint;
use bongsu_core::log::MerkleLog;
use bongsu_core::log::{decode_bundle, log_files, CHECKPOINT_PATH};
use bongsu_core::log::{decode_event, encode_event, LogEvent, MAX_EVENT_BYTES};
use bongsu_core::{LogCommitment, RoleKeys};
use signed_note::Signer;

use crate::error::CliError;
use crate::sign::write_atomically;

pub struct LogStore {
    pub dir: PathBuf,
    pub entries: Vec<Vec<u8>>,
    pub tree: MerkleLog,
    /// The signed checkpoint on disk, if it covers the current entries.
    pub checkpoint: Option<Vec<u8>>,
}

impl LogStore {
    /// Opens the log in `dir` (empty if it has no checkpoint yet) and checks
    /// the entries on disk still hash to the checkpoint's root.
    pub fn open(dir: &Path) -> Result<LogStore, CliError> {
        let corrupt = |message: String| CliError::LogCorrupt {
            dir: dir.to_owned(),
            message,
        };
        let checkpoint = match std::fs::read(dir.join(CHECKPOINT_PATH)) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => {
                return Err(CliError::ReadFile {
                    path: dir.join(CHECKPOINT_PATH),
                    source,
                })
            }
        };
        let Some(checkpoint) = checkpoint else {
            return Ok(LogStore {
                dir: dir.to_owned(),
                entries: Vec::new(),
                tree: MerkleLog::new(),
                checkpoint: None,
            });
        };
        let note = signed_note::Note::from_bytes(&checkpoint)
            .map_err(|_| corrupt("the checkpoint is not a signed note".into()))?;
        let body = tlog_tiles::Checkpoint::from_bytes(note.text())
            .map_err(|_| corrupt("the checkpoint is malformed".into()))?;
        let mut entries = Vec::new();
        for (path, width) in bundle_paths(body.size()).zip(widths(body.size())) {
            let bytes =
                std::fs::read(dir.join(&path)).map_err(|e| corrupt(format!("{path}: {e}")))?;
            entries
                .extend(decode_bundle(&path, &bytes, width).map_err(|e| corrupt(e.to_string()))?);
        }
        let tree = MerkleLog::from_entries(entries.iter().map(Vec::as_slice));
        if tree.root() != *body.hash() {
            return Err(corrupt(format!(
                "the {} entries on disk do not hash to the checkpoint's root",
                body.size()
            )));
        }
        Ok(LogStore {
            dir: dir.to_owned(),
            entries,
            tree,
            checkpoint: Some(checkpoint),
        })
    }

    pub fn events(&self) -> Result<Vec<LogEvent>, CliError> {
        self.entries
            .iter()
            .enumerate()
            .map(|(i, e)| decode_event(i as u64, e))
            .collect::<Result<_, _>>()
            .map_err(|e| CliError::LogCorrupt {
                dir: self.dir.clone(),
                message: e.to_string(),
            })
    }

    pub fn append(&mut self, events: &[LogEvent]) -> Result<(), CliError> {
        for event in events {
            let entry = encode_event(event);
            if entry.len() > MAX_EVENT_BYTES {
                return Err(CliError::EventTooLarge {
                    kind: event.event.kind(),
                    len: entry.len(),
                });
            }
            self.tree.append(&entry);
            self.entries.push(entry);
            self.checkpoint = None;
        }
        Ok(())
    }

    /// The feed's commitment to the log as it now stands.
    pub fn commitment(&self) -> LogCommitment {
        LogCommitment {
            size: self.tree.size(),
            root: self.tree.root().to_string(),
        }
    }

    /// Signs a checkpoint for the current tree (unless the one on disk
    /// already covers it), asks `cosign` to add witness cosignatures, and
    /// writes the tiles, bundles and, last, the checkpoint.
    pub fn commit(
        &mut self,
        log_key: &dyn Signer,
        cosign: impl FnOnce(&LogStore, Vec<u8>) -> Vec<u8>,
    ) -> Result<(), CliError> {
        if self.checkpoint.is_some() {
            return Ok(());
        }
        let note = sign_checkpoint(self.tree.size(), self.tree.root(), &[log_key])
            .map_err(|e| CliError::Sign(bongsu_core::SignError::Note(e)))?;
        let note = cosign(self, note);
        write_log_files(&self.dir, self, &note)?;
        self.checkpoint = Some(note);
        Ok(())
    }

    /// How many witnesses of `witness` validly cosigned the checkpoint on
    /// disk (none without a witness role): lines that do not verify do not
    /// count, so a junk line cannot make a checkpoint look witnessed.
    pub fn cosignature_count(&self, witness: Option<&RoleKeys>) -> usize {
        match (self.checkpoint.as_deref(), witness) {
            (Some(note), Some(witness)) => {
                bongsu_core::log::count_valid_cosignatures(note, witness)
            }
            _ => 0,
        }
    }

    /// Whether the checkpoint on disk carries `key`'s signature: after the
    /// log key is rotated, the same tree must be signed again by the new one.
    pub fn checkpoint_signed_by(&self, key: &dyn Signer) -> bool {
        let Some(note) = self.checkpoint.as_deref() else {
            return false;
        };
        bongsu_core::keys::Note::parse(note).is_some_and(|n| {
            n.signatures()
                .iter()
                .any(|sig| sig.name == key.name() && sig.id == key.key_id())
        })
    }

    /// Forgets the checkpoint on disk so the next [`LogStore::commit`] signs
    /// one afresh and asks the witnesses again: for when some were
    /// unreachable at the last commit.
    pub fn recommit(&mut self) {
        self.checkpoint = None;
    }

    /// Copies the log into a region's `log/` directory: only files that
    /// differ, with the checkpoint last so a reader never sees a checkpoint
    /// whose entries are not there yet.
    pub fn publish(&self, region_log: &Path) -> Result<(), CliError> {
        let Some(checkpoint) = &self.checkpoint else {
            return Ok(());
        };
        write_log_files(region_log, self, checkpoint)
    }
}

fn widths(size: u64) -> impl Iterator<Item = usize> {
    bongsu_core::log::bundles_for_size(size).map(|(_, w, _)| w as usize)
}

fn write_log_files(dir: &Path, log: &LogStore, checkpoint: &[u8]) -> Result<(), CliError> {
    let files = log_files(&log.tree, &log.entries).map_err(|e| CliError::LogCorrupt {
        dir: log.dir.clone(),
        message: e.to_string(),
    })?;
    for (path, bytes) in files {
        let target = dir.join(&path);
        if std::fs::read(&target).ok().as_deref() != Some(&bytes[..]) {
            write_atomically(&target, &bytes)?;
        }
    }
    write_atomically(&dir.join(CHECKPOINT_PATH), checkpoint)
}
