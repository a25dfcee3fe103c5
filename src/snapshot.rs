//! The status page as this device last showed it verified, kept so that a
//! returning reader sees it before the app's code has even started. The
//! page's inline script (`crates/bongsu-web/js/snapshot.js`, where the
//! rules of what is kept and how it is shown are) does the work in the
//! document; the app says when: keep the page now (a region's status is
//! verified and drawn), and take the picture away (the app has a status of
//! its own to show, or knows it has none).

use bongsu_web::page_scripts;
use wasm_bindgen::JsValue;

use crate::format::kst;
use crate::i18n::{td_string, Locale};

/// Keeps the page on screen now, with a line saying when this device
/// showed it (`shown_at`).
pub fn save(locale: Locale, shown_at: time::OffsetDateTime) {
    let note = td_string!(locale, headline.snapshot, at = kst(locale, shown_at));
    if let Some(save) = page_scripts::function("bongsuSaveSnapshot") {
        let _ = save.call1(&JsValue::UNDEFINED, &note.into());
    }
}

/// Takes the picture of an earlier visit off the screen (nothing on a page
/// without the script: the history pages).
pub fn remove_shown() {
    if let Some(remove) = page_scripts::function("bongsuRemoveSnapshot") {
        let _ = remove.call0(&JsValue::UNDEFINED);
    }
}
