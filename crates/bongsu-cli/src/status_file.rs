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
use bongsu_core::text::Localized;
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
    /// The language plain strings in the file are written in; `None`
    /// leaves them of unstated language (a format-1 feed).
    pub lang: Option<String>,
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

/// Operator text as the file writes it: a string, or a table of languages.
type TextEntry = toml::Spanned<toml::Value>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusFile {
    feed: String,
    lang: Option<toml::Spanned<String>>,
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
    title: TextEntry,
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
    name: TextEntry,
    #[serde(default)]
    components: Vec<ComponentEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ComponentEntry {
    id: String,
    name: TextEntry,
    status: Status,
    #[serde(default)]
    depends_on: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IncidentEntry {
    id: String,
    title: TextEntry,
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
    message: TextEntry,
    /// Where the statement comes from, shown apart from it.
    sources: Option<String>,
}

pub const DEFAULT_VALID_FOR: Duration = Duration::hours(1);

/// One text read from the file, kept with where it is for the structure check.
struct ReadText {
    path: String,
    span: Range<usize>,
    text: Localized,
    untranslated: bool,
}

/// Reads operator texts, remembering each for [`check_translations`].
struct Texts<'f> {
    file: &'f str,
    lang: Option<String>,
    read: Vec<ReadText>,
}

impl Texts<'_> {
    fn error(&self, span: Range<usize>, message: String) -> StatusFileError {
        StatusFileError {
            position: Some(line_column(self.file, span.start)),
            message,
        }
    }

    /// A string (in the file's `lang`), or a table `{ ko = "…", en = "…" }`
    /// with `source = "<tag>"` when the original is not the file's `lang`,
    /// and `untranslated = true` to publish it without every language.
    fn read(&mut self, path: String, entry: &TextEntry) -> Result<Localized, StatusFileError> {
        let span = entry.span();
        let fail = |m: String| self.error(span.clone(), format!("{path}: {m}"));
        let (text, untranslated) = match entry.get_ref() {
            toml::Value::String(s) => (
                match &self.lang {
                    Some(lang) => Localized::new(lang.clone(), s.clone(), []),
                    None => Localized::plain(s.clone()),
                },
                false,
            ),
            toml::Value::Table(table) => {
                let mut source = None;
                let mut untranslated = false;
                let mut texts: Vec<(String, String)> = Vec::new();
                for (key, value) in table {
                    match (key.as_str(), value) {
                        ("source", toml::Value::String(tag)) => source = Some(tag.clone()),
                        ("untranslated", toml::Value::Boolean(b)) => untranslated = *b,
                        ("source" | "untranslated", other) => {
                            return Err(fail(format!("`{key}` cannot be a {}", other.type_str())))
                        }
                        (tag, toml::Value::String(text)) => {
                            if !bongsu_core::text::is_valid_lang_tag(tag) {
                                return Err(fail(format!("`{tag}` is not a language tag like `ko`, `en` or `en-GB` (or `source`, `untranslated`)")));
                            }
                            texts.push((tag.to_owned(), text.clone()))
                        }
                        (tag, other) => {
                            return Err(fail(format!(
                                "`{tag}` should be text, found a {}",
                                other.type_str()
                            )))
                        }
                    }
                }
                let source = match source {
                    Some(tag) => tag,
                    None => match (&self.lang, texts.as_slice()) {
                        (Some(lang), _) if texts.iter().any(|(t, _)| t == lang) => lang.clone(),
                        (_, [(only, _)]) => only.clone(),
                        (_, []) => {
                            return Err(fail(
                                "has no text; write `{ ko = \"…\", en = \"…\" }`".into(),
                            ))
                        }
                        _ => {
                            return Err(fail(format!(
                                "say which language is the original: add `source = \"{}\"`{}",
                                texts[0].0,
                                if self.lang.is_none() {
                                    " (or set `lang` at the top of the file)"
                                } else {
                                    ""
                                }
                            )))
                        }
                    },
                };
                let Some(i) = texts.iter().position(|(t, _)| *t == source) else {
                    return Err(fail(format!(
                        "source = \"{source}\" but there is no `{source}` text"
                    )));
                };
                let (_, original) = texts.remove(i);
                (Localized::new(source, original, texts), untranslated)
            }
            other => {
                return Err(fail(format!(
                    "expected text or a table of languages, found a {}",
                    other.type_str()
                )))
            }
        };
        self.read.push(ReadText {
            path,
            span,
            text: text.clone(),
            untranslated,
        });
        Ok(text)
    }

    /// Translations agree in structure: once any text is written in several
    /// languages, every text has all of them, unless marked untranslated.
    fn check_translations(&self) -> Result<(), StatusFileError> {
        let mut all: Vec<&str> = Vec::new();
        for r in &self.read {
            for lang in r.text.languages() {
                if !all.contains(&lang) {
                    all.push(lang);
                }
            }
        }
        if all.len() < 2 {
            return Ok(());
        }
        for r in self.read.iter().filter(|r| !r.untranslated) {
            if let Some(missing) = all.iter().find(|l| r.text.get(l).is_none()) {
                let has: Vec<&str> = r.text.languages().collect();
                let has = if has.is_empty() {
                    "no stated language".to_owned()
                } else {
                    has.join(", ")
                };
                return Err(self.error(
                    r.span.clone(),
                    format!(
                        "{}: has {has} but not `{missing}`, which other texts in this file have; add `{missing} = \"…\"`, or mark it `untranslated = true` to publish it without",
                        r.path
                    ),
                ));
            }
        }
        Ok(())
    }
}

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
    let lang = match &file.lang {
        None => None,
        Some(l) if bongsu_core::text::is_valid_lang_tag(l.get_ref()) => Some(l.get_ref().clone()),
        Some(l) => {
            return Err(at(
                l.span(),
                format!(
                    "lang: `{}` is not a language tag like `ko` or `en`",
                    l.get_ref()
                ),
            ))
        }
    };
    let page = match file.page {
        None => None,
        Some(page) => {
            let span = page.span();
            let mut page = page.into_inner();
            // The API speaks the page's language: the file's, unless [page] says.
            if page.lang.is_none() {
                page.lang = lang.clone();
            }
            bongsu_core::statuspage::validate_page(&page)
                .map_err(|m| at(span, format!("[page]: {m}")))?;
            Some(page)
        }
    };
    let mut texts = Texts {
        file: text,
        lang: lang.clone(),
        read: Vec::new(),
    };
    let mut services = Vec::with_capacity(file.services.len());
    for (i, entry) in file.services.into_iter().enumerate() {
        let name = texts.read(format!("services[{i}].name"), &entry.name)?;
        let mut components = Vec::with_capacity(entry.components.len());
        for (j, c) in entry.components.into_iter().enumerate() {
            components.push(Component {
                name: texts.read(format!("services[{i}].components[{j}].name"), &c.name)?,
                id: c.id,
                status: c.status,
                depends_on: c.depends_on,
            });
        }
        services.push(Service {
            id: entry.id,
            name,
            components,
        });
    }
    let mut incidents = Vec::with_capacity(file.incidents.len());
    for (i, entry) in file.incidents.into_iter().enumerate() {
        let title = texts.read(format!("incidents[{i}].title"), &entry.title)?;
        let mut updates = Vec::with_capacity(entry.updates.len());
        for (j, update) in entry.updates.into_iter().enumerate() {
            let when = parse_time(update.at.get_ref())
                .map_err(|m| at(update.at.span(), format!("at: {m}")))?;
            updates.push(IncidentUpdate {
                at: when,
                state: update.state,
                message: texts.read(
                    format!("incidents[{i}].updates[{j}].message"),
                    &update.message,
                )?,
                sources: update.sources,
            });
        }
        incidents.push(Incident {
            id: entry.id,
            title,
            impact: entry.impact,
            components: entry.components,
            updates,
            postmortem: entry.postmortem,
        });
    }
    let mut maintenances = Vec::with_capacity(file.maintenances.len());
    for (i, entry) in file.maintenances.into_iter().enumerate() {
        let time = |v: &toml::Spanned<toml::Value>, field: &str| {
            parse_time(v.get_ref()).map_err(|m| at(v.span(), format!("{field}: {m}")))
        };
        maintenances.push(Maintenance {
            title: texts.read(format!("maintenances[{i}].title"), &entry.title)?,
            id: entry.id,
            starts_at: time(&entry.starts_at, "starts_at")?,
            ends_at: time(&entry.ends_at, "ends_at")?,
            components: entry.components,
            state: entry.state,
        });
    }
    texts.check_translations()?;
    Ok(StatusDraft {
        feed: file.feed,
        lang,
        page,
        valid_for,
        services,
        incidents,
        maintenances,
    })
}

