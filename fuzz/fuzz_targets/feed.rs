//! Bytes from a region as a status feed: content-type check, signature
//! rule (with a revoked key in play) and the feed parser must never panic,
//! and must never accept anything the status key did not sign. The core's
//! own note reader (what the browser runs) must agree with `signed_note`'s.
#![no_main]

use std::sync::OnceLock;

use bongsu_core::{feed::decode_text, verify_feed_with_keys, RoleKeys};
use libfuzzer_sys::fuzz_target;

struct Keys {
    status: RoleKeys,
    revoked: Vec<String>,
    genuine: Vec<Vec<u8>>,
    status_key: bongsu_core::keys::VerifierKey,
    reference_key: signed_note::StandardVerifier,
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| Keys {
        status: bongsu_fuzz::role(&bongsu_fuzz::status().1),
        revoked: vec![bongsu_fuzz::key("status.fuzz", 9).1],
        genuine: bongsu_fuzz::seed_feeds(),
        status_key: bongsu_core::keys::VerifierKey::parse(&bongsu_fuzz::status().1)
            .expect("a well-formed fixed key"),
        reference_key: signed_note::StandardVerifier::new(&bongsu_fuzz::status().1)
            .expect("a well-formed fixed key"),
    })
}

/// The status key's verdict on a note by the core's reader and by
/// `signed_note`: not a note, unsigned by it, valid, invalid.
fn verdicts(data: &[u8], k: &Keys) -> (u8, u8) {
    let ours = match bongsu_core::keys::Note::parse(data) {
        None => 0,
        Some(note) => match note.signatures().iter().find(|s| k.status_key.names(s)) {
            None => 1,
            Some(sig) if k.status_key.verify(note.text(), &sig.bytes).is_some() => 2,
            Some(_) => 3,
        },
    };
    let theirs = match signed_note::Note::from_bytes(data) {
        Err(_) => 0,
        Ok(note) => match note.verify(&signed_note::VerifierList::new(vec![Box::new(
            k.reference_key.clone(),
        )])) {
            Err(signed_note::NoteError::UnverifiedNote) => 1,
            Ok(_) => 2,
            Err(_) => 3,
        },
    };
    (ours, theirs)
}

fuzz_target!(|data: &[u8]| {
    let k = keys();
    let (ours, theirs) = verdicts(data, k);
    assert_eq!(
        ours, theirs,
        "the core's note reader disagrees with signed_note"
    );
    if let (Some(a), Ok(b)) = (
        bongsu_core::keys::Note::parse(data),
        signed_note::Note::from_bytes(data),
    ) {
        assert_eq!(a.text(), b.text());
    }
    let _ = decode_text(data);
    if let Ok(feed) = verify_feed_with_keys(data, &k.status, &k.revoked, "kakao") {
        // Anything accepted carries the text of a feed the key signed.
        let note = signed_note::Note::from_bytes(data).expect("accepted means parsed");
        let genuine = k
            .genuine
            .iter()
            .any(|g| signed_note::Note::from_bytes(g).is_ok_and(|n| n.text() == note.text()));
        assert!(
            genuine,
            "accepted a feed the key never signed: seq {}",
            feed.seq
        );
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = bongsu_core::AppConfig::parse(text);
    }
});
