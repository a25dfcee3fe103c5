//! The reader's light or dark choice, remembered on this device (the
//! choice itself, shared with the widget, is `bongsu_web::theme`).

pub use bongsu_web::theme::Theme;

use crate::device_storage;

const KEY: &str = "bongsu.theme";

pub fn remembered() -> Theme {
    device_storage::get(KEY)
        .as_deref()
        .and_then(Theme::parse)
        .unwrap_or(Theme::Auto)
}

/// Applies `theme` to the document and remembers it.
pub fn apply(theme: Theme) {
    bongsu_web::theme::set_on_document(theme);
    device_storage::set(KEY, theme.as_str());
}
