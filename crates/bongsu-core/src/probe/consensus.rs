//! Many regions' probes → one judgement per service, and whether it
//! disagrees with what the operator declared.
//!
//! Only verified, current observations count, each region once (its newest
//! observation), so a region cannot weigh twice by being served from two
//! mirrors, and a stale region neither props up nor drags down the verdict.

use std::collections::BTreeMap;

use time::{Duration, OffsetDateTime};

use crate::feed::model::{Incident, IncidentState, Service, Status};
use crate::probe::observation::{
    is_current, ErrorClass, Observation, ProbeState, ServiceObservation,
};
use crate::text::json::{FromJson, Problem, Value};

/// What the regions that checked a service say, together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verdict {
    /// No current region checks this service.
    NoData,
    /// Every region that checks it finds it passing.
    Up,
    /// Some regions find it failing, but not a majority (ties included):
    /// a regional problem, or a probe's own network.
    Partial,
    /// A strict majority of the regions that check it find it failing.
    Down,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consensus {
    pub verdict: Verdict,
    /// The regions that find the service failing, and passing, by id.
    pub failing: Vec<String>,
    pub passing: Vec<String>,
    /// When the verdict began, as far as the regions' own judgements tell:
    /// for `Down`, when the last region needed for a majority began
    /// failing; for `Up`, when the last region began passing; for
    /// `Partial`, when the first failing region began failing.
    pub since: Option<OffsetDateTime>,
    /// Whether every failing region's newest failure was a slow answer:
    /// the service works, slowly (degraded performance, not an outage).
    pub slow_only: bool,
}

impl Consensus {
    /// How many regions count: "failing from `failing.len()` of `regions()`".
    pub fn regions(&self) -> usize {
        self.failing.len() + self.passing.len()
    }
}

/// The newest current observation of each region, at `now`. Two
/// observations with one region and one `seq` (a probe that equivocates)
/// resolve the same way whatever order they arrive in.
pub fn counted<'a>(
    observations: impl IntoIterator<Item = &'a Observation>,
    now: OffsetDateTime,
) -> Vec<&'a Observation> {
    let mut newest: BTreeMap<&str, &Observation> = BTreeMap::new();
    for o in observations.into_iter().filter(|o| is_current(o, now)) {
        let keep = newest
            .get(o.region.as_str())
            .is_none_or(|kept| order_key(o) > order_key(kept));
        if keep {
            newest.insert(&o.region, o);
        }
    }
    newest.into_values().collect()
}

/// Newest first by `seq`, then a fixed preference among equals: failing
/// judgements over passing ones (the cautious reading), then any fixed order.
fn order_key(o: &Observation) -> (u64, usize, &Observation) {
    let failing = o
        .services
        .iter()
        .filter(|s| s.state == ProbeState::Failing)
        .count();
    (o.seq, failing, o)
}

/// The consensus on `service` from the current observations at `now`.
pub fn consensus(service: &str, observations: &[Observation], now: OffsetDateTime) -> Consensus {
    let mut failing: Vec<(&str, OffsetDateTime)> = Vec::new();
    let mut passing: Vec<(&str, OffsetDateTime)> = Vec::new();
    let mut slow_only = true;
    for o in counted(observations, now) {
        if let Some(s) = find(o, service) {
            let side = match s.state {
                ProbeState::Failing => {
                    slow_only &= s.last_error == Some(ErrorClass::Slow);
                    &mut failing
                }
                ProbeState::Passing => &mut passing,
            };
            side.push((&o.region, s.since));
        }
    }
    let slow_only = slow_only && !failing.is_empty();
    let n = failing.len() + passing.len();
    let verdict = match failing.len() {
        _ if n == 0 => Verdict::NoData,
        0 => Verdict::Up,
        f if f * 2 > n => Verdict::Down,
        _ => Verdict::Partial,
    };
    let mut failing_since: Vec<OffsetDateTime> = failing.iter().map(|(_, t)| *t).collect();
    // The one shared sort (text/sort.rs), not another monomorphic copy.
    crate::text::sort::sort_by_key(&mut failing_since, |t| *t);
    let since = match verdict {
        Verdict::NoData => None,
        Verdict::Up => passing.iter().map(|(_, t)| *t).max(),
        Verdict::Partial => failing_since.first().copied(),
        Verdict::Down => failing_since.get(n / 2).copied(),
    };
    let ids =
        |side: Vec<(&str, OffsetDateTime)>| side.into_iter().map(|(r, _)| r.to_owned()).collect();
    Consensus {
        verdict,
        failing: ids(failing),
        passing: ids(passing),
        since,
        slow_only,
    }
}

