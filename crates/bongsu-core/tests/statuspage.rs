//! The Statuspage-compatible API: derived deterministically, exactly in
//! Statuspage's shapes, and checkable against its signed manifest.

use bongsu_core::log::{events_for_change, LogEvent};
use bongsu_core::sign::sign_statuspage_manifest;
use bongsu_core::statuspage::model::{ComponentsDoc, IncidentsDoc, Summary};
use bongsu_core::statuspage::{
    check_derived, derive, manifest_for, verify_manifest, DerivedProblem, ManifestError, PageInfo,
    API_FILES,
};
use bongsu_core::{
    Component, Feed, Incident, IncidentState, IncidentUpdate, KeySet, LogCommitment, RoleKeys,
    Roles, Service, Status,
};
use ed25519_dalek::SigningKey;
use signed_note::{new_ed25519_verifier_key, StandardSigner};
use time::macros::datetime;
use time::OffsetDateTime;

fn key(name: &str, seed: u8) -> (StandardSigner, String) {
    let signing = SigningKey::from_bytes(&[seed; 32]);
    let vkey = new_ed25519_verifier_key(name, &signing.verifying_key());
    let id = vkey.split('+').nth(1).unwrap().to_owned();
    let mut private = vec![1u8];
    private.extend_from_slice(&[seed; 32]);
    use base64::Engine;
    let skey = format!(
        "PRIVATE+KEY+{name}+{id}+{}",
        base64::engine::general_purpose::STANDARD.encode(private)
    );
    (StandardSigner::new(&skey).unwrap(), vkey)
}

fn key_set(status_vkey: &str) -> KeySet {
    let one = |k: &str| RoleKeys {
        threshold: 1,
        keys: vec![k.to_owned()],
    };
    KeySet {
        feed: "kakao".into(),
        version: 1,
        issued_at: datetime!(2022-01-01 00:00 UTC),
        expires_at: datetime!(2032-01-01 00:00 UTC),
        root: one(status_vkey),
        roles: Roles {
            status: one(status_vkey),
            log: None,
            witness: None,
            probes: Default::default(),
        },
        revoked: vec![],
    }
}

fn page() -> PageInfo {
    PageInfo {
        name: "Kakao".into(),
        url: "https://status.example.kr/".into(),
        lang: None,
    }
}

fn service(statuses: [Status; 2]) -> Vec<Service> {
    vec![Service {
        id: "kakaotalk".into(),
        name: "KakaoTalk".into(),
        components: vec![
            Component {
                depends_on: Vec::new(),
                id: "messaging".into(),
                name: "Messaging".into(),
                status: statuses[0],
            },
            Component {
                depends_on: Vec::new(),
                id: "pc-login".into(),
                name: "PC login".into(),
                status: statuses[1],
            },
        ],
    }]
}

fn fire(updates: &[(OffsetDateTime, IncidentState, &str)]) -> Vec<Incident> {
    vec![Incident {
        id: "fire".into(),
        title: "Fire".into(),
        impact: Status::MajorOutage,
        components: vec!["kakaotalk/messaging".into(), "kakaotalk/pc-login".into()],
        updates: updates
            .iter()
            .map(|(at, state, message)| IncidentUpdate {
                sources: None,
                at: *at,
                state: *state,
                message: (*message).into(),
            })
            .collect(),
        postmortem: None,
    }]
}

/// A log of three signings (down; partly back; resolved) and the feed of the
/// last one, committing to it.
fn logged() -> (Vec<LogEvent>, Feed) {
    use IncidentState::*;
    use Status::*;
    let t0 = datetime!(2022-10-15 15:30 +09:00);
    let t1 = datetime!(2022-10-16 01:30 +09:00);
    let t2 = datetime!(2022-10-20 23:00 +09:00);
    let u0 = (t0, Investigating, "Messages fail to send.");
    let u1 = (t1, Identified, "Text messages are back; photos still fail.");
    let u2 = (t2, Resolved, "Everything is back.");
    let states = [
        (t0, service([MajorOutage, PartialOutage]), fire(&[u0])),
        (t1, service([Operational, PartialOutage]), fire(&[u0, u1])),
        (t2, service([Operational, Operational]), fire(&[u0, u1, u2])),
    ];
    let mut events = events_for_change(&[], &[], &service([Operational; 2]), &[], t0);
    let (mut services, mut incidents) = (service([Operational; 2]), vec![]);
    for (at, s, i) in &states {
        events.extend(events_for_change(&services, &incidents, s, i, *at));
        (services, incidents) = (s.clone(), i.clone());
    }
    let feed = Feed {
        feed: "kakao".into(),
        seq: 3,
        issued_at: datetime!(2022-10-21 00:00 +09:00),
        expires_at: datetime!(2022-10-21 01:00 +09:00),
        log: Some(LogCommitment {
            size: events.len() as u64,
            root: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".into(),
        }),
        services,
        incidents,
        maintenances: vec![],
    };
    (events, feed)
}

