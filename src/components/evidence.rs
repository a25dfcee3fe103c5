//! Equivocation evidence: two genuine copies with one number, kept and downloadable.

use leptos::prelude::*;

use crate::format::kst;
use crate::i18n::{t, td_string, use_i18n};
use crate::stores::status::StatusStore;

/// Proof that the operator's key signed two different versions of one
/// update, kept and downloadable: a journalist or auditor can check both
/// signatures against the published keys without trusting this page.
#[component]
pub fn Evidence(store: StatusStore) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        let locale = i18n.get_locale();
        let items = store.evidence.get();
        (!items.is_empty()).then(|| {
            view! {
                <section class="evidence" data-testid="evidence" role="alert" aria-labelledby="evidence-heading">
                    <h2 id="evidence-heading">{t!(i18n, evidence.heading)}</h2>
                    <p>{t!(i18n, evidence.text)}</p>
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
                                let noticed = bongsu_core::text::rfc3339::parse(&item.observed_at)
                                    .map(|at| kst(locale, at))
                                    .unwrap_or_else(|| item.observed_at.clone());
                                view! {
                                    <li data-testid="evidence-item" data-seq=item.seq.to_string()>
                                        {td_string!(
                                            locale,
                                            evidence.item,
                                            seq = item.seq,
                                            first = item.sources.first().cloned().unwrap_or_default(),
                                            second = item.sources.get(1).cloned().unwrap_or_default(),
                                            when = noticed
                                        )}
                                        " "
                                        <a href=href download=file data-testid="evidence-download">
                                            {t!(i18n, evidence.download)}
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
