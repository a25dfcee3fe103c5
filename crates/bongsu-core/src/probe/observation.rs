//! What one region's probe measured: the signed observation feed.
//!
//! Each region runs `bongsu probe`, which checks every service's endpoints
//! on an interval and publishes `probe.note`: a C2SP signed note whose text
//! is [`OBSERVATION_FORMAT_LINE`] plus one line of JSON, signed by the key
//! set's `probes.<region>` keys. The rules a probe uses to turn its rounds
//! of checks into a per-service judgement are here ([`summarize`]), so the
//! probe, the tests and anyone re-deriving a judgement use one definition.
//! How the app combines regions is in [`crate::probe::consensus`].

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::keys::keyset::KeySet;
use crate::keys::signature::{check_signatures, SignatureError};
use crate::text::is_valid_id;
use crate::text::json::{FromJson, Problem, Value};

/// The first line of every probe observation note.
pub const OBSERVATION_FORMAT_LINE: &str = "bongsu-probe-observation/v1";
/// Larger responses are rejected before parsing.
pub const MAX_OBSERVATION_BYTES: usize = 64 * 1024;

/// Why one check failed, as coarse classes a reader can act on. The probe
/// reports the class of the newest failure, not the raw error text, so that
/// nothing about the probe's network (addresses, resolver names) leaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    /// No answer within the check's timeout (a hung server, a black hole).
    Timeout,
    /// The connection was refused: nothing listens there.
    Refused,
    /// The name did not resolve.
    Dns,
    /// The TLS handshake failed (certificate, protocol).
    Tls,
    /// An HTTP answer with a status other than the expected one.
    HttpStatus,
    /// The expected answer, but slower than the check's latency threshold.
    Slow,
    /// The connection failed or broke some other way (reset, unreachable).
    Connection,
}

impl ErrorClass {
    pub const ALL: [ErrorClass; 7] = [
        ErrorClass::Timeout,
        ErrorClass::Refused,
        ErrorClass::Dns,
        ErrorClass::Tls,
        ErrorClass::HttpStatus,
        ErrorClass::Slow,
        ErrorClass::Connection,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorClass::Timeout => "timeout",
            ErrorClass::Refused => "refused",
            ErrorClass::Dns => "dns",
            ErrorClass::Tls => "tls",
            ErrorClass::HttpStatus => "http_status",
            ErrorClass::Slow => "slow",
            ErrorClass::Connection => "connection",
        }
    }
}

/// A probe's judgement of one service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeState {
    Passing,
    Failing,
}

impl ProbeState {
    pub fn as_str(self) -> &'static str {
        match self {
            ProbeState::Passing => "passing",
            ProbeState::Failing => "failing",
        }
    }
}

/// One signed observation: what `region`'s probe saw over its window.
/// Field order here is the order on the wire.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Observation {
    /// The status feed these services belong to.
    pub feed: String,
    /// The region whose probe made it; only that region's probe keys may sign it.
    pub region: String,
    /// Increases with every observation the probe signs.
    pub seq: u64,
    #[serde(with = "crate::text::rfc3339")]
    pub issued_at: OffsetDateTime,
    /// After this (plus the clock-skew allowance) the region counts as stale.
    #[serde(with = "crate::text::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// Seconds between rounds of checks.
    pub interval_seconds: u32,
    /// The counts and latencies cover this many seconds before `issued_at`.
    pub window_seconds: u32,
    pub services: Vec<ServiceObservation>,
}

/// What the probe saw of one service in its window.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceObservation {
    /// The service's id in the status feed.
    pub service: String,
    pub state: ProbeState,
    /// When the probe's judgement last changed (or it first checked the service).
    #[serde(with = "crate::text::rfc3339")]
    pub since: OffsetDateTime,
    /// Checks run in the window, and how many of them failed.
    pub attempted: u32,
    pub failed: u32,
    /// Latency of the checks that got an answer, nearest-rank percentiles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_p50_ms: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_p95_ms: Option<u32>,
    /// The class of the newest failure in the window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<ErrorClass>,
}

