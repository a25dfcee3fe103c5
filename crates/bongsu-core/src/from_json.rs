//! Reading the wire types out of a [`json::Value`]: the feed, key sets, the
//! key chain file, the config and history log events, exactly as their serde derives would
//! (field names, `deny_unknown_fields`, defaults, `null` for an absent
//! `Option`, RFC 3339 times), so that what the CLI writes with serde the
//! browser reads here. The tests below hold the two to that.

use std::collections::BTreeMap;

use time::OffsetDateTime;

use crate::config::{AppConfig, RegionConfig};
use crate::consensus::DisagreementKind;
use crate::evidence::Evidence;
use crate::json::{Fields, Problem, Value};
use crate::keyset::{KeyChainFile, KeySet, Roles};
use crate::log_event::{ComponentName, Event, LogEvent};
use crate::model::{
    Component, Feed, Incident, IncidentState, IncidentUpdate, LogCommitment, Maintenance,
    MaintenanceState, Service, Status,
};
use crate::observation::{ErrorClass, Observation, ProbeState, ServiceObservation};
use crate::trust::{RoleKeys, TrustPolicy};

fn time(v: &Value) -> Result<OffsetDateTime, Problem> {
    crate::rfc3339::parse(v.str()?).ok_or_else(|| {
        Problem::new(
            v.at,
            "expected an RFC 3339 time such as 2022-10-15T06:30:00Z",
        )
    })
}

fn strings(v: &Value) -> Result<Vec<String>, Problem> {
    v.list(Value::string)
}

/// A struct: `read` takes its fields, then anything left is an error.
fn object<T>(
    v: &Value,
    read: impl FnOnce(&mut Fields) -> Result<T, Problem>,
) -> Result<T, Problem> {
    let mut fields = v.fields()?;
    let out = read(&mut fields)?;
    fields.finish()?;
    Ok(out)
}

fn status(v: &Value) -> Result<Status, Problem> {
    let names = Status::ALL.map(Status::as_str);
    Ok(Status::ALL[v.one_of(&names)?])
}

fn incident_state(v: &Value) -> Result<IncidentState, Problem> {
    const ALL: [IncidentState; 4] = [
        IncidentState::Investigating,
        IncidentState::Identified,
        IncidentState::Monitoring,
        IncidentState::Resolved,
    ];
    Ok(ALL[v.one_of(&ALL.map(IncidentState::as_str))?])
}

fn maintenance_state(v: &Value) -> Result<MaintenanceState, Problem> {
    const ALL: [MaintenanceState; 3] = [
        MaintenanceState::Scheduled,
        MaintenanceState::InProgress,
        MaintenanceState::Completed,
    ];
    Ok(ALL[v.one_of(&ALL.map(MaintenanceState::as_str))?])
}

pub fn feed(v: &Value) -> Result<Feed, Problem> {
    object(v, |f| {
        Ok(Feed {
            feed: f.required("feed")?.string()?,
            seq: f.required("seq")?.u64()?,
            issued_at: time(f.required("issued_at")?)?,
            expires_at: time(f.required("expires_at")?)?,
            log: f.optional("log").map(log_commitment).transpose()?,
            services: f.required("services")?.list(service)?,
            incidents: f
                .get("incidents")
                .map(|v| v.list(incident))
                .transpose()?
                .unwrap_or_default(),
            maintenances: f
                .get("maintenances")
                .map(|v| v.list(maintenance))
                .transpose()?
                .unwrap_or_default(),
        })
    })
}

/// A probe's signed observation (`crate::observation`).
pub fn observation(v: &Value) -> Result<Observation, Problem> {
    object(v, |f| {
        Ok(Observation {
            feed: f.required("feed")?.string()?,
            region: f.required("region")?.string()?,
            seq: f.required("seq")?.u64()?,
            issued_at: time(f.required("issued_at")?)?,
            expires_at: time(f.required("expires_at")?)?,
            interval_seconds: f.required("interval_seconds")?.u32()?,
            window_seconds: f.required("window_seconds")?.u32()?,
            services: f.required("services")?.list(service_observation)?,
        })
    })
}

