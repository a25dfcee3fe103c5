//! What the history log says happened: the catalogue, every component's
//! status over time, incidents with their timelines, maintenance windows.
//! Derived from the events alone, so anyone holding a verified copy of the
//! log derives exactly the same history.

use std::collections::BTreeMap;

use time::{Date, Duration, OffsetDateTime, UtcOffset};

use crate::feed::model::{
    Component, Incident, IncidentState, IncidentUpdate, Maintenance, MaintenanceState, Service,
    Status,
};
use crate::log::event::{ComponentName, Event, LogEvent};
use crate::probe::consensus::DisagreementKind;
use crate::text::Localized;

/// One status a component entered, and the log entry that says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    pub at: OffsetDateTime,
    pub status: Status,
    pub entry: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentHistory {
    pub id: String,
    pub name: Localized,
    /// Oldest first; the first is the listing (operational).
    pub changes: Vec<StatusChange>,
    /// What the component depended on, from each listing that changed it:
    /// `(since, service/component references)`, oldest first.
    pub dependencies: Vec<(OffsetDateTime, Vec<String>)>,
}

impl ComponentHistory {
    /// The components this one depended on at `t`.
    pub fn depends_on_at(&self, t: OffsetDateTime) -> &[String] {
        self.dependencies
            .iter()
            .rev()
            .find(|(since, _)| *since <= t)
            .map_or(&[], |(_, deps)| deps.as_slice())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceHistory {
    pub id: String,
    pub name: Localized,
    pub listed_at: OffsetDateTime,
    /// When the service left the catalogue, if it did.
    pub delisted_at: Option<OffsetDateTime>,
    pub components: Vec<ComponentHistory>,
}

/// One item of an incident's timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineItem {
    pub at: OffsetDateTime,
    pub state: IncidentState,
    pub message: Localized,
    pub sources: Option<String>,
    pub entry: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentRecord {
    pub id: String,
    pub title: Localized,
    pub impact: Status,
    /// `service/component` references.
    pub components: Vec<String>,
    pub opened_at: OffsetDateTime,
    pub resolved_at: Option<OffsetDateTime>,
    pub updates: Vec<TimelineItem>,
    pub postmortem: Option<String>,
    /// Every log entry about this incident, for proofs.
    pub entries: Vec<u64>,
}

impl IncidentRecord {
    pub fn services(&self) -> impl Iterator<Item = &str> {
        self.components.iter().filter_map(|c| c.split('/').next())
    }

    pub fn duration(&self) -> Option<Duration> {
        self.resolved_at.map(|r| r - self.opened_at)
    }

    pub fn state(&self) -> IncidentState {
        if self.resolved_at.is_some() {
            IncidentState::Resolved
        } else {
            self.updates
                .last()
                .map_or(IncidentState::Investigating, |u| u.state)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaintenanceRecord {
    pub id: String,
    pub title: Localized,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    pub components: Vec<String>,
    pub started_at: Option<OffsetDateTime>,
    pub ended_at: Option<OffsetDateTime>,
    pub entries: Vec<u64>,
}

/// A time the regions' probes and the declared status disagreed about a
/// service for longer than the grace period, as the log recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisagreementRecord {
    pub service: String,
    pub kind: DisagreementKind,
    /// When the disagreement began.
    pub since: OffsetDateTime,
    /// When it was logged (the grace period had passed).
    pub logged_at: OffsetDateTime,
    pub ended_at: Option<OffsetDateTime>,
    /// The regions whose probes found the service failing, and passing, when it was logged.
    pub failing: Vec<String>,
    pub passing: Vec<String>,
    pub entries: Vec<u64>,
}

/// The whole history. `problems` lists events that refer to things the log
/// never introduced; they are kept out of the derived history but shown, so
/// an operator's mistake is visible rather than silently dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    pub services: Vec<ServiceHistory>,
    pub incidents: Vec<IncidentRecord>,
    pub maintenances: Vec<MaintenanceRecord>,
    /// Oldest first.
    pub disagreements: Vec<DisagreementRecord>,
    pub problems: Vec<String>,
    /// Where each incident is in `incidents`: every update looks its
    /// incident up, and a linear search made reading a log of thousands of
    /// incidents quadratic (50,000 events with 5,530 incidents: 150 ms
    /// natively, 61 ms with the index; `bongsu-bench statuspage --days 3650`).
    incident_at: BTreeMap<String, usize>,
}

impl History {
    /// A history from its parts, as kept between visits (`kept.rs`).
    pub(crate) fn from_parts(
        services: Vec<ServiceHistory>,
        incidents: Vec<IncidentRecord>,
        maintenances: Vec<MaintenanceRecord>,
        disagreements: Vec<DisagreementRecord>,
        problems: Vec<String>,
    ) -> History {
        let incident_at = incidents
            .iter()
            .enumerate()
            .map(|(at, i)| (i.id.clone(), at))
            .collect();
        History {
            services,
            incidents,
            maintenances,
            disagreements,
            problems,
            incident_at,
        }
    }

    pub fn from_events(events: &[LogEvent]) -> History {
        let mut h = History::default();
        for (entry, e) in events.iter().enumerate() {
            h.apply(entry as u64, e);
        }
        h
    }

    /// One more event: the log's `entry`-th, after every earlier one (what
    /// [`History::from_events`] does for a whole log). A reader that
    /// verifies the log in pieces derives the history as they come.
    pub fn apply(&mut self, entry: u64, e: &LogEvent) {
        let at = e.at;
        if let Err(broken) = crate::log::event::validate_event(&e.event) {
            return self.problem(
                entry,
                format!("breaks the field rules and is not shown ({broken})"),
            );
        }
        match &e.event {
            Event::ServiceListed {
                service,
                name,
                components,
            } => self.list(entry, at, service, name, components),
            Event::ServiceDelisted { service } => match self.service_mut(service) {
                Some(s) => s.delisted_at = Some(at),
                None => self.problem(entry, format!("delists unknown service `{service}`")),
            },
            Event::ComponentStatus {
                service,
                component,
                status,
            } => {
                let found = self
                    .service_mut(service)
                    .and_then(|s| s.components.iter_mut().find(|c| &c.id == component));
                match found {
                    Some(c) => c.changes.push(StatusChange {
                        at,
                        status: *status,
                        entry,
                    }),
                    None => self.problem(
                        entry,
                        format!("sets the status of unknown component `{service}/{component}`"),
                    ),
                }
            }
            Event::IncidentOpened {
                incident,
                title,
                impact,
                components,
            } => {
                if self.incident_mut(incident).is_some() {
                    return self
                        .problem(entry, format!("opens incident `{incident}` a second time"));
                }
                self.incident_at
                    .insert(incident.clone(), self.incidents.len());
                self.incidents.push(IncidentRecord {
                    id: incident.clone(),
                    title: title.clone(),
                    impact: *impact,
                    components: components.clone(),
                    opened_at: at,
                    resolved_at: None,
                    updates: Vec::new(),
                    postmortem: None,
                    entries: vec![entry],
                });
            }
            Event::IncidentUpdated {
                incident,
                state,
                message,
                sources,
            } => self.update(entry, at, incident, *state, message, sources),
            Event::IncidentResolved {
                incident,
                message,
                sources,
            } => {
                self.update(
                    entry,
                    at,
                    incident,
                    IncidentState::Resolved,
                    message,
                    sources,
                );
                if let Some(i) = self.incident_mut(incident) {
                    i.resolved_at.get_or_insert(at);
                }
            }
            Event::PostmortemPublished { incident, url } => match self.incident_mut(incident) {
                Some(i) => {
                    i.postmortem = Some(url.clone());
                    i.entries.push(entry);
                }
                None => self.problem(
                    entry,
                    format!("links a postmortem to unknown incident `{incident}`"),
                ),
            },
            Event::MaintenanceScheduled {
                maintenance,
                title,
                starts_at,
                ends_at,
                components,
            } => match self.maintenances.iter_mut().find(|m| &m.id == maintenance) {
                // Announced again: rescheduled or its scope changed.
                Some(m) => {
                    m.title = title.clone();
                    m.starts_at = *starts_at;
                    m.ends_at = *ends_at;
                    m.components = components.clone();
                    m.entries.push(entry);
                }
                None => self.maintenances.push(MaintenanceRecord {
                    id: maintenance.clone(),
                    title: title.clone(),
                    starts_at: *starts_at,
                    ends_at: *ends_at,
                    components: components.clone(),
                    started_at: None,
                    ended_at: None,
                    entries: vec![entry],
                }),
            },
            Event::MaintenanceStarted { maintenance } | Event::MaintenanceEnded { maintenance } => {
                let started = matches!(e.event, Event::MaintenanceStarted { .. });
                match self.maintenances.iter_mut().find(|m| &m.id == maintenance) {
                    Some(m) => {
                        if started {
                            m.started_at.get_or_insert(at);
                        } else {
                            m.ended_at.get_or_insert(at);
                        }
                        m.entries.push(entry);
                    }
                    None => self.problem(
                        entry,
                        format!("refers to unknown maintenance `{maintenance}`"),
                    ),
                }
            }
            Event::ProbesDisagreed {
                service,
                disagreement,
                since,
                failing,
                passing,
            } => {
                // A new kind of disagreement replaces an open one.
                if let Some(open) = self.open_disagreement_mut(service) {
                    open.ended_at = Some(at);
                    open.entries.push(entry);
                }
                self.disagreements.push(DisagreementRecord {
                    service: service.clone(),
                    kind: *disagreement,
                    since: *since,
                    logged_at: at,
                    ended_at: None,
                    failing: failing.clone(),
                    passing: passing.clone(),
                    entries: vec![entry],
                });
            }
            Event::DisagreementEnded { service } => match self.open_disagreement_mut(service) {
                Some(open) => {
                    open.ended_at = Some(at);
                    open.entries.push(entry);
                }
                None => self.problem(
                    entry,
                    format!("ends a disagreement about `{service}` that is not open"),
                ),
            },
        }
    }

    fn open_disagreement_mut(&mut self, service: &str) -> Option<&mut DisagreementRecord> {
        self.disagreements
            .iter_mut()
            .rev()
            .find(|d| d.service == service && d.ended_at.is_none())
    }

    /// When the log last changed the declared status of one of `service`'s
    /// components (or listed it): since then the declaration has stood.
    pub fn status_changed_at(&self, service: &str) -> Option<OffsetDateTime> {
        self.service(service)?
            .components
            .iter()
            .filter_map(|c| c.changes.last().map(|change| change.at))
            .max()
    }

    /// The time of the newest declaration in the log (a listing, a status,
    /// an incident or maintenance), leaving out the probes' disagreements,
    /// which are logged when seen.
    pub fn last_declared_at(&self) -> Option<OffsetDateTime> {
        let services = self.services.iter().flat_map(|s| {
            std::iter::once(s.listed_at).chain(
                s.components
                    .iter()
                    .flat_map(|c| c.changes.iter().map(|x| x.at)),
            )
        });
        let incidents = self
            .incidents
            .iter()
            .flat_map(|i| std::iter::once(i.opened_at).chain(i.updates.iter().map(|u| u.at)));
        let maintenances = self
            .maintenances
            .iter()
            .flat_map(|m| m.started_at.into_iter().chain(m.ended_at));
        services.chain(incidents).chain(maintenances).max()
    }

    /// The moment history pages show the log as of: `now`, or for a page
    /// replaying a past outage, the log's last declared moment (never later
    /// than `now`), so its strips end on the replay's own dates.
    pub fn as_of(&self, replay: bool, now: OffsetDateTime) -> OffsetDateTime {
        match self.last_declared_at() {
            Some(t) if replay => t.min(now),
            _ => now,
        }
    }

    /// The disagreement about `service` the log holds open, if any.
    pub fn open_disagreement(&self, service: &str) -> Option<&DisagreementRecord> {
        self.disagreements
            .iter()
            .rev()
            .find(|d| d.service == service && d.ended_at.is_none())
    }

    fn list(
        &mut self,
        entry: u64,
        at: OffsetDateTime,
        service: &str,
        name: &Localized,
        components: &[ComponentName],
    ) {
        let listing = |c: &ComponentName| ComponentHistory {
            id: c.id.clone(),
            name: c.name.clone(),
            changes: vec![StatusChange {
                at,
                status: Status::Operational,
                entry,
            }],
            dependencies: if c.depends_on.is_empty() {
                Vec::new()
            } else {
                vec![(at, c.depends_on.clone())]
            },
        };
        match self.service_mut(service) {
            Some(s) => {
                s.name = name.clone();
                s.delisted_at = None;
                // Keep the history of components that stay; new ones start operational.
                let mut next = Vec::with_capacity(components.len());
                for c in components {
                    match s.components.iter().position(|old| old.id == c.id) {
                        Some(i) => {
                            let mut old = s.components.swap_remove(i);
                            old.name = c.name.clone();
                            if old.depends_on_at(at) != c.depends_on.as_slice() {
                                old.dependencies.push((at, c.depends_on.clone()));
                            }
                            next.push(old);
                        }
                        None => next.push(listing(c)),
                    }
                }
                s.components = next;
            }
            None => self.services.push(ServiceHistory {
                id: service.to_owned(),
                name: name.clone(),
                listed_at: at,
                delisted_at: None,
                components: components.iter().map(listing).collect(),
            }),
        }
    }

    fn update(
        &mut self,
        entry: u64,
        at: OffsetDateTime,
        incident: &str,
        state: IncidentState,
        message: &Localized,
        sources: &Option<String>,
    ) {
        match self.incident_mut(incident) {
            Some(i) => {
                i.updates.push(TimelineItem {
                    at,
                    state,
                    message: message.clone(),
                    sources: sources.clone(),
                    entry,
                });
                i.entries.push(entry);
            }
            None => self.problem(entry, format!("updates unknown incident `{incident}`")),
        }
    }

    fn problem(&mut self, entry: u64, message: String) {
        self.problems.push(format!("entry {entry} {message}"));
    }

    fn service_mut(&mut self, id: &str) -> Option<&mut ServiceHistory> {
        self.services.iter_mut().find(|s| s.id == id)
    }

    fn incident_mut(&mut self, id: &str) -> Option<&mut IncidentRecord> {
        let at = self.incident_position(id)?;
        self.incidents.get_mut(at)
    }

    /// By the index, checked: `incidents` is public, and a caller that
    /// filters it (one incident's export) leaves the index behind. While
    /// the index covers every incident, a miss is an answer: each incident
    /// opened would otherwise scan all the others (at 100,000 events, 0.75 s
    /// of the history page's load in wasm).
    fn incident_position(&self, id: &str) -> Option<usize> {
        match self.incident_at.get(id) {
            Some(&at) if self.incidents.get(at).is_some_and(|i| i.id == id) => Some(at),
            None if self.incident_at.len() == self.incidents.len() => None,
            _ => self.incidents.iter().position(|i| i.id == id),
        }
    }

    pub fn service(&self, id: &str) -> Option<&ServiceHistory> {
        self.services.iter().find(|s| s.id == id)
    }

    pub fn incident(&self, id: &str) -> Option<&IncidentRecord> {
        self.incidents.get(self.incident_position(id)?)
    }

    /// How each service named by `incident` was affected: the stretches in
    /// which its components were not operational (maintenance aside) that
    /// overlap the incident, which may begin before it was declared. Services
    /// in catalogue order; those with no such stretch are left out.
    pub fn service_impacts(
        &self,
        incident: &IncidentRecord,
        now: OffsetDateTime,
    ) -> Vec<ServiceImpact> {
        let close = incident.resolved_at.unwrap_or(now);
        let mut out = Vec::new();
        for service in &self.services {
            let mut impact: Option<ServiceImpact> = None;
            for component in &service.components {
                let named = format!("{}/{}", service.id, component.id);
                if !incident.components.contains(&named) {
                    continue;
                }
                for (start, end, worst) in component.disruptions() {
                    let overlaps = (start < close || start == incident.opened_at)
                        && end.is_none_or(|e| e > incident.opened_at);
                    if !overlaps {
                        continue;
                    }
                    let i = impact.get_or_insert(ServiceImpact {
                        service: service.id.clone(),
                        name: service.name.clone(),
                        start,
                        end,
                        worst,
                    });
                    i.start = i.start.min(start);
                    i.end = match (i.end, end) {
                        (Some(a), Some(b)) => Some(a.max(b)),
                        _ => None,
                    };
                    if worst.rank() > i.worst.rank() {
                        i.worst = worst;
                    }
                }
            }
            out.extend(impact);
        }
        out
    }

    /// From the first of the incident's services going down to the last
    /// one recovering (`None` while one still has not): the outage's length
    /// as readers count it, which can start before the first notice.
    pub fn impact_window(
        &self,
        incident: &IncidentRecord,
        now: OffsetDateTime,
    ) -> Option<(OffsetDateTime, Option<OffsetDateTime>)> {
        let impacts = self.service_impacts(incident, now);
        let start = impacts.iter().map(|i| i.start).min()?;
        let end = impacts
            .iter()
            .map(|i| i.end)
            .try_fold(start, |acc, e| e.map(|e| acc.max(e)));
        Some((start, end))
    }

    /// Where the feed and the log's declared state differ, if they do. Readers
    /// check the same thing, so publishing is refused rather than caught later.
    pub fn disagreement(&self, feed: &crate::feed::model::Feed) -> Option<String> {
        let mut declared = self.declared_services();
        let mut shown = feed.services.clone();
        crate::text::sort::sort_by(&mut declared, |a, b| a.id.cmp(&b.id));
        crate::text::sort::sort_by(&mut shown, |a, b| a.id.cmp(&b.id));
        if declared != shown {
            return Some("the services differ from what the history log declares".into());
        }
        let logged = self.declared_incidents();
        for incident in &feed.incidents {
            match logged.iter().find(|i| i.id == incident.id) {
                Some(l) if l == incident => {}
                Some(l) if l.updates.len() > incident.updates.len() => {
                    return Some(format!(
                        "incident `{}` lists fewer updates than were published",
                        incident.id
                    ))
                }
                Some(_) => {
                    return Some(format!(
                        "incident `{}` changes its title, impact, components, postmortem or an earlier update",
                        incident.id
                    ))
                }
                None => {
                    return Some(format!(
                        "incident `{}` is not in the history log",
                        incident.id
                    ))
                }
            }
        }
        let logged = self.declared_maintenances();
        for m in &feed.maintenances {
            match logged.iter().find(|l| l.id == m.id) {
                Some(l) if l == m => {}
                Some(l) if l.state != m.state => {
                    return Some(format!(
                        "maintenance `{}` is {} in the feed but {} in the history log (it cannot go back)",
                        m.id,
                        m.state.as_str(),
                        l.state.as_str()
                    ))
                }
                Some(_) => {
                    return Some(format!(
                        "maintenance `{}` differs from what the history log declares",
                        m.id
                    ))
                }
                None => {
                    return Some(format!(
                        "maintenance `{}` is not in the history log",
                        m.id
                    ))
                }
            }
        }
        None
    }

    /// The state the log declares now: what a feed committing to this log
    /// must show (services still listed, and their incidents).
    pub fn declared_services(&self) -> Vec<Service> {
        self.services
            .iter()
            .filter(|s| s.delisted_at.is_none())
            .map(|s| Service {
                id: s.id.clone(),
                name: s.name.clone(),
                components: s
                    .components
                    .iter()
                    .map(|c| Component {
                        id: c.id.clone(),
                        name: c.name.clone(),
                        status: c.changes.last().map_or(Status::Operational, |x| x.status),
                        depends_on: c
                            .dependencies
                            .last()
                            .map(|(_, d)| d.clone())
                            .unwrap_or_default(),
                    })
                    .collect(),
            })
            .collect()
    }

    /// Every incident as a feed would carry it.
    pub fn declared_incidents(&self) -> Vec<Incident> {
        self.incidents
            .iter()
            .map(|i| Incident {
                id: i.id.clone(),
                title: i.title.clone(),
                impact: i.impact,
                components: i.components.clone(),
                updates: i
                    .updates
                    .iter()
                    .map(|u| IncidentUpdate {
                        at: u.at,
                        state: u.state,
                        message: u.message.clone(),
                        sources: u.sources.clone(),
                    })
                    .collect(),
                postmortem: i.postmortem.clone(),
            })
            .collect()
    }

    /// Every maintenance as a feed would carry it.
    pub fn declared_maintenances(&self) -> Vec<Maintenance> {
        self.maintenances
            .iter()
            .map(|m| Maintenance {
                id: m.id.clone(),
                title: m.title.clone(),
                starts_at: m.starts_at,
                ends_at: m.ends_at,
                components: m.components.clone(),
                state: m.state(),
            })
            .collect()
    }
}

impl MaintenanceRecord {
    pub fn state(&self) -> MaintenanceState {
        match (self.started_at, self.ended_at) {
            (_, Some(_)) => MaintenanceState::Completed,
            (Some(_), None) => MaintenanceState::InProgress,
            (None, None) => MaintenanceState::Scheduled,
        }
    }
}

/// How one service was affected by an incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceImpact {
    pub service: String,
    pub name: Localized,
    pub start: OffsetDateTime,
    /// `None` while still affected.
    pub end: Option<OffsetDateTime>,
    pub worst: Status,
}

impl ComponentHistory {
    /// Every stretch in which the component was neither operational nor
    /// under maintenance: (start, end or `None` if ongoing, worst status).
    pub fn disruptions(&self) -> Vec<(OffsetDateTime, Option<OffsetDateTime>, Status)> {
        let affected = |s: Status| !matches!(s, Status::Operational | Status::UnderMaintenance);
        let mut out: Vec<(OffsetDateTime, Option<OffsetDateTime>, Status)> = Vec::new();
        let mut open: Option<(OffsetDateTime, Status)> = None;
        for change in &self.changes {
            match (open, affected(change.status)) {
                (None, true) => open = Some((change.at, change.status)),
                (Some((start, worst)), true) if change.status.rank() > worst.rank() => {
                    open = Some((start, change.status))
                }
                (Some((start, worst)), false) => {
                    out.push((start, Some(change.at), worst));
                    open = None;
                }
                _ => {}
            }
        }
        out.extend(open.map(|(start, worst)| (start, None, worst)));
        out
    }
}

/// A stretch of time with one status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: OffsetDateTime,
    pub end: OffsetDateTime,
    pub status: Status,
}

impl ServiceHistory {
    /// The service's status (its worst component's) over `[from, to)`, as
    /// contiguous spans. Time before the listing or after delisting is left out.
    pub fn spans(&self, from: OffsetDateTime, to: OffsetDateTime) -> Vec<Span> {
        self.spans_in(from, to, &self.in_order())
    }

