//! What the partner chose in the snippet's URL: which services, language,
//! theme and layout. Unknown or malformed values fall back to the default
//! rather than breaking the partner's page.

use bongsu_core::validate::is_valid_id;

use crate::words::Language;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    /// Follows the reader's system setting.
    Auto,
    Light,
    Dark,
}

impl Theme {
    /// The `data-theme` attribute value; none for auto.
    pub fn attribute(self) -> Option<&'static str> {
        match self {
            Theme::Auto => None,
            Theme::Light => Some("light"),
            Theme::Dark => Some("dark"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// One line: the overall status of the chosen services.
    Compact,
    /// The overall line, then each service with its status.
    Detailed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Service ids in the partner's order; empty means every service.
    pub services: Vec<String>,
    pub language: Language,
    pub theme: Theme,
    pub mode: Mode,
}

/// At most this many services are listed; a longer list is a mistake or an attack.
pub const MAX_SERVICES: usize = 50;

impl Options {
    /// Reads `services=a,b&lang=ko|en|auto&theme=auto|light|dark&mode=compact|detailed`
    /// (the query string, with or without its `?`). `browser_language` decides `auto`.
    /// A service id the feed could not contain is dropped.
    pub fn from_query(query: &str, browser_language: &str) -> Options {
        let mut options = Options {
            services: Vec::new(),
            language: Language::from_browser(browser_language),
            theme: Theme::Auto,
            mode: Mode::Compact,
        };
        for pair in query.trim_start_matches('?').split('&') {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            match (name, value) {
                ("services", list) => {
                    options.services = list
                        .split([',', '+'])
                        .filter(|id| is_valid_id(id))
                        .map(str::to_owned)
                        .take(MAX_SERVICES)
                        .collect();
                }
                ("lang", "ko") => options.language = Language::Korean,
                ("lang", "en") => options.language = Language::English,
                ("theme", "light") => options.theme = Theme::Light,
                ("theme", "dark") => options.theme = Theme::Dark,
                ("theme", "auto") => options.theme = Theme::Auto,
                ("mode", "detailed") => options.mode = Mode::Detailed,
                ("mode", "compact") => options.mode = Mode::Compact,
                _ => {}
            }
        }
        options
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_browser() {
        let o = Options::from_query("", "ko-KR");
        assert_eq!(o.language, Language::Korean);
        assert_eq!(o.theme, Theme::Auto);
        assert_eq!(o.mode, Mode::Compact);
        assert!(o.services.is_empty());
        assert_eq!(
            Options::from_query("?", "en-GB").language,
            Language::English
        );
    }

    #[test]
    fn every_option_is_read() {
        let o = Options::from_query(
            "?services=kakaotalk,kakao-pay&lang=en&theme=dark&mode=detailed",
            "ko",
        );
        assert_eq!(o.services, ["kakaotalk", "kakao-pay"]);
        assert_eq!(o.language, Language::English);
        assert_eq!(o.theme, Theme::Dark);
        assert_eq!(o.mode, Mode::Detailed);
        assert_eq!(
            Options::from_query("lang=ko", "en").language,
            Language::Korean
        );
        assert_eq!(Options::from_query("theme=light", "en").theme, Theme::Light);
    }

    #[test]
    fn nonsense_falls_back_and_never_names_a_service() {
        let o = Options::from_query(
            "services=<script>,,Talk,ok_1&lang=fr&theme=pink&mode=huge&x",
            "en",
        );
        assert_eq!(o.services, ["ok_1"]);
        assert_eq!(o.language, Language::English);
        assert_eq!(o.theme, Theme::Auto);
        assert_eq!(o.mode, Mode::Compact);
        let many = format!("services={}", vec!["a"; 500].join(","));
        assert_eq!(
            Options::from_query(&many, "en").services.len(),
            MAX_SERVICES
        );
    }
}