/// One check's result, as the probe records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckResult {
    pub latency_ms: u32,
    pub error: Option<ErrorClass>,
}

impl CheckResult {
    /// Whether the endpoint answered at all, so that the latency measures
    /// the service rather than the probe's timeout.
    fn answered(&self) -> bool {
        matches!(
            self.error,
            None | Some(ErrorClass::HttpStatus) | Some(ErrorClass::Slow)
        )
    }
}

/// One round: every check of one service, run together at `at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Round {
    pub at: OffsetDateTime,
    pub checks: Vec<CheckResult>,
}

impl Round {
    /// A round fails when any of its checks fails: a service whose name does
    /// not resolve is down for its users even if its address answers.
    pub fn failed(&self) -> bool {
        self.checks.iter().any(|c| c.error.is_some())
    }
}

/// The judgement rule. A service is failing when its newest round failed
/// (so an outage shows within one interval), or when at least half of the
/// window's checks failed (so a flapping service stays failing, and a
/// repaired one is believed only once most of the window has passed).
pub fn judge(rounds: &[Round]) -> Option<ProbeState> {
    let newest = rounds.last()?;
    let (attempted, failed) = counts(rounds);
    let failing =
        newest.failed() || (attempted > 0 && u64::from(failed) * 2 >= u64::from(attempted));
    Some(if failing {
        ProbeState::Failing
    } else {
        ProbeState::Passing
    })
}

fn counts(rounds: &[Round]) -> (u32, u32) {
    let all = rounds.iter().flat_map(|r| &r.checks);
    let attempted = all.clone().count();
    let failed = all.filter(|c| c.error.is_some()).count();
    (saturate(attempted), saturate(failed))
}

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The nearest-rank percentile (`p` in 1..=100) of `sorted`, which is ascending.
pub fn percentile(sorted: &[u32], p: u32) -> Option<u32> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (sorted.len() * p.clamp(1, 100) as usize).div_ceil(100);
    sorted.get(rank.max(1) - 1).copied()
}

