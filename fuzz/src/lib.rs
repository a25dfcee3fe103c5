//! Fixed keys and genuine inputs for the fuzz targets: the fuzzer starts
//! from real signed feeds and key chains, so its mutations reach the code
//! behind the signature checks (and prove those checks hold).

use std::collections::BTreeMap;

use base64::Engine;
use bongsu_core::{
    chain_file, sign_feed, sign_key_set, Component, Feed, KeySet, RoleKeys, Roles, Service, Status,
};
use ed25519_dalek::SigningKey;
use signed_note::{new_ed25519_verifier_key, Signer, StandardSigner};
use time::macros::datetime;

/// A signer and its verifier key from a fixed seed.
pub fn key(name: &str, seed: u8) -> (StandardSigner, String) {
    let bytes = [seed; 32];
    let vkey = new_ed25519_verifier_key(name, &SigningKey::from_bytes(&bytes).verifying_key());
    let id = vkey.split('+').nth(1).unwrap_or_default().to_owned();
    let mut private = vec![1u8];
    private.extend_from_slice(&bytes);
    let skey = format!(
        "PRIVATE+KEY+{name}+{id}+{}",
        base64::engine::general_purpose::STANDARD.encode(private)
    );
    let signer = StandardSigner::new(&skey).expect("a well-formed fixed key");
    (signer, vkey)
}

pub fn root() -> (StandardSigner, String) {
    key("root.fuzz", 1)
}

pub fn status() -> (StandardSigner, String) {
    key("status.fuzz", 2)
}

pub fn role(vkey: &str) -> RoleKeys {
    RoleKeys {
        threshold: 1,
        keys: vec![vkey.to_owned()],
    }
}

fn feed(seq: u64) -> Feed {
    Feed {
        feed: "kakao".into(),
        seq,
        issued_at: datetime!(2022-10-15 06:50 UTC),
        expires_at: datetime!(2022-10-15 07:50 UTC),
        log: None,
        services: vec![Service {
            id: "kakaotalk".into(),
            name: "KakaoTalk".into(),
            components: vec![Component {
                id: "messaging".into(),
                // The second seed is format 2: a name in two languages.
                name: if seq == 1 {
                    "Messaging".into()
                } else {
                    bongsu_core::text::Localized::new(
                        "ko",
                        "메시지",
                        [("en".to_owned(), "Messaging".to_owned())],
                    )
                },
                status: Status::MajorOutage,
                depends_on: Vec::new(),
            }],
        }],
        incidents: vec![],
        maintenances: vec![],
    }
}

/// Genuine signed feeds.
pub fn seed_feeds() -> Vec<Vec<u8>> {
    let (signer, _) = status();
    (1..=2)
        .map(|seq| sign_feed(&feed(seq), &[&signer as &dyn Signer]).expect("a valid feed"))
        .collect()
}

/// A genuine two-version key chain (the status key rotates in v2).
pub fn seed_chains() -> Vec<Vec<u8>> {
    let (root_signer, root_vkey) = root();
    let (_, status_vkey) = status();
    let (_, next_vkey) = key("status.fuzz", 3);
    let set = |version, status: &str, revoked: Vec<String>| KeySet {
        feed: "kakao".into(),
        version,
        issued_at: datetime!(2022-10-01 00:00 UTC),
        expires_at: datetime!(2023-10-01 00:00 UTC),
        root: role(&root_vkey),
        roles: Roles {
            status: role(status),
            log: None,
            witness: None,
            probes: BTreeMap::new(),
        },
        revoked,
    };
    let sign = |k: &KeySet| sign_key_set(k, &[&root_signer as &dyn Signer]).expect("valid");
    let v1 = sign(&set(1, &status_vkey, vec![]));
    let v2 = sign(&set(2, &next_vkey, vec![status_vkey.clone()]));
    vec![
        chain_file(&[v1.clone()]).into_bytes(),
        chain_file(&[v1, v2]).into_bytes(),
    ]
}

/// Each JSON document the browser reads: the feed and key set lines of the
/// seed notes, the chain files, the demo's config and a history event.
pub fn seed_json() -> Vec<Vec<u8>> {
    let json_line = |note: &[u8]| {
        String::from_utf8_lossy(note)
            .lines()
            .nth(1)
            .unwrap_or_default()
            .as_bytes()
            .to_vec()
    };
    let mut seeds: Vec<Vec<u8>> = seed_feeds().iter().map(|n| json_line(n)).collect();
    for chain in seed_chains() {
        let notes = bongsu_core::parse_chain_file(&chain).unwrap_or_default();
        seeds.extend(notes.iter().map(|n| json_line(n.as_bytes())));
        seeds.push(chain);
    }
    seeds.push(include_bytes!("../../public/config.json").to_vec());
    seeds.push(
        br#"{"at":"2022-10-15T15:30:00+09:00","event":{"kind":"component_status","service":"kakaotalk","component":"messaging","status":"major_outage"}}"#
            .to_vec(),
    );
    seeds
}

/// A kept log state (its body, without the checksum the target adds): a
/// listing, status changes, an incident with translated text, updated and
/// resolved.
pub fn seed_kept() -> Vec<Vec<u8>> {
    use bongsu_core::log::{encode_event, CompactTree, History, KeptLog, MerkleLog};
    let events: Vec<bongsu_core::log::LogEvent> = [
        r#"{"at":"2022-10-15T15:00:00+09:00","event":{"kind":"service_listed","service":"kakaotalk","name":{"lang":"ko","text":"카카오톡","translations":{"en":"KakaoTalk"}},"components":[{"id":"messaging","name":"Messaging","depends_on":[]}]}}"#,
        r#"{"at":"2022-10-15T15:30:00+09:00","event":{"kind":"component_status","service":"kakaotalk","component":"messaging","status":"major_outage"}}"#,
        r#"{"at":"2022-10-15T15:31:00+09:00","event":{"kind":"incident_opened","incident":"fire","title":{"lang":"ko","text":"화재","translations":{"en":"Fire"}},"impact":"major_outage","components":["kakaotalk/messaging"]}}"#,
        r#"{"at":"2022-10-15T16:00:00+09:00","event":{"kind":"incident_updated","incident":"fire","state":"identified","message":"Power cut","sources":"https://example.com/a"}}"#,
        r#"{"at":"2022-10-16T01:31:00+09:00","event":{"kind":"incident_resolved","incident":"fire","message":"Restored"}}"#,
    ]
    .iter()
    .filter_map(|text| bongsu_core::text::json::read(text, <bongsu_core::log::LogEvent as bongsu_core::text::json::FromJson>::from_json).ok())
    .collect();
    let entries: Vec<Vec<u8>> = events.iter().map(encode_event).collect();
    let tree = CompactTree::of(&MerkleLog::from_entries(entries.iter().map(Vec::as_slice)));
    let sealed = KeptLog::encode("log.example/kakao", &tree, &History::from_events(&events));
    vec![sealed[..sealed.len() - 8].to_vec()]
}
