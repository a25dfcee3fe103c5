//! One entry of the history log: a status event the operator declared.
//!
//! An entry is the line `bongsu-log-event/v1` followed by one line of JSON.
//! The `at` time is when the operator says the event happened (replays and
//! back-filled updates carry past times); when it entered the log is proven
//! separately, by the checkpoints and witness cosignatures that cover it.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::feed::model::{IncidentState, Status};
use crate::feed::validate::ValidationError;
use crate::probe::consensus::DisagreementKind;
use crate::text::is_valid_id;
use crate::text::json::{FromJson, Problem, Value};
use crate::text::Localized;

pub const EVENT_HEADER: &str = "bongsu-log-event/v1";
/// Events with texts that state their language, or components with
/// dependencies, are written under this header; all others keep v1, so a
/// log that uses neither stays readable by readers from before it.
pub const EVENT_HEADER_V2: &str = "bongsu-log-event/v2";
/// C2SP tlog-tiles entry bundles length-prefix entries with 16 bits.
pub const MAX_EVENT_BYTES: usize = 16 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogEvent {
    #[serde(with = "crate::text::rfc3339")]
    pub at: OffsetDateTime,
    pub event: Event,
}

/// A named part of a service, as the catalogue lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentName {
    pub id: String,
    pub name: Localized,
    /// `service/component` references, as the feed had them then.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Event {
    /// A service enters the catalogue (or is renamed); its components start operational.
    ServiceListed {
        service: String,
        name: Localized,
        components: Vec<ComponentName>,
    },
    /// The service leaves the catalogue; its history stays.
    ServiceDelisted {
        service: String,
    },
    ComponentStatus {
        service: String,
        component: String,
        status: Status,
    },
    IncidentOpened {
        incident: String,
        title: Localized,
        impact: Status,
        /// `service/component` references.
        components: Vec<String>,
    },
    IncidentUpdated {
        incident: String,
        state: IncidentState,
        message: Localized,
        /// Where the statement comes from, apart from it (format v2).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sources: Option<String>,
    },
    IncidentResolved {
        incident: String,
        message: Localized,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sources: Option<String>,
    },
    PostmortemPublished {
        incident: String,
        url: String,
    },
    MaintenanceScheduled {
        maintenance: String,
        title: Localized,
        #[serde(with = "crate::text::rfc3339")]
        starts_at: OffsetDateTime,
        #[serde(with = "crate::text::rfc3339")]
        ends_at: OffsetDateTime,
        components: Vec<String>,
    },
    MaintenanceStarted {
        maintenance: String,
    },
    MaintenanceEnded {
        maintenance: String,
    },
    /// The regions' probes and the declared status disagreed about a
    /// service for longer than the grace period. `at` is when that was
    /// seen; the probes' regions are listed by id, in order.
    ProbesDisagreed {
        service: String,
        disagreement: DisagreementKind,
        /// When the disagreement began (the grace period started then).
        #[serde(with = "crate::text::rfc3339")]
        since: OffsetDateTime,
        /// The regions whose probes found the service failing, and passing.
        failing: Vec<String>,
        passing: Vec<String>,
    },
    /// The probes and the declared status no longer disagree about the
    /// service (the outage was declared, or the probes changed their minds).
    DisagreementEnded {
        service: String,
    },
}

impl Event {
    /// The event's operator-written text, if it has one (a listing's names
    /// are in [`Event::ServiceListed`]'s components too).
    pub fn texts(&self) -> Vec<&Localized> {
        match self {
            Event::ServiceListed {
                name, components, ..
            } => std::iter::once(name)
                .chain(components.iter().map(|c| &c.name))
                .collect(),
            Event::IncidentOpened { title, .. } | Event::MaintenanceScheduled { title, .. } => {
                vec![title]
            }
            Event::IncidentUpdated { message, .. } | Event::IncidentResolved { message, .. } => {
                vec![message]
            }
            _ => Vec::new(),
        }
    }

