//! The verified log's state kept between visits (Cache API): the tree's
//! right edge and the history derived from it (`bongsu_core::log::KeptLog`),
//! so a returning reader verifies only the new entries. The bytes are
//! checked on load (checksum, bounds, the edge's root against the
//! checkpoint this device remembers: `stores/history.rs`); anything that
//! does not fit is forgotten and the log read in full.

use wasm_bindgen_futures::JsFuture;

use super::kept_bundles::{key, open_named, read, write};

/// Apart from the kept bundles (`kept_bundles`): forgetting one does not
/// forget the other.
const CACHE: &str = "bongsu-log-state";

/// Under the feed's kept bundles' prefix, in this cache.
const PATH: &str = "kept-state";

/// The kept bytes of `feed`'s log, if any.
pub async fn load(feed: &str) -> Option<Vec<u8>> {
    read(&open_named(CACHE).await?, &key(feed, PATH)?).await
}

/// Keeps `bytes` for `feed`. Best effort: storage may be full or refused,
/// and then the next visit reads the log in full.
pub async fn keep(feed: &str, bytes: Vec<u8>) {
    if let (Some(cache), Some(key)) = (open_named(CACHE).await, key(feed, PATH)) {
        write(&cache, &key, bytes).await;
    }
}

/// Forgets `feed`'s kept state.
pub async fn forget(feed: &str) {
    if let (Some(cache), Some(key)) = (open_named(CACHE).await, key(feed, PATH)) {
        let _ = JsFuture::from(cache.delete_with_str(&key)).await;
    }
}
