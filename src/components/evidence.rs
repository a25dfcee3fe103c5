use leptos::prelude::*;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::format::kst;
use crate::poller::StatusStore;

/// Proof that the operator's key signed two different versions of one
/// update, kept and downloadable: a journalist or auditor can check both
/// signatures against the published keys without trusting this page.
#[component]
pub fn Evidence(store: StatusStore) -> impl IntoView {
    move || {
        let items = store.evidence.get();
        (!items.is_empty()).then(|| {
            view! {
                <section class="evidence" data-testid="evidence" role="alert" aria-labelledby="evidence-heading">
                    <h2 id="evidence-heading">"Proof of misbehaviour"</h2>
                    <p>
                        "The operator's signing key signed two different versions of the same update. "
                        "Both signed copies are kept here; each can be checked against the published keys."
                    </p>
                    <ul>
                        {items
                            .into_iter()
                            .map(|item| {
                                let json = serde_json::to_string_pretty(&item).unwrap_or_default();
                                let href = format!(
                                    "data:application/json;charset=utf-8,{}",
                                    String::from(js_sys::encode_uri_component(&json)),
                                );
                                let file = format!("bongsu-evidence-{}-{}.json", item.feed, item.seq);
                                let noticed = OffsetDateTime::parse(&item.observed_at, &Rfc3339)
                                    .map(kst)
                                    .unwrap_or_else(|_| item.observed_at.clone());
                                view! {
                                    <li data-testid="evidence-item" data-seq=item.seq.to_string()>
                                        "Update #" {item.seq.to_string()} ": one copy from "
                                        {item.sources[0].clone()} ", another from " {item.sources[1].clone()}
                                        ", noticed " {noticed} " · "
                                        <a href=href download=file data-testid="evidence-download">
                                            "Download both signed copies"
                                        </a>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                </section>
            }
        })
    }
}