    /// The header this event is written under: v2 when it needs format 2.
    pub fn header(&self) -> &'static str {
        let deps = matches!(self, Event::ServiceListed { components, .. }
            if components.iter().any(|c| !c.depends_on.is_empty()));
        let sources = matches!(
            self,
            Event::IncidentUpdated {
                sources: Some(_),
                ..
            } | Event::IncidentResolved {
                sources: Some(_),
                ..
            }
        );
        if deps || sources || self.texts().iter().any(|t| !t.is_plain()) {
            EVENT_HEADER_V2
        } else {
            EVENT_HEADER
        }
    }

    /// The wire name of the kind, for filters and exports.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::ServiceListed { .. } => "service_listed",
            Event::ServiceDelisted { .. } => "service_delisted",
            Event::ComponentStatus { .. } => "component_status",
            Event::IncidentOpened { .. } => "incident_opened",
            Event::IncidentUpdated { .. } => "incident_updated",
            Event::IncidentResolved { .. } => "incident_resolved",
            Event::PostmortemPublished { .. } => "postmortem_published",
            Event::MaintenanceScheduled { .. } => "maintenance_scheduled",
            Event::MaintenanceStarted { .. } => "maintenance_started",
            Event::MaintenanceEnded { .. } => "maintenance_ended",
            Event::ProbesDisagreed { .. } => "probes_disagreed",
            Event::DisagreementEnded { .. } => "disagreement_ended",
        }
    }
}

