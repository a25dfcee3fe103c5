//! `bongsu sign`: status file + private key → signed feed files.

use std::path::{Path, PathBuf};

use bongsu_core::log::disagreement_events;
use bongsu_core::log::History;
use bongsu_core::log::{events_for_change, events_for_maintenances};
use bongsu_core::{sign_feed, Feed, LogCommitment, SignError};
use time::OffsetDateTime;

use crate::error::CliError;
use crate::keygen::read_signer;
use crate::log_store::LogStore;
use crate::probe::watch::ProbeWatch;
use crate::status_file;

/// Where the history log lives and who signs and witnesses it.
#[derive(Debug, Clone)]
pub struct LogOptions {
    /// The operator's copy of the log; every region gets a copy in `log/`
    /// beside its feed.
    pub dir: PathBuf,
    /// The log's private key (the key set's `log` role).
    pub key: PathBuf,
    /// Witness base URLs (C2SP tlog-witness `add-checkpoint`).
    pub witnesses: Vec<String>,
    /// The regions' probes, to log where they and the declared status
    /// disagree for longer than the grace period.
    pub probes: Option<ProbeWatch>,
}

/// What was signed.
#[derive(Debug, Clone)]
pub struct Signed {
    pub feed: String,
    pub seq: u64,
    pub expires_at: OffsetDateTime,
    /// The log the feed commits to, and how many events this run added.
    pub log: Option<(LogCommitment, usize)>,
    /// Problems that did not stop publishing (e.g. a witness that is down).
    pub warnings: Vec<String>,
    /// How many Statuspage-compatible files were derived and written
    /// beside each feed (0 without a `[page]`).
    pub api_files: usize,
}

/// Signs `status` with `key` into every path in `outs`. The sequence number
/// is `seq` if given, else one more than the highest already in `outs`.
/// With `log`, what changed since the log's last state is appended to the
/// history log first, and the feed commits to it. Nothing is written unless
/// everything checks out.
pub fn sign_files(
    key: &Path,
    status: &Path,
    outs: &[PathBuf],
    seq: Option<u64>,
    log: Option<&LogOptions>,
    now: OffsetDateTime,
) -> Result<Signed, CliError> {
    let text = std::fs::read_to_string(status).map_err(|source| CliError::ReadStatus {
        path: status.to_owned(),
        source,
    })?;
    sign_text(key, status, &text, outs, seq, log, now)
}

/// [`sign_files`] for a status file's text not yet on disk (`status` names
/// it in messages): the declare commands sign before they write the file.
pub fn sign_text(
    key: &Path,
    status: &Path,
    text: &str,
    outs: &[PathBuf],
    seq: Option<u64>,
    log: Option<&LogOptions>,
    now: OffsetDateTime,
) -> Result<Signed, CliError> {
    // Held until signing is done: a second run waits, then reads the seq
    // and the log this one wrote.
    let _locks = crate::lock::lock_dirs(
        outs.iter()
            .map(|out| out.parent().unwrap_or(Path::new(".")).to_owned())
            .chain(log.map(|l| l.dir.clone())),
        crate::lock::LOCK_WAIT,
    )?;
    let signer = read_signer(key)?;
    let draft = status_file::parse(text).map_err(|e| match e.position {
        Some((line, column)) => CliError::StatusSyntax {
            path: status.to_owned(),
            line,
            column,
            message: e.message,
        },
        None => CliError::StatusInvalid {
            path: status.to_owned(),
            message: e.message,
        },
    })?;

    let existing = highest_existing_seq(outs)?;
    let seq = match (seq, existing) {
        (Some(given), Some((have, path))) if given <= have => {
            return Err(CliError::SeqNotIncreasing {
                given,
                existing: have,
                path,
            })
        }
        (Some(given), _) => given,
        (None, Some((have, path))) => have.checked_add(1).ok_or(CliError::UnreadableFeed {
            path,
            why: "its seq is the largest there can be".to_owned(),
        })?,
        (None, None) => 1,
    };

    let issued_at = now.replace_nanosecond(0).unwrap_or(now);
    let page = draft.page.clone();
    let mut feed = draft.into_feed(seq, issued_at);
    let invalid = |v: bongsu_core::ValidationError| CliError::StatusInvalid {
        path: status.to_owned(),
        message: v.to_string(),
    };
    // Validate before the log records anything.
    bongsu_core::feed::validate(&feed).map_err(invalid)?;
    let mut warnings = Vec::new();
    let mut logged = None;
    let mut events = None;
    if let Some(options) = log {
        let (commitment, added, all) =
            record_in_log(options, &feed, status, outs, &mut warnings, now)?;
        feed.log = Some(commitment.clone());
        logged = Some((commitment, added));
        events = Some(all);
    }
    let bytes = sign_feed(&feed, &[&signer]).map_err(|e| match e {
        SignError::Invalid(v) => CliError::StatusInvalid {
            path: status.to_owned(),
            message: v.to_string(),
        },
        other => CliError::Sign(other),
    })?;
    let api = match &page {
        Some(page) => Some(statuspage_files(
            &feed,
            events.as_deref(),
            page,
            &signer,
            &mut warnings,
        )?),
        None => {
            warnings.push(
                "the status file has no [page] (name and url), so the Statuspage-compatible \
                 API (api/v2/*.json, history.rss, history.atom) was not written"
                    .to_owned(),
            );
            None
        }
    };
    for out in outs {
        // The derived files and their manifest first, so a region served
        // from this directory has them by the time the feed names the seq.
        // (`publish` uploads in its own order: the feed, then the files,
        // then the manifest; a reader may meet the old files for a moment.)
        if let Some((files, manifest)) = &api {
            let region = out.parent().unwrap_or(Path::new("."));
            for file in files {
                write_atomically(&region.join(file.path), &file.bytes)?;
            }
            write_atomically(
                &region.join(bongsu_core::statuspage::MANIFEST_PATH),
                manifest,
            )?;
        }
        write_atomically(out, &bytes)?;
    }
    Ok(Signed {
        feed: feed.feed,
        seq,
        expires_at: feed.expires_at,
        log: logged,
        warnings,
        api_files: api.as_ref().map_or(0, |(files, _)| files.len()),
    })
}

