//! The history log as this page knows it: fetched from the regions,
//! verified in full, compared across regions and with what this device saw
//! before.
//!
//! Every region's checkpoint is fetched in parallel and verified (log key
//! and witness threshold). The largest verified one is read in full from
//! any region that has the entries (bundles are checked against the
//! checkpoint's root, so where they come from does not matter), which
//! proves the inclusion of every event the history pages show. The other
//! regions' checkpoints must be prefixes of it, or the page shows a split
//! view; the checkpoint this device verified before must be one too, or the
//! page shows that the history was rewritten, with both checkpoints kept
//! as evidence.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use bongsu_core::log::History;
use bongsu_core::log::{
    check_extends_with, check_feed_with, EntriesCheck, FeedAgreement, FeedConflict, LogError,
    VerifiedLog,
};
use bongsu_core::log::{
    verify_checkpoint, verify_seen_checkpoint, Checkpoint, MAX_CHECKPOINT_BYTES,
};
use bongsu_core::log::{CompactTree, Hash, KeptError, KeptLog, ResumeCheck};
// A region cannot make a reader hold more than a full bundle's worth.
use bongsu_core::limits::MAX_BUNDLE_BYTES;
use bongsu_core::log::{BundleRange, CHECKPOINT_PATH, TILE_WIDTH};
use bongsu_core::{AppConfig, Feed, KeyChain, KeySet};
use std::future::Future;
use std::pin::Pin;

use futures::future::{self, Either};
use futures::stream::{self, FuturesUnordered, StreamExt};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::clock;
use crate::fetch::{controller, fetch_bytes, FetchError, Fetched};
use crate::signature_checks::{checked, checked_completely};
use crate::stores::saved_checkpoint::{self, RewriteEvidence};
use crate::stores::{kept_bundles, kept_log};

/// Where an entry bundle came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BundleFrom {
    /// Verified earlier in this page's life.
    Page,
    /// Kept by this device from an earlier visit: verified again now.
    Device,
    /// From this region.
    Network(usize),
}

/// Why a log could not be read, and what came from elsewhere than the
/// network and the checkpoint's own region (worth a retry without them).
struct ReadFailed {
    why: String,
    used_kept: bool,
    used_others: bool,
    /// A bundle could not be fetched (rather than failed its check).
    unreachable: bool,
}

/// Bundles fetched at once: as many as a browser asks one host for at a time.
const BUNDLES_AT_ONCE: usize = 6;

/// Verifying runs this long at most before the browser gets a turn (to
/// draw, scroll, take a tap): a frame at 60 Hz is 16 ms.
const SLICE_MS: f64 = 12.0;

/// `region` first, then the other regions of `able` in order (only those:
/// `able` is who can serve the bundle).
fn own_first(region: usize, able: &[usize]) -> Vec<usize> {
    let mut order: Vec<usize> = able.iter().copied().filter(|&r| r == region).collect();
    order.extend(able.iter().copied().filter(|&r| r != region));
    order
}

/// A region's answer for its checkpoint (`None`: no request could be made).
pub(crate) type Answer = Option<Result<Fetched, FetchError>>;

/// Every region's log checkpoint, asked at once: (the region's index in
/// the config, its answer), in the order they arrive. Both log checks
/// (this one and the status page's, `stores/checkpoints.rs`) take them so.
pub(crate) fn checkpoint_answers(
    config: &AppConfig,
) -> FuturesUnordered<impl Future<Output = (usize, Answer)> + 'static> {
    let timeout = config.timeout_ms;
    config
        .regions
        .iter()
        .enumerate()
        .map(|(index, region)| {
            let url = region.log_url(CHECKPOINT_PATH);
            async move {
                let answer = match controller() {
                    Some(request) => {
                        Some(fetch_bytes(&url, timeout, MAX_CHECKPOINT_BYTES, &request).await)
                    }
                    None => None,
                };
                (index, answer)
            }
        })
        .collect()
}

/// Once one region's checkpoint is in and verified, the others are waited
/// for as long again as it took, and at least this long (ms).
const MIN_GRACE_MS: f64 = 250.0;

/// A region's checkpoint answer judged on its own: its outcome
/// (`Unchecked` until compared with the history) and the checkpoint, if it
/// verifies under `key_set`.
async fn judge_answer(answer: Answer, key_set: &KeySet) -> (RegionLog, Option<Checkpoint>) {
    let fetched = match answer {
        None => return (RegionLog::Unreachable(FetchError::Network), None),
        Some(Err(e)) => return (RegionLog::Unreachable(e), None),
        Some(Ok(fetched)) => fetched,
    };
    match checked(|| verify_checkpoint(&fetched.bytes, key_set)).await {
        Ok(c) => (RegionLog::Unchecked { size: c.size }, Some(c)),
        Err(e) => (RegionLog::Invalid(e.to_string()), None),
    }
}

