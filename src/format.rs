//! Words and symbols for what the page shows. Status is never conveyed by
//! colour alone: every status has a symbol and a label too.

use bongsu_core::{IncidentState, Status};
use time::{macros::format_description, macros::offset, Duration, OffsetDateTime, UtcOffset};

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

/// The same instant in the reader's zone, when that is not KST:
/// `08:12 your time, UTC+00:00`, with the date when it differs from KST's.
pub fn local_unless_kst(at: OffsetDateTime, offset: UtcOffset) -> Option<String> {
    if offset == offset!(+9) {
        return None;
    }
    let local = at.to_offset(offset);
    let same_day = local.date() == at.to_offset(offset!(+9)).date();
    let fmt = if same_day {
        format_description!("[hour]:[minute]")
    } else {
        format_description!("[year]-[month]-[day] [hour]:[minute]")
    };
    let zone = offset
        .format(format_description!(
            "UTC[offset_hour sign:mandatory]:[offset_minute]"
        ))
        .unwrap_or_default();
    Some(format!("{} your time, {zone}", local.format(&fmt).ok()?))
}

/// A KST calendar day, e.g. `15 Oct 2022`.
pub fn day(date: time::Date) -> String {
    date.format(format_description!(
        "[day padding:none] [month repr:short] [year]"
    ))
    .unwrap_or_default()
}

/// A share as a percentage with enough digits to tell 99.9% from 100%.
pub fn percent(share: f64) -> String {
    let p = share * 100.0;
    if p >= 100.0 {
        "100%".to_owned()
    } else {
        // Never round a bad period up to "100%".
        format!("{:.2}%", (p * 100.0).floor() / 100.0)
    }
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
    fn local_time_is_shown_only_outside_kst() {
        let at = datetime!(2022-10-15 06:30 UTC);
        assert_eq!(local_unless_kst(at, offset!(+9)), None);
        assert_eq!(
            local_unless_kst(at, offset!(UTC)).as_deref(),
            Some("06:30 your time, UTC+00:00")
        );
        assert_eq!(
            local_unless_kst(datetime!(2022-10-15 16:00 UTC), offset!(-7)).as_deref(),
            Some("2022-10-15 09:00 your time, UTC-07:00"),
            "16:00 UTC is already the 16th in Korea"
        );
    }

    #[test]
    fn percentages_never_round_up_to_100() {
        assert_eq!(percent(1.0), "100%");
        assert_eq!(percent(0.99999), "99.99%");
        assert_eq!(percent(0.4621), "46.21%");
        assert_eq!(percent(0.0), "0.00%");
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