/// Summarises one service's rounds in the window (oldest first). `previous`
/// is the probe's last judgement of it, so that `since` survives rounds
/// that do not change the judgement. None when there are no rounds yet.
pub fn summarize(
    service: &str,
    rounds: &[Round],
    previous: Option<(ProbeState, OffsetDateTime)>,
) -> Option<ServiceObservation> {
    let state = judge(rounds)?;
    let since = match previous {
        Some((was, since)) if was == state => since,
        Some(_) => rounds.last()?.at,
        None => rounds.first()?.at,
    };
    let (attempted, failed) = counts(rounds);
    let mut latencies: Vec<u32> = rounds
        .iter()
        .flat_map(|r| &r.checks)
        .filter(|c| c.answered())
        .map(|c| c.latency_ms)
        .collect();
    // The one shared sort (text/sort.rs), not another monomorphic copy.
    crate::text::sort::sort_by_key(&mut latencies, |l| *l);
    let last_error = rounds
        .iter()
        .rev()
        .flat_map(|r| r.checks.iter().rev())
        .find_map(|c| c.error);
    Some(ServiceObservation {
        service: service.to_owned(),
        state,
        since,
        attempted,
        failed,
        latency_p50_ms: percentile(&latencies, 50),
        latency_p95_ms: percentile(&latencies, 95),
        last_error,
    })
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ObservationError {
    #[error("the response is over the {limit}-byte limit; it was cut off and rejected")]
    TooLarge { limit: usize },
    #[error("the key set names no probe keys for region `{region}`, so its observations cannot be trusted")]
    NoProbeKeys { region: String },
    #[error(transparent)]
    Signature(#[from] SignatureError),
    #[error("the signed text is not a probe observation: {0}")]
    Wire(String),
    #[error("the observation is for feed `{found}`, but this page shows `{expected}`")]
    WrongFeed { expected: String, found: String },
    #[error("the observation is for region `{found}`, but was signed with region `{expected}`'s probe keys")]
    WrongRegion { expected: String, found: String },
    #[error("the signed observation breaks the observation rules: {0}")]
    Invalid(String),
}

/// The note text for an observation (ends in a newline, as signed notes require).
pub fn encode_text(observation: &Observation) -> String {
    // Plain structs with string keys: serializing cannot fail.
    let json = serde_json::to_string(observation).unwrap_or_default();
    format!("{OBSERVATION_FORMAT_LINE}\n{json}\n")
}

/// Parses the note text (not the signatures) back into an observation.
pub fn decode_text(text: &[u8]) -> Result<Observation, ObservationError> {
    let wire = |m: String| ObservationError::Wire(m);
    let text = std::str::from_utf8(text).map_err(|_| wire("the text is not UTF-8".into()))?;
    let body = text.strip_suffix('\n').unwrap_or(text);
    let (first, json) = body
        .split_once('\n')
        .ok_or_else(|| wire("expected the format line and one JSON line".into()))?;
    if first != OBSERVATION_FORMAT_LINE {
        let found: String = first.chars().take(80).collect();
        return Err(wire(format!(
            "its first line is `{found}`, expected `{OBSERVATION_FORMAT_LINE}`"
        )));
    }
    if json.contains('\n') {
        return Err(wire("expected exactly one JSON line".into()));
    }
    crate::text::json::read(json, Observation::from_json).map_err(|e| {
        wire(format!(
            "invalid JSON at column {}: {}",
            e.column, e.message
        ))
    })
}

/// Verifies `bytes` as `region`'s observation for the key set's feed:
/// signed by a threshold of the key set's `probes.<region>` keys (never by
/// a revoked key), naming that region and feed, and internally consistent.
/// Signatures are checked before any JSON is parsed. The caller checks the
/// key set is current and judges freshness with [`is_current`].
pub fn verify_observation(
    bytes: &[u8],
    key_set: &KeySet,
    region: &str,
) -> Result<Observation, ObservationError> {
    if bytes.len() > MAX_OBSERVATION_BYTES {
        return Err(ObservationError::TooLarge {
            limit: MAX_OBSERVATION_BYTES,
        });
    }
    let keys = key_set
        .roles
        .probes
        .get(region)
        .ok_or_else(|| ObservationError::NoProbeKeys {
            region: region.to_owned(),
        })?;
    let note = check_signatures(bytes, keys, &format!("probes.{region}"), &key_set.revoked)?;
    let observation = decode_text(note.text())?;
    if observation.feed != key_set.feed {
        return Err(ObservationError::WrongFeed {
            expected: key_set.feed.clone(),
            found: observation.feed,
        });
    }
    if observation.region != region {
        return Err(ObservationError::WrongRegion {
            expected: region.to_owned(),
            found: observation.region,
        });
    }
    validate_observation(&observation).map_err(ObservationError::Invalid)?;
    Ok(observation)
}

/// Whether the observation may still count at `now`: until its expiry plus
/// the same clock-skew allowance feeds get.
pub fn is_current(observation: &Observation, now: OffsetDateTime) -> bool {
    now - observation.expires_at <= crate::feed::freshness::MAX_CLOCK_SKEW
}

/// How many intervals an observation stays current, at most: a probe that
/// misses two rounds in a row is stale to readers.
pub const VALID_FOR_INTERVALS: u32 = 3;
/// The longest interval between a probe's rounds.
pub const MAX_INTERVAL_SECONDS: u32 = 3600;

/// The rules a signer checks before signing and a reader after verifying.
pub fn validate_observation(o: &Observation) -> Result<(), String> {
    if !is_valid_id(&o.region) {
        return Err(format!("region `{}` is not a valid identifier", o.region));
    }
    if o.expires_at <= o.issued_at {
        return Err("it expires before it was issued".into());
    }
    if o.interval_seconds == 0
        || o.interval_seconds > MAX_INTERVAL_SECONDS
        || o.window_seconds < o.interval_seconds
    {
        return Err(format!(
            "the window must hold at least one interval, and the interval be 1 to {MAX_INTERVAL_SECONDS} seconds"
        ));
    }
    // A capped lifetime: a probe key must not sign one observation that
    // keeps voting for years after the probe stopped.
    let lifetime = o.expires_at - o.issued_at;
    if lifetime > time::Duration::seconds(i64::from(o.interval_seconds * VALID_FOR_INTERVALS)) {
        return Err(format!(
            "it stays current for {} s, longer than {VALID_FOR_INTERVALS} intervals of {} s",
            lifetime.whole_seconds(),
            o.interval_seconds
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    for s in &o.services {
        if !is_valid_id(&s.service) || !seen.insert(s.service.as_str()) {
            return Err(format!(
                "service `{}` is invalid or listed twice",
                s.service
            ));
        }
        validate_service(s).map_err(|m| format!("service `{}`: {m}", s.service))?;
        if s.since > o.issued_at {
            return Err(format!(
                "service `{}`: its judgement is dated after the observation",
                s.service
            ));
        }
    }
    Ok(())
}

fn validate_service(s: &ServiceObservation) -> Result<(), &'static str> {
    if s.failed > s.attempted {
        return Err("more checks failed than were attempted");
    }
    if s.state == ProbeState::Failing && s.failed == 0 {
        return Err("failing with no failed check");
    }
    if s.last_error.is_some() != (s.failed > 0) {
        return Err("a last error exactly when some check failed");
    }
    match (s.latency_p50_ms, s.latency_p95_ms) {
        (Some(p50), Some(p95)) if p50 <= p95 && s.attempted > 0 => Ok(()),
        (None, None) => Ok(()),
        _ => Err("latency percentiles must come together, in order, from attempted checks"),
    }
}

impl FromJson for Observation {
    fn from_json(v: &Value<'_>) -> Result<Self, Problem> {
        v.object(|f| {
            Ok(Observation {
                feed: f.text("feed")?,
                region: f.text("region")?,
                seq: f.required("seq")?.u64()?,
                issued_at: f.required("issued_at")?.time()?,
                expires_at: f.required("expires_at")?.time()?,
                interval_seconds: f.required("interval_seconds")?.u32()?,
                window_seconds: f.required("window_seconds")?.u32()?,
                services: f
                    .required("services")?
                    .list(ServiceObservation::from_json)?,
            })
        })
    }
}

impl FromJson for ServiceObservation {
    fn from_json(v: &Value<'_>) -> Result<Self, Problem> {
        v.object(|f| {
            let state = f.required("state")?;
            Ok(ServiceObservation {
                service: f.text("service")?,
                state: [ProbeState::Passing, ProbeState::Failing][state
                    .one_of(&[ProbeState::Passing.as_str(), ProbeState::Failing.as_str()])?],
                since: f.required("since")?.time()?,
                attempted: f.required("attempted")?.u32()?,
                failed: f.required("failed")?.u32()?,
                latency_p50_ms: f.optional("latency_p50_ms").map(Value::u32).transpose()?,
                latency_p95_ms: f.optional("latency_p95_ms").map(Value::u32).transpose()?,
                last_error: f
                    .optional("last_error")
                    .map(|v| {
                        Ok::<_, Problem>(
                            ErrorClass::ALL[v.one_of(&ErrorClass::ALL.map(ErrorClass::as_str))?],
                        )
                    })
                    .transpose()?,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;
    use time::Duration;

    const T0: OffsetDateTime = datetime!(2022-10-15 06:00 UTC);

    fn ok(ms: u32) -> CheckResult {
        CheckResult {
            latency_ms: ms,
            error: None,
        }
    }

    fn bad(error: ErrorClass) -> CheckResult {
        CheckResult {
            latency_ms: 5000,
            error: Some(error),
        }
    }

    /// Rounds 30 s apart from T0, each a list of checks.
    fn rounds(checks: &[&[CheckResult]]) -> Vec<Round> {
        checks
            .iter()
            .enumerate()
            .map(|(i, c)| Round {
                at: T0 + Duration::seconds(30 * i as i64),
                checks: c.to_vec(),
            })
            .collect()
    }

    #[test]
    fn nearest_rank_percentiles() {
        assert_eq!(percentile(&[], 50), None);
        assert_eq!(percentile(&[7], 50), Some(7));
        assert_eq!(percentile(&[7], 95), Some(7));
        let hundred: Vec<u32> = (1..=100).collect();
        assert_eq!(percentile(&hundred, 50), Some(50));
        assert_eq!(percentile(&hundred, 95), Some(95));
        assert_eq!(percentile(&[1, 2, 3, 4], 50), Some(2));
        assert_eq!(percentile(&[1, 2, 3, 4], 95), Some(4));
    }

    #[test]
    fn a_failed_newest_round_fails_the_service_at_once() {
        let r = rounds(&[&[ok(10)], &[ok(10)], &[ok(10)], &[bad(ErrorClass::Refused)]]);
        assert_eq!(judge(&r), Some(ProbeState::Failing));
        let s = summarize("talk", &r, Some((ProbeState::Passing, T0))).unwrap();
        assert_eq!(
            s.since, r[3].at,
            "the judgement changed with the newest round"
        );
        assert_eq!((s.attempted, s.failed), (4, 1));
        assert_eq!(s.last_error, Some(ErrorClass::Refused));
        assert_eq!((s.latency_p50_ms, s.latency_p95_ms), (Some(10), Some(10)));
    }

    #[test]
    fn one_failed_check_of_several_fails_the_round() {
        let r = rounds(&[&[ok(10), bad(ErrorClass::Dns)]]);
        assert_eq!(judge(&r), Some(ProbeState::Failing));
    }

    #[test]
    fn a_repaired_service_passes_only_once_most_of_the_window_passed() {
        let b = [bad(ErrorClass::Timeout)];
        let mut checks: Vec<&[CheckResult]> = vec![&b; 4];
        let good = [ok(10)];
        checks.extend([&good[..]; 3]);
        assert_eq!(
            judge(&rounds(&checks)),
            Some(ProbeState::Failing),
            "3 of 7 passed"
        );
        checks.push(&good);
        assert_eq!(
            judge(&rounds(&checks)),
            Some(ProbeState::Failing),
            "a tie stays failing"
        );
        checks.push(&good);
        assert_eq!(
            judge(&rounds(&checks)),
            Some(ProbeState::Passing),
            "5 of 9 passed"
        );
    }

    #[test]
    fn a_flapping_service_stays_failing_and_keeps_its_since() {
        let b = [bad(ErrorClass::HttpStatus)];
        let g = [ok(10)];
        let mut previous = None;
        let mut sinces = Vec::new();
        let mut window: Vec<&[CheckResult]> = Vec::new();
        for i in 0..10 {
            window.push(if i % 2 == 0 { &b } else { &g });
            let s = summarize("talk", &rounds(&window), previous).unwrap();
            assert_eq!(s.state, ProbeState::Failing, "round {i}");
            previous = Some((s.state, s.since));
            sinces.push(s.since);
        }
        assert!(sinces.iter().all(|s| *s == T0), "{sinces:?}");
    }

    #[test]
    fn latency_counts_only_answers() {
        let r = rounds(&[
            &[ok(10), bad(ErrorClass::Timeout)],
            &[CheckResult {
                latency_ms: 900,
                error: Some(ErrorClass::Slow),
            }],
            &[CheckResult {
                latency_ms: 30,
                error: Some(ErrorClass::HttpStatus),
            }],
        ]);
        let s = summarize("talk", &r, None).unwrap();
        assert_eq!((s.latency_p50_ms, s.latency_p95_ms), (Some(30), Some(900)));
        assert_eq!(s.last_error, Some(ErrorClass::HttpStatus));
        assert_eq!(
            s.since, T0,
            "a first judgement dates from the window's start"
        );
        let none = summarize("talk", &rounds(&[&[bad(ErrorClass::Refused)]]), None).unwrap();
        assert_eq!((none.latency_p50_ms, none.latency_p95_ms), (None, None));
        assert_eq!(summarize("talk", &[], None), None);
    }

    fn observation() -> Observation {
        let r = rounds(&[&[ok(12), ok(14)], &[bad(ErrorClass::Refused), ok(3)]]);
        Observation {
            feed: "kakao".into(),
            region: "seoul".into(),
            seq: 3,
            issued_at: T0 + Duration::minutes(1),
            expires_at: T0 + Duration::minutes(3),
            interval_seconds: 60,
            window_seconds: 300,
            services: vec![
                summarize("talk", &r, None).unwrap(),
                summarize("pay", &r[..1], None).unwrap(),
            ],
        }
    }

    #[test]
    fn text_round_trips_and_is_valid() {
        let o = observation();
        assert_eq!(validate_observation(&o), Ok(()));
        let text = encode_text(&o);
        assert!(text.starts_with("bongsu-probe-observation/v1\n{\"feed\":\"kakao\""));
        assert_eq!(decode_text(text.as_bytes()), Ok(o));
    }

    #[test]
    fn other_notes_are_not_observations() {
        for text in [
            "bongsu-status-feed/v1\n{}\n",
            "bongsu-probe-observation/v1\n",
            "bongsu-probe-observation/v1\n{}\n{}\n",
        ] {
            assert!(
                matches!(decode_text(text.as_bytes()), Err(ObservationError::Wire(_))),
                "{text:?}"
            );
        }
    }

    #[test]
    fn inconsistent_observations_are_refused() {
        type Edit = fn(&mut Observation);
        let edits: [(&str, Edit); 10] = [
            ("region", |o| o.region = "Seoul Mirror".into()),
            ("expiry", |o| o.expires_at = o.issued_at),
            ("interval", |o| o.interval_seconds = 0),
            ("interval too long", |o| {
                o.interval_seconds = MAX_INTERVAL_SECONDS + 1;
                o.window_seconds = MAX_INTERVAL_SECONDS + 1;
            }),
            ("lifetime", |o| {
                o.expires_at = o.issued_at + Duration::days(3650)
            }),
            ("window", |o| o.window_seconds = 10),
            ("twice", |o| o.services.push(o.services[0].clone())),
            ("counts", |o| o.services[0].failed = 9),
            ("failing without failures", |o| {
                o.services[1].state = ProbeState::Failing
            }),
            ("latency order", |o| o.services[0].latency_p50_ms = Some(99)),
        ];
        for (what, edit) in edits {
            let mut o = observation();
            edit(&mut o);
            assert!(validate_observation(&o).is_err(), "{what}");
        }
        let mut o = observation();
        o.services[0].since = o.issued_at + Duration::seconds(1);
        assert!(validate_observation(&o).is_err(), "since in the future");
        let mut o = observation();
        o.services[0].last_error = None;
        assert!(
            validate_observation(&o).is_err(),
            "failures without a class"
        );
    }

    #[test]
    fn current_until_expiry_plus_skew() {
        let o = observation();
        assert!(is_current(&o, o.expires_at + crate::MAX_CLOCK_SKEW));
        assert!(!is_current(
            &o,
            o.expires_at + crate::MAX_CLOCK_SKEW + Duration::seconds(1)
        ));
    }
}
