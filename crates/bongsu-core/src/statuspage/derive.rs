//! The Statuspage-compatible files, derived from a signed feed and the
//! verified history log it commits to. A pure function: anyone holding the
//! feed, the log and the manifest's page settings recomputes the same bytes,
//! which is how `bongsu audit` checks a region's copy. docs/protocol/statuspage.md
//! documents every mapping.

use std::collections::BTreeMap;

use time::OffsetDateTime;

use crate::feed::model::{ComponentRef, Feed, IncidentState, MaintenanceState, Status};
use crate::log::event::{Event, LogEvent};
use crate::log::export::kst;
use crate::log::history::{
    ComponentHistory, History, IncidentRecord, MaintenanceRecord, StatusChange,
};
use crate::statuspage::indicator::{impact_of, page_status};
use crate::statuspage::model::*;
use crate::statuspage::syndication::{atom, rss, Entry};
use crate::text::sort::sort_by_key;
use crate::text::Localized;

/// The page settings the files name, which the feed itself does not carry:
/// signed in the manifest, so they are part of what can be recomputed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageInfo {
    /// The page's name, as readers know it ("Kakao").
    pub name: String,
    /// The status page's public URL; incident permalinks hang off it.
    pub url: String,
    /// The page's language (BCP 47): the one language of operator text the
    /// files carry, each text falling back to its original. `None` carries
    /// every text as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
}

/// Every derived file, by its path under a region's root, in this order.
pub const API_FILES: [&str; 10] = [
    "api/v2/summary.json",
    "api/v2/status.json",
    "api/v2/components.json",
    "api/v2/incidents.json",
    "api/v2/incidents/unresolved.json",
    "api/v2/scheduled-maintenances.json",
    "api/v2/scheduled-maintenances/upcoming.json",
    "api/v2/scheduled-maintenances/active.json",
    "history.rss",
    "history.atom",
];

/// Statuspage pages carry an IANA zone; Bongsu's times are KST throughout.
pub const TIME_ZONE: &str = "Asia/Seoul";
/// `incidents.json`, `scheduled-maintenances.json` and the two history
/// feeds hold this many of the most recent, as Statuspage's do.
pub const MOST_RECENT: usize = 50;

/// One derived file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiFile {
    pub path: &'static str,
    pub bytes: Vec<u8>,
}

/// Derives every file in [`API_FILES`] from `feed` and, when the feed
/// commits to a log, the log's events up to the committed size (`log`).
/// Without a log the incidents and maintenances are the feed's own, with no
/// `affected_components` (there is no record of old statuses).
pub fn derive(feed: &Feed, log: Option<&[LogEvent]>, page: &PageInfo) -> Vec<ApiFile> {
    let d = Derivation::new(feed, log, page);
    let components = d.components();
    let mut incidents = d.incidents(&components);
    sort_by_key(&mut incidents, |(at, _)| std::cmp::Reverse(*at));
    let incidents: Vec<Incident> = incidents.into_iter().map(|(_, i)| i).collect();
    // Open: not resolved, and still on the page. An incident or maintenance
    // the operator dropped from the status file unfinished keeps its last
    // logged status in the full lists, but no longer counts as open.
    let on_page = |id: &str, maintenance: bool| {
        log.is_none()
            || if maintenance {
                feed.maintenances.iter().any(|m| m.id == id)
            } else {
                feed.incidents.iter().any(|i| i.id == id)
            }
    };
    let unresolved: Vec<Incident> = incidents
        .iter()
        .filter(|i| {
            !matches!(i.status.as_str(), "resolved" | "postmortem") && on_page(&i.id, false)
        })
        .cloned()
        .collect();
    let mut maintenances = d.maintenances(&components);
    // Soonest first for what is coming or under way (ties in log order).
    sort_by_key(&mut maintenances, |m| m.scheduled_for.clone());
    let of_status = |wanted: &[&str]| -> Vec<Incident> {
        maintenances
            .iter()
            .filter(|m| wanted.contains(&m.status.as_str()) && on_page(&m.id, true))
            .cloned()
            .collect()
    };
    let upcoming = of_status(&["scheduled"]);
    let active = of_status(&["in_progress", "verifying"]);
    let current = of_status(&["in_progress", "verifying", "scheduled"]);
    let mut recent_maintenances = maintenances.clone();
    sort_by_key(&mut recent_maintenances, |m| {
        std::cmp::Reverse(m.scheduled_for.clone())
    });
    recent_maintenances.truncate(MOST_RECENT);

    // What the page shows: the feed's components and its open incidents
    // (the log and the feed agree on them; `sign` and readers check it).
    let status = page_status(
        feed.services
            .iter()
            .flat_map(|s| s.components.iter().map(|c| c.status)),
        feed.active_incidents().map(|i| i.impact),
        !active.is_empty(),
    );
    let page = d.page();
    let mut recent = incidents.clone();
    recent.truncate(MOST_RECENT);
    let entries = d.entries(&incidents, &maintenances);
    let files: [Vec<u8>; 10] = [
        json(&Summary {
            page: page.clone(),
            components: components.clone(),
            incidents: unresolved.clone(),
            scheduled_maintenances: current,
            status: status.clone(),
        }),
        json(&StatusDoc {
            page: page.clone(),
            status,
        }),
        json(&ComponentsDoc {
            page: page.clone(),
            components,
        }),
        json(&IncidentsDoc {
            page: page.clone(),
            incidents: recent,
        }),
        json(&IncidentsDoc {
            page: page.clone(),
            incidents: unresolved,
        }),
        json(&MaintenancesDoc {
            page: page.clone(),
            scheduled_maintenances: recent_maintenances,
        }),
        json(&MaintenancesDoc {
            page: page.clone(),
            scheduled_maintenances: upcoming,
        }),
        json(&MaintenancesDoc {
            page: page.clone(),
            scheduled_maintenances: active,
        }),
        // Without a page language the texts are as written; English is
        // what these files said before languages existed.
        rss(&page, d.page.lang.as_deref().unwrap_or("en"), &entries).into_bytes(),
        atom(
            &page,
            d.page.lang.as_deref().unwrap_or("en"),
            &entries,
            feed.issued_at,
        )
        .into_bytes(),
    ];
    API_FILES
        .iter()
        .zip(files)
        .map(|(path, bytes)| ApiFile { path, bytes })
        .collect()
}

