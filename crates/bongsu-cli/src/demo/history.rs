//! The demo's history log: the Kakao outage replayed into it up to a
//! moment of the fire, then stepped forward on request (`POST /replay` on
//! the admin endpoint, body `next` or `end`). Each step appends the events
//! dated as the timeline dates them, commits with the regions' witnesses,
//! publishes, and rewrites the status file to match, so the live feed and
//! the history never disagree.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bongsu_core::log::disagreement_events;
use bongsu_core::log::events_for_change;
use bongsu_core::log::History;
use bongsu_core::statuspage::PageInfo;
use time::format_description::well_known::Rfc3339;
use time::macros::datetime;
use time::OffsetDateTime;

use crate::demo::timeline::{kakao_2022, replay_events, ReplayStep, TimelineError};
use crate::error::CliError;
use crate::keygen::read_signer;
use crate::log_store::LogStore;
use crate::sign::{sign_files, write_atomically, LogOptions, Signed};
use crate::status_file;
use crate::witness::client::gather_cosignatures;

/// The demo opens two and a half hours into the fire.
pub const DEMO_STARTS_AT: OffsetDateTime = datetime!(2022-10-15 17:00 +09:00);
const POSITION_FILE: &str = "replay-at";

/// Everything that writes the demo's log, behind one lock: the re-sign loop
/// and replay steps must not interleave.
pub struct DemoHistory {
    pub log: LogOptions,
    pub status: PathBuf,
    pub outs: Vec<PathBuf>,
    pub status_key: PathBuf,
    /// `<variants>/<region>/`: the fault server's pre-signed feeds, signed
    /// here, by the holder of the status key, after every signing.
    variants: PathBuf,
    dir: PathBuf,
    /// The page the regions' Statuspage-compatible API describes.
    page: PageInfo,
    steps: Vec<ReplayStep>,
    lock: Mutex<()>,
    /// When the replay last moved the stand-ins: until the probes have
    /// started over and measured the new moment, what they publish is about
    /// the old one, and no disagreement is judged.
    replayed_at: Mutex<Option<Instant>>,
}

/// Long enough for every probe to start over and finish a round (its
/// interval with jitter, plus its timeout).
const PROBES_SETTLE: Duration = Duration::from_secs(12);

impl DemoHistory {
    pub fn new(
        dir: &Path,
        log: LogOptions,
        status_key: PathBuf,
        outs: Vec<PathBuf>,
        variants: PathBuf,
        page: PageInfo,
    ) -> Result<DemoHistory, CliError> {
        let steps = kakao_2022().map_err(|e: TimelineError| CliError::Replay(e.to_string()))?;
        Ok(DemoHistory {
            log,
            status: dir.join("status.toml"),
            outs,
            status_key,
            variants,
            dir: dir.to_owned(),
            page,
            steps,
            lock: Mutex::new(()),
            replayed_at: Mutex::new(None),
        })
    }

    /// On the first run: the replay up to [`DEMO_STARTS_AT`] into a new
    /// log, and a status file declaring that moment. Later runs keep what
    /// is there: the log is append-only, so restarting the story means
    /// deleting the demo directory.
    pub fn ensure_started(&self) -> Result<(), CliError> {
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let _files = self.lock_files()?;
        let mut store = LogStore::open(&self.log.dir)?;
        if store.tree.size() > 0 {
            return Ok(());
        }
        let events = replay_events(&self.steps, DEMO_STARTS_AT);
        store.append(&events)?;
        self.commit_and_publish(&mut store)?;
        if self.status.exists() {
            let kept = self.dir.join("status.toml.before-history");
            std::fs::rename(&self.status, &kept)?;
            println!(
                "the history log is new: the old status file is kept as {}",
                kept.display()
            );
        }
        self.write_status(&History::from_events(&events), DEMO_STARTS_AT)?;
        Ok(())
    }

    /// Signs the status file into every region, logging what changed
    /// (and, once the probes have settled, where they disagree).
    pub fn sign(&self, now: OffsetDateTime) -> Result<Signed, CliError> {
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut log = self.log.clone();
        if !self.probes_settled() {
            log.probes = None;
        }
        let signed = sign_files(
            &self.status_key,
            &self.status,
            &self.outs,
            None,
            Some(&log),
            now,
        )?;
        let key = read_signer(&self.status_key)?;
        for out in &self.outs {
            let region = out.parent().and_then(|d| d.file_name()).unwrap_or_default();
            let real = std::fs::read(out)?;
            crate::demo::fault::write_variants(&self.variants.join(region), &real, &key, now)?;
        }
        Ok(signed)
    }

    /// Whether the log's record of disagreements between the probes and the
    /// declared status is out of date at `now`: one has lasted its grace
    /// period, or one the log holds open has ended. Signing then logs it.
    pub fn disagreements_changed(&self, now: OffsetDateTime) -> bool {
        let Some(probes) = self.log.probes.as_ref().filter(|_| self.probes_settled()) else {
            return false;
        };
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let Ok(events) = LogStore::open(&self.log.dir).and_then(|s| s.events()) else {
            return false;
        };
        let history = History::from_events(&events);
        // A look only: signing records what it counts.
        let mut seen = crate::probe::watch::load_seen(&self.log.dir);
        let observed = probes.observe(now, &mut seen);
        !disagreement_events(
            &history,
            &history.declared_services(),
            &history.declared_incidents(),
            &observed.observations,
            observed.probing,
            now,
            probes.grace,
        )
        .is_empty()
    }

