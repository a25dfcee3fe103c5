//! The human-edited status file (TOML) that `bongsu sign` turns into a feed.
//!
//! ```toml
//! feed = "kakao"          # feed identifier
//! valid_for = "1h"        # optional, default 1h: integer + s/m/h/d, 1m to 30d
//!
//! [page]                  # optional: the Statuspage-compatible API's page
//! name = "Kakao"          # the page's name, as readers know it
//! url = "https://status.example.kr/"   # the status page's public URL
//!
//! [[services]]
//! id = "kakaotalk"
//! name = "KakaoTalk"
//! [[services.components]]
//! id = "messaging"
//! name = "Messaging"
//! status = "major_outage" # operational | under_maintenance | degraded_performance | partial_outage | major_outage
//!
//! [[incidents]]           # optional
//! id = "2022-10-15-pangyo-fire"
//! title = "Fire at the Pangyo datacenter"
//! impact = "major_outage"
//! components = ["kakaotalk/messaging"]
//! [[incidents.updates]]
//! at = 2022-10-15T15:50:00+09:00   # or a quoted RFC 3339 string
//! state = "investigating"          # investigating | identified | monitoring | resolved
//! message = "Messages fail to send."
//! # postmortem = "https://example.com/postmortems/2022-10-15"   # optional, once published
//!
//! [[maintenances]]        # optional: planned work
//! id = "db-upgrade"
//! title = "Database upgrade"
//! starts_at = 2022-10-20T02:00:00+09:00
//! ends_at = 2022-10-20T04:00:00+09:00
//! components = ["kakaotalk/messaging"]
//! state = "scheduled"     # scheduled | in_progress | completed
//! ```
//!
//! Unknown keys are errors, so a typo never silently drops a field.

use std::ops::Range;

use bongsu_core::statuspage::PageInfo;
use bongsu_core::{
    Component, Feed, Incident, IncidentState, IncidentUpdate, Maintenance, MaintenanceState,
    Service, Status,
};
use serde::Deserialize;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

/// A status file's problem, positioned in the file where possible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusFileError {
    /// 1-based line and column, when the problem has a place in the file.
    pub position: Option<(usize, usize)>,
    pub message: String,
}

/// What the status file says; the signer adds seq and times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusDraft {
    pub feed: String,
    /// The page the Statuspage-compatible API describes; without it the API
    /// is not written.
    pub page: Option<PageInfo>,
    pub valid_for: Duration,
    pub services: Vec<Service>,
    pub incidents: Vec<Incident>,
    pub maintenances: Vec<Maintenance>,
}

