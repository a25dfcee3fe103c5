//! `bongsu probe`: one region's probe. Every interval (jittered, so that
//! probes in many regions do not hit a service in lockstep) it runs every
//! service's checks at once, keeps the rounds inside the window, and signs
//! what it saw into `probe.note` for its region.
//!
//! What a round means for a service is the core's rule
//! ([`bongsu_core::probe::summarize`]); this module only measures,
//! remembers and publishes.

pub mod check;
pub mod config;
pub mod watch;

use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::time::Duration;

use bongsu_core::probe::{decode_text, summarize, CheckResult, Observation, ProbeState, Round};
use rand_core::RngCore;
use signed_note::Signer;
use time::OffsetDateTime;

use crate::error::CliError;
use crate::probe::check::Check;
use crate::probe::config::ProbeConfig;

use bongsu_core::probe::VALID_FOR_INTERVALS;

/// A probe's memory: the rounds in its window, its last judgement of each
/// service, and the last sequence number it signed.
pub struct Probe {
    config: ProbeConfig,
    rounds: BTreeMap<String, VecDeque<Round>>,
    judged: BTreeMap<String, (ProbeState, OffsetDateTime)>,
    seq: u64,
}

impl Probe {
    /// A probe that carries on from its `previous` observation (the one it
    /// last published): its sequence numbers keep growing and a judgement
    /// that does not change keeps its date across a restart.
    pub fn new(config: ProbeConfig, previous: Option<Observation>) -> Probe {
        let mut probe = Probe {
            config,
            rounds: BTreeMap::new(),
            judged: BTreeMap::new(),
            seq: 0,
        };
        if let Some(p) = previous.filter(|p| p.region == probe.config.region) {
            probe.seq = p.seq;
            probe.judged = p
                .services
                .into_iter()
                .map(|s| (s.service, (s.state, s.since)))
                .collect();
        }
        probe
    }

    /// Forgets every round and judgement (keeping the sequence number): for
    /// when the services were changed by fiat, as the demo's replay does,
    /// so that what the probe says next dates from now.
    pub fn start_over(&mut self) {
        self.rounds.clear();
        self.judged.clear();
    }

    /// Runs one round of every service's checks, all at once, and records it.
    pub async fn run_round(&mut self) {
        let at = OffsetDateTime::now_utc();
        let timeout = self.config.timeout;
        let mut tasks = tokio::task::JoinSet::new();
        for (s, service) in self.config.services.iter().enumerate() {
            for (c, check) in service.checks.iter().enumerate() {
                let check: Check = check.clone();
                tasks.spawn(async move { (s, c, check::run(&check, timeout).await) });
            }
        }
        let mut results: Vec<Vec<Option<CheckResult>>> = self
            .config
            .services
            .iter()
            .map(|s| vec![None; s.checks.len()])
            .collect();
        while let Some(joined) = tasks.join_next().await {
            // A check task cannot panic by design; if one did, its check
            // counts as a failed connection rather than being dropped.
            if let Ok((s, c, outcome)) = joined {
                results[s][c] = Some(CheckResult {
                    latency_ms: millis(outcome.latency),
                    error: outcome.error,
                });
            }
        }
        let ids: Vec<String> = self.config.services.iter().map(|s| s.id.clone()).collect();
        for (id, checks) in ids.into_iter().zip(results) {
            let checks = checks
                .into_iter()
                .map(|r| {
                    r.unwrap_or(CheckResult {
                        latency_ms: millis(timeout),
                        error: Some(bongsu_core::probe::ErrorClass::Connection),
                    })
                })
                .collect();
            self.record(&id, Round { at, checks });
        }
    }

    /// Adds a round and forgets rounds that fell out of the window.
    pub fn record(&mut self, service: &str, round: Round) {
        let window = time::Duration::seconds(seconds(self.config.window).into());
        let rounds = self.rounds.entry(service.to_owned()).or_default();
        let newest = round.at;
        rounds.push_back(round);
        while rounds.front().is_some_and(|r| newest - r.at >= window) {
            rounds.pop_front();
        }
    }

