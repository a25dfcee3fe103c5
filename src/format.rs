//! Words and symbols for what the page shows, in the reader's language.
//! Status is never conveyed by colour alone: every status has a symbol and
//! a label too. The words come from `src/locales/*.json` (checked at
//! compile time); these functions only choose and fill them, so they are
//! pure and tested in both languages.

use bongsu_core::{IncidentState, MaintenanceState, Status};
use time::{macros::offset, Date, Duration, Month, OffsetDateTime, UtcOffset};

use crate::i18n::{td_string, Locale};

pub fn status_label(locale: Locale, status: Status) -> String {
    match status {
        Status::Operational => td_string!(locale, status.operational),
        Status::UnderMaintenance => td_string!(locale, status.under_maintenance),
        Status::DegradedPerformance => td_string!(locale, status.degraded_performance),
        Status::PartialOutage => td_string!(locale, status.partial_outage),
        Status::MajorOutage => td_string!(locale, status.major_outage),
    }
    .to_string()
}

/// The banner's headline for the page's overall status.
pub fn banner_headline(locale: Locale, status: Status) -> String {
    match status {
        Status::Operational => td_string!(locale, headline.operational),
        Status::UnderMaintenance => td_string!(locale, headline.under_maintenance),
        Status::DegradedPerformance => td_string!(locale, headline.degraded_performance),
        Status::PartialOutage => td_string!(locale, headline.partial_outage),
        Status::MajorOutage => td_string!(locale, headline.major_outage),
    }
    .to_string()
}

/// The declared status as a claim someone makes: "The operator reports
/// {claim}" (in Korean, "운영자는 {claim}고 밝혔지만").
pub fn claim(locale: Locale, status: Status) -> String {
    match status {
        Status::Operational => td_string!(locale, claim.operational),
        Status::UnderMaintenance => td_string!(locale, claim.under_maintenance),
        Status::DegradedPerformance => td_string!(locale, claim.degraded_performance),
        Status::PartialOutage => td_string!(locale, claim.partial_outage),
        Status::MajorOutage => td_string!(locale, claim.major_outage),
    }
    .to_string()
}

pub fn incident_state_label(locale: Locale, state: IncidentState) -> String {
    match state {
        IncidentState::Investigating => td_string!(locale, incident_state.investigating),
        IncidentState::Identified => td_string!(locale, incident_state.identified),
        IncidentState::Monitoring => td_string!(locale, incident_state.monitoring),
        IncidentState::Resolved => td_string!(locale, incident_state.resolved),
    }
    .to_string()
}

pub fn maintenance_state_label(locale: Locale, state: MaintenanceState) -> String {
    match state {
        MaintenanceState::Scheduled => td_string!(locale, maintenance_state.scheduled),
        MaintenanceState::InProgress => td_string!(locale, maintenance_state.in_progress),
        MaintenanceState::Completed => td_string!(locale, maintenance_state.completed),
    }
    .to_string()
}

const KST: UtcOffset = offset!(+9);

fn two(n: u8) -> String {
    format!("{n:02}")
}

fn ymd(date: Date) -> String {
    format!(
        "{}-{}-{}",
        date.year(),
        two(u8::from(date.month())),
        two(date.day())
    )
}

fn hm(at: OffsetDateTime) -> String {
    format!("{}:{}", two(at.hour()), two(at.minute()))
}

/// A time in Korea Standard Time, which is what Korean readers and the
/// operator's notices use, e.g. `2022-10-15 16:12 KST`.
pub fn kst(locale: Locale, at: OffsetDateTime) -> String {
    let at = at.to_offset(KST);
    td_string!(locale, time.kst, date = ymd(at.date()), hm = hm(at))
}

/// The same instant in the reader's zone, when that is not KST:
/// `08:12 your time, UTC+00:00`, with the date when it differs from KST's.
pub fn local_unless_kst(locale: Locale, at: OffsetDateTime, offset: UtcOffset) -> Option<String> {
    if offset == KST {
        return None;
    }
    let local = at.to_offset(offset);
    let when = if local.date() == at.to_offset(KST).date() {
        hm(local)
    } else {
        format!("{} {}", ymd(local.date()), hm(local))
    };
    let (h, m, _) = offset.as_hms();
    let sign = if offset.is_negative() { '-' } else { '+' };
    let zone = format!(
        "UTC{sign}{}:{}",
        two(h.unsigned_abs()),
        two(m.unsigned_abs())
    );
    Some(td_string!(locale, time.local, when = when, zone = zone))
}

fn month_name(locale: Locale, month: Month) -> String {
    match month {
        Month::January => td_string!(locale, month.jan),
        Month::February => td_string!(locale, month.feb),
        Month::March => td_string!(locale, month.mar),
        Month::April => td_string!(locale, month.apr),
        Month::May => td_string!(locale, month.may),
        Month::June => td_string!(locale, month.jun),
        Month::July => td_string!(locale, month.jul),
        Month::August => td_string!(locale, month.aug),
        Month::September => td_string!(locale, month.sep),
        Month::October => td_string!(locale, month.oct),
        Month::November => td_string!(locale, month.nov),
        Month::December => td_string!(locale, month.dec),
    }
    .to_string()
}

/// A calendar day, e.g. `15 Oct 2022` or `2022년 10월 15일`.
pub fn day(locale: Locale, date: Date) -> String {
    td_string!(
        locale,
        time.day,
        d = date.day(),
        month = month_name(locale, date.month()),
        y = date.year()
    )
}

