use bongsu_core::Status;
use leptos::prelude::*;

use crate::format::{status_label, status_symbol};

/// A status as symbol + words + colour, so it reads without colour.
#[component]
pub fn StatusBadge(status: Status) -> impl IntoView {
    view! {
        <span class=format!("badge status-{}", status.as_str())>
            <span class="symbol" aria-hidden="true">{status_symbol(status)}</span>
            <span class="label">{status_label(status)}</span>
        </span>
    }
}