/// The Statuspage-compatible files derived from `feed` (and the log it
/// commits to), and their manifest signed by the feed's own key.
fn statuspage_files(
    feed: &Feed,
    events: Option<&[bongsu_core::log::LogEvent]>,
    page: &bongsu_core::statuspage::PageInfo,
    signer: &dyn signed_note::Signer,
    warnings: &mut Vec<String>,
) -> Result<(Vec<bongsu_core::statuspage::ApiFile>, Vec<u8>), CliError> {
    use bongsu_core::statuspage::{derive, manifest_for};
    let committed = feed.log.as_ref().map_or(0, |l| l.size) as usize;
    let files = derive(feed, events.map(|e| &e[..committed.min(e.len())]), page);
    for f in &files {
        let limit = bongsu_core::limits::max_bytes(f.path);
        if f.bytes.len() > limit {
            // Never a reason to withhold the status itself: written, and said.
            warnings.push(format!(
                "{} is {} bytes, over the {limit} readers accept; shorten the longest incidents' updates",
                f.path,
                f.bytes.len()
            ));
        }
    }
    let manifest = manifest_for(feed, page, &files);
    let signed = bongsu_core::sign::sign_statuspage_manifest(&manifest, &[signer])
        .map_err(CliError::Sign)?;
    Ok((files, signed))
}