/// How [`render`] writes texts: in the file's language as plain strings,
/// the rest as tables, marked untranslated where they lack a language
/// another text has (so the file parses back to the same state).
struct TextWriter {
    lang: Option<String>,
    all: Vec<String>,
}

impl TextWriter {
    fn new<'a>(lang: Option<&str>, texts: impl Iterator<Item = &'a Localized>) -> TextWriter {
        let mut all: Vec<String> = Vec::new();
        for t in texts {
            for l in t.languages() {
                if !all.iter().any(|a| a == l) {
                    all.push(l.to_owned());
                }
            }
        }
        TextWriter {
            lang: lang.map(str::to_owned),
            all,
        }
    }

    fn write(&self, text: &Localized) -> String {
        let q = |s: &str| toml::Value::String(s.to_owned()).to_string();
        let untranslated = self.all.len() > 1 && self.all.iter().any(|l| text.get(l).is_none());
        match text.source_lang() {
            None => q(text.source()),
            Some(source)
                if Some(source) == self.lang.as_deref()
                    && text.translations().is_empty()
                    && !untranslated =>
            {
                q(text.source())
            }
            Some(source) => {
                let mut parts: Vec<String> = text
                    .texts()
                    .filter_map(|(l, t)| Some(format!("{} = {}", bare_key(l?), q(t))))
                    .collect();
                if Some(source) != self.lang.as_deref() {
                    parts.push(format!("source = {}", q(source)));
                }
                if untranslated {
                    parts.push("untranslated = true".to_owned());
                }
                format!("{{ {} }}", parts.join(", "))
            }
        }
    }
}