/// The regions' checkpoints to read the log by, judged, in config order
/// (`None`: not in yet), and how long was waited (ms). Every region is
/// waited for, except that once one's checkpoint is in and verifies, a
/// region slower than twice its time is not (unless `wait_for_all`): a
/// gone region held the history back for the whole timeout. What is still
/// on its way stays in `pending` (`HistoryStore::judge_late`).
async fn first_answers<F>(
    pending: &mut FuturesUnordered<F>,
    regions: usize,
    key_set: &KeySet,
    wait_for_all: bool,
) -> (Vec<Option<(RegionLog, Option<Checkpoint>)>>, u32)
where
    F: Future<Output = (usize, Answer)>,
{
    let began = js_sys::Date::now();
    let mut answers: Vec<Option<(RegionLog, Option<Checkpoint>)>> =
        (0..regions).map(|_| None).collect();
    let mut grace: Option<Pin<Box<dyn Future<Output = ()>>>> = None;
    loop {
        let next = match grace.as_mut() {
            None => pending.next().await,
            Some(timer) => match future::select(pending.next(), timer).await {
                Either::Left((next, _)) => next,
                Either::Right(_) => break,
            },
        };
        let Some((index, answer)) = next else {
            break;
        };
        let judged = judge_answer(answer, key_set).await;
        if grace.is_none() && !wait_for_all && judged.1.is_some() {
            let first = (js_sys::Date::now() - began).max(MIN_GRACE_MS);
            grace = Some(Box::pin(clock::sleep(first as i32)));
        }
        if let Some(slot) = answers.get_mut(index) {
            *slot = Some(judged);
        }
    }
    (answers, (js_sys::Date::now() - began) as u32)
}

/// How far a long read of the log has come: bundles verified of all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub done: u64,
    pub of: u64,
}

/// A verified log, and the history derived from it.
#[derive(Clone)]
pub struct VerifiedHistory {
    pub checkpoint: Checkpoint,
    /// The tree's right edge where this device's kept state begins (or the
    /// whole tree's), grown by every entry since: roots from there on.
    pub tree: Arc<CompactTree>,
    /// Every entry and event, when this page read the log in full. A
    /// returning reader extends what the device kept instead
    /// (`bongsu_core::log::KeptLog`); exporting the events reads it in full.
    pub full: Option<Arc<VerifiedLog>>,
    pub history: Arc<History>,
    /// The regions whose checkpoint is exactly this one.
    pub regions: Vec<String>,
    /// The log directory URL of a region serving it (for proof links).
    pub log_url: String,
}

impl PartialEq for VerifiedHistory {
    fn eq(&self, other: &Self) -> bool {
        self.checkpoint.note == other.checkpoint.note
            && self.regions == other.regions
            && self.full.is_some() == other.full.is_some()
    }
}

impl VerifiedHistory {
    /// Entries verified.
    pub fn size(&self) -> u64 {
        self.checkpoint.size
    }

    /// The tree's root at `size`, where this page can tell.
    pub fn root_at(&self, size: u64) -> Option<Hash> {
        root_at(self.full.as_deref(), &self.tree, size)
    }

    /// How `feed` stands with this log: the history at the feed's size is
    /// the one derived here when the sizes are equal (as published), and
    /// derived again from the events otherwise, when this page has them.
    pub fn check_feed(&self, feed: &Feed) -> Result<FeedAgreement, FeedConflict> {
        check_feed_with(
            feed,
            self.size(),
            |size| self.root_at(size),
            |size| {
                if size == self.size() {
                    return Some(Cow::Borrowed(&*self.history));
                }
                let events = self.full.as_ref()?.events.get(..size as usize)?;
                Some(Cow::Owned(History::from_events(events)))
            },
        )
    }
}

/// What one read of the log came to.
struct Read {
    full: Option<Arc<VerifiedLog>>,
    /// Extended from a kept state rather than read in full.
    resumed: bool,
    tree: CompactTree,
    history: History,
}

impl Read {
    fn root_at(&self, size: u64) -> Option<Hash> {
        root_at(self.full.as_deref(), &self.tree, size)
    }
}

/// The root at `size` from the whole tree when there is one (any size),
/// else from the edge (sizes from the kept one on).
fn root_at(full: Option<&VerifiedLog>, edge: &CompactTree, size: u64) -> Option<Hash> {
    match full {
        Some(log) => log.tree.root_at(size).ok(),
        None => edge.root_at(size).ok(),
    }
}

/// How the bundles of one read are checked: the whole log, or only what is
/// new since the state this device kept.
enum Reading {
    Full {
        check: EntriesCheck,
        history: History,
        applied: usize,
    },
    Resume(ResumeCheck),
}

impl Reading {
    fn full(checkpoint: &Checkpoint) -> Reading {
        Reading::Full {
            check: EntriesCheck::new(checkpoint.clone()),
            history: History::default(),
            applied: 0,
        }
    }

    /// The bundles wanted, in order.
    fn wanted(&self) -> BundleRange {
        match self {
            Reading::Full { check, .. } => check.bundles(),
            Reading::Resume(check) => check.bundles(),
        }
    }