fn file<'a>(files: &'a [bongsu_core::statuspage::ApiFile], path: &str) -> &'a [u8] {
    &files.iter().find(|f| f.path == path).unwrap().bytes
}

#[test]
fn the_derivation_is_a_pure_function_of_feed_log_and_page() {
    let (events, feed) = logged();
    let a = derive(&feed, Some(&events), &page());
    let b = derive(&feed.clone(), Some(&events.clone()), &page());
    assert_eq!(a, b);
    assert_eq!(
        a.iter().map(|f| f.path).collect::<Vec<_>>(),
        API_FILES.to_vec()
    );
}

#[test]
fn incidents_carry_the_logged_timeline_and_what_each_update_changed() {
    let (events, feed) = logged();
    let files = derive(&feed, Some(&events), &page());
    let doc: IncidentsDoc = serde_json::from_slice(file(&files, "api/v2/incidents.json")).unwrap();
    let i = &doc.incidents[0];
    assert_eq!(i.status, "resolved");
    assert_eq!(i.impact, bongsu_core::statuspage::model::Impact::Critical);
    assert_eq!(i.started_at, "2022-10-15T15:30:00+09:00");
    assert_eq!(i.resolved_at.as_deref(), Some("2022-10-20T23:00:00+09:00"));
    assert_eq!(i.shortlink, "https://status.example.kr/#/incidents/fire");
    let statuses: Vec<&str> = i
        .incident_updates
        .iter()
        .map(|u| u.status.as_str())
        .collect();
    assert_eq!(
        statuses,
        ["resolved", "identified", "investigating"],
        "newest first"
    );
    let changes = |n: usize| -> Vec<(String, Status, Status)> {
        i.incident_updates[n]
            .affected_components
            .iter()
            .flatten()
            .map(|a| (a.code.clone(), a.old_status, a.new_status))
            .collect()
    };
    use Status::*;
    let c = |code: &str, old, new| (code.to_owned(), old, new);
    assert_eq!(
        changes(2),
        [
            c("kakaotalk.messaging", Operational, MajorOutage),
            c("kakaotalk.pc-login", Operational, PartialOutage)
        ]
    );
    assert_eq!(
        changes(1),
        [c("kakaotalk.messaging", MajorOutage, Operational)]
    );
    assert_eq!(
        changes(0),
        [c("kakaotalk.pc-login", PartialOutage, Operational)]
    );
    let unresolved: IncidentsDoc =
        serde_json::from_slice(file(&files, "api/v2/incidents/unresolved.json")).unwrap();
    assert!(unresolved.incidents.is_empty());
}

#[test]
fn services_are_groups_and_components_their_children() {
    let (events, feed) = logged();
    let files = derive(&feed, Some(&events), &page());
    let doc: ComponentsDoc =
        serde_json::from_slice(file(&files, "api/v2/components.json")).unwrap();
    let ids: Vec<(&str, bool, Option<&str>)> = doc
        .components
        .iter()
        .map(|c| (c.id.as_str(), c.group, c.group_id.as_deref()))
        .collect();
    assert_eq!(
        ids,
        [
            ("kakaotalk", true, None),
            ("kakaotalk.messaging", false, Some("kakaotalk")),
            ("kakaotalk.pc-login", false, Some("kakaotalk")),
        ]
    );
    assert_eq!(
        doc.components[0].components.as_deref(),
        Some(
            &[
                "kakaotalk.messaging".to_owned(),
                "kakaotalk.pc-login".to_owned()
            ][..]
        )
    );
    assert_eq!(doc.components[1].start_date.as_deref(), Some("2022-10-15"));
    assert_eq!(doc.components[2].updated_at, "2022-10-20T23:00:00+09:00");
}

