//! The page's overall indicator, by one rule (docs/protocol/statuspage.md):
//!
//! - each component and each unresolved incident's impact counts as
//!   `major_outage` → `critical`, `partial_outage` → `major`,
//!   `degraded_performance` → `minor`, anything else → `none`;
//! - the indicator is the worst of them;
//! - the description is Statuspage's wording for it, and for `none` says
//!   "Service Under Maintenance" while any component is under maintenance
//!   or planned work is under way.
//!
//! Maintenance never raises the indicator: Statuspage documents only
//! `none`, `minor`, `major` and `critical`, and strict clients reject more.

use crate::feed::model::Status;
use crate::statuspage::model::{Impact, Indicator, PageStatus};

pub fn indicator_of(status: Status) -> Indicator {
    match status {
        Status::MajorOutage => Indicator::Critical,
        Status::PartialOutage => Indicator::Major,
        Status::DegradedPerformance => Indicator::Minor,
        Status::Operational | Status::UnderMaintenance => Indicator::None,
    }
}

/// An incident's impact, by the same mapping.
pub fn impact_of(status: Status) -> Impact {
    match indicator_of(status) {
        Indicator::None => Impact::None,
        Indicator::Minor => Impact::Minor,
        Indicator::Major => Impact::Major,
        Indicator::Critical => Impact::Critical,
    }
}

pub fn page_status(
    components: impl IntoIterator<Item = Status>,
    unresolved_impacts: impl IntoIterator<Item = Status>,
    maintenance_under_way: bool,
) -> PageStatus {
    let mut worst = Indicator::None;
    let mut maintenance = maintenance_under_way;
    for s in components {
        maintenance |= s == Status::UnderMaintenance;
        worst = worst.max(indicator_of(s));
    }
    for s in unresolved_impacts {
        worst = worst.max(indicator_of(s));
    }
    let description = match worst {
        Indicator::Critical => "Major System Outage",
        Indicator::Major => "Partial System Outage",
        Indicator::Minor => "Partially Degraded Service",
        Indicator::None if maintenance => "Service Under Maintenance",
        Indicator::None => "All Systems Operational",
    };
    PageStatus {
        indicator: worst,
        description: description.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every combination of statuses over three components, with and
    /// without an unresolved incident of each impact, against the rule
    /// written out longhand.
    #[test]
    fn the_indicator_rule_holds_for_every_combination() {
        let mut cases = 0;
        for a in Status::ALL {
            for b in Status::ALL {
                for c in Status::ALL {
                    for incident in std::iter::once(None).chain(Status::ALL.map(Some)) {
                        let all: Vec<Status> = [a, b, c].into_iter().chain(incident).collect();
                        let got = page_status([a, b, c], incident, false);
                        let has = |s: Status| all.contains(&s);
                        let (indicator, description) = if has(Status::MajorOutage) {
                            (Indicator::Critical, "Major System Outage")
                        } else if has(Status::PartialOutage) {
                            (Indicator::Major, "Partial System Outage")
                        } else if has(Status::DegradedPerformance) {
                            (Indicator::Minor, "Partially Degraded Service")
                        } else if [a, b, c].contains(&Status::UnderMaintenance) {
                            (Indicator::None, "Service Under Maintenance")
                        } else {
                            (Indicator::None, "All Systems Operational")
                        };
                        assert_eq!(got.indicator, indicator, "{all:?}");
                        assert_eq!(got.description, description, "{all:?}");
                        cases += 1;
                    }
                }
            }
        }
        assert_eq!(cases, 125 * 6);
    }

    #[test]
    fn planned_work_under_way_is_named_but_never_raises_the_indicator() {
        let s = page_status([Status::Operational], [], true);
        assert_eq!(s.indicator, Indicator::None);
        assert_eq!(s.description, "Service Under Maintenance");
        assert_eq!(
            page_status([Status::PartialOutage], [], true).indicator,
            Indicator::Major
        );
    }

    #[test]
    fn an_empty_page_is_operational() {
        let s = page_status([], [], false);
        assert_eq!(
            (s.indicator, s.description.as_str()),
            (Indicator::None, "All Systems Operational")
        );
    }

    #[test]
    fn indicators_serialize_as_statuspage_writes_them() {
        let names: Vec<String> = [
            Indicator::None,
            Indicator::Minor,
            Indicator::Major,
            Indicator::Critical,
        ]
        .iter()
        .map(|i| serde_json::to_string(i).unwrap())
        .collect();
        assert_eq!(
            names,
            ["\"none\"", "\"minor\"", "\"major\"", "\"critical\""]
        );
    }
}
