//! The declare commands' edits to a status file, made on the file's own
//! TOML so that the operator's comments and layout stay as they were. Pure:
//! text in, text out; the caller checks the result as `sign` would.

use toml_edit::{Array, ArrayOfTables, DocumentMut, InlineTable, Item, Table, Value};

use bongsu_core::{IncidentState, Status};

/// What cannot be declared, said so that the on-call engineer can fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("the status file is not valid TOML: {0}")]
    Syntax(String),
    #[error("no component `{reference}`; the status file has: {known}")]
    UnknownComponent { reference: String, known: String },
    #[error("no incident `{id}`; the status file has: {known}")]
    UnknownIncident { id: String, known: String },
    #[error("an incident `{id}` already exists; use `bongsu incident update {id}`")]
    IncidentExists { id: String },
    #[error("incident `{id}` is resolved; open a new incident rather than updating it")]
    IncidentResolved { id: String },
    #[error("{what}: give the text with --ko and/or --en")]
    NoText { what: &'static str },
    #[error("{what}: this status file is written in {languages}; give {missing} too, or pass --untranslated to publish it without")]
    Untranslated {
        what: &'static str,
        languages: String,
        missing: String,
    },
    #[error("{what}: both --ko and --en are given and the file sets no `lang`; say which is the original with --source ko or --source en")]
    WhichOriginal { what: &'static str },
    #[error("`{0}` is not service/component")]
    BadReference(String),
}

/// A text as given on the command line: Korean, English, which is the
/// original when both are given, and whether a missing language is meant.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GivenText {
    pub ko: Option<String>,
    pub en: Option<String>,
    pub source: Option<String>,
    pub untranslated: bool,
}

/// One update to add: when, its state, its words and where they come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUpdate {
    /// RFC 3339.
    pub at: String,
    pub state: IncidentState,
    pub message: GivenText,
    pub sources: Option<String>,
}

/// A new incident, opened with its first update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIncident {
    pub id: String,
    pub title: GivenText,
    pub impact: Status,
    pub components: Vec<String>,
    pub first: NewUpdate,
}

pub fn parse(text: &str) -> Result<DocumentMut, EditError> {
    text.parse::<DocumentMut>()
        .map_err(|e| EditError::Syntax(e.to_string().trim().to_owned()))
}

/// The languages the file's texts are written in (its `lang`, and every
/// language of a table of languages), in the order first seen.
fn languages(doc: &DocumentMut) -> Vec<String> {
    let mut out: Vec<String> = doc
        .get("lang")
        .and_then(Item::as_str)
        .map(str::to_owned)
        .into_iter()
        .collect();
    let mut note = |table: &dyn toml_edit::TableLike| {
        for (key, _) in table.iter() {
            if key != "source" && key != "untranslated" && !out.iter().any(|l| l == key) {
                out.push(key.to_owned());
            }
        }
    };
    let texts = ["name", "title", "message"];
    let mut visit = |t: &Table| {
        for key in texts {
            if let Some(inline) = t.get(key).and_then(Item::as_inline_table) {
                note(inline);
            }
        }
    };
    for (outer, inner) in [
        ("services", "components"),
        ("incidents", "updates"),
        ("maintenances", ""),
    ] {
        for t in tables(doc.as_table(), outer) {
            visit(t);
            for u in tables(t, inner) {
                visit(u);
            }
        }
    }
    out
}

fn tables<'t>(parent: &'t Table, key: &str) -> impl Iterator<Item = &'t Table> {
    parent
        .get(key)
        .and_then(Item::as_array_of_tables)
        .into_iter()
        .flat_map(ArrayOfTables::iter)
}

fn tables_mut<'t>(parent: &'t mut Table, key: &str) -> impl Iterator<Item = &'t mut Table> {
    parent
        .get_mut(key)
        .and_then(Item::as_array_of_tables_mut)
        .into_iter()
        .flat_map(ArrayOfTables::iter_mut)
}

fn id_of(t: &Table) -> &str {
    t.get("id").and_then(Item::as_str).unwrap_or_default()
}