/// Statuspage's shapes and nothing more: every object's keys, in order, as
/// Statuspage documents them, and `components` only on groups.
#[test]
fn strict_readers_see_exactly_statuspage_fields() {
    let (events, feed) = logged();
    let files = derive(&feed, Some(&events), &page());
    let summary: serde_json::Value =
        serde_json::from_slice(file(&files, "api/v2/summary.json")).unwrap();
    let keys = |v: &serde_json::Value| -> Vec<String> {
        v.as_object().unwrap().keys().cloned().collect::<Vec<_>>()
    };
    let mut top = keys(&summary);
    top.sort();
    assert_eq!(
        top,
        [
            "components",
            "incidents",
            "page",
            "scheduled_maintenances",
            "status"
        ]
    );
    let mut page_keys = keys(&summary["page"]);
    page_keys.sort();
    assert_eq!(page_keys, ["id", "name", "time_zone", "updated_at", "url"]);
    assert_eq!(summary["page"]["time_zone"], "Asia/Seoul");
    for c in summary["components"].as_array().unwrap() {
        let mut k = keys(c);
        k.sort();
        let mut expected = vec![
            "created_at",
            "description",
            "group",
            "group_id",
            "id",
            "name",
            "only_show_if_degraded",
            "page_id",
            "position",
            "showcase",
            "start_date",
            "status",
            "updated_at",
        ];
        if c["group"] == true {
            expected.push("components");
            expected.sort();
        }
        assert_eq!(k, expected);
    }
    let incidents: serde_json::Value =
        serde_json::from_slice(file(&files, "api/v2/incidents.json")).unwrap();
    let i = &incidents["incidents"][0];
    let mut k = keys(i);
    k.sort();
    assert_eq!(
        k,
        [
            "components",
            "created_at",
            "id",
            "impact",
            "incident_updates",
            "monitoring_at",
            "name",
            "page_id",
            "resolved_at",
            "shortlink",
            "started_at",
            "status",
            "updated_at"
        ]
    );
    let mut k = keys(&i["incident_updates"][0]);
    k.sort();
    assert_eq!(
        k,
        [
            "affected_components",
            "body",
            "created_at",
            "custom_tweet",
            "deliver_notifications",
            "display_at",
            "id",
            "incident_id",
            "status",
            "tweet_id",
            "updated_at"
        ]
    );
    // Every time carries KST's offset.
    let text = String::from_utf8(file(&files, "api/v2/incidents.json").to_vec()).unwrap();
    for at in text.split("_at\":\"").skip(1) {
        assert_eq!(&at[19..25], "+09:00", "{}", &at[..30]);
    }
}

#[test]
fn an_open_incident_is_in_summary_and_sets_the_indicator() {
    use IncidentState::*;
    let t0 = datetime!(2022-10-15 15:30 +09:00);
    let services = service([Status::MajorOutage, Status::Operational]);
    let incidents = fire(&[(t0, Investigating, "Down.")]);
    let mut events = events_for_change(&[], &[], &service([Status::Operational; 2]), &[], t0);
    events.extend(events_for_change(
        &service([Status::Operational; 2]),
        &[],
        &services,
        &incidents,
        t0,
    ));
    let feed = Feed {
        feed: "kakao".into(),
        seq: 1,
        issued_at: t0,
        expires_at: t0 + time::Duration::hours(1),
        log: None,
        services,
        incidents,
        maintenances: vec![],
    };
    for log in [None, Some(&events[..])] {
        let files = derive(&feed, log, &page());
        let s: Summary = serde_json::from_slice(file(&files, "api/v2/summary.json")).unwrap();
        assert_eq!(s.incidents.len(), 1);
        assert_eq!(s.incidents[0].status, "investigating");
        assert_eq!(s.status.description, "Major System Outage");
        assert_eq!(
            s.components[0].status,
            Status::MajorOutage,
            "the group is its worst child"
        );
        assert_eq!(s.page.updated_at, "2022-10-15T15:30:00+09:00");
    }
}

