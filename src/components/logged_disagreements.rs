//! The history page's record of when the regions' probes and the declared
//! status disagreed for longer than the grace period, as the log holds it:
//! when it began, when it was logged, when it ended, and which regions saw
//! the service failing.

use bongsu_core::log::DisagreementRecord;
use bongsu_core::probe::DisagreementKind;
use leptos::prelude::*;

use super::said::said;
use super::When;
use crate::i18n::{t, td_string, use_i18n};
use crate::route::HistoryQuery;
use crate::stores::history::VerifiedHistory;
use bongsu_core::text::Localized;

use crate::route::incident_filter;

/// The disagreements the query's service and dates select, newest first.
#[component]
pub fn LoggedDisagreements(verified: VerifiedHistory, query: HistoryQuery) -> impl IntoView {
    let i18n = use_i18n();
    let filter = incident_filter(&query);
    let h = verified.history.clone();
    let mut chosen: Vec<&DisagreementRecord> = h
        .disagreements
        .iter()
        .filter(|d| filter.service.as_ref().is_none_or(|s| *s == d.service))
        .filter(|d| filter.to.is_none_or(|to| d.since < to))
        .filter(|d| {
            filter
                .from
                .is_none_or(|from| d.ended_at.is_none_or(|e| e >= from))
        })
        .collect();
    if chosen.is_empty() {
        return None;
    }
    chosen.reverse();
    let items = chosen
        .into_iter()
        .map(|d| {
            let name = h
                .service(&d.service)
                .map_or_else(|| Localized::plain(d.service.clone()), |s| s.name.clone());
            let (kind, failing, regions) = (d.kind, d.failing.len(), d.failing.len() + d.passing.len());
            let text = move || {
                let l = i18n.get_locale();
                match kind {
                    DisagreementKind::UndeclaredOutage => td_string!(
                        l, history.disagreement_undeclared,
                        service = said(l, &name), failing = failing, regions = regions
                    ),
                    DisagreementKind::UnconfirmedOutage => td_string!(
                        l, history.disagreement_unconfirmed,
                        service = said(l, &name), regions = regions
                    ),
                }
            };
            let ended = d.ended_at;
            view! {
                <li class="history-disagreement" data-testid="logged-disagreement" data-service-id=d.service.clone() data-kind=kind.as_str()>
                    <p class="message">
                        <span class="symbol" aria-hidden="true">"⚠"</span>
                        " "
                        {text}
                    </p>
                    <p class="when">
                        <When at=d.since />
                        " – "
                        {match ended {
                            Some(end) => view! { <When at=end /> }.into_any(),
                            None => view! { <strong>{t!(i18n, time.ongoing)}</strong> }.into_any(),
                        }}
                    </p>
                    <p class="affected">{t!(i18n, history.disagreement_logged)} " " <When at=d.logged_at /></p>
                </li>
            }
        })
        .collect_view();
    Some(view! {
        <section class="disagreement-list" aria-labelledby="disagreement-list-heading" data-testid="logged-disagreements">
            <h3 id="disagreement-list-heading">{t!(i18n, history.disagreements_heading)}</h3>
            <p class="hint">{t!(i18n, history.disagreements_hint)}</p>
            <ol class="history-incidents">{items}</ol>
        </section>
    })
}
