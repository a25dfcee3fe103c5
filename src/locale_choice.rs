//! Which language the page speaks. The browser's preferred languages decide
//! first (Korean for a Korean browser, else English: leptos_i18n matches
//! `navigator.languages`); a choice made with the switch wins over that and
//! is remembered on this device.

use crate::device_storage;
use crate::i18n::Locale;

const KEY: &str = "bongsu.locale";

/// The language chosen earlier on this device, if any.
pub fn remembered() -> Option<Locale> {
    device_storage::get(KEY)?.parse().ok()
}

pub fn remember(locale: Locale) {
    device_storage::set(KEY, locale.as_ref());
}

/// The other language: the switch toggles between the two.
pub fn other(locale: Locale) -> Locale {
    match locale {
        Locale::en => Locale::ko,
        Locale::ko => Locale::en,
    }
}
