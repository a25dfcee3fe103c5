//! The status page's check of the history log: every region's signed
//! checkpoint, verified under the trusted key set (the log key's signature
//! and the witness threshold), without the entries. The status page's
//! readers want the status first, on a phone during an outage; fetching and
//! hashing the whole log is the history pages' work (`stores/history.rs`).
//!
//! From the checkpoints alone the page still sees a split view at one size
//! and a live feed whose commitment contradicts what the log key signed
//! (`bongsu_core::log`). A rewrite of the history is the history
//! pages' to find (it takes consistency between sizes); evidence of one
//! that this device found there is shown here too.

use bongsu_core::log::{check_commitment, split_at_same_size};
use bongsu_core::log::{verify_checkpoint, Checkpoint};
use bongsu_core::log::{FeedAgreement, FeedConflict};
use bongsu_core::{AppConfig, Feed, KeySet};
use futures::stream::StreamExt;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::signature_checks::checked;
use crate::stores::history::{checkpoint_answers, HistoryProblem};
use crate::stores::saved_checkpoint::{self, RewriteEvidence};

#[derive(Clone, Copy)]
pub struct LogHead {
    config: StoredValue<AppConfig>,
    /// Each region's verified checkpoint, in config order (None: none, or not valid).
    pub checkpoints: RwSignal<Vec<Option<Checkpoint>>>,
    pub rewrite: RwSignal<Option<RewriteEvidence>>,
    pub problem: RwSignal<Option<HistoryProblem>>,
    /// The feed's commitment against the checkpoints.
    pub feed_check: Memo<Option<Result<FeedAgreement, FeedConflict>>>,
    loading: StoredValue<bool>,
    queued: StoredValue<Option<KeySet>>,
}

impl LogHead {
    pub fn new(config: AppConfig, shown: RwSignal<Option<Feed>>) -> LogHead {
        let rewrite = saved_checkpoint::load_evidence(&config.feed);
        let checkpoints: RwSignal<Vec<Option<Checkpoint>>> = RwSignal::new(Vec::new());
        let feed_check = Memo::new(move |_| {
            let feed = shown.get()?;
            checkpoints.with(|all| {
                let verified: Vec<&Checkpoint> = all.iter().flatten().collect();
                (!verified.is_empty()).then(|| check_commitment(&feed, &verified))
            })
        });
        LogHead {
            config: StoredValue::new(config),
            checkpoints,
            rewrite: RwSignal::new(rewrite),
            problem: RwSignal::new(None),
            feed_check,
            loading: StoredValue::new(false),
            queued: StoredValue::new(None),
        }
    }

    /// Fetches and verifies every region's checkpoint under `key_set`,
    /// unless a check is already running: then it runs next, with the
    /// newest key set asked for meanwhile.
    pub fn refresh(self, key_set: KeySet) {
        if self.loading.get_value() {
            self.queued.set_value(Some(key_set));
            return;
        }
        self.loading.set_value(true);
        spawn_local(async move {
            let mut next = Some(key_set);
            while let Some(key_set) = next {
                self.check(&key_set).await;
                next = self.queued.try_update_value(Option::take).flatten();
            }
            self.loading.set_value(false);
        });
    }

    /// Whether a check is under way; tracked through the checkpoints, which
    /// each check sets as it ends (effects run after the check's task).
    pub fn busy(self) -> bool {
        self.checkpoints.track();
        self.loading.get_value()
    }

    async fn check(self, key_set: &KeySet) {
        if key_set.roles.log.is_none() {
            self.problem.set(Some(HistoryProblem::LogNotKept));
            return;
        }
        let config = self.config.get_value();
        let mut answers = checkpoint_answers(&config);
        // Each region's checkpoint counts as it comes: a gone region holds
        // back nothing but its own line (it used to hold every one back
        // for the whole timeout). A region not in yet keeps what the last
        // check found.
        self.checkpoints
            .update(|all| all.resize(config.regions.len(), None));
        let mut found = 0;
        while let Some((index, answer)) = answers.next().await {
            let verified = checked(|| match &answer {
                Some(Ok(fetched)) => verify_checkpoint(&fetched.bytes, key_set).ok(),
                _ => None,
            })
            .await;
            found += usize::from(verified.is_some());
            self.checkpoints.update(|all| {
                if let Some(slot) = all.get_mut(index) {
                    *slot = verified;
                }
            });
        }
        self.problem
            .set((found == 0).then_some(HistoryProblem::CheckpointsInvalid));
        // Set as the check ends, even with no region (`busy` relies on it).
        self.checkpoints.update(|_| {});
    }

    /// The regions whose checkpoints of one size have different roots, by
    /// the names readers know them by.
    pub fn split(self) -> Vec<String> {
        let names: Vec<String> = self
            .config
            .with_value(|c| c.regions.iter().map(|r| r.name.clone()).collect());
        self.checkpoints.with(|all| {
            let verified: Vec<(usize, &Checkpoint)> = all
                .iter()
                .enumerate()
                .filter_map(|(i, c)| c.as_ref().map(|c| (i, c)))
                .collect();
            split_at_same_size(&verified)
                .into_iter()
                .filter_map(|i| names.get(i).cloned())
                .collect()
        })
    }

    /// The newest verified checkpoint.
    pub fn newest(self) -> Option<Checkpoint> {
        self.checkpoints
            .with(|all| all.iter().flatten().max_by_key(|c| c.size).cloned())
    }
}
