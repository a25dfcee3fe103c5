//! Polling every region in parallel and folding the answers into signals.
//!
//! Each region is asked for its key chain and its feed at the same time, and
//! each answer is applied the moment it arrives: the first verified feed
//! shows at once, and a newer one replaces it whenever it comes. A slow
//! region never delays a fast one. A new poll aborts whatever the previous
//! one still has in flight, and a failing region is asked less often, with
//! jitter ([`bongsu_core::backoff_delay`]).
//!
//! What a region served is kept as bytes and verified again whenever the
//! trusted key set changes, so a rotation or revocation learnt from one
//! region applies at once to what every other region served.

use std::time::Duration;

use bongsu_core::{
    backoff_delay, check_content_type, choose, equivocation_evidence, parse_chain_file,
    region_state, still_trusted, verify_feed, AppConfig, Choice, Evidence, Feed, FeedError,
    KeyChain, KeySetError, RegionOutcome, RegionState, MAX_FEED_BYTES,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use time::OffsetDateTime;
use web_sys::AbortController;

use crate::clock;
use crate::fetch::{controller, fetch_bytes, FetchError, Fetched};
use crate::signature_checks::checked;
use crate::stores::saved_evidence;
use crate::{last_good, saved_keys};

/// Where the feed on screen came from.
pub const SOURCE_DEVICE: &str = "device";

/// The latest answer from one region.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionReport {
    pub outcome: RegionOutcome,
    /// The feed as the region served it, to verify again when keys change.
    pub served: Option<Fetched>,
    /// Set when the region's key chain failed verification.
    pub keys_problem: Option<KeySetError>,
    /// When the answer (or the failure) arrived.
    pub checked_at: Option<OffsetDateTime>,
    /// How long the region took to answer.
    pub took_ms: Option<u32>,
    /// Polls in a row that failed.
    pub failures: u32,
    /// When a failing region will next be asked (ms since the epoch).
    pub retry_at_ms: Option<f64>,
}

impl RegionReport {
    fn pending() -> Self {
        RegionReport {
            outcome: RegionOutcome::Pending,
            served: None,
            keys_problem: None,
            checked_at: None,
            took_ms: None,
            failures: 0,
            retry_at_ms: None,
        }
    }

    /// What the page should make of this region: a bad key chain discredits
    /// the region whatever feed it serves.
    pub fn effective_outcome(&self) -> RegionOutcome {
        match &self.keys_problem {
            Some(problem) => RegionOutcome::BadKeys(problem.clone()),
            None => self.outcome.clone(),
        }
    }
}

/// Everything the page shows, as signals.
#[derive(Clone, Copy)]
pub struct StatusStore {
    config: StoredValue<AppConfig>,
    /// The newest verified feed seen: from a region, or remembered on this
    /// device from an earlier visit.
    pub shown: RwSignal<Option<Feed>>,
    /// The signed note of the shown feed and where it came from.
    shown_note: StoredValue<Option<(String, String)>>,
    /// One report per configured region, in config order.
    pub regions: RwSignal<Vec<RegionReport>>,
    /// The key sets verified from the pinned root.
    pub keys: RwSignal<KeyChain>,
    /// Proof of equivocation seen on this device.
    pub evidence: RwSignal<Vec<Evidence>>,
    /// Bumped by every poll; answers from an older poll are not reported.
    generation: RwSignal<u64>,
    /// Regions still to answer in the current poll.
    pub in_flight: RwSignal<usize>,
    /// Key chain requests still in flight in the current poll.
    keys_in_flight: StoredValue<usize>,
    /// The current poll's requests, aborted when the next poll starts.
    requests: StoredValue<Vec<AbortController>, LocalStorage>,
    /// Whether [`Self::restore`] has finished; polls wait for it.
    restored: StoredValue<bool>,
}

impl StatusStore {
    pub fn new(config: AppConfig) -> Self {
        let regions = vec![RegionReport::pending(); config.regions.len()];
        let keys = KeyChain::new(config.trust.root.clone(), &config.feed);
        StatusStore {
            config: StoredValue::new(config),
            shown: RwSignal::new(None),
            shown_note: StoredValue::new(None),
            regions: RwSignal::new(regions),
            keys: RwSignal::new(keys),
            evidence: RwSignal::new(Vec::new()),
            generation: RwSignal::new(0),
            in_flight: RwSignal::new(0),
            keys_in_flight: StoredValue::new(0),
            requests: StoredValue::new_local(Vec::new()),
            restored: StoredValue::new(false),
        }
    }

