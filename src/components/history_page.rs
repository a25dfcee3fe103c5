//! The history page: filters, the incident list, uptime bars and exports.

use bongsu_core::export::duration_text;
use bongsu_core::history::{filter_incidents, IncidentFilter};
use bongsu_core::Status;
use leptos::prelude::*;
use time::macros::offset;
use time::{Date, OffsetDateTime};

use super::exports::Exports;
use super::history_proof::{HistoryLoading, HistoryProof};
use super::uptime::Uptime;
use super::{StatusBadge, When};
use crate::format::{incident_state_label, status_label};
use crate::history_store::{HistoryStore, VerifiedHistory};
use crate::route::{format_date, go, href, parse_date, HistoryQuery, Route};

/// Midnight KST at the start of `date`.
pub fn kst_start(date: Date) -> OffsetDateTime {
    date.midnight().assume_offset(offset!(+9))
}

/// Today's date in KST.
pub fn kst_today(now: OffsetDateTime) -> Date {
    now.to_offset(offset!(+9)).date()
}

#[component]
pub fn HistoryPage(
    history: HistoryStore,
    query: HistoryQuery,
    now: RwSignal<OffsetDateTime>,
) -> impl IntoView {
    let q = StoredValue::new(query);
    let body = move || {
        let verified = history.verified.get()?;
        Some(view! {
            <Filters verified=verified.clone() query=q.get_value() />
            <IncidentList verified=verified.clone() query=q.get_value() now=now.get_untracked() />
            <Uptime verified=verified.clone() query=q.get_value() now=now.get_untracked() />
            <Exports verified />
        })
    };
    view! {
        <section class="history" data-testid="history-page" aria-labelledby="history-heading">
            <h2 id="history-heading">"Incident history"</h2>
            <HistoryLoading history />
            {body}
            <HistoryProof history />
        </section>
    }
}

#[component]
fn Filters(verified: VerifiedHistory, query: HistoryQuery) -> impl IntoView {
    let q = StoredValue::new(query.clone());
    let set = move |change: &dyn Fn(&mut HistoryQuery)| {
        let mut next = q.get_value();
        change(&mut next);
        next.day = None;
        go(&Route::History(next));
    };
    let services: Vec<(String, String)> = verified
        .history
        .services
        .iter()
        .map(|s| (s.id.clone(), s.name.clone()))
        .collect();
    let service_options = services
        .into_iter()
        .map(|(id, name)| {
            let selected = query.service.as_deref() == Some(id.as_str());
            view! { <option value=id selected=selected>{name}</option> }
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
        view! { <option value=s.as_str() selected=selected>{status_label(s)} " or worse"</option> }
    })
    .collect_view();
    let date_value = |d: Option<Date>| d.map(format_date).unwrap_or_default();
    view! {
        <form class="filters" data-testid="history-filters" on:submit=|ev| ev.prevent_default()>
            <label>
                "Service "
                <select
                    data-testid="filter-service"
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        set(&|q| q.service = (!v.is_empty()).then(|| v.clone()));
                    }
                >
                    <option value="">"All services"</option>
                    {service_options}
                </select>
            </label>
            <label>
                "Severity "
                <select
                    data-testid="filter-impact"
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        set(&|q| q.impact = Status::ALL.into_iter().find(|s| s.as_str() == v));
                    }
                >
                    <option value="">"Any"</option>
                    {impact_options}
                </select>
            </label>
            <label>
                "From "
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
                "To "
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
            <a href=href(&Route::History(HistoryQuery::default()))>"Clear filters"</a>
        </form>
    }
}

/// The filter the query asks for: dates are whole KST days.
pub fn incident_filter(query: &HistoryQuery) -> IncidentFilter {
    IncidentFilter {
        service: query.service.clone(),
        min_impact: query.impact,
        from: query.from.map(kst_start),
        to: query.to.and_then(|d| d.next_day()).map(kst_start),
    }
}

#[component]
fn IncidentList(
    verified: VerifiedHistory,
    query: HistoryQuery,
    now: OffsetDateTime,
) -> impl IntoView {
    let h = verified.history.clone();
    let incidents = filter_incidents(&h, &incident_filter(&query), now);
    let count = incidents.len();
    let items = incidents
        .into_iter()
        .map(|i| {
            let window = h.impact_window(i, now);
            let services = h
                .service_impacts(i, now)
                .into_iter()
                .map(|s| s.name)
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
                                " · " <strong data-testid="incident-duration">{duration_text((end - start).whole_minutes())}</strong>
                            }.into_any(),
                            None => view! { <strong>"ongoing"</strong> }.into_any(),
                        }}
                    </p>
                }
            });
            view! {
                <li class="history-incident" data-testid="history-incident" data-incident-id=i.id.clone()>
                    <header>
                        <a href=href(&Route::Incident(i.id.clone())) class="incident-title">{i.title.clone()}</a>
                        <StatusBadge status=i.impact />
                        <span class="state">{incident_state_label(i.state())}</span>
                    </header>
                    {span}
                    <p class="affected">"Affected: " {services}</p>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="incident-list" aria-labelledby="incident-list-heading">
            <h3 id="incident-list-heading">
                {format!("{count} incident{}", if count == 1 { "" } else { "s" })}
            </h3>
            {(count == 0).then(|| view! { <p class="notice">"No incident matches these filters."</p> })}
            <ol class="history-incidents">{items}</ol>
        </section>
    }
}