    fn add(&mut self, bytes: &[u8]) -> Result<(), LogError> {
        match self {
            Reading::Full {
                check,
                history,
                applied,
            } => {
                check.add(bytes)?;
                // Derived as the events come, so no long step is left at
                // the end (thrown away with the log if it does not verify).
                for (entry, event) in check.events().iter().enumerate().skip(*applied) {
                    history.apply(entry as u64, event);
                }
                *applied = check.events().len();
                Ok(())
            }
            Reading::Resume(check) => check.add(bytes),
        }
    }

    fn finish(self) -> Result<Read, LogError> {
        match self {
            Reading::Full { check, history, .. } => {
                let log = check.finish()?;
                Ok(Read {
                    tree: CompactTree::of(&log.tree),
                    full: Some(Arc::new(log)),
                    resumed: false,
                    history,
                })
            }
            Reading::Resume(check) => {
                let kept = check.finish()?;
                Ok(Read {
                    full: None,
                    resumed: true,
                    tree: kept.tree,
                    history: kept.history,
                })
            }
        }
    }
}

/// The checkpoint this device verified before, as trusted keys see it now.
enum Remembered {
    None,
    /// Verifies under no trusted key set (`complete`: every check ran).
    Unverified {
        complete: bool,
    },
    Verified(Checkpoint, String),
}

/// What one region's copy of the log came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegionLog {
    Unreachable(FetchError),
    /// Its checkpoint or entries failed verification (the core's message,
    /// technical detail for operators).
    Invalid(String),
    /// A verified checkpoint that is a prefix of (or equal to) the log shown.
    Consistent {
        size: u64,
    },
    /// A verified checkpoint the shown log does not extend: two histories.
    Split {
        size: u64,
    },
    /// Verified, larger than the log shown, but its entries could not be read.
    Unchecked {
        size: u64,
    },
}

/// Why there is no verified history to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryProblem {
    /// The key set has no `log` role: this operator keeps no history log.
    LogNotKept,
    /// No region served a checkpoint that verifies.
    CheckpointsInvalid,
    /// Checkpoints verified, but no region's entries match one.
    EntriesMismatch,
}

#[derive(Clone, Copy)]
pub struct HistoryStore {
    config: StoredValue<AppConfig>,
    pub verified: RwSignal<Option<VerifiedHistory>>,
    /// Per region, in config order; empty until the first check.
    pub regions: RwSignal<Vec<(String, RegionLog)>>,
    /// Proof that the log was rewritten since this device last saw it.
    pub rewrite: RwSignal<Option<RewriteEvidence>>,
    /// The checkpoint this device kept verifies under no key set trusted
    /// now (e.g. the page now pins another root): it is kept, not replaced,
    /// and the log cannot be compared with it.
    pub remembered_unverified: RwSignal<bool>,
    /// Why nothing could be verified, when nothing could.
    pub problem: RwSignal<Option<HistoryProblem>>,
    pub loading: RwSignal<bool>,
    /// While the entries are read: how many bundles are verified.
    pub progress: RwSignal<Option<Progress>>,
    /// How the feed on screen stands with the verified log, derived once for
    /// every view that shows it (`None` until both exist).
    pub feed_check: Memo<Option<Result<FeedAgreement, FeedConflict>>>,
    /// Full bundles never change: each is fetched once per page load (and
    /// kept between visits: `kept_bundles`).
    bundle_cache: StoredValue<HashMap<String, Vec<u8>>, LocalStorage>,
    queued: StoredValue<Option<KeyChain>>,
    /// The keys of the last check, to read the log again in full with.
    last_keys: StoredValue<Option<KeyChain>>,
    /// The next check reads the whole log (the event exports need it).
    full_wanted: StoredValue<bool>,
    /// The next check waits for every region's checkpoint (a late one
    /// showed something the check before could not settle).
    wait_for_all: StoredValue<bool>,
    /// Counts the checks: a late answer is judged only for its own.
    generation: StoredValue<u64>,
}

impl HistoryStore {
    /// Does this page replay a past outage (its history ends at the log's
    /// last declared moment)?
    pub fn replay(&self) -> bool {
        self.config.with_value(|c| c.replay)
    }

    /// The moment the history pages show `history` as of (see [`History::as_of`]).
    pub fn as_of(
        &self,
        history: &bongsu_core::log::History,
        now: time::OffsetDateTime,
    ) -> time::OffsetDateTime {
        history.as_of(self.replay(), now)
    }

    pub fn new(config: AppConfig, shown: RwSignal<Option<Feed>>) -> HistoryStore {
        let rewrite = saved_checkpoint::load_evidence(&config.feed);
        let verified: RwSignal<Option<VerifiedHistory>> = RwSignal::new(None);
        let feed_check = Memo::new(move |_| {
            let feed = shown.get()?;
            verified.with(|v| v.as_ref().map(|v| v.check_feed(&feed)))
        });
        HistoryStore {
            config: StoredValue::new(config),
            verified,
            feed_check,
            regions: RwSignal::new(Vec::new()),
            rewrite: RwSignal::new(rewrite),
            remembered_unverified: RwSignal::new(false),
            problem: RwSignal::new(None),
            loading: RwSignal::new(false),
            progress: RwSignal::new(None),
            bundle_cache: StoredValue::new_local(HashMap::new()),
            queued: StoredValue::new(None),
            last_keys: StoredValue::new(None),
            full_wanted: StoredValue::new(false),
            wait_for_all: StoredValue::new(false),
            generation: StoredValue::new(0),
        }
    }

