//! The widget's words in Korean and English, from the app's locale files.

use bongsu_core::Status;

include!(concat!(env!("OUT_DIR"), "/words.rs"));

/// The two languages the widget speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Korean,
    English,
}

impl Language {
    pub fn words(self) -> &'static Words {
        match self {
            Language::Korean => &KO,
            Language::English => &EN,
        }
    }

    /// The `lang` attribute value.
    pub fn tag(self) -> &'static str {
        match self {
            Language::Korean => "ko",
            Language::English => "en",
        }
    }

    /// Korean for Korean browsers, English for every other.
    pub fn from_browser(language: &str) -> Language {
        if language.trim().to_ascii_lowercase().starts_with("ko") {
            Language::Korean
        } else {
            Language::English
        }
    }
}

impl Words {
    /// A language's name in these words (`Korean`, `영어`), or its tag.
    pub fn language_name<'a>(&self, tag: &'a str) -> &'a str {
        use bongsu_core::text::same_language;
        if same_language(tag, "ko") {
            self.operator_lang_ko
        } else if same_language(tag, "en") {
            self.operator_lang_en
        } else {
            tag
        }
    }

    /// What the operator claims, as the disputed headline quotes it.
    pub fn claim(&self, status: Status) -> &'static str {
        match status {
            Status::Operational => self.claim_operational,
            Status::UnderMaintenance => self.claim_under_maintenance,
            Status::DegradedPerformance => self.claim_degraded_performance,
            Status::PartialOutage => self.claim_partial_outage,
            Status::MajorOutage => self.claim_major_outage,
        }
    }

    pub fn status(&self, status: Status) -> &'static str {
        match status {
            Status::Operational => self.status_operational,
            Status::UnderMaintenance => self.status_under_maintenance,
            Status::DegradedPerformance => self.status_degraded_performance,
            Status::PartialOutage => self.status_partial_outage,
            Status::MajorOutage => self.status_major_outage,
        }
    }
}

/// Fills `{{ name }}` placeholders, the locale files' syntax.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    values
        .iter()
        .fold(template.to_owned(), |text, (name, value)| {
            text.replace(&format!("{{{{ {name} }}}}"), value)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn korean_browsers_get_korean() {
        assert_eq!(Language::from_browser("ko-KR"), Language::Korean);
        assert_eq!(Language::from_browser("ko"), Language::Korean);
        assert_eq!(Language::from_browser("KO-kr"), Language::Korean);
        assert_eq!(Language::from_browser("en-US"), Language::English);
        assert_eq!(Language::from_browser("ja"), Language::English);
        assert_eq!(Language::from_browser(""), Language::English);
    }

    #[test]
    fn placeholders_are_filled_and_none_is_left_in_either_language() {
        for language in [Language::Korean, Language::English] {
            let w = language.words();
            let text = fill(w.widget_regions, &[("answered", "2"), ("total", "3")]);
            assert!(
                text.contains('2') && text.contains('3') && !text.contains("{{"),
                "{text}"
            );
            let text = fill(w.headline_some_affected, &[("hit", "4"), ("total", "12")]);
            assert!(!text.contains("{{"), "{text}");
            let text = fill(w.time_kst, &[("date", "2022-10-15"), ("hm", "17:00")]);
            assert!(text.contains("17:00") && !text.contains("{{"), "{text}");
        }
    }

    #[test]
    fn every_status_has_words_that_differ_between_languages() {
        for status in Status::ALL {
            assert_ne!(KO.status(status), EN.status(status));
            assert!(!EN.status(status).is_empty());
        }
    }
}
