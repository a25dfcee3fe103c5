//! Root-signed key sets: rotation, revocation, thresholds, rollback and
//! every way a chain can be forged or broken.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use bongsu_core::keys::{KEY_SET_FORMAT_LINE, MAX_KEY_CHAIN_BYTES};
use bongsu_core::{
    chain_file, parse_chain_file, sign_feed, sign_key_set, verify_feed, Component, Feed, FeedError,
    KeyChain, KeySet, KeySetError, KeysUnusable, RoleKeys, Roles, Service, SignatureError, Status,
};
use proptest::prelude::*;
use rand_core::OsRng;
use signed_note::{generate_key, Signer, StandardSigner};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const NOW: OffsetDateTime = datetime!(2026-11-25 04:00 UTC);

struct Key {
    signer: StandardSigner,
    vkey: String,
}

fn key(name: &str) -> Key {
    let (skey, vkey) = generate_key(&mut OsRng, name);
    Key {
        signer: StandardSigner::new(&skey).unwrap(),
        vkey,
    }
}

/// Keys shared by every test (generating keys per proptest case is slow).
struct Keys {
    root_a: Key,
    root_b: Key,
    root_c: Key,
    status_1: Key,
    status_2: Key,
    stranger: Key,
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| Keys {
        root_a: key("root-a.bongsu.test"),
        root_b: key("root-b.bongsu.test"),
        root_c: key("root-c.bongsu.test"),
        status_1: key("status-1.bongsu.test"),
        status_2: key("status-2.bongsu.test"),
        stranger: key("stranger.bongsu.test"),
    })
}

fn role(threshold: usize, keys: &[&Key]) -> RoleKeys {
    RoleKeys {
        threshold,
        keys: keys.iter().map(|k| k.vkey.clone()).collect(),
    }
}

fn key_set(version: u64, root: RoleKeys, status: &Key, revoked: &[&Key]) -> KeySet {
    KeySet {
        feed: "kakao".into(),
        version,
        issued_at: NOW - Duration::days(1),
        expires_at: NOW + Duration::days(30),
        root,
        roles: Roles {
            status: role(1, &[status]),
            log: None,
            witness: None,
            probes: BTreeMap::new(),
        },
        revoked: revoked.iter().map(|k| k.vkey.clone()).collect(),
    }
}

fn signed(key_set: &KeySet, signers: &[&Key]) -> String {
    let signers: Vec<&dyn Signer> = signers.iter().map(|k| &k.signer as &dyn Signer).collect();
    sign_key_set(key_set, &signers).unwrap()
}

fn feed(seq: u64) -> Feed {
    Feed {
        feed: "kakao".into(),
        seq,
        issued_at: NOW - Duration::minutes(1),
        expires_at: NOW + Duration::hours(1),
        log: None,
        services: vec![Service {
            id: "talk".into(),
            name: "KakaoTalk".into(),
            components: vec![Component {
                depends_on: Vec::new(),
                id: "msg".into(),
                name: "Messaging".into(),
                status: Status::MajorOutage,
            }],
        }],
        incidents: vec![],
        maintenances: vec![],
    }
}

fn feed_signed_by(signers: &[&Key]) -> Vec<u8> {
    let signers: Vec<&dyn Signer> = signers.iter().map(|k| &k.signer as &dyn Signer).collect();
    sign_feed(&feed(7), &signers).unwrap()
}

fn pinned_a() -> KeyChain {
    KeyChain::new(role(1, &[&keys().root_a]), "kakao")
}

/// v1: root A, status 1.
fn v1() -> String {
    let k = keys();
    signed(
        &key_set(1, role(1, &[&k.root_a]), &k.status_1, &[]),
        &[&k.root_a],
    )
}

/// v2: the online key rotates from status 1 to status 2, which is revoked.
fn v2_rotated_status() -> String {
    let k = keys();
    signed(
        &key_set(2, role(1, &[&k.root_a]), &k.status_2, &[&k.status_1]),
        &[&k.root_a],
    )
}