/// Serializing plain structs of strings, numbers and enums cannot fail.
fn json<T: serde::Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_default()
}

struct Derivation<'a> {
    feed: &'a Feed,
    events: &'a [LogEvent],
    history: Option<History>,
    page: &'a PageInfo,
    /// For each `service/component`, the log entries of every incident
    /// update naming it, in log order: what an update changed starts after
    /// the last of these before it.
    updates_naming: BTreeMap<String, Vec<u64>>,
}

/// The Statuspage id of a component: its service's id, a dot, its own id.
/// Bongsu ids never hold a dot, so these never meet a group's id.
pub fn component_id(service: &str, component: &str) -> String {
    format!("{service}.{component}")
}

fn date(at: OffsetDateTime) -> String {
    kst(at).chars().take(10).collect()
}

impl<'a> Derivation<'a> {
    fn new(feed: &'a Feed, log: Option<&'a [LogEvent]>, page: &'a PageInfo) -> Self {
        let history = log.map(History::from_events);
        let mut updates_naming: BTreeMap<String, Vec<u64>> = BTreeMap::new();
        for i in history.iter().flat_map(|h| &h.incidents) {
            for r in &i.components {
                updates_naming
                    .entry(r.clone())
                    .or_default()
                    .extend(i.updates.iter().map(|u| u.entry));
            }
        }
        for entries in updates_naming.values_mut() {
            entries.sort_unstable();
        }
        Derivation {
            feed,
            events: log.unwrap_or(&[]),
            history,
            page,
            updates_naming,
        }
    }

    fn page(&self) -> Page {
        Page {
            id: self.feed.feed.clone(),
            name: self.page.name.clone(),
            url: self.page.url.clone(),
            time_zone: TIME_ZONE.to_owned(),
            updated_at: kst(self.feed.issued_at),
        }
    }