fn service_observation(v: &Value) -> Result<ServiceObservation, Problem> {
    object(v, |f| {
        let state = f.required("state")?;
        Ok(ServiceObservation {
            service: f.required("service")?.string()?,
            state: [ProbeState::Passing, ProbeState::Failing]
                [state.one_of(&[ProbeState::Passing.as_str(), ProbeState::Failing.as_str()])?],
            since: time(f.required("since")?)?,
            attempted: f.required("attempted")?.u32()?,
            failed: f.required("failed")?.u32()?,
            latency_p50_ms: f.optional("latency_p50_ms").map(Value::u32).transpose()?,
            latency_p95_ms: f.optional("latency_p95_ms").map(Value::u32).transpose()?,
            last_error: f
                .optional("last_error")
                .map(|v| {
                    Ok::<_, Problem>(
                        ErrorClass::ALL[v.one_of(&ErrorClass::ALL.map(ErrorClass::as_str))?],
                    )
                })
                .transpose()?,
        })
    })
}

fn log_commitment(v: &Value) -> Result<LogCommitment, Problem> {
    object(v, |f| {
        Ok(LogCommitment {
            size: f.required("size")?.u64()?,
            root: f.required("root")?.string()?,
        })
    })
}

fn service(v: &Value) -> Result<Service, Problem> {
    object(v, |f| {
        Ok(Service {
            id: f.required("id")?.string()?,
            name: f.required("name")?.string()?,
            components: f.required("components")?.list(component)?,
        })
    })
}

fn component(v: &Value) -> Result<Component, Problem> {
    object(v, |f| {
        Ok(Component {
            id: f.required("id")?.string()?,
            name: f.required("name")?.string()?,
            status: status(f.required("status")?)?,
        })
    })
}

fn incident(v: &Value) -> Result<Incident, Problem> {
    object(v, |f| {
        Ok(Incident {
            id: f.required("id")?.string()?,
            title: f.required("title")?.string()?,
            impact: status(f.required("impact")?)?,
            components: strings(f.required("components")?)?,
            updates: f.required("updates")?.list(incident_update)?,
            postmortem: f.optional("postmortem").map(Value::string).transpose()?,
        })
    })
}

fn incident_update(v: &Value) -> Result<IncidentUpdate, Problem> {
    object(v, |f| {
        Ok(IncidentUpdate {
            at: time(f.required("at")?)?,
            state: incident_state(f.required("state")?)?,
            message: f.required("message")?.string()?,
        })
    })
}

fn maintenance(v: &Value) -> Result<Maintenance, Problem> {
    object(v, |f| {
        Ok(Maintenance {
            id: f.required("id")?.string()?,
            title: f.required("title")?.string()?,
            starts_at: time(f.required("starts_at")?)?,
            ends_at: time(f.required("ends_at")?)?,
            components: strings(f.required("components")?)?,
            state: maintenance_state(f.required("state")?)?,
        })
    })
}

pub fn role_keys(v: &Value) -> Result<RoleKeys, Problem> {
    object(v, |f| {
        Ok(RoleKeys {
            threshold: f.required("threshold")?.usize()?,
            keys: strings(f.required("keys")?)?,
        })
    })
}

pub fn key_set(v: &Value) -> Result<KeySet, Problem> {
    object(v, |f| {
        Ok(KeySet {
            feed: f.required("feed")?.string()?,
            version: f.required("version")?.u64()?,
            issued_at: time(f.required("issued_at")?)?,
            expires_at: time(f.required("expires_at")?)?,
            root: role_keys(f.required("root")?)?,
            roles: roles(f.required("roles")?)?,
            revoked: f
                .get("revoked")
                .map(strings)
                .transpose()?
                .unwrap_or_default(),
        })
    })
}

