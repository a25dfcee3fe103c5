//! Operator-written text in one or more languages: the text as the operator
//! wrote it (its source language) and translations of it.
//!
//! On the wire a text is either a JSON string, whose language is not stated
//! (what format v1 always wrote), or an object
//! `{"lang":"en","text":"…","translations":{"ko":"…"}}` naming the source
//! language, with the translations (if any) sorted by tag. Readers choose
//! the reader's language with [`Localized::pick`], which also says whether
//! what it chose is the original, a translation or a fallback to the
//! original, so a page can mark the last two.

use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::text::json::{FromJson, Problem, Value};

/// Longest language tag accepted.
pub const MAX_LANG_TAG_LEN: usize = 35;
/// Most languages one text may carry (source included).
pub const MAX_LANGUAGES: usize = 8;

/// Is `tag` a BCP 47 language tag of the form Bongsu accepts: a primary
/// language of 2 or 3 lowercase letters, then subtags of 1 to 8 ASCII
/// letters or digits (`ko`, `en`, `en-GB`, `zh-Hant-TW`). Private-use and
/// grandfathered tags are not accepted.
pub fn is_valid_lang_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary_ok = parts
        .next()
        .is_some_and(|p| (2..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_lowercase()));
    primary_ok
        && tag.len() <= MAX_LANG_TAG_LEN
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// The primary language subtag: `en` of `en-GB`.
fn primary(tag: &str) -> &str {
    tag.split('-').next().unwrap_or(tag)
}

/// Do two tags name the same language, closely enough to show one for the
/// other (`en-GB` for `en`)? Tags compare without case, as BCP 47 says.
pub fn same_language(a: &str, b: &str) -> bool {
    primary(a).eq_ignore_ascii_case(primary(b))
}

/// Text the operator wrote, with the language it was written in and its
/// translations.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Localized {
    /// The source language; `None` for a plain string of unstated language.
    lang: Option<String>,
    text: String,
    /// Sorted by tag, none of them the source language.
    translations: Vec<(String, String)>,
}

/// How a chosen text relates to what the reader asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rendition<'a> {
    /// The text as written, in the reader's language (or of unstated language).
    Original,
    /// A translation into the reader's language of text written in `from`.
    Translation { from: &'a str },
    /// The reader's language is missing: the original, written in `lang`.
    Fallback { lang: &'a str },
}

/// One text chosen for a reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shown<'a> {
    pub text: &'a str,
    /// The language of `text`, for the element's `lang` attribute.
    pub lang: Option<&'a str>,
    pub rendition: Rendition<'a>,
}

impl Localized {
    /// A plain string of unstated language (format v1's only kind of text).
    pub fn plain(text: impl Into<String>) -> Localized {
        Localized {
            lang: None,
            text: text.into(),
            translations: Vec::new(),
        }
    }

    /// Text written in `lang`, with translations in any order (they are
    /// kept sorted by tag; tags are checked by [`Localized::problem`]).
    pub fn new(
        lang: impl Into<String>,
        text: impl Into<String>,
        translations: impl IntoIterator<Item = (String, String)>,
    ) -> Localized {
        let mut translations: Vec<(String, String)> = translations.into_iter().collect();
        crate::text::sort::sort_by(&mut translations, |a, b| a.0.cmp(&b.0));
        Localized {
            lang: Some(lang.into()),
            text: text.into(),
            translations,
        }
    }

    /// The text as the operator wrote it.
    pub fn source(&self) -> &str {
        &self.text
    }

    pub fn source_lang(&self) -> Option<&str> {
        self.lang.as_deref()
    }

    /// The translations, sorted by tag.
    pub fn translations(&self) -> &[(String, String)] {
        &self.translations
    }

    /// Does this text state its language (so it needs format v2)?
    pub fn is_plain(&self) -> bool {
        self.lang.is_none()
    }

    /// Every text with its language, the source first.
    pub fn texts(&self) -> impl Iterator<Item = (Option<&str>, &str)> {
        std::iter::once((self.lang.as_deref(), self.text.as_str())).chain(
            self.translations
                .iter()
                .map(|(l, t)| (Some(l.as_str()), t.as_str())),
        )
    }

    /// The languages this text is written or translated in, the source first.
    pub fn languages(&self) -> impl Iterator<Item = &str> {
        self.texts().filter_map(|(lang, _)| lang)
    }

    /// The text in exactly this language, if there is one.
    pub fn get(&self, lang: &str) -> Option<&str> {
        self.texts()
            .find(|(l, _)| l.is_some_and(|l| l.eq_ignore_ascii_case(lang)))
            .map(|(_, t)| t)
    }