    /// Operator text in the page's language: Statuspage's objects carry one.
    fn text<'t>(&self, text: &'t Localized) -> &'t str {
        text.in_lang(self.page.lang.as_deref())
    }

    fn permalink(&self, route: &str) -> String {
        crate::log::export::page_link(&self.page.url, route)
    }

    fn component_history(&self, service: &str, component: &str) -> Option<&ComponentHistory> {
        self.history
            .as_ref()?
            .service(service)?
            .components
            .iter()
            .find(|c| c.id == component)
    }

    /// Groups (Bongsu's services) each followed by their children, in the
    /// feed's order. Created when listed, updated at the last status change.
    fn components(&self) -> Vec<Component> {
        let issued = self.feed.issued_at;
        let mut out = Vec::new();
        for (si, s) in self.feed.services.iter().enumerate() {
            let listed = self
                .history
                .as_ref()
                .and_then(|h| h.service(&s.id))
                .map(|h| h.listed_at);
            let children: Vec<Component> = s
                .components
                .iter()
                .enumerate()
                .map(|(ci, c)| {
                    let h = self.component_history(&s.id, &c.id);
                    let created = h.and_then(|h| h.changes.first()).map(|x| x.at);
                    let updated = h.and_then(|h| h.changes.last()).map(|x| x.at);
                    Component {
                        id: component_id(&s.id, &c.id),
                        name: self.text(&c.name).to_owned(),
                        status: c.status,
                        created_at: kst(created.unwrap_or(issued)),
                        updated_at: kst(updated.unwrap_or(issued)),
                        position: ci as u32 + 1,
                        description: None,
                        showcase: true,
                        start_date: created.map(date),
                        group_id: Some(s.id.clone()),
                        page_id: self.feed.feed.clone(),
                        group: false,
                        only_show_if_degraded: false,
                        components: None,
                    }
                })
                .collect();
            let updated = children
                .iter()
                .map(|c| c.updated_at.clone())
                .max()
                .unwrap_or_else(|| kst(listed.unwrap_or(issued)));
            out.push(Component {
                id: s.id.clone(),
                name: self.text(&s.name).to_owned(),
                status: s.status(),
                created_at: kst(listed.unwrap_or(issued)),
                updated_at: updated,
                position: si as u32 + 1,
                description: None,
                showcase: false,
                start_date: listed.map(date),
                group_id: None,
                page_id: self.feed.feed.clone(),
                group: true,
                only_show_if_degraded: false,
                components: Some(children.iter().map(|c| c.id.clone()).collect()),
            });
            out.extend(children);
        }
        out
    }

    /// The full objects of the components `refs` name, once each.
    fn named(&self, components: &[Component], refs: &[String]) -> Vec<Component> {
        let mut out: Vec<Component> = Vec::new();
        for r in refs.iter().filter_map(|r| ComponentRef::parse(r)) {
            let id = component_id(&r.service, &r.component);
            if let Some(c) = components.iter().find(|c| c.id == id && !c.group) {
                if !out.iter().any(|o| o.id == c.id) {
                    out.push(c.clone());
                }
            }
        }
        out
    }

    /// Every incident, with the time to order it by (newest first).
    fn incidents(&self, components: &[Component]) -> Vec<(OffsetDateTime, Incident)> {
        match &self.history {
            Some(h) => shown_incidents(h)
                .into_iter()
                .map(|r| (r.opened_at, self.logged_incident(h, r, components)))
                .collect(),
            None => self
                .feed
                .incidents
                .iter()
                .map(|i| {
                    let opened = i.updates.first().map_or(self.feed.issued_at, |u| u.at);
                    let updates = i
                        .updates
                        .iter()
                        .enumerate()
                        .map(|(n, u)| {
                            update(
                                &i.id,
                                format!("{}.{}", i.id, n + 1),
                                u.state.as_str(),
                                self.text(&u.message),
                                u.at,
                                None,
                            )
                        })
                        .rev()
                        .collect();
                    let incident = self.incident(IncidentParts {
                        id: &i.id,
                        title: self.text(&i.title),
                        state: i.state().unwrap_or(IncidentState::Investigating),
                        postmortem: i.postmortem.is_some(),
                        impact: i.impact,
                        refs: &i.components,
                        opened,
                        started: opened,
                        last: i.updates.last().map_or(opened, |u| u.at),
                        monitoring: i
                            .updates
                            .iter()
                            .find(|u| u.state == IncidentState::Monitoring)
                            .map(|u| u.at),
                        resolved: i
                            .updates
                            .iter()
                            .rev()
                            .find(|u| u.state == IncidentState::Resolved)
                            .filter(|_| i.state() == Some(IncidentState::Resolved))
                            .map(|u| u.at),
                        updates,
                        components,
                    });
                    (opened, incident)
                })
                .collect(),
        }
    }

    fn logged_incident(
        &self,
        h: &History,
        r: &IncidentRecord,
        components: &[Component],
    ) -> Incident {
        let mut updates: Vec<IncidentUpdate> = Vec::with_capacity(r.updates.len());
        for (n, u) in r.updates.iter().enumerate() {
            let affected = self.affected(&r.components, n == 0, u.entry);
            updates.push(update(
                &r.id,
                format!("{}.{}", r.id, u.entry),
                u.state.as_str(),
                self.text(&u.message),
                u.at,
                Some(affected),
            ));
        }
        updates.reverse();
        // The impact may begin before the first notice (the fire before the
        // operator's first word); never after it.
        let started = h
            .impact_window(r, self.feed.issued_at)
            .map_or(r.opened_at, |(start, _)| start.min(r.opened_at));
        // The latest update's state, as the feed has it (an incident may be
        // reopened after it was resolved).
        let last = r.updates.last();
        let state = last.map_or(IncidentState::Investigating, |u| u.state);
        // A postmortem published later is the incident's latest change.
        let postmortem_at = r
            .entries
            .iter()
            .filter_map(|&e| self.events.get(e as usize))
            .filter(|e| matches!(e.event, Event::PostmortemPublished { .. }))
            .map(|e| e.at)
            .max();
        let updated = last.map_or(r.opened_at, |u| u.at);
        self.incident(IncidentParts {
            id: &r.id,
            title: self.text(&r.title),
            state,
            postmortem: r.postmortem.is_some(),
            impact: r.impact,
            refs: &r.components,
            opened: r.opened_at,
            started,
            last: postmortem_at.map_or(updated, |p| p.max(updated)),
            monitoring: r
                .updates
                .iter()
                .find(|u| u.state == IncidentState::Monitoring)
                .map(|u| u.at),
            resolved: (state == IncidentState::Resolved).then_some(updated),
            updates,
            components,
        })
    }

    fn incident(&self, p: IncidentParts<'_>) -> Incident {
        let status = match (p.state, p.postmortem) {
            (IncidentState::Resolved, true) => "postmortem",
            (state, _) => state.as_str(),
        };
        Incident {
            id: p.id.to_owned(),
            name: p.title.to_owned(),
            status: status.to_owned(),
            created_at: kst(p.opened),
            updated_at: kst(p.last),
            monitoring_at: p.monitoring.map(kst),
            resolved_at: p.resolved.map(kst),
            impact: impact_of(p.impact),
            shortlink: self.permalink(&format!("incidents/{}", p.id)),
            started_at: kst(p.started),
            page_id: self.feed.feed.clone(),
            incident_updates: p.updates,
            components: self.named(p.components, p.refs),
            scheduled_for: None,
            scheduled_until: None,
        }
    }

    /// What an incident update changed, from the log: for each component
    /// it names, the changes logged since the last update (of any incident)
    /// naming that component; for an incident's first update, no further
    /// back than the component's last operational state.
    fn affected(&self, refs: &[String], first: bool, entry: u64) -> Vec<AffectedComponent> {
        self.changes(refs, entry, |r, before| {
            let naming = self.updates_naming.get(r).map_or(&[][..], Vec::as_slice);
            let since = naming[..naming.partition_point(|e| *e < entry)].last();
            let mut from = since.map_or(0, |p| before.partition_point(|c| c.entry <= *p));
            if first {
                let operational = before
                    .iter()
                    .rposition(|c| c.status == Status::Operational)
                    .map_or(0, |i| i + 1);
                from = from.max(operational);
            }
            (from, false)
        })
    }

    /// What a maintenance's start or end changed: its components going
    /// into or out of maintenance since its previous entry.
    fn maintenance_affected(
        &self,
        refs: &[String],
        previous: u64,
        entry: u64,
    ) -> Vec<AffectedComponent> {
        self.changes(refs, entry, |_, before| {
            (before.partition_point(|c| c.entry <= previous), true)
        })
    }

    /// The status changes of `refs`' components logged before `entry`,
    /// from where `start` says (and, if it says so, only those into or out
    /// of maintenance), in the order `refs` names them.
    fn changes(
        &self,
        refs: &[String],
        entry: u64,
        start: impl Fn(&str, &[StatusChange]) -> (usize, bool),
    ) -> Vec<AffectedComponent> {
        let mut out = Vec::new();
        let mut seen: Vec<&str> = Vec::new();
        for r in refs {
            if seen.contains(&r.as_str()) {
                continue;
            }
            seen.push(r);
            let Some((service, component)) = r.split_once('/') else {
                continue;
            };
            let Some(h) = self.component_history(service, component) else {
                continue;
            };
            // Changes are in log order: find the stretch by bisection.
            let before = &h.changes[..h.changes.partition_point(|c| c.entry < entry)];
            let (from, maintenance_only) = start(r, before);
            for i in from.max(1)..before.len() {
                let (old, new) = (before[i - 1].status, before[i].status);
                let kept = !maintenance_only
                    || old == Status::UnderMaintenance
                    || new == Status::UnderMaintenance;
                if old != new && kept {
                    out.push(AffectedComponent {
                        code: component_id(service, component),
                        name: self.text(&h.name).to_owned(),
                        old_status: old,
                        new_status: new,
                    });
                }
            }
        }
        out
    }

    fn maintenances(&self, components: &[Component]) -> Vec<Incident> {
        match &self.history {
            Some(h) => h
                .maintenances
                .iter()
                .map(|m| self.logged_maintenance(m, components))
                .collect(),
            None => self
                .feed
                .maintenances
                .iter()
                .map(|m| {
                    // Without a log the announcement's time is unknown: the
                    // window's start dates it, so re-signing changes nothing.
                    let at = match m.state {
                        MaintenanceState::Scheduled => m.starts_at,
                        MaintenanceState::InProgress => m.starts_at,
                        MaintenanceState::Completed => m.ends_at,
                    };
                    let body =
                        maintenance_body(m.state, self.text(&m.title), m.starts_at, m.ends_at);
                    let u = update(
                        &m.id,
                        format!("{}.1", m.id),
                        m.state.as_str(),
                        &body,
                        at,
                        None,
                    );
                    self.maintenance(MaintenanceParts {
                        id: &m.id,
                        title: self.text(&m.title),
                        state: m.state,
                        refs: &m.components,
                        starts: m.starts_at,
                        ends: m.ends_at,
                        created: at,
                        last: at,
                        started: (m.state != MaintenanceState::Scheduled).then_some(m.starts_at),
                        ended: (m.state == MaintenanceState::Completed).then_some(m.ends_at),
                        updates: vec![u],
                        components,
                    })
                })
                .collect(),
        }
    }

    fn logged_maintenance(&self, m: &MaintenanceRecord, components: &[Component]) -> Incident {
        let mut previous = None;
        let mut updates = Vec::new();
        for &entry in &m.entries {
            let Some(e) = self.events.get(entry as usize) else {
                continue;
            };
            let body;
            let state = match &e.event {
                Event::MaintenanceScheduled {
                    title,
                    starts_at,
                    ends_at,
                    ..
                } => {
                    body = maintenance_body(
                        MaintenanceState::Scheduled,
                        self.text(title),
                        *starts_at,
                        *ends_at,
                    );
                    MaintenanceState::Scheduled
                }
                Event::MaintenanceStarted { .. } => {
                    body = maintenance_body(
                        MaintenanceState::InProgress,
                        self.text(&m.title),
                        m.starts_at,
                        m.ends_at,
                    );
                    MaintenanceState::InProgress
                }
                Event::MaintenanceEnded { .. } => {
                    body = maintenance_body(
                        MaintenanceState::Completed,
                        self.text(&m.title),
                        m.starts_at,
                        m.ends_at,
                    );
                    MaintenanceState::Completed
                }
                _ => continue,
            };
            // An announcement, often days ahead, changes nothing yet.
            let affected = match previous {
                Some(p) if state != MaintenanceState::Scheduled => {
                    self.maintenance_affected(&m.components, p, entry)
                }
                _ => Vec::new(),
            };
            previous = Some(entry);
            updates.push(update(
                &m.id,
                format!("{}.{}", m.id, entry),
                state.as_str(),
                &body,
                e.at,
                Some(affected),
            ));
        }
        let first = m.entries.first().and_then(|&e| self.events.get(e as usize));
        let last = m.entries.last().and_then(|&e| self.events.get(e as usize));
        let created = first.map_or(m.starts_at, |e| e.at);
        updates.reverse();
        self.maintenance(MaintenanceParts {
            id: &m.id,
            title: self.text(&m.title),
            state: m.state(),
            refs: &m.components,
            starts: m.starts_at,
            ends: m.ends_at,
            created,
            last: last.map_or(created, |e| e.at),
            started: m.started_at,
            ended: m.ended_at,
            updates,
            components,
        })
    }

    fn maintenance(&self, p: MaintenanceParts<'_>) -> Incident {
        Incident {
            id: p.id.to_owned(),
            name: p.title.to_owned(),
            status: p.state.as_str().to_owned(),
            created_at: kst(p.created),
            updated_at: kst(p.last),
            monitoring_at: None,
            resolved_at: p.ended.map(kst),
            impact: Impact::Maintenance,
            // The status page shows planned work on its front page.
            shortlink: self.permalink(""),
            started_at: kst(p.started.unwrap_or(p.starts)),
            page_id: self.feed.feed.clone(),
            incident_updates: p.updates,
            components: self.named(p.components, p.refs),
            scheduled_for: Some(kst(p.starts)),
            scheduled_until: Some(kst(p.ends)),
        }
    }

    /// The history feeds' entries: every incident and maintenance, the most
    /// recently updated first.
    fn entries<'i>(
        &self,
        incidents: &'i [Incident],
        maintenances: &'i [Incident],
    ) -> Vec<Entry<'i>> {
        let mut out: Vec<Entry<'i>> = incidents
            .iter()
            .map(|i| Entry {
                item: i,
                id: self.permalink(&format!("incidents/{}", i.id)),
                link: i.shortlink.clone(),
            })
            .chain(maintenances.iter().map(|m| Entry {
                item: m,
                id: self.permalink(&format!("maintenances/{}", m.id)),
                link: m.shortlink.clone(),
            }))
            .collect();
        sort_by_key(&mut out, |e| std::cmp::Reverse(e.item.updated_at.clone()));
        out.truncate(MOST_RECENT);
        out
    }
}

