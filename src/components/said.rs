//! The operator's words in the reader's language: names, titles, updates.
//! What is shown comes from [`Localized::pick`], the core's one rule; this
//! only renders it, with `lang` set wherever the text is not in the page's
//! language (so screen readers pronounce it right) and, for notices, a
//! quiet mark when it is a translation or the reader's language is missing.

use bongsu_core::text::{same_language, Localized, Rendition};
use bongsu_core::{ComponentRef, Feed};
use leptos::prelude::*;

use crate::i18n::{td_string, use_i18n, Locale};

/// The text for a reader of `locale`, where only a string will do
/// (attributes, lists joined into one line).
pub fn said(locale: Locale, text: &Localized) -> String {
    text.pick(locale.as_str()).text.to_owned()
}

/// "KakaoTalk: Messaging, Kakao Pay: Payments": the components `refs`
/// name, in the reader's language (unknown references are left out).
pub fn component_names(locale: Locale, feed: &Feed, refs: &[String]) -> String {
    refs.iter()
        .filter_map(|r| ComponentRef::parse(r))
        .filter_map(|r| {
            let service = feed.services.iter().find(|s| s.id == r.service)?;
            let component = service.components.iter().find(|c| c.id == r.component)?;
            Some(format!(
                "{}: {}",
                said(locale, &service.name),
                said(locale, &component.name)
            ))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A language's name in the page's language, or its tag.
pub fn language_name(locale: Locale, tag: &str) -> String {
    if same_language(tag, "ko") {
        td_string!(locale, operator.lang_ko).to_owned()
    } else if same_language(tag, "en") {
        td_string!(locale, operator.lang_en).to_owned()
    } else {
        tag.to_owned()
    }
}

/// The mark for a text shown as a translation or in its original language
/// because the reader's is missing; none for an original.
pub fn mark(locale: Locale, rendition: Rendition<'_>) -> Option<(&'static str, String)> {
    match rendition {
        Rendition::Original => None,
        Rendition::Translation { from } => Some((
            "translated",
            td_string!(
                locale,
                operator.translated,
                lang = language_name(locale, from)
            ),
        )),
        Rendition::Fallback { lang } => Some((
            "original",
            td_string!(
                locale,
                operator.original,
                lang = language_name(locale, lang)
            ),
        )),
    }
}

/// Operator text in the reader's language. `marked`: a notice (title,
/// update, maintenance), which says when it is a translation or the original
/// in another language; names are not marked, only given their `lang`.
#[component]
pub fn Said(text: Localized, #[prop(optional)] marked: bool) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        let locale = i18n.get_locale();
        let shown = text.pick(locale.as_str());
        let lang = shown
            .lang
            .filter(|l| !same_language(l, locale.as_str()))
            .map(str::to_owned);
        let note = marked.then(|| mark(locale, shown.rendition)).flatten();
        view! {
            <span lang=lang>{shown.text.to_owned()}</span>
            {note.map(|(kind, words)| {
                view! {
                    " "
                    <small class="said-mark" data-testid="said-mark" data-mark=kind>
                        {words}
                    </small>
                }
            })}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_say_which_language_in_the_readers_words() {
        let fallback = Rendition::Fallback { lang: "en" };
        assert_eq!(
            mark(Locale::ko, fallback),
            Some(("original", "원문: 영어".to_owned()))
        );
        assert_eq!(
            mark(Locale::en, Rendition::Fallback { lang: "ko" }),
            Some(("original", "Original: Korean".to_owned()))
        );
        assert_eq!(
            mark(Locale::ko, Rendition::Translation { from: "en" }),
            Some(("translated", "영어 원문을 번역함".to_owned()))
        );
        assert_eq!(mark(Locale::en, Rendition::Original), None);
        assert_eq!(language_name(Locale::en, "ja"), "ja");
    }
}
