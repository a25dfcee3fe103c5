//! Fetching bytes from one URL with a deadline. Everything here is about the
//! network; nothing is trusted yet. The request goes through gloo-net; the
//! body is read from its stream, so the size limit holds while reading.

use gloo_net::http::Request;
use js_sys::Uint8Array;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortController, ReadableStream, ReadableStreamDefaultReader, ReadableStreamReadResult,
    RequestCache,
};

pub use bongsu_core::FetchError;

/// A response body and what the server said it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    pub bytes: Vec<u8>,
    pub content_type: Option<String>,
}

/// A fresh controller for [`fetch_bytes`]; aborting it cancels the request.
pub fn controller() -> Option<AbortController> {
    AbortController::new().ok()
}

/// GETs `url`, revalidating with any cache (a status must never come from a
/// stale cache; an unchanged one costs a 304). The request, body included,
/// is aborted after `timeout_ms`, so a region that trickles bytes is cut off
/// too; the body is read as a stream and abandoned as soon as it passes
/// `limit` bytes. The caller may abort `controller` earlier, e.g. when the
/// next poll starts, so no request outlives its poll.
pub async fn fetch_bytes(
    url: &str,
    timeout_ms: u32,
    limit: usize,
    controller: &AbortController,
) -> Result<Fetched, FetchError> {
    let window = web_sys::window().ok_or(FetchError::Network)?;
    let abort = controller.clone();
    let on_deadline = Closure::once(move || abort.abort());
    let deadline = window
        .set_timeout_with_callback_and_timeout_and_arguments_0(
            on_deadline.as_ref().unchecked_ref(),
            i32::try_from(timeout_ms).unwrap_or(i32::MAX),
        )
        .ok();

    let signal = controller.signal();
    let result = async {
        let response = match started_early(url, &signal) {
            Some(early) => JsFuture::from(early)
                .await
                .ok()
                .and_then(|r| r.dyn_into::<web_sys::Response>().ok())
                .map(gloo_net::http::Response::from)
                .ok_or(FetchError::Network)?,
            None => Request::get(url)
                .cache(RequestCache::NoCache)
                .abort_signal(Some(&signal))
                .send()
                .await
                .map_err(|_| FetchError::Network)?,
        };
        if response.status() != 200 {
            return Err(FetchError::Http {
                status: response.status(),
            });
        }
        let headers = response.headers();
        let content_type = headers.get("content-type");
        let declared = headers
            .get("content-length")
            .and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|len| len > limit) {
            return Err(FetchError::TooLarge { limit });
        }
        // gloo-net reads a whole body at once; the limit needs the stream.
        let bytes = match response.body() {
            Some(stream) => read_limited(stream, limit).await?,
            None => Vec::new(),
        };
        Ok(Fetched {
            bytes,
            content_type,
        })
    }
    .await;
    if matches!(result, Err(FetchError::TooLarge { .. })) {
        // Stop the transfer, not just our reading of it.
        controller.abort();
    }

    if let Some(handle) = deadline {
        window.clear_timeout_with_handle(handle);
    }
    // Kept alive until here: the timer may fire at any point before.
    drop(on_deadline);
    match result {
        Err(FetchError::Network) if controller.signal().aborted() => Err(FetchError::TimedOut {
            after_ms: timeout_ms,
        }),
        other => other,
    }
}

/// The request for `url` that the page's early script (`js/early.js`,
/// inlined in every page at build time) started while this code was still
/// downloading, if it did and nobody took it yet: each is handed out once,
/// so a later poll asks the network again. Aborting `signal` aborts it.
fn started_early(url: &str, signal: &web_sys::AbortSignal) -> Option<js_sys::Promise> {
    crate::page_scripts::function("bongsuEarly")?
        .call2(&wasm_bindgen::JsValue::UNDEFINED, &url.into(), signal)
        .ok()?
        .dyn_into()
        .ok()
}

/// Reads the body chunk by chunk, stopping as soon as it exceeds `limit`.
async fn read_limited(stream: ReadableStream, limit: usize) -> Result<Vec<u8>, FetchError> {
    let reader: ReadableStreamDefaultReader = stream
        .get_reader()
        .dyn_into()
        .map_err(|_| FetchError::Network)?;
    let mut body = Vec::new();
    loop {
        let chunk: ReadableStreamReadResult = JsFuture::from(reader.read())
            .await
            .map_err(|_| FetchError::Network)?
            .unchecked_into();
        if chunk.get_done().unwrap_or(true) {
            return Ok(body);
        }
        let bytes = Uint8Array::new(&chunk.get_value());
        if body.len() + bytes.length() as usize > limit {
            let _ = reader.cancel();
            return Err(FetchError::TooLarge { limit });
        }
        body.extend(bytes.to_vec());
    }
}
