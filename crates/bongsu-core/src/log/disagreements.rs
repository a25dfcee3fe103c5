//! Which disagreements between the probes and the declared status go into
//! the history log, and when they are over.
//!
//! The page shows a disagreement once it has lasted the grace period
//! ([`crate::probe::consensus::Disagreement::is_due`]); the signer logs it by the
//! same rule, once, and logs its end when the two sides no longer disagree.
//! What the log already holds open comes from the log itself, so signing is
//! a pure function of the log, the declaration and the observations, and
//! running it twice logs nothing new.

use time::{Duration, OffsetDateTime};

use crate::feed::model::{Incident, Service};
use crate::log::event::{Event, LogEvent};
use crate::log::history::History;
use crate::probe::consensus::{consensus, declared_since, disagreement_about, Verdict};
use crate::probe::observation::Observation;

/// The events that bring the log's record of disagreements up to date at
/// `now`, for the declared `services` and `incidents` (what the feed being
/// signed says) and the verified `observations` of every region; `probing`
/// is how many regions the key set lets probe (a disagreement takes a
/// majority of them, [`disagreement`]).
///
/// - A disagreement that has lasted `grace` and is not open in the log is
///   logged (`probes_disagreed`).
/// - An open one ends when the two sides no longer disagree that way, or
///   the service leaves the catalogue (`disagreement_ended`); a disagreement
///   of the other kind then starts its own grace period.
/// - A service no current region checks changes nothing: no data is not
///   agreement, so an open disagreement stays open until the probes speak.
pub fn disagreement_events(
    history: &History,
    services: &[Service],
    incidents: &[Incident],
    observations: &[Observation],
    probing: usize,
    now: OffsetDateTime,
    grace: Duration,
) -> Vec<LogEvent> {
    // Log times are whole seconds, as the signer writes every other time.
    let at = now.replace_nanosecond(0).unwrap_or(now);
    let mut events = Vec::new();
    let mut log = |event| events.push(LogEvent { at, event });
    for service in services {
        let c = consensus(&service.id, observations, now);
        if c.verdict == Verdict::NoData {
            continue;
        }
        // The log knows when the declaration last changed even without an
        // incident saying so.
        let declared =
            declared_since(incidents, &service.id).max(history.status_changed_at(&service.id));
        let seen = disagreement_about(services, service, &c, declared, probing);
        let open = history.open_disagreement(&service.id).map(|d| d.kind);
        if open.is_some() && open != seen.map(|d| d.kind) {
            log(Event::DisagreementEnded {
                service: service.id.clone(),
            });
        }
        match seen {
            Some(d) if open != Some(d.kind) && d.is_due(now, grace) => {
                log(Event::ProbesDisagreed {
                    service: service.id.clone(),
                    disagreement: d.kind,
                    since: d.since.replace_nanosecond(0).unwrap_or(d.since),
                    failing: c.failing.clone(),
                    passing: c.passing.clone(),
                })
            }
            _ => {}
        }
    }
    // Open about a service the declaration no longer lists.
    for open in history
        .disagreements
        .iter()
        .filter(|d| d.ended_at.is_none())
    {
        if !services.iter().any(|s| s.id == open.service) {
            log(Event::DisagreementEnded {
                service: open.service.clone(),
            });
        }
    }
    events
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::model::{Component, IncidentState, IncidentUpdate, Status};
    use crate::log::event::ComponentName;
    use crate::probe::consensus::DisagreementKind;
    use crate::probe::observation::{ErrorClass, ProbeState, ServiceObservation};
    use proptest::prelude::*;
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2026-12-01 06:00 UTC);
    const GRACE: Duration = Duration::minutes(5);
    const REGIONS: [&str; 3] = ["busan", "seoul", "tokyo"];

    fn talk(status: Status) -> Vec<Service> {
        vec![Service {
            id: "talk".into(),
            name: "KakaoTalk".into(),
            components: vec![Component {
                depends_on: Vec::new(),
                id: "msg".into(),
                name: "Messaging".into(),
                status,
            }],
        }]
    }

    /// The log: the service's listing, then `events`.
    fn log(events: &[LogEvent]) -> History {
        let listing = LogEvent {
            at: T0 - Duration::days(1),
            event: Event::ServiceListed {
                service: "talk".into(),
                name: "KakaoTalk".into(),
                components: vec![ComponentName {
                    depends_on: Vec::new(),
                    id: "msg".into(),
                    name: "Messaging".into(),
                }],
            },
        };
        let mut all = vec![listing];
        all.extend(events.iter().cloned());
        History::from_events(&all)
    }

    /// Every region's observation at `now`: `failing` regions have found
    /// the service failing since `since`, the others passing since long ago.
    fn observed(failing: &[&str], since: OffsetDateTime, now: OffsetDateTime) -> Vec<Observation> {
        REGIONS
            .iter()
            .map(|region| {
                let bad = failing.contains(region);
                Observation {
                    feed: "kakao".into(),
                    region: (*region).into(),
                    seq: 1,
                    issued_at: now,
                    expires_at: now + Duration::minutes(1),
                    interval_seconds: 30,
                    window_seconds: 300,
                    services: vec![ServiceObservation {
                        service: "talk".into(),
                        state: if bad {
                            ProbeState::Failing
                        } else {
                            ProbeState::Passing
                        },
                        since: if bad { since } else { T0 - Duration::days(1) },
                        attempted: 10,
                        failed: if bad { 10 } else { 0 },
                        latency_p50_ms: None,
                        latency_p95_ms: None,
                        last_error: bad.then_some(ErrorClass::Refused),
                    }],
                }
            })
            .collect()
    }

    #[test]
    fn an_undeclared_outage_is_logged_once_after_the_grace_period() {
        let broke = T0;
        let services = talk(Status::Operational);
        let at = |m: i64| T0 + Duration::minutes(m);
        let early = observed(&["seoul", "busan"], broke, at(4));
        assert_eq!(
            disagreement_events(&log(&[]), &services, &[], &early, 3, at(4), GRACE),
            vec![],
            "within the grace period: the ordinary lag of a notice"
        );
        let due = observed(&["seoul", "busan"], broke, at(5));
        let events = disagreement_events(&log(&[]), &services, &[], &due, 3, at(5), GRACE);
        assert_eq!(
            events,
            vec![LogEvent {
                at: at(5),
                event: Event::ProbesDisagreed {
                    service: "talk".into(),
                    disagreement: DisagreementKind::UndeclaredOutage,
                    since: broke,
                    failing: vec!["busan".into(), "seoul".into()],
                    passing: vec!["tokyo".into()],
                },
            }]
        );
        let later = observed(&["seoul", "busan"], broke, at(9));
        assert_eq!(
            disagreement_events(&log(&events), &services, &[], &later, 3, at(9), GRACE),
            vec![],
            "already open: not logged twice"
        );
    }

    #[test]
    fn declaring_the_outage_ends_the_disagreement() {
        let due = observed(&REGIONS, T0, T0 + GRACE);
        let mut logged = disagreement_events(
            &log(&[]),
            &talk(Status::Operational),
            &[],
            &due,
            3,
            T0 + GRACE,
            GRACE,
        );
        assert!(log(&logged).open_disagreement("talk").is_some());
        let now = T0 + GRACE + Duration::minutes(1);
        let incident = Incident {
            id: "fire".into(),
            title: "Fire".into(),
            impact: Status::MajorOutage,
            components: vec!["talk/msg".into()],
            updates: vec![IncidentUpdate {
                sources: None,
                at: now,
                state: IncidentState::Investigating,
                message: "".into(),
            }],
            postmortem: None,
        };
        let events = disagreement_events(
            &log(&logged),
            &talk(Status::MajorOutage),
            &[incident],
            &observed(&REGIONS, T0, now),
            3,
            now,
            GRACE,
        );
        assert_eq!(
            events,
            vec![LogEvent {
                at: now,
                event: Event::DisagreementEnded {
                    service: "talk".into()
                }
            }]
        );
        logged.extend(events);
        let h = log(&logged);
        assert_eq!(h.disagreements.len(), 1);
        assert_eq!(h.disagreements[0].ended_at, Some(now));
        assert_eq!(h.problems, Vec::<String>::new());
    }

    #[test]
    fn an_outage_declared_but_unseen_is_logged_as_unconfirmed() {
        let now = T0 + GRACE;
        let events = disagreement_events(
            &log(&[]),
            &talk(Status::MajorOutage),
            &[],
            &observed(&[], T0, now),
            3,
            now,
            GRACE,
        );
        assert!(
            matches!(
                events.as_slice(),
                [LogEvent {
                    event: Event::ProbesDisagreed {
                        disagreement: DisagreementKind::UnconfirmedOutage,
                        ..
                    },
                    ..
                }]
            ),
            "{events:?}"
        );
    }

    #[test]
    fn probes_going_silent_leave_an_open_disagreement_open() {
        let services = talk(Status::Operational);
        let now = T0 + GRACE;
        let seen = observed(&REGIONS, T0, now);
        let h = log(&disagreement_events(
            &log(&[]),
            &services,
            &[],
            &seen,
            3,
            now,
            GRACE,
        ));
        assert!(h.open_disagreement("talk").is_some());
        // An hour on, every observation has expired, or none is left.
        let much_later = now + Duration::hours(1);
        for observations in [&seen[..], &[]] {
            assert_eq!(
                disagreement_events(&h, &services, &[], observations, 3, much_later, GRACE),
                vec![]
            );
        }
    }

    #[test]
    fn a_delisted_service_s_disagreement_ends() {
        let now = T0 + GRACE;
        let seen = observed(&REGIONS, T0, now);
        let h = log(&disagreement_events(
            &log(&[]),
            &talk(Status::Operational),
            &[],
            &seen,
            3,
            now,
            GRACE,
        ));
        let events = disagreement_events(&h, &[], &[], &seen, 3, now, GRACE);
        assert_eq!(
            events.iter().map(|e| e.event.kind()).collect::<Vec<_>>(),
            ["disagreement_ended"]
        );
    }

    #[test]
    fn a_switch_of_kind_ends_one_and_waits_out_the_grace_for_the_other() {
        // Undeclared outage logged; then the operator declares one just as
        // the service recovers: the probes now see it working.
        let now = T0 + GRACE;
        let mut logged = disagreement_events(
            &log(&[]),
            &talk(Status::Operational),
            &[],
            &observed(&REGIONS, T0, now),
            3,
            now,
            GRACE,
        );
        let recovered = now + Duration::minutes(1);
        logged.push(LogEvent {
            at: recovered,
            event: Event::ComponentStatus {
                service: "talk".into(),
                component: "msg".into(),
                status: Status::MajorOutage,
            },
        });
        let passing = observed(&[], T0, recovered);
        let declared = talk(Status::MajorOutage);
        let events =
            disagreement_events(&log(&logged), &declared, &[], &passing, 3, recovered, GRACE);
        assert_eq!(
            events.iter().map(|e| e.event.kind()).collect::<Vec<_>>(),
            ["disagreement_ended"],
            "the probes have passed for long, but the outage was only declared now"
        );
        logged.extend(events);
        let h = log(&logged);
        assert_eq!(h.problems, Vec::<String>::new());
        let later = recovered + GRACE;
        let events = disagreement_events(
            &h,
            &declared,
            &[],
            &observed(&[], T0, later),
            3,
            later,
            GRACE,
        );
        assert_eq!(
            events.iter().map(|e| e.event.kind()).collect::<Vec<_>>(),
            ["probes_disagreed"],
            "an outage declared for the grace period that no probe sees"
        );
    }

    proptest! {
        /// A probe majority that comes and goes faster than the grace
        /// period is never logged; whatever the sequence, the log never
        /// holds two open disagreements about one service, never ends one
        /// that is not open, and a second run at the same moment adds nothing.
        #[test]
        fn flapping_and_repetition(
            steps in prop::collection::vec((0usize..=3, any::<bool>(), 1i64..600), 1..40),
        ) {
            let mut logged: Vec<LogEvent> = Vec::new();
            let mut now = T0;
            let mut majority_since: Option<OffsetDateTime> = None;
            for (failing, declared_down, advance) in steps {
                now += Duration::seconds(advance);
                let down = failing * 2 > REGIONS.len();
                majority_since = match (down, majority_since) {
                    (true, Some(s)) => Some(s),
                    (true, None) => Some(now),
                    (false, _) => None,
                };
                let since = majority_since.unwrap_or(now);
                let declared = if declared_down { Status::MajorOutage } else { Status::Operational };
                let services = talk(declared);
                let obs = observed(&REGIONS[..failing], since, now);
                let events = disagreement_events(&log(&logged), &services, &[], &obs, 3, now, GRACE);
                for e in &events {
                    if let Event::ProbesDisagreed { disagreement: DisagreementKind::UndeclaredOutage, since: s, .. } = e.event {
                        prop_assert!(now - s >= GRACE, "logged before the grace period");
                        prop_assert!(now - since >= GRACE, "the majority has not lasted the grace period");
                    }
                }
                logged.extend(events);
                let h = log(&logged);
                prop_assert_eq!(&h.problems, &Vec::<String>::new());
                prop_assert!(h.disagreements.iter().filter(|d| d.ended_at.is_none()).count() <= 1);
                prop_assert_eq!(disagreement_events(&h, &services, &[], &obs, 3, now, GRACE), vec![]);
            }
        }
    }
}