    fn probes_settled(&self) -> bool {
        let at = *self.replayed_at.lock().unwrap_or_else(|p| p.into_inner());
        at.is_none_or(|at| at.elapsed() >= PROBES_SETTLE)
    }

    /// What the replayed timeline declares at the replay's position: the
    /// demo's stand-in services follow it, as the real ones broke and
    /// recovered in 2022.
    pub fn replay_services(&self) -> Vec<bongsu_core::Service> {
        let at = self.position();
        self.steps
            .iter()
            .rev()
            .find(|s| s.at <= at)
            .map(|s| s.services.clone())
            .unwrap_or_default()
    }

    /// `next`: the timeline's next moment; `end`: everything left.
    pub fn step(&self, how: &str) -> Result<String, String> {
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let at = self.position();
        let pending: Vec<&ReplayStep> = self.steps.iter().filter(|s| s.at > at).collect();
        let take = match how {
            "next" => 1,
            "end" => pending.len(),
            other => return Err(format!("unknown replay step `{other}`; use next or end")),
        };
        if pending.is_empty() {
            return Err(format!(
                "the replay is over: the last moment of the timeline, {}, is already logged",
                kst(at)
            ));
        }
        let run = || -> Result<String, CliError> {
            // An operator's `bongsu sign` on these directories waits for us.
            let _files = self.lock_files()?;
            let mut store = LogStore::open(&self.log.dir)?;
            // Decoded once; each step's events are added in memory too.
            let mut logged = store.events()?;
            let mut added = 0;
            for step in pending.iter().take(take) {
                let history = History::from_events(&logged);
                let events = events_for_change(
                    &history.declared_services(),
                    &history.declared_incidents(),
                    &step.services,
                    &step.incidents,
                    step.at,
                );
                added += events.len();
                store.append(&events)?;
                logged.extend(events);
            }
            let reached = pending[take - 1].at;
            self.commit_and_publish(&mut store)?;
            self.write_status(&History::from_events(&logged), reached)?;
            Ok(format!(
                "replayed to {} ({added} events logged, log size {}); {} moments left",
                kst(reached),
                store.tree.size(),
                pending.len() - take
            ))
        };
        let answer = run().map_err(|e| e.to_string())?;
        *self.replayed_at.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
        println!("replay: {answer}");
        Ok(answer)
    }

    /// The file locks `bongsu sign` takes on the same directories.
    fn lock_files(&self) -> Result<crate::lock::DirLocks, CliError> {
        crate::lock::lock_dirs(
            self.outs
                .iter()
                .map(|out| out.parent().unwrap_or(Path::new(".")).to_owned())
                .chain(std::iter::once(self.log.dir.clone())),
            crate::lock::LOCK_WAIT,
        )
    }

    fn commit_and_publish(&self, store: &mut LogStore) -> Result<(), CliError> {
        let log_key = read_signer(&self.log.key)?;
        let key_set = crate::keyset::newest_published(&self.outs);
        let witness_keys = key_set.as_ref().and_then(|k| k.roles.witness.as_ref());
        store.commit(&log_key, |s, note| {
            let (note, warnings) = gather_cosignatures(s, note, &self.log.witnesses, witness_keys);
            for w in warnings {
                eprintln!("warning: {w}");
            }
            note
        })?;
        for out in &self.outs {
            store.publish(&out.parent().unwrap_or(Path::new(".")).join("log"))?;
        }
        Ok(())
    }

    /// Rewrites the status file from what the log declares, and remembers
    /// how far the replay has come.
    fn write_status(&self, history: &History, reached: OffsetDateTime) -> Result<(), CliError> {
        let draft = status_file::StatusDraft {
            feed: "kakao".to_owned(),
            lang: self.page.lang.clone(),
            page: Some(self.page.clone()),
            valid_for: time::Duration::hours(1),
            services: history.declared_services(),
            incidents: history.declared_incidents(),
            maintenances: history.declared_maintenances(),
        };
        let text = status_file::render(crate::demo::catalogue::STATUS_HEADER, &draft, "1h");
        write_atomically(&self.status, text.as_bytes())?;
        let at = reached.format(&Rfc3339).unwrap_or_default();
        write_atomically(&self.dir.join(POSITION_FILE), format!("{at}\n").as_bytes())
    }

    /// How far the replay has come: the time in the position file, else the
    /// demo's starting moment.
    fn position(&self) -> OffsetDateTime {
        std::fs::read_to_string(self.dir.join(POSITION_FILE))
            .ok()
            .and_then(|t| OffsetDateTime::parse(t.trim(), &Rfc3339).ok())
            .unwrap_or(DEMO_STARTS_AT)
    }
}

fn kst(t: OffsetDateTime) -> String {
    let kst = t.to_offset(time::macros::offset!(+9));
    format!(
        "{}-{:02}-{:02} {:02}:{:02} KST",
        kst.year(),
        u8::from(kst.month()),
        kst.day(),
        kst.hour(),
        kst.minute()
    )
}
