//! A history for the render benchmark: `services` services over the last
//! `days` days, with an outage of some service most days and an incident
//! for every third outage, written as a signed log directory (C2SP tiles)
//! and the status file that declares its final state, ready for
//! `bongsu sign --log`.

use bongsu_core::log::sign_checkpoint;
use bongsu_core::log::MerkleLog;
use bongsu_core::log::{encode_event, ComponentName, Event, LogEvent};
use bongsu_core::log::{log_files, CHECKPOINT_PATH};
use bongsu_core::{IncidentState, Status};
use signed_note::Signer;
use time::{Duration, OffsetDateTime};

pub fn history_events(services: usize, days: i64, now: OffsetDateTime) -> Vec<LogEvent> {
    let start = now - Duration::days(days);
    let mut out = Vec::new();
    for s in 0..services {
        out.push(LogEvent {
            at: start,
            event: Event::ServiceListed {
                service: format!("service-{s:02}"),
                name: format!("Service {s:02}").into(),
                components: ["api", "web"]
                    .iter()
                    .map(|c| ComponentName {
                        depends_on: Vec::new(),
                        id: (*c).to_owned(),
                        name: c.to_uppercase().into(),
                    })
                    .collect(),
            },
        });
    }
    let mut outage = 0;
    for d in 0..days {
        for s in 0..services {
            if (s as i64 * 7 + d) % 11 != 0 {
                continue;
            }
            outage += 1;
            let begin = start + Duration::days(d) + Duration::hours(3 + (s as i64 % 12));
            let end = begin + Duration::minutes(30 + 17 * (s as i64 % 7));
            let service = format!("service-{s:02}");
            let status = if outage % 2 == 0 {
                Status::MajorOutage
            } else {
                Status::PartialOutage
            };
            let change = |at, status| LogEvent {
                at,
                event: Event::ComponentStatus {
                    service: service.clone(),
                    component: "api".into(),
                    status,
                },
            };
            out.push(change(begin, status));
            if outage % 3 == 0 {
                let incident = format!("incident-{outage}");
                out.push(LogEvent {
                    at: begin + Duration::minutes(5),
                    event: Event::IncidentOpened {
                        incident: incident.clone(),
                        title: format!("{service} API errors").into(),
                        impact: status,
                        components: vec![format!("{service}/api")],
                    },
                });
                out.push(LogEvent {
                    at: begin + Duration::minutes(5),
                    event: Event::IncidentUpdated {
                        sources: None,
                        incident: incident.clone(),
                        state: IncidentState::Investigating,
                        message: "Requests to the API fail; we are looking into it.".into(),
                    },
                });
                out.push(LogEvent {
                    at: end,
                    event: Event::IncidentResolved {
                        sources: None,
                        incident,
                        message: "Fixed.".into(),
                    },
                });
            }
            out.push(change(end, Status::Operational));
        }
    }
    out.sort_by_key(|e| e.at);
    out
}

/// The status file for the fixture's final state: every service operational.
pub fn status_file(feed: &str, services: usize) -> String {
    // With a page, as an operator publishing the Statuspage-compatible API has.
    let mut out = format!(
        "feed = \"{feed}\"\nvalid_for = \"1h\"\n\n[page]\nname = \"Bench\"\nurl = \"https://status.example/\"\n"
    );
    for s in 0..services {
        out.push_str(&format!(
            "\n[[services]]\nid = \"service-{s:02}\"\nname = \"Service {s:02}\"\n"
        ));
        for c in ["api", "web"] {
            out.push_str(&format!(
                "[[services.components]]\nid = \"{c}\"\nname = \"{}\"\nstatus = \"operational\"\n",
                c.to_uppercase()
            ));
        }
    }
    out
}

/// The log directory's files (path, bytes), checkpoint included.
pub fn log_directory(events: &[LogEvent], key: &dyn Signer) -> Vec<(String, Vec<u8>)> {
    let entries: Vec<Vec<u8>> = events.iter().map(encode_event).collect();
    let tree = MerkleLog::from_entries(entries.iter().map(Vec::as_slice));
    let mut files = log_files(&tree, &entries).expect("entries are small");
    let checkpoint = sign_checkpoint(tree.size(), tree.root(), &[key]).expect("a valid key signs");
    files.push((CHECKPOINT_PATH.to_owned(), checkpoint));
    files
}
