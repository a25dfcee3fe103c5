//! A region's witness: `POST <region>/witness/add-checkpoint` (C2SP
//! tlog-witness). It cosigns a checkpoint of the configured log only after
//! checking the log's signature and a consistency proof from the last
//! checkpoint it cosigned, which it keeps in its own state file.
//!
//! The state is what makes a witness worth having: a witness that forgot
//! what it cosigned would start again from nothing and cosign any fork. So
//! it never starts without its state file unless told to initialise a new
//! one (`--witness-init`), it writes the state to disk (file and directory
//! synced) before it answers, it keeps one record per log origin, and one
//! process at a time holds the state (a lock beside the file).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{header, Response, StatusCode};
use bongsu_core::log::{check_add_checkpoint, parse_add_checkpoint, WitnessError, WitnessRecord};
use bongsu_core::RoleKeys;
use signed_note::Signer;

use crate::error::CliError;
use crate::keygen::read_witness;
use crate::sign::write_durably;

/// The URL path a region's witness answers on.
pub const ADD_CHECKPOINT_PATH: &str = "/witness/add-checkpoint";

pub struct Witness {
    pub key: PathBuf,
    /// The log it witnesses.
    pub log: RoleKeys,
    /// Its memory of the logs it witnessed, by origin, kept outside the
    /// served directory.
    pub state: PathBuf,
    /// One add-checkpoint at a time, so two submissions cannot both extend
    /// the same old state.
    pub lock: tokio::sync::Mutex<()>,
    /// Held for the process's life: a second process with the same state
    /// would keep its own idea of it and could cosign both forks.
    _process_lock: crate::lock::FileLock,
}

/// The state file: the newest cosigned tree of each log, by origin.
type WitnessState = BTreeMap<String, WitnessRecord>;

impl Witness {
    /// A witness with its state at `state`, which must exist unless `init`
    /// (then an empty one is written first).
    pub fn open(
        id: &str,
        key: PathBuf,
        log: RoleKeys,
        state: PathBuf,
        init: bool,
    ) -> Result<Witness, CliError> {
        let process_lock = crate::lock::lock_file(&lock_path(&state)).map_err(|e| match e {
            CliError::Locked { .. } => CliError::WitnessStateInUse {
                id: id.to_owned(),
                path: state.clone(),
            },
            other => other,
        })?;
        match read_state(&state) {
            Ok(Some(records)) => {
                let origin = bongsu_core::log::log_origin(&log).unwrap_or_default();
                match records.get(&origin) {
                    Some(r) => println!(
                        "witness {id}: restored its record of {origin}: size {}",
                        r.size
                    ),
                    None => println!("witness {id}: no record of {origin} yet (a new log)"),
                }
            }
            Ok(None) if init => {
                write_durably(&state, b"{}\n")?;
                println!("witness {id}: initialised new state at {}", state.display());
            }
            Ok(None) => {
                return Err(CliError::WitnessStateMissing {
                    id: id.to_owned(),
                    path: state,
                })
            }
            Err(message) => {
                return Err(CliError::WitnessStateUnreadable {
                    path: state,
                    message,
                })
            }
        }
        Ok(Witness {
            key,
            log,
            state,
            lock: tokio::sync::Mutex::new(()),
            _process_lock: process_lock,
        })
    }
}

fn lock_path(state: &Path) -> PathBuf {
    let mut path = state.as_os_str().to_owned();
    path.push(".lock");
    PathBuf::from(path)
}

/// The state file's records, `None` when there is no file. An earlier
/// version kept one bare record; it is read as that log's record.
fn read_state(path: &Path) -> Result<Option<WitnessState>, String> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    if let Ok(single) = serde_json::from_slice::<WitnessRecord>(&bytes) {
        return Ok(Some(BTreeMap::from([(single.origin.clone(), single)])));
    }
    serde_json::from_slice::<WitnessState>(&bytes)
        .map(Some)
        .map_err(|e| e.to_string())
}

