//! Signing and verification, end to end through the wire format.

use bongsu_core::text::Localized;
use bongsu_core::{
    sign_feed, verify_feed_with_keys, Component, Feed, FeedError, Incident, IncidentState,
    IncidentUpdate, RoleKeys, Service, SignatureError, Status,
};
use ed25519_dalek::SigningKey;
use proptest::prelude::*;
use signed_note::{new_ed25519_verifier_key, StandardSigner};
use time::macros::datetime;

/// A signer and its verifier key from a fixed seed, as the test vector uses.
fn key_from_seed(name: &str, seed: [u8; 32]) -> (StandardSigner, String) {
    let signing = SigningKey::from_bytes(&seed);
    let vkey = new_ed25519_verifier_key(name, &signing.verifying_key());
    let id = vkey.split('+').nth(1).unwrap().to_owned();
    let mut private = vec![1u8];
    private.extend_from_slice(&seed);
    use base64::Engine;
    let skey = format!(
        "PRIVATE+KEY+{name}+{id}+{}",
        base64::engine::general_purpose::STANDARD.encode(private)
    );
    (StandardSigner::new(&skey).unwrap(), vkey)
}

fn vector_key() -> (StandardSigner, String) {
    let seed: [u8; 32] = core::array::from_fn(|i| i as u8);
    key_from_seed("status.bongsu.example", seed)
}

fn one_key(vkey: &str) -> RoleKeys {
    RoleKeys {
        threshold: 1,
        keys: vec![vkey.to_owned()],
    }
}

