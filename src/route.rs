//! Which page is shown, from the URL's fragment: `#/` (status),
//! `#/history?…` (incidents and uptime), `#/incidents/<id>` (one incident's
//! permalink). Fragments keep every page a static file any region or CDN
//! can serve, and work offline from the service worker's cache.

use bongsu_core::log::IncidentFilter;
use bongsu_core::Status;
use leptos::prelude::*;
use time::{Date, Month};

use crate::entry::{self, Entry};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Status,
    History(HistoryQuery),
    Incident(String),
}

/// The history page's filters and view, all in the URL so that a view can
/// be linked to and cited.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryQuery {
    pub service: Option<String>,
    /// At least this severe.
    pub impact: Option<Status>,
    /// Incidents active on or after this day (KST).
    pub from: Option<Date>,
    /// Incidents active on or before this day (KST).
    pub to: Option<Date>,
    /// The last day of the 90-day uptime strip; today when absent.
    pub end: Option<Date>,
    /// The uptime bar opened for drill-down: (service, day).
    pub day: Option<(String, Date)>,
}

/// `YYYY-MM-DD`. By hand rather than with `time`'s format descriptions,
/// whose general parser was 15 KB of the app's wasm for this one format.
pub fn parse_date(text: &str) -> Option<Date> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let number = |from: usize, to: usize| {
        bytes[from..to].iter().try_fold(0u16, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + u16::from(d - b'0'))
        })
    };
    let month = Month::try_from(u8::try_from(number(5, 7)?).ok()?).ok()?;
    let day = u8::try_from(number(8, 10)?).ok()?;
    Date::from_calendar_date(number(0, 4)?.into(), month, day).ok()
}

pub fn format_date(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

fn parse_status(text: &str) -> Option<Status> {
    Status::ALL.into_iter().find(|s| s.as_str() == text)
}

/// `%xx` escapes and `+` as space, as forms and browsers write them.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The route a fragment (with or without its `#`) names. Anything
/// unrecognised is the status page: a mistyped link still shows the status.
pub fn parse(fragment: &str) -> Route {
    let path = fragment.trim_start_matches('#').trim_start_matches('/');
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let path = path.trim_end_matches('/');
    if let Some(id) = path.strip_prefix("incidents/") {
        let id = decode(id);
        if !id.is_empty() {
            return Route::Incident(id);
        }
    }
    if path != "history" {
        return Route::Status;
    }
    let mut q = HistoryQuery::default();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = decode(value);
        match key {
            "service" if !value.is_empty() => q.service = Some(value),
            "impact" => q.impact = parse_status(&value),
            "from" => q.from = parse_date(&value),
            "to" => q.to = parse_date(&value),
            "end" => q.end = parse_date(&value),
            "day" => {
                q.day = value
                    .rsplit_once(':')
                    .and_then(|(s, d)| Some((s.to_owned(), parse_date(d)?)))
            }
            _ => {}
        }
    }
    Route::History(q)
}

/// A link to `route` from the running entry point: its fragment, behind
/// the other entry point's path when that one shows it.
pub fn href(route: &Route) -> String {
    let here = entry::here();
    here.link(Entry::of(route), &fragment(route))
}

/// The fragment for a route; [`parse`] reads back the same route.
pub fn fragment(route: &Route) -> String {
    match route {
        Route::Status => "#/".to_owned(),
        Route::Incident(id) => format!("#/incidents/{}", encode(id)),
        Route::History(q) => {
            let mut parts = Vec::new();
            if let Some(s) = &q.service {
                parts.push(format!("service={}", encode(s)));
            }
            if let Some(i) = q.impact {
                parts.push(format!("impact={}", i.as_str()));
            }
            for (key, date) in [("from", q.from), ("to", q.to), ("end", q.end)] {
                if let Some(d) = date {
                    parts.push(format!("{key}={}", format_date(d)));
                }
            }
            if let Some((s, d)) = &q.day {
                parts.push(format!("day={}:{}", encode(s), format_date(*d)));
            }
            if parts.is_empty() {
                "#/history".to_owned()
            } else {
                format!("#/history?{}", parts.join("&"))
            }
        }
    }
}

/// The current route, following the address bar.
pub fn current_route() -> ReadSignal<Route> {
    let read = || parse(&window().location().hash().unwrap_or_default());
    let (route, set_route) = signal(read());
    let handle = window_event_listener_untyped("hashchange", move |_| set_route.set(read()));
    on_cleanup(move || handle.remove());
    route
}

/// Goes to `route`, adding a history entry (the back button works).
pub fn go(route: &Route) {
    if Entry::of(route) == entry::here() {
        let _ = window().location().set_hash(&fragment(route));
    } else {
        let _ = window().location().assign(&href(route));
    }
}

/// Leaves for the entry point that shows `route`, replacing this address
/// (an old `#/history…` link on the status page, say).
pub fn leave_for(route: &Route) {
    let _ = window().location().replace(&href(route));
}

/// The filter the query asks for: dates are whole KST days.
pub fn incident_filter(query: &HistoryQuery) -> IncidentFilter {
    use crate::format::kst_start;
    IncidentFilter {
        service: query.service.clone(),
        min_impact: query.impact,
        from: query.from.map(kst_start),
        to: query.to.and_then(|d| d.next_day()).map(kst_start),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn routes_round_trip() {
        let routes = [
            Route::Status,
            Route::Incident("2022-10-15-pangyo-datacenter-fire".into()),
            Route::Incident("odd id/with?chars&=".into()),
            Route::History(HistoryQuery::default()),
            Route::History(HistoryQuery {
                service: Some("kakao-t".into()),
                impact: Some(Status::PartialOutage),
                from: Some(date!(2022 - 10 - 01)),
                to: Some(date!(2022 - 10 - 31)),
                end: Some(date!(2022 - 10 - 31)),
                day: Some(("kakao:t".into(), date!(2022 - 10 - 15))),
            }),
        ];
        for r in routes {
            assert_eq!(parse(&fragment(&r)), r, "{}", fragment(&r));
        }
    }

    #[test]
    fn anything_unknown_is_the_status_page() {
        for f in ["", "#", "#/", "#/nowhere", "#/incidents/", "garbage%"] {
            assert_eq!(parse(f), Route::Status, "{f}");
        }
    }

    #[test]
    fn bad_filter_values_are_ignored_not_fatal() {
        let r = parse("#/history?impact=on_fire&from=yesterday&day=x&service=&zzz=1&to=2022-10-31");
        assert_eq!(
            r,
            Route::History(HistoryQuery {
                to: Some(date!(2022 - 10 - 31)),
                ..HistoryQuery::default()
            })
        );
    }

    #[test]
    fn dates_are_year_month_day_and_real() {
        let mut day = date!(1999 - 01 - 01);
        while day < date!(2031 - 01 - 01) {
            let text = format_date(day);
            assert_eq!(parse_date(&text), Some(day), "{text}");
            day = day.next_day().unwrap();
        }
        assert_eq!(format_date(date!(0999 - 03 - 04)), "0999-03-04");
        for bad in [
            "2022-13-01",
            "2022-02-30",
            "2022-00-10",
            "2022-1-015",
            "2022/10/15",
            "20221015",
            "2022-10-1x",
            "+022-10-15",
            "２０２２-10-15",
            "",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn decoding_survives_broken_escapes() {
        assert_eq!(decode("a%20b+c%zz%"), "a b c%zz%");
        assert_eq!(decode("%ED%95%9C"), "한");
    }
}
