//! The log's side of C2SP tlog-witness: submit each new checkpoint with a
//! consistency proof to every witness and collect their cosignatures.
//!
//! A witness that is down or refuses is reported and skipped: the status
//! feed must go out during an outage even when witnesses cannot be reached.
//! Readers then see a checkpoint below the witness threshold and say so.
//!
//! Every answer is checked before anything of it is published: only lines
//! that verify as a cosignature by a witness of the key set are kept, one
//! per witness, so a witness that answers garbage, another witness's name
//! or a hundred junk lines adds nothing and breaks nothing.

use std::collections::BTreeMap;
use std::time::Duration;

use bongsu_core::log::add_valid_cosignatures;
use bongsu_core::log::encode_add_checkpoint;
use bongsu_core::RoleKeys;

use crate::log_store::LogStore;
use crate::sign::write_atomically;

const WITNESS_TIMEOUT: Duration = Duration::from_secs(5);
const STATE_FILE: &str = "witnesses.json";

/// Adds the cosignature of every witness in `witnesses` (base URLs; the
/// request goes to `<url>add-checkpoint`) to `note`, keeping only lines that
/// verify under `witness_keys` (the key set's witness role). Returns the
/// note and a warning per witness that did not cosign.
pub fn gather_cosignatures(
    log: &LogStore,
    mut note: Vec<u8>,
    witnesses: &[String],
    witness_keys: Option<&RoleKeys>,
) -> (Vec<u8>, Vec<String>) {
    let state_path = log.dir.join(STATE_FILE);
    let mut sizes: BTreeMap<String, u64> = std::fs::read(&state_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let mut warnings = Vec::new();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(WITNESS_TIMEOUT))
        .http_status_as_error(false)
        .build()
        .into();
    let signed = note.clone();
    for url in witnesses {
        let endpoint = format!("{}/add-checkpoint", url.trim_end_matches('/'));
        let mut old = sizes.get(url).copied().unwrap_or(0);
        let mut outcome = Err("no answer".to_owned());
        // One retry: a 409 tells us the size the witness really has.
        for _ in 0..2 {
            match submit(&agent, &endpoint, log, old, &signed) {
                Ok(Answer::Cosigned(lines)) => {
                    outcome = Ok(lines);
                    break;
                }
                Ok(Answer::Conflict(size)) if size != old && size <= log.tree.size() => {
                    old = size;
                    outcome = Err(format!("witness had size {size}"));
                }
                Ok(Answer::Conflict(size)) => {
                    outcome = Err(format!(
                        "witness has size {size}, which this log cannot extend"
                    ));
                    break;
                }
                Ok(Answer::Refused(status, why)) => {
                    outcome = Err(format!("HTTP {status}: {why}"));
                    break;
                }
                Err(why) => {
                    outcome = Err(why);
                    break;
                }
            }
        }
        let outcome = outcome.and_then(|lines| {
            let keys = witness_keys.ok_or(
                "no key set with a witness role is published beside the feed, so its answer \
                 cannot be checked (run `bongsu keyset` with a [witness] role first)",
            )?;
            let added = add_valid_cosignatures(&note, &lines, keys).map_err(|e| e.to_string())?;
            if added.added.is_empty() {
                return Err(format!(
                    "its answer held no valid cosignature by a witness of the key set \
                     ({} line(s) dropped)",
                    added.dropped
                ));
            }
            if added.dropped > 0 {
                warnings.push(format!(
                    "witness {url}: {} line(s) of its answer did not verify and were dropped",
                    added.dropped
                ));
            }
            Ok(added.note)
        });
        match outcome {
            Ok(with_cosignature) => {
                note = with_cosignature;
                sizes.insert(url.clone(), log.tree.size());
            }
            Err(why) => warnings.push(format!("witness {url} did not cosign: {why}")),
        }
    }
    if let Ok(json) = serde_json::to_vec_pretty(&sizes) {
        let _ = write_atomically(&state_path, &json);
    }
    // Every line kept verified, so this is a well-formed note; check anyway.
    if signed_note::Note::from_bytes(&note).is_err() {
        warnings.push("the cosigned checkpoint did not parse; cosignatures were dropped".into());
        return (signed, warnings);
    }
    (note, warnings)
}

enum Answer {
    Cosigned(Vec<u8>),
    Conflict(u64),
    Refused(u16, String),
}

fn submit(
    agent: &ureq::Agent,
    endpoint: &str,
    log: &LogStore,
    old: u64,
    note: &[u8],
) -> Result<Answer, String> {
    let proof = if old == 0 || old > log.tree.size() {
        Vec::new()
    } else {
        log.tree
            .consistency_proof(old, log.tree.size())
            .map_err(|e| e.to_string())?
    };
    let body = encode_add_checkpoint(old, &proof, note);
    let mut response = agent
        .post(endpoint)
        .send(&body[..])
        .map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let text = response
        .body_mut()
        .with_config()
        .limit(16 * 1024)
        .read_to_vec()
        .map_err(|e| e.to_string())?;
    match status {
        // Signature lines, `— <name> <base64>`; which of them count is
        // decided by verifying each (see `gather_cosignatures`).
        200 if !text.is_empty() => Ok(Answer::Cosigned(text)),
        200 => Err("the answer is empty".into()),
        409 => String::from_utf8_lossy(&text)
            .trim()
            .parse()
            .map(Answer::Conflict)
            .map_err(|_| "HTTP 409 without a size".into()),
        _ => Ok(Answer::Refused(
            status,
            String::from_utf8_lossy(&text).chars().take(200).collect(),
        )),
    }
}
