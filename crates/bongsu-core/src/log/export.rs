//! What a journalist takes away: the history's incidents and events as JSON,
//! CSV and an Atom feed, each row carrying where its proof is (the log entry
//! index and leaf hash, and the checkpoint that covers it), so a quote can be
//! checked against the log long after it was made.
//!
//! Times are written in KST (`+09:00`, RFC 3339): the outage's own time zone,
//! and unambiguous for anyone else.

use time::macros::offset;
use time::OffsetDateTime;

use serde::Serialize;

use crate::feed::model::{IncidentState, Status};
use crate::log::durations::{incident_courses, Recovery};
use crate::log::event::{Event, LogEvent};
use crate::log::history::{filter_incidents, History, IncidentFilter, IncidentRecord};
use crate::log::tree::entry_hash;
use crate::text::Localized;

/// The checkpoint an export was made from, and where its proof material is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofContext {
    pub origin: String,
    pub size: u64,
    /// Base64 of the root hash.
    pub root: String,
    /// URL of the log directory (holding `checkpoint` and `tile/`).
    pub log_url: String,
    /// URL of the page; incident permalinks are `<page_url>#/incidents/<id>`.
    pub page_url: String,
    /// The language CSV, text and Atom exports write operator text in (each
    /// text falls back to the language it was written in); `None` writes
    /// every text as written. JSON exports carry every language.
    pub lang: Option<String>,
}

impl ProofContext {
    /// An operator-written text in the export's language.
    pub fn text<'a>(&self, text: &'a Localized) -> &'a str {
        text.in_lang(self.lang.as_deref())
    }

    pub fn checkpoint_url(&self) -> String {
        format!("{}/checkpoint", self.log_url.trim_end_matches('/'))
    }

    /// The entry bundle holding `entry` in the log this context describes:
    /// recompute its leaf hash from there and check it against the checkpoint.
    pub fn bundle_url(&self, entry: u64) -> String {
        format!(
            "{}/{}",
            self.log_url.trim_end_matches('/'),
            crate::log::layout::bundle_path_for_entry(entry, self.size)
        )
    }

    pub fn permalink(&self, incident: &str) -> String {
        page_link(&self.page_url, &format!("incidents/{incident}"))
    }
}

/// `<page_url>#/<route>`: a link into the page's routes. The page URL is
/// kept as given, path and trailing slash included (`https://x.kr/status`
/// and `https://x.kr/status/` are different documents), less any fragment.
pub fn page_link(page_url: &str, route: &str) -> String {
    let page = page_url.split('#').next().unwrap_or(page_url);
    format!("{page}#/{route}")
}

/// An RFC 3339 time in KST.
pub fn kst(t: OffsetDateTime) -> String {
    crate::text::rfc3339::format(t.to_offset(offset!(+9))).unwrap_or_default()
}

/// Base64 of an entry's RFC 6962 leaf hash.
pub fn leaf_hash(entry: &[u8]) -> String {
    entry_hash(entry).to_string()
}

/// One event's fields, flattened for a table.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct EventRow {
    pub entry: u64,
    pub at: String,
    pub kind: &'static str,
    pub service: String,
    pub component: String,
    pub status: String,
    pub incident: String,
    pub state: String,
    pub text: String,
    /// Where an update's statement comes from, kept apart from its text.
    pub sources: String,
    pub leaf_hash: String,
    pub proof: String,
}