    /// The observation to sign now, with a sequence number above every one
    /// signed before (and above the clock's seconds, so that a probe whose
    /// state was lost still never goes backwards).
    pub fn observation(&mut self, now: OffsetDateTime) -> Observation {
        let mut services = Vec::new();
        for service in &self.config.services {
            let rounds: Vec<Round> = self
                .rounds
                .get(&service.id)
                .map(|r| r.iter().cloned().collect())
                .unwrap_or_default();
            let previous = self.judged.get(&service.id).copied();
            if let Some(s) = summarize(&service.id, &rounds, previous) {
                self.judged.insert(service.id.clone(), (s.state, s.since));
                services.push(s);
            }
        }
        self.seq = (self.seq + 1).max(now.unix_timestamp().unsigned_abs());
        let interval = seconds(self.config.interval);
        Observation {
            feed: self.config.feed.clone(),
            region: self.config.region.clone(),
            seq: self.seq,
            issued_at: now,
            expires_at: now + time::Duration::seconds((interval * VALID_FOR_INTERVALS).into()),
            interval_seconds: interval,
            window_seconds: seconds(self.config.window),
            services,
        }
    }

    /// The wait before the next round: the interval, give or take 10%.
    pub fn next_delay(&self) -> Duration {
        let jitter = f64::from(rand_core::OsRng.next_u32()) / f64::from(u32::MAX);
        self.config.interval.mul_f64(0.9 + 0.2 * jitter)
    }
}

fn millis(d: Duration) -> u32 {
    u32::try_from(d.as_millis()).unwrap_or(u32::MAX)
}

fn seconds(d: Duration) -> u32 {
    u32::try_from(d.as_secs()).unwrap_or(u32::MAX).max(1)
}

/// The observation a probe published last, if `path` holds one. The file is
/// the probe's own output, so only its text is read (its seq and dates).
pub fn previous_observation(path: &Path) -> Option<Observation> {
    let bytes = std::fs::read(path).ok()?;
    let text = bytes
        .split(|b| *b == b'\n')
        .take(2)
        .collect::<Vec<_>>()
        .join(&b'\n');
    decode_text(&[text.as_slice(), b"\n"].concat()).ok()
}

/// Signs `observation` and writes it to every `out`.
pub fn publish(
    observation: &Observation,
    signer: &dyn Signer,
    outs: &[PathBuf],
) -> Result<(), CliError> {
    let bytes = bongsu_core::sign_observation(observation, &[signer])?;
    for out in outs {
        crate::sign::write_atomically(out, &bytes)?;
    }
    Ok(())
}

/// One line per service whose judgement changed, for the operator's terminal.
pub fn changes(before: Option<&Observation>, now: &Observation) -> Vec<String> {
    now.services
        .iter()
        .filter(|s| {
            before
                .and_then(|b| b.services.iter().find(|t| t.service == s.service))
                .is_none_or(|t| t.state != s.state)
        })
        .map(|s| {
            let why = s
                .last_error
                .map(|e| format!(" (last error: {})", e.as_str()));
            format!(
                "{}: {} from {}{}",
                s.service,
                s.state.as_str(),
                now.region,
                why.unwrap_or_default()
            )
        })
        .collect()
}

/// Rounds, observations and publishing, for as long as it runs. A failed
/// write is reported and retried with the next round, except with `once`,
/// where it is the answer.
pub async fn keep_probing(
    config: ProbeConfig,
    previous: Option<Observation>,
    signer: &(dyn Signer + Sync),
    outs: &[PathBuf],
    once: bool,
    publishing: Option<(&crate::publish::To, &[crate::publish::Planned])>,
) -> Result<(), CliError> {
    let mut last = previous.clone();
    let mut probe = Probe::new(config, previous);
    loop {
        probe.run_round().await;
        let observation = probe.observation(OffsetDateTime::now_utc());
        let mut written = publish(&observation, signer, outs);
        if let (Ok(()), Some((to, planned))) = (&written, publishing) {
            // Only the observation: the rest of the region is the operator's.
            let what = format!("observation seq {}", observation.seq);
            written = to.publish_async(planned, false, &what).await;
        }
        match written {
            Err(error) if once => return Err(error),
            Err(error) => eprintln!("error: {error} (the probe goes on)"),
            Ok(()) => {
                for line in changes(last.as_ref(), &observation) {
                    println!("probe: {line}");
                }
                last = Some(observation);
            }
        }
        if once {
            return Ok(());
        }
        tokio::time::sleep(probe.next_delay()).await;
    }
}