fn find<'a>(o: &'a Observation, service: &str) -> Option<&'a ServiceObservation> {
    o.services.iter().find(|s| s.service == service)
}

/// How the probes and the operator disagree about a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisagreementKind {
    /// A majority of regions find the service failing, and the operator
    /// declares it operational or merely degraded.
    UndeclaredOutage,
    /// The operator declares an outage that every region's probe finds passing.
    UnconfirmedOutage,
}

impl DisagreementKind {
    pub const ALL: [DisagreementKind; 2] = [
        DisagreementKind::UndeclaredOutage,
        DisagreementKind::UnconfirmedOutage,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DisagreementKind::UndeclaredOutage => "undeclared_outage",
            DisagreementKind::UnconfirmedOutage => "unconfirmed_outage",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Disagreement {
    pub kind: DisagreementKind,
    /// Since when both sides have said what they say now.
    pub since: OffsetDateTime,
}

impl Disagreement {
    /// Whether it has lasted at least `grace` at `now`: shorter
    /// disagreements are the ordinary lag between an outage and its notice.
    pub fn is_due(&self, now: OffsetDateTime, grace: Duration) -> bool {
        now - self.since >= grace
    }
}

/// Whether `declared` (the service's status in the operator's feed) and
/// the probes' `consensus` disagree. `declared_since` is when the declared
/// status began, if the caller knows; without it the probes' side dates
/// the disagreement. Planned maintenance never disagrees: the operator
/// has said the service may be down.
///
/// `probing` is how many regions the key set lets probe. Only a majority
/// of them can disagree with the operator: when the others are stale or
/// silent, the regions left (one compromised probe key, say) speak for
/// themselves on the measured line, but not for the page.
pub fn disagreement(
    declared: Status,
    consensus: &Consensus,
    declared_since: Option<OffsetDateTime>,
    probing: usize,
) -> Option<Disagreement> {
    if consensus.regions() * 2 <= probing {
        return None;
    }
    let probes_since = consensus.since?;
    let (kind, since) = match (declared, consensus.verdict) {
        // Slow answers are what "degraded performance" declares.
        (Status::DegradedPerformance, Verdict::Down) if consensus.slow_only => return None,
        (Status::Operational | Status::DegradedPerformance, Verdict::Down) => (
            DisagreementKind::UndeclaredOutage,
            declared_since.map_or(probes_since, |d| d.max(probes_since)),
        ),
        (Status::PartialOutage | Status::MajorOutage, Verdict::Up) => (
            DisagreementKind::UnconfirmedOutage,
            declared_since.map_or(probes_since, |d| d.max(probes_since)),
        ),
        _ => return None,
    };
    Some(Disagreement { kind, since })
}

/// [`disagreement`] about one service of a feed, with dependencies taken
/// into account: a service declared down only through a dependency that is
/// itself declared down (Kakao Pay, because Kakao login is down) is not
/// contradicted by probes that find its own endpoints answering.
pub fn disagreement_about(
    services: &[Service],
    service: &Service,
    consensus: &Consensus,
    declared_since: Option<OffsetDateTime>,
    probing: usize,
) -> Option<Disagreement> {
    let d = disagreement(service.status(), consensus, declared_since, probing)?;
    let confirmable = crate::feed::confirmable_status(services, service);
    let explained = d.kind == DisagreementKind::UnconfirmedOutage
        && !matches!(confirmable, Status::PartialOutage | Status::MajorOutage);
    (!explained).then_some(d)
}

/// A service whose declared status the probes have disputed for at least
/// the grace period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dispute<'f> {
    pub service: &'f Service,
    pub disagreement: Disagreement,
    pub consensus: Consensus,
}

/// Every service of `feed` the probes dispute at `now`, for at least
/// `grace`, in feed order: the rule the status page's notices and headline
/// and the partner widget's headline all follow. Only current observations
/// count; the declaration is dated by the feed's incidents; dependencies
/// are taken into account ([`disagreement_about`]); `probing` is how many
/// regions the key set lets probe (a majority of them must have answered).
pub fn disputes<'f>(
    feed: &'f crate::feed::model::Feed,
    observations: &[Observation],
    now: OffsetDateTime,
    grace: Duration,
    probing: usize,
) -> Vec<Dispute<'f>> {
    let counted: Vec<Observation> = observations
        .iter()
        .filter(|o| crate::probe::observation::is_current(o, now))
        .cloned()
        .collect();
    feed.services
        .iter()
        .filter_map(|service| {
            let consensus = consensus(&service.id, &counted, now);
            let declared = declared_since(&feed.incidents, &service.id);
            let disagreement =
                disagreement_about(&feed.services, service, &consensus, declared, probing)
                    .filter(|d| d.is_due(now, grace))?;
            Some(Dispute {
                service,
                disagreement,
                consensus,
            })
        })
        .collect()
}