/// A length of time in minutes: `45 min`, `3 h`, `127 h 30 min`.
pub fn duration(locale: Locale, minutes: i64) -> String {
    let (h, m) = (minutes / 60, minutes % 60);
    match (h, m) {
        (0, m) => td_string!(locale, time.minutes, m = m),
        (h, 0) => td_string!(locale, time.hours, h = h),
        (h, m) => td_string!(locale, time.hours_minutes, h = h, m = m),
    }
}

/// A share as a percentage with enough digits to tell 99.9% from 100%.
/// Never rounds a bad period up to "100%". Integer arithmetic: exact, and
/// no float formatting code in the wasm.
pub fn percent(share: f64) -> String {
    // Hundredths of a percent, rounded down.
    let basis = (share.clamp(0.0, 1.0) * 10_000.0).floor() as u32;
    if basis >= 10_000 {
        return "100%".to_owned();
    }
    format!("{}.{:02}%", basis / 100, basis % 100)
}

/// How long ago `then` was, coarsely: `12 s ago`, `5 min ago`, `3 h ago`, `2 days ago`.
pub fn ago(locale: Locale, then: OffsetDateTime, now: OffsetDateTime) -> String {
    let d = now - then;
    if d < Duration::ZERO {
        return td_string!(locale, time.just_now).to_string();
    }
    let s = d.whole_seconds();
    match s {
        0..=59 => td_string!(locale, time.seconds_ago, n = s),
        60..=3599 => td_string!(locale, time.minutes_ago, n = s / 60),
        3600..=172_799 => td_string!(locale, time.hours_ago, n = s / 3600),
        _ => td_string!(locale, time.days_ago, n = s / 86_400),
    }
}

/// Midnight KST at the start of `date`.
pub fn kst_start(date: Date) -> OffsetDateTime {
    date.midnight().assume_offset(offset!(+9))
}

/// Today's date in KST.
pub fn kst_today(now: OffsetDateTime) -> Date {
    now.to_offset(offset!(+9)).date()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    const EN: Locale = Locale::en;
    const KO: Locale = Locale::ko;

    #[test]
    fn kst_converts_from_utc() {
        assert_eq!(
            kst(EN, datetime!(2022-10-15 07:12 UTC)),
            "2022-10-15 16:12 KST"
        );
        assert_eq!(
            kst(KO, datetime!(2022-10-15 07:12 UTC)),
            "2022-10-15 16:12 (한국 시간)"
        );
    }

    #[test]
    fn local_time_is_shown_only_outside_kst() {
        let at = datetime!(2022-10-15 06:30 UTC);
        assert_eq!(local_unless_kst(EN, at, offset!(+9)), None);
        assert_eq!(
            local_unless_kst(EN, at, offset!(UTC)).as_deref(),
            Some("06:30 your time, UTC+00:00")
        );
        assert_eq!(
            local_unless_kst(EN, datetime!(2022-10-15 16:00 UTC), offset!(-7)).as_deref(),
            Some("2022-10-15 09:00 your time, UTC-07:00"),
            "16:00 UTC is already the 16th in Korea"
        );
        assert_eq!(
            local_unless_kst(KO, at, offset!(+5:30)).as_deref(),
            Some("현지 시간 12:00, UTC+05:30")
        );
    }

    #[test]
    fn days_read_naturally_in_each_language() {
        assert_eq!(day(EN, date!(2022 - 10 - 15)), "15 Oct 2022");
        assert_eq!(day(KO, date!(2022 - 10 - 15)), "2022년 10월 15일");
        assert_eq!(day(EN, date!(2023 - 01 - 03)), "3 Jan 2023");
    }

    #[test]
    fn durations_in_both_languages() {
        assert_eq!(duration(EN, 45), "45 min");
        assert_eq!(duration(EN, 180), "3 h");
        assert_eq!(duration(EN, 127 * 60 + 30), "127 h 30 min");
        assert_eq!(duration(KO, 127 * 60 + 30), "127시간 30분");
        assert_eq!(duration(KO, 0), "0분");
    }

    #[test]
    fn percentages_never_round_up_to_100() {
        assert_eq!(percent(1.0), "100%");
        assert_eq!(percent(0.99999), "99.99%");
        assert_eq!(percent(0.4621), "46.21%");
        assert_eq!(percent(0.0), "0.00%");
        assert_eq!(percent(0.05), "5.00%");
        assert_eq!(percent(-1.0), "0.00%");
        assert_eq!(percent(f64::NAN), "0.00%");
    }

    #[test]
    fn ago_picks_a_coarse_unit() {
        let now = datetime!(2022-10-15 12:00 UTC);
        assert_eq!(ago(EN, now - Duration::seconds(12), now), "12 s ago");
        assert_eq!(ago(EN, now - Duration::minutes(5), now), "5 min ago");
        assert_eq!(ago(EN, now - Duration::hours(30), now), "30 h ago");
        assert_eq!(ago(EN, now - Duration::days(3), now), "3 days ago");
        assert_eq!(ago(EN, now + Duration::seconds(3), now), "just now");
        assert_eq!(ago(KO, now - Duration::minutes(5), now), "5분 전");
        assert_eq!(ago(KO, now + Duration::seconds(3), now), "방금");
    }

    #[test]
    fn every_status_and_state_has_words_in_both_languages() {
        for locale in [EN, KO] {
            for s in Status::ALL {
                assert!(!status_label(locale, s).is_empty());
                assert!(!banner_headline(locale, s).is_empty());
            }
        }
        assert_eq!(status_label(KO, Status::MajorOutage), "전면 장애");
    }
}