/// v2: the root rotates from A to B, signed by both.
fn v2_rotated_root() -> String {
    let k = keys();
    signed(
        &key_set(2, role(1, &[&k.root_b]), &k.status_1, &[]),
        &[&k.root_a, &k.root_b],
    )
}

#[test]
fn a_key_set_signed_by_the_pinned_root_is_trusted() {
    let mut chain = pinned_a();
    assert_eq!(chain.extend(&[v1()]), Ok(1));
    let current = chain.current(NOW).unwrap();
    assert_eq!(current.version, 1);
    assert!(verify_feed(&feed_signed_by(&[&keys().status_1]), current).is_ok());
}

#[test]
fn the_pinned_root_cannot_sign_feeds_itself() {
    let mut chain = pinned_a();
    chain.extend(&[v1()]).unwrap();
    let current = chain.current(NOW).unwrap();
    assert!(matches!(
        verify_feed(&feed_signed_by(&[&keys().root_a]), current),
        Err(FeedError::Signature(SignatureError::UnknownSigner { .. }))
    ));
}

#[test]
fn rotating_the_online_key_trusts_the_new_one_and_rejects_the_revoked_one() {
    let k = keys();
    let mut chain = pinned_a();
    chain.extend(&[v1()]).unwrap();
    assert_eq!(chain.extend(&[v1(), v2_rotated_status()]), Ok(1));
    let current = chain.current(NOW).unwrap();
    assert_eq!(current.version, 2);
    assert!(verify_feed(&feed_signed_by(&[&k.status_2]), current).is_ok());
    assert!(matches!(
        verify_feed(&feed_signed_by(&[&k.status_1]), current),
        Err(FeedError::Signature(SignatureError::Revoked { .. }))
    ));
    // The revoked key cannot help, nor spoil, a properly signed feed.
    assert!(verify_feed(&feed_signed_by(&[&k.status_1, &k.status_2]), current).is_ok());
}

#[test]
fn rotating_the_root_needs_both_the_old_and_the_new_root() {
    let k = keys();
    let v2 = key_set(2, role(1, &[&k.root_b]), &k.status_1, &[]);

    // Only the new root signed: the old root never agreed.
    let mut chain = pinned_a();
    let err = chain
        .extend(&[v1(), signed(&v2, &[&k.root_b])])
        .unwrap_err();
    assert!(
        matches!(err, KeySetError::Unsigned { position: 2, .. }),
        "{err}"
    );
    assert_eq!(chain.latest().unwrap().version, 1, "v1 stays trusted");

    // Only the old root signed: the new root never proved it holds its keys.
    let mut chain = pinned_a();
    let err = chain
        .extend(&[v1(), signed(&v2, &[&k.root_a])])
        .unwrap_err();
    assert!(
        matches!(err, KeySetError::Signature { version: 2, .. }),
        "{err}"
    );

    // Both signed: trusted, and from then on only the new root counts.
    let mut chain = pinned_a();
    assert_eq!(chain.extend(&[v1(), v2_rotated_root()]), Ok(2));
    let v3 = key_set(3, role(1, &[&k.root_b]), &k.status_2, &[]);
    let err = chain
        .extend(&[v1(), v2_rotated_root(), signed(&v3, &[&k.root_a])])
        .unwrap_err();
    assert!(
        matches!(err, KeySetError::Signature { version: 3, .. }),
        "{err}"
    );
    assert_eq!(
        chain.extend(&[v1(), v2_rotated_root(), signed(&v3, &[&k.root_b])]),
        Ok(1)
    );
}

#[test]
fn a_reader_pinned_to_the_new_root_starts_where_that_root_begins() {
    let k = keys();
    let mut chain = KeyChain::new(role(1, &[&k.root_b]), "kakao");
    assert_eq!(chain.extend(&[v1(), v2_rotated_root()]), Ok(1));
    assert_eq!(chain.latest().unwrap().version, 2);
    // Polling the same chain again changes nothing and is not an error.
    assert_eq!(chain.extend(&[v1(), v2_rotated_root()]), Ok(0));
}

