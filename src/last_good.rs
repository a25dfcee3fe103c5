//! The newest verified feed, kept on this device so the next visit shows it
//! at once (marked with its age) while the regions are asked, and so that no
//! region can roll the page back to an older feed after a reload.
//!
//! What is stored is the signed note itself, and it is verified again on
//! load against the current config: a tampered store, or a key removed from
//! the config since, cannot put anything on screen.

use bongsu_core::{verify_feed, AppConfig, Feed};

fn storage_key(feed: &str) -> String {
    format!("bongsu.last-good.v1.{feed}")
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The remembered feed, if there is one and it still verifies.
pub fn load(config: &AppConfig) -> Option<(Feed, String)> {
    let store = storage()?;
    let key = storage_key(&config.feed);
    let note = store.get_item(&key).ok()??;
    match verify_feed(note.as_bytes(), &config.trust.status, &config.feed) {
        Ok(feed) => Some((feed, note)),
        Err(_) => {
            let _ = store.remove_item(&key);
            None
        }
    }
}

/// Remembers a newly verified feed. Storage can be full or disabled
/// (private browsing); the page works without it.
pub fn save(feed: &str, note: &str) {
    if let Some(store) = storage() {
        let _ = store.set_item(&storage_key(feed), note);
    }
}
