//! A status as symbol, words and colour.

use bongsu_core::Status;
use leptos::prelude::*;

use crate::format::status_label;
use crate::i18n::use_i18n;

/// A status as symbol + words + colour, so it reads without colour.
#[component]
pub fn StatusBadge(status: Status) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <span class=format!("badge status-{}", status.as_str())>
            <span class="symbol" aria-hidden="true">{status.symbol()}</span>
            <span class="label">{move || status_label(i18n.get_locale(), status)}</span>
        </span>
    }
}