    /// Reads the whole log again (a returning visit verified only what was
    /// new, and the event exports need every entry): kept bundles are used
    /// and verified with the rest.
    pub fn read_in_full(self) {
        if let Some(keys) = self.last_keys.get_value() {
            self.full_wanted.set_value(true);
            self.refresh(keys);
        }
    }

    /// The regions that show a history other than the verified one, by
    /// the names readers know them by.
    pub fn split(self) -> Vec<String> {
        self.regions.with(|regions| {
            regions
                .iter()
                .filter(|(_, o)| matches!(o, RegionLog::Split { .. }))
                .map(|(id, _)| self.region_name(id))
                .collect()
        })
    }

    /// The name readers know region `id` by, as every line of the page
    /// shows it (the id itself if the config no longer lists it).
    pub fn region_name(self, id: &str) -> String {
        self.config.with_value(|c| {
            c.regions
                .iter()
                .find(|r| r.id == id)
                .map_or_else(|| id.to_owned(), |r| r.name.clone())
        })
    }

    /// Fetches and verifies the log under the newest key set of `keys`,
    /// unless a check is already running: then it runs next, with the
    /// newest keys asked for meanwhile.
    pub fn refresh(self, keys: KeyChain) {
        self.last_keys.set_value(Some(keys.clone()));
        if self.loading.get_untracked() {
            self.queued.set_value(Some(keys));
            return;
        }
        self.loading.set(true);
        spawn_local(async move {
            let mut next = Some(keys);
            while let Some(keys) = next {
                if let Some(key_set) = keys.latest() {
                    self.check(key_set, &keys).await;
                }
                next = self.queued.try_update_value(Option::take).flatten();
            }
            self.loading.set(false);
            self.progress.set(None);
        });
    }

    async fn check(self, key_set: &KeySet, keys: &KeyChain) {
        let config = self.config.get_value();
        if key_set.roles.log.is_none() {
            self.problem.set(Some(HistoryProblem::LogNotKept));
            return;
        }
        let mut pending = checkpoint_answers(&config);
        let generation = self.generation.get_value() + 1;
        self.generation.set_value(generation);
        // What the device kept is read (and checked: 50 ms at 100,000
        // events) while the checkpoints are on their way; only on the
        // page's first check, as later ones resume from the page's own.
        let first_check = self.verified.with_untracked(Option::is_none);
        let feed = config.feed.clone();
        let kept = async move {
            if !first_check {
                return None;
            }
            let bytes = kept_log::load(&feed).await?;
            Some(KeptLog::decode(&bytes))
        };
        let wait_for_all = self.wait_for_all.get_value();
        self.wait_for_all.set_value(false);
        let ((answers, waited), kept) = futures::join!(
            first_answers(&mut pending, config.regions.len(), key_set, wait_for_all),
            kept
        );
        let mut outcomes: Vec<(String, RegionLog)> = Vec::new();
        let mut checkpoints: Vec<(usize, Checkpoint)> = Vec::new();
        for (index, (region, answer)) in config.regions.iter().zip(answers).enumerate() {
            let outcome = match answer {
                // Still on its way: judged when it comes (`judge_late`).
                None => RegionLog::Unreachable(FetchError::TimedOut { after_ms: waited }),
                Some((outcome, checkpoint)) => {
                    if let Some(c) = checkpoint {
                        checkpoints.push((index, c));
                    }
                    outcome
                }
            };
            outcomes.push((region.id.clone(), outcome));
        }
        // Largest first; a region whose entries do not verify is marked and
        // the next largest tried.
        bongsu_core::text::sort::sort_by_key(&mut checkpoints, |(_, c)| std::cmp::Reverse(c.size));
        let remembered = self.remembered(&config.feed, keys).await;
        // What this device kept, extended with the new entries only; the
        // whole log where that cannot be (nothing kept, or kept for another
        // tree), or when every entry is wanted.
        let mut shown: Option<(Read, usize)> = None;
        let full_wanted = self.full_wanted.get_value();
        self.full_wanted.set_value(false);
        if !full_wanted {
            if let Some((index, checkpoint)) = checkpoints.first() {
                shown = self
                    .resume(&config, &remembered, kept, checkpoint, *index, &checkpoints)
                    .await
                    .map(|read| (read, *index));
            }
        }
        // The size of the state the read resumed from, if it did.
        let resumed_from = shown
            .as_ref()
            .filter(|(read, _)| read.resumed)
            .map(|(read, _)| read.tree.base());
        if shown.is_none() {
            for (index, checkpoint) in &checkpoints {
                match self
                    .read_entries(&config, checkpoint, *index, &checkpoints)
                    .await
                {
                    Ok(read) => {
                        shown = Some((read, *index));
                        break;
                    }
                    Err(why) => outcomes[*index].1 = RegionLog::Invalid(why),
                }
            }
        }
        let Some((read, source)) = shown else {
            self.problem.set(Some(if checkpoints.is_empty() {
                HistoryProblem::CheckpointsInvalid
            } else {
                HistoryProblem::EntriesMismatch
            }));
            self.regions.set(outcomes);
            return;
        };
        let chosen = shown_checkpoint(&checkpoints, source).clone();
        let size = chosen.size;
        for (index, checkpoint) in &checkpoints {
            let outcome = &mut outcomes[*index].1;
            if matches!(outcome, RegionLog::Invalid(_)) {
                continue;
            }
            *outcome = if checkpoint.size > size {
                RegionLog::Unchecked {
                    size: checkpoint.size,
                }
            } else if read.root_at(checkpoint.size) == Some(checkpoint.root) {
                RegionLog::Consistent {
                    size: checkpoint.size,
                }
            } else {
                RegionLog::Split {
                    size: checkpoint.size,
                }
            };
        }
        let checkpoint = chosen;
        let origin = checkpoint.origin.clone();
        let remembered_now = self.compare_with_remembered(
            &config.feed,
            remembered,
            &checkpoint,
            &read,
            &config.regions[source].id,
        );
        let regions = outcomes
            .iter()
            .filter(|(_, o)| *o == RegionLog::Consistent { size })
            .map(|(id, _)| id.clone())
            .collect();
        let history = Arc::new(read.history);
        let tree = Arc::new(read.tree);
        let next = VerifiedHistory {
            checkpoint,
            tree: tree.clone(),
            full: read.full,
            history: history.clone(),
            regions,
            log_url: config.regions[source].log_url(""),
        };
        // Set only when it differs: an equal value would draw every view of
        // it again (and reset what the reader opened, such as "Show more").
        if self.verified.with_untracked(|v| v.as_ref() != Some(&next)) {
            self.verified.set(Some(next));
        }
        self.problem.set(None);
        self.regions.set(outcomes);
        // What the next visit resumes from, once this one is on screen; only
        // for the checkpoint this device now remembers, and only if it grew.
        if remembered_now && resumed_from != Some(size) {
            let feed = config.feed.clone();
            spawn_local(async move {
                clock::give_way().await;
                let bytes = KeptLog::encode(&origin, &tree, &history);
                kept_log::keep(&feed, bytes).await;
            });
        }
        self.judge_late(pending, key_set, keys, generation);
    }

