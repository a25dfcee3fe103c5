//! The verified log's state kept between visits (Cache API): the tree's
//! right edge and the history derived from it (`bongsu_core::log::KeptLog`),
//! so a returning reader verifies only the new entries. The bytes are
//! checked on load (checksum, bounds, the edge's root against the
//! checkpoint this device remembers: `stores/history.rs`); anything that
//! does not fit is forgotten and the log read in full.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Apart from the kept bundles (`kept_bundles`): forgetting one does not
/// forget the other.
const CACHE: &str = "bongsu-log-state";

fn key(feed: &str) -> Option<String> {
    let origin = web_sys::window()?.location().origin().ok()?;
    Some(format!("{origin}/.bongsu-log/{feed}/kept-state"))
}

async fn open_cache() -> Option<web_sys::Cache> {
    let caches = web_sys::window()?.caches().ok()?;
    JsFuture::from(caches.open(CACHE))
        .await
        .ok()?
        .dyn_into()
        .ok()
}

/// The kept bytes of `feed`'s log, if any.
pub async fn load(feed: &str) -> Option<Vec<u8>> {
    let cache = open_cache().await?;
    let found = JsFuture::from(cache.match_with_str(&key(feed)?))
        .await
        .ok()?;
    let response: web_sys::Response = found.dyn_into().ok()?;
    let body = JsFuture::from(response.array_buffer().ok()?).await.ok()?;
    Some(js_sys::Uint8Array::new(&body).to_vec())
}

/// Keeps `bytes` for `feed`. Best effort: storage may be full or refused,
/// and then the next visit reads the log in full.
pub async fn keep(feed: &str, mut bytes: Vec<u8>) {
    let Some(cache) = open_cache().await else {
        return;
    };
    if let (Some(key), Ok(response)) = (
        key(feed),
        web_sys::Response::new_with_opt_u8_array(Some(&mut bytes)),
    ) {
        let _ = JsFuture::from(cache.put_with_str(&key, &response)).await;
    }
}

/// Forgets `feed`'s kept state.
pub async fn forget(feed: &str) {
    if let (Some(cache), Some(key)) = (open_cache().await, key(feed)) {
        let _ = JsFuture::from(cache.delete_with_str(&key)).await;
    }
}
