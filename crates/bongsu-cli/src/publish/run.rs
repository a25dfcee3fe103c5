//! Publishing one tree to many destinations at once: each destination on
//! its own task with its own deadline, the steps of [`super::plan`] in
//! order, immutable files created only if absent (an existing one must hold
//! the same bytes), mutable ones replaced only if unchanged since read and
//! never rolled back ([`super::guard`]). A journal per destination records
//! what was written there, so a publish with nothing changed writes
//! nothing and a destination that lagged is caught up by the next run.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use super::destination::Destination;
use super::plan::{Item, Step};
use super::sink::{Fetched, Listed, Mode, PutError, Sink, Upload};
use crate::files::{self, Effort, Encoding};

/// How many immutable files are written to one destination at once.
const PARALLEL_WRITES: usize = 16;

/// What was written to one destination, by path.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Journal {
    pub destination: String,
    pub objects: BTreeMap<String, Written>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Written {
    /// SHA-256 of the file as staged.
    pub sha256: String,
    /// The ETag the destination gave the object when it was written or
    /// last found equal: if a listing shows another, someone replaced it.
    pub etag: Option<String>,
}

impl Journal {
    /// The journal at `path`, or an empty one: a lost journal only costs a
    /// read of each object to compare, never a wrong skip.
    pub fn load(path: &Path, destination: &str) -> Journal {
        std::fs::read(path)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Journal>(&bytes).ok())
            .filter(|j| j.destination == destination)
            .unwrap_or_else(|| Journal {
                destination: destination.to_owned(),
                objects: BTreeMap::new(),
            })
    }

    pub fn save(&self, path: &Path) -> Result<(), String> {
        let json = serde_json::to_vec_pretty(self).map_err(|e| e.to_string())?;
        crate::sign::write_atomically(path, &json).map_err(|e| e.to_string())
    }

    /// Whether `item` is on the destination as last written: same staged
    /// bytes, and the listing shows the very object written then.
    fn unchanged(&self, item: &Item, listed: &HashMap<String, Listed>) -> bool {
        self.objects.get(&item.path).is_some_and(|w| {
            w.sha256 == item.sha256
                && w.etag.is_some()
                && listed.get(&item.path).and_then(|l| l.etag.as_ref()) == w.etag.as_ref()
        })
    }
}

/// The journal file for a destination in the state folder.
pub fn journal_path(state: &Path, destination: &str) -> PathBuf {
    let readable: String = destination
        .split('?')
        .next()
        .unwrap_or(destination)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .take(60)
        .collect();
    let id = &super::sink::sha256(destination.as_bytes())[..12];
    state.join(format!("{readable}-{id}.json"))
}

/// Counts for the report.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub written: usize,
    pub unchanged: usize,
    pub failed: usize,
    /// Bytes of the bodies written (as stored, compressed).
    pub bytes: u64,
}

/// How one destination went.
#[derive(Debug)]
pub struct Outcome {
    pub destination: Destination,
    pub counts: Counts,
    pub elapsed: Duration,
    /// Why it lags, if it does.
    pub error: Option<String>,
}

/// One destination's work.
pub struct Job {
    pub destination: Destination,
    pub sink: Sink,
    pub items: Arc<Vec<Item>>,
    pub journal: PathBuf,
}

/// Runs every job at once, each within `deadline`; returns in job order.
pub async fn publish_all(jobs: Vec<Job>, deadline: Duration) -> Vec<Outcome> {
    let tasks: Vec<_> = jobs
        .into_iter()
        .map(|job| tokio::spawn(publish_one(job, deadline)))
        .collect();
    let mut outcomes = Vec::with_capacity(tasks.len());
    for task in tasks {
        match task.await {
            Ok(outcome) => outcomes.push(outcome),
            // A task only ends this way if it panicked, which nothing in it
            // should; its destination is then unknown, so it is not reported.
            Err(e) => eprintln!("error: a publish task failed: {e}"),
        }
    }
    outcomes
}