    /// The regions whose checkpoints were still on their way when the log
    /// was read (`first_answers`), judged against the history shown as each
    /// comes, until the timeout: a slow region's split view is found as
    /// surely as a fast one's. One that shows a larger log, or one the page
    /// cannot compare (smaller than the state it resumed from), or any
    /// valid one when nothing could be shown, leads to one more check,
    /// which waits for every region.
    fn judge_late<F>(
        self,
        mut pending: FuturesUnordered<F>,
        key_set: &KeySet,
        keys: &KeyChain,
        generation: u64,
    ) where
        F: Future<Output = (usize, Answer)> + 'static,
    {
        if pending.is_empty() {
            return;
        }
        let (key_set, keys) = (key_set.clone(), keys.clone());
        spawn_local(async move {
            let (mut again, mut full) = (false, false);
            while let Some((index, answer)) = pending.next().await {
                let (mut outcome, checkpoint) = judge_answer(answer, &key_set).await;
                // A newer check judges every region for itself.
                if self.generation.get_value() != generation {
                    return;
                }
                if let Some(c) = checkpoint {
                    outcome = self.verified.with_untracked(|shown| {
                        let Some(shown) = shown.as_ref().filter(|s| c.size <= s.size()) else {
                            again = true;
                            return RegionLog::Unchecked { size: c.size };
                        };
                        match root_at(shown.full.as_deref(), &shown.tree, c.size) {
                            Some(root) if root == c.root => RegionLog::Consistent { size: c.size },
                            Some(_) => RegionLog::Split { size: c.size },
                            None => {
                                (again, full) = (true, true);
                                RegionLog::Unchecked { size: c.size }
                            }
                        }
                    });
                }
                self.regions.update(|regions| {
                    if let Some((_, slot)) = regions.get_mut(index) {
                        *slot = outcome;
                    }
                });
            }
            if again && self.generation.get_value() == generation {
                self.wait_for_all.set_value(true);
                if full {
                    self.full_wanted.set_value(true);
                }
                self.refresh(keys);
            }
        });
    }