fn roles(v: &Value) -> Result<Roles, Problem> {
    object(v, |f| {
        Ok(Roles {
            status: role_keys(f.required("status")?)?,
            log: f.optional("log").map(role_keys).transpose()?,
            witness: f.optional("witness").map(role_keys).transpose()?,
            probes: f.get("probes").map(probes).transpose()?.unwrap_or_default(),
        })
    })
}

fn probes(v: &Value) -> Result<BTreeMap<String, RoleKeys>, Problem> {
    // Inserted one by one: collecting into a BTreeMap sorts a Vec first,
    // which linked a whole sort routine into the browser build.
    let mut probes = BTreeMap::new();
    for (region, keys) in v.members()? {
        probes.insert(region.clone(), role_keys(keys)?);
    }
    Ok(probes)
}

pub fn key_chain_file(v: &Value) -> Result<KeyChainFile, Problem> {
    object(v, |f| {
        Ok(KeyChainFile {
            format: f.required("format")?.string()?,
            key_sets: strings(f.required("key_sets")?)?,
        })
    })
}

pub fn app_config(v: &Value) -> Result<AppConfig, Problem> {
    object(v, |f| {
        Ok(AppConfig {
            feed: f.required("feed")?.string()?,
            title: f.required("title")?.string()?,
            trust: object(f.required("trust")?, |t| {
                Ok(TrustPolicy {
                    root: role_keys(t.required("root")?)?,
                })
            })?,
            regions: f.required("regions")?.list(region)?,
            refresh_seconds: f
                .get("refresh_seconds")
                .map(Value::u32)
                .transpose()?
                .unwrap_or_else(crate::config::default_refresh),
            timeout_ms: f
                .get("timeout_ms")
                .map(Value::u32)
                .transpose()?
                .unwrap_or_else(crate::config::default_timeout),
            disagreement_grace_seconds: f
                .get("disagreement_grace_seconds")
                .map(Value::u32)
                .transpose()?
                .unwrap_or_else(crate::config::default_grace),
        })
    })
}

pub fn log_event(v: &Value) -> Result<LogEvent, Problem> {
    object(v, |f| {
        Ok(LogEvent {
            at: time(f.required("at")?)?,
            event: event(f.required("event")?)?,
        })
    })
}

/// Internally tagged by `kind`, as `#[serde(tag = "kind")]` writes it.
fn event(v: &Value) -> Result<Event, Problem> {
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
    object(v, |f| {
        let kind = f.required("kind")?.one_of(&KINDS)?;
        Ok(match KINDS[kind] {
            "service_listed" => Event::ServiceListed {
                service: text(f, "service")?,
                name: text(f, "name")?,
                components: f.required("components")?.list(component_name)?,
            },
            "service_delisted" => Event::ServiceDelisted {
                service: text(f, "service")?,
            },
            "component_status" => Event::ComponentStatus {
                service: text(f, "service")?,
                component: text(f, "component")?,
                status: status(f.required("status")?)?,
            },
            "incident_opened" => Event::IncidentOpened {
                incident: text(f, "incident")?,
                title: text(f, "title")?,
                impact: status(f.required("impact")?)?,
                components: strings(f.required("components")?)?,
            },
            "incident_updated" => Event::IncidentUpdated {
                incident: text(f, "incident")?,
                state: incident_state(f.required("state")?)?,
                message: text(f, "message")?,
            },
            "incident_resolved" => Event::IncidentResolved {
                incident: text(f, "incident")?,
                message: text(f, "message")?,
            },
            "postmortem_published" => Event::PostmortemPublished {
                incident: text(f, "incident")?,
                url: text(f, "url")?,
            },
            "maintenance_scheduled" => Event::MaintenanceScheduled {
                maintenance: text(f, "maintenance")?,
                title: text(f, "title")?,
                starts_at: time(f.required("starts_at")?)?,
                ends_at: time(f.required("ends_at")?)?,
                components: strings(f.required("components")?)?,
            },
            "maintenance_started" => Event::MaintenanceStarted {
                maintenance: text(f, "maintenance")?,
            },
            "maintenance_ended" => Event::MaintenanceEnded {
                maintenance: text(f, "maintenance")?,
            },
            "probes_disagreed" => Event::ProbesDisagreed {
                service: text(f, "service")?,
                disagreement: disagreement_kind(f.required("disagreement")?)?,
                since: time(f.required("since")?)?,
                failing: strings(f.required("failing")?)?,
                passing: strings(f.required("passing")?)?,
            },
            _ => Event::DisagreementEnded {
                service: text(f, "service")?,
            },
        })
    })
}