/// The text as the file writes it: a string in the file's `lang`, or a
/// table of languages (with `source` when the original is not the file's
/// language, and `untranslated` when asked).
pub fn text_value(
    doc: &DocumentMut,
    what: &'static str,
    given: &GivenText,
) -> Result<Value, EditError> {
    let file_lang = doc.get("lang").and_then(Item::as_str).map(str::to_owned);
    let given_texts: Vec<(&str, &str)> = [("ko", &given.ko), ("en", &given.en)]
        .into_iter()
        .filter_map(|(l, t)| Some((l, t.as_deref()?)))
        .collect();
    if given_texts.is_empty() {
        return Err(EditError::NoText { what });
    }
    let all = languages(doc);
    let missing: Vec<&str> = all
        .iter()
        .map(String::as_str)
        .filter(|l| !given_texts.iter().any(|(g, _)| g == l))
        .collect();
    // A file in one language takes a plain string in it; once it has two,
    // every text needs all of them (the signer's rule, said here first).
    if all.len() > 1 && !missing.is_empty() && !given.untranslated {
        return Err(EditError::Untranslated {
            what,
            languages: all.join(", "),
            missing: missing
                .iter()
                .map(|l| format!("--{l}"))
                .collect::<Vec<_>>()
                .join(" and "),
        });
    }
    if let ([(lang, text)], Some(file)) = (given_texts.as_slice(), &file_lang) {
        if lang == file && missing.is_empty() {
            return Ok(Value::from(*text));
        }
    }
    let source = match (&given.source, &file_lang, given_texts.as_slice()) {
        (Some(s), _, _) => s.clone(),
        (None, Some(file), _) if given_texts.iter().any(|(l, _)| l == file) => file.clone(),
        (None, _, [(only, _)]) => (*only).to_owned(),
        _ => return Err(EditError::WhichOriginal { what }),
    };
    let mut table = InlineTable::new();
    for (lang, text) in &given_texts {
        table.insert(*lang, Value::from(*text));
    }
    if Some(&source) != file_lang.as_ref() {
        table.insert("source", Value::from(source.as_str()));
    }
    if given.untranslated && !missing.is_empty() {
        table.insert("untranslated", Value::from(true));
    }
    Ok(Value::InlineTable(table))
}

/// Sets one component's status.
pub fn set_component(
    doc: &mut DocumentMut,
    reference: &str,
    status: Status,
) -> Result<(), EditError> {
    let (service, component) = reference
        .split_once('/')
        .ok_or_else(|| EditError::BadReference(reference.to_owned()))?;
    let known = known_components(doc);
    let found = tables_mut(doc.as_table_mut(), "services")
        .filter(|s| id_of(s) == service)
        .flat_map(|s| tables_mut(s, "components"))
        .find(|c| id_of(c) == component);
    match found {
        Some(c) => {
            c["status"] = toml_edit::value(status.as_str());
            Ok(())
        }
        None => Err(EditError::UnknownComponent {
            reference: reference.to_owned(),
            known,
        }),
    }
}

fn known_components(doc: &DocumentMut) -> String {
    let all: Vec<String> = tables(doc.as_table(), "services")
        .flat_map(|s| tables(s, "components").map(move |c| format!("{}/{}", id_of(s), id_of(c))))
        .collect();
    if all.is_empty() {
        "none".to_owned()
    } else {
        all.join(", ")
    }
}

fn known_incidents(doc: &DocumentMut) -> String {
    let all: Vec<&str> = tables(doc.as_table(), "incidents").map(id_of).collect();
    if all.is_empty() {
        "none".to_owned()
    } else {
        all.join(", ")
    }
}

fn update_table(doc: &DocumentMut, update: &NewUpdate) -> Result<Table, EditError> {
    let mut t = Table::new();
    let at: toml_edit::Datetime = update
        .at
        .parse()
        .map_err(|_| EditError::Syntax(format!("`{}` is not a date-time", update.at)))?;
    t["at"] = toml_edit::value(at);
    t["state"] = toml_edit::value(update.state.as_str());
    t["message"] = Item::Value(text_value(doc, "the message", &update.message)?);
    if let Some(sources) = &update.sources {
        t["sources"] = toml_edit::value(sources.as_str());
    }
    Ok(t)
}

