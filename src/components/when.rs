use leptos::prelude::*;
use time::format_description::well_known::Rfc3339;
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
            <time datetime=at.format(&Rfc3339).unwrap_or_default()>{kst(locale, at)}</time>
            {local.map(|l| view! { <span class="local-time">" (" {l} ")"</span> })}
        }
    }
}