/// Re-signing the same status (a new seq and issued_at) changes no history
/// feed entry: the entry ids and dates are the log's, not the signing's.
#[test]
fn feed_entries_are_stable_across_re_signing() {
    let (events, feed) = logged();
    let mut later = feed.clone();
    later.seq += 1;
    later.issued_at += time::Duration::hours(5);
    let (a, b) = (
        derive(&feed, Some(&events), &page()),
        derive(&later, Some(&events), &page()),
    );
    assert_eq!(file(&a, "history.atom"), file(&b, "history.atom"));
    assert_eq!(file(&a, "history.rss"), file(&b, "history.rss"));
    assert_ne!(
        file(&a, "api/v2/status.json"),
        file(&b, "api/v2/status.json")
    );
}

#[test]
fn the_manifest_verifies_and_any_changed_byte_fails_it() {
    let (signer, vkey) = key("status.bongsu.example", 7);
    let keys = key_set(&vkey);
    let (events, feed) = logged();
    let files = derive(&feed, Some(&events), &page());
    let manifest = manifest_for(&feed, &page(), &files);
    let note = sign_statuspage_manifest(&manifest, &[&signer]).unwrap();
    let verified = verify_manifest(&note, &keys).unwrap();
    assert_eq!(verified, manifest);
    let served = |files: Vec<bongsu_core::statuspage::ApiFile>| {
        move |path: &str| {
            Ok(files
                .iter()
                .find(|f| f.path == path)
                .map(|f| f.bytes.clone()))
        }
    };
    assert_eq!(
        check_derived(&feed, Some(&events), &verified, &served(files.clone())),
        []
    );

    for target in API_FILES {
        for at in [
            0,
            files.iter().find(|f| f.path == target).unwrap().bytes.len() / 2,
        ] {
            let mut tampered = files.clone();
            let f = tampered.iter_mut().find(|f| f.path == target).unwrap();
            f.bytes[at] ^= 0x01;
            let problems = check_derived(&feed, Some(&events), &verified, &served(tampered));
            assert_eq!(
                problems,
                [DerivedProblem::NotSigned {
                    path: target.into()
                }],
                "{target} byte {at}"
            );
        }
    }
    // A missing file is named.
    let fewer: Vec<_> = files
        .iter()
        .filter(|f| f.path != "history.rss")
        .cloned()
        .collect();
    assert_eq!(
        check_derived(&feed, Some(&events), &verified, &served(fewer)),
        [DerivedProblem::Missing {
            path: "history.rss".into()
        }]
    );
    // A changed byte in the manifest breaks its signature.
    let mut forged = note.clone();
    let i = forged.windows(5).position(|w| w == b"\"seq\"").unwrap() + 6;
    forged[i] = b'9';
    assert!(matches!(
        verify_manifest(&forged, &keys),
        Err(ManifestError::Signature(_))
    ));
    // Signed by another key: refused.
    let (other, _) = key("status.bongsu.example", 8);
    let by_other = sign_statuspage_manifest(&manifest, &[&other]).unwrap();
    assert!(verify_manifest(&by_other, &keys).is_err());
}

/// A manifest and files honestly signed, but for another feed than the one
/// the region serves, or derived wrongly from it, are both reported.
#[test]
fn files_from_another_feed_or_derived_wrongly_are_reported() {
    let (signer, vkey) = key("status.bongsu.example", 7);
    let keys = key_set(&vkey);
    let (events, feed) = logged();
    let mut stale = feed.clone();
    stale.seq -= 1;
    let old_files = derive(&stale, Some(&events), &page());
    let note =
        sign_statuspage_manifest(&manifest_for(&stale, &page(), &old_files), &[&signer]).unwrap();
    let manifest = verify_manifest(&note, &keys).unwrap();
    let problems = check_derived(&feed, Some(&events), &manifest, &|p: &str| {
        Ok(old_files
            .iter()
            .find(|f| f.path == p)
            .map(|f| f.bytes.clone()))
    });
    assert_eq!(
        problems,
        [DerivedProblem::OtherSeq {
            manifest: 2,
            feed: 3
        }]
    );

    // The signer's own key vouching for a summary that lies (all green).
    let mut lying = derive(&feed, Some(&events), &page());
    let summary = lying
        .iter_mut()
        .find(|f| f.path == "api/v2/status.json")
        .unwrap();
    summary.bytes = String::from_utf8(summary.bytes.clone())
        .unwrap()
        .replace("All Systems Operational", "All Systems Operational ")
        .into_bytes();
    let note = sign_statuspage_manifest(&manifest_for(&feed, &page(), &lying), &[&signer]).unwrap();
    let manifest = verify_manifest(&note, &keys).unwrap();
    let problems = check_derived(&feed, Some(&events), &manifest, &|p: &str| {
        Ok(lying.iter().find(|f| f.path == p).map(|f| f.bytes.clone()))
    });
    assert_eq!(
        problems,
        [DerivedProblem::NotDerived {
            path: "api/v2/status.json".into()
        }]
    );
}