/// The incidents some file shows: the [`MOST_RECENT`] opened last (for
/// `incidents.json`), those updated last (for the history feeds, ties kept),
/// and every unresolved one. Deriving only these keeps signing fast on a log
/// of thousands of incidents (see `bongsu-bench statuspage`).
fn shown_incidents(h: &History) -> Vec<&IncidentRecord> {
    let last = |r: &IncidentRecord| r.updates.last().map_or(r.opened_at, |u| u.at);
    let nth_newest = |key: &dyn Fn(&IncidentRecord) -> OffsetDateTime| {
        let mut times: Vec<OffsetDateTime> = h.incidents.iter().map(key).collect();
        sort_by_key(&mut times, |t| std::cmp::Reverse(*t));
        times.get(MOST_RECENT - 1).copied()
    };
    let (opened, updated) = (nth_newest(&|r| r.opened_at), nth_newest(&last));
    h.incidents
        .iter()
        .filter(|r| {
            r.updates
                .last()
                .is_none_or(|u| u.state != IncidentState::Resolved)
                || opened.is_none_or(|t| r.opened_at >= t)
                || updated.is_none_or(|t| last(r) >= t)
        })
        .collect()
}

struct IncidentParts<'a> {
    id: &'a str,
    title: &'a str,
    state: IncidentState,
    postmortem: bool,
    impact: Status,
    refs: &'a [String],
    opened: OffsetDateTime,
    started: OffsetDateTime,
    last: OffsetDateTime,
    monitoring: Option<OffsetDateTime>,
    resolved: Option<OffsetDateTime>,
    updates: Vec<IncidentUpdate>,
    components: &'a [Component],
}

