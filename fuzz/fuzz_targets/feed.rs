//! Bytes from a region as a status feed: content-type check, signature
//! rule (with a revoked key in play) and the feed parser must never panic,
//! and must never accept anything the status key did not sign.
#![no_main]

use std::sync::OnceLock;

use bongsu_core::{verify_feed_with_keys, wire::decode_text, RoleKeys};
use libfuzzer_sys::fuzz_target;

struct Keys {
    status: RoleKeys,
    revoked: Vec<String>,
    genuine: Vec<Vec<u8>>,
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| Keys {
        status: bongsu_fuzz::role(&bongsu_fuzz::status().1),
        revoked: vec![bongsu_fuzz::key("status.fuzz", 9).1],
        genuine: bongsu_fuzz::seed_feeds(),
    })
}

fuzz_target!(|data: &[u8]| {
    let k = keys();
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