fn vector_feed() -> Feed {
    Feed {
        feed: "kakao".into(),
        seq: 42,
        issued_at: datetime!(2022-10-15 06:50:00 UTC),
        expires_at: datetime!(2022-10-15 07:50:00 UTC),
        log: None,
        services: vec![Service {
            id: "kakaotalk".into(),
            name: "KakaoTalk".into(),
            components: vec![
                Component {
                    depends_on: Vec::new(),
                    id: "messaging".into(),
                    name: "Messaging".into(),
                    status: Status::MajorOutage,
                },
                Component {
                    depends_on: Vec::new(),
                    id: "pc-login".into(),
                    name: "PC login".into(),
                    status: Status::PartialOutage,
                },
            ],
        }],
        incidents: vec![Incident {
            id: "2022-10-15-pangyo-fire".into(),
            title: "판교 데이터센터 화재".into(),
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
    }
}

/// The vector feed in format 2: names and notices in Korean and English
/// (one left untranslated), a dependency, and an update's sources.
fn vector_feed_v2() -> Feed {
    let mut feed = vector_feed();
    let both = |lang: &str, text: &str, other: &str, translation: &str| {
        Localized::new(lang, text, [(other.to_owned(), translation.to_owned())])
    };
    feed.services[0].name = both("ko", "카카오톡", "en", "KakaoTalk");
    feed.services[0].components[0].name = both("ko", "메시지", "en", "Messaging");
    feed.services[0].components[1].name = both("ko", "PC 로그인", "en", "PC login");
    feed.services[0].components[1].depends_on = vec!["kakaotalk/messaging".into()];
    feed.incidents[0].title = both(
        "ko",
        "판교 데이터센터 화재",
        "en",
        "Fire at the Pangyo datacenter",
    );
    feed.incidents[0].updates[0].message = Localized::new("en", "Messages fail to send.", []);
    feed.incidents[0].updates[0].sources = Some("Kakao's notice of 15:50".into());
    feed
}

/// The fenced block that follows `marker` in docs/protocol/feed.md.
fn protocol_block(marker: &str) -> String {
    let doc = include_str!("../../../docs/protocol/feed.md");
    let after = doc
        .split_once(marker)
        .unwrap_or_else(|| panic!("docs/protocol/feed.md lacks {marker}"))
        .1;
    let body = after.split_once("```text\n").unwrap().1;
    body.split_once("```").unwrap().0.to_owned()
}

#[test]
fn sign_then_verify_round_trips() {
    let (signer, vkey) = vector_key();
    let bytes = sign_feed(&vector_feed(), &[&signer]).unwrap();
    assert_eq!(
        verify_feed_with_keys(&bytes, &one_key(&vkey), &[], "kakao").unwrap(),
        vector_feed()
    );
}

#[test]
fn protocol_test_vector_verifies_and_is_reproduced() {
    let (signer, vkey) = vector_key();
    assert_eq!(protocol_block("<!-- vector:vkey -->").trim_end(), vkey);
    let note = protocol_block("<!-- vector:note -->");
    let feed = verify_feed_with_keys(note.as_bytes(), &one_key(&vkey), &[], "kakao").unwrap();
    assert_eq!(feed, vector_feed());
    // Ed25519 is deterministic: signing the same feed gives the same bytes.
    assert_eq!(
        String::from_utf8(sign_feed(&feed, &[&signer]).unwrap()).unwrap(),
        note
    );
}

/// Format 2: reproduced byte for byte, read back as written, and under a
/// line that readers from before it refuse as an unknown format.
#[test]
fn the_format_2_vector_verifies_and_is_reproduced() {
    let (signer, vkey) = vector_key();
    let note = protocol_block("<!-- vector:note-v2 -->");
    let made = String::from_utf8(sign_feed(&vector_feed_v2(), &[&signer]).unwrap()).unwrap();
    assert!(
        note == made,
        "feed.md <!-- vector:note-v2 --> should be:\n```text\n{made}```"
    );
    assert!(note.starts_with("bongsu-status-feed/v2\n"));
    let feed = verify_feed_with_keys(note.as_bytes(), &one_key(&vkey), &[], "kakao").unwrap();
    assert_eq!(feed, vector_feed_v2());
    // The v1 vector's feed has none of it and keeps its v1 line.
    assert_eq!(vector_feed().format_version(), 1);
    // Format 2 content under the v1 line is refused, not half-read.
    let text = note.split("\n\n").next().unwrap().replacen("/v2", "/v1", 1) + "\n";
    assert_eq!(
        bongsu_core::feed::decode_text(text.as_bytes()),
        Err(bongsu_core::feed::WireError::Format2UnderV1)
    );
}

#[test]
fn a_different_key_is_rejected_as_unknown_signer() {
    let (signer, _) = vector_key();
    let (_, other_vkey) = key_from_seed("status.bongsu.example", [7; 32]);
    let bytes = sign_feed(&vector_feed(), &[&signer]).unwrap();
    assert!(matches!(
        verify_feed_with_keys(&bytes, &one_key(&other_vkey), &[], "kakao"),
        Err(FeedError::Signature(SignatureError::UnknownSigner { .. }))
    ));
}

#[test]
fn a_feed_for_another_page_is_rejected() {
    let (signer, vkey) = vector_key();
    let bytes = sign_feed(&vector_feed(), &[&signer]).unwrap();
    assert_eq!(
        verify_feed_with_keys(&bytes, &one_key(&vkey), &[], "naver"),
        Err(FeedError::WrongFeed {
            expected: "naver".into(),
            found: "kakao".into()
        })
    );
}

#[test]
fn two_of_three_needs_two_signatures() {
    let (a, va) = key_from_seed("a.example", [1; 32]);
    let (b, vb) = key_from_seed("b.example", [2; 32]);
    let (_, vc) = key_from_seed("c.example", [3; 32]);
    let keys = RoleKeys {
        threshold: 2,
        keys: vec![va, vb, vc],
    };
    let once = sign_feed(&vector_feed(), &[&a]).unwrap();
    assert_eq!(
        verify_feed_with_keys(&once, &keys, &[], "kakao"),
        Err(FeedError::Signature(SignatureError::ThresholdNotMet {
            valid: 1,
            needed: 2
        }))
    );
    let twice = sign_feed(&vector_feed(), &[&a, &b]).unwrap();
    assert!(verify_feed_with_keys(&twice, &keys, &[], "kakao").is_ok());
}

#[test]
fn the_same_signature_twice_counts_once() {
    let (a, va) = key_from_seed("a.example", [1; 32]);
    let (_, vb) = key_from_seed("b.example", [2; 32]);
    let keys = RoleKeys {
        threshold: 2,
        keys: vec![va, vb],
    };
    let once = String::from_utf8(sign_feed(&vector_feed(), &[&a]).unwrap()).unwrap();
    let sig_line = once.lines().last().unwrap();
    let doubled = format!("{once}{sig_line}\n");
    assert!(matches!(
        verify_feed_with_keys(doubled.as_bytes(), &keys, &[], "kakao"),
        Err(FeedError::Signature(SignatureError::ThresholdNotMet {
            valid: 1,
            ..
        }))
    ));
}

#[test]
fn an_extra_signature_by_an_unknown_key_is_tolerated() {
    // Later, witnesses co-sign feeds; readers that do not know them must still verify.
    let (signer, vkey) = vector_key();
    let (witness, _) = key_from_seed("witness.example", [9; 32]);
    let bytes = sign_feed(&vector_feed(), &[&signer, &witness]).unwrap();
    assert!(verify_feed_with_keys(&bytes, &one_key(&vkey), &[], "kakao").is_ok());
}

#[test]
fn an_oversized_response_is_rejected_before_parsing() {
    let (_, vkey) = vector_key();
    let huge = vec![b'a'; bongsu_core::MAX_FEED_BYTES + 1];
    assert!(matches!(
        verify_feed_with_keys(&huge, &one_key(&vkey), &[], "kakao"),
        Err(FeedError::TooLarge { .. })
    ));
}

#[test]
fn a_validly_signed_but_invalid_feed_is_rejected() {
    // A signer that skipped validation: sign the raw text directly.
    let (signer, vkey) = vector_key();
    let mut feed = vector_feed();
    feed.incidents[0].components = vec!["nowhere/nothing".into()];
    let text = bongsu_core::feed::encode_text(&feed);
    let mut note = signed_note::Note::new(text.as_bytes(), &[]).unwrap();
    note.add_sigs(&[&signer]).unwrap();
    assert!(matches!(
        verify_feed_with_keys(&note.to_bytes(), &one_key(&vkey), &[], "kakao"),
        Err(FeedError::Invalid(_))
    ));
}

#[test]
fn every_single_flipped_byte_is_rejected() {
    let (signer, vkey) = vector_key();
    let keys = one_key(&vkey);
    let bytes = sign_feed(&vector_feed(), &[&signer]).unwrap();
    for i in 0..bytes.len() {
        for mask in [0x01u8, 0x20, 0x80, 0xff] {
            let mut tampered = bytes.clone();
            tampered[i] ^= mask;
            assert!(
                verify_feed_with_keys(&tampered, &keys, &[], "kakao").is_err(),
                "flipping byte {i} with {mask:#04x} was accepted"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let (_, vkey) = vector_key();
        let _ = verify_feed_with_keys(&bytes, &one_key(&vkey), &[], "kakao");
    }

    #[test]
    fn mutated_feeds_never_verify_unless_unchanged(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cut in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let (signer, vkey) = vector_key();
        let original = sign_feed(&vector_feed(), &[&signer]).unwrap();
        let mut bytes = original.clone();
        for (index, value) in edits {
            let i = index.index(bytes.len());
            bytes[i] = value;
        }
        if let Some(cut) = cut {
            bytes.truncate(cut.index(bytes.len()));
        }
        let result = verify_feed_with_keys(&bytes, &one_key(&vkey), &[], "kakao");
        if bytes == original {
            prop_assert!(result.is_ok());
        } else {
            prop_assert!(result.is_err());
        }
    }
}

/// Prints the test vector for docs/protocol/feed.md: `cargo test -p bongsu-core --test signing -- --ignored --nocapture print_vector`.
#[test]
#[ignore]
fn print_vector() {
    let (signer, vkey) = vector_key();
    println!("{vkey}");
    print!(
        "{}",
        String::from_utf8(sign_feed(&vector_feed(), &[&signer]).unwrap()).unwrap()
    );
}
