//! The status feed's data model: what one signed feed says.

use crate::text::json::{FromJson, Problem, Value};
use crate::text::Localized;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The state of one component, from best to worst as [`Status::rank`] orders them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Operational,
    UnderMaintenance,
    DegradedPerformance,
    PartialOutage,
    MajorOutage,
}

impl Status {
    /// Every status, best first.
    pub const ALL: [Status; 5] = [
        Status::Operational,
        Status::UnderMaintenance,
        Status::DegradedPerformance,
        Status::PartialOutage,
        Status::MajorOutage,
    ];

    /// How bad the status is: 0 for operational, higher is worse. Planned
    /// maintenance ranks below any unplanned degradation.
    pub fn rank(self) -> u8 {
        match self {
            Status::Operational => 0,
            Status::UnderMaintenance => 1,
            Status::DegradedPerformance => 2,
            Status::PartialOutage => 3,
            Status::MajorOutage => 4,
        }
    }

    /// The wire name, as written in status files and feeds.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Operational => "operational",
            Status::UnderMaintenance => "under_maintenance",
            Status::DegradedPerformance => "degraded_performance",
            Status::PartialOutage => "partial_outage",
            Status::MajorOutage => "major_outage",
        }
    }

    /// A symbol for the status, so it is never told by colour alone (the
    /// app, the widget and the badge show it beside the words).
    pub fn symbol(self) -> &'static str {
        match self {
            Status::Operational => "✓",
            Status::UnderMaintenance => "⚙",
            Status::DegradedPerformance => "▲",
            Status::PartialOutage => "◐",
            Status::MajorOutage => "✕",
        }
    }

    /// The worst of several statuses; operational when there are none.
    pub fn worst(statuses: impl IntoIterator<Item = Status>) -> Status {
        statuses
            .into_iter()
            .max_by_key(|s| s.rank())
            .unwrap_or(Status::Operational)
    }
}

/// Where an incident stands, in the usual status-page vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentState {
    Investigating,
    Identified,
    Monitoring,
    Resolved,
}

impl IncidentState {
    pub fn as_str(self) -> &'static str {
        match self {
            IncidentState::Investigating => "investigating",
            IncidentState::Identified => "identified",
            IncidentState::Monitoring => "monitoring",
            IncidentState::Resolved => "resolved",
        }
    }
}

/// One signed status feed. Field order here is the order on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Feed {
    /// Which feed this is; the app only accepts the feed its config names,
    /// so a validly signed feed for another page cannot be substituted.
    pub feed: String,
    /// Increases with every feed the operator signs; later work rejects
    /// anything older than what a reader has already seen.
    pub seq: u64,
    #[serde(with = "crate::text::rfc3339")]
    pub issued_at: OffsetDateTime,
    /// After this the feed must not be shown as current.
    #[serde(with = "crate::text::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// The history log this feed commits to, once the log exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<LogCommitment>,
    pub services: Vec<Service>,
    /// Incidents that are not yet resolved, or were resolved recently enough
    /// for the operator to keep them on the page.
    #[serde(default)]
    pub incidents: Vec<Incident>,
    /// Planned work that has not ended, or ended recently enough for the
    /// operator to keep it on the page.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub maintenances: Vec<Maintenance>,
}

/// A commitment to the history log: its size and Merkle root at signing time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogCommitment {
    pub size: u64,
    /// Base64 of the 32-byte RFC 6962 root hash.
    pub root: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    pub id: String,
    pub name: Localized,
    pub components: Vec<Component>,
}