fn reply(status: StatusCode, content_type: &'static str, body: impl Into<Body>) -> Response<Body> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, content_type)
        .body(body.into())
        .unwrap_or_default()
}

pub async fn add_checkpoint(witness: &Witness, body: &[u8]) -> Response<Body> {
    let request = match parse_add_checkpoint(body) {
        Ok(r) => r,
        Err(e) => return reply(StatusCode::BAD_REQUEST, "text/plain", format!("{e}\n")),
    };
    let _guard = witness.lock.lock().await;
    // Never "no record" by accident: the state file must be there (it was
    // at start, or was initialised), and it is read afresh every time.
    let mut records = match read_state(&witness.state) {
        Ok(Some(records)) => records,
        Ok(None) => {
            eprintln!(
                "error: witness state {} has disappeared; refusing to cosign",
                witness.state.display()
            );
            return reply(
                StatusCode::INTERNAL_SERVER_ERROR,
                "text/plain",
                "witness state missing\n",
            );
        }
        Err(e) => {
            eprintln!(
                "error: witness state {} is unreadable ({e}); refusing to cosign",
                witness.state.display()
            );
            return reply(
                StatusCode::INTERNAL_SERVER_ERROR,
                "text/plain",
                "witness state unreadable\n",
            );
        }
    };
    let origin = bongsu_core::log::log_origin(&witness.log).unwrap_or_default();
    let record = records.get(&origin).cloned();
    let next = match check_add_checkpoint(record.as_ref(), &request, &witness.log) {
        Ok(next) => next,
        Err(e) => {
            let status = match &e {
                WitnessError::Conflict { size, .. } => {
                    return reply(
                        StatusCode::CONFLICT,
                        "text/x.tlog.size",
                        format!("{size}\n"),
                    )
                }
                WitnessError::Malformed(_) | WitnessError::Shrunk { .. } => StatusCode::BAD_REQUEST,
                WitnessError::LogSignature(_) => StatusCode::FORBIDDEN,
                WitnessError::UnknownLog(_) => StatusCode::NOT_FOUND,
                WitnessError::Equivocation { .. }
                | WitnessError::Inconsistent { .. }
                | WitnessError::TooManyEntries { .. } => {
                    eprintln!("witness: refused to cosign: {e}");
                    StatusCode::UNPROCESSABLE_ENTITY
                }
            };
            return reply(status, "text/plain", format!("{e}\n"));
        }
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp().max(0) as u64;
    let signer = match read_witness(&witness.key, now) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: witness key: {e}");
            return reply(
                StatusCode::INTERNAL_SERVER_ERROR,
                "text/plain",
                "witness key unusable\n",
            );
        }
    };
    // The checkpoint text is what gets cosigned; the request already proved
    // it parses as a note.
    let Ok(note) = signed_note::Note::from_bytes(&request.checkpoint) else {
        return reply(StatusCode::BAD_REQUEST, "text/plain", "not a signed note\n");
    };
    let Ok(sig) = signer.sign(note.text()) else {
        return reply(
            StatusCode::INTERNAL_SERVER_ERROR,
            "text/plain",
            "signing failed\n",
        );
    };
    let Ok(line) = signed_note::Signature::new(signer.name().to_owned(), signer.key_id(), sig)
    else {
        return reply(
            StatusCode::INTERNAL_SERVER_ERROR,
            "text/plain",
            "signing failed\n",
        );
    };
    // Remember before answering: a cosignature must never be given for a
    // tree the witness could later forget it saw.
    records.insert(next.origin.clone(), next);
    let json = serde_json::to_vec_pretty(&records).unwrap_or_default();
    if let Err(e) = write_durably(&witness.state, &json) {
        eprintln!("error: {e}");
        return reply(
            StatusCode::INTERNAL_SERVER_ERROR,
            "text/plain",
            "cannot save witness state\n",
        );
    }
    reply(StatusCode::OK, "text/plain; charset=utf-8", line.to_bytes())
}
