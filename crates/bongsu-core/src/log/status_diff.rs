//! The log events that take the declared state from one version of the
//! status to the next, so that publishing a status both updates the live
//! feed and records, in the history, exactly what changed.

use time::OffsetDateTime;

use crate::feed::model::{Incident, IncidentState, Maintenance, MaintenanceState, Service};
use crate::log::event::{ComponentName, Event, LogEvent};

/// Events turning (`before_services`, `before_incidents`) into
/// (`after_services`, `after_incidents`). Status changes are dated `now`;
/// incident updates carry their own times. Incidents that merely leave the
/// page are not events: the history keeps them.
pub fn events_for_change(
    before_services: &[Service],
    before_incidents: &[Incident],
    after_services: &[Service],
    after_incidents: &[Incident],
    now: OffsetDateTime,
) -> Vec<LogEvent> {
    let mut out = Vec::new();
    let mut push = |at: OffsetDateTime, event: Event| out.push(LogEvent { at, event });
    for s in after_services {
        let old = before_services.iter().find(|o| o.id == s.id);
        let same_catalogue = old.is_some_and(|o| {
            o.name == s.name
                && o.components.len() == s.components.len()
                && o.components
                    .iter()
                    .zip(&s.components)
                    .all(|(a, b)| a.id == b.id && a.name == b.name && a.depends_on == b.depends_on)
        });
        if !same_catalogue {
            push(
                now,
                Event::ServiceListed {
                    service: s.id.clone(),
                    name: s.name.clone(),
                    components: s
                        .components
                        .iter()
                        .map(|c| ComponentName {
                            id: c.id.clone(),
                            name: c.name.clone(),
                            depends_on: c.depends_on.clone(),
                        })
                        .collect(),
                },
            );
        }
        for c in &s.components {
            let was = old
                .and_then(|o| o.components.iter().find(|x| x.id == c.id))
                .map(|x| x.status)
                .unwrap_or(crate::feed::model::Status::Operational);
            if was != c.status {
                push(
                    now,
                    Event::ComponentStatus {
                        service: s.id.clone(),
                        component: c.id.clone(),
                        status: c.status,
                    },
                );
            }
        }
    }
    for o in before_services {
        if !after_services.iter().any(|s| s.id == o.id) {
            push(
                now,
                Event::ServiceDelisted {
                    service: o.id.clone(),
                },
            );
        }
    }
    for i in after_incidents {
        let old = before_incidents.iter().find(|o| o.id == i.id);
        let known = old.map_or(0, |o| o.updates.len());
        if old.is_none() {
            push(
                i.updates.first().map_or(now, |u| u.at),
                Event::IncidentOpened {
                    incident: i.id.clone(),
                    title: i.title.clone(),
                    impact: i.impact,
                    components: i.components.clone(),
                },
            );
        }
        for u in i.updates.iter().skip(known) {
            let event = if u.state == IncidentState::Resolved {
                Event::IncidentResolved {
                    incident: i.id.clone(),
                    message: u.message.clone(),
                    sources: u.sources.clone(),
                }
            } else {
                Event::IncidentUpdated {
                    incident: i.id.clone(),
                    state: u.state,
                    message: u.message.clone(),
                    sources: u.sources.clone(),
                }
            };
            push(u.at, event);
        }
        let logged = old.and_then(|o| o.postmortem.as_ref());
        if let Some(url) = i.postmortem.as_ref().filter(|u| Some(*u) != logged) {
            push(
                now,
                Event::PostmortemPublished {
                    incident: i.id.clone(),
                    url: url.clone(),
                },
            );
        }
    }
    out
}

/// Events taking planned maintenance from `before` to `after`: announced
/// (again, when rescheduled), started, ended, all dated `now`. A state
/// never goes back; [`crate::log::history::History::disagreement`] refuses that.
pub fn events_for_maintenances(
    before: &[Maintenance],
    after: &[Maintenance],
    now: OffsetDateTime,
) -> Vec<LogEvent> {
    let rank = |s: MaintenanceState| match s {
        MaintenanceState::Scheduled => 0,
        MaintenanceState::InProgress => 1,
        MaintenanceState::Completed => 2,
    };
    let mut out = Vec::new();
    for m in after {
        let old = before.iter().find(|o| o.id == m.id);
        let announced = old.is_some_and(|o| {
            o.title == m.title
                && o.starts_at == m.starts_at
                && o.ends_at == m.ends_at
                && o.components == m.components
        });
        if !announced {
            out.push(LogEvent {
                at: now,
                event: Event::MaintenanceScheduled {
                    maintenance: m.id.clone(),
                    title: m.title.clone(),
                    starts_at: m.starts_at,
                    ends_at: m.ends_at,
                    components: m.components.clone(),
                },
            });
        }
        let was = old.map_or(0, |o| rank(o.state));
        let is = rank(m.state);
        if was < 1 && is >= 1 {
            out.push(LogEvent {
                at: now,
                event: Event::MaintenanceStarted {
                    maintenance: m.id.clone(),
                },
            });
        }
        if was < 2 && is == 2 {
            out.push(LogEvent {
                at: now,
                event: Event::MaintenanceEnded {
                    maintenance: m.id.clone(),
                },
            });
        }
    }
    out
}