#[test]
fn a_page_url_must_be_http() {
    let (signer, _) = key("status.bongsu.example", 7);
    let (events, feed) = logged();
    let mut bad = page();
    bad.url = "javascript:alert(1)".into();
    let files = derive(&feed, Some(&events), &bad);
    assert!(sign_statuspage_manifest(&manifest_for(&feed, &bad, &files), &[&signer]).is_err());
}

/// With more incidents than the files list: `incidents.json` holds the 50
/// opened last, `unresolved.json` every open one however old, and the
/// history feeds the 50 updated last (an old incident updated today
/// included).
#[test]
fn long_histories_list_the_most_recent_fifty_and_every_open_incident() {
    use IncidentState::*;
    let t0 = datetime!(2020-01-01 00:00 +09:00);
    let svc = service([Status::Operational; 2]);
    let mut events = events_for_change(&[], &[], &svc, &[], t0);
    let mut incidents: Vec<Incident> = Vec::new();
    for n in 0..60i64 {
        let at = t0 + time::Duration::days(n);
        let mut i = fire(&[(at, Investigating, "Down.")]);
        i[0].id = format!("incident-{n:02}");
        if n != 3 {
            i[0].updates.push(IncidentUpdate {
                sources: None,
                at: at + time::Duration::hours(1),
                state: Resolved,
                message: "Back.".into(),
            });
        }
        let before = incidents.clone();
        incidents.extend(i);
        events.extend(events_for_change(&svc, &before, &svc, &incidents, at));
    }
    // Incident 5, long resolved, gets a late word today.
    let late = t0 + time::Duration::days(400);
    incidents[5].updates.push(IncidentUpdate {
        sources: None,
        at: late,
        state: Resolved,
        message: "The review is out.".into(),
    });
    let before: Vec<Incident> = incidents
        .iter()
        .map(|i| {
            let mut i = i.clone();
            if i.id == "incident-05" {
                i.updates.pop();
            }
            i
        })
        .collect();
    events.extend(events_for_change(&svc, &before, &svc, &incidents, late));
    let feed = Feed {
        feed: "kakao".into(),
        seq: 1,
        issued_at: late,
        expires_at: late + time::Duration::hours(1),
        log: None,
        services: svc,
        // The feed lists every incident; the open one among them.
        incidents: incidents.clone(),
        maintenances: vec![],
    };
    let files = derive(&feed, Some(&events), &page());
    let all: IncidentsDoc = serde_json::from_slice(file(&files, "api/v2/incidents.json")).unwrap();
    let ids: Vec<&str> = all.incidents.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids.len(), 50);
    assert_eq!((ids[0], ids[49]), ("incident-59", "incident-10"));
    let open: IncidentsDoc =
        serde_json::from_slice(file(&files, "api/v2/incidents/unresolved.json")).unwrap();
    assert_eq!(
        open.incidents
            .iter()
            .map(|i| i.id.as_str())
            .collect::<Vec<_>>(),
        ["incident-03"]
    );
    let atom = String::from_utf8(file(&files, "history.atom").to_vec()).unwrap();
    assert_eq!(atom.matches("<entry>").count(), 50);
    let first = atom.split("<entry>").nth(1).unwrap();
    assert!(first.contains("#/incidents/incident-05</id>"), "{first}");
    // Incident 5, then 59 down to 11: 10 and the open 3 were updated before them.
    assert!(atom.contains("#/incidents/incident-11</id>"));
    assert!(!atom.contains("#/incidents/incident-10</id>"));
    assert!(!atom.contains("#/incidents/incident-03</id>"));
}

