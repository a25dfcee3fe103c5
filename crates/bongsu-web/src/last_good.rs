//! The newest verified feed, kept on this device so the next visit shows it
//! at once (marked with its age) while the regions are asked, and so that no
//! region can roll the page back to an older feed after a reload.
//!
//! What is stored is the signed note itself, and it is verified again on
//! load against the trusted key set: a tampered store, or a key revoked
//! since, cannot put anything on screen. The key set's own expiry is not
//! applied here: the note was genuine when it was saved, and the banner
//! marks it with its age.

use bongsu_core::{verify_feed, Feed, KeyChain};

use crate::device_storage;
use crate::signature_checks::checked_completely;

fn storage_key(feed: &str) -> String {
    format!("bongsu.last-good.v1.{feed}")
}

/// The remembered feed, if there is one and it still verifies.
pub async fn load(feed_id: &str, keys: &KeyChain) -> Option<(Feed, String)> {
    let key = storage_key(feed_id);
    let note = device_storage::get(&key)?;
    let (verified, complete) =
        checked_completely(|| keys.latest().map(|ks| verify_feed(note.as_bytes(), ks))).await;
    match verified {
        Some(Ok(feed)) => Some((feed, note)),
        Some(Err(_)) => {
            // (Kept when a check could not be made: that is no verdict.)
            if complete {
                device_storage::remove(&key);
            }
            None
        }
        None => None,
    }
}

/// Remembers a newly verified feed, unless another tab (or a widget on
/// another page of this origin) has meanwhile kept a newer one: the device
/// must not move back either.
pub fn save(feed: &str, note: &str) {
    let key = storage_key(feed);
    if replaces_kept(device_storage::get(&key).as_deref(), note) {
        device_storage::set(&key, note);
    }
}

/// Whether `note` should replace the feed note kept on the device: unless
/// the kept one has a higher sequence number. (Both were verified when
/// they were kept, and the kept one is verified again on load; a kept note
/// that does not even parse is replaced.)
pub fn replaces_kept(kept: Option<&str>, note: &str) -> bool {
    let seq = |text: &str| {
        let parsed = bongsu_core::keys::Note::parse(text.as_bytes())?;
        bongsu_core::feed::decode_text(parsed.text())
            .ok()
            .map(|f| f.seq)
    };
    match (kept.and_then(seq), seq(note)) {
        (Some(kept), Some(new)) => new >= kept,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bongsu_core::{Component, Service, Status};
    use time::macros::datetime;

    /// A feed note (the signature does not matter here: only the seq is read).
    fn note(seq: u64) -> String {
        let feed = Feed {
            feed: "kakao".into(),
            seq,
            issued_at: datetime!(2022-10-15 06:00 UTC),
            expires_at: datetime!(2022-10-15 07:00 UTC),
            log: None,
            services: vec![Service {
                id: "talk".into(),
                name: "Talk".into(),
                components: vec![Component {
                    depends_on: Vec::new(),
                    id: "m".into(),
                    name: "M".into(),
                    status: Status::Operational,
                }],
            }],
            incidents: Vec::new(),
            maintenances: Vec::new(),
        };
        format!(
            "{}\n\u{2014} status.test AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
            bongsu_core::feed::encode_text(&feed)
        )
    }

    #[test]
    fn a_tab_behind_never_overwrites_a_newer_kept_feed() {
        assert!(replaces_kept(None, &note(3)));
        assert!(replaces_kept(Some(&note(3)), &note(4)));
        assert!(replaces_kept(Some(&note(4)), &note(4)));
        assert!(!replaces_kept(Some(&note(5)), &note(4)));
        assert!(replaces_kept(Some("garbage"), &note(1)));
    }
}
