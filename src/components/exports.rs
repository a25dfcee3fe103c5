//! Downloads a journalist can use: incidents and events as JSON and CSV,
//! and an Atom feed of incidents, each pointing at its proof material.

use bongsu_core::log::export::{self, ProofContext};
use leptos::prelude::*;

use super::download::DownloadLink;
use crate::i18n::{t, t_string, td_string, use_i18n, Locale};
use crate::stores::history::{HistoryStore, VerifiedHistory};
use time::OffsetDateTime;

/// Where this page and the log it verified live, for links in exports.
/// Text in the exports is in `locale`, each falling back to its original.
pub fn proof_context(v: &VerifiedHistory, locale: Locale) -> ProofContext {
    let location = window().location();
    let page_url = format!(
        "{}{}",
        location.origin().unwrap_or_default(),
        location.pathname().unwrap_or_default()
    );
    // Region URLs may be relative to the page; exports need absolute ones.
    let log_url = web_sys::Url::new_with_base(&v.log_url, &page_url)
        .map(|u| u.href())
        .unwrap_or_else(|_| v.log_url.clone());
    ProofContext {
        origin: v.checkpoint.origin.clone(),
        size: v.size(),
        root: v.checkpoint.root.to_string(),
        log_url,
        page_url,
        lang: Some(locale.as_str().to_owned()),
    }
}

/// The exports section: the later part's (`later.rs`).
pub fn exports_view(
    verified: VerifiedHistory,
    as_of: OffsetDateTime,
    history: HistoryStore,
) -> AnyView {
    view! { <Exports verified as_of history /> }.into_any()
}

#[component]
/// `as_of`: the moment the history is shown as of (today, or a replay's).
/// The event files need every entry: on a returning visit, which verified
/// only the new ones, a button reads the whole log first.
pub fn Exports(
    verified: VerifiedHistory,
    as_of: OffsetDateTime,
    history: HistoryStore,
) -> impl IntoView {
    let i18n = use_i18n();
    let base = StoredValue::new(proof_context(&verified, i18n.get_locale_untracked()));
    // The reader's language when they click, not when the page was drawn.
    let proof = move || ProofContext {
        lang: Some(i18n.get_locale_untracked().as_str().to_owned()),
        ..base.get_value()
    };
    let has_events = verified.full.is_some();
    let v = StoredValue::new_local(verified);
    let size = base.with_value(|p| p.size);
    view! {
        <section class="exports" aria-labelledby="exports-heading">
            <h3 id="exports-heading">{t!(i18n, exports.heading)}</h3>
            <p>{move || td_string!(i18n.get_locale(), exports.text, size = size)}</p>
            <ul>
                <li>
                    {t!(i18n, exports.incidents)} " "
                    <DownloadLink label="CSV" file="bongsu-incidents.csv".into() mime="text/csv;charset=utf-8" testid="export-incidents-csv"
                        content=move || v.with_value(|v| export::incidents_csv(&v.history, &proof(), as_of)) />
                    " · "
                    <DownloadLink label="JSON" file="bongsu-incidents.json".into() mime="application/json" testid="export-incidents-json"
                        content=move || v.with_value(|v| export::incidents_json(&v.history, &proof(), as_of)) />
                    " · "
                    <DownloadLink label=Signal::derive(move || t_string!(i18n, exports.atom).to_string()) file="bongsu-incidents.atom".into() mime="application/atom+xml" testid="export-atom"
                        content=move || v.with_value(|v| export::incidents_atom(&v.history, "Bongsu incidents", &proof(), as_of)) />
                </li>
                <li>
                    {t!(i18n, exports.services)} " "
                    <DownloadLink label="CSV" file="bongsu-incident-services.csv".into() mime="text/csv;charset=utf-8" testid="export-services-csv"
                        content=move || v.with_value(|v| export::incident_services_csv(&v.history, &proof(), as_of)) />
                </li>
                <li>
                    {t!(i18n, exports.events)} " "
                    {if has_events {
                        view! {
                            <DownloadLink label="CSV" file="bongsu-events.csv".into() mime="text/csv;charset=utf-8" testid="export-events-csv"
                                content=move || v.with_value(|v| v.full.as_ref().map(|log| export::events_csv(&log.events, &log.entries, &proof())).unwrap_or_default()) />
                            " · "
                            <DownloadLink label="JSON" file="bongsu-events.json".into() mime="application/json" testid="export-events-json"
                                content=move || v.with_value(|v| v.full.as_ref().map(|log| export::events_json(&log.events, &log.entries, &proof())).unwrap_or_default()) />
                        }
                        .into_any()
                    } else {
                        view! {
                            <button type="button" data-testid="export-events-prepare"
                                disabled=move || history.loading.get()
                                on:click=move |_| history.read_in_full()>
                                {t!(i18n, exports.events_prepare)}
                            </button>
                            " "
                            <span role="status">
                                {move || {
                                    let p = history.progress.get().filter(|p| p.of > 1 && history.loading.get())?;
                                    Some(t_string!(i18n, history.progress, done = p.done, of = p.of).to_string())
                                }}
                            </span>
                        }
                        .into_any()
                    }}
                </li>
            </ul>
        </section>
    }
}
