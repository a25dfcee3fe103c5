//! The test vectors in docs/protocol/{keys,log,probes,statuspage}.md, reproduced byte
//! for byte from fixed keys and content, and verified as a reader would.
//! (The feed's vector is checked by `signing.rs`.) A change to any wire
//! format fails here until the documents say the same.

use std::collections::BTreeMap;

use base64::Engine;
use bongsu_core::keys::CosignatureSigner;
use bongsu_core::log::{
    add_cosignatures, decode_event, encode_event, sign_checkpoint, verify_checkpoint,
    ComponentName, Event, LogEvent, MerkleLog,
};
use bongsu_core::probe::{
    verify_observation, ErrorClass, Observation, ProbeState, ServiceObservation,
};
use bongsu_core::{
    chain_file, parse_chain_file, sign_key_set, sign_observation, KeyChain, KeySet, RoleKeys, Roles,
};
use ed25519_dalek::SigningKey;
use signed_note::{new_ed25519_verifier_key, Signer, StandardSigner};
use time::macros::datetime;

fn seed(first: u8) -> [u8; 32] {
    core::array::from_fn(|i| first + i as u8)
}

/// A signer and its verifier key from a fixed seed.
fn key(name: &str, first: u8) -> (StandardSigner, String) {
    let seed = seed(first);
    let signing = SigningKey::from_bytes(&seed);
    let vkey = new_ed25519_verifier_key(name, &signing.verifying_key());
    let id = vkey.split('+').nth(1).unwrap().to_owned();
    let mut private = vec![1u8];
    private.extend_from_slice(&seed);
    let skey = format!(
        "PRIVATE+KEY+{name}+{id}+{}",
        base64::engine::general_purpose::STANDARD.encode(private)
    );
    (StandardSigner::new(&skey).unwrap(), vkey)
}

fn one(vkey: &str) -> RoleKeys {
    RoleKeys {
        threshold: 1,
        keys: vec![vkey.to_owned()],
    }
}

/// The fenced block after `marker` in a protocol document.
fn block(doc: &str, marker: &str) -> String {
    let after = doc
        .split_once(marker)
        .unwrap_or_else(|| panic!("the document lacks {marker}"))
        .1;
    let body = after.split_once("```text\n").unwrap().1;
    body.split_once("```").unwrap().0.to_owned()
}

/// Compares, and on a difference prints what the document should say.
#[track_caller]
fn same(doc_name: &str, marker: &str, doc: &str, made: &str) {
    let written = block(doc, marker);
    assert!(
        written == made,
        "{doc_name} {marker} should be:\n```text\n{made}```"
    );
}

const KEYS_MD: &str = include_str!("../../../docs/protocol/keys.md");
const LOG_MD: &str = include_str!("../../../docs/protocol/log.md");
const PROBES_MD: &str = include_str!("../../../docs/protocol/probes.md");

#[test]
fn the_key_set_vector_is_reproduced_and_trusted_from_its_root() {
    let (root, root_vkey) = key("root.bongsu.example", 0x20);
    let (_, status_vkey) = key("status.bongsu.example", 0x00);
    let key_set = KeySet {
        feed: "kakao".into(),
        version: 1,
        issued_at: datetime!(2022-10-01 00:00 UTC),
        expires_at: datetime!(2023-10-01 00:00 UTC),
        root: one(&root_vkey),
        roles: Roles {
            status: one(&status_vkey),
            log: None,
            witness: None,
            probes: BTreeMap::new(),
        },
        revoked: Vec::new(),
    };
    let note = sign_key_set(&key_set, &[&root as &dyn Signer]).unwrap();
    same(
        "keys.md",
        "<!-- vector:root -->",
        KEYS_MD,
        &format!("{root_vkey}\n"),
    );
    same("keys.md", "<!-- vector:keyset -->", KEYS_MD, &note);
    let written = block(KEYS_MD, "<!-- vector:keyset -->");
    let mut chain = KeyChain::new(one(&root_vkey), "kakao");
    let notes = parse_chain_file(chain_file(std::slice::from_ref(&written)).as_bytes()).unwrap();
    assert_eq!(chain.extend(&notes), Ok(1));
    assert_eq!(chain.latest(), Some(&key_set));
    // Any byte changed: not trusted.
    let mut tampered = written.into_bytes();
    tampered[40] ^= 1;
    let mut chain = KeyChain::new(one(&root_vkey), "kakao");
    let tampered = String::from_utf8_lossy(&tampered).into_owned();
    assert!(chain.extend(&[tampered]).is_err());
}