/// Appends what changed to the log, checks the log now declares exactly
/// what the feed shows, commits (signs, gets cosignatures, writes) and
/// publishes the log beside every feed file. Disagreements with the
/// probes are judged at `now` itself (the feed's `issued_at` is rounded
/// down to the second, and a reader that has just shown one would not yet
/// see it as due).
fn record_in_log(
    options: &LogOptions,
    feed: &Feed,
    status: &Path,
    outs: &[PathBuf],
    warnings: &mut Vec<String>,
    now: OffsetDateTime,
) -> Result<(LogCommitment, usize, Vec<bongsu_core::log::LogEvent>), CliError> {
    let log_key = read_signer(&options.key)?;
    let mut store = LogStore::open(&options.dir)?;
    let mut logged = store.events()?;
    let before_len = logged.len();
    let before = History::from_events(&logged);
    let mut events = events_for_change(
        &before.declared_services(),
        &before.declared_incidents(),
        &feed.services,
        &feed.incidents,
        feed.issued_at,
    );
    events.extend(events_for_maintenances(
        &before.declared_maintenances(),
        &feed.maintenances,
        feed.issued_at,
    ));
    logged.extend(events.iter().cloned());
    let after = History::from_events(&logged);
    if let Some(message) = after.disagreement(feed) {
        return Err(CliError::HistoryConflict {
            path: status.to_owned(),
            message,
        });
    }
    if let Some(probes) = &options.probes {
        // Judged against the status being signed: declaring the outage
        // ends an undeclared-outage disagreement in the same entry batch.
        let mut seen = crate::probe::watch::load_seen(&options.dir);
        let observed = probes.observe(now, &mut seen);
        warnings.extend(observed.warnings);
        events.extend(disagreement_events(
            &after,
            &feed.services,
            &feed.incidents,
            &observed.observations,
            observed.probing,
            now,
            probes.grace,
        ));
        crate::probe::watch::save_seen(&options.dir, &seen)?;
    }
    // `logged` holds the change events already; the disagreements follow.
    let changes = logged.len() - before_len;
    logged.extend(events[changes..].iter().cloned());
    store.append(&events)?;
    let key_set = crate::keyset::newest_published(outs);
    let witness_keys = key_set.as_ref().and_then(|k| k.roles.witness.as_ref());
    let missed_witnesses = store.cosignature_count(witness_keys) < options.witnesses.len();
    if events.is_empty() && (missed_witnesses || !store.checkpoint_signed_by(&log_key)) {
        // Witnesses missed the last checkpoint (down, or not yet started),
        // or the log key was rotated: sign and ask again, or readers keep
        // seeing it below the threshold or under a key no longer trusted.
        store.recommit();
    }
    store.commit(&log_key, |s, note| {
        let (note, problems) =
            crate::witness::client::gather_cosignatures(s, note, &options.witnesses, witness_keys);
        warnings.extend(problems);
        note
    })?;
    for out in outs {
        let region = out.parent().unwrap_or(Path::new("."));
        store.publish(&region.join("log"))?;
    }
    Ok((store.commitment(), events.len(), logged))
}

/// The highest seq among the feed files that exist, and where it is.
fn highest_existing_seq(outs: &[PathBuf]) -> Result<Option<(u64, PathBuf)>, CliError> {
    let mut best: Option<(u64, PathBuf)> = None;
    for path in outs.iter().filter(|p| p.exists()) {
        let seq = read_seq(path).map_err(|why| CliError::UnreadableFeed {
            path: path.clone(),
            why,
        })?;
        if best.as_ref().is_none_or(|(b, _)| seq > *b) {
            best = Some((seq, path.clone()));
        }
    }
    Ok(best)
}

/// A feed file's seq, read without verifying: these are the operator's own
/// files, and the number only ever makes the next seq larger.
pub fn read_seq(path: &Path) -> Result<u64, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let note = signed_note::Note::from_bytes(&bytes).map_err(|e| e.to_string())?;
    let feed = bongsu_core::feed::decode_text(note.text()).map_err(|e| e.to_string())?;
    Ok(feed.seq)
}

/// Writes through a temporary file and a rename, so a region serving the
/// directory never serves half a feed.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let err = |source| CliError::Write {
        path: path.to_owned(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp-{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes).map_err(err)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        err(e)
    })
}

/// Like [`write_atomically`], and on disk before it returns: the file and
/// its directory are synced, so a power cut cannot undo it. For what must
/// never be forgotten once acted on (a witness's record).
pub fn write_durably(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    use std::io::Write;
    let err = |source| CliError::Write {
        path: path.to_owned(),
        source,
    };
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(err)?;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp-{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    let written = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)?;
        std::fs::File::open(dir)?.sync_all()
    })();
    written.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        err(e)
    })
}

/// `bongsu sign`'s flags: what the command line gives, used as its options.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The status file (TOML).
    #[arg(long)]
    status: PathBuf,
    #[command(flatten)]
    signing: Signing,
}