fn disagreement_kind(v: &Value) -> Result<DisagreementKind, Problem> {
    let all = DisagreementKind::ALL;
    Ok(all[v.one_of(&all.map(DisagreementKind::as_str))?])
}

pub fn evidence(v: &Value) -> Result<Evidence, Problem> {
    let pair = |v: &Value| -> Result<[String; 2], Problem> {
        match <[String; 2]>::try_from(strings(v)?) {
            Ok(pair) => Ok(pair),
            Err(_) => Err(Problem::new(v.at, "expected an array of two strings")),
        }
    };
    object(v, |f| {
        Ok(Evidence {
            kind: text(f, "kind")?,
            feed: text(f, "feed")?,
            seq: f.required("seq")?.u64()?,
            key_set_version: f.required("key_set_version")?.u64()?,
            notes: pair(f.required("notes")?)?,
            sources: pair(f.required("sources")?)?,
            observed_at: text(f, "observed_at")?,
        })
    })
}

fn text(f: &mut Fields, name: &str) -> Result<String, Problem> {
    f.required(name)?.string()
}

fn component_name(v: &Value) -> Result<ComponentName, Problem> {
    object(v, |f| {
        Ok(ComponentName {
            id: f.required("id")?.string()?,
            name: f.required("name")?.string()?,
        })
    })
}

fn region(v: &Value) -> Result<RegionConfig, Problem> {
    object(v, |f| {
        Ok(RegionConfig {
            id: f.required("id")?.string()?,
            name: f.required("name")?.string()?,
            url: f.required("url")?.string()?,
        })
    })
}

#[cfg(test)]
mod tests {
    //! serde is the oracle: everything serde writes reads back equal, and on
    //! damaged text the two readers agree on accepting and on the value.

    use super::*;
    use crate::json;
    use proptest::prelude::*;
    use serde::de::DeserializeOwned;
    use serde::Serialize;
    use std::fmt::Debug;
    use time::UtcOffset;

    fn text() -> impl Strategy<Value = String> {
        "[a-z0-9/_-]{1,8}|\\PC{0,6}|[\"\\\\\\x00-\\x1f]{0,3}"
    }

    fn at() -> impl Strategy<Value = OffsetDateTime> {
        (0i64..4_000_000_000, 0u32..1_000_000_000, -12i8..=12).prop_map(|(s, ns, h)| {
            let t = OffsetDateTime::from_unix_timestamp(s).unwrap()
                + time::Duration::nanoseconds(ns.into());
            t.to_offset(UtcOffset::from_hms(h, 0, 0).unwrap())
        })
    }

    fn status() -> impl Strategy<Value = Status> {
        prop::sample::select(Status::ALL.to_vec())
    }

    fn keys() -> impl Strategy<Value = RoleKeys> {
        (any::<usize>(), prop::collection::vec(text(), 0..3))
            .prop_map(|(threshold, keys)| RoleKeys { threshold, keys })
    }