    /// The text for a reader of `want`: the same tag if there is one, else
    /// the same language (`en-GB` for `en`), else the original.
    pub fn pick(&self, want: &str) -> Shown<'_> {
        let Some(source) = self.lang.as_deref() else {
            return Shown {
                text: &self.text,
                lang: None,
                rendition: Rendition::Original,
            };
        };
        let exact = self
            .texts()
            .find(|(l, _)| l.is_some_and(|l| l.eq_ignore_ascii_case(want)));
        let close = || {
            self.texts()
                .find(|(l, _)| l.is_some_and(|l| same_language(l, want)))
        };
        match exact.or_else(close) {
            Some((Some(lang), text)) if lang == source => Shown {
                text,
                lang: Some(lang),
                rendition: Rendition::Original,
            },
            Some((lang, text)) => Shown {
                text,
                lang,
                rendition: Rendition::Translation { from: source },
            },
            None => Shown {
                text: &self.text,
                lang: Some(source),
                rendition: Rendition::Fallback { lang: source },
            },
        }
    }

    /// The text in `lang` when given and present, else the original: what a
    /// one-language format (Statuspage's API, Atom) carries.
    pub fn in_lang(&self, lang: Option<&str>) -> &str {
        match lang {
            Some(lang) => self.pick(lang).text,
            None => &self.text,
        }
    }

    /// The first thing wrong with the tags: a bad tag, a translation into
    /// the source language or the same language twice, or too many
    /// languages. Text lengths are the caller's rule.
    pub fn problem(&self) -> Option<String> {
        let tags: Vec<&str> = self.languages().collect();
        if let Some(bad) = tags.iter().find(|t| !is_valid_lang_tag(t)) {
            return Some(format!(
                "`{}` is not a language tag like `ko`, `en` or `en-GB`",
                bad.chars().take(40).collect::<String>()
            ));
        }
        if tags.len() > MAX_LANGUAGES {
            return Some(format!(
                "has {} languages; at most {MAX_LANGUAGES} are allowed",
                tags.len()
            ));
        }
        for (i, a) in tags.iter().enumerate() {
            if let Some(b) = tags[..i].iter().find(|b| b.eq_ignore_ascii_case(a)) {
                return Some(format!("has `{a}` twice (as `{b}` and `{a}`)"));
            }
        }
        None
    }
}

impl From<&str> for Localized {
    fn from(text: &str) -> Localized {
        Localized::plain(text)
    }
}

impl From<String> for Localized {
    fn from(text: String) -> Localized {
        Localized::plain(text)
    }
}

impl Serialize for Localized {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let Some(lang) = &self.lang else {
            return s.serialize_str(&self.text);
        };
        let fields = if self.translations.is_empty() { 2 } else { 3 };
        let mut map = s.serialize_map(Some(fields))?;
        map.serialize_entry("lang", lang)?;
        map.serialize_entry("text", &self.text)?;
        if !self.translations.is_empty() {
            map.serialize_entry("translations", &Translations(&self.translations))?;
        }
        map.end()
    }
}

struct Translations<'a>(&'a [(String, String)]);

impl Serialize for Translations<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (lang, text) in self.0 {
            map.serialize_entry(lang, text)?;
        }
        map.end()
    }
}

/// serde's reading of the same wire form, for the CLI and the tests that
/// compare the two readers; the browser reads with [`FromJson`].
impl<'de> serde::Deserialize<'de> for Localized {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{Error, MapAccess, Visitor};
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Localized;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string, or an object with lang, text and translations")
            }
            fn visit_str<E: Error>(self, text: &str) -> Result<Localized, E> {
                Ok(Localized::plain(text))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Localized, A::Error> {
                let (mut lang, mut text, mut translations) = (None, None, None);
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "lang" if lang.is_none() => lang = Some(map.next_value::<String>()?),
                        "text" if text.is_none() => text = Some(map.next_value::<String>()?),
                        "translations" if translations.is_none() => {
                            translations = Some(map.next_value::<SortedTranslations>()?.0)
                        }
                        other => {
                            return Err(A::Error::custom(format!("unexpected field `{other}`")))
                        }
                    }
                }
                Ok(Localized {
                    lang: Some(lang.ok_or_else(|| A::Error::missing_field("lang"))?),
                    text: text.ok_or_else(|| A::Error::missing_field("text"))?,
                    translations: translations.unwrap_or_default(),
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// Translations as the wire has them: a non-empty object whose tags are
/// strictly ascending, the rule [`FromJson`] applies too.
struct SortedTranslations(Vec<(String, String)>);

impl<'de> serde::Deserialize<'de> for SortedTranslations {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{Error, MapAccess, Visitor};
        const RULE: &str = "translations must be a non-empty object sorted by language tag";
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SortedTranslations;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(RULE)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out: Vec<(String, String)> = Vec::new();
                while let Some((tag, text)) = map.next_entry::<String, String>()? {
                    if out.last().is_some_and(|(last, _)| *last >= tag) {
                        return Err(A::Error::custom(RULE));
                    }
                    out.push((tag, text));
                }
                if out.is_empty() {
                    return Err(A::Error::custom(RULE));
                }
                Ok(SortedTranslations(out))
            }
        }
        d.deserialize_map(V)
    }
}

