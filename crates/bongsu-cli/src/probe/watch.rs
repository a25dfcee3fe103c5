//! What the regions' probes say, as the signer reads it to log where they
//! and the declared status disagree (`bongsu sign --probes`): each region's
//! key chain and `probe.note`, verified from the pinned root exactly as the
//! app verifies them. A region that does not answer, or answers with
//! something that does not verify, is left out with a warning; it never
//! stops the status from being published.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use bongsu_core::probe::{verify_observation, Observation};
use bongsu_core::{parse_chain_file, AppConfig, KeyChain, RoleKeys};
use time::OffsetDateTime;

use crate::error::CliError;
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
    /// How many regions the key set lets probe.
    pub probing: usize,
}

/// Where the signer keeps the highest observation number it counted from
/// each region, beside its copy of the log (it is not published).
const SEEN_FILE: &str = "probe-seqs.json";

/// The highest observation `seq` counted from each region by earlier
/// signings: an older one, replayed by a region's server, is not counted.
pub fn load_seen(log_dir: &Path) -> BTreeMap<String, u64> {
    std::fs::read(log_dir.join(SEEN_FILE))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

pub fn save_seen(log_dir: &Path, seen: &BTreeMap<String, u64>) -> Result<(), CliError> {
    let json = serde_json::to_vec_pretty(seen).unwrap_or_default();
    crate::sign::write_atomically(&log_dir.join(SEEN_FILE), &json)
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
    /// for all, as in the app), then every region's observation, unless it
    /// is older than the one `seen` says was counted before (`seen` then
    /// records the new ones).
    pub fn observe(&self, now: OffsetDateTime, seen: &mut BTreeMap<String, u64>) -> Observed {
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
                    probing: 0,
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
                Ok(Some(o)) if seen.get(id).is_some_and(|before| o.seq < *before) => warnings.push(format!(
                    "region `{id}`: its probe is not counted: it serves observation #{}, older than #{} counted before",
                    o.seq,
                    seen.get(id).copied().unwrap_or_default()
                )),
                Ok(Some(o)) => {
                    seen.insert(id.clone(), o.seq);
                    observations.push(o);
                }
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
            probing: key_set.roles.probes.len(),
        }
    }
}