    fn arb_feed() -> impl Strategy<Value = Feed> {
        let component = (text(), text(), status()).prop_map(|(id, name, status)| Component {
            id,
            name,
            status,
        });
        let service = (text(), text(), prop::collection::vec(component, 0..3)).prop_map(
            |(id, name, components)| Service {
                id,
                name,
                components,
            },
        );
        let update = (at(), 0usize..4, text()).prop_map(|(at, s, message)| IncidentUpdate {
            at,
            state: [
                IncidentState::Investigating,
                IncidentState::Identified,
                IncidentState::Monitoring,
                IncidentState::Resolved,
            ][s],
            message,
        });
        let incident = (
            text(),
            text(),
            status(),
            prop::collection::vec(text(), 0..2),
            prop::collection::vec(update, 0..3),
            prop::option::of(text()),
        )
            .prop_map(
                |(id, title, impact, components, updates, postmortem)| Incident {
                    id,
                    title,
                    impact,
                    components,
                    updates,
                    postmortem,
                },
            );
        let maintenance = (
            text(),
            text(),
            at(),
            at(),
            prop::collection::vec(text(), 0..2),
            0usize..3,
        )
            .prop_map(
                |(id, title, starts_at, ends_at, components, s)| Maintenance {
                    id,
                    title,
                    starts_at,
                    ends_at,
                    components,
                    state: [
                        MaintenanceState::Scheduled,
                        MaintenanceState::InProgress,
                        MaintenanceState::Completed,
                    ][s],
                },
            );
        (
            text(),
            any::<u64>(),
            at(),
            at(),
            prop::option::of(
                (any::<u64>(), text()).prop_map(|(size, root)| LogCommitment { size, root }),
            ),
            prop::collection::vec(service, 0..3),
            prop::collection::vec(incident, 0..2),
            prop::collection::vec(maintenance, 0..2),
        )
            .prop_map(
                |(feed, seq, issued_at, expires_at, log, services, incidents, maintenances)| Feed {
                    feed,
                    seq,
                    issued_at,
                    expires_at,
                    log,
                    services,
                    incidents,
                    maintenances,
                },
            )
    }

    fn arb_key_set() -> impl Strategy<Value = KeySet> {
        let roles = (
            keys(),
            prop::option::of(keys()),
            prop::option::of(keys()),
            prop::collection::btree_map(text(), keys(), 0..3),
        )
            .prop_map(|(status, log, witness, probes)| Roles {
                status,
                log,
                witness,
                probes,
            });
        (
            text(),
            any::<u64>(),
            at(),
            at(),
            keys(),
            roles,
            prop::collection::vec(text(), 0..3),
        )
            .prop_map(
                |(feed, version, issued_at, expires_at, root, roles, revoked)| KeySet {
                    feed,
                    version,
                    issued_at,
                    expires_at,
                    root,
                    roles,
                    revoked,
                },
            )
    }

    fn arb_config() -> impl Strategy<Value = AppConfig> {
        let region =
            (text(), text(), text()).prop_map(|(id, name, url)| RegionConfig { id, name, url });
        (
            text(),
            text(),
            keys(),
            prop::collection::vec(region, 0..3),
            any::<u32>(),
            any::<u32>(),
            any::<u32>(),
        )
            .prop_map(
                |(feed, title, root, regions, refresh_seconds, timeout_ms, grace)| AppConfig {
                    feed,
                    title,
                    trust: TrustPolicy { root },
                    regions,
                    refresh_seconds,
                    timeout_ms,
                    disagreement_grace_seconds: grace,
                },
            )
    }