/// Adds an incident with its first update, after the last incident.
pub fn open_incident(doc: &mut DocumentMut, incident: &NewIncident) -> Result<(), EditError> {
    if tables(doc.as_table(), "incidents").any(|t| id_of(t) == incident.id) {
        return Err(EditError::IncidentExists {
            id: incident.id.clone(),
        });
    }
    let known = known_components(doc);
    for reference in &incident.components {
        let listed = reference.split_once('/').is_some_and(|(s, c)| {
            tables(doc.as_table(), "services")
                .filter(|t| id_of(t) == s)
                .flat_map(|t| tables(t, "components"))
                .any(|t| id_of(t) == c)
        });
        if !listed {
            return Err(EditError::UnknownComponent {
                reference: reference.clone(),
                known: known.clone(),
            });
        }
    }
    let mut t = Table::new();
    t["id"] = toml_edit::value(incident.id.as_str());
    t["title"] = Item::Value(text_value(doc, "the title", &incident.title)?);
    t["impact"] = toml_edit::value(incident.impact.as_str());
    let mut components = Array::new();
    for c in &incident.components {
        components.push(c.as_str());
    }
    t["components"] = toml_edit::value(components);
    let mut updates = ArrayOfTables::new();
    updates.push(update_table(doc, &incident.first)?);
    t["updates"] = Item::ArrayOfTables(updates);
    let root = doc.as_table_mut();
    if !root.get("incidents").is_some_and(Item::is_array_of_tables) {
        root["incidents"] = Item::ArrayOfTables(ArrayOfTables::new());
    }
    if let Some(all) = root
        .get_mut("incidents")
        .and_then(Item::as_array_of_tables_mut)
    {
        all.push(t);
    }
    Ok(())
}