    /// Whether a region has served the shown feed during this visit (read
    /// reactively): what the banner calls confirmed.
    pub fn confirmed(self, now: OffsetDateTime) -> bool {
        self.shown.with(|shown| {
            shown.as_ref().is_some_and(|feed| {
                self.regions.with(|regions| {
                    regions.iter().any(|r| {
                        region_state(&r.effective_outcome(), Some(feed), now) == RegionState::Valid
                    })
                })
            })
        })
    }

    /// Whether every region has answered the current poll and none with a
    /// verified status (read reactively).
    pub fn all_failed(self) -> bool {
        self.in_flight.get() == 0
            && self.regions.with(|r| {
                r.iter()
                    .all(|r| !matches!(r.outcome, RegionOutcome::Pending))
            })
    }

    /// Restores what this device verified on earlier visits: the key sets,
    /// the newest feed (regions then only replace it with something strictly
    /// newer) and any evidence. Poll after it, not during it: it sets the
    /// keys wholesale.
    pub async fn restore(self) {
        let config = self.config.get_value();
        let keys = saved_keys::load(&config).await;
        if let Some((feed, note)) = last_good::load(&config.feed, &keys).await {
            self.shown.set(Some(feed));
            self.shown_note
                .set_value(Some((note, SOURCE_DEVICE.to_owned())));
        }
        self.keys.set(keys);
        self.evidence.set(saved_evidence::load(&config.feed));
        self.restored.set_value(true);
    }

    /// Asks every region that is due (all of them when `force`) once, in
    /// parallel, for its key chain and its feed. Not before [`Self::restore`]
    /// has finished: it sets what it restores wholesale.
    pub fn poll(self, force: bool) {
        if !self.restored.get_value() {
            return;
        }
        let config = self.config.get_value();
        self.requests.update_value(|requests| {
            requests.drain(..).for_each(|r| r.abort());
        });
        let generation = self.generation.get_untracked() + 1;
        self.generation.set(generation);
        let now_ms = js_sys::Date::now();
        let due: Vec<usize> = self.regions.with_untracked(|regions| {
            (0..config.regions.len())
                .filter(|&i| {
                    force
                        || regions
                            .get(i)
                            .and_then(|r| r.retry_at_ms)
                            .is_none_or(|at| now_ms >= at)
                })
                .collect()
        });
        self.in_flight.set(due.len());
        self.keys_in_flight.set_value(due.len());
        for index in due {
            let region = &config.regions[index];
            let timeout_ms = config.timeout_ms;
            let (Some(keys_request), Some(feed_request)) = (controller(), controller()) else {
                continue;
            };
            self.requests.update_value(|r| {
                r.push(keys_request.clone());
                r.push(feed_request.clone());
            });
            let keys_url = region.keys_url();
            spawn_local(async move {
                let limit = bongsu_core::keys::MAX_KEY_CHAIN_BYTES;
                let result = fetch_bytes(&keys_url, timeout_ms, limit, &keys_request).await;
                self.absorb_keys(generation, index, result).await;
            });
            let feed_url = region.feed_url();
            spawn_local(async move {
                let started = js_sys::Date::now();
                let result =
                    fetch_bytes(&feed_url, timeout_ms, MAX_FEED_BYTES, &feed_request).await;
                let took_ms = (js_sys::Date::now() - started).max(0.0) as u32;
                self.absorb_feed(generation, index, result, took_ms).await;
            });
        }
    }

    async fn absorb_keys(self, generation: u64, index: usize, result: Result<Fetched, FetchError>) {
        let problem = match result {
            Ok(fetched) => self.learn_keys(&fetched.bytes).await.err(),
            Err(FetchError::TooLarge { limit }) => Some(KeySetError::TooLarge { limit }),
            // A region without keys.json is an incomplete mirror, not a
            // liar; its feed is still verified with keys from elsewhere.
            Err(_) => None,
        };
        if self.generation.get_untracked() != generation {
            return;
        }
        self.regions.update(|regions| {
            if let Some(slot) = regions.get_mut(index) {
                slot.keys_problem = problem;
            }
        });
        let left = self.keys_in_flight.get_value().saturating_sub(1);
        self.keys_in_flight.set_value(left);
        if left == 0 {
            // Feeds that were waiting for a key set get their verdict now.
            self.reverify_all().await;
        }
    }

