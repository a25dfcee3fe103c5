//! The log events that take the declared state from one version of the
//! status to the next, so that publishing a status both updates the live
//! feed and records, in the history, exactly what changed.

use time::OffsetDateTime;

use crate::log_event::{ComponentName, Event, LogEvent};
use crate::model::{Incident, IncidentState, Service};

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
                    .all(|(a, b)| a.id == b.id && a.name == b.name)
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
                        })
                        .collect(),
                },
            );
        }
        for c in &s.components {
            let was = old
                .and_then(|o| o.components.iter().find(|x| x.id == c.id))
                .map(|x| x.status)
                .unwrap_or(crate::model::Status::Operational);
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
                }
            } else {
                Event::IncidentUpdated {
                    incident: i.id.clone(),
                    state: u.state,
                    message: u.message.clone(),
                }
            };
            push(u.at, event);
        }
    }
    out
}