struct Shared {
    counts: Mutex<Counts>,
    journal: Mutex<Journal>,
}

impl Shared {
    fn count(&self, f: impl FnOnce(&mut Counts)) {
        if let Ok(mut c) = self.counts.lock() {
            f(&mut c);
        }
    }

    fn record(&self, item: &Item, etag: Option<String>) {
        if let Ok(mut j) = self.journal.lock() {
            j.objects.insert(
                item.path.clone(),
                Written {
                    sha256: item.sha256.clone(),
                    etag,
                },
            );
        }
    }
}

async fn publish_one(job: Job, deadline: Duration) -> Outcome {
    let started = Instant::now();
    let shared = Arc::new(Shared {
        counts: Mutex::new(Counts::default()),
        journal: Mutex::new(Journal::load(&job.journal, &job.destination.shown)),
    });
    let work = steps(&job, &shared);
    let result = match tokio::time::timeout(deadline, work).await {
        Ok(result) => result,
        Err(_) => Err(format!(
            "no answer within {} s (its deadline)",
            deadline.as_secs_f32()
        )),
    };
    let mut error = result.err();
    let saved = match shared.journal.lock() {
        Ok(journal) => journal.save(&job.journal),
        Err(_) => Err("a task writing it failed".to_owned()),
    };
    if let Err(e) = saved {
        let note = format!("its journal {} was not saved: {e}", job.journal.display());
        error = Some(match error {
            Some(error) => format!("{error}; {note}"),
            None => note,
        });
    }
    let counts = shared.counts.lock().map(|c| *c).unwrap_or_default();
    Outcome {
        destination: job.destination,
        counts,
        elapsed: started.elapsed(),
        error,
    }
}

async fn steps(job: &Job, shared: &Shared) -> Result<(), String> {
    let listed = job.sink.list().await?;
    for group in job.items.chunk_by(|a, b| a.step == b.step) {
        if group[0].step == Step::Immutable {
            // Futures made first, then streamed: a closure in the stream
            // would need a lifetime spawn cannot name.
            let writes: Vec<_> = group
                .iter()
                .map(|item| immutable(job, shared, &listed, item))
                .collect();
            let results: Vec<Result<(), String>> = futures_util::stream::iter(writes)
                .buffer_unordered(PARALLEL_WRITES)
                .collect()
                .await;
            let errors: Vec<String> = results.into_iter().filter_map(Result::err).collect();
            if let Some(first) = errors.first() {
                let more = match errors.len() {
                    1 => String::new(),
                    n => format!(" (and {} more)", n - 1),
                };
                // Nothing that refers to these files is written.
                return Err(format!(
                    "{first}{more}; nothing that refers to it was written there"
                ));
            }
        } else {
            for item in group {
                mutable(job, shared, &listed, item).await?;
            }
        }
    }
    Ok(())
}