    /// Extends the trusted key chain with a region's chain file.
    async fn learn_keys(self, bytes: &[u8]) -> Result<(), KeySetError> {
        let notes = parse_chain_file(bytes)?;
        let (chain, result) = checked(|| {
            let mut chain = self.keys.get_untracked();
            let result = chain.extend(&notes);
            (chain, result)
        })
        .await;
        let grew = chain.trusted().len() != self.keys.with_untracked(|k| k.trusted().len());
        if grew {
            self.config
                .with_value(|c| saved_keys::save(&c.feed, &chain));
            self.keys.set(chain);
            self.reverify_all().await;
        }
        result.map(|_| ())
    }

    async fn absorb_feed(
        self,
        generation: u64,
        index: usize,
        result: Result<Fetched, FetchError>,
        took_ms: u32,
    ) {
        let (outcome, served) = match result {
            Err(FetchError::TooLarge { limit }) => {
                (RegionOutcome::Invalid(FeedError::TooLarge { limit }), None)
            }
            Err(error) => (RegionOutcome::Unreachable(error), None),
            Ok(fetched) => (checked(|| self.evaluate(&fetched)).await, Some(fetched)),
        };
        let region_id = self.region_id(index);
        // A newer verified feed is worth showing whichever poll fetched it.
        if let (RegionOutcome::Verified(feed), Some(fetched)) = (&outcome, &served) {
            self.consider(feed, fetched, &region_id);
        }
        if self.generation.get_untracked() != generation {
            return;
        }
        let failed = matches!(
            outcome,
            RegionOutcome::Unreachable(_) | RegionOutcome::Invalid(_)
        );
        let interval =
            Duration::from_secs(u64::from(self.config.with_value(|c| c.refresh_seconds)));
        self.regions.update(|regions| {
            if let Some(slot) = regions.get_mut(index) {
                slot.failures = if failed { slot.failures + 1 } else { 0 };
                let wait = backoff_delay(slot.failures, interval, js_sys::Math::random());
                slot.retry_at_ms =
                    (slot.failures > 0).then(|| js_sys::Date::now() + wait.as_millis() as f64);
                slot.outcome = outcome;
                slot.served = served;
                slot.checked_at = Some(clock::now());
                slot.took_ms = Some(took_ms);
            }
        });
        self.in_flight.update(|n| *n = n.saturating_sub(1));
    }

    /// Verifies what a region served against the trusted keys, now. (Run
    /// under `checked`: it verifies signatures.)
    fn evaluate(self, fetched: &Fetched) -> RegionOutcome {
        if let Err(error) = check_content_type(fetched.content_type.as_deref()) {
            return RegionOutcome::Invalid(error);
        }
        let now = clock::now();
        self.keys.with_untracked(|keys| match keys.current(now) {
            Ok(key_set) => match verify_feed(&fetched.bytes, key_set) {
                Ok(feed) => RegionOutcome::Verified(feed),
                Err(error) => RegionOutcome::Invalid(error),
            },
            // No key set yet, but a region may still be sending one.
            Err(_) if keys.latest().is_none() && self.keys_in_flight.get_value() > 0 => {
                RegionOutcome::Pending
            }
            Err(unusable) => RegionOutcome::Invalid(FeedError::Keys(unusable)),
        })
    }

    /// Applies the protocol's rule ([`choose`]) to a verified `feed`: shows
    /// it if it is newer; of two copies with one number, shows the one more
    /// regions serve and records the evidence.
    fn consider(self, feed: &Feed, fetched: &Fetched, source: &str) {
        let note = String::from_utf8_lossy(&fetched.bytes).into_owned();
        let choice = self.shown.with_untracked(|shown| {
            let shown = shown.as_ref().map(|s| (s, self.regions_serving(s, source)));
            choose(shown, feed, self.regions_serving(feed, source) + 1)
        });
        match choice {
            Choice::Replace => {
                last_good::save(&feed.feed, &note);
                self.shown_note.set_value(Some((note, source.to_owned())));
                self.shown.set(Some(feed.clone()));
            }
            Choice::Conflict { switch } => {
                self.record_evidence(&note, source);
                if switch {
                    self.shown_note.set_value(Some((note, source.to_owned())));
                    self.shown.set(Some(feed.clone()));
                }
            }
            Choice::Confirms | Choice::Keep => {}
        }
    }