#[test]
fn k_of_n_roots_need_k_distinct_signatures() {
    let k = keys();
    let root = role(2, &[&k.root_a, &k.root_b, &k.root_c]);
    let ks = key_set(1, root.clone(), &k.status_1, &[]);
    let mut chain = KeyChain::new(root.clone(), "kakao");
    let err = chain.extend(&[signed(&ks, &[&k.root_a])]).unwrap_err();
    assert!(
        matches!(&err, KeySetError::NoAnchor { first } if first.contains("1 of the 2")),
        "{err}"
    );
    let mut chain = KeyChain::new(root, "kakao");
    assert_eq!(chain.extend(&[signed(&ks, &[&k.root_a, &k.root_c])]), Ok(1));
}

#[test]
fn a_shorter_chain_never_rolls_the_reader_back() {
    let mut chain = pinned_a();
    chain.extend(&[v1(), v2_rotated_status()]).unwrap();
    assert_eq!(chain.extend(&[v1()]), Ok(0));
    assert_eq!(chain.latest().unwrap().version, 2);
}

#[test]
fn a_second_key_set_with_the_same_version_is_a_root_conflict() {
    let k = keys();
    let mut chain = pinned_a();
    chain.extend(&[v1(), v2_rotated_status()]).unwrap();
    let other_v2 = signed(
        &key_set(2, role(1, &[&k.root_a]), &k.stranger, &[]),
        &[&k.root_a],
    );
    assert_eq!(
        chain.extend(&[v1(), other_v2]),
        Err(KeySetError::Conflict { version: 2 })
    );
    // A different v2 the root never signed is a forgery, not a conflict.
    let forged = signed(
        &key_set(2, role(1, &[&k.root_a]), &k.stranger, &[]),
        &[&k.stranger],
    );
    assert!(matches!(
        chain.extend(&[v1(), forged]),
        Err(KeySetError::Unsigned { position: 2, .. })
    ));
    assert_eq!(
        chain.latest().unwrap().roles.status,
        role(1, &[&k.status_2])
    );
}

#[test]
fn gaps_and_disorder_are_rejected() {
    let k = keys();
    let v3 = signed(
        &key_set(3, role(1, &[&k.root_a]), &k.status_2, &[]),
        &[&k.root_a],
    );
    let mut chain = pinned_a();
    assert_eq!(
        chain.extend(&[v1(), v3.clone()]),
        Err(KeySetError::Gap {
            after: 1,
            version: 3
        })
    );
    // Even a reader that already trusts every version in it.
    let mut chain = pinned_a();
    chain
        .extend(&[v1(), v2_rotated_status(), v3.clone()])
        .unwrap();
    assert_eq!(
        chain.extend(&[v1(), v3.clone()]),
        Err(KeySetError::Gap {
            after: 1,
            version: 3
        })
    );
    let mut chain = pinned_a();
    assert_eq!(
        chain.extend(&[v2_rotated_status(), v1()]),
        Err(KeySetError::OutOfOrder {
            version: 1,
            after: 2
        })
    );
}

#[test]
fn an_expired_key_set_signs_nothing_but_may_be_history() {
    let k = keys();
    let mut old = key_set(1, role(1, &[&k.root_a]), &k.status_1, &[]);
    old.issued_at = NOW - Duration::days(400);
    old.expires_at = NOW - Duration::days(35);
    let mut chain = pinned_a();
    chain.extend(&[signed(&old, &[&k.root_a])]).unwrap();
    assert!(matches!(
        chain.current(NOW),
        Err(KeysUnusable::Expired { version: 1, .. })
    ));
    // Within the clock-skew allowance it still counts.
    assert!(chain.current(old.expires_at + Duration::minutes(4)).is_ok());
    // A newer key set makes the chain usable again.
    chain
        .extend(&[signed(&old, &[&k.root_a]), v2_rotated_status()])
        .unwrap();
    assert_eq!(chain.current(NOW).unwrap().version, 2);
}