/// How to sign, log and publish a status file: shared by `sign` and the
/// declare commands (`incident`, `component`), which sign what they wrote.
#[derive(Debug, Clone, clap::Args)]
pub struct Signing {
    /// Private key file from `bongsu keygen` (required unless --dry-run).
    #[arg(long)]
    key: Option<PathBuf>,
    /// Feed file to write; repeat for every region (at least one unless --dry-run).
    #[arg(long)]
    out: Vec<PathBuf>,
    /// Sequence number; default: one more than the highest in the existing --out files.
    #[arg(long)]
    seq: Option<u64>,
    /// The history log directory: what changed is appended to it, the feed commits to it,
    /// and it is copied into log/ beside every --out file.
    #[arg(long, requires = "log_key")]
    log: Option<PathBuf>,
    /// The log's private key (the key set's log role).
    #[arg(long, requires = "log")]
    log_key: Option<PathBuf>,
    /// A witness to ask for a cosignature: its base URL, e.g. http://127.0.0.1:8401/witness/.
    /// Repeatable. A witness that does not answer is reported, never blocks publishing.
    #[arg(long, requires = "log")]
    witness: Vec<String>,
    /// The app's config.json: ask each of its regions for its probe's observation, and log
    /// where the probes and this status disagree for longer than the config's
    /// disagreement_grace_seconds (and when they stop disagreeing). A probe that does not
    /// answer is reported, never blocks publishing.
    #[arg(long, requires = "log")]
    probes: Option<PathBuf>,
    #[command(flatten)]
    to: crate::publish::To,
}

/// Runs `bongsu sign`.
pub fn run(args: Args) -> Result<(), CliError> {
    let Args { status, signing } = args;
    let destinations = signing.check()?;
    let text = std::fs::read_to_string(&status).map_err(|source| CliError::ReadStatus {
        path: status.clone(),
        source,
    })?;
    signing.sign(&status, &text, destinations, |_| Ok(()))
}

impl Signing {
    /// Everything that can be checked before anything is written: the key
    /// file is there, and every `--to` names a folder of an `--out`.
    pub fn check(&self) -> Result<Vec<crate::publish::Planned>, CliError> {
        let key = self
            .key
            .as_ref()
            .ok_or(CliError::SignFlag("--key <private key file>"))?;
        if self.out.is_empty() {
            return Err(CliError::SignFlag(
                "--out <region>/feed.note (once per region)",
            ));
        }
        std::fs::metadata(key).map_err(|source| CliError::ReadKey {
            path: key.clone(),
            source,
        })?;
        self.to.plan(&self.out)
    }

    /// Signs the status file `text` (read from, or about to be written to,
    /// `status`) into every `--out`, logs and publishes as `sign` does.
    /// `signed` runs once the feeds and the log are written, before
    /// anything is published (the declare commands write the status file
    /// there, so that it never says what was not signed).
    pub fn sign(
        &self,
        status: &Path,
        text: &str,
        destinations: Vec<crate::publish::Planned>,
        signed: impl FnOnce(&Signed) -> Result<(), CliError>,
    ) -> Result<(), CliError> {
        let after_signing = signed;
        let Signing {
            key,
            out,
            seq,
            log,
            log_key,
            witness,
            probes,
            to,
        } = self.clone();
        let mut warnings = Vec::new();
        let probes = match probes {
            Some(path) => {
                let config = crate::config_file::read_app_config(&path)?;
                let (watch, problems) = crate::probe::watch::ProbeWatch::from_config(&config);
                warnings.extend(problems);
                Some(watch)
            }
            None => None,
        };
        let log = log.zip(log_key).map(|(dir, key)| LogOptions {
            dir,
            key,
            witnesses: witness,
            probes,
        });
        let key = key.ok_or(CliError::SignFlag("--key <private key file>"))?;
        let signed = sign_text(
            &key,
            status,
            text,
            &out,
            seq,
            log.as_ref(),
            time::OffsetDateTime::now_utc(),
        )?;
        for warning in warnings.iter().chain(&signed.warnings) {
            eprintln!("warning: {warning}");
        }
        if let Some((commitment, added)) = &signed.log {
            println!(
                "logged {added} event(s); the log has {} entries, root {}",
                commitment.size, commitment.root
            );
        }
        if signed.api_files > 0 {
            println!(
                "derived the Statuspage-compatible API ({} files and {}) beside each feed",
                signed.api_files,
                bongsu_core::statuspage::MANIFEST_PATH
            );
        }
        for path in &out {
            println!(
                "signed {} seq {} (expires {}) -> {}",
                signed.feed,
                signed.seq,
                signed.expires_at,
                path.display()
            );
        }
        after_signing(&signed)?;
        // The whole tree: the feed, the log it commits to, and whatever an
        // earlier publish left behind on a destination that lagged.
        to.publish(&destinations, true, &format!("seq {}", signed.seq))
    }
}
