//! The hand-written JSON readers ([`FromJson`], beside each wire type)
//! against their serde derives. serde is the oracle: everything serde
//! writes reads back equal, and on damaged text the two readers agree on
//! accepting and on the value.

use bongsu_core::feed::Evidence;
use bongsu_core::feed::{AppConfig, RegionConfig};
use bongsu_core::feed::{
    Component, Feed, Incident, IncidentState, IncidentUpdate, LogCommitment, Maintenance,
    MaintenanceState, Service, Status,
};
use bongsu_core::keys::{KeyChainFile, KeySet, Roles};
use bongsu_core::keys::{RoleKeys, TrustPolicy};
use bongsu_core::log::{ComponentName, Event, LogEvent};
use bongsu_core::probe::DisagreementKind;
use bongsu_core::probe::{ErrorClass, Observation, ProbeState, ServiceObservation};
use bongsu_core::text::json::{self, FromJson, Problem};
use bongsu_core::text::Localized;
use time::OffsetDateTime;

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

/// Operator text: plain, or in a language with 0 to 3 translations.
fn localized() -> impl Strategy<Value = Localized> {
    prop_oneof![
        text().prop_map(Localized::plain),
        (
            prop::sample::select(vec!["ko", "en", "ja", "zh-Hant"]),
            text(),
            prop::sample::subsequence(vec!["de", "es-419", "fr", "pt-BR"], 0..3),
            prop::collection::vec(text(), 3),
        )
            .prop_map(|(lang, source, tags, texts)| {
                let translations = tags.iter().zip(texts).map(|(t, x)| ((*t).to_owned(), x));
                Localized::new(lang, source, translations)
            }),
    ]
}

fn status() -> impl Strategy<Value = Status> {
    prop::sample::select(Status::ALL.to_vec())
}

fn keys() -> impl Strategy<Value = RoleKeys> {
    (any::<usize>(), prop::collection::vec(text(), 0..3))
        .prop_map(|(threshold, keys)| RoleKeys { threshold, keys })
}

fn arb_feed() -> impl Strategy<Value = Feed> {
    let component = (
        text(),
        localized(),
        status(),
        prop::collection::vec(text(), 0..2),
    )
        .prop_map(|(id, name, status, depends_on)| Component {
            id,
            name,
            status,
            depends_on,
        });
    let service = (text(), localized(), prop::collection::vec(component, 0..3)).prop_map(
        |(id, name, components)| Service {
            id,
            name,
            components,
        },
    );
    let update = (at(), 0usize..4, localized(), prop::option::of(text())).prop_map(
        |(at, s, message, sources)| IncidentUpdate {
            sources,
            at,
            state: [
                IncidentState::Investigating,
                IncidentState::Identified,
                IncidentState::Monitoring,
                IncidentState::Resolved,
            ][s],
            message,
        },
    );
    let incident = (
        text(),
        localized(),
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
        localized(),
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
        any::<bool>(),
    )
        .prop_map(
            |(feed, title, root, regions, refresh_seconds, timeout_ms, grace, replay)| AppConfig {
                replay,
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
    let name = (text(), localized(), prop::collection::vec(text(), 0..2)).prop_map(
        |(id, name, depends_on)| ComponentName {
            id,
            name,
            depends_on,
        },
    );
    let refs = || prop::collection::vec(text(), 0..3);
    let event = prop_oneof![
        (text(), localized(), prop::collection::vec(name, 0..3)).prop_map(
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
        (text(), localized(), status(), refs()).prop_map(
            |(incident, title, impact, components)| {
                Event::IncidentOpened {
                    incident,
                    title,
                    impact,
                    components,
                }
            }
        ),
        (text(), localized(), prop::option::of(text())).prop_map(|(incident, message, sources)| {
            Event::IncidentUpdated {
                incident,
                state: IncidentState::Monitoring,
                message,
                sources,
            }
        }),
        (text(), localized(), prop::option::of(text())).prop_map(|(incident, message, sources)| {
            Event::IncidentResolved {
                incident,
                message,
                sources,
            }
        }),
        (text(), text()).prop_map(|(incident, url)| Event::PostmortemPublished { incident, url }),
        (text(), localized(), at(), at(), refs()).prop_map(
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
        agree(&feed, Feed::from_json, e)?;
    }

    #[test]
    fn observations_read_as_serde_reads_them(o in arb_observation(), e in edit()) {
        agree(&o, Observation::from_json, e)?;
    }

    #[test]
    fn key_sets_read_as_serde_reads_them(ks in arb_key_set(), e in edit()) {
        agree(&ks, KeySet::from_json, e)?;
    }

    #[test]
    fn configs_read_as_serde_reads_them(config in arb_config(), e in edit()) {
        agree(&config, AppConfig::from_json, e)?;
    }

    #[test]
    fn log_events_read_as_serde_reads_them(event in arb_log_event(), e in edit()) {
        agree(&event, LogEvent::from_json, e)?;
        let entry = bongsu_core::log::encode_event(&event);
        prop_assert_eq!(bongsu_core::log::decode_event(0, &entry), Ok(event));
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
        agree(&evidence, Evidence::from_json, e)?;
    }

    #[test]
    fn chain_files_read_as_serde_reads_them(notes in prop::collection::vec(text(), 0..3), e in edit()) {
        let file = KeyChainFile { format: text_of(&notes), key_sets: notes };
        agree(&file, KeyChainFile::from_json, e)?;
    }
}

proptest! {
    /// `chain_file` is written by hand; serde's pretty printer is the
    /// reference, byte for byte.
    #[test]
    fn chain_files_are_written_as_serde_writes_them(notes in prop::collection::vec(text(), 0..4)) {
        let file = KeyChainFile {
            format: bongsu_core::keys::KEY_CHAIN_FORMAT.to_owned(),
            key_sets: notes.clone(),
        };
        prop_assert_eq!(
            bongsu_core::keys::chain_file(&notes),
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
        AppConfig::from_json,
    )
    .unwrap();
    assert_eq!((config.refresh_seconds, config.timeout_ms), (30, 5000));
    let feed = json::read(
        r#"{"feed":"f","seq":1,"issued_at":"2022-10-15T06:30:00Z","expires_at":"2022-10-15T07:30:00+09:00","log":null,"services":[]}"#,
        Feed::from_json,
    )
    .unwrap();
    assert_eq!((feed.log, feed.incidents.len()), (None, 0));
    let e = json::read(
        r#"{"feed":"f","seq":1,"issued_at":"2022-10-15T06:30:00Z","expires_at":"soon","services":[]}"#,
        Feed::from_json,
    )
    .unwrap_err();
    assert!(e.message.contains("RFC 3339"), "{e}");
}