    /// The log as this device kept it, extended to `checkpoint` (the
    /// largest verified) with the new entries only, if what it kept is the
    /// checkpoint it remembers and every region's checkpoint can be
    /// compared with the result (none is smaller than what was kept).
    /// `None` means: read the whole log. `kept` is what the device kept, as
    /// read on the page's first check (later checks resume from what the
    /// page verified). A kept state that does not fit, or does not lead to
    /// the new root, is forgotten.
    async fn resume(
        self,
        config: &AppConfig,
        remembered: &Remembered,
        kept: Option<Result<KeptLog, KeptError>>,
        checkpoint: &Checkpoint,
        own: usize,
        checkpoints: &[(usize, Checkpoint)],
    ) -> Option<Read> {
        let Remembered::Verified(old, _) = remembered else {
            return None;
        };
        if checkpoints.iter().any(|(_, c)| c.size < old.size) {
            return None;
        }
        let feed = &config.feed;
        let fits = |kept: &KeptLog| {
            kept.origin == old.origin && kept.tree.size() == old.size && kept.root() == old.root
        };
        // What this page verified already (a later check in the same
        // visit: the key chain or the feed changed, or the periodic
        // refresh), else what the device kept.
        // (The history is copied only if the page's checkpoint is the one
        // remembered: 100,000 events are worth not copying for nothing.)
        let in_page = self.verified.with_untracked(|v| {
            let v = v.as_ref()?;
            let c = &v.checkpoint;
            if (&c.origin, c.size, c.root) != (&old.origin, old.size, old.root) {
                return None;
            }
            let kept = KeptLog {
                origin: c.origin.clone(),
                tree: v.tree.trimmed(),
                history: (*v.history).clone(),
            };
            Some((kept, v.full.clone()))
        });
        // Every entry, when this page has them and nothing is new.
        let mut full = None;
        // (The page's own state was compared with the remembered
        // checkpoint above; what the device kept is checked here.)
        let kept = match in_page {
            Some((kept, with)) => {
                full = with.filter(|_| checkpoint.size == old.size);
                kept
            }
            None => match kept? {
                Ok(kept) if fits(&kept) => kept,
                _ => {
                    kept_log::forget(feed).await;
                    return None;
                }
            },
        };
        let reading = Reading::Resume(ResumeCheck::new(kept, checkpoint.clone()).ok()?);
        match self
            .read_entries_from(config, checkpoint, own, checkpoints, true, reading)
            .await
        {
            Ok((read, fetched)) => {
                self.keep_bundles(feed, fetched);
                Some(Read { full, ..read })
            }
            // New entries that do not lead to the new root: what was kept
            // is not this log's start. (A bundle no region served says
            // nothing about it: kept for the next visit.)
            Err(failed) => {
                if !failed.unreachable {
                    kept_log::forget(feed).await;
                }
                None
            }
        }
    }

    fn keep_bundles(self, feed: &str, fetched: Vec<(String, Vec<u8>)>) {
        if !fetched.is_empty() {
            let feed = feed.to_owned();
            spawn_local(async move { kept_bundles::keep(&feed, fetched).await });
        }
    }

    /// Every bundle of `checkpoint`, verified against it: full bundles this
    /// device kept from earlier visits (`kept_bundles`) or this page already
    /// verified, the rest from every region that can serve them. Should the
    /// log not verify with bundles from the device or from another region
    /// in it, it is read again, once, from the network and the checkpoint's
    /// own region first (the kept bundles forgotten): a kept bundle or a
    /// lying mirror can cost a retry, never change the result, and never
    /// discredit an honest region.
    async fn read_entries(
        self,
        config: &AppConfig,
        checkpoint: &Checkpoint,
        own: usize,
        checkpoints: &[(usize, Checkpoint)],
    ) -> Result<Read, String> {
        let first = self
            .read_entries_from(
                config,
                checkpoint,
                own,
                checkpoints,
                true,
                Reading::full(checkpoint),
            )
            .await;
        let (read, fetched) = match first {
            Ok(done) => done,
            Err(failed) if !failed.used_kept && !failed.used_others => return Err(failed.why),
            Err(failed) => {
                // A kept bundle that failed its check is forgotten; one
                // that was fine while another could not be fetched is not.
                if failed.used_kept && !failed.unreachable {
                    kept_bundles::forget().await;
                    self.bundle_cache.update_value(HashMap::clear);
                }
                self.read_entries_from(
                    config,
                    checkpoint,
                    own,
                    checkpoints,
                    false,
                    Reading::full(checkpoint),
                )
                .await
                .map_err(|failed| failed.why)?
            }
        };
        self.keep_bundles(&config.feed, fetched);
        Ok(read)
    }