/// `bongsu probe`'s flags: what the command line gives, used as its options.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The probe's configuration (TOML): feed, region, interval, window, timeout, services
    /// and their http/tcp/dns checks.
    #[arg(long)]
    config: PathBuf,
    /// This region's probe key (private), from `bongsu keygen`.
    #[arg(long)]
    key: PathBuf,
    /// Where to write the signed observation, e.g. regions/seoul/probe.note; repeatable.
    #[arg(long, required = true)]
    out: Vec<PathBuf>,
    /// One round and one observation, then exit.
    #[arg(long)]
    once: bool,
    #[command(flatten)]
    to: crate::publish::To,
}

/// Runs `bongsu probe` until it is stopped (or for one round with `--once`).
pub fn run(args: Args) -> Result<(), CliError> {
    let config = crate::probe::config::read_probe_config(&args.config)?;
    let signer = crate::keygen::read_signer(&args.key)?;
    let previous = args
        .out
        .iter()
        .filter_map(|o| previous_observation(o))
        .max_by_key(|o| o.seq);
    let destinations = args.to.plan(&args.out)?;
    let publishing = (!destinations.is_empty()).then_some((&args.to, destinations.as_slice()));
    crate::runtime()?.block_on(keep_probing(
        config, previous, &signer, &args.out, args.once, publishing,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::services::{DemoServices, ServiceFault};
    use crate::probe::config::ProbedService;
    use bongsu_core::probe::{validate_observation, ErrorClass};
    use std::net::SocketAddr;

    fn config(services: &[(&str, SocketAddr)]) -> ProbeConfig {
        ProbeConfig {
            feed: "kakao".into(),
            region: "seoul".into(),
            interval: Duration::from_secs(5),
            window: Duration::from_secs(60),
            timeout: Duration::from_millis(800),
            services: services
                .iter()
                .map(|(id, addr)| ProbedService {
                    id: (*id).into(),
                    checks: vec![
                        Check::Http {
                            url: format!("http://{addr}/health"),
                            expect_status: 200,
                            max_latency: Duration::from_millis(300),
                        },
                        Check::Tcp {
                            addr: addr.to_string(),
                        },
                    ],
                })
                .collect(),
        }
    }

    async fn free_addr() -> SocketAddr {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        l.local_addr().unwrap()
    }

    /// A real round against local services that refuse, hang, fail and
    /// answer slowly: each is judged failing with its own class, the healthy
    /// one passes, and one round takes about one timeout, not their sum.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_round_judges_every_kind_of_failure() {
        let modes = [
            ("healthy", ServiceFault::Healthy, None),
            ("refusing", ServiceFault::Down, Some(ErrorClass::Refused)),
            ("hanging", ServiceFault::Hang, Some(ErrorClass::Timeout)),
            (
                "erroring",
                ServiceFault::Error,
                Some(ErrorClass::HttpStatus),
            ),
            ("slow", ServiceFault::Slow, Some(ErrorClass::Timeout)),
        ];
        let mut addrs = Vec::new();
        for (id, _, _) in &modes {
            addrs.push(((*id).to_owned(), free_addr().await));
        }
        let services = DemoServices::start(&addrs, ServiceFault::Healthy);
        services.set_all(
            &modes
                .iter()
                .map(|(id, m, _)| ((*id).to_owned(), *m))
                .collect(),
        );
        // Give the refusing one a moment to stop listening.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let ids: Vec<(&str, SocketAddr)> = addrs.iter().map(|(id, a)| (id.as_str(), *a)).collect();
        let mut probe = Probe::new(config(&ids), None);
        let started = std::time::Instant::now();
        probe.run_round().await;
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
        let o = probe.observation(OffsetDateTime::now_utc());
        assert_eq!(validate_observation(&o), Ok(()));
        for (id, _, class) in modes {
            let s = o.services.iter().find(|s| s.service == id).unwrap();
            let state = if class.is_some() {
                ProbeState::Failing
            } else {
                ProbeState::Passing
            };
            assert_eq!((s.state, s.last_error), (state, class), "{id}");
            assert_eq!(s.attempted, 2, "{id}");
        }
        // The slow service, given a timeout above its answer time, is slow rather than hung.
        let mut patient = config(&[("slow", addrs[4].1)]);
        patient.timeout = Duration::from_secs(3);
        let mut probe = Probe::new(patient, None);
        probe.run_round().await;
        let o = probe.observation(OffsetDateTime::now_utc());
        assert_eq!(o.services[0].last_error, Some(ErrorClass::Slow));
        assert!(o.services[0].latency_p95_ms >= Some(1500));
    }

    fn round(at: OffsetDateTime, failed: bool) -> Round {
        Round {
            at,
            checks: vec![CheckResult {
                latency_ms: 10,
                error: failed.then_some(ErrorClass::Refused),
            }],
        }
    }

    #[test]
    fn the_window_keeps_only_recent_rounds() {
        let t0 = OffsetDateTime::now_utc();
        let addr: SocketAddr = ([127, 0, 0, 1], 9).into();
        let mut probe = Probe::new(config(&[("talk", addr)]), None);
        for i in 0..30 {
            probe.record("talk", round(t0 + time::Duration::seconds(5 * i), i < 12));
        }
        // 60 s at 5 s apart: the 12 failed rounds have all left the window.
        let o = probe.observation(t0 + time::Duration::seconds(150));
        assert_eq!((o.services[0].attempted, o.services[0].failed), (12, 0));
        assert_eq!(o.services[0].state, ProbeState::Passing);
    }

    #[test]
    fn a_restarted_probe_keeps_growing_its_seq_and_its_dates() {
        let t0 = OffsetDateTime::now_utc();
        let addr: SocketAddr = ([127, 0, 0, 1], 9).into();
        let mut probe = Probe::new(config(&[("talk", addr)]), None);
        probe.record("talk", round(t0, true));
        let first = probe.observation(t0);
        assert!(first.seq >= t0.unix_timestamp() as u64);
        let second = probe.observation(t0);
        assert_eq!(second.seq, first.seq + 1, "same second, still growing");
        // Restarted: the failure it saw before the restart is still dated from then.
        let mut again = Probe::new(config(&[("talk", addr)]), Some(second.clone()));
        let later = t0 + time::Duration::seconds(5);
        again.record("talk", round(later, true));
        let third = again.observation(later);
        assert!(third.seq > second.seq);
        assert_eq!(third.services[0].since, t0);
        // Another region's observation is not this probe's past.
        let mut foreign = second;
        foreign.region = "busan".into();
        foreign.seq = u64::MAX - 1;
        let mut fresh = Probe::new(config(&[("talk", addr)]), Some(foreign));
        assert!(fresh.observation(later).seq < u64::MAX - 1);
    }

    #[test]
    fn jitter_stays_within_ten_percent() {
        let addr: SocketAddr = ([127, 0, 0, 1], 9).into();
        let probe = Probe::new(config(&[("talk", addr)]), None);
        for _ in 0..200 {
            let d = probe.next_delay();
            assert!(
                d >= Duration::from_millis(4500) && d <= Duration::from_millis(5500),
                "{d:?}"
            );
        }
    }

    #[test]
    fn a_published_observation_is_read_back_as_the_previous_one() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("probe.note");
        let (skey, _) = signed_note::generate_key(&mut rand_core::OsRng, "probe-seoul.test");
        let signer = signed_note::StandardSigner::new(&skey).unwrap();
        let t0 = OffsetDateTime::now_utc();
        let addr: SocketAddr = ([127, 0, 0, 1], 9).into();
        let mut probe = Probe::new(config(&[("talk", addr)]), None);
        probe.record("talk", round(t0, false));
        let o = probe.observation(t0);
        publish(&o, &signer, std::slice::from_ref(&out)).unwrap();
        assert_eq!(previous_observation(&out), Some(o));
        assert_eq!(previous_observation(&dir.path().join("missing")), None);
    }
}
