//! Light or dark: the system setting unless the reader picked one, which is
//! remembered on this device. The choice is a `data-theme` attribute on
//! `<html>`; the colours are in style/main.css.

use crate::device_storage;

const KEY: &str = "bongsu.theme";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    /// Follow the system setting.
    Auto,
    Light,
    Dark,
}

impl Theme {
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Auto => "auto",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    pub fn parse(text: &str) -> Option<Theme> {
        [Theme::Auto, Theme::Light, Theme::Dark]
            .into_iter()
            .find(|t| t.as_str() == text)
    }

    /// The toggle's order: auto → light → dark → auto.
    pub fn next(self) -> Theme {
        match self {
            Theme::Auto => Theme::Light,
            Theme::Light => Theme::Dark,
            Theme::Dark => Theme::Auto,
        }
    }
}

pub fn remembered() -> Theme {
    device_storage::get(KEY)
        .as_deref()
        .and_then(Theme::parse)
        .unwrap_or(Theme::Auto)
}

/// Applies `theme` to the document and remembers it.
pub fn apply(theme: Theme) {
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute("data-theme", theme.as_str());
    }
    device_storage::set(KEY, theme.as_str());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_toggle_visits_every_theme_and_comes_back() {
        let mut t = Theme::Auto;
        let mut seen = vec![];
        for _ in 0..3 {
            seen.push(t);
            t = t.next();
        }
        assert_eq!(t, Theme::Auto);
        assert_eq!(seen, [Theme::Auto, Theme::Light, Theme::Dark]);
        for t in seen {
            assert_eq!(Theme::parse(t.as_str()), Some(t));
        }
        assert_eq!(Theme::parse("sepia"), None);
    }
}
