//! An instant in KST, and in the reader's own zone when that differs.

use leptos::prelude::*;
use time::OffsetDateTime;

use crate::clock::local_offset;
use crate::format::{kst, local_unless_kst};
use crate::i18n::use_i18n;

/// An instant in KST, and in the reader's own zone when that differs.
#[component]
pub fn When(at: OffsetDateTime) -> impl IntoView {
    let i18n = use_i18n();
    let offset = local_offset(at);
    move || {
        let locale = i18n.get_locale();
        let local = local_unless_kst(locale, at, offset);
        view! {
            <time datetime=bongsu_core::text::rfc3339::format(at).unwrap_or_default()>{kst(locale, at)}</time>
            {local.map(|l| view! { <span class="local-time">" (" {l} ")"</span> })}
        }
    }
}