/// What a headline says while the probes dispute the declared status: the
/// kind (an outage the operator has not declared outweighs one the probes
/// do not confirm), the services of that kind in order, the fewest regions
/// that find any of them so, and the most regions counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisputedHeadline<'f> {
    pub kind: DisagreementKind,
    pub services: Vec<&'f Service>,
    pub found: usize,
    pub regions: usize,
}

pub fn disputed_headline<'f>(disputes: &[Dispute<'f>]) -> Option<DisputedHeadline<'f>> {
    let kind = [
        DisagreementKind::UndeclaredOutage,
        DisagreementKind::UnconfirmedOutage,
    ]
    .into_iter()
    .find(|k| disputes.iter().any(|d| d.disagreement.kind == *k))?;
    let of_kind: Vec<&Dispute<'f>> = disputes
        .iter()
        .filter(|d| d.disagreement.kind == kind)
        .collect();
    let found = |d: &Dispute| match kind {
        DisagreementKind::UndeclaredOutage => d.consensus.failing.len(),
        DisagreementKind::UnconfirmedOutage => d.consensus.passing.len(),
    };
    Some(DisputedHeadline {
        kind,
        services: of_kind.iter().map(|d| d.service).collect(),
        found: of_kind.iter().map(|d| found(d)).min().unwrap_or(0),
        regions: of_kind
            .iter()
            .map(|d| d.consensus.regions())
            .max()
            .unwrap_or(0),
    })
}

/// When the operator's declaration about `service` began, as far as the
/// feed's `incidents` tell: the first update of the earliest unresolved
/// incident naming it (when the outage was declared), else the last update
/// of the newest resolved one (when it was called over). None without such
/// incidents.
pub fn declared_since(incidents: &[Incident], service: &str) -> Option<OffsetDateTime> {
    let prefix = format!("{service}/");
    let naming = || {
        incidents
            .iter()
            .filter(|i| i.components.iter().any(|c| c.starts_with(&prefix)))
    };
    let open = naming()
        .filter(|i| i.state() != Some(IncidentState::Resolved))
        .filter_map(|i| i.updates.first().map(|u| u.at))
        .min();
    open.or_else(|| {
        naming()
            .filter_map(|i| i.updates.last().map(|u| u.at))
            .max()
    })
}