    /// Per component: are its changes in time order? They are when the
    /// log's clock never went back, and then a time is found by binary
    /// search instead of a scan (a strip of 90 days over 100,000 changes
    /// scanned every change for every day: 150 ms in the browser).
    fn in_order(&self) -> Vec<bool> {
        self.components
            .iter()
            .map(|c| c.changes.windows(2).all(|w| w[0].at <= w[1].at))
            .collect()
    }

    /// [`ServiceHistory::spans`], with [`ServiceHistory::in_order`] given.
    fn spans_in(&self, from: OffsetDateTime, to: OffsetDateTime, in_order: &[bool]) -> Vec<Span> {
        let start = from.max(self.listed_at);
        let end = self.delisted_at.map_or(to, |d| d.min(to));
        if start >= end {
            return Vec::new();
        }
        // Every instant at which some component changes, in order.
        let mut cuts: Vec<OffsetDateTime> = Vec::new();
        for (c, sorted) in self.components.iter().zip(in_order) {
            let inside = |t: &OffsetDateTime| *t > start && *t < end;
            if *sorted {
                let from = c.changes.partition_point(|x| x.at <= start);
                let to = c.changes.partition_point(|x| x.at < end);
                cuts.extend(
                    c.changes[from..to.max(from)]
                        .iter()
                        .map(|x| x.at)
                        .filter(inside),
                );
            } else {
                cuts.extend(c.changes.iter().map(|x| x.at).filter(inside));
            }
        }
        crate::text::sort::sort_by(&mut cuts, Ord::cmp);
        cuts.dedup();
        let mut spans: Vec<Span> = Vec::new();
        let mut edges = vec![start];
        edges.extend(cuts);
        edges.push(end);
        for w in edges.windows(2) {
            let status = self.status_at_in(w[0], in_order);
            match spans.last_mut() {
                Some(last) if last.status == status => last.end = w[1],
                _ => spans.push(Span {
                    start: w[0],
                    end: w[1],
                    status,
                }),
            }
        }
        spans
    }