fn feed_of(services: Vec<Service>, incidents: Vec<Incident>, log_size: usize) -> Feed {
    let at = datetime!(2022-10-25 00:00 +09:00);
    Feed {
        feed: "kakao".into(),
        seq: 9,
        issued_at: at,
        expires_at: at + time::Duration::hours(1),
        log: Some(LogCommitment {
            size: log_size as u64,
            root: String::new(),
        }),
        services,
        incidents,
        maintenances: vec![],
    }
}

/// Two incidents naming the same component: the second's first update does
/// not claim again the change the first's update already reported, only
/// what changed since.
#[test]
fn a_change_is_reported_by_one_update_only() {
    use IncidentState::*;
    use Status::*;
    let t0 = datetime!(2022-10-15 15:30 +09:00);
    let t1 = datetime!(2022-10-15 18:00 +09:00);
    let up = service([Operational; 2]);
    let down = service([MajorOutage, Operational]);
    let worse = service([MajorOutage, PartialOutage]);
    let a = fire(&[(t0, Investigating, "Messaging is down.")]);
    let mut b = fire(&[(t1, Investigating, "PC login too.")]);
    b[0].id = "login".into();
    let both: Vec<Incident> = a.iter().chain(&b).cloned().collect();
    let mut events = events_for_change(&[], &[], &up, &[], t0);
    events.extend(events_for_change(&up, &[], &down, &a, t0));
    events.extend(events_for_change(&down, &a, &worse, &both, t1));
    let feed = feed_of(worse, both, events.len());
    let files = derive(&feed, Some(&events), &page());
    let doc: IncidentsDoc = serde_json::from_slice(file(&files, "api/v2/incidents.json")).unwrap();
    let codes = |id: &str| -> Vec<(String, Status)> {
        let i = doc.incidents.iter().find(|i| i.id == id).unwrap();
        i.incident_updates[0]
            .affected_components
            .iter()
            .flatten()
            .map(|a| (a.code.clone(), a.new_status))
            .collect()
    };
    assert_eq!(
        codes("fire"),
        [("kakaotalk.messaging".to_owned(), MajorOutage)]
    );
    assert_eq!(
        codes("login"),
        [("kakaotalk.pc-login".to_owned(), PartialOutage)]
    );
}

/// An incident dropped from the status file unresolved keeps its last
/// logged status in `incidents.json`, but is no longer open: the page does
/// not show it, and neither do `unresolved.json`, `summary.json` or the
/// indicator.
#[test]
fn an_incident_dropped_unresolved_is_no_longer_open() {
    use IncidentState::*;
    let t0 = datetime!(2022-10-15 15:30 +09:00);
    let up = service([Status::Operational; 2]);
    let down = service([Status::MajorOutage, Status::Operational]);
    let a = fire(&[(t0, Investigating, "Down.")]);
    let mut events = events_for_change(&[], &[], &up, &[], t0);
    events.extend(events_for_change(&up, &[], &down, &a, t0));
    events.extend(events_for_change(
        &down,
        &a,
        &up,
        &[],
        t0 + time::Duration::hours(2),
    ));
    let feed = feed_of(up, vec![], events.len());
    let files = derive(&feed, Some(&events), &page());
    let all: IncidentsDoc = serde_json::from_slice(file(&files, "api/v2/incidents.json")).unwrap();
    assert_eq!(all.incidents[0].status, "investigating");
    let s: Summary = serde_json::from_slice(file(&files, "api/v2/summary.json")).unwrap();
    assert!(s.incidents.is_empty());
    assert_eq!(s.status.description, "All Systems Operational");
}

/// Publishing the postmortem is the incident's latest change: its status
/// becomes `postmortem` and its `updated_at` (and feed entry) move.
#[test]
fn a_postmortem_moves_the_incident() {
    let (mut events, mut feed) = logged();
    let mut with = feed.incidents.clone();
    with[0].postmortem = Some("https://example.kr/postmortem".into());
    let later = datetime!(2022-12-07 12:00 +09:00);
    events.extend(events_for_change(
        &feed.services,
        &feed.incidents,
        &feed.services,
        &with,
        later,
    ));
    feed.incidents = with;
    feed.log.as_mut().unwrap().size = events.len() as u64;
    let files = derive(&feed, Some(&events), &page());
    let doc: IncidentsDoc = serde_json::from_slice(file(&files, "api/v2/incidents.json")).unwrap();
    assert_eq!(doc.incidents[0].status, "postmortem");
    assert_eq!(doc.incidents[0].updated_at, "2022-12-07T12:00:00+09:00");
    assert_eq!(
        doc.incidents[0].resolved_at.as_deref(),
        Some("2022-10-20T23:00:00+09:00")
    );
}