#[test]
fn no_key_set_yet_means_no_feed_is_trusted() {
    assert_eq!(pinned_a().current(NOW), Err(KeysUnusable::NoKeySet));
}

#[test]
fn key_sets_for_another_feed_or_breaking_the_rules_are_rejected() {
    let k = keys();
    let mut other = key_set(1, role(1, &[&k.root_a]), &k.status_1, &[]);
    other.feed = "daum".into();
    let err = pinned_a()
        .extend(&[signed(&other, &[&k.root_a])])
        .unwrap_err();
    assert!(
        matches!(&err, KeySetError::NoAnchor { first } if first.contains("daum")),
        "{err}"
    );

    // A key both revoked and in use cannot even be signed.
    let bad = key_set(1, role(1, &[&k.root_a]), &k.status_1, &[&k.status_1]);
    let signer: &dyn Signer = &k.root_a.signer;
    assert!(sign_key_set(&bad, &[signer]).is_err());
}

#[test]
fn the_chain_file_round_trips_and_rejects_junk() {
    let notes = vec![v1(), v2_rotated_status()];
    let file = chain_file(&notes);
    assert_eq!(parse_chain_file(file.as_bytes()), Ok(notes));
    assert!(matches!(
        parse_chain_file(b"{\"format\":\"x\",\"key_sets\":[]}"),
        Err(KeySetError::ChainFormat { .. })
    ));
    assert!(matches!(
        parse_chain_file(b"<html>"),
        Err(KeySetError::ChainJson { .. })
    ));
    assert!(matches!(
        parse_chain_file(&vec![b' '; 300 * 1024]),
        Err(KeySetError::TooLarge { .. })
    ));
    assert_eq!(pinned_a().extend(&[]), Err(KeySetError::Empty));
}

#[test]
fn a_garbled_entry_keeps_what_came_before() {
    let mut chain = pinned_a();
    let err = chain
        .extend(&[v1(), "not a key set".to_owned()])
        .unwrap_err();
    assert!(
        matches!(err, KeySetError::Unsigned { position: 2, .. }),
        "{err}"
    );
    assert_eq!(chain.latest().unwrap().version, 1);
}

/// A key set note with `text` as its JSON line, signed by `signer`.
fn signed_text(json: &str, signer: &Key) -> String {
    let text = format!("{KEY_SET_FORMAT_LINE}\n{json}\n");
    let mut note = signed_note::Note::new(text.as_bytes(), &[]).unwrap();
    note.add_sigs(&[&signer.signer as &dyn signed_note::Signer])
        .unwrap();
    String::from_utf8(note.to_bytes()).unwrap()
}

#[test]
fn a_key_set_no_root_signed_is_never_decoded() {
    let k = keys();
    // Not JSON at all: reading it would fail with a text error, so an
    // error naming the signature shows the signature was checked first.
    let unsigned = signed_text("{not json", &k.stranger);
    let mut chain = pinned_a();
    chain.extend(&[v1()]).unwrap();
    let err = chain.extend(&[v1(), unsigned.clone()]).unwrap_err();
    assert!(
        matches!(err, KeySetError::Unsigned { position: 2, .. }),
        "{err}"
    );
    // On a first visit it is history the pinned root cannot vouch for:
    // skipped, and the genuine chain after it is trusted.
    let mut chain = pinned_a();
    assert_eq!(chain.extend(&[unsigned, v1()]), Ok(1));
    // The same text signed by the root is read, and its flaw reported.
    let by_root = signed_text("{not json", &k.root_a);
    let mut chain = pinned_a();
    chain.extend(&[v1()]).unwrap();
    let err = chain.extend(&[v1(), by_root]).unwrap_err();
    assert!(
        matches!(err, KeySetError::Text { position: 2, .. }),
        "{err}"
    );
}