    /// The worst component status in effect at `t` (the last change at or before it).
    pub fn status_at(&self, t: OffsetDateTime) -> Status {
        self.status_at_in(t, &self.in_order())
    }

    fn status_at_in(&self, t: OffsetDateTime, in_order: &[bool]) -> Status {
        Status::worst(self.components.iter().zip(in_order).map(|(c, sorted)| {
            // The changes up to the first one after `t`.
            let before = if *sorted {
                c.changes.partition_point(|x| x.at <= t)
            } else {
                c.changes
                    .iter()
                    .position(|x| x.at > t)
                    .unwrap_or(c.changes.len())
            };
            before
                .checked_sub(1)
                .and_then(|i| c.changes.get(i))
                .map_or(Status::Operational, |x| x.status)
        }))
    }

    /// Every stretch in which the service was not operational, as
    /// (start, end); `None` while it still is not.
    pub fn disruptions(
        &self,
        until: OffsetDateTime,
    ) -> Vec<(OffsetDateTime, Option<OffsetDateTime>)> {
        let in_order = self.in_order();
        let spans = self.spans_in(self.listed_at, until, &in_order);
        let mut out: Vec<(OffsetDateTime, Option<OffsetDateTime>)> = Vec::new();
        for s in spans.iter().filter(|s| s.status != Status::Operational) {
            match out.last_mut() {
                Some((_, Some(end))) if *end == s.start => *end = s.end,
                _ => out.push((s.start, Some(s.end))),
            }
        }
        if let Some(last) = out.last_mut() {
            if last.1 == Some(until) && self.status_at_in(until, &in_order) != Status::Operational {
                last.1 = None;
            }
        }
        out
    }
}

/// Whether a status counts against uptime. Partial and major outages do;
/// degraded performance and planned maintenance do not (they are shown in
/// the bars, but the service was usable).
pub fn is_down(status: Status) -> bool {
    matches!(status, Status::PartialOutage | Status::MajorOutage)
}

/// The share of `[from, to)` a service was up, over the part of the period
/// it was listed; `None` when it was not listed at all in the period.
pub fn uptime(service: &ServiceHistory, from: OffsetDateTime, to: OffsetDateTime) -> Option<f64> {
    let spans = service.spans(from, to);
    let total: Duration = spans.iter().map(|s| s.end - s.start).sum();
    if total.is_zero() {
        return None;
    }
    let down: Duration = spans
        .iter()
        .filter(|s| is_down(s.status))
        .map(|s| s.end - s.start)
        .sum();
    Some(1.0 - down.as_seconds_f64() / total.as_seconds_f64())
}

/// One day of the uptime bar strip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayBar {
    pub date: Date,
    /// The worst status of the day; `None` when the service was not listed.
    pub worst: Option<Status>,
    pub down: Duration,
    /// Time the service was listed during the day.
    pub listed: Duration,
    /// Each status stretch within the day, for the drill-down.
    pub spans: Vec<Span>,
}

