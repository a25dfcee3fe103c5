//! How down, and for how long: the time a service or component spent at
//! each level of trouble, and when it began to recover, recovered its core
//! and recovered in full. One window per service ("KakaoTalk: 127 h 30 min,
//! major outage") is what a journalist quotes as "down for 127 hours"; these
//! say that text messaging was back in part after 10 hours.

use time::{Duration, OffsetDateTime};

use crate::feed::model::Status;
use crate::log::history::{ComponentHistory, ServiceHistory};

/// Time spent at each level short of operational.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LevelTimes {
    pub major_outage: Duration,
    pub partial_outage: Duration,
    pub degraded_performance: Duration,
    pub under_maintenance: Duration,
}

impl LevelTimes {
    fn add(&mut self, status: Status, d: Duration) {
        match status {
            Status::MajorOutage => self.major_outage += d,
            Status::PartialOutage => self.partial_outage += d,
            Status::DegradedPerformance => self.degraded_performance += d,
            Status::UnderMaintenance => self.under_maintenance += d,
            Status::Operational => {}
        }
    }

    /// The worst level with any time at it (operational when none).
    pub fn worst(&self) -> Status {
        Status::worst(
            [
                Status::MajorOutage,
                Status::PartialOutage,
                Status::DegradedPerformance,
                Status::UnderMaintenance,
            ]
            .into_iter()
            .filter(|s| self.at(*s) > Duration::ZERO),
        )
    }

    /// The time at `status` (zero for operational).
    pub fn at(&self, status: Status) -> Duration {
        match status {
            Status::MajorOutage => self.major_outage,
            Status::PartialOutage => self.partial_outage,
            Status::DegradedPerformance => self.degraded_performance,
            Status::UnderMaintenance => self.under_maintenance,
            Status::Operational => Duration::ZERO,
        }
    }
}

/// A service's or component's course through a window of trouble.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovery {
    /// When it first left operational in the window.
    pub start: OffsetDateTime,
    pub levels: LevelTimes,
    /// The first moment something got better while it was still affected:
    /// a component's status improved, short of everything operational.
    pub first_partial_recovery: Option<OffsetDateTime>,
    /// When its core was operational again for good: a service's first
    /// listed component (the status file lists the core first); for a
    /// component, its full recovery.
    pub core_recovery: Option<OffsetDateTime>,
    /// When all of it was operational again for good (`None`: not yet).
    pub full_recovery: Option<OffsetDateTime>,
}

