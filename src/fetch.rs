//! Fetching bytes from one URL with a deadline. Everything here is about the
//! network; nothing is trusted yet.

use std::time::Duration;

use js_sys::Uint8Array;
use leptos::prelude::set_timeout_with_handle;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, RequestCache, RequestInit, Response};

/// Why a region gave us no bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    /// No answer before the deadline; the request was aborted.
    TimedOut { after_ms: u32 },
    /// The connection failed (refused, reset, DNS, CORS, offline).
    Network,
    /// An HTTP answer that is not 200.
    Http { status: u16 },
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FetchError::TimedOut { after_ms } => write!(f, "no answer within {after_ms} ms"),
            FetchError::Network => write!(f, "connection failed"),
            FetchError::Http { status } => write!(f, "HTTP error {status}"),
        }
    }
}

/// GETs `url`, revalidating with any cache (a status must never come from a
/// stale cache), and aborts the request, body included, after `timeout_ms`.
pub async fn fetch_bytes(url: &str, timeout_ms: u32) -> Result<Vec<u8>, FetchError> {
    let window = web_sys::window().ok_or(FetchError::Network)?;
    let controller = AbortController::new().map_err(|_| FetchError::Network)?;
    let init = RequestInit::new();
    init.set_cache(RequestCache::NoCache);
    init.set_signal(Some(&controller.signal()));

    let abort = controller.clone();
    let deadline = set_timeout_with_handle(
        move || abort.abort(),
        Duration::from_millis(u64::from(timeout_ms)),
    )
    .ok();

    let result = async {
        let response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
            .await
            .map_err(|_| FetchError::Network)?;
        let response: Response = response.dyn_into().map_err(|_| FetchError::Network)?;
        if response.status() != 200 {
            return Err(FetchError::Http {
                status: response.status(),
            });
        }
        let body = response.array_buffer().map_err(|_| FetchError::Network)?;
        let body = JsFuture::from(body)
            .await
            .map_err(|_| FetchError::Network)?;
        Ok(Uint8Array::new(&body).to_vec())
    }
    .await;

    if let Some(deadline) = deadline {
        deadline.clear();
    }
    match result {
        Err(FetchError::Network) if controller.signal().aborted() => Err(FetchError::TimedOut {
            after_ms: timeout_ms,
        }),
        other => other,
    }
}