/// Adds an update to an open incident, after its last one.
pub fn add_update(doc: &mut DocumentMut, id: &str, update: &NewUpdate) -> Result<(), EditError> {
    let known = known_incidents(doc);
    let table = update_table(doc, update)?;
    let incident = tables_mut(doc.as_table_mut(), "incidents")
        .find(|t| id_of(t) == id)
        .ok_or_else(|| EditError::UnknownIncident {
            id: id.to_owned(),
            known,
        })?;
    let resolved = tables(incident, "updates")
        .last()
        .and_then(|u| u.get("state").and_then(Item::as_str))
        == Some(IncidentState::Resolved.as_str());
    if resolved {
        return Err(EditError::IncidentResolved { id: id.to_owned() });
    }
    if !incident
        .get("updates")
        .is_some_and(Item::is_array_of_tables)
    {
        incident["updates"] = Item::ArrayOfTables(ArrayOfTables::new());
    }
    if let Some(updates) = incident
        .get_mut("updates")
        .and_then(Item::as_array_of_tables_mut)
    {
        updates.push(table);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"# Kakao's status file: comments stay.
feed = "kakao"
lang = "ko"

[[services]]
id = "kakao-account"
name = { ko = "카카오계정", en = "Kakao Account" }
[[services.components]]
id = "login"   # the one everything needs
name = { ko = "로그인", en = "Login" }
status = "operational"

[[incidents]]
id = "old"
title = { ko = "지난 장애", en = "An old outage" }
impact = "major_outage"
components = ["kakao-account/login"]
[[incidents.updates]]
at = 2022-10-15T15:50:00+09:00
state = "investigating"
message = { ko = "확인 중", en = "Checking" }

[[maintenances]]
id = "db"
title = { ko = "점검", en = "Maintenance" }
starts_at = 2030-01-01T00:00:00+09:00
ends_at = 2030-01-01T02:00:00+09:00
components = ["kakao-account/login"]
state = "scheduled"
"#;

    fn both(ko: &str, en: &str) -> GivenText {
        GivenText {
            ko: Some(ko.into()),
            en: Some(en.into()),
            ..GivenText::default()
        }
    }

    fn update(at: &str, state: IncidentState, message: GivenText) -> NewUpdate {
        NewUpdate {
            at: at.into(),
            state,
            message,
            sources: None,
        }
    }

    /// The edit, read back by the status file's own parser.
    fn parsed(doc: &DocumentMut) -> crate::status_file::StatusDraft {
        crate::status_file::parse(&doc.to_string()).unwrap_or_else(|e| panic!("{e:?}\n{doc}"))
    }

    #[test]
    fn a_component_is_set_and_comments_stay() {
        let mut doc = parse(FILE).unwrap();
        set_component(&mut doc, "kakao-account/login", Status::MajorOutage).unwrap();
        let text = doc.to_string();
        assert!(text.contains("# Kakao's status file: comments stay."));
        assert!(text.contains("id = \"login\"   # the one everything needs"));
        assert_eq!(
            parsed(&doc).services[0].components[0].status,
            Status::MajorOutage
        );
        let err = set_component(&mut doc, "kakao-account/logn", Status::MajorOutage).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no component `kakao-account/logn`; the status file has: kakao-account/login"
        );
    }

    #[test]
    fn an_update_goes_after_its_incidents_last_and_before_what_follows() {
        let mut doc = parse(FILE).unwrap();
        let u = update(
            "2022-10-15T16:12:00+09:00",
            IncidentState::Identified,
            both("화재", "Fire"),
        );
        add_update(&mut doc, "old", &u).unwrap();
        let d = parsed(&doc);
        assert_eq!(d.incidents[0].updates.len(), 2);
        assert_eq!(d.incidents[0].updates[1].message.source(), "화재");
        assert_eq!(d.incidents[0].updates[1].message.get("en"), Some("Fire"));
        assert_eq!(d.maintenances.len(), 1, "the maintenance is still its own");
        let err = add_update(&mut doc, "nope", &u).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no incident `nope`; the status file has: old"
        );
    }

    #[test]
    fn a_new_incident_is_opened_with_its_first_update() {
        let mut doc = parse(FILE).unwrap();
        let incident = NewIncident {
            id: "fire".into(),
            title: both("판교 화재", "Pangyo fire"),
            impact: Status::MajorOutage,
            components: vec!["kakao-account/login".into()],
            first: NewUpdate {
                sources: Some("on-call".into()),
                ..update(
                    "2022-10-15T15:50:00+09:00",
                    IncidentState::Investigating,
                    both("확인 중", "Checking"),
                )
            },
        };
        open_incident(&mut doc, &incident).unwrap();
        let d = parsed(&doc);
        assert_eq!(d.incidents.len(), 2);
        assert_eq!(d.incidents[1].id, "fire");
        assert_eq!(
            d.incidents[1].updates[0].sources.as_deref(),
            Some("on-call")
        );
        assert_eq!(d.maintenances.len(), 1);
        assert_eq!(
            open_incident(&mut doc, &incident),
            Err(EditError::IncidentExists { id: "fire".into() })
        );
        let unknown = NewIncident {
            id: "other".into(),
            components: vec!["melon/streaming".into()],
            ..incident
        };
        assert!(matches!(
            open_incident(&mut doc, &unknown),
            Err(EditError::UnknownComponent { .. })
        ));
    }

    #[test]
    fn one_language_in_a_two_language_file_needs_saying() {
        let doc = parse(FILE).unwrap();
        let en_only = GivenText {
            en: Some("Fire".into()),
            ..GivenText::default()
        };
        let err = text_value(&doc, "the message", &en_only).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the message: this status file is written in ko, en; give --ko too, or pass --untranslated to publish it without"
        );
        let marked = GivenText {
            untranslated: true,
            ..en_only
        };
        assert_eq!(
            text_value(&doc, "the message", &marked)
                .unwrap()
                .to_string()
                .trim(),
            r#"{ en = "Fire", source = "en", untranslated = true }"#
        );
        assert!(matches!(
            text_value(&doc, "the message", &GivenText::default()),
            Err(EditError::NoText { .. })
        ));
    }

    #[test]
    fn a_one_language_file_takes_plain_strings() {
        let doc = parse("feed = \"kakao\"\nlang = \"ko\"\n").unwrap();
        let ko = GivenText {
            ko: Some("확인 중".into()),
            ..GivenText::default()
        };
        assert_eq!(
            text_value(&doc, "m", &ko).unwrap().as_str(),
            Some("확인 중")
        );
        let no_lang = parse("feed = \"kakao\"\n").unwrap();
        assert!(matches!(
            text_value(&no_lang, "m", &both("a", "b")),
            Err(EditError::WhichOriginal { what: "m" })
        ));
    }

    #[test]
    fn a_resolved_incident_takes_no_more_updates() {
        let mut doc = parse(FILE).unwrap();
        let done = update(
            "2022-10-15T18:00:00+09:00",
            IncidentState::Resolved,
            both("복구", "Restored"),
        );
        add_update(&mut doc, "old", &done).unwrap();
        let again = update(
            "2022-10-15T19:00:00+09:00",
            IncidentState::Monitoring,
            both("a", "b"),
        );
        assert_eq!(
            add_update(&mut doc, "old", &again),
            Err(EditError::IncidentResolved { id: "old".into() })
        );
    }
}