/// `days` daily bars ending with `last_day`, days counted in `offset` (KST for the page).
pub fn daily_bars(
    service: &ServiceHistory,
    last_day: Date,
    days: u16,
    offset: UtcOffset,
) -> Vec<DayBar> {
    let in_order = service.in_order();
    (0..days)
        .rev()
        .filter_map(|back| last_day.checked_sub(Duration::days(i64::from(back))))
        .map(|date| {
            let start = date.midnight().assume_offset(offset);
            let end = start + Duration::DAY;
            let spans = service.spans_in(start, end, &in_order);
            let listed = spans.iter().map(|s| s.end - s.start).sum();
            let down = spans
                .iter()
                .filter(|s| is_down(s.status))
                .map(|s| s.end - s.start)
                .sum();
            DayBar {
                date,
                worst: if spans.is_empty() {
                    None
                } else {
                    Some(Status::worst(spans.iter().map(|s| s.status)))
                },
                down,
                listed,
                spans,
            }
        })
        .collect()
}

/// What the incident list can be narrowed to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IncidentFilter {
    pub service: Option<String>,
    /// At least this severe.
    pub min_impact: Option<Status>,
    /// Incidents active at any time in `[from, to)`.
    pub from: Option<OffsetDateTime>,
    pub to: Option<OffsetDateTime>,
}

