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

/// Remembers a newly verified feed.
pub fn save(feed: &str, note: &str) {
    device_storage::set(&storage_key(feed), note);
}
