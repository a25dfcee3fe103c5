//! Polling every region in parallel and folding the answers into signals.
//!
//! Each region's answer is applied the moment it arrives: the first verified
//! feed shows at once, and a newer one replaces it whenever it comes. A slow
//! region never delays a fast one.

use bongsu_core::{
    supersedes, verify_feed, AppConfig, Feed, FeedError, RegionOutcome, MAX_FEED_BYTES,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use time::OffsetDateTime;

use crate::clock;
use crate::fetch::{fetch_bytes, FetchError};
use crate::last_good;

/// The latest answer from one region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionReport {
    pub outcome: RegionOutcome,
    /// When the answer (or the failure) arrived.
    pub checked_at: Option<OffsetDateTime>,
    /// How long the region took to answer.
    pub took_ms: Option<u32>,
}

impl RegionReport {
    fn pending() -> Self {
        RegionReport {
            outcome: RegionOutcome::Pending,
            checked_at: None,
            took_ms: None,
        }
    }
}

/// Everything the page shows, as signals.
#[derive(Clone, Copy)]
pub struct StatusStore {
    /// The newest verified feed seen: from a region, or remembered on this
    /// device from an earlier visit.
    pub shown: RwSignal<Option<Feed>>,
    /// One report per configured region, in config order.
    pub regions: RwSignal<Vec<RegionReport>>,
    /// Bumped by every poll; answers from an older poll are not reported.
    generation: RwSignal<u64>,
    /// Regions still to answer in the current poll.
    pub in_flight: RwSignal<usize>,
}

impl StatusStore {
    pub fn new(region_count: usize) -> Self {
        StatusStore {
            shown: RwSignal::new(None),
            regions: RwSignal::new(vec![RegionReport::pending(); region_count]),
            generation: RwSignal::new(0),
            in_flight: RwSignal::new(0),
        }
    }

    /// Asks every region once, in parallel.
    /// Shows the feed remembered from an earlier visit, if it still verifies.
    /// Regions then only replace it with something strictly newer.
    pub fn restore(self, config: &AppConfig) {
        if let Some((feed, _note)) = last_good::load(config) {
            self.shown.set(Some(feed));
        }
    }

    pub fn poll(self, config: &AppConfig) {
        let generation = self.generation.get_untracked() + 1;
        self.generation.set(generation);
        self.in_flight.set(config.regions.len());
        for (index, region) in config.regions.iter().enumerate() {
            let url = region.url.clone();
            let keys = config.trust.status.clone();
            let feed_id = config.feed.clone();
            let timeout_ms = config.timeout_ms;
            spawn_local(async move {
                let started = js_sys::Date::now();
                let outcome = match fetch_bytes(&url, timeout_ms, MAX_FEED_BYTES).await {
                    Err(FetchError::TooLarge { limit }) => {
                        RegionOutcome::Invalid(FeedError::TooLarge { limit })
                    }
                    Err(error) => RegionOutcome::Unreachable(error.to_string()),
                    Ok(bytes) => match verify_feed(&bytes, &keys, &feed_id) {
                        Ok(feed) => {
                            if self
                                .shown
                                .with_untracked(|shown| supersedes(&feed, shown.as_ref()))
                            {
                                // Verified above, so the bytes are UTF-8 note text.
                                last_good::save(&feed_id, &String::from_utf8_lossy(&bytes));
                            }
                            RegionOutcome::Verified(feed)
                        }
                        Err(error) => RegionOutcome::Invalid(error),
                    },
                };
                let took_ms = (js_sys::Date::now() - started).max(0.0) as u32;
                self.absorb(generation, index, outcome, took_ms);
            });
        }
    }

    fn absorb(self, generation: u64, index: usize, outcome: RegionOutcome, took_ms: u32) {
        // A newer verified feed is worth showing whichever poll fetched it.
        if let RegionOutcome::Verified(feed) = &outcome {
            let newer = self
                .shown
                .with_untracked(|shown| supersedes(feed, shown.as_ref()));
            if newer {
                self.shown.set(Some(feed.clone()));
            }
        }
        if self.generation.get_untracked() != generation {
            return;
        }
        self.regions.update(|regions| {
            if let Some(slot) = regions.get_mut(index) {
                *slot = RegionReport {
                    outcome,
                    checked_at: Some(clock::now()),
                    took_ms: Some(took_ms),
                };
            }
        });
        self.in_flight.update(|n| *n = n.saturating_sub(1));
    }
}