pub fn event_row(index: u64, event: &LogEvent, entry: &[u8], proof: &ProofContext) -> EventRow {
    let mut row = EventRow {
        entry: index,
        at: kst(event.at),
        kind: event.event.kind(),
        leaf_hash: leaf_hash(entry),
        proof: proof.bundle_url(index),
        ..EventRow::default()
    };
    match &event.event {
        Event::ServiceListed {
            service,
            name,
            components,
        } => {
            row.service = service.clone();
            row.text = format!(
                "{}: {}",
                proof.text(name),
                components
                    .iter()
                    .map(|c| proof.text(&c.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        Event::ServiceDelisted { service } => row.service = service.clone(),
        Event::ComponentStatus {
            service,
            component,
            status,
        } => {
            row.service = service.clone();
            row.component = component.clone();
            row.status = status.as_str().to_owned();
        }
        Event::IncidentOpened {
            incident,
            title,
            impact,
            components,
        } => {
            row.incident = incident.clone();
            row.status = impact.as_str().to_owned();
            row.text = format!("{} [{}]", proof.text(title), components.join(" "));
        }
        Event::IncidentUpdated {
            incident,
            state,
            message,
            sources,
        } => {
            row.incident = incident.clone();
            row.state = state.as_str().to_owned();
            row.text = proof.text(message).to_owned();
            row.sources = sources.clone().unwrap_or_default();
        }
        Event::IncidentResolved {
            incident,
            message,
            sources,
        } => {
            row.incident = incident.clone();
            row.state = "resolved".to_owned();
            row.text = proof.text(message).to_owned();
            row.sources = sources.clone().unwrap_or_default();
        }
        Event::PostmortemPublished { incident, url } => {
            row.incident = incident.clone();
            row.text = url.clone();
        }
        Event::MaintenanceScheduled {
            maintenance,
            title,
            starts_at,
            ends_at,
            components,
        } => {
            row.incident = maintenance.clone();
            row.text = format!(
                "{}: {} to {} [{}]",
                proof.text(title),
                kst(*starts_at),
                kst(*ends_at),
                components.join(" ")
            );
        }
        Event::MaintenanceStarted { maintenance } | Event::MaintenanceEnded { maintenance } => {
            row.incident = maintenance.clone();
        }
        Event::ProbesDisagreed {
            service,
            disagreement,
            since,
            failing,
            passing,
        } => {
            row.service = service.clone();
            row.state = disagreement.as_str().to_owned();
            row.text = format!(
                "since {}; failing from [{}], passing from [{}]",
                kst(*since),
                failing.join(" "),
                passing.join(" ")
            );
        }
        Event::DisagreementEnded { service } => row.service = service.clone(),
    }
    row
}

/// A CSV field, quoted when it needs to be (RFC 4180). Fields starting with
/// a formula character get a leading apostrophe so a spreadsheet shows the
/// text rather than evaluating it.
fn csv_field(s: &str) -> String {
    // OWASP's list: a leading TAB or CR also makes spreadsheets read a formula.
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

fn csv_line(fields: &[&str]) -> String {
    let mut line = fields
        .iter()
        .map(|f| csv_field(f))
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

pub fn events_csv(events: &[LogEvent], entries: &[Vec<u8>], proof: &ProofContext) -> String {
    let mut out = csv_line(&[
        "entry",
        "at_kst",
        "kind",
        "service",
        "component",
        "status",
        "incident",
        "state",
        "text",
        "sources",
        "leaf_hash",
        "proof",
        "checkpoint_origin",
        "checkpoint_size",
        "checkpoint_root",
    ]);
    let size = proof.size.to_string();
    for (i, (e, bytes)) in events.iter().zip(entries).enumerate() {
        let r = event_row(i as u64, e, bytes, proof);
        out.push_str(&csv_line(&[
            &r.entry.to_string(),
            &r.at,
            r.kind,
            &r.service,
            &r.component,
            &r.status,
            &r.incident,
            &r.state,
            &r.text,
            &r.sources,
            &r.leaf_hash,
            &r.proof,
            &proof.origin,
            &size,
            &proof.root,
        ]));
    }
    out
}

pub fn events_json(events: &[LogEvent], entries: &[Vec<u8>], proof: &ProofContext) -> String {
    let rows: Vec<EventRow> = events
        .iter()
        .zip(entries)
        .enumerate()
        .map(|(i, (e, bytes))| event_row(i as u64, e, bytes, proof))
        .collect();
    let doc = EventsDoc {
        checkpoint: CheckpointDoc::of(proof),
        events: rows
            .iter()
            .zip(events)
            .map(|(r, e)| EventDoc {
                at: &r.at,
                entry: r.entry,
                event: &e.event,
                kind: r.kind,
                leaf_hash: &r.leaf_hash,
                proof: &r.proof,
            })
            .collect(),
    };
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

// The JSON exports' documents, written straight from these types (a
// `serde_json::Value` tree cost the history pages' build 24 KB of wasm).
// Fields are in alphabetical order, as the exports have always had them.

#[derive(Serialize)]
struct CheckpointDoc<'a> {
    origin: &'a str,
    root: &'a str,
    size: u64,
    url: String,
}

impl CheckpointDoc<'_> {
    fn of(proof: &ProofContext) -> CheckpointDoc<'_> {
        CheckpointDoc {
            origin: &proof.origin,
            root: &proof.root,
            size: proof.size,
            url: proof.checkpoint_url(),
        }
    }
}

#[derive(Serialize)]
struct EventsDoc<'a> {
    checkpoint: CheckpointDoc<'a>,
    events: Vec<EventDoc<'a>>,
}

#[derive(Serialize)]
struct EventDoc<'a> {
    at: &'a str,
    entry: u64,
    event: &'a Event,
    kind: &'a str,
    leaf_hash: &'a str,
    proof: &'a str,
}

#[derive(Serialize)]
struct IncidentsDoc<'a> {
    checkpoint: CheckpointDoc<'a>,
    incidents: Vec<IncidentDoc<'a>>,
}

#[derive(Serialize)]
struct IncidentDoc<'a> {
    components: &'a [String],
    duration_minutes: Option<i64>,
    id: &'a str,
    impact: Status,
    impact_end: Option<String>,
    impact_start: Option<String>,
    log_entries: &'a [u64],
    opened_at: String,
    permalink: String,
    postmortem: &'a Option<String>,
    resolved_at: Option<String>,
    services: Vec<ServiceDoc<'a>>,
    state: IncidentState,
    title: &'a Localized,
    updates: Vec<UpdateDoc<'a>>,
}