    /// [`Self::read_entries`] once: the log and the full bundles fetched
    /// from the network for it (to keep), or why not. `first`: kept bundles
    /// may be used and bundles are spread over every region that can serve
    /// them; otherwise only the network, the checkpoint's own region first
    /// and the others only where it fails to answer. Several are fetched at
    /// once, and a region that fails once is not asked again in this check:
    /// a slow or hostile region costs one timeout, not one per bundle.
    async fn read_entries_from(
        self,
        config: &AppConfig,
        checkpoint: &Checkpoint,
        own: usize,
        checkpoints: &[(usize, Checkpoint)],
        first: bool,
        mut reading: Reading,
    ) -> Result<(Read, Vec<(String, Vec<u8>)>), ReadFailed> {
        let mut sources = vec![own];
        sources.extend(
            checkpoints
                .iter()
                .filter(|(i, c)| *i != own && c.size >= checkpoint.size)
                .map(|(i, _)| *i),
        );
        // A partial bundle exists only where the log has exactly this size.
        let same_size: Vec<usize> = checkpoints
            .iter()
            .filter(|(_, c)| c.size == checkpoint.size)
            .map(|(i, _)| *i)
            .collect();
        let failed: RefCell<HashSet<usize>> = RefCell::new(HashSet::new());
        let wanted = reading.wanted();
        // (path, bytes) of the full bundles checked, to keep once verified.
        let mut full: Vec<(String, Vec<u8>)> = Vec::new();
        // Each bundle is hashed and decoded as it arrives, while the next
        // ones are on their way, in slices that leave the browser its
        // frames; the page shows how far it has come.
        // Work since the browser last had a turn, in ms (waiting for the
        // network is not work).
        let mut worked = 0.0;
        // Positions in `full` of those the network gave (to keep on the device).
        let mut from_network = Vec::new();
        let mut any_kept = false;
        let mut any_other = false;
        // Every region that can serve them gets as many fetchers as a
        // browser opens to one host, and each fetcher takes the next bundle
        // nobody has taken as soon as its last one is in: a faster region
        // serves more of the log, a slow one less, and none waits for a
        // batch. The fetchers start region by region in turn, so the first
        // bundles are spread over all of them. (On the retry, only the
        // checkpoint's own region has fetchers.) Each fetcher asks its own
        // region first and the others only where it fails.
        let partials: Vec<usize> = sources
            .iter()
            .copied()
            .filter(|r| same_size.contains(r))
            .collect();
        let servers: &[usize] = if first { &sources } else { &sources[..1] };
        let next_bundle = Cell::new(0u64);
        // Kept bundles only on the first read (the retry forgets them).
        let kept = if first {
            kept_bundles::open(&config.feed).await
        } else {
            None
        };
        let (wanted_ref, sources_ref, partials_ref, failed_ref, next_ref, kept_ref) =
            (&wanted, &sources, &partials, &failed, &next_bundle, &kept);
        let fetchers = (0..BUNDLES_AT_ONCE)
            .flat_map(|_| servers.iter().copied())
            .map(|region| {
                Box::pin(stream::unfold((), move |()| async move {
                    let n = next_ref.replace(next_ref.get() + 1);
                    let (width, path) = wanted_ref.get(n)?;
                    let full = width == TILE_WIDTH;
                    let able = if full { sources_ref } else { partials_ref };
                    let candidates = own_first(region, able);
                    let kept = kept_ref.as_ref().filter(|_| full);
                    let got = self
                        .fetch_bundle(config, &path, candidates, failed_ref, kept)
                        .await;
                    Some(((n, got), ()))
                }))
            });
        let mut arrivals = stream::select_all(fetchers);
        // What arrived before the bundles in front of it (verified in order).
        let mut early: HashMap<u64, Option<(Vec<u8>, BundleFrom)>> = HashMap::new();
        self.progress.set(Some(Progress {
            done: 0,
            of: wanted.len(),
        }));
        for n in 0..wanted.len() {
            let Some((width, path)) = wanted.get(n) else {
                break;
            };
            let got = loop {
                if let Some(got) = early.remove(&n) {
                    break got;
                }
                match arrivals.next().await {
                    Some((m, got)) => {
                        early.insert(m, got);
                    }
                    None => break None,
                }
            };
            let (bytes, from) = got.ok_or_else(|| ReadFailed {
                why: format!("entry bundle {path} could not be fetched"),
                used_kept: any_kept,
                used_others: any_other,
                unreachable: true,
            })?;
            any_kept |= from == BundleFrom::Device;
            any_other |= matches!(from, BundleFrom::Network(r) if r != own);
            let keep = width == TILE_WIDTH;
            if keep && matches!(from, BundleFrom::Network(_)) {
                from_network.push(full.len());
            }
            let began = js_sys::Date::now();
            reading.add(&bytes).map_err(|e| ReadFailed {
                why: e.to_string(),
                used_kept: any_kept,
                used_others: any_other,
                unreachable: false,
            })?;
            if keep {
                full.push((path, bytes));
            }
            self.progress.set(Some(Progress {
                done: n + 1,
                of: wanted.len(),
            }));
            worked += js_sys::Date::now() - began;
            if worked > SLICE_MS {
                clock::give_way().await;
                worked = 0.0;
            }
        }
        drop(arrivals);
        let read = reading.finish().map_err(|e| ReadFailed {
            why: e.to_string(),
            used_kept: any_kept,
            used_others: any_other,
            unreachable: false,
        })?;
        // Only now, verified, are full bundles worth keeping.
        let fetched = from_network.iter().map(|n| full[*n].clone()).collect();
        self.bundle_cache.update_value(|cache| {
            for (path, bytes) in full {
                cache.entry(path).or_insert(bytes);
            }
        });
        Ok((read, fetched))
    }