fn vector_event() -> LogEvent {
    LogEvent {
        at: datetime!(2022-10-15 06:30 UTC),
        event: Event::ServiceListed {
            service: "kakaotalk".into(),
            name: "KakaoTalk".into(),
            components: vec![ComponentName {
                depends_on: Vec::new(),
                id: "messaging".into(),
                name: "Messaging".into(),
            }],
        },
    }
}

#[test]
fn the_log_vectors_are_reproduced_and_verify() {
    let entry = encode_event(&vector_event());
    same(
        "log.md",
        "<!-- vector:entry -->",
        LOG_MD,
        &format!("{}\n", String::from_utf8(entry.clone()).unwrap()),
    );
    let tree = MerkleLog::from_entries([entry.as_slice()]);
    same(
        "log.md",
        "<!-- vector:leaf -->",
        LOG_MD,
        &format!("{}\n", tree.root()),
    );
    assert_eq!(decode_event(0, &entry), Ok(vector_event()));

    let (log, log_vkey) = key("log.bongsu.example", 0x40);
    let witness = CosignatureSigner::new(
        "witness.bongsu.example",
        SigningKey::from_bytes(&seed(0x60)),
        1_665_816_600,
    );
    let signed = sign_checkpoint(tree.size(), tree.root(), &[&log as &dyn Signer]).unwrap();
    let cosigned = add_cosignatures(&signed, &[&witness as &dyn Signer]).unwrap();
    same(
        "log.md",
        "<!-- vector:checkpoint -->",
        LOG_MD,
        &String::from_utf8(cosigned).unwrap(),
    );
    same(
        "log.md",
        "<!-- vector:witness -->",
        LOG_MD,
        &format!("{}\n", witness.verifier_key()),
    );
    let mut key_set = KeySet {
        feed: "kakao".into(),
        version: 1,
        issued_at: datetime!(2022-10-01 00:00 UTC),
        expires_at: datetime!(2023-10-01 00:00 UTC),
        root: one(&log_vkey),
        roles: Roles {
            status: one(&log_vkey),
            log: Some(one(&log_vkey)),
            witness: Some(one(&witness.verifier_key())),
            probes: BTreeMap::new(),
        },
        revoked: Vec::new(),
    };
    let written = block(LOG_MD, "<!-- vector:checkpoint -->");
    let checkpoint = verify_checkpoint(written.as_bytes(), &key_set).unwrap();
    assert_eq!((checkpoint.size, checkpoint.root), (1, tree.root()));
    assert_eq!(checkpoint.cosigned[0].witness, "witness.bongsu.example");
    assert_eq!(checkpoint.cosigned[0].time.unix_timestamp(), 1_665_816_600);
    key_set.roles.witness = None;
    verify_checkpoint(written.as_bytes(), &key_set).unwrap();
}

#[test]
fn the_observation_vector_is_reproduced_and_verifies_for_its_region() {
    let (probe, probe_vkey) = key("probe-seoul.bongsu.example", 0x80);
    let observation = Observation {
        feed: "kakao".into(),
        region: "seoul".into(),
        seq: 812,
        issued_at: datetime!(2022-10-15 06:31:00 UTC),
        expires_at: datetime!(2022-10-15 06:31:15 UTC),
        interval_seconds: 5,
        window_seconds: 60,
        services: vec![ServiceObservation {
            service: "kakaotalk".into(),
            state: ProbeState::Failing,
            since: datetime!(2022-10-15 06:30:05 UTC),
            attempted: 24,
            failed: 24,
            latency_p50_ms: None,
            latency_p95_ms: None,
            last_error: Some(ErrorClass::Refused),
        }],
    };
    let note = sign_observation(&observation, &[&probe as &dyn Signer]).unwrap();
    same(
        "probes.md",
        "<!-- vector:observation -->",
        PROBES_MD,
        &String::from_utf8(note).unwrap(),
    );
    same(
        "probes.md",
        "<!-- vector:probe -->",
        PROBES_MD,
        &format!("{probe_vkey}\n"),
    );
    let key_set = KeySet {
        feed: "kakao".into(),
        version: 1,
        issued_at: datetime!(2022-10-01 00:00 UTC),
        expires_at: datetime!(2023-10-01 00:00 UTC),
        root: one(&probe_vkey),
        roles: Roles {
            status: one(&probe_vkey),
            log: None,
            witness: None,
            probes: BTreeMap::from([("seoul".to_owned(), one(&probe_vkey))]),
        },
        revoked: Vec::new(),
    };
    let written = block(PROBES_MD, "<!-- vector:observation -->");
    assert_eq!(
        verify_observation(written.as_bytes(), &key_set, "seoul"),
        Ok(observation)
    );
    assert!(verify_observation(written.as_bytes(), &key_set, "busan").is_err());
}