impl FromJson for Localized {
    fn from_json(v: &Value<'_>) -> Result<Self, Problem> {
        if let Ok(text) = v.str() {
            return Ok(Localized::plain(text));
        }
        v.object(|f| {
            let lang = f.text("lang")?;
            let text = f.text("text")?;
            let mut translations = Vec::new();
            if let Some(t) = f.get("translations") {
                for (tag, value) in t.members()? {
                    translations.push((tag.clone(), value.string()?));
                }
                let sorted = translations.windows(2).all(|w| w[0].0 < w[1].0);
                if !sorted || translations.is_empty() {
                    return Err(Problem::new(
                        t.at,
                        "translations must be a non-empty object sorted by language tag",
                    ));
                }
            }
            Ok(Localized {
                lang: Some(lang),
                text,
                translations,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ko_en() -> Localized {
        Localized::new(
            "ko",
            "카카오톡",
            [("en".to_owned(), "KakaoTalk".to_owned())],
        )
    }

    #[test]
    fn language_tags() {
        for good in ["ko", "en", "en-GB", "zh-Hant-TW", "yue", "es-419"] {
            assert!(is_valid_lang_tag(good), "{good}");
        }
        for bad in [
            "",
            "k",
            "KO",
            "english",
            "en_GB",
            "en-",
            "-en",
            "x-private",
            "en-toolongsub",
        ] {
            assert!(!is_valid_lang_tag(bad), "{bad}");
        }
    }

    #[test]
    fn the_reader_gets_their_language_or_the_marked_original() {
        let t = ko_en();
        let ko = t.pick("ko");
        assert_eq!((ko.text, ko.rendition), ("카카오톡", Rendition::Original));
        let en = t.pick("en-US");
        assert_eq!(
            (en.text, en.lang, en.rendition),
            (
                "KakaoTalk",
                Some("en"),
                Rendition::Translation { from: "ko" }
            )
        );
        let ja = t.pick("ja");
        assert_eq!(
            (ja.text, ja.lang, ja.rendition),
            ("카카오톡", Some("ko"), Rendition::Fallback { lang: "ko" })
        );
    }

    #[test]
    fn an_exact_tag_beats_a_close_one() {
        let t = Localized::new("en", "colour", [("en-US".to_owned(), "color".to_owned())]);
        assert_eq!(t.pick("en-US").text, "color");
        assert_eq!(t.pick("en-GB").text, "colour");
        assert_eq!(t.pick("en").rendition, Rendition::Original);
    }

    #[test]
    fn plain_text_is_always_the_original() {
        let t = Localized::plain("Messages fail");
        for want in ["ko", "en"] {
            assert_eq!(t.pick(want).rendition, Rendition::Original);
            assert_eq!(t.pick(want).lang, None);
        }
    }

    #[test]
    fn wire_form_round_trips_and_plain_stays_a_string() {
        let plain = serde_json::to_string(&Localized::plain("a")).unwrap();
        assert_eq!(plain, "\"a\"");
        let json = serde_json::to_string(&ko_en()).unwrap();
        assert_eq!(
            json,
            r#"{"lang":"ko","text":"카카오톡","translations":{"en":"KakaoTalk"}}"#
        );
        for text in [&plain, &json] {
            let back = crate::text::json::read(text, Localized::from_json).unwrap();
            assert_eq!(serde_json::to_string(&back).unwrap(), *text);
        }
        let alone = serde_json::to_string(&Localized::new("en", "x", [])).unwrap();
        assert_eq!(alone, r#"{"lang":"en","text":"x"}"#);
    }

    #[test]
    fn unsorted_or_empty_translations_are_not_canonical() {
        for bad in [
            r#"{"lang":"ko","text":"a","translations":{"ja":"b","en":"c"}}"#,
            r#"{"lang":"ko","text":"a","translations":{}}"#,
            r#"{"lang":"ko","text":"a","extra":1}"#,
        ] {
            assert!(
                crate::text::json::read(bad, Localized::from_json).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn problems_are_named() {
        let dup = Localized::new("en-GB", "a", [("en-gb".to_owned(), "b".to_owned())]);
        assert!(dup.problem().unwrap().contains("twice"));
        let bad = Localized::new("english", "a", []);
        assert!(bad.problem().unwrap().contains("not a language tag"));
        assert_eq!(ko_en().problem(), None);
    }
}
