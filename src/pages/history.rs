//! The history page: filters, the incident list, uptime bars and exports.

use bongsu_core::log::filtered_incident_positions;
use bongsu_core::text::Localized;
use bongsu_core::Status;
use leptos::prelude::*;
use time::{Date, OffsetDateTime};

use crate::components::history_proof::{HistoryLoading, HistoryProof};
use crate::components::logged_disagreements::LoggedDisagreements;
use crate::components::said::said;
use crate::components::uptime::Uptime;
use crate::components::{Said, StatusBadge, When};
use crate::format::{duration, incident_state_label, kst, status_label};
use crate::i18n::{t, t_string, td_string, use_i18n};
use crate::later::HistoryLater;
use crate::route::{format_date, go, href, incident_filter, parse_date, HistoryQuery, Route};
use crate::stores::history::{HistoryStore, VerifiedHistory};

#[component]
pub fn HistoryPage(
    history: HistoryStore,
    query: HistoryQuery,
    now: RwSignal<OffsetDateTime>,
    /// The exports come with it (`later.rs`).
    later: ReadSignal<Option<HistoryLater>>,
) -> impl IntoView {
    let q = StoredValue::new(query);
    let i18n = use_i18n();
    // The whole body follows the language: its parts read it untracked.
    let body = move || {
        let _ = i18n.get_locale();
        let verified = history.verified.get()?;
        let as_of = history.as_of(&verified.history, now.get_untracked());
        let replay = history.replay().then(|| {
            let when = kst(i18n.get_locale_untracked(), as_of);
            view! {
                <p class="notice" data-testid="replay-as-of">
                    {td_string!(i18n.get_locale_untracked(), history.replay_as_of, when = when)}
                </p>
            }
        });
        Some(view! {
            {replay}
            <Filters verified=verified.clone() query=q.get_value() />
            <IncidentList verified=verified.clone() query=q.get_value() now=as_of />
            <LoggedDisagreements verified=verified.clone() query=q.get_value() />
            <Uptime verified=verified.clone() query=q.get_value() now=as_of />
            {move || later.get().map(|l| (l.exports)(verified.clone(), as_of, history))}
        })
    };
    view! {
        <section class="history" data-testid="history-page" aria-labelledby="history-heading">
            <h2 id="history-heading">{t!(i18n, history.heading)}</h2>
            <HistoryLoading history />
            {body}
            <HistoryProof history />
        </section>
    }
}

#[component]
fn Filters(verified: VerifiedHistory, query: HistoryQuery) -> impl IntoView {
    let i18n = use_i18n();
    let q = StoredValue::new(query.clone());
    let set = move |change: &dyn Fn(&mut HistoryQuery)| {
        let mut next = q.get_value();
        change(&mut next);
        next.day = None;
        go(&Route::History(next));
    };
    let services: Vec<(String, Localized)> = verified
        .history
        .services
        .iter()
        .map(|s| (s.id.clone(), s.name.clone()))
        .collect();
    let service_options = services
        .into_iter()
        .map(|(id, name)| {
            let selected = query.service.as_deref() == Some(id.as_str());
            view! { <option value=id selected=selected>{move || said(i18n.get_locale(), &name)}</option> }
        })
        .collect_view();
    let impact_options = [
        Status::DegradedPerformance,
        Status::PartialOutage,
        Status::MajorOutage,
    ]
    .into_iter()
    .map(|s| {
        let selected = query.impact == Some(s);
        view! {
            <option value=s.as_str() selected=selected>
                {move || { let l = i18n.get_locale(); td_string!(l, history.filter_or_worse, status = status_label(l, s)) }}
            </option>
        }
    })
    .collect_view();
    let date_value = |d: Option<Date>| d.map(format_date).unwrap_or_default();
    view! {
        <form class="filters" data-testid="history-filters" aria-label=move || t_string!(i18n, history.filters_label) on:submit=|ev| ev.prevent_default()>
            <label>
                {t!(i18n, history.filter_service)} " "
                <select
                    data-testid="filter-service"
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        set(&|q| q.service = (!v.is_empty()).then(|| v.clone()));
                    }
                >
                    <option value="">{t!(i18n, history.filter_all_services)}</option>
                    {service_options}
                </select>
            </label>
            <label>
                {t!(i18n, history.filter_severity)} " "
                <select
                    data-testid="filter-impact"
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        set(&|q| q.impact = Status::ALL.into_iter().find(|s| s.as_str() == v));
                    }
                >
                    <option value="">{t!(i18n, history.filter_any)}</option>
                    {impact_options}
                </select>
            </label>
            <label>
                {t!(i18n, history.filter_from)} " "
                <input
                    type="date"
                    data-testid="filter-from"
                    value=date_value(query.from)
                    on:change=move |ev| {
                        let v = parse_date(&event_target_value(&ev));
                        set(&|q| q.from = v);
                    }
                />
            </label>
            <label>
                {t!(i18n, history.filter_to)} " "
                <input
                    type="date"
                    data-testid="filter-to"
                    value=date_value(query.to)
                    on:change=move |ev| {
                        let v = parse_date(&event_target_value(&ev));
                        set(&|q| q.to = v);
                    }
                />
            </label>
            <a href=href(&Route::History(HistoryQuery::default())) class="button-link">{t!(i18n, history.filter_clear)}</a>
        </form>
    }
}