#[derive(Serialize)]
struct UpdateDoc<'a> {
    at: String,
    entry: u64,
    message: &'a Localized,
    proof: String,
    sources: &'a Option<String>,
    state: IncidentState,
}

/// How down, and for how long: minutes at each level, and when recovery
/// began, reached the core and was complete (in each service's and each
/// component's row).
#[derive(Serialize)]
struct ServiceDoc<'a> {
    components: Vec<ComponentDoc<'a>>,
    core_recovery: Option<String>,
    end: Option<String>,
    first_partial_recovery: Option<String>,
    full_recovery: Option<String>,
    minutes_at: MinutesAt,
    name: Localized,
    service: String,
    start: String,
    worst: Status,
}

#[derive(Serialize)]
struct ComponentDoc<'a> {
    component: &'a str,
    core_recovery: Option<String>,
    depends_on: &'a [String],
    first_partial_recovery: Option<String>,
    full_recovery: Option<String>,
    minutes_at: MinutesAt,
    name: &'a Localized,
}

#[derive(Serialize)]
struct MinutesAt {
    degraded_performance: i64,
    major_outage: i64,
    partial_outage: i64,
    under_maintenance: i64,
}

impl MinutesAt {
    fn of(r: &Recovery) -> MinutesAt {
        let minutes = |s: Status| r.levels.at(s).whole_minutes();
        MinutesAt {
            degraded_performance: minutes(Status::DegradedPerformance),
            major_outage: minutes(Status::MajorOutage),
            partial_outage: minutes(Status::PartialOutage),
            under_maintenance: minutes(Status::UnderMaintenance),
        }
    }
}

/// An incident's figures as exports show them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentSummary<'a> {
    pub record: &'a IncidentRecord,
    pub impact_start: Option<OffsetDateTime>,
    pub impact_end: Option<OffsetDateTime>,
    /// Whole minutes from impact start to end; `None` while ongoing.
    pub minutes: Option<i64>,
}

pub fn summarize<'a>(
    history: &History,
    record: &'a IncidentRecord,
    now: OffsetDateTime,
) -> IncidentSummary<'a> {
    let window = history.impact_window(record, now);
    let impact_start = window.map(|w| w.0);
    let impact_end = window.and_then(|w| w.1);
    IncidentSummary {
        record,
        impact_start,
        impact_end,
        minutes: impact_start
            .zip(impact_end)
            .map(|(s, e)| (e - s).whole_minutes()),
    }
}

