//! What the regions' probes say, as the signer reads it to log where they
//! and the declared status disagree (`bongsu sign --probes`): each region's
//! key chain and `probe.note`, verified from the pinned root exactly as the
//! app verifies them. A region that does not answer, or answers with
//! something that does not verify, is left out with a warning; it never
//! stops the status from being published.

use std::time::Duration;

use bongsu_core::observation::{verify_observation, Observation};
use bongsu_core::{parse_chain_file, AppConfig, KeyChain, RoleKeys};
use time::OffsetDateTime;

use crate::mirror_source::Source;

/// A probe that has not answered by then is counted as silent.
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// Where to read the probes, whom to trust, and the grace period.
#[derive(Debug, Clone)]
pub struct ProbeWatch {
    pub root: RoleKeys,
    pub feed: String,
    /// Each region's id and where its `keys.json` and `probe.note` are.
    pub regions: Vec<(String, Source)>,
    pub grace: time::Duration,
}

/// The observations that verified, and why the others were left out.
pub struct Observed {
    pub observations: Vec<Observation>,
    pub warnings: Vec<String>,
}

impl ProbeWatch {
    /// The regions, root and grace period of the app's `config.json`. A
    /// region with a relative URL cannot be reached from here; it is named
    /// in the warnings.
    pub fn from_config(config: &AppConfig) -> (ProbeWatch, Vec<String>) {
        let mut warnings = Vec::new();
        let mut regions = Vec::new();
        for region in &config.regions {
            match Source::new(&region.url) {
                Source::Url(url) => regions.push((region.id.clone(), Source::Url(url))),
                Source::Dir(_) => warnings.push(format!(
                    "region `{}`: its URL `{}` is relative to the page, so its probe cannot be read from here; give it as an absolute URL",
                    region.id, region.url
                )),
            }
        }
        let watch = ProbeWatch {
            root: config.trust.root.clone(),
            feed: config.feed.clone(),
            regions,
            grace: time::Duration::seconds(i64::from(config.disagreement_grace_seconds)),
        };
        (watch, warnings)
    }

    /// Every region's key chain first (a key learnt from one region counts
    /// for all, as in the app), then every region's observation.
    pub fn observe(&self, now: OffsetDateTime) -> Observed {
        let agent = crate::mirror_source::agent(FETCH_TIMEOUT);
        let mut warnings = Vec::new();
        let mut chain = KeyChain::new(self.root.clone(), &self.feed);
        for (id, source) in &self.regions {
            let learnt = source
                .fetch(&agent, "keys.json")
                .and_then(|bytes| parse_chain_file(&bytes).map_err(|e| e.to_string()))
                .and_then(|notes| chain.extend(&notes).map(|_| ()).map_err(|e| e.to_string()));
            if let Err(why) = learnt {
                warnings.push(format!("region `{id}`: its key chain: {why}"));
            }
        }
        let key_set = match chain.current(now) {
            Ok(key_set) => key_set,
            Err(why) => {
                warnings.push(format!(
                    "no region's probe is counted: no usable key set ({why})"
                ));
                return Observed {
                    observations: Vec::new(),
                    warnings,
                };
            }
        };
        let mut observations = Vec::new();
        for (id, source) in &self.regions {
            let verified = source
                .fetch_if_there(&agent, "probe.note")
                .and_then(|bytes| {
                    bytes
                        .map(|b| verify_observation(&b, key_set, id).map_err(|e| e.to_string()))
                        .transpose()
                });
            match verified {
                Ok(Some(o)) => observations.push(o),
                // A region without a probe (or whose probe has not yet
                // finished its first round) has nothing to count.
                Ok(None) => {}
                Err(why) => {
                    warnings.push(format!("region `{id}`: its probe is not counted: {why}"))
                }
            }
        }
        Observed {
            observations,
            warnings,
        }
    }
}