/// The field rules a feed follows (identifiers, text lengths, http(s)-only
/// links), applied to one event. A log entry is signed by the log key, not
/// by the status key and its validation, so a reader applies them again
/// before anything of the event is shown: a `javascript:` postmortem link
/// or a megabyte-long title in the log is refused like one in a feed.
pub fn validate_event(event: &Event) -> Result<(), ValidationError> {
    use crate::feed::validate::{
        check_id, check_localized, check_url, MAX_MESSAGE_LEN, MAX_NAME_LEN,
    };
    let components = |path: &str, refs: &[String]| {
        for (i, r) in refs.iter().enumerate() {
            let ok = crate::feed::model::ComponentRef::parse(r)
                .is_some_and(|c| is_valid_id(&c.service) && is_valid_id(&c.component));
            if !ok {
                return Err(ValidationError::UnknownComponent {
                    path: format!("{path}[{i}]"),
                    reference: r.chars().take(100).collect(),
                });
            }
        }
        Ok(())
    };
    let regions = |path: &str, ids: &[String]| {
        ids.iter()
            .enumerate()
            .try_for_each(|(i, id)| check_id(&format!("{path}[{i}]"), id))
    };
    match event {
        Event::ServiceListed {
            service,
            name,
            components: listed,
        } => {
            check_id("service", service)?;
            check_localized("name", name, MAX_NAME_LEN)?;
            for (i, c) in listed.iter().enumerate() {
                check_id(&format!("components[{i}].id"), &c.id)?;
                check_localized(&format!("components[{i}].name"), &c.name, MAX_NAME_LEN)?;
                components(&format!("components[{i}].depends_on"), &c.depends_on)?;
            }
            Ok(())
        }
        Event::ServiceDelisted { service } | Event::DisagreementEnded { service } => {
            check_id("service", service)
        }
        Event::ComponentStatus {
            service, component, ..
        } => {
            check_id("service", service)?;
            check_id("component", component)
        }
        Event::IncidentOpened {
            incident,
            title,
            components: refs,
            ..
        } => {
            check_id("incident", incident)?;
            check_localized("title", title, MAX_NAME_LEN)?;
            components("components", refs)
        }
        Event::IncidentUpdated {
            incident,
            message,
            sources,
            ..
        }
        | Event::IncidentResolved {
            incident,
            message,
            sources,
        } => {
            check_id("incident", incident)?;
            if let Some(sources) = sources {
                crate::feed::validate::check_text("sources", sources, MAX_NAME_LEN)?;
            }
            check_localized("message", message, MAX_MESSAGE_LEN)
        }
        Event::PostmortemPublished { incident, url } => {
            check_id("incident", incident)?;
            check_url("url", url)
        }
        Event::MaintenanceScheduled {
            maintenance,
            title,
            starts_at,
            ends_at,
            components: refs,
        } => {
            check_id("maintenance", maintenance)?;
            check_localized("title", title, MAX_NAME_LEN)?;
            if ends_at <= starts_at {
                return Err(ValidationError::EndsBeforeStart {
                    path: "ends_at".to_owned(),
                });
            }
            components("components", refs)
        }
        Event::MaintenanceStarted { maintenance } | Event::MaintenanceEnded { maintenance } => {
            check_id("maintenance", maintenance)
        }
        Event::ProbesDisagreed {
            service,
            failing,
            passing,
            ..
        } => {
            check_id("service", service)?;
            regions("failing", failing)?;
            regions("passing", passing)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    #[error("entry {index} is {len} bytes, over the {MAX_EVENT_BYTES}-byte limit")]
    TooLarge { index: u64, len: usize },
    #[error("entry {index} does not start with the line `{EVENT_HEADER}` or `{EVENT_HEADER_V2}` (a newer Bongsu may have written it)")]
    WrongHeader { index: u64 },
    #[error("entry {index} is not a valid event: {message}")]
    Json { index: u64, message: String },
}

/// The entry bytes for an event. The encoding is canonical: decoding and
/// re-encoding gives the same bytes, which [`decode_event`] insists on.
pub fn encode_event(event: &LogEvent) -> Vec<u8> {
    let json =
        crate::text::invariant::holds(serde_json::to_string(event), "events always serialize");
    format!("{}\n{json}", event.event.header()).into_bytes()
}

pub fn decode_event(index: u64, entry: &[u8]) -> Result<LogEvent, EventError> {
    if entry.len() > MAX_EVENT_BYTES {
        return Err(EventError::TooLarge {
            index,
            len: entry.len(),
        });
    }
    let rest = [EVENT_HEADER, EVENT_HEADER_V2]
        .iter()
        .find_map(|h| entry.strip_prefix(h.as_bytes()))
        .and_then(|r| r.strip_prefix(b"\n"))
        .ok_or(EventError::WrongHeader { index })?;
    let json_error = |message| EventError::Json { index, message };
    let text = std::str::from_utf8(rest).map_err(|_| json_error("it is not UTF-8".into()))?;
    let event = crate::text::json::read(text, LogEvent::from_json)
        .map_err(|e| json_error(e.to_string()))?;
    // One meaning, one encoding: otherwise two logs could hold "the same"
    // event under different hashes.
    if encode_event(&event) != entry {
        return Err(EventError::Json {
            index,
            message:
                "not in canonical form (header version, field order, spacing or time format differ)"
                    .into(),
        });
    }
    Ok(event)
}

impl FromJson for LogEvent {
    fn from_json(v: &Value<'_>) -> Result<Self, Problem> {
        v.object(|f| {
            Ok(LogEvent {
                at: f.required("at")?.time()?,
                event: Event::from_json(f.required("event")?)?,
            })
        })
    }
}

/// Internally tagged by `kind`, as `#[serde(tag = "kind")]` writes it.
impl FromJson for Event {
    fn from_json(v: &Value<'_>) -> Result<Self, Problem> {
        const KINDS: [&str; 12] = [
            "service_listed",
            "service_delisted",
            "component_status",
            "incident_opened",
            "incident_updated",
            "incident_resolved",
            "postmortem_published",
            "maintenance_scheduled",
            "maintenance_started",
            "maintenance_ended",
            "probes_disagreed",
            "disagreement_ended",
        ];
        v.object(|f| {
            let kind = f.required("kind")?.one_of(&KINDS)?;
            Ok(match KINDS[kind] {
                "service_listed" => Event::ServiceListed {
                    service: f.text("service")?,
                    name: Localized::from_json(f.required("name")?)?,
                    components: f.required("components")?.list(ComponentName::from_json)?,
                },
                "service_delisted" => Event::ServiceDelisted {
                    service: f.text("service")?,
                },
                "component_status" => Event::ComponentStatus {
                    service: f.text("service")?,
                    component: f.text("component")?,
                    status: Status::from_json(f.required("status")?)?,
                },
                "incident_opened" => Event::IncidentOpened {
                    incident: f.text("incident")?,
                    title: Localized::from_json(f.required("title")?)?,
                    impact: Status::from_json(f.required("impact")?)?,
                    components: f.required("components")?.strings()?,
                },
                "incident_updated" => Event::IncidentUpdated {
                    incident: f.text("incident")?,
                    state: IncidentState::from_json(f.required("state")?)?,
                    message: Localized::from_json(f.required("message")?)?,
                    sources: f.optional("sources").map(Value::string).transpose()?,
                },
                "incident_resolved" => Event::IncidentResolved {
                    incident: f.text("incident")?,
                    message: Localized::from_json(f.required("message")?)?,
                    sources: f.optional("sources").map(Value::string).transpose()?,
                },
                "postmortem_published" => Event::PostmortemPublished {
                    incident: f.text("incident")?,
                    url: f.text("url")?,
                },
                "maintenance_scheduled" => Event::MaintenanceScheduled {
                    maintenance: f.text("maintenance")?,
                    title: Localized::from_json(f.required("title")?)?,
                    starts_at: f.required("starts_at")?.time()?,
                    ends_at: f.required("ends_at")?.time()?,
                    components: f.required("components")?.strings()?,
                },
                "maintenance_started" => Event::MaintenanceStarted {
                    maintenance: f.text("maintenance")?,
                },
                "maintenance_ended" => Event::MaintenanceEnded {
                    maintenance: f.text("maintenance")?,
                },
                "probes_disagreed" => Event::ProbesDisagreed {
                    service: f.text("service")?,
                    disagreement: DisagreementKind::from_json(f.required("disagreement")?)?,
                    since: f.required("since")?.time()?,
                    failing: f.required("failing")?.strings()?,
                    passing: f.required("passing")?.strings()?,
                },
                _ => Event::DisagreementEnded {
                    service: f.text("service")?,
                },
            })
        })
    }
}

impl FromJson for ComponentName {
    fn from_json(v: &Value<'_>) -> Result<Self, Problem> {
        v.object(|f| {
            Ok(ComponentName {
                id: f.text("id")?,
                name: Localized::from_json(f.required("name")?)?,
                depends_on: f
                    .get("depends_on")
                    .map(Value::strings)
                    .transpose()?
                    .unwrap_or_default(),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn sample() -> LogEvent {
        LogEvent {
            at: datetime!(2022-10-15 15:30 +09:00),
            event: Event::ComponentStatus {
                service: "kakaotalk".into(),
                component: "messaging".into(),
                status: Status::MajorOutage,
            },
        }
    }

    #[test]
    fn round_trips_canonically() {
        let bytes = encode_event(&sample());
        assert_eq!(
            String::from_utf8(bytes.clone()).unwrap(),
            "bongsu-log-event/v1\n{\"at\":\"2022-10-15T15:30:00+09:00\",\"event\":{\"kind\":\"component_status\",\"service\":\"kakaotalk\",\"component\":\"messaging\",\"status\":\"major_outage\"}}"
        );
        assert_eq!(decode_event(0, &bytes).unwrap(), sample());
    }

    #[test]
    fn localized_text_takes_the_v2_header_and_plain_keeps_v1() {
        let event = |message: Localized| LogEvent {
            at: datetime!(2022-10-16 02:16 +09:00),
            event: Event::IncidentUpdated {
                sources: None,
                incident: "fire".into(),
                state: IncidentState::Identified,
                message,
            },
        };
        let plain = encode_event(&event(Localized::plain("Partly back")));
        assert!(plain.starts_with(b"bongsu-log-event/v1\n"));
        let both = event(Localized::new(
            "en",
            "Partly back",
            [("ko".to_owned(), "일부 복구".to_owned())],
        ));
        let bytes = encode_event(&both);
        assert!(bytes.starts_with(b"bongsu-log-event/v2\n"));
        assert_eq!(decode_event(0, &bytes).unwrap(), both);
        // The same event under the other header is not canonical.
        let mut swapped = bytes.clone();
        swapped[18] = b'1';
        assert!(decode_event(0, &swapped).is_err());
        let mut plain_v2 = plain.clone();
        plain_v2[18] = b'2';
        assert!(decode_event(0, &plain_v2).is_err());
    }

    #[test]
    fn non_canonical_spacing_is_refused() {
        let text = "bongsu-log-event/v1\n{\"at\": \"2022-10-15T15:30:00+09:00\",\"event\":{\"kind\":\"component_status\",\"service\":\"kakaotalk\",\"component\":\"messaging\",\"status\":\"major_outage\"}}";
        assert!(matches!(
            decode_event(3, text.as_bytes()),
            Err(EventError::Json { index: 3, .. })
        ));
    }

    #[test]
    fn unknown_kinds_and_fields_are_refused() {
        for text in [
            "bongsu-log-event/v1\n{\"at\":\"2022-10-15T15:30:00+09:00\",\"event\":{\"kind\":\"rumour\"}}",
            "bongsu-log-event/v1\n{\"at\":\"2022-10-15T15:30:00+09:00\",\"event\":{\"kind\":\"maintenance_started\",\"maintenance\":\"m\",\"x\":1}}",
        ] {
            assert!(decode_event(0, text.as_bytes()).is_err(), "{text}");
        }
    }

    #[test]
    fn header_and_size_are_checked() {
        assert_eq!(
            decode_event(1, b"{}"),
            Err(EventError::WrongHeader { index: 1 })
        );
        let big = vec![b'x'; MAX_EVENT_BYTES + 1];
        assert!(matches!(
            decode_event(2, &big),
            Err(EventError::TooLarge { .. })
        ));
    }
}
