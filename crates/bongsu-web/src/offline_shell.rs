//! Registers the service worker that keeps the page's files, so the page still loads when every origin is unreachable.
//! The worker's URL is relative: it works from whichever origin and path
//! served the app.

use wasm_bindgen::JsCast;

/// Registers the worker at `script` (relative to the page: the worker's
/// scope is its own folder).
pub fn register(script: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let navigator = window.navigator();
    // Absent outside secure contexts (plain http on a non-local host).
    let present = js_sys::Reflect::get(&navigator, &"serviceWorker".into())
        .is_ok_and(|v| !v.is_undefined() && !v.is_null());
    if !present {
        return;
    }
    let container: web_sys::ServiceWorkerContainer = navigator.service_worker().unchecked_into();
    // A failed registration (e.g. storage disabled) only costs offline use.
    let _ = container.register(script);
}
