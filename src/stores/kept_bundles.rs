//! Full entry bundles of the history log that this device verified, kept
//! between visits (Cache API), so a returning reader fetches only what is
//! new: the bundles past the size verified last time and the last, partial
//! one. Full bundles never change (C2SP tiles), so a kept one is still the
//! right one as long as the log was not rewritten.
//!
//! Nothing kept is trusted: every kept bundle is verified again with the
//! rest of the log against the signed checkpoint on every load. A wrong one
//! (a rewritten log, storage edited by hand) can only make that check fail,
//! and the history store then forgets them all and fetches every bundle
//! again (`stores/history.rs`).

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// The Cache API cache they are kept in (the offline worker's are
/// `bongsu-shell…`: neither touches the other's).
const CACHE: &str = "bongsu-log-bundles";

/// Where `path` of `feed`'s log is kept: a key, never fetched (also the
/// kept state's, `kept_log`, in its own cache).
pub(super) fn key(feed: &str, path: &str) -> Option<String> {
    let origin = web_sys::window()?.location().origin().ok()?;
    Some(format!("{origin}/.bongsu-log/{feed}/{path}"))
}

/// The Cache API cache `name` (this module's, or `kept_log`'s).
pub(super) async fn open_named(name: &str) -> Option<web_sys::Cache> {
    let caches = web_sys::window()?.caches().ok()?;
    JsFuture::from(caches.open(name))
        .await
        .ok()?
        .dyn_into()
        .ok()
}

async fn open_cache() -> Option<web_sys::Cache> {
    open_named(CACHE).await
}

/// The bytes kept under `key` in `cache`, if any.
pub(super) async fn read(cache: &web_sys::Cache, key: &str) -> Option<Vec<u8>> {
    let found = JsFuture::from(cache.match_with_str(key)).await.ok()?;
    let response: web_sys::Response = found.dyn_into().ok()?;
    let body = JsFuture::from(response.array_buffer().ok()?).await.ok()?;
    Some(js_sys::Uint8Array::new(&body).to_vec())
}

/// Keeps `bytes` under `key` in `cache`; false if storage refused.
pub(super) async fn write(cache: &web_sys::Cache, key: &str, mut bytes: Vec<u8>) -> bool {
    let Ok(response) = web_sys::Response::new_with_opt_u8_array(Some(&mut bytes)) else {
        return false;
    };
    JsFuture::from(cache.put_with_str(key, &response))
        .await
        .is_ok()
}

/// One feed's kept bundles, opened once for a whole read of the log (not
/// once per bundle: a log of 100,000 events has 391).
pub struct Kept {
    cache: web_sys::Cache,
    feed: String,
}

/// The kept bundles of `feed`, if the Cache API can be opened.
pub async fn open(feed: &str) -> Option<Kept> {
    Some(Kept {
        cache: open_cache().await?,
        feed: feed.to_owned(),
    })
}

impl Kept {
    /// The kept bytes of `path`, if any.
    pub async fn load(&self, path: &str) -> Option<Vec<u8>> {
        read(&self.cache, &key(&self.feed, path)?).await
    }
}

/// Keeps verified full bundles (path, bytes). Best effort: storage may be
/// full or refused, and then the next visit fetches them again.
pub async fn keep(feed: &str, bundles: Vec<(String, Vec<u8>)>) {
    let Some(cache) = open_cache().await else {
        return;
    };
    for (path, bytes) in bundles {
        let Some(key) = key(feed, &path) else {
            continue;
        };
        if !write(&cache, &key, bytes).await {
            return;
        }
    }
}

/// Forgets every kept bundle.
pub async fn forget() {
    if let Some(caches) = web_sys::window().and_then(|w| w.caches().ok()) {
        let _ = JsFuture::from(caches.delete(CACHE)).await;
    }
}