const STATUSPAGE_MD: &str = include_str!("../../../docs/protocol/statuspage.md");

/// The Statuspage-compatible API of a one-service feed without a log: its
/// `status.json` and its manifest, signed by the feed vector's status key.
#[test]
fn the_statuspage_vector_is_reproduced_and_checks_out() {
    use bongsu_core::statuspage::{check_derived, derive, manifest_for, verify_manifest, PageInfo};
    use bongsu_core::{Component, Feed, Incident, IncidentState, IncidentUpdate, Service, Status};
    let (status, status_vkey) = key("status.bongsu.example", 0x00);
    let feed = Feed {
        feed: "kakao".into(),
        seq: 42,
        issued_at: datetime!(2022-10-15 06:50:00 UTC),
        expires_at: datetime!(2022-10-15 07:50:00 UTC),
        log: None,
        services: vec![Service {
            id: "kakaotalk".into(),
            name: "KakaoTalk".into(),
            components: vec![Component {
                depends_on: Vec::new(),
                id: "messaging".into(),
                name: "Messaging".into(),
                status: Status::MajorOutage,
            }],
        }],
        incidents: vec![Incident {
            id: "2022-10-15-pangyo-fire".into(),
            title: "Fire at the Pangyo datacenter".into(),
            impact: Status::MajorOutage,
            components: vec!["kakaotalk/messaging".into()],
            updates: vec![IncidentUpdate {
                sources: None,
                at: datetime!(2022-10-15 06:50:00 UTC),
                state: IncidentState::Investigating,
                message: "Messages fail to send.".into(),
            }],
            postmortem: None,
        }],
        maintenances: vec![],
    };
    let page = PageInfo {
        name: "Kakao".into(),
        url: "https://status.example.kr/".into(),
        lang: None,
    };
    let files = derive(&feed, None, &page);
    let status_json = String::from_utf8(files[1].bytes.clone()).unwrap();
    same(
        "statuspage.md",
        "<!-- vector:status.json -->",
        STATUSPAGE_MD,
        &format!("{status_json}\n"),
    );
    let manifest = manifest_for(&feed, &page, &files);
    let note =
        bongsu_core::sign::sign_statuspage_manifest(&manifest, &[&status as &dyn Signer]).unwrap();
    let note = String::from_utf8(note).unwrap();
    same(
        "statuspage.md",
        "<!-- vector:manifest -->",
        STATUSPAGE_MD,
        &note,
    );

    let written = block(STATUSPAGE_MD, "<!-- vector:manifest -->");
    let key_set = KeySet {
        feed: "kakao".into(),
        version: 1,
        issued_at: datetime!(2022-10-01 00:00 UTC),
        expires_at: datetime!(2023-10-01 00:00 UTC),
        root: one(&status_vkey),
        roles: Roles {
            status: one(&status_vkey),
            log: None,
            witness: None,
            probes: BTreeMap::new(),
        },
        revoked: Vec::new(),
    };
    let verified = verify_manifest(written.as_bytes(), &key_set).unwrap();
    assert_eq!(
        check_derived(&feed, None, &verified, &|p: &str| Ok(files
            .iter()
            .find(|f| f.path == p)
            .map(|f| f.bytes.clone()))),
        []
    );
}