impl Service {
    /// The service's status is its worst component's.
    pub fn status(&self) -> Status {
        Status::worst(self.components.iter().map(|c| c.status))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Component {
    pub id: String,
    pub name: Localized,
    pub status: Status,
    /// `service/component` references to the components this one needs
    /// (payments need login): when one of them is down, this one is
    /// affected through it. Format v2.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
}

/// `service/component`, as incidents name what they affect.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ComponentRef {
    pub service: String,
    pub component: String,
}

impl ComponentRef {
    pub fn parse(s: &str) -> Option<ComponentRef> {
        let (service, component) = s.split_once('/')?;
        Some(ComponentRef {
            service: service.to_owned(),
            component: component.to_owned(),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Incident {
    pub id: String,
    pub title: Localized,
    /// The worst status the incident causes.
    pub impact: Status,
    /// `service/component` references to components in this feed.
    pub components: Vec<String>,
    /// Oldest first.
    pub updates: Vec<IncidentUpdate>,
    /// Where the post-incident review is published, once it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postmortem: Option<String>,
}

/// Where planned work stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaintenanceState {
    Scheduled,
    InProgress,
    Completed,
}

impl MaintenanceState {
    pub fn as_str(self) -> &'static str {
        match self {
            MaintenanceState::Scheduled => "scheduled",
            MaintenanceState::InProgress => "in_progress",
            MaintenanceState::Completed => "completed",
        }
    }
}

/// Planned work on some components, announced ahead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Maintenance {
    pub id: String,
    pub title: Localized,
    #[serde(with = "crate::text::rfc3339")]
    pub starts_at: OffsetDateTime,
    #[serde(with = "crate::text::rfc3339")]
    pub ends_at: OffsetDateTime,
    /// `service/component` references to components in this feed.
    pub components: Vec<String>,
    pub state: MaintenanceState,
}

impl Incident {
    /// The newest update's state; an incident always has at least one update.
    pub fn state(&self) -> Option<IncidentState> {
        self.updates.last().map(|u| u.state)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentUpdate {
    #[serde(with = "crate::text::rfc3339")]
    pub at: OffsetDateTime,
    pub state: IncidentState,
    pub message: Localized,
    /// Where the statement comes from (its first publication, or the
    /// research behind a replay), shown apart from the message. Format v2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sources: Option<String>,
}

impl Feed {
    /// Every operator-written text in the feed, in field order.
    pub fn texts(&self) -> impl Iterator<Item = &Localized> {
        let services = self
            .services
            .iter()
            .flat_map(|s| std::iter::once(&s.name).chain(s.components.iter().map(|c| &c.name)));
        let incidents = self
            .incidents
            .iter()
            .flat_map(|i| std::iter::once(&i.title).chain(i.updates.iter().map(|u| &u.message)));
        services
            .chain(incidents)
            .chain(self.maintenances.iter().map(|m| &m.title))
    }

    /// The oldest format that can carry this feed: 2 when a text states its
    /// language or a component has dependencies, else 1, so a feed without
    /// them stays readable by readers from before format 2.
    pub fn format_version(&self) -> u32 {
        let deps = self
            .services
            .iter()
            .any(|s| s.components.iter().any(|c| !c.depends_on.is_empty()));
        let sources = self
            .incidents
            .iter()
            .any(|i| i.updates.iter().any(|u| u.sources.is_some()));
        if deps || sources || self.texts().any(|t| !t.is_plain()) {
            2
        } else {
            1
        }
    }

    /// The page's overall status: the worst component anywhere.
    pub fn overall(&self) -> Status {
        Status::worst(self.services.iter().map(Service::status))
    }

    /// Incidents whose latest update is not `resolved`.
    pub fn active_incidents(&self) -> impl Iterator<Item = &Incident> {
        self.incidents
            .iter()
            .filter(|i| i.state() != Some(IncidentState::Resolved))
    }
}

impl FromJson for Status {
    fn from_json(v: &Value<'_>) -> Result<Self, Problem> {
        Ok(Status::ALL[v.one_of(&Status::ALL.map(Status::as_str))?])
    }
}

impl FromJson for IncidentState {
    fn from_json(v: &Value<'_>) -> Result<Self, Problem> {
        const ALL: [IncidentState; 4] = [
            IncidentState::Investigating,
            IncidentState::Identified,
            IncidentState::Monitoring,
            IncidentState::Resolved,
        ];
        Ok(ALL[v.one_of(&ALL.map(IncidentState::as_str))?])
    }
}

impl FromJson for MaintenanceState {
    fn from_json(v: &Value<'_>) -> Result<Self, Problem> {
        const ALL: [MaintenanceState; 3] = [
            MaintenanceState::Scheduled,
            MaintenanceState::InProgress,
            MaintenanceState::Completed,
        ];
        Ok(ALL[v.one_of(&ALL.map(MaintenanceState::as_str))?])
    }
}

impl FromJson for Feed {
    fn from_json(v: &Value<'_>) -> Result<Self, Problem> {
        v.object(|f| {
            Ok(Feed {
                feed: f.text("feed")?,
                seq: f.required("seq")?.u64()?,
                issued_at: f.required("issued_at")?.time()?,
                expires_at: f.required("expires_at")?.time()?,
                log: f
                    .optional("log")
                    .map(LogCommitment::from_json)
                    .transpose()?,
                services: f.required("services")?.list(Service::from_json)?,
                incidents: f
                    .get("incidents")
                    .map(|v| v.list(Incident::from_json))
                    .transpose()?
                    .unwrap_or_default(),
                maintenances: f
                    .get("maintenances")
                    .map(|v| v.list(Maintenance::from_json))
                    .transpose()?
                    .unwrap_or_default(),
            })
        })
    }
}

impl FromJson for LogCommitment {
    fn from_json(v: &Value<'_>) -> Result<Self, Problem> {
        v.object(|f| {
            Ok(LogCommitment {
                size: f.required("size")?.u64()?,
                root: f.text("root")?,
            })
        })
    }
}

impl FromJson for Service {
    fn from_json(v: &Value<'_>) -> Result<Self, Problem> {
        v.object(|f| {
            Ok(Service {
                id: f.text("id")?,
                name: Localized::from_json(f.required("name")?)?,
                components: f.required("components")?.list(Component::from_json)?,
            })
        })
    }
}

impl FromJson for Component {
    fn from_json(v: &Value<'_>) -> Result<Self, Problem> {
        v.object(|f| {
            Ok(Component {
                id: f.text("id")?,
                name: Localized::from_json(f.required("name")?)?,
                status: Status::from_json(f.required("status")?)?,
                depends_on: f
                    .get("depends_on")
                    .map(Value::strings)
                    .transpose()?
                    .unwrap_or_default(),
            })
        })
    }
}

impl FromJson for Incident {
    fn from_json(v: &Value<'_>) -> Result<Self, Problem> {
        v.object(|f| {
            Ok(Incident {
                id: f.text("id")?,
                title: Localized::from_json(f.required("title")?)?,
                impact: Status::from_json(f.required("impact")?)?,
                components: f.required("components")?.strings()?,
                updates: f.required("updates")?.list(IncidentUpdate::from_json)?,
                postmortem: f.optional("postmortem").map(Value::string).transpose()?,
            })
        })
    }
}

impl FromJson for IncidentUpdate {
    fn from_json(v: &Value<'_>) -> Result<Self, Problem> {
        v.object(|f| {
            Ok(IncidentUpdate {
                at: f.required("at")?.time()?,
                state: IncidentState::from_json(f.required("state")?)?,
                message: Localized::from_json(f.required("message")?)?,
                sources: f.optional("sources").map(Value::string).transpose()?,
            })
        })
    }
}

impl FromJson for Maintenance {
    fn from_json(v: &Value<'_>) -> Result<Self, Problem> {
        v.object(|f| {
            Ok(Maintenance {
                id: f.text("id")?,
                title: Localized::from_json(f.required("title")?)?,
                starts_at: f.required("starts_at")?.time()?,
                ends_at: f.required("ends_at")?.time()?,
                components: f.required("components")?.strings()?,
                state: MaintenanceState::from_json(f.required("state")?)?,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_of_nothing_is_operational() {
        assert_eq!(Status::worst([]), Status::Operational);
    }

    #[test]
    fn worst_picks_the_highest_rank() {
        assert_eq!(
            Status::worst([
                Status::UnderMaintenance,
                Status::MajorOutage,
                Status::PartialOutage
            ]),
            Status::MajorOutage
        );
    }

    #[test]
    fn ranks_are_distinct_and_ordered_as_listed() {
        let ranks: Vec<u8> = Status::ALL.iter().map(|s| s.rank()).collect();
        assert!(ranks.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn status_wire_names_round_trip_through_serde() {
        for s in Status::ALL {
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
            assert_eq!(serde_json::from_str::<Status>(&json).unwrap(), s);
        }
    }

    #[test]
    fn component_ref_needs_a_slash() {
        assert_eq!(ComponentRef::parse("kakaotalk"), None);
        assert_eq!(
            ComponentRef::parse("kakaotalk/messaging"),
            Some(ComponentRef {
                service: "kakaotalk".into(),
                component: "messaging".into()
            })
        );
    }
}