    /// One bundle: verified earlier in this page's life, kept by this device
    /// (when `kept` is given: full bundles only), or from the first of
    /// `candidates` that answers, skipping regions that already failed in
    /// this check.
    async fn fetch_bundle(
        self,
        config: &AppConfig,
        path: &str,
        candidates: Vec<usize>,
        failed: &RefCell<HashSet<usize>>,
        kept: Option<&kept_bundles::Kept>,
    ) -> Option<(Vec<u8>, BundleFrom)> {
        if let Some(cached) = self.bundle_cache.with_value(|c| c.get(path).cloned()) {
            return Some((cached, BundleFrom::Page));
        }
        if let Some(kept) = kept {
            if let Some(bytes) = kept.load(path).await {
                return Some((bytes, BundleFrom::Device));
            }
        }
        for region in candidates {
            if failed.borrow().contains(&region) {
                continue;
            }
            let request = controller()?;
            let url = config.regions[region].log_url(path);
            match fetch_bytes(&url, config.timeout_ms, MAX_BUNDLE_BYTES, &request).await {
                Ok(f) => return Some((f.bytes, BundleFrom::Network(region))),
                Err(_) => {
                    failed.borrow_mut().insert(region);
                }
            }
        }
        None
    }

    /// The checkpoint this device verified before, verified under
    /// whichever trusted key set signed it (its log signature only: the
    /// witness threshold applies to what is shown, not to what was seen),
    /// so rotating the log key, revoking it or changing the witnesses
    /// cannot switch the comparison off.
    async fn remembered(self, feed: &str, keys: &KeyChain) -> Remembered {
        let saved = saved_checkpoint::load(feed);
        let (remembered, complete) = checked_completely(|| {
            let note = saved.clone()?;
            Some(
                verify_seen_checkpoint(note.as_bytes(), keys.trusted())
                    .map(|(checkpoint, _)| (checkpoint, note)),
            )
        })
        .await;
        match remembered {
            None => Remembered::None,
            Some(Err(_)) => Remembered::Unverified { complete },
            Some(Ok((checkpoint, note))) => Remembered::Verified(checkpoint, note),
        }
    }

    /// Checks the log read extends the checkpoint this device verified
    /// before, and remembers the new one; keeps evidence if it does not.
    /// One that no trusted key set verifies is kept and said, never
    /// silently replaced. True when the checkpoint remembered is now
    /// `checkpoint`.
    fn compare_with_remembered(
        self,
        feed: &str,
        remembered: Remembered,
        checkpoint: &Checkpoint,
        read: &Read,
        region: &str,
    ) -> bool {
        let (old, old_note) = match remembered {
            Remembered::None => {
                saved_checkpoint::save(feed, &checkpoint.note);
                return true;
            }
            Remembered::Unverified { complete } => {
                // No verdict is no reason to say anything.
                self.remembered_unverified.set(complete);
                return false;
            }
            Remembered::Verified(old, note) => (old, note),
        };
        self.remembered_unverified.set(false);
        match check_extends_with(old.size, old.root, checkpoint.size, |size| {
            read.root_at(size)
        }) {
            Ok(()) => {
                saved_checkpoint::save(feed, &checkpoint.note);
                true
            }
            // A smaller log is a mirror that has not caught up, unless it
            // contradicts what was seen: keep the larger checkpoint.
            Err(LogError::Shrunk { .. }) => false,
            Err(error) => {
                let now = clock::now();
                let at = now.replace_millisecond(0).unwrap_or(now);
                // A log under a new name is a new log: its entries must
                // still begin with what was seen under the old one.
                let message = if old.origin == checkpoint.origin {
                    error.to_string()
                } else {
                    format!(
                        "{error} (the log was `{}` and is now `{}`)",
                        old.origin, checkpoint.origin
                    )
                };
                let evidence = RewriteEvidence {
                    kind: saved_checkpoint::EVIDENCE_KIND.to_owned(),
                    origin: checkpoint.origin.clone(),
                    message,
                    remembered: old_note,
                    served: String::from_utf8_lossy(&checkpoint.note).into_owned(),
                    served_by: region.to_owned(),
                    observed_at: bongsu_core::text::rfc3339::format(at).unwrap_or_default(),
                };
                saved_checkpoint::save_evidence(feed, &evidence);
                self.rewrite.set(Some(evidence));
                false
            }
        }
    }
}

/// The checkpoint of region `index` among the verified ones.
fn shown_checkpoint(checkpoints: &[(usize, Checkpoint)], index: usize) -> &Checkpoint {
    checkpoints
        .iter()
        .find(|(i, _)| *i == index)
        .map(|(_, c)| c)
        .unwrap_or(&checkpoints[0].1)
}

#[cfg(test)]
mod tests {
    use super::own_first;

    #[test]
    fn a_fetcher_asks_its_own_region_first_and_only_regions_that_can_serve() {
        assert_eq!(own_first(2, &[0, 1, 2]), vec![2, 0, 1]);
        assert_eq!(own_first(0, &[0, 1, 2]), vec![0, 1, 2]);
        // A region that cannot serve this bundle (a partial one it lacks).
        assert_eq!(own_first(1, &[0, 2]), vec![0, 2]);
        assert_eq!(own_first(1, &[]), Vec::<usize>::new());
    }
}