    fn arb_log_event() -> impl Strategy<Value = LogEvent> {
        let name = (text(), text()).prop_map(|(id, name)| ComponentName { id, name });
        let refs = || prop::collection::vec(text(), 0..3);
        let event = prop_oneof![
            (text(), text(), prop::collection::vec(name, 0..3)).prop_map(
                |(service, name, components)| {
                    Event::ServiceListed {
                        service,
                        name,
                        components,
                    }
                }
            ),
            text().prop_map(|service| Event::ServiceDelisted { service }),
            (text(), text(), status()).prop_map(|(service, component, status)| {
                Event::ComponentStatus {
                    service,
                    component,
                    status,
                }
            }),
            (text(), text(), status(), refs()).prop_map(|(incident, title, impact, components)| {
                Event::IncidentOpened {
                    incident,
                    title,
                    impact,
                    components,
                }
            }),
            (text(), text()).prop_map(|(incident, message)| Event::IncidentUpdated {
                incident,
                state: IncidentState::Monitoring,
                message,
            }),
            (text(), text())
                .prop_map(|(incident, message)| Event::IncidentResolved { incident, message }),
            (text(), text())
                .prop_map(|(incident, url)| Event::PostmortemPublished { incident, url }),
            (text(), text(), at(), at(), refs()).prop_map(
                |(maintenance, title, starts_at, ends_at, components)| {
                    Event::MaintenanceScheduled {
                        maintenance,
                        title,
                        starts_at,
                        ends_at,
                        components,
                    }
                }
            ),
            text().prop_map(|maintenance| Event::MaintenanceStarted { maintenance }),
            text().prop_map(|maintenance| Event::MaintenanceEnded { maintenance }),
            (
                text(),
                prop::sample::select(DisagreementKind::ALL.to_vec()),
                at(),
                prop::collection::vec(text(), 0..3),
                prop::collection::vec(text(), 0..3),
            )
                .prop_map(|(service, disagreement, since, failing, passing)| {
                    Event::ProbesDisagreed {
                        service,
                        disagreement,
                        since,
                        failing,
                        passing,
                    }
                }),
            text().prop_map(|service| Event::DisagreementEnded { service }),
        ];
        (at(), event).prop_map(|(at, event)| LogEvent { at, event })
    }

    /// One small edit: delete a range, insert a character, or repeat a
    /// range (which makes duplicate fields).
    fn damage(text: &str, kind: u8, a: usize, b: usize, c: char) -> String {
        let bounds: Vec<usize> = text
            .char_indices()
            .map(|(i, _)| i)
            .chain([text.len()])
            .collect();
        let (i, j) = (bounds[a % bounds.len()], bounds[b % bounds.len()]);
        let (i, j) = (i.min(j), i.max(j));
        match kind % 3 {
            0 => format!("{}{}", &text[..i], &text[j..]),
            1 => format!("{}{c}{}", &text[..i], &text[i..]),
            _ => format!("{}{}", &text[..j], &text[i..]),
        }
    }

    fn agree<T: Serialize + DeserializeOwned + PartialEq + Debug>(
        value: &T,
        read: fn(&json::Value) -> Result<T, Problem>,
        edit: (u8, usize, usize, char),
    ) -> Result<(), TestCaseError> {
        for text in [
            serde_json::to_string(value).unwrap(),
            serde_json::to_string_pretty(value).unwrap(),
        ] {
            prop_assert_eq!(&json::read(&text, read).unwrap(), value);
            let damaged = damage(&text, edit.0, edit.1, edit.2, edit.3);
            let ours = json::read(&damaged, read);
            let theirs = serde_json::from_str::<T>(&damaged);
            match (&ours, &theirs) {
                (Ok(a), Ok(b)) => prop_assert_eq!(a, b),
                (Err(_), Err(_)) => {}
                // Stricter than serde on purpose: a repeated map key.
                (Err(e), Ok(_)) if e.message.starts_with("duplicate field") => {}
                _ => prop_assert!(false, "{damaged}\nours: {ours:?}\nserde: {theirs:?}"),
            }
        }
        Ok(())
    }

    fn edit() -> impl Strategy<Value = (u8, usize, usize, char)> {
        (
            any::<u8>(),
            any::<usize>(),
            any::<usize>(),
            prop::sample::select(vec![
                '"', ',', ':', '{', '}', '[', ']', '1', '-', '.', 'e', 'n', '\\', ' ', 'x',
            ]),
        )
    }