/// `127 h 30 min`, `45 min`, `3 d 2 h`.
pub fn duration_text(minutes: i64) -> String {
    let (h, m) = (minutes / 60, minutes % 60);
    match (h, m) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

pub fn incidents_csv(history: &History, proof: &ProofContext, now: OffsetDateTime) -> String {
    let mut out = csv_line(&[
        "id",
        "title",
        "impact",
        "state",
        "opened_at_kst",
        "resolved_at_kst",
        "impact_start_kst",
        "impact_end_kst",
        "duration_minutes",
        "duration",
        "services",
        "updates",
        "log_entries",
        "permalink",
        "checkpoint_size",
        "checkpoint_root",
        "proof",
    ]);
    let size = proof.size.to_string();
    let opt = |t: Option<OffsetDateTime>| t.map(kst).unwrap_or_default();
    for record in newest_first(history, now) {
        let s = summarize(history, record, now);
        let mut services: Vec<&str> = record.services().collect();
        services.dedup();
        out.push_str(&csv_line(&[
            &record.id,
            proof.text(&record.title),
            record.impact.as_str(),
            record.state().as_str(),
            &kst(record.opened_at),
            &opt(record.resolved_at),
            &opt(s.impact_start),
            &opt(s.impact_end),
            &s.minutes.map(|m| m.to_string()).unwrap_or_default(),
            &s.minutes.map(duration_text).unwrap_or_default(),
            &services.join(" "),
            &record.updates.len().to_string(),
            &record
                .entries
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(" "),
            &proof.permalink(&record.id),
            &size,
            &proof.root,
            &proof.checkpoint_url(),
        ]));
    }
    out
}

/// Every incident, newest first.
fn newest_first(history: &History, now: OffsetDateTime) -> Vec<&IncidentRecord> {
    filter_incidents(history, &IncidentFilter::default(), now)
}

pub fn incidents_json(history: &History, proof: &ProofContext, now: OffsetDateTime) -> String {
    let incidents = newest_first(history, now)
        .into_iter()
        .map(|record| {
            let s = summarize(history, record, now);
            let services = incident_courses(history, record, now)
                .into_iter()
                .map(|c| ServiceDoc {
                    components: c
                        .components
                        .iter()
                        .map(|(h, r)| ComponentDoc {
                            component: &h.id,
                            core_recovery: r.core_recovery.map(kst),
                            depends_on: h.depends_on_at(c.impact.start),
                            first_partial_recovery: r.first_partial_recovery.map(kst),
                            full_recovery: r.full_recovery.map(kst),
                            minutes_at: MinutesAt::of(r),
                            name: &h.name,
                        })
                        .collect(),
                    core_recovery: c.whole.core_recovery.map(kst),
                    end: c.impact.end.map(kst),
                    first_partial_recovery: c.whole.first_partial_recovery.map(kst),
                    full_recovery: c.whole.full_recovery.map(kst),
                    minutes_at: MinutesAt::of(&c.whole),
                    name: c.impact.name.clone(),
                    service: c.impact.service.clone(),
                    start: kst(c.impact.start),
                    worst: c.impact.worst,
                })
                .collect();
            IncidentDoc {
                components: &record.components,
                duration_minutes: s.minutes,
                id: &record.id,
                impact: record.impact,
                impact_end: s.impact_end.map(kst),
                impact_start: s.impact_start.map(kst),
                log_entries: &record.entries,
                opened_at: kst(record.opened_at),
                permalink: proof.permalink(&record.id),
                postmortem: &record.postmortem,
                resolved_at: record.resolved_at.map(kst),
                services,
                state: record.state(),
                title: &record.title,
                updates: record
                    .updates
                    .iter()
                    .map(|u| UpdateDoc {
                        at: kst(u.at),
                        entry: u.entry,
                        message: &u.message,
                        proof: proof.bundle_url(u.entry),
                        sources: &u.sources,
                        state: u.state,
                    })
                    .collect(),
            }
        })
        .collect();
    let doc = IncidentsDoc {
        checkpoint: CheckpointDoc::of(proof),
        incidents,
    };
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

/// One row per service, and one per component under it, for every
/// incident: how long at each level, and when it began to recover,
/// recovered its core and recovered in full. (One row per incident, as in
/// [`incidents_csv`], has no room for a service's course.)
pub fn incident_services_csv(
    history: &History,
    proof: &ProofContext,
    now: OffsetDateTime,
) -> String {
    let mut out = csv_line(&[
        "incident",
        "service",
        "component",
        "name",
        "worst",
        "start_kst",
        "minutes_major_outage",
        "minutes_partial_outage",
        "minutes_degraded_performance",
        "minutes_under_maintenance",
        "first_partial_recovery_kst",
        "core_recovery_kst",
        "full_recovery_kst",
        "depends_on",
        "permalink",
        "checkpoint_size",
        "checkpoint_root",
    ]);
    let size = proof.size.to_string();
    let opt = |t: Option<OffsetDateTime>| t.map(kst).unwrap_or_default();
    for record in newest_first(history, now) {
        let permalink = proof.permalink(&record.id);
        for c in incident_courses(history, record, now) {
            let rows = std::iter::once((None, proof.text(&c.impact.name), &c.whole, String::new()))
                .chain(c.components.iter().map(|(h, r)| {
                    let depends = h.depends_on_at(c.impact.start).join(" ");
                    (Some(h.id.as_str()), proof.text(&h.name), r, depends)
                }));
            for (component, name, r, depends) in rows {
                let minutes = |s: Status| r.levels.at(s).whole_minutes().to_string();
                let worst = match component {
                    None => c.impact.worst,
                    Some(_) => r.levels.worst(),
                };
                out.push_str(&csv_line(&[
                    &record.id,
                    &c.impact.service,
                    component.unwrap_or(""),
                    name,
                    worst.as_str(),
                    &kst(r.start),
                    &minutes(Status::MajorOutage),
                    &minutes(Status::PartialOutage),
                    &minutes(Status::DegradedPerformance),
                    &minutes(Status::UnderMaintenance),
                    &opt(r.first_partial_recovery),
                    &opt(r.core_recovery),
                    &opt(r.full_recovery),
                    &depends,
                    &permalink,
                    &size,
                    &proof.root,
                ]));
            }
        }
    }
    out
}

pub(crate) fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 forbids most control characters and the two
            // non-characters U+FFFE and U+FFFF, even when escaped.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => {}
            '\u{FFFE}' | '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// An Atom feed with one entry per incident, updated at its latest update.
pub fn incidents_atom(
    history: &History,
    title: &str,
    proof: &ProofContext,
    now: OffsetDateTime,
) -> String {
    let records = newest_first(history, now);
    let updated = records
        .iter()
        .filter_map(|r| r.updates.last().map(|u| u.at).or(Some(r.opened_at)))
        .max()
        .unwrap_or(now);
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\"{}>\n  <title>{}</title>\n  <id>{}</id>\n  <updated>{}</updated>\n  <link rel=\"alternate\" href=\"{}\"/>\n  <link rel=\"related\" title=\"Signed checkpoint of the history log\" href=\"{}\"/>\n",
        proof
            .lang
            .as_deref()
            .map(|l| format!(" xml:lang=\"{}\"", xml(l)))
            .unwrap_or_default(),
        xml(title),
        xml(&proof.permalink("")),
        kst(updated),
        xml(&proof.page_url),
        xml(&proof.checkpoint_url()),
    );
    for record in records {
        let s = summarize(history, record, now);
        let last = record.updates.last().map_or(record.opened_at, |u| u.at);
        let mut body = String::new();
        if let Some(start) = s.impact_start {
            body.push_str(&format!("Impact from {}", kst(start)));
            match (s.impact_end, s.minutes) {
                (Some(end), Some(m)) => {
                    body.push_str(&format!(" to {} ({}).\n", kst(end), duration_text(m)))
                }
                _ => body.push_str(", ongoing.\n"),
            }
        }
        for u in &record.updates {
            body.push_str(&format!(
                "{} [{}] {} (log entry {})\n",
                kst(u.at),
                u.state.as_str(),
                proof.text(&u.message),
                u.entry
            ));
        }
        body.push_str(&format!(
            "Proof: log {} at size {} (root {}), {}\n",
            proof.origin,
            proof.size,
            proof.root,
            proof.checkpoint_url()
        ));
        out.push_str(&format!(
            "  <entry>\n    <title>{}</title>\n    <id>{}</id>\n    <published>{}</published>\n    <updated>{}</updated>\n    <link rel=\"alternate\" href=\"{}\"/>\n    <link rel=\"related\" title=\"Proof\" href=\"{}\"/>\n    <category term=\"{}\"/>\n    <content type=\"text\">{}</content>\n  </entry>\n",
            xml(proof.text(&record.title)),
            xml(&proof.permalink(&record.id)),
            kst(record.opened_at),
            kst(last),
            xml(&proof.permalink(&record.id)),
            xml(&proof.checkpoint_url()),
            record.impact.as_str(),
            xml(&body),
        ));
    }
    out.push_str("</feed>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_what_needs_quoting_and_defuses_formulas() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_field("-1,2"), "\"'-1,2\"");
    }

    #[test]
    fn xml_escapes_markup_and_drops_control_characters() {
        assert_eq!(
            xml("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;"
        );
        assert_eq!(xml("a\u{1}b\nc"), "ab\nc");
        // Not characters in XML 1.0: a feed reader rejects the whole export.
        assert_eq!(xml("a\u{FFFE}b\u{FFFF}c\u{FFFD}"), "abc\u{FFFD}");
    }

    #[test]
    fn csv_defuses_every_formula_start() {
        for lead in ["=", "+", "-", "@", "\t", "\r"] {
            let field = csv_field(&format!("{lead}HYPERLINK(\"https://x\",\"y\")"));
            let unquoted = field.strip_prefix('"').unwrap_or(&field);
            assert!(unquoted.starts_with('\''), "{lead:?}: {field}");
        }
        assert_eq!(csv_field("plain"), "plain");
    }

    /// Operator text in Korean and English goes through the log's bytes
    /// and the history into every export: all languages in JSON, the
    /// reader's (or the original) in CSV and Atom, sources apart.
    #[test]
    fn localized_text_round_trips_through_log_and_exports() {
        use crate::feed::model::{Component, Incident, IncidentUpdate, Service};
        use crate::log::event::{decode_event, encode_event};
        use crate::log::status_diff::events_for_change;
        use time::macros::datetime;
        let both =
            |ko: &str, en: &str| Localized::new("ko", ko, [("en".to_owned(), en.to_owned())]);
        let services = vec![Service {
            id: "pay".into(),
            name: both("카카오페이", "Kakao Pay"),
            components: vec![Component {
                id: "payments".into(),
                name: both("결제", "Payments"),
                status: Status::MajorOutage,
                depends_on: vec!["pay/payments-login".into()],
            }],
        }];
        let incidents = vec![Incident {
            id: "fire".into(),
            title: both("화재", "Fire"),
            impact: Status::MajorOutage,
            components: vec!["pay/payments".into()],
            updates: vec![IncidentUpdate {
                at: datetime!(2022-10-15 15:50 +09:00),
                state: crate::feed::model::IncidentState::Investigating,
                message: Localized::new("en", "Checking", []),
                sources: Some("notice 1".into()),
            }],
            postmortem: None,
        }];
        let now = datetime!(2022-10-15 16:00 +09:00);
        let events = events_for_change(&[], &[], &services, &incidents, now);
        let entries: Vec<Vec<u8>> = events.iter().map(encode_event).collect();
        let decoded: Vec<LogEvent> = entries
            .iter()
            .enumerate()
            .map(|(i, e)| decode_event(i as u64, e).unwrap())
            .collect();
        assert_eq!(decoded, events);
        let history = History::from_events(&decoded);
        assert_eq!(history.services[0].name, services[0].name);
        let proof = |lang: Option<&str>| ProofContext {
            origin: "log.test".into(),
            size: entries.len() as u64,
            root: String::new(),
            log_url: "https://s.example/log".into(),
            page_url: "https://s.example/".into(),
            lang: lang.map(str::to_owned),
        };
        let json: serde_json::Value =
            serde_json::from_str(&incidents_json(&history, &proof(None), now)).unwrap();
        let incident = &json["incidents"][0];
        assert_eq!(incident["title"]["translations"]["en"], "Fire");
        assert_eq!(incident["title"]["text"], "화재");
        assert_eq!(incident["updates"][0]["message"]["lang"], "en");
        assert_eq!(incident["updates"][0]["sources"], "notice 1");
        let en = incidents_csv(&history, &proof(Some("en")), now);
        let ko = incidents_csv(&history, &proof(Some("ko")), now);
        assert!(en.lines().nth(1).unwrap().starts_with("fire,Fire,"), "{en}");
        assert!(ko.lines().nth(1).unwrap().starts_with("fire,화재,"), "{ko}");
        let events_ko = events_csv(&decoded, &entries, &proof(Some("ko")));
        assert!(
            events_ko.contains(",Checking,notice 1,"),
            "the original, its sources apart: {events_ko}"
        );
        let atom = incidents_atom(&history, "t", &proof(Some("ko")), now);
        assert!(
            atom.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"ko\">"),
            "{atom}"
        );
        assert!(atom.contains("<title>화재</title>"), "{atom}");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration_text(7650), "127 h 30 min");
        assert_eq!(duration_text(45), "45 min");
        assert_eq!(duration_text(120), "2 h");
        assert_eq!(duration_text(0), "0 min");
    }
}
