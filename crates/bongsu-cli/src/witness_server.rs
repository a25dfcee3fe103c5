//! A region's witness: `POST <region>/witness/add-checkpoint` (C2SP
//! tlog-witness). It cosigns a checkpoint of the configured log only after
//! checking the log's signature and a consistency proof from the last
//! checkpoint it cosigned, which it keeps in its own state file.

use std::path::PathBuf;

use axum::body::Body;
use axum::http::{header, Response, StatusCode};
use bongsu_core::witness::{
    check_add_checkpoint, parse_add_checkpoint, WitnessError, WitnessRecord,
};
use bongsu_core::RoleKeys;
use signed_note::Signer;

use crate::keygen::read_witness;
use crate::sign::write_atomically;

/// The URL path a region's witness answers on.
pub const ADD_CHECKPOINT_PATH: &str = "/witness/add-checkpoint";

pub struct Witness {
    pub key: PathBuf,
    /// The log it witnesses.
    pub log: RoleKeys,
    /// Its memory of the log, kept outside the served directory.
    pub state: PathBuf,
    /// One add-checkpoint at a time, so two submissions cannot both extend
    /// the same old state.
    pub lock: tokio::sync::Mutex<()>,
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
    let record: Option<WitnessRecord> = match std::fs::read(&witness.state) {
        Ok(bytes) => match serde_json::from_slice(&bytes) {
            Ok(r) => Some(r),
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
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            eprintln!(
                "error: cannot read witness state {}: {e}",
                witness.state.display()
            );
            return reply(
                StatusCode::INTERNAL_SERVER_ERROR,
                "text/plain",
                "witness state unreadable\n",
            );
        }
    };
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
                WitnessError::Equivocation { .. } | WitnessError::Inconsistent { .. } => {
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
    let json = serde_json::to_vec_pretty(&next).unwrap_or_default();
    if let Err(e) = write_atomically(&witness.state, &json) {
        eprintln!("error: {e}");
        return reply(
            StatusCode::INTERNAL_SERVER_ERROR,
            "text/plain",
            "cannot save witness state\n",
        );
    }
    reply(StatusCode::OK, "text/plain; charset=utf-8", line.to_bytes())
}