struct MaintenanceParts<'a> {
    id: &'a str,
    title: &'a str,
    state: MaintenanceState,
    refs: &'a [String],
    starts: OffsetDateTime,
    ends: OffsetDateTime,
    created: OffsetDateTime,
    last: OffsetDateTime,
    started: Option<OffsetDateTime>,
    ended: Option<OffsetDateTime>,
    updates: Vec<IncidentUpdate>,
    components: &'a [Component],
}

fn update(
    parent: &str,
    id: String,
    status: &str,
    body: &str,
    at: OffsetDateTime,
    affected: Option<Vec<AffectedComponent>>,
) -> IncidentUpdate {
    IncidentUpdate {
        id,
        status: status.to_owned(),
        body: body.to_owned(),
        incident_id: parent.to_owned(),
        created_at: kst(at),
        updated_at: kst(at),
        display_at: kst(at),
        // An empty list would say "we know nothing changed"; Statuspage
        // writes null for that too.
        affected_components: affected.filter(|a| !a.is_empty()),
        deliver_notifications: true,
        custom_tweet: None,
        tweet_id: None,
    }
}

/// Bongsu's maintenances carry a title and a window, no messages: each
/// update says what the log recorded, in the page's default language.
fn maintenance_body(
    state: MaintenanceState,
    title: &str,
    starts: OffsetDateTime,
    ends: OffsetDateTime,
) -> String {
    match state {
        MaintenanceState::Scheduled => format!(
            "{title}: scheduled from {} to {} (KST).",
            kst(starts),
            kst(ends)
        ),
        MaintenanceState::InProgress => format!("{title}: the maintenance has begun."),
        MaintenanceState::Completed => format!("{title}: the maintenance is complete."),
    }
}