async fn immutable(
    job: &Job,
    shared: &Shared,
    listed: &HashMap<String, Listed>,
    item: &Item,
) -> Result<(), String> {
    let known = shared
        .journal
        .lock()
        .is_ok_and(|j| j.unchanged(item, listed));
    if known {
        shared.count(|c| c.unchanged += 1);
        return Ok(());
    }
    if !listed.contains_key(&item.path) {
        let (encoding, body) = body(item, &job.sink, &job.destination).await;
        let len = body.len() as u64;
        let upload = Upload {
            path: &item.path,
            body,
            class: &item.class,
            encoding,
        };
        match job.sink.put(upload, Mode::Create).await {
            Ok(etag) => {
                shared.count(|c| {
                    c.written += 1;
                    c.bytes += len;
                });
                shared.record(item, etag);
                return Ok(());
            }
            // Written by an earlier, interrupted run: compare below.
            Err(PutError::Exists) => {}
            Err(PutError::Changed) => {
                shared.count(|c| c.failed += 1);
                return Err(format!("{}: the store refused to create it", item.path));
            }
            Err(PutError::Failed(why)) => {
                shared.count(|c| c.failed += 1);
                return Err(why);
            }
        }
    }
    let fetched = job.sink.get(&item.path).await.inspect_err(|_| {
        shared.count(|c| c.failed += 1);
    })?;
    match fetched {
        Some(Fetched { bytes, version }) if bytes == *item.bytes => {
            shared.count(|c| c.unchanged += 1);
            shared.record(item, version.etag);
            Ok(())
        }
        Some(_) => {
            shared.count(|c| c.failed += 1);
            Err(format!(
                "{} there holds other bytes than the staged file, and it never changes under its name: the destination holds another history or a forged file; it was left as it is (evidence), and this destination gets nothing newer until someone looks",
                item.path
            ))
        }
        None => {
            shared.count(|c| c.failed += 1);
            Err(format!(
                "{}: listed but cannot be read; run again",
                item.path
            ))
        }
    }
}

async fn mutable(
    job: &Job,
    shared: &Shared,
    listed: &HashMap<String, Listed>,
    item: &Item,
) -> Result<(), String> {
    let known = shared
        .journal
        .lock()
        .is_ok_and(|j| j.unchanged(item, listed));
    if known {
        shared.count(|c| c.unchanged += 1);
        return Ok(());
    }
    let fail = |why: String| {
        shared.count(|c| c.failed += 1);
        why
    };
    let remote = job.sink.get(&item.path).await.map_err(fail)?;
    let mode = match remote {
        Some(Fetched { bytes, version }) if bytes == *item.bytes => {
            shared.count(|c| c.unchanged += 1);
            shared.record(item, version.etag);
            return Ok(());
        }
        Some(Fetched { bytes, version }) => {
            if let Some(why) = super::guard::refusal(&item.path, &bytes, &item.bytes) {
                return Err(fail(why));
            }
            Mode::Replace(version)
        }
        None => Mode::Create,
    };
    let (encoding, body) = body(item, &job.sink, &job.destination).await;
    let len = body.len() as u64;
    let upload = Upload {
        path: &item.path,
        body,
        class: &item.class,
        encoding,
    };
    match job.sink.put(upload, mode).await {
        Ok(etag) => {
            shared.count(|c| {
                c.written += 1;
                c.bytes += len;
            });
            shared.record(item, etag);
            Ok(())
        }
        Err(PutError::Exists | PutError::Changed) => Err(fail(format!(
            "{} changed on the destination while this publish ran (another publisher?); run again",
            item.path
        ))),
        Err(PutError::Failed(why)) => Err(fail(why)),
    }
}

/// The body to store for `item`: compressed in the destination's encoding
/// if it is compressible and that makes it smaller, from the build's
/// precompressed copy when one decodes to exactly these bytes.
async fn body(item: &Item, sink: &Sink, destination: &Destination) -> (Encoding, Bytes) {
    let plain = || (Encoding::Identity, Bytes::from(item.bytes.to_vec()));
    let encoding = destination.encoding;
    if !sink.stores_encodings() || !item.class.compressible || encoding == Encoding::Identity {
        return plain();
    }
    let source = item.source.clone();
    let bytes = item.bytes.clone();
    let encoded = tokio::task::spawn_blocking(move || {
        let precompressed = encoding.sibling_suffix().and_then(|suffix| {
            let mut name = source.into_os_string();
            name.push(suffix);
            std::fs::read(name).ok()
        });
        precompressed
            .filter(|c| files::decode(c, encoding, bytes.len()).as_deref() == Some(&bytes[..]))
            .unwrap_or_else(|| files::encode(&bytes, encoding, Effort::Best))
    })
    .await;
    match encoded {
        Ok(encoded) if encoded.len() < item.bytes.len() => (encoding, Bytes::from(encoded)),
        _ => plain(),
    }
}