/// How many incidents the list draws at first, and adds per "show more".
const INCIDENTS_AT_ONCE: usize = 50;

#[component]
fn IncidentList(
    verified: VerifiedHistory,
    query: HistoryQuery,
    now: OffsetDateTime,
) -> impl IntoView {
    let i18n = use_i18n();
    let h = verified.history.clone();
    let incidents = filtered_incident_positions(&h, &incident_filter(&query), now);
    let count = incidents.len();
    // Twenty years of history is thousands of incidents: drawing them all
    // took seconds of layout. The newest first, more on request.
    let shown = RwSignal::new(INCIDENTS_AT_ONCE.min(count));
    let draw = move |h: &bongsu_core::log::History, i: &bongsu_core::log::IncidentRecord| {
        let window = h.impact_window(i, now);
        let services = h
            .service_impacts(i, now)
            .into_iter()
            .map(|s| said(i18n.get_locale_untracked(), &s.name))
            .collect::<Vec<_>>()
            .join(", ");
        let span = window.map(|(start, end)| {
                view! {
                    <p class="when">
                        <When at=start />
                        " – "
                        {match end {
                            Some(end) => view! {
                                <When at=end />
                                " · " <strong data-testid="incident-duration">{move || duration(i18n.get_locale(), (end - start).whole_minutes())}</strong>
                            }.into_any(),
                            None => view! { <strong>{t!(i18n, time.ongoing)}</strong> }.into_any(),
                        }}
                    </p>
                }
            });
        let state = i.state();
        view! {
            <li class="history-incident" data-testid="history-incident" data-incident-id=i.id.clone()>
                <header>
                    <a href=href(&Route::Incident(i.id.clone())) class="incident-title"><Said text=i.title.clone() marked=true /></a>
                    <StatusBadge status=i.impact />
                    <span class="state">{move || incident_state_label(i18n.get_locale(), state)}</span>
                </header>
                {span}
                <p class="affected">{t!(i18n, history.affected)} " " {services}</p>
            </li>
        }
    };
    let items = move || {
        incidents
            .iter()
            .take(shown.get())
            .map(|&i| draw(&h, &h.incidents[i]))
            .collect_view()
    };
    let more = move || {
        let now_shown = shown.get();
        (now_shown < count).then(|| {
            let next = INCIDENTS_AT_ONCE.min(count - now_shown);
            view! {
                <div class="more">
                    <p>{move || t_string!(i18n, history.showing, shown = now_shown, n = count)}</p>
                    <button type="button" data-testid="incidents-more" on:click=move |_| shown.update(|s| *s += next)>
                        {move || t_string!(i18n, history.show_more, n = next)}
                    </button>
                </div>
            }
        })
    };
    view! {
        <section class="incident-list" aria-labelledby="incident-list-heading">
            <h3 id="incident-list-heading">
                {move || if count == 1 {
                    t_string!(i18n, history.count_one).to_string()
                } else {
                    t_string!(i18n, history.count, n = count)
                }}
            </h3>
            {(count == 0).then(|| view! { <p class="notice">{t!(i18n, history.none_match)}</p> })}
            <ol class="history-incidents">{items}</ol>
            {more}
        </section>
    }
}