    fn arb_observation() -> impl Strategy<Value = Observation> {
        let class = prop::sample::select(ErrorClass::ALL.to_vec());
        let service = (
            text(),
            any::<bool>(),
            at(),
            (any::<u32>(), any::<u32>()),
            (
                prop::option::of(any::<u32>()),
                prop::option::of(any::<u32>()),
            ),
            prop::option::of(class),
        )
            .prop_map(
                |(service, failing, since, (attempted, failed), (p50, p95), last_error)| {
                    ServiceObservation {
                        service,
                        state: if failing {
                            ProbeState::Failing
                        } else {
                            ProbeState::Passing
                        },
                        since,
                        attempted,
                        failed,
                        latency_p50_ms: p50,
                        latency_p95_ms: p95,
                        last_error,
                    }
                },
            );
        (
            (text(), text(), any::<u64>(), at(), at()),
            (any::<u32>(), any::<u32>()),
            prop::collection::vec(service, 0..3),
        )
            .prop_map(
                |(
                    (feed, region, seq, issued_at, expires_at),
                    (interval_seconds, window_seconds),
                    services,
                )| {
                    Observation {
                        feed,
                        region,
                        seq,
                        issued_at,
                        expires_at,
                        interval_seconds,
                        window_seconds,
                        services,
                    }
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn feeds_read_as_serde_reads_them(feed in arb_feed(), e in edit()) {
            agree(&feed, super::feed, e)?;
        }

        #[test]
        fn observations_read_as_serde_reads_them(o in arb_observation(), e in edit()) {
            agree(&o, observation, e)?;
        }

        #[test]
        fn key_sets_read_as_serde_reads_them(ks in arb_key_set(), e in edit()) {
            agree(&ks, key_set, e)?;
        }

        #[test]
        fn configs_read_as_serde_reads_them(config in arb_config(), e in edit()) {
            agree(&config, app_config, e)?;
        }

        #[test]
        fn log_events_read_as_serde_reads_them(event in arb_log_event(), e in edit()) {
            agree(&event, log_event, e)?;
            let entry = crate::log_event::encode_event(&event);
            prop_assert_eq!(crate::log_event::decode_event(0, &entry), Ok(event));
        }

        #[test]
        fn evidence_reads_as_serde_reads_it(
            (kind, feed, seq, version, a, b, c, d, at) in (text(), text(), any::<u64>(), any::<u64>(), text(), text(), text(), text(), text()),
            e in edit(),
        ) {
            let evidence = Evidence {
                kind,
                feed,
                seq,
                key_set_version: version,
                notes: [a, b],
                sources: [c, d],
                observed_at: at,
            };
            agree(&evidence, super::evidence, e)?;
        }

        #[test]
        fn chain_files_read_as_serde_reads_them(notes in prop::collection::vec(text(), 0..3), e in edit()) {
            let file = KeyChainFile { format: text_of(&notes), key_sets: notes };
            agree(&file, key_chain_file, e)?;
        }
    }

    proptest! {
        /// `chain_file` is written by hand; serde's pretty printer is the
        /// reference, byte for byte.
        #[test]
        fn chain_files_are_written_as_serde_writes_them(notes in prop::collection::vec(text(), 0..4)) {
            let file = KeyChainFile {
                format: crate::keyset::KEY_CHAIN_FORMAT.to_owned(),
                key_sets: notes.clone(),
            };
            prop_assert_eq!(
                crate::keyset::chain_file(&notes),
                serde_json::to_string_pretty(&file).unwrap() + "\n"
            );
        }
    }

    fn text_of(notes: &[String]) -> String {
        notes.concat()
    }

    #[test]
    fn absent_and_null_options_and_defaults() {
        let config = json::read(
            r#"{"feed":"f","title":"t","trust":{"root":{"threshold":1,"keys":["k"]}},"regions":[]}"#,
            app_config,
        )
        .unwrap();
        assert_eq!((config.refresh_seconds, config.timeout_ms), (30, 5000));
        let feed = json::read(
            r#"{"feed":"f","seq":1,"issued_at":"2022-10-15T06:30:00Z","expires_at":"2022-10-15T07:30:00+09:00","log":null,"services":[]}"#,
            super::feed,
        )
        .unwrap();
        assert_eq!((feed.log, feed.incidents.len()), (None, 0));
        let e = json::read(
            r#"{"feed":"f","seq":1,"issued_at":"2022-10-15T06:30:00Z","expires_at":"soon","services":[]}"#,
            super::feed,
        )
        .unwrap_err();
        assert!(e.message.contains("RFC 3339"), "{e}");
    }
}
