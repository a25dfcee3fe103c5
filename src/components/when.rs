use leptos::prelude::*;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::clock::local_offset;
use crate::format::{kst, local_unless_kst};

/// An instant in KST, and in the reader's own zone when that differs.
#[component]
pub fn When(at: OffsetDateTime) -> impl IntoView {
    let local = local_unless_kst(at, local_offset(at));
    view! {
        <time datetime=at.format(&Rfc3339).unwrap_or_default()>{kst(at)}</time>
        {local.map(|l| view! { <span class="local-time">" (" {l} ")"</span> })}
    }
}
