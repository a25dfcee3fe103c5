//! Every region's probe observation (`probe.note`), fetched beside its feed
//! and verified under the same trusted keys: what the regions measured,
//! shown beside what the operator declared.
//!
//! A region's observation is trusted only under that region's probe keys
//! (`bongsu_core::probe::verify_observation`). The newest verified
//! observation of each region is kept and never replaced by an older one
//! (a region serving an older observation is reported as behind). When the
//! key set changes, what was kept is dropped and what each region last
//! served is verified again under the new keys, so an observation signed by
//! a key since revoked stops counting at once, without asking the regions
//! again: on a first visit the keys arrive just after the first answers,
//! and asking twice put a second request on a congested link.
//! Whether a kept observation still counts is judged when drawing
//! (`components/measured.rs`), so a region whose probe stopped drops out of
//! the consensus on its own.

use bongsu_core::probe::{
    verify_observation, Observation, ObservationError, MAX_OBSERVATION_BYTES,
};
use bongsu_core::{check_content_type, AppConfig, FetchError, KeyChain, KeysUnusable};
use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::AbortController;

use crate::clock;
use crate::fetch::{controller, fetch_bytes};
use crate::signature_checks::checked;

/// What one region's probe gave the page at its last answer.
#[derive(Debug, Clone, PartialEq)]
pub enum ProbeReport {
    Pending,
    /// The region has no `probe.note` (HTTP 404): it runs no probe.
    NoProbe,
    /// Nothing usable came back.
    Unanswered(FetchError),
    /// Something came back and is not a verified observation.
    Rejected(ObservationError),
    /// Not checked yet: no usable key set.
    NoKeys(KeysUnusable),
    /// A genuine observation older than one this page already verified
    /// from the region: a replay. The newer one is kept.
    Behind {
        seq: u64,
    },
    Verified {
        seq: u64,
    },
}

#[derive(Clone, Copy)]
pub struct ProbeStore {
    config: StoredValue<AppConfig>,
    keys: RwSignal<KeyChain>,
    /// One report per configured region, in config order.
    reports: RwSignal<Vec<ProbeReport>>,
    /// Each region's newest verified observation, in config order.
    kept: RwSignal<Vec<Option<Observation>>>,
    /// The highest `seq` verified from each region under the current keys,
    /// in this page's life.
    newest: StoredValue<Vec<u64>>,
    /// What each region last served, in config order, to verify again
    /// when the keys change.
    served: StoredValue<Vec<Option<Vec<u8>>>>,
    requests: StoredValue<Vec<AbortController>, LocalStorage>,
}

impl ProbeStore {
    /// A store that verifies with `keys` (the status poller's key chain).
    /// `skip` says which regions are being left alone for now (the status
    /// poller's backoff). It asks every region at once, and verifies what
    /// they served again whenever the keys change.
    pub fn new(
        config: AppConfig,
        keys: RwSignal<KeyChain>,
        skip: impl Fn(usize) -> bool + Copy + Send + Sync + 'static,
    ) -> Self {
        let n = config.regions.len();
        let store = ProbeStore {
            config: StoredValue::new(config),
            keys,
            reports: RwSignal::new(vec![ProbeReport::Pending; n]),
            kept: RwSignal::new(vec![None; n]),
            newest: StoredValue::new(vec![0; n]),
            served: StoredValue::new(vec![None; n]),
            requests: StoredValue::new_local(Vec::new()),
        };
        // Under new keys nothing kept or reported stands until checked
        // again: an observation or a mark made under a key since revoked
        // must not count.
        Effect::new(move |first: Option<()>| {
            keys.track();
            if first.is_none() {
                store.poll(skip);
                return;
            }
            store.kept.set(vec![None; n]);
            store.newest.set_value(vec![0; n]);
            let served = store.served.get_value();
            for (index, bytes) in served.into_iter().enumerate() {
                let Some(bytes) = bytes else { continue };
                spawn_local(async move {
                    let report = checked(|| store.verdict(index, &bytes)).await;
                    store.apply(index, report);
                });
            }
        });
        store
    }

    /// Asks every region not skipped for its observation, aborting the
    /// previous poll's requests.
    pub fn poll(self, skip: impl Fn(usize) -> bool) {
        self.requests
            .update_value(|r| r.drain(..).for_each(|c| c.abort()));
        let config = self.config.get_value();
        for (index, region) in config.regions.iter().enumerate() {
            let Some(request) = controller().filter(|_| !skip(index)) else {
                continue;
            };
            self.requests.update_value(|r| r.push(request.clone()));
            let url = region.probe_url();
            let timeout_ms = config.timeout_ms;
            spawn_local(async move {
                let fetched = fetch_bytes(&url, timeout_ms, MAX_OBSERVATION_BYTES, &request).await;
                let bytes = match fetched {
                    Ok(f) => match check_content_type(f.content_type.as_deref()) {
                        Ok(()) => Ok(f.bytes),
                        Err(_) => Err(FetchError::Http { status: 415 }),
                    },
                    Err(e) => Err(e),
                };
                let report = match bytes {
                    Ok(bytes) => {
                        self.served.update_value(|s| {
                            if let Some(slot) = s.get_mut(index) {
                                *slot = Some(bytes.clone());
                            }
                        });
                        checked(|| self.verdict(index, &bytes)).await
                    }
                    Err(FetchError::Http { status: 404 }) => Err(ProbeReport::NoProbe),
                    Err(e) => Err(ProbeReport::Unanswered(e)),
                };
                self.apply(index, report);
            });
        }
    }

    /// Verifies `bytes` as region `index`'s observation under the keys
    /// trusted now. (Run under `checked`.)
    fn verdict(self, index: usize, bytes: &[u8]) -> Result<Observation, ProbeReport> {
        let region = self
            .config
            .with_value(|c| c.regions.get(index).map(|r| r.id.clone()))
            .unwrap_or_default();
        self.keys
            .with_untracked(|keys| match keys.current(clock::now()) {
                Ok(key_set) => {
                    verify_observation(bytes, key_set, &region).map_err(ProbeReport::Rejected)
                }
                Err(e) => Err(ProbeReport::NoKeys(e)),
            })
    }

    /// Records a region's answer, and keeps the observation if it is the
    /// region's newest.
    fn apply(self, index: usize, verdict: Result<Observation, ProbeReport>) {
        let report = match verdict {
            Ok(observation) => {
                let seq = observation.seq;
                let newest = self
                    .newest
                    .with_value(|n| n.get(index).copied().unwrap_or(0));
                if seq < newest {
                    ProbeReport::Behind { seq }
                } else {
                    self.newest.update_value(|n| {
                        if let Some(slot) = n.get_mut(index) {
                            *slot = seq;
                        }
                    });
                    self.kept.update(|k| {
                        if let Some(slot) = k.get_mut(index) {
                            *slot = Some(observation);
                        }
                    });
                    ProbeReport::Verified { seq }
                }
            }
            Err(report) => report,
        };
        self.reports.update(|reports| {
            if let Some(slot) = reports.get_mut(index) {
                *slot = report;
            }
        });
    }

    /// Per region, in config order: its id, its last report and its
    /// newest verified observation (current or not).
    pub fn snapshot(self) -> Vec<(String, ProbeReport, Option<Observation>)> {
        let ids: Vec<String> = self
            .config
            .with_value(|c| c.regions.iter().map(|r| r.id.clone()).collect());
        let reports = self.reports.get();
        self.kept.with(|kept| {
            ids.into_iter()
                .zip(reports)
                .zip(kept)
                .map(|((id, report), kept)| (id, report, kept.clone()))
                .collect()
        })
    }
}
