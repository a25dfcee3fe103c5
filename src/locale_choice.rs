//! Which language the page speaks. The browser's preferred languages decide
//! first (Korean for a Korean browser, else English); a choice made with the
//! switch wins over that and is remembered on this device.
//!
//! The matching is by hand: a locale matcher (leptos_i18n's, with ICU's
//! parser) was 10 KB brotli of the page for a choice between two languages.

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

/// The language for a browser that prefers `languages` (BCP 47 tags, most
/// preferred first): the first that is Korean or English, else English.
pub fn for_browser<S: AsRef<str>>(languages: &[S]) -> Locale {
    languages
        .iter()
        .find_map(|tag| {
            let primary = tag.as_ref().trim().split(['-', '_']).next()?;
            if primary.eq_ignore_ascii_case("ko") {
                Some(Locale::ko)
            } else if primary.eq_ignore_ascii_case("en") {
                Some(Locale::en)
            } else {
                None
            }
        })
        .unwrap_or(Locale::en)
}

/// `navigator.languages`, or `navigator.language` where there is no list.
pub fn browser_languages() -> Vec<String> {
    let Some(navigator) = web_sys::window().map(|w| w.navigator()) else {
        return Vec::new();
    };
    let listed: Vec<String> = navigator
        .languages()
        .iter()
        .filter_map(|tag| tag.as_string())
        .collect();
    if listed.is_empty() {
        navigator.language().into_iter().collect()
    } else {
        listed
    }
}

/// The language to start in: the remembered choice, else the browser's.
pub fn initial() -> Locale {
    remembered().unwrap_or_else(|| for_browser(&browser_languages()))
}

/// The other language: the switch toggles between the two.
pub fn other(locale: Locale) -> Locale {
    match locale {
        Locale::en => Locale::ko,
        Locale::ko => Locale::en,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_korean_or_english_preference_wins() {
        let cases: &[(&[&str], Locale)] = &[
            (&["ko-KR", "en-US"], Locale::ko),
            (&["ko"], Locale::ko),
            (&["KO_kr"], Locale::ko),
            (&["en-GB", "ko"], Locale::en),
            (&["ja-JP", "ko-KR", "en"], Locale::ko),
            (&["fr", "de"], Locale::en),
            (&[], Locale::en),
            (&["", " ko "], Locale::ko),
            (&["kok-IN"], Locale::en),        // Konkani, not Korean
            (&["english", "ko"], Locale::ko), // not a language tag
        ];
        for (languages, expected) in cases {
            assert_eq!(for_browser(languages), *expected, "{languages:?}");
        }
    }
}
