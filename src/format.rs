//! Words and symbols for what the page shows. Status is never conveyed by
//! colour alone: every status has a symbol and a label too.

use bongsu_core::{IncidentState, Status};
use time::{macros::format_description, macros::offset, Duration, OffsetDateTime};

pub fn status_label(status: Status) -> &'static str {
    match status {
        Status::Operational => "Operational",
        Status::UnderMaintenance => "Under maintenance",
        Status::DegradedPerformance => "Degraded performance",
        Status::PartialOutage => "Partial outage",
        Status::MajorOutage => "Major outage",
    }
}

pub fn status_symbol(status: Status) -> &'static str {
    match status {
        Status::Operational => "✓",
        Status::UnderMaintenance => "⚙",
        Status::DegradedPerformance => "▲",
        Status::PartialOutage => "◐",
        Status::MajorOutage => "✕",
    }
}

/// The banner's headline for the page's overall status.
pub fn banner_headline(status: Status) -> &'static str {
    match status {
        Status::Operational => "All services are operating normally",
        Status::UnderMaintenance => "Scheduled maintenance in progress",
        Status::DegradedPerformance => "Some services are slow",
        Status::PartialOutage => "Some services are partly down",
        Status::MajorOutage => "Major outage: some services are down",
    }
}

pub fn incident_state_label(state: IncidentState) -> &'static str {
    match state {
        IncidentState::Investigating => "Investigating",
        IncidentState::Identified => "Identified",
        IncidentState::Monitoring => "Monitoring",
        IncidentState::Resolved => "Resolved",
    }
}

/// A time in Korea Standard Time, which is what Korean readers and the
/// operator's notices use, e.g. `2022-10-15 16:12 KST`.
pub fn kst(at: OffsetDateTime) -> String {
    let fmt = format_description!("[year]-[month]-[day] [hour]:[minute] KST");
    at.to_offset(offset!(+9))
        .format(&fmt)
        .unwrap_or_else(|_| at.to_string())
}

/// How long ago `then` was, coarsely: `12 s ago`, `5 min ago`, `3 h ago`, `2 days ago`.
pub fn ago(then: OffsetDateTime, now: OffsetDateTime) -> String {
    let d = now - then;
    if d < Duration::ZERO {
        return "just now".to_owned();
    }
    let s = d.whole_seconds();
    match s {
        0..=59 => format!("{s} s ago"),
        60..=3599 => format!("{} min ago", s / 60),
        3600..=172_799 => format!("{} h ago", s / 3600),
        _ => format!("{} days ago", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn kst_converts_from_utc() {
        assert_eq!(kst(datetime!(2022-10-15 07:12 UTC)), "2022-10-15 16:12 KST");
    }

    #[test]
    fn ago_picks_a_coarse_unit() {
        let now = datetime!(2022-10-15 12:00 UTC);
        assert_eq!(ago(now - Duration::seconds(12), now), "12 s ago");
        assert_eq!(ago(now - Duration::minutes(5), now), "5 min ago");
        assert_eq!(ago(now - Duration::hours(30), now), "30 h ago");
        assert_eq!(ago(now - Duration::days(3), now), "3 days ago");
        assert_eq!(ago(now + Duration::seconds(3), now), "just now");
    }
}