impl IncidentFilter {
    pub fn matches(&self, i: &IncidentRecord, now: OffsetDateTime) -> bool {
        let end = i.resolved_at.unwrap_or(now);
        self.service
            .as_ref()
            .is_none_or(|s| i.services().any(|x| x == s))
            && self.min_impact.is_none_or(|m| i.impact.rank() >= m.rank())
            && self.from.is_none_or(|f| end >= f)
            && self.to.is_none_or(|t| i.opened_at < t)
    }
}

/// Incidents matching `filter`, newest first.
pub fn filter_incidents<'a>(
    h: &'a History,
    filter: &IncidentFilter,
    now: OffsetDateTime,
) -> Vec<&'a IncidentRecord> {
    filtered_incident_positions(h, filter, now)
        .into_iter()
        .map(|i| &h.incidents[i])
        .collect()
}

/// [`filter_incidents`] as positions in `h.incidents`, for a view that
/// draws them a page at a time and must not borrow the history.
pub fn filtered_incident_positions(
    h: &History,
    filter: &IncidentFilter,
    now: OffsetDateTime,
) -> Vec<usize> {
    let mut out: Vec<usize> = (0..h.incidents.len())
        .filter(|&i| filter.matches(&h.incidents[i], now))
        .collect();
    crate::text::sort::sort_by_key(&mut out, |&i| std::cmp::Reverse(h.incidents[i].opened_at));
    out
}