/// (instant, status) from `from` to `to`: the status in effect at `from`,
/// then every change inside the window.
fn course(
    c: &ComponentHistory,
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> Vec<(OffsetDateTime, Status)> {
    let at_start = c
        .changes
        .iter()
        .take_while(|x| x.at <= from)
        .last()
        .map_or(Status::Operational, |x| x.status);
    let mut out = vec![(from, at_start)];
    for x in c.changes.iter().filter(|x| x.at > from && x.at < to) {
        match out.last_mut() {
            Some(last) if last.0 == x.at => last.1 = x.status,
            _ => out.push((x.at, x.status)),
        }
    }
    out
}

/// When `course` was operational for good before `to`, if it was.
fn back_for_good(course: &[(OffsetDateTime, Status)]) -> Option<OffsetDateTime> {
    match course.last() {
        Some((at, Status::Operational)) if course.len() > 1 => Some(*at),
        _ => None,
    }
}

/// One component over `[from, to)`; `None` if it was operational throughout.
pub fn component_recovery(
    c: &ComponentHistory,
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> Option<Recovery> {
    let course = course(c, from, to);
    let start = course.iter().find(|(_, s)| *s != Status::Operational)?.0;
    let mut levels = LevelTimes::default();
    for (i, (at, status)) in course.iter().enumerate() {
        let end = course.get(i + 1).map_or(to, |n| n.0);
        levels.add(*status, end - *at);
    }
    let first_partial_recovery = course
        .windows(2)
        .find(|w| w[1].0 > start && w[1].1.rank() < w[0].1.rank() && w[1].1 != Status::Operational)
        .map(|w| w[1].0);
    let full = back_for_good(&course);
    Some(Recovery {
        start,
        levels,
        first_partial_recovery,
        core_recovery: full,
        full_recovery: full,
    })
}

/// A service over `[from, to)`: its levels are its worst component's at
/// each moment; `None` if it was operational throughout.
pub fn service_recovery(
    s: &ServiceHistory,
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> Option<Recovery> {
    let spans = s.spans(from, to);
    let start = spans
        .iter()
        .find(|x| x.status != Status::Operational)?
        .start;
    let mut levels = LevelTimes::default();
    for x in &spans {
        levels.add(x.status, x.end - x.start);
    }
    let full_recovery = match spans.last() {
        Some(last) if last.status == Status::Operational && last.start > start => Some(last.start),
        _ => None,
    };
    let first_partial_recovery = s
        .components
        .iter()
        .flat_map(|c| {
            course(c, from, to)
                .windows(2)
                .filter(|w| w[1].1.rank() < w[0].1.rank())
                .map(|w| w[1].0)
                .collect::<Vec<_>>()
        })
        .filter(|t| *t > start && full_recovery.is_none_or(|f| *t < f))
        .min();
    let core_recovery = s
        .components
        .first()
        .and_then(|core| back_for_good(&course(core, from, to)));
    Some(Recovery {
        start,
        levels,
        first_partial_recovery,
        core_recovery,
        full_recovery,
    })
}

/// One service's course through an incident, and each of its components'.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceCourse<'h> {
    pub impact: crate::log::history::ServiceImpact,
    pub service: &'h ServiceHistory,
    pub whole: Recovery,
    /// Components that were affected in the window, in listing order.
    pub components: Vec<(&'h ComponentHistory, Recovery)>,
}

/// Every affected service's course through `record`'s impact window, in
/// the order [`History::service_impacts`] gives: what the incident page,
/// the JSON export and the per-service CSV all show.
///
/// [`History::service_impacts`]: crate::log::history::History::service_impacts
pub fn incident_courses<'h>(
    history: &'h crate::log::history::History,
    record: &crate::log::history::IncidentRecord,
    now: OffsetDateTime,
) -> Vec<ServiceCourse<'h>> {
    history
        .service_impacts(record, now)
        .into_iter()
        .filter_map(|impact| {
            let service = history.service(&impact.service)?;
            // Just past the end, so that the recovery itself is inside the window.
            let to = impact.end.map_or(now, |end| end + Duration::SECOND);
            let whole = service_recovery(service, impact.start, to)?;
            let components = service
                .components
                .iter()
                .filter_map(|c| Some((c, component_recovery(c, impact.start, to)?)))
                .collect();
            Some(ServiceCourse {
                impact,
                service,
                whole,
                components,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::history::StatusChange;
    use time::macros::datetime;

    fn component(id: &str, changes: &[(OffsetDateTime, Status)]) -> ComponentHistory {
        ComponentHistory {
            dependencies: Vec::new(),
            id: id.into(),
            name: id.into(),
            changes: changes
                .iter()
                .enumerate()
                .map(|(i, (at, status))| StatusChange {
                    at: *at,
                    status: *status,
                    entry: i as u64,
                })
                .collect(),
        }
    }

    const T0: OffsetDateTime = datetime!(2022-10-15 00:00 +09:00);

    fn h(hours: i64) -> OffsetDateTime {
        T0 + Duration::hours(hours)
    }

    #[test]
    fn a_component_still_down_has_no_recovery_and_counts_to_the_end() {
        use Status::*;
        let c = component(
            "a",
            &[
                (T0, Operational),
                (h(1), MajorOutage),
                (h(3), PartialOutage),
            ],
        );
        let r = component_recovery(&c, T0, h(10)).unwrap();
        assert_eq!(r.start, h(1));
        assert_eq!(r.levels.major_outage, Duration::hours(2));
        assert_eq!(r.levels.partial_outage, Duration::hours(7));
        assert_eq!(r.first_partial_recovery, Some(h(3)));
        assert_eq!((r.core_recovery, r.full_recovery), (None, None));
        assert_eq!(
            component_recovery(&component("b", &[(T0, Operational)]), T0, h(10)),
            None
        );
    }

    #[test]
    fn a_service_recovers_its_core_before_the_rest() {
        use Status::*;
        let s = ServiceHistory {
            id: "talk".into(),
            name: "Talk".into(),
            listed_at: T0,
            delisted_at: None,
            components: vec![
                component(
                    "core",
                    &[(T0, Operational), (h(1), MajorOutage), (h(4), Operational)],
                ),
                component(
                    "extra",
                    &[
                        (T0, Operational),
                        (h(1), MajorOutage),
                        (h(2), DegradedPerformance),
                        (h(8), Operational),
                    ],
                ),
            ],
        };
        let r = service_recovery(&s, T0, h(10)).unwrap();
        assert_eq!(r.start, h(1));
        assert_eq!(r.first_partial_recovery, Some(h(2)), "extra improved first");
        assert_eq!(r.core_recovery, Some(h(4)));
        assert_eq!(r.full_recovery, Some(h(8)));
        // The service's level is its worst component's.
        assert_eq!(r.levels.major_outage, Duration::hours(3));
        assert_eq!(r.levels.degraded_performance, Duration::hours(4));
    }
}
