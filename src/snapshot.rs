//! The status page as this device last showed it verified, kept so that a
//! returning reader sees it before the app's code has even started. The
//! page's inline script (`crates/bongsu-web/js/snapshot.js`, where the
//! rules of what is kept and how it is shown are) does the work in the
//! document; the app says when: keep the page now (a region's status is
//! verified and drawn), and take the picture away (the app has a status of
//! its own to show, or knows it has none).

use wasm_bindgen::{JsCast, JsValue};

use crate::format::kst;
use crate::i18n::{td_string, Locale};

/// Keeps the page on screen now, with a line saying when this device
/// showed it (`shown_at`).
pub fn save(locale: Locale, shown_at: time::OffsetDateTime) {
    let note = td_string!(locale, headline.snapshot, at = kst(locale, shown_at));
    call("save", &JsValue::from(note));
}

/// Takes the picture of an earlier visit off the screen.
pub fn remove_shown() {
    call("remove", &JsValue::UNDEFINED);
}

/// `window.bongsuSnapshot[method](arg)`; nothing where the page has no
/// such script (the history pages).
fn call(method: &str, arg: &JsValue) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(api) = js_sys::Reflect::get(&window, &"bongsuSnapshot".into()) else {
        return;
    };
    if let Some(f) = js_sys::Reflect::get(&api, &method.into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
    {
        let _ = f.call1(&api, arg);
    }
}