impl StatusDraft {
    pub fn into_feed(self, seq: u64, issued_at: OffsetDateTime) -> Feed {
        Feed {
            feed: self.feed,
            seq,
            issued_at,
            expires_at: issued_at + self.valid_for,
            log: None,
            services: self.services,
            incidents: self.incidents,
            maintenances: self.maintenances,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusFile {
    feed: String,
    valid_for: Option<toml::Spanned<String>>,
    page: Option<toml::Spanned<PageInfo>>,
    #[serde(default)]
    services: Vec<ServiceEntry>,
    #[serde(default)]
    incidents: Vec<IncidentEntry>,
    #[serde(default)]
    maintenances: Vec<MaintenanceEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MaintenanceEntry {
    id: String,
    title: String,
    starts_at: toml::Spanned<toml::Value>,
    ends_at: toml::Spanned<toml::Value>,
    #[serde(default)]
    components: Vec<String>,
    state: MaintenanceState,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ServiceEntry {
    id: String,
    name: String,
    #[serde(default)]
    components: Vec<Component>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IncidentEntry {
    id: String,
    title: String,
    impact: Status,
    #[serde(default)]
    components: Vec<String>,
    #[serde(default)]
    updates: Vec<UpdateEntry>,
    postmortem: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateEntry {
    at: toml::Spanned<toml::Value>,
    state: IncidentState,
    message: String,
}

pub const DEFAULT_VALID_FOR: Duration = Duration::hours(1);

/// Parses a status file's text.
pub fn parse(text: &str) -> Result<StatusDraft, StatusFileError> {
    let file: StatusFile = toml::from_str(text).map_err(|e| StatusFileError {
        position: e.span().map(|span| line_column(text, span.start)),
        message: e.message().to_owned(),
    })?;
    let at = |span: Range<usize>, message: String| StatusFileError {
        position: Some(line_column(text, span.start)),
        message,
    };
    let valid_for = match &file.valid_for {
        None => DEFAULT_VALID_FOR,
        Some(v) => {
            parse_valid_for(v.get_ref()).map_err(|m| at(v.span(), format!("valid_for: {m}")))?
        }
    };
    let page = match file.page {
        None => None,
        Some(page) => {
            bongsu_core::statuspage::validate_page(page.get_ref())
                .map_err(|m| at(page.span(), format!("[page]: {m}")))?;
            Some(page.into_inner())
        }
    };
    let mut incidents = Vec::with_capacity(file.incidents.len());
    for entry in file.incidents {
        let mut updates = Vec::with_capacity(entry.updates.len());
        for update in entry.updates {
            let when = parse_time(update.at.get_ref())
                .map_err(|m| at(update.at.span(), format!("at: {m}")))?;
            updates.push(IncidentUpdate {
                at: when,
                state: update.state,
                message: update.message,
            });
        }
        incidents.push(Incident {
            id: entry.id,
            title: entry.title,
            impact: entry.impact,
            components: entry.components,
            updates,
            postmortem: entry.postmortem,
        });
    }
    let mut maintenances = Vec::with_capacity(file.maintenances.len());
    for entry in file.maintenances {
        let time = |v: &toml::Spanned<toml::Value>, field: &str| {
            parse_time(v.get_ref()).map_err(|m| at(v.span(), format!("{field}: {m}")))
        };
        maintenances.push(Maintenance {
            id: entry.id,
            title: entry.title,
            starts_at: time(&entry.starts_at, "starts_at")?,
            ends_at: time(&entry.ends_at, "ends_at")?,
            components: entry.components,
            state: entry.state,
        });
    }
    Ok(StatusDraft {
        feed: file.feed,
        page,
        valid_for,
        services: file
            .services
            .into_iter()
            .map(|s| Service {
                id: s.id,
                name: s.name,
                components: s.components,
            })
            .collect(),
        incidents,
        maintenances,
    })
}

/// A status file declaring `services` and `incidents`, after `header`
/// (comment lines). [`parse`] reads back exactly what was rendered.
pub fn render(
    header: &str,
    feed: &str,
    page: Option<&PageInfo>,
    valid_for: &str,
    services: &[Service],
    incidents: &[Incident],
    maintenances: &[Maintenance],
) -> String {
    let q = |s: &str| toml::Value::String(s.to_owned()).to_string();
    let mut out = String::from(header);
    out.push_str(&format!(
        "feed = {}\nvalid_for = {}\n",
        q(feed),
        q(valid_for)
    ));
    if let Some(page) = page {
        out.push_str(&format!(
            "\n[page]\nname = {}\nurl = {}\n",
            q(&page.name),
            q(&page.url)
        ));
    }
    for s in services {
        out.push_str(&format!(
            "\n[[services]]\nid = {}\nname = {}\n",
            q(&s.id),
            q(&s.name)
        ));
        for c in &s.components {
            out.push_str(&format!(
                "[[services.components]]\nid = {}\nname = {}\nstatus = {}\n",
                q(&c.id),
                q(&c.name),
                q(c.status.as_str())
            ));
        }
    }
    for i in incidents {
        out.push_str(&format!(
            "\n[[incidents]]\nid = {}\ntitle = {}\nimpact = {}\ncomponents = [\n",
            q(&i.id),
            q(&i.title),
            q(i.impact.as_str())
        ));
        for c in &i.components {
            out.push_str(&format!("  {},\n", q(c)));
        }
        out.push_str("]\n");
        // Before the updates: a key after `[[incidents.updates]]` would belong to the last update.
        if let Some(url) = &i.postmortem {
            out.push_str(&format!("postmortem = {}\n", q(url)));
        }
        for u in &i.updates {
            let at = u.at.format(&Rfc3339).unwrap_or_default();
            out.push_str(&format!(
                "[[incidents.updates]]\nat = {at}\nstate = {}\nmessage = {}\n",
                q(u.state.as_str()),
                q(&u.message)
            ));
        }
    }
    for m in maintenances {
        let time = |t: OffsetDateTime| t.format(&Rfc3339).unwrap_or_default();
        out.push_str(&format!(
            "\n[[maintenances]]\nid = {}\ntitle = {}\nstarts_at = {}\nends_at = {}\ncomponents = [{}]\nstate = {}\n",
            q(&m.id),
            q(&m.title),
            time(m.starts_at),
            time(m.ends_at),
            m.components.iter().map(|c| q(c)).collect::<Vec<_>>().join(", "),
            q(m.state.as_str())
        ));
    }
    out
}

/// `30s`, `15m`, `1h`, `7d`: between one minute and thirty days.
pub fn parse_valid_for(text: &str) -> Result<Duration, String> {
    parse_duration(text, Duration::minutes(1), Duration::days(30))
}

/// A whole number and a unit (s, m, h or d), between `min` and `max`.
pub fn parse_duration(text: &str, min: Duration, max: Duration) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: i64 = number
        .parse()
        .map_err(|_| format!("`{text}` should be a whole number and a unit, like 15m or 1h"))?;
    let d = match unit {
        "s" => Duration::seconds(n),
        "m" => Duration::minutes(n),
        "h" => Duration::hours(n),
        "d" => Duration::days(n),
        _ => return Err(format!("`{text}` has unit `{unit}`; use s, m, h or d")),
    };
    if d < min || d > max {
        return Err(format!(
            "`{text}` is outside {} to {}",
            short(min),
            short(max)
        ));
    }
    Ok(d)
}

/// `1m`, `30d`: how bounds are written in messages.
fn short(d: Duration) -> String {
    if d.whole_days() > 0 && d == Duration::days(d.whole_days()) {
        format!("{}d", d.whole_days())
    } else if d == Duration::hours(d.whole_hours()) && d.whole_hours() > 0 {
        format!("{}h", d.whole_hours())
    } else if d == Duration::minutes(d.whole_minutes()) && d.whole_minutes() > 0 {
        format!("{}m", d.whole_minutes())
    } else {
        format!("{}s", d.whole_seconds())
    }
}

/// A TOML offset date-time, or a string holding an RFC 3339 time.
fn parse_time(value: &toml::Value) -> Result<OffsetDateTime, String> {
    let text = match value {
        toml::Value::Datetime(dt) if dt.offset.is_none() => {
            return Err(format!(
                "`{dt}` has no UTC offset; write it like 2022-10-15T15:50:00+09:00"
            ))
        }
        toml::Value::Datetime(dt) => dt.to_string(),
        toml::Value::String(s) => s.clone(),
        other => {
            return Err(format!(
                "expected a date-time like 2022-10-15T15:50:00+09:00, found a {}",
                other.type_str()
            ))
        }
    };
    OffsetDateTime::parse(&text, &Rfc3339)
        .map_err(|e| format!("`{text}` is not an RFC 3339 time with offset ({e}); write it like 2022-10-15T15:50:00+09:00"))
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
feed = "kakao"
valid_for = "2h"

[[services]]
id = "kakaotalk"
name = "KakaoTalk"
[[services.components]]
id = "messaging"
name = "Messaging"
status = "major_outage"

[[incidents]]
id = "fire"
title = "Fire"
impact = "major_outage"
components = ["kakaotalk/messaging"]
[[incidents.updates]]
at = 2022-10-15T15:50:00+09:00
state = "investigating"
message = "Checking."
[[incidents.updates]]
at = "2022-10-15T16:12:00+09:00"
state = "identified"
message = "Fire."
"#;

    #[test]
    fn a_good_file_parses_with_both_time_forms() {
        let draft = parse(GOOD).unwrap();
        assert_eq!(draft.valid_for, Duration::hours(2));
        assert_eq!(draft.services[0].components[0].status, Status::MajorOutage);
        let updates = &draft.incidents[0].updates;
        assert_eq!(updates[1].at - updates[0].at, Duration::minutes(22));
        assert_eq!(updates[0].at.offset().whole_hours(), 9);
    }

    #[test]
    fn valid_for_defaults_to_an_hour() {
        let draft = parse("feed = \"kakao\"\n").unwrap();
        assert_eq!(draft.valid_for, DEFAULT_VALID_FOR);
    }

    #[test]
    fn a_misspelt_status_is_located_and_lists_the_choices() {
        let bad = GOOD.replace("status = \"major_outage\"", "status = \"majr_outage\"");
        let err = parse(&bad).unwrap_err();
        assert_eq!(err.position, Some((11, 10)));
        assert!(err.message.contains("majr_outage"), "{}", err.message);
        assert!(err.message.contains("partial_outage"), "{}", err.message);
    }

    #[test]
    fn an_unknown_key_is_an_error() {
        let err = parse("feed = \"kakao\"\nvalidfor = \"1h\"\n").unwrap_err();
        assert_eq!(err.position.map(|p| p.0), Some(2));
        assert!(err.message.contains("validfor"), "{}", err.message);
    }

    #[test]
    fn a_syntax_error_is_located() {
        let err = parse("feed = \"kakao\"\n[[services]\n").unwrap_err();
        assert_eq!(err.position.map(|p| p.0), Some(2));
    }

    #[test]
    fn a_time_without_offset_is_rejected_where_it_stands() {
        let bad = GOOD.replace("at = 2022-10-15T15:50:00+09:00", "at = 2022-10-15T15:50:00");
        let err = parse(&bad).unwrap_err();
        assert_eq!(err.position.map(|p| p.0), Some(19));
        assert!(err.message.contains("offset"), "{}", err.message);
    }

    #[test]
    fn a_garbled_time_string_is_rejected() {
        let bad = GOOD.replace("\"2022-10-15T16:12:00+09:00\"", "\"yesterday\"");
        assert!(parse(&bad).unwrap_err().message.contains("yesterday"));
    }

    #[test]
    fn valid_for_accepts_units_within_bounds() {
        assert_eq!(parse_valid_for("15m"), Ok(Duration::minutes(15)));
        assert_eq!(parse_valid_for("30d"), Ok(Duration::days(30)));
        for bad in ["", "h", "10", "10x", "30s", "31d", "-1h", "1.5h"] {
            assert!(parse_valid_for(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rendered_files_parse_back_to_the_same_state() {
        let draft = parse(GOOD).unwrap();
        let mut tricky = draft.clone();
        tricky.services[0].name = "Kakao \"Talk\" \\ 카카오톡\nline".into();
        tricky.incidents[0].updates[0].message = "a = b\n[[services]]".into();
        let mut planned = draft.clone();
        planned.page = Some(PageInfo {
            name: "Kakao \"status\"".into(),
            url: "https://status.example.kr/".into(),
        });
        planned.incidents[0].postmortem = Some("https://example.com/pm?a=1&b=\"2\"".into());
        planned.maintenances = vec![Maintenance {
            id: "db".into(),
            title: "Database \"upgrade\"".into(),
            starts_at: planned.incidents[0].updates[0].at,
            ends_at: planned.incidents[0].updates[1].at,
            components: vec!["kakaotalk/messaging".into()],
            state: MaintenanceState::InProgress,
        }];
        for d in [draft, tricky, planned] {
            let text = render(
                "# header\n",
                &d.feed,
                d.page.as_ref(),
                "2h",
                &d.services,
                &d.incidents,
                &d.maintenances,
            );
            assert!(text.starts_with("# header\n"));
            assert_eq!(parse(&text).unwrap(), d, "{text}");
        }
    }

    #[test]
    fn a_maintenance_time_without_offset_is_located() {
        let text = format!(
            "{GOOD}\n[[maintenances]]\nid = \"db\"\ntitle = \"DB\"\nstarts_at = 2022-10-20T02:00:00\nends_at = 2022-10-20T04:00:00+09:00\nstate = \"scheduled\"\n"
        );
        let err = parse(&text).unwrap_err();
        assert!(err.message.starts_with("starts_at:"), "{}", err.message);
        assert_eq!(err.position.map(|p| p.0), Some(GOOD.lines().count() + 5));
        let bad_state = text
            .replace("2022-10-20T02:00:00\n", "2022-10-20T02:00:00+09:00\n")
            .replace("\"scheduled\"", "\"postponed\"");
        assert!(parse(&bad_state)
            .unwrap_err()
            .message
            .contains("in_progress"));
    }

    #[test]
    fn a_page_without_an_http_url_is_refused_where_it_is() {
        let text = GOOD.replacen(
            "\n[[services]]",
            "\n[page]\nname = \"Kakao\"\nurl = \"javascript:alert(1)\"\n\n[[services]]",
            1,
        );
        let err = parse(&text).unwrap_err();
        assert!(err.message.starts_with("[page]:"), "{}", err.message);
        assert!(err.position.is_some());
        let unknown = GOOD.replacen(
            "\n[[services]]",
            "\n[page]\nname = \"K\"\nurl = \"https://k.kr/\"\ntitle = \"x\"\n\n[[services]]",
            1,
        );
        assert!(parse(&unknown).is_err(), "a typo in [page] is an error");
    }

    #[test]
    fn line_column_counts_characters() {
        assert_eq!(line_column("ab\n가나x", 9), (2, 3));
        assert_eq!(line_column("x", 0), (1, 1));
    }
}