/// Incident count per service id, for filter menus.
pub fn incidents_per_service(h: &History) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for i in &h.incidents {
        let mut seen: Vec<&str> = i.services().collect();
        crate::text::sort::sort_by(&mut seen, Ord::cmp);
        seen.dedup();
        for s in seen {
            *out.entry(s.to_owned()).or_default() += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2022-10-15 00:00 UTC);

    /// A service of components whose changes are at the given minutes
    /// (statuses cycling), in the order given.
    fn service(components: &[Vec<(i64, u8)>]) -> ServiceHistory {
        ServiceHistory {
            id: "s".into(),
            name: Localized::plain("S"),
            listed_at: T0,
            delisted_at: None,
            components: components
                .iter()
                .enumerate()
                .map(|(i, changes)| ComponentHistory {
                    id: format!("c{i}"),
                    name: Localized::plain("C"),
                    changes: changes
                        .iter()
                        .enumerate()
                        .map(|(entry, (minute, status))| StatusChange {
                            at: T0 + Duration::minutes(*minute),
                            status: Status::ALL[*status as usize % Status::ALL.len()],
                            entry: entry as u64,
                        })
                        .collect(),
                    dependencies: Vec::new(),
                })
                .collect(),
        }
    }

    fn changes() -> impl Strategy<Value = Vec<Vec<(i64, u8)>>> {
        prop::collection::vec(prop::collection::vec((0i64..3000, 0u8..5), 0..40), 1..4)
    }

    proptest! {
        /// The binary search finds what the scan finds, for changes in time
        /// order; changes out of order are scanned, as they always were.
        #[test]
        fn spans_and_statuses_by_search_are_the_scans(mut lists in changes(), sort in any::<bool>(), from in -100i64..3100, len in 0i64..1500) {
            if sort {
                for l in &mut lists {
                    l.sort_by_key(|(minute, _)| *minute);
                }
            }
            let s = service(&lists);
            let order = s.in_order();
            let scanned = vec![false; lists.len()];
            let (a, b) = (T0 + Duration::minutes(from), T0 + Duration::minutes(from + len));
            prop_assert_eq!(s.spans_in(a, b, &order), s.spans_in(a, b, &scanned));
            prop_assert_eq!(s.status_at_in(a, &order), s.status_at_in(a, &scanned));
            if sort {
                prop_assert!(order.iter().all(|o| *o));
            }
        }
    }
}