/// A language tag as a TOML key: bare when it can be (`ko`, `en-GB`).
fn bare_key(tag: &str) -> String {
    if tag
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        tag.to_owned()
    } else {
        toml::Value::String(tag.to_owned()).to_string()
    }
}

/// A status file declaring `draft`'s state after `header` (comment lines),
/// with `valid_for` as written. [`parse`] reads back exactly what was rendered.
pub fn render(header: &str, draft: &StatusDraft, valid_for: &str) -> String {
    let q = |s: &str| toml::Value::String(s.to_owned()).to_string();
    let feed = Feed {
        services: draft.services.clone(),
        incidents: draft.incidents.clone(),
        maintenances: draft.maintenances.clone(),
        ..draft.clone().into_feed(1, OffsetDateTime::UNIX_EPOCH)
    };
    let w = TextWriter::new(draft.lang.as_deref(), feed.texts());
    let mut out = String::from(header);
    out.push_str(&format!("feed = {}\n", q(&draft.feed)));
    if let Some(lang) = &draft.lang {
        out.push_str(&format!("lang = {}\n", q(lang)));
    }
    out.push_str(&format!("valid_for = {}\n", q(valid_for)));
    if let Some(page) = &draft.page {
        out.push_str(&format!(
            "\n[page]\nname = {}\nurl = {}\n",
            q(&page.name),
            q(&page.url)
        ));
        if page.lang.is_some() && page.lang != draft.lang {
            out.push_str(&format!(
                "lang = {}\n",
                q(page.lang.as_deref().unwrap_or_default())
            ));
        }
    }
    for s in &draft.services {
        out.push_str(&format!(
            "\n[[services]]\nid = {}\nname = {}\n",
            q(&s.id),
            w.write(&s.name)
        ));
        for c in &s.components {
            out.push_str(&format!(
                "[[services.components]]\nid = {}\nname = {}\nstatus = {}\n",
                q(&c.id),
                w.write(&c.name),
                q(c.status.as_str())
            ));
            if !c.depends_on.is_empty() {
                out.push_str(&format!(
                    "depends_on = [{}]\n",
                    c.depends_on
                        .iter()
                        .map(|d| q(d))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
    }
    for i in &draft.incidents {
        out.push_str(&format!(
            "\n[[incidents]]\nid = {}\ntitle = {}\nimpact = {}\ncomponents = [\n",
            q(&i.id),
            w.write(&i.title),
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
                w.write(&u.message)
            ));
            if let Some(sources) = &u.sources {
                out.push_str(&format!("sources = {}\n", q(sources)));
            }
        }
    }
    for m in &draft.maintenances {
        let time = |t: OffsetDateTime| t.format(&Rfc3339).unwrap_or_default();
        out.push_str(&format!(
            "\n[[maintenances]]\nid = {}\ntitle = {}\nstarts_at = {}\nends_at = {}\ncomponents = [{}]\nstate = {}\n",
            q(&m.id),
            w.write(&m.title),
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
            lang: None,
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
        let mut bilingual = parse(BILINGUAL).unwrap();
        bilingual.valid_for = Duration::hours(2);
        bilingual.incidents[0].updates[0].message = Localized::new(
            "ja",
            "確認中",
            [("ko".to_owned(), "확인 중 \"x\"".to_owned())],
        );
        for d in [draft, tricky, planned, bilingual] {
            let text = render("# header\n", &d, "2h");
            assert!(text.starts_with("# header\n"));
            assert_eq!(parse(&text).unwrap(), d, "{text}");
        }
    }

    const BILINGUAL: &str = r#"
feed = "kakao"
lang = "ko"

[[services]]
id = "kakao-account"
name = { ko = "카카오계정", en = "Kakao Account" }
[[services.components]]
id = "login"
name = { ko = "로그인", en = "Login" }
status = "major_outage"

[[services]]
id = "kakaopay"
name = { ko = "카카오페이", en = "Kakao Pay" }
[[services.components]]
id = "payments"
name = { ko = "결제", en = "Payments" }
status = "partial_outage"
depends_on = ["kakao-account/login"]

[[incidents]]
id = "fire"
title = { en = "Fire", ko = "화재", source = "en" }
impact = "major_outage"
components = ["kakao-account/login"]
[[incidents.updates]]
at = 2022-10-15T15:50:00+09:00
state = "investigating"
message = { ko = "확인 중입니다.", en = "Checking." }
sources = "timeline row 23 · K18 · confidence B"
[[incidents.updates]]
at = 2022-10-15T16:12:00+09:00
state = "identified"
message = { en = "Fire at the datacenter.", untranslated = true }
"#;

    #[test]
    fn texts_carry_their_languages_and_the_original() {
        let d = parse(BILINGUAL).unwrap();
        assert_eq!(d.lang.as_deref(), Some("ko"));
        let name = &d.services[0].name;
        assert_eq!(
            (name.source_lang(), name.source()),
            (Some("ko"), "카카오계정")
        );
        assert_eq!(name.get("en"), Some("Kakao Account"));
        let title = &d.incidents[0].title;
        assert_eq!(
            (title.source_lang(), title.get("ko")),
            (Some("en"), Some("화재"))
        );
        let update = &d.incidents[0].updates[0];
        assert_eq!(update.message.source_lang(), Some("ko"));
        assert_eq!(
            update.sources.as_deref(),
            Some("timeline row 23 · K18 · confidence B")
        );
        let lone = &d.incidents[0].updates[1].message;
        assert_eq!((lone.source_lang(), lone.get("ko")), (Some("en"), None));
        assert_eq!(
            d.services[1].components[0].depends_on,
            ["kakao-account/login"]
        );
        let feed = d.into_feed(1, OffsetDateTime::UNIX_EPOCH);
        assert_eq!(feed.format_version(), 2);
        assert_eq!(bongsu_core::feed::validate(&feed), Ok(()));
    }

    #[test]
    fn a_text_in_one_language_only_is_refused_where_it_is_unless_marked() {
        let bad = BILINGUAL.replace(
            "message = { en = \"Fire at the datacenter.\", untranslated = true }",
            "message = { en = \"Fire at the datacenter.\" }",
        );
        let err = parse(&bad).unwrap_err();
        assert_eq!(err.position.map(|p| p.0), Some(BILINGUAL.lines().count()));
        assert!(
            err.message.contains("incidents[0].updates[1].message"),
            "{}",
            err.message
        );
        assert!(err.message.contains("not `ko`"), "{}", err.message);
        assert!(
            err.message.contains("untranslated = true"),
            "{}",
            err.message
        );
        // A plain string is in `lang` only: refused in a two-language file.
        let plain = BILINGUAL.replace(
            "name = { ko = \"결제\", en = \"Payments\" }",
            "name = \"결제\"",
        );
        let err = parse(&plain).unwrap_err();
        assert!(err.message.contains("not `en`"), "{}", err.message);
    }

    #[test]
    fn language_tables_are_checked() {
        for (from, to, says) in [
            (
                "title = { en = \"Fire\", ko = \"화재\", source = \"en\" }",
                "title = { en = \"Fire\", ko = \"화재\", source = \"ja\" }",
                "no `ja` text",
            ),
            (
                "title = { en = \"Fire\", ko = \"화재\", source = \"en\" }",
                "title = { english = \"Fire\", ko = \"화재\" }",
                "not a language tag",
            ),
            (
                "title = { en = \"Fire\", ko = \"화재\", source = \"en\" }",
                "title = { en = 1, ko = \"화재\" }",
                "should be text",
            ),
            ("lang = \"ko\"", "lang = \"Korean\"", "lang:"),
        ] {
            let text = BILINGUAL.replace(from, to);
            let err = parse(&text).unwrap_err();
            assert!(err.message.contains(says), "{to}: {}", err.message);
            assert!(err.position.is_some(), "{to}");
        }
        // Without `lang`, a table of several languages must name its original.
        let no_lang = BILINGUAL.replace("lang = \"ko\"\n", "");
        let err = parse(&no_lang).unwrap_err();
        assert!(err.message.contains("source = "), "{}", err.message);
    }

    #[test]
    fn a_file_without_languages_stays_format_1() {
        let feed = parse(GOOD)
            .unwrap()
            .into_feed(1, OffsetDateTime::UNIX_EPOCH);
        assert_eq!(feed.format_version(), 1);
        assert!(bongsu_core::feed::encode_text(&feed).starts_with("bongsu-status-feed/v1\n"));
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