    /// How many regions other than `except` currently serve exactly `feed`.
    fn regions_serving(self, feed: &Feed, except: &str) -> usize {
        self.regions_serving_ids(feed, except).len()
    }

    /// The regions other than `except` that currently serve exactly `feed`.
    fn regions_serving_ids(self, feed: &Feed, except: &str) -> Vec<String> {
        let ids: Vec<String> = self
            .config
            .with_value(|c| c.regions.iter().map(|r| r.id.clone()).collect());
        self.regions.with_untracked(|regions| {
            regions
                .iter()
                .zip(ids)
                .filter(|(report, id)| {
                    id.as_str() != except
                        && matches!(&report.effective_outcome(), RegionOutcome::Verified(f) if f == feed)
                })
                .map(|(_, id)| id)
                .collect()
        })
    }

    fn record_evidence(self, note: &str, source: &str) {
        let Some((shown_note, first_source)) = self.shown_note.get_value() else {
            return;
        };
        // Name every region serving the shown copy now, not just the first.
        let shown_source = self
            .shown
            .with_untracked(|shown| {
                shown
                    .as_ref()
                    .map(|feed| self.regions_serving_ids(feed, source))
            })
            .filter(|ids| !ids.is_empty())
            .map_or(first_source, |ids| ids.join(", "));
        let now = clock::now();
        let now = now.replace_millisecond(0).unwrap_or(now);
        let observed_at = bongsu_core::text::rfc3339::format(now).unwrap_or_default();
        let note = note.to_owned();
        let source = source.to_owned();
        // Both notes are verified again, under the keys trusted then,
        // before they become evidence.
        spawn_local(async move {
            let found = checked(|| {
                self.keys.with_untracked(|keys| {
                    equivocation_evidence(
                        (&shown_note, &shown_source),
                        (&note, &source),
                        keys.latest()?,
                        observed_at.clone(),
                    )
                })
            })
            .await;
            let Some(found) = found else { return };
            let known = self
                .evidence
                .with_untracked(|items| items.iter().any(|e| e.notes == found.notes));
            if !known {
                let feed = found.feed.clone();
                self.evidence.update(|items| items.push(found));
                self.evidence
                    .with_untracked(|items| saved_evidence::save(&feed, items));
            }
        });
    }

    /// Verifies everything again under the current keys: after a key set
    /// arrives, is rotated or revokes a key.
    async fn reverify_all(self) {
        // Every verdict first, from one moment's state; then, with no wait
        // in between, applied to that same state.
        let (still_valid, outcomes) = checked(|| {
            let still_valid = self.shown_note.with_value(|shown| {
                shown.as_ref().is_none_or(|(note, _)| {
                    self.keys
                        .with_untracked(|keys| still_trusted(note.as_bytes(), keys))
                })
            });
            let outcomes: Vec<Option<RegionOutcome>> = self.regions.with_untracked(|regions| {
                regions
                    .iter()
                    .map(|report| report.served.as_ref().map(|f| self.evaluate(f)))
                    .collect()
            });
            (still_valid, outcomes)
        })
        .await;
        if !still_valid {
            // Signed by a key that is no longer trusted: take it down.
            self.shown_note.set_value(None);
            self.shown.set(None);
        }
        let mut verified = Vec::new();
        self.regions.update(|regions| {
            for (index, (report, outcome)) in regions.iter_mut().zip(outcomes).enumerate() {
                if let (Some(fetched), Some(outcome)) = (&report.served, outcome) {
                    report.outcome = outcome;
                    if let RegionOutcome::Verified(feed) = &report.outcome {
                        verified.push((feed.clone(), fetched.clone(), index));
                    }
                }
            }
        });
        for (feed, fetched, index) in verified {
            self.consider(&feed, &fetched, &self.region_id(index));
        }
    }

    fn region_id(self, index: usize) -> String {
        self.config
            .with_value(|c| c.regions.get(index).map(|r| r.id.clone()))
            .unwrap_or_default()
    }
}
