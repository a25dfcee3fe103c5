//! Per-service uptime: the 90-day bar strip (one bar per KST day, coloured
//! and labelled by the day's worst status) with per-day drill-down, and the
//! uptime percentage over a chosen period.

use bongsu_core::export::duration_text;
use bongsu_core::history::{daily_bars, uptime, DayBar, ServiceHistory};
use leptos::prelude::*;
use time::macros::offset;
use time::{Duration, OffsetDateTime};

use super::history_page::{kst_start, kst_today};
use super::When;
use crate::format::{day, percent, status_label, status_symbol};
use crate::history_store::VerifiedHistory;
use crate::route::{format_date, go, href, parse_date, HistoryQuery, Route};

pub const DAYS: u16 = 90;

#[component]
pub fn Uptime(
    verified: VerifiedHistory,
    query: HistoryQuery,
    now: OffsetDateTime,
) -> impl IntoView {
    let end = query.end.unwrap_or_else(|| kst_today(now));
    let first = end - Duration::days(i64::from(DAYS) - 1);
    // The period for the percentage: the filter's dates if both are set,
    // else the strip's 90 days; never past now.
    let (from, to) = match (query.from, query.to) {
        (Some(f), Some(t)) if f <= t => (kst_start(f), kst_start(t + Duration::DAY)),
        _ => (kst_start(first), kst_start(end + Duration::DAY)),
    };
    let to = to.min(now);
    let period = format!(
        "{} – {}",
        day(from.to_offset(offset!(+9)).date()),
        day((to - Duration::SECOND).to_offset(offset!(+9)).date())
    );
    let services: Vec<ServiceHistory> = verified
        .history
        .services
        .iter()
        .filter(|s| query.service.as_ref().is_none_or(|id| *id == s.id))
        .cloned()
        .collect();
    let q = StoredValue::new(query.clone());
    let shift = move |days: i64| {
        let mut next = q.get_value();
        next.end = Some(end + Duration::days(days));
        next.day = None;
        href(&Route::History(next))
    };
    let rows = services
        .into_iter()
        .map(|s| {
            let bars = daily_bars(&s, end, DAYS, offset!(+9));
            let share = uptime(&s, from, to);
            let open = query
                .day
                .as_ref()
                .filter(|(id, _)| *id == s.id)
                .and_then(|(_, d)| bars.iter().find(|b| b.date == *d).cloned());
            view! {
                <ServiceUptime service=s.clone() bars share open query=query.clone() period_start=from />
            }
        })
        .collect_view();
    view! {
        <section class="uptime" aria-labelledby="uptime-heading">
            <h3 id="uptime-heading">"Uptime, 90 days to " {day(end)}</h3>
            <p class="uptime-controls">
                <a href=shift(-i64::from(DAYS)) data-testid="uptime-earlier">"← 90 days earlier"</a>
                <label>
                    " Last day "
                    <input
                        type="date"
                        data-testid="uptime-end"
                        value=format_date(end)
                        on:change=move |ev| {
                            if let Some(d) = parse_date(&event_target_value(&ev)) {
                                let mut next = q.get_value();
                                next.end = Some(d);
                                next.day = None;
                                go(&Route::History(next));
                            }
                        }
                    />
                </label>
                " "
                <a href=shift(i64::from(DAYS)) data-testid="uptime-later">"90 days later →"</a>
            </p>
            <p class="uptime-period" data-testid="uptime-period">
                "Uptime percentages cover " {period}
                " (KST). Partial and major outages count as down; degraded performance and maintenance do not."
            </p>
            <ul class="uptime-rows">{rows}</ul>
            <p class="legend" aria-hidden="true">
                {[
                    bongsu_core::Status::Operational,
                    bongsu_core::Status::DegradedPerformance,
                    bongsu_core::Status::PartialOutage,
                    bongsu_core::Status::MajorOutage,
                ]
                    .into_iter()
                    .map(|s| view! {
                        <span class=format!("legend-item status-{}", s.as_str())>
                            <span class="swatch"></span>{status_label(s)}
                        </span>
                    })
                    .collect_view()}
                <span class="legend-item no-data"><span class="swatch"></span>"Not listed"</span>
            </p>
        </section>
    }
}

fn bar_label(bar: &DayBar) -> String {
    match bar.worst {
        None => format!("{}: not listed", day(bar.date)),
        Some(worst) if bar.down.is_zero() => format!("{}: {}", day(bar.date), status_label(worst)),
        Some(worst) => format!(
            "{}: {}, down {}",
            day(bar.date),
            status_label(worst),
            duration_text(bar.down.whole_minutes().max(1))
        ),
    }
}

#[component]
fn ServiceUptime(
    service: ServiceHistory,
    bars: Vec<DayBar>,
    share: Option<f64>,
    open: Option<DayBar>,
    query: HistoryQuery,
    period_start: OffsetDateTime,
) -> impl IntoView {
    // Uptime counts only the time a service was listed; say so when that is
    // less than the period.
    let since = (service.listed_at > period_start).then(|| {
        format!(
            " (listed since {})",
            day(service.listed_at.to_offset(offset!(+9)).date())
        )
    });
    let id = service.id.clone();
    let strip = bars
        .iter()
        .map(|bar| {
            let mut q = query.clone();
            let is_open = open.as_ref().is_some_and(|o| o.date == bar.date);
            q.day = (!is_open).then(|| (id.clone(), bar.date));
            let class = match bar.worst {
                Some(s) => format!("bar status-{}", s.as_str()),
                None => "bar no-data".to_owned(),
            };
            let label = bar_label(bar);
            view! {
                <li>
                    <a
                        href=href(&Route::History(q))
                        class=class
                        title=label.clone()
                        aria-label=label
                        aria-expanded=if is_open { "true" } else { "false" }
                        data-date=format_date(bar.date)
                        data-status=bar.worst.map_or("none", |s| s.as_str())
                    ></a>
                </li>
            }
        })
        .collect_view();
    let drill = open.map(|bar| {
        let spans = bar
            .spans
            .iter()
            .map(|span| {
                view! {
                    <li class=format!("status-{}", span.status.as_str())>
                        <span class="symbol" aria-hidden="true">{status_symbol(span.status)}</span>
                        " " <strong>{status_label(span.status)}</strong> " "
                        <When at=span.start /> " – " <When at=span.end />
                        " (" {duration_text((span.end - span.start).whole_minutes())} ")"
                    </li>
                }
            })
            .collect_view();
        view! {
            <div class="drill-down" data-testid="uptime-drill-down" data-date=format_date(bar.date)>
                <h4>{service.name.clone()} ", " {day(bar.date)} " (KST day)"</h4>
                <ul>{spans}</ul>
            </div>
        }
    });
    view! {
        <li class="uptime-row" data-testid="uptime-row" data-service=service.id.clone()>
            <div class="uptime-head">
                <span class="name">{service.name.clone()}</span>
                <span class="share" data-testid="uptime-share">
                    {share.map_or("no data".to_owned(), |s| format!("{} uptime", percent(s)))}
                    {since}
                </span>
            </div>
            <ol class="bars" aria-label=format!("{}: one bar per day", service.name)>{strip}</ol>
            {drill}
        </li>
    }
}