impl FromJson for DisagreementKind {
    fn from_json(v: &Value<'_>) -> Result<Self, Problem> {
        let all = DisagreementKind::ALL;
        Ok(all[v.one_of(&all.map(DisagreementKind::as_str))?])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2022-10-15 06:40 UTC);

    fn service(state: ProbeState, since_min: i64) -> ServiceObservation {
        let failing = state == ProbeState::Failing;
        ServiceObservation {
            service: "talk".into(),
            state,
            since: NOW - Duration::minutes(since_min),
            attempted: 10,
            failed: if failing { 10 } else { 0 },
            latency_p50_ms: None,
            latency_p95_ms: None,
            last_error: failing.then_some(crate::probe::observation::ErrorClass::Refused),
        }
    }

    fn obs(region: &str, seq: u64, services: Vec<ServiceObservation>) -> Observation {
        Observation {
            feed: "kakao".into(),
            region: region.into(),
            seq,
            issued_at: NOW - Duration::minutes(1),
            expires_at: NOW + Duration::minutes(2),
            interval_seconds: 30,
            window_seconds: 300,
            services,
        }
    }

    use ProbeState::{Failing, Passing};

    fn of(states: &[(&str, ProbeState, i64)]) -> Vec<Observation> {
        states
            .iter()
            .map(|(r, s, m)| obs(r, 1, vec![service(*s, *m)]))
            .collect()
    }

    #[test]
    fn majority_failing_is_down_and_dated_when_the_majority_formed() {
        let c = consensus(
            "talk",
            &of(&[
                ("seoul", Failing, 9),
                ("busan", Failing, 5),
                ("tokyo", Failing, 2),
                ("la", Passing, 60),
            ]),
            NOW,
        );
        assert_eq!(c.verdict, Verdict::Down);
        assert_eq!((c.failing.len(), c.regions()), (3, 4));
        assert_eq!(c.since, Some(NOW - Duration::minutes(2)), "3 of 4 needed");
        let c = consensus(
            "talk",
            &of(&[
                ("seoul", Failing, 9),
                ("busan", Failing, 5),
                ("tokyo", Passing, 60),
            ]),
            NOW,
        );
        assert_eq!(
            (c.verdict, c.since),
            (Verdict::Down, Some(NOW - Duration::minutes(5)))
        );
    }

    #[test]
    fn ties_are_partial_not_down() {
        let c = consensus(
            "talk",
            &of(&[("seoul", Failing, 3), ("busan", Passing, 9)]),
            NOW,
        );
        assert_eq!(
            (c.verdict, c.since),
            (Verdict::Partial, Some(NOW - Duration::minutes(3)))
        );
        let c = consensus(
            "talk",
            &of(&[
                ("a", Failing, 3),
                ("b", Failing, 4),
                ("c", Passing, 9),
                ("d", Passing, 9),
            ]),
            NOW,
        );
        assert_eq!(c.verdict, Verdict::Partial);
    }

    #[test]
    fn all_passing_is_up_since_the_last_recovery() {
        let c = consensus(
            "talk",
            &of(&[("seoul", Passing, 30), ("busan", Passing, 4)]),
            NOW,
        );
        assert_eq!(
            (c.verdict, c.since),
            (Verdict::Up, Some(NOW - Duration::minutes(4)))
        );
    }

    #[test]
    fn missing_and_stale_regions_do_not_count() {
        let mut all = of(&[("seoul", Failing, 3)]);
        // Busan does not check this service at all.
        all.push(obs("busan", 1, vec![]));
        // Tokyo's probe stopped publishing an hour ago.
        let mut stale = obs("tokyo", 1, vec![service(Passing, 90)]);
        stale.expires_at = NOW - Duration::hours(1);
        all.push(stale);
        let c = consensus("talk", &all, NOW);
        assert_eq!((c.verdict, c.regions()), (Verdict::Down, 1));
        assert_eq!(c.failing, ["seoul"]);
        assert_eq!(consensus("pay", &all, NOW).verdict, Verdict::NoData);
        assert_eq!(consensus("talk", &[], NOW).since, None);
    }