#[test]
fn a_hostile_keys_json_with_thousands_of_members_is_rejected_quickly() {
    // 256 KiB of made-up members: quadratic duplicate checks took seconds.
    let mut text = String::from(r#"{"format":"bongsu-key-chain/v1","key_sets":[]"#);
    let mut i = 0u32;
    while text.len() < MAX_KEY_CHAIN_BYTES - 16 {
        text.push_str(&format!(",\"{i:x}\":0"));
        i += 1;
    }
    text.push('}');
    assert!(text.len() <= MAX_KEY_CHAIN_BYTES && i > 20_000);
    // The fastest of five runs: one slow run on a busy machine is not the code.
    let fastest = (0..5)
        .map(|_| {
            let started = std::time::Instant::now();
            let result = parse_chain_file(text.as_bytes());
            assert!(matches!(result, Err(KeySetError::ChainJson { .. })));
            started.elapsed()
        })
        .min()
        .unwrap();
    eprintln!("a 256 KiB keys.json of {i} members rejected in {fastest:?}");
    assert!(
        fastest < std::time::Duration::from_millis(20),
        "a 256 KiB keys.json took {fastest:?} to reject"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Whatever bytes are changed in a genuine chain, the reader ends up
    /// trusting only genuine key sets, and never panics. (A damaged v1 may
    /// be skipped: v2 is signed by the same pinned root and stands alone.)
    #[test]
    fn tampering_never_yields_a_forged_key_set(
        which in 0usize..2,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4)
    ) {
        let genuine = vec![v1(), v2_rotated_status()];
        let mut notes = genuine.clone();
        let mut bytes = notes[which].clone().into_bytes();
        for (index, byte) in &edits {
            let i = index.index(bytes.len());
            bytes[i] = *byte;
        }
        notes[which] = String::from_utf8_lossy(&bytes).into_owned();
        let mut chain = pinned_a();
        let _ = chain.extend(&notes);
        let trusted = chain.notes();
        let text = |n: &str| n.split_once("\n\n").map(|(t, _)| t.to_owned());
        let genuine_texts: Vec<_> = genuine.iter().map(|n| text(n)).collect();
        for got in &trusted {
            prop_assert!(genuine_texts.contains(&text(got)), "forged key set trusted: {}", got);
        }
    }
}

#[test]
fn equivocation_evidence_needs_two_genuine_different_feeds_with_one_seq() {
    use bongsu_core::equivocation_evidence;
    let k = keys();
    let mut chain = pinned_a();
    chain.extend(&[v1()]).unwrap();
    let ks = chain.current(NOW).unwrap();
    let note = |f: &Feed, by: &Key| {
        String::from_utf8(sign_feed(f, &[&by.signer as &dyn Signer]).unwrap()).unwrap()
    };
    let a = note(&feed(7), &k.status_1);
    let mut other = feed(7);
    other.services[0].components[0].status = Status::Operational;
    let b = note(&other, &k.status_1);
    let evidence = equivocation_evidence((&a, "seoul"), (&b, "busan"), ks, "now".into()).unwrap();
    assert_eq!((evidence.seq, evidence.key_set_version), (7, 1));
    assert_eq!(evidence.notes, [a.clone(), b.clone()]);

    // The same feed twice, different seqs, or a forgery prove nothing.
    assert!(equivocation_evidence((&a, "x"), (&a, "y"), ks, "now".into()).is_none());
    assert!(equivocation_evidence(
        (&a, "x"),
        (&note(&feed(8), &k.status_1), "y"),
        ks,
        "now".into()
    )
    .is_none());
    let forged = note(&other, &k.stranger);
    assert!(equivocation_evidence((&a, "x"), (&forged, "y"), ks, "now".into()).is_none());
}
