//! What the partner chose in the snippet's URL: which services, language,
//! theme and layout. Unknown or malformed values fall back to the default
//! rather than breaking the partner's page.

pub use bongsu_web::theme::Theme;

use crate::words::Language;

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
/// Longer than any service id the feed allows; a longer one is cut here.
const MAX_ID_CHARS: usize = 80;

impl Options {
    /// Reads `services=a,b&lang=ko|en|auto&theme=auto|light|dark&mode=compact|detailed`
    /// (the query string, with or without its `?`, percent-encoded or not).
    /// `browser_language` decides `auto`. Every listed id is kept, even one
    /// the feed could never contain, so that a typo shows as "not in the
    /// feed" rather than silently widening the box to every service.
    pub fn from_query(query: &str, browser_language: &str) -> Options {
        let mut options = Options {
            services: Vec::new(),
            language: Language::from_browser(browser_language),
            theme: Theme::Auto,
            mode: Mode::Compact,
        };
        for pair in query.trim_start_matches('?').split('&') {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = percent_decode(value);
            match (name, value.as_str()) {
                ("services", list) => {
                    options.services = Vec::new();
                    for id in list
                        .split([',', '+', ' '])
                        .map(str::trim)
                        .filter(|id| !id.is_empty())
                    {
                        let id: String = id.chars().take(MAX_ID_CHARS).collect();
                        if !options.services.contains(&id) && options.services.len() < MAX_SERVICES
                        {
                            options.services.push(id);
                        }
                    }
                }
                ("lang", "ko") => options.language = Language::Korean,
                ("lang", "en") => options.language = Language::English,
                ("theme", name) => options.theme = Theme::parse(name).unwrap_or(options.theme),
                ("mode", "detailed") => options.mode = Mode::Detailed,
                ("mode", "compact") => options.mode = Mode::Compact,
                _ => {}
            }
        }
        options
    }
}

/// `%XX` escapes decoded as UTF-8 (lossily); anything malformed stays as it is.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
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
    fn nonsense_falls_back_and_a_bad_service_id_is_kept_to_be_shown_as_missing() {
        let o = Options::from_query(
            "services=<script>,,Talk,ok_1,ok_1&lang=fr&theme=pink&mode=huge&x",
            "en",
        );
        assert_eq!(o.services, ["<script>", "Talk", "ok_1"]);
        assert_eq!(o.language, Language::English);
        assert_eq!(o.theme, Theme::Auto);
        assert_eq!(o.mode, Mode::Compact);
        let many: Vec<String> = (0..500).map(|i| format!("s{i}")).collect();
        let o = Options::from_query(&format!("services={}", many.join(",")), "en");
        assert_eq!(o.services.len(), MAX_SERVICES);
        let long = Options::from_query(&format!("services={}", "a".repeat(5000)), "en");
        assert_eq!(long.services[0].len(), MAX_ID_CHARS);
    }

    #[test]
    fn percent_encoded_queries_read_the_same() {
        let o = Options::from_query(
            "services=kakaotalk%2Ckakaopay&lang=%6Bo&mode=detailed",
            "en",
        );
        assert_eq!(o.services, ["kakaotalk", "kakaopay"]);
        assert_eq!(o.language, Language::Korean);
        assert_eq!(percent_decode("%E2%9C%93%zz%4"), "✓%zz%4");
    }
}