/// A maintenance's announcement changes nothing; its start reports the
/// components going into maintenance, and nothing else that changed since.
#[test]
fn maintenance_updates_report_only_the_maintenance() {
    use bongsu_core::log::events_for_maintenances;
    use bongsu_core::{Maintenance, MaintenanceState};
    use Status::*;
    let t0 = datetime!(2022-10-18 10:00 +09:00);
    let (start, end) = (
        datetime!(2022-10-20 02:00 +09:00),
        datetime!(2022-10-20 04:00 +09:00),
    );
    let plan = |state| Maintenance {
        id: "db".into(),
        title: "Database upgrade".into(),
        starts_at: start,
        ends_at: end,
        components: vec!["kakaotalk/messaging".into()],
        state,
    };
    let up = service([Operational; 2]);
    let mut events = events_for_change(&[], &[], &up, &[], t0);
    events.extend(events_for_maintenances(
        &[],
        &[plan(MaintenanceState::Scheduled)],
        t0,
    ));
    // An unrelated blip on messaging between the announcement and the work.
    let blip = service([DegradedPerformance, Operational]);
    events.extend(events_for_change(
        &up,
        &[],
        &blip,
        &[],
        t0 + time::Duration::hours(1),
    ));
    events.extend(events_for_change(
        &blip,
        &[],
        &up,
        &[],
        t0 + time::Duration::hours(2),
    ));
    let during = service([UnderMaintenance, Operational]);
    events.extend(events_for_change(&up, &[], &during, &[], start));
    events.extend(events_for_maintenances(
        &[plan(MaintenanceState::Scheduled)],
        &[plan(MaintenanceState::InProgress)],
        start,
    ));
    let mut feed = feed_of(during, vec![], events.len());
    feed.maintenances = vec![plan(MaintenanceState::InProgress)];
    let files = derive(&feed, Some(&events), &page());
    let s: Summary = serde_json::from_slice(file(&files, "api/v2/summary.json")).unwrap();
    let m = &s.scheduled_maintenances[0];
    assert_eq!(m.status, "in_progress");
    assert_eq!(
        m.impact,
        bongsu_core::statuspage::model::Impact::Maintenance
    );
    assert_eq!(
        m.scheduled_for.as_deref(),
        Some("2022-10-20T02:00:00+09:00")
    );
    assert_eq!(s.status.description, "Service Under Maintenance");
    let started = &m.incident_updates[0];
    let changes: Vec<(Status, Status)> = started
        .affected_components
        .iter()
        .flatten()
        .map(|a| (a.old_status, a.new_status))
        .collect();
    assert_eq!(changes, [(Operational, UnderMaintenance)]);
    assert_eq!(m.incident_updates[1].status, "scheduled");
    assert_eq!(m.incident_updates[1].affected_components, None);
}

#[test]
fn a_manifest_of_more_than_two_lines_or_unreadable_files_are_refused() {
    let (signer, vkey) = key("status.bongsu.example", 7);
    let (events, feed) = logged();
    let files = derive(&feed, Some(&events), &page());
    let manifest = manifest_for(&feed, &page(), &files);
    let text = bongsu_core::statuspage::encode_manifest_text(&manifest);
    let spread = text.replacen("{\"feed\"", "\n{\"feed\"", 1);
    let mut note = signed_note::Note::new(spread.as_bytes(), &[]).unwrap();
    note.add_sigs(&[&signer]).unwrap();
    assert!(matches!(
        verify_manifest(&note.to_bytes(), &key_set(&vkey)),
        Err(ManifestError::Format(_))
    ));
    let problems = check_derived(&feed, Some(&events), &manifest, &|p: &str| {
        if p == "history.rss" {
            Err("over the 1048576-byte limit".into())
        } else {
            Ok(files.iter().find(|f| f.path == p).map(|f| f.bytes.clone()))
        }
    });
    assert_eq!(
        problems,
        [DerivedProblem::Unreadable {
            path: "history.rss".into(),
            why: "over the 1048576-byte limit".into()
        }]
    );
}