    #[test]
    fn a_region_counts_once_with_its_newest_observation() {
        let all = vec![
            obs("seoul", 5, vec![service(Passing, 1)]),
            obs("seoul", 4, vec![service(Failing, 3)]),
            obs("seoul", 4, vec![service(Failing, 3)]),
            obs("busan", 2, vec![service(Passing, 1)]),
        ];
        let c = consensus("talk", &all, NOW);
        assert_eq!((c.verdict, c.regions()), (Verdict::Up, 2));
    }

    fn declared(id: &str, status: Status, deps: &[&str]) -> Service {
        Service {
            id: id.into(),
            name: id.into(),
            components: vec![crate::feed::model::Component {
                id: "main".into(),
                name: "Main".into(),
                status,
                depends_on: deps.iter().map(|d| (*d).to_owned()).collect(),
            }],
        }
    }

    fn feed_of(services: Vec<Service>) -> crate::feed::model::Feed {
        crate::feed::model::Feed {
            feed: "kakao".into(),
            seq: 1,
            issued_at: NOW - Duration::hours(1),
            expires_at: NOW + Duration::hours(1),
            log: None,
            services,
            incidents: vec![],
            maintenances: vec![],
        }
    }

    #[test]
    fn disputes_past_the_grace_period_make_one_headline() {
        // "talk" is declared up and found failing by both regions for 4 min.
        let observations = of(&[("seoul", Failing, 6), ("busan", Failing, 4)]);
        let feed = feed_of(vec![declared("talk", Status::Operational, &[])]);
        let grace = Duration::minutes(3);
        let found = disputes(&feed, &observations, NOW, grace, 2);
        assert_eq!(found.len(), 1);
        let headline = disputed_headline(&found).unwrap();
        assert_eq!(headline.kind, DisagreementKind::UndeclaredOutage);
        assert_eq!((headline.found, headline.regions), (2, 2));
        assert_eq!(headline.services[0].id, "talk");
        // Within the grace period it is the ordinary lag: nothing yet.
        assert!(disputes(&feed, &observations, NOW, Duration::minutes(5), 2).is_empty());
        // Three probing regions, two counted: still a majority.
        assert_eq!(disputes(&feed, &observations, NOW, grace, 3).len(), 1);
        assert!(disputes(&feed, &observations, NOW, grace, 4).is_empty());
        assert_eq!(disputed_headline(&[]), None);
    }

    #[test]
    fn a_service_down_through_its_dependency_is_not_disputed_by_probes_finding_it_up() {
        // Kakao Pay is declared down because login is; its own endpoints answer.
        let up = of(&[("seoul", Passing, 60), ("busan", Passing, 50)]);
        let mut pay = declared("talk", Status::PartialOutage, &["account/main"]);
        let account = declared("account", Status::MajorOutage, &[]);
        let feed = feed_of(vec![account.clone(), pay.clone()]);
        let grace = Duration::minutes(1);
        assert!(disputes(&feed, &up, NOW, grace, 2).is_empty());
        // Without the dependency the same probes dispute it.
        pay.components[0].depends_on.clear();
        let feed = feed_of(vec![account, pay]);
        let found = disputes(&feed, &up, NOW, grace, 2);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].disagreement.kind,
            DisagreementKind::UnconfirmedOutage
        );
    }

    #[test]
    fn disagreements() {
        let down = consensus(
            "talk",
            &of(&[("seoul", Failing, 6), ("busan", Failing, 4)]),
            NOW,
        );
        let up = consensus(
            "talk",
            &of(&[("seoul", Passing, 60), ("busan", Passing, 50)]),
            NOW,
        );
        let partial = consensus(
            "talk",
            &of(&[("seoul", Failing, 6), ("busan", Passing, 50)]),
            NOW,
        );
        let d = disagreement(Status::Operational, &down, None, 0).unwrap();
        assert_eq!(
            (d.kind, d.since),
            (
                DisagreementKind::UndeclaredOutage,
                NOW - Duration::minutes(4)
            )
        );
        assert!(d.is_due(NOW, Duration::minutes(4)));
        assert!(!d.is_due(NOW, Duration::minutes(5)));
        assert_eq!(
            disagreement(Status::DegradedPerformance, &down, None, 0).map(|d| d.kind),
            Some(DisagreementKind::UndeclaredOutage)
        );
        for declared in [
            Status::PartialOutage,
            Status::MajorOutage,
            Status::UnderMaintenance,
        ] {
            assert_eq!(disagreement(declared, &down, None, 0), None, "{declared:?}");
        }
        // A declaration dates the disagreement when it is the later side.
        let declared_at = NOW - Duration::minutes(2);
        let d = disagreement(Status::MajorOutage, &up, Some(declared_at), 0).unwrap();
        assert_eq!(
            (d.kind, d.since),
            (DisagreementKind::UnconfirmedOutage, declared_at)
        );
        for c in [&partial, &consensus("talk", &[], NOW)] {
            for declared in Status::ALL {
                assert_eq!(disagreement(declared, c, None, 0), None);
            }
        }
        assert_eq!(disagreement(Status::Operational, &up, None, 0), None);
    }

    #[test]
    fn only_a_majority_of_the_probing_regions_can_disagree() {
        // Three regions probe; two are stale or silent, one finds it failing.
        let lone = consensus("talk", &of(&[("seoul", Failing, 60)]), NOW);
        assert_eq!(
            lone.verdict,
            Verdict::Down,
            "the measured line says what the one region saw"
        );
        assert_eq!(disagreement(Status::Operational, &lone, None, 3), None);
        let two = consensus(
            "talk",
            &of(&[("seoul", Failing, 60), ("busan", Failing, 60)]),
            NOW,
        );
        assert!(disagreement(Status::Operational, &two, None, 3).is_some());
        assert_eq!(
            disagreement(Status::Operational, &two, None, 4),
            None,
            "2 of 4 is no majority"
        );
        let up = consensus("talk", &of(&[("seoul", Passing, 60)]), NOW);
        assert_eq!(disagreement(Status::MajorOutage, &up, None, 2), None);
        assert!(disagreement(Status::MajorOutage, &up, None, 1).is_some());
    }

    #[test]
    fn slow_answers_agree_with_degraded_performance_only() {
        let slow = |region: &str, error| {
            let mut s = service(Failing, 5);
            s.last_error = Some(error);
            obs(region, 1, vec![s])
        };
        let all_slow = [
            slow("seoul", ErrorClass::Slow),
            slow("busan", ErrorClass::Slow),
        ];
        let c = consensus("talk", &all_slow, NOW);
        assert!(c.slow_only);
        assert_eq!(disagreement(Status::DegradedPerformance, &c, None, 0), None);
        assert_eq!(
            disagreement(Status::Operational, &c, None, 0).map(|d| d.kind),
            Some(DisagreementKind::UndeclaredOutage),
            "slow is still not operational"
        );
        let mixed = [
            slow("seoul", ErrorClass::Slow),
            slow("busan", ErrorClass::Refused),
        ];
        let c = consensus("talk", &mixed, NOW);
        assert!(!c.slow_only);
        assert_eq!(
            disagreement(Status::DegradedPerformance, &c, None, 0).map(|d| d.kind),
            Some(DisagreementKind::UndeclaredOutage),
            "a region that cannot connect at all is more than degraded"
        );
        assert!(!consensus("talk", &of(&[("seoul", Passing, 5)]), NOW).slow_only);
    }

    #[test]
    fn a_declaration_dates_from_its_incident() {
        use crate::feed::model::{Incident, IncidentUpdate};
        let update = |m: i64, state| IncidentUpdate {
            sources: None,
            at: NOW - Duration::minutes(m),
            state,
            message: "".into(),
        };
        let incident = |id: &str, c: &str, updates| Incident {
            id: id.into(),
            title: "".into(),
            impact: Status::MajorOutage,
            components: vec![c.into()],
            updates,
            postmortem: None,
        };
        let mut incidents = vec![
            incident(
                "old",
                "talk/msg",
                vec![
                    update(90, IncidentState::Investigating),
                    update(60, IncidentState::Resolved),
                ],
            ),
            incident(
                "other",
                "talkative/msg",
                vec![update(5, IncidentState::Investigating)],
            ),
        ];
        assert_eq!(
            declared_since(&incidents, "talk"),
            Some(NOW - Duration::minutes(60)),
            "called over when the old incident was resolved; `talkative` is another service"
        );
        incidents.push(incident(
            "new",
            "talk/media",
            vec![
                update(20, IncidentState::Identified),
                update(3, IncidentState::Monitoring),
            ],
        ));
        assert_eq!(
            declared_since(&incidents, "talk"),
            Some(NOW - Duration::minutes(20)),
            "declared when the open incident was opened"
        );
        assert_eq!(declared_since(&incidents, "pay"), None);
    }

    fn arb_observations() -> impl Strategy<Value = Vec<Observation>> {
        let one = (
            prop::sample::select(vec!["seoul", "busan", "tokyo", "la", "paris"]),
            1u64..4,
            prop::option::of((any::<bool>(), 0i64..120)),
            any::<bool>(),
        )
            .prop_map(|(region, seq, talk, stale)| {
                let services = talk
                    .map(|(failing, m)| service(if failing { Failing } else { Passing }, m))
                    .into_iter()
                    .collect();
                let mut o = obs(region, seq, services);
                if stale {
                    o.expires_at = NOW - Duration::minutes(6);
                }
                o
            });
        prop::collection::vec(one, 0..12)
    }

    proptest! {
        #[test]
        fn order_and_repetition_do_not_matter(all in arb_observations(), seed in any::<u64>()) {
            let c = consensus("talk", &all, NOW);
            let mut shuffled = all.clone();
            shuffled.extend(all.iter().cloned());
            let n = shuffled.len().max(1);
            shuffled.rotate_left((seed as usize) % n);
            shuffled.reverse();
            prop_assert_eq!(consensus("talk", &shuffled, NOW), c);
        }

        #[test]
        fn every_region_counts_at_most_once(all in arb_observations()) {
            let c = consensus("talk", &all, NOW);
            let mut regions: Vec<&String> = c.failing.iter().chain(&c.passing).collect();
            let n = regions.len();
            regions.sort();
            regions.dedup();
            prop_assert_eq!(regions.len(), n);
            let current: std::collections::BTreeSet<&str> = all
                .iter()
                .filter(|o| is_current(o, NOW))
                .map(|o| o.region.as_str())
                .collect();
            prop_assert!(n <= current.len());
        }

        #[test]
        fn the_verdict_follows_the_count(all in arb_observations()) {
            let c = consensus("talk", &all, NOW);
            let (f, n) = (c.failing.len(), c.regions());
            let expected = if n == 0 { Verdict::NoData } else if f == 0 { Verdict::Up } else if 2 * f > n { Verdict::Down } else { Verdict::Partial };
            prop_assert_eq!(c.verdict, expected);
            prop_assert_eq!(c.since.is_some(), n > 0);
        }

        /// One more region finding the service failing never makes it look better.
        #[test]
        fn more_failure_never_improves_the_verdict(all in arb_observations(), m in 0i64..60) {
            let before = consensus("talk", &all, NOW);
            let mut more = all.clone();
            more.push(obs("extra", 1, vec![service(Failing, m)]));
            let after = consensus("talk", &more, NOW);
            prop_assert!(after.verdict >= before.verdict);
            prop_assert!(after.verdict != Verdict::Up);
        }
    }
}
