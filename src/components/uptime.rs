//! Per-service uptime: the 90-day bar strip (one bar per KST day, coloured
//! and labelled by the day's worst status) with per-day drill-down, and the
//! uptime percentage over a chosen period.

use bongsu_core::log::{daily_bars, uptime, DayBar, ServiceHistory};
use bongsu_core::text::markup::escape;
use leptos::prelude::*;
use time::macros::offset;
use time::{Duration, OffsetDateTime};

use super::said::said;
use super::{Said, When};
use crate::format::{day, duration, percent, status_label};
use crate::format::{kst_start, kst_today};
use crate::i18n::{t, td_string, use_i18n, Locale};
use crate::route::{format_date, go, href, parse_date, HistoryQuery, Route};
use crate::stores::history::VerifiedHistory;

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
    let i18n = use_i18n();
    let period = move || {
        let l = i18n.get_locale();
        td_string!(
            l,
            uptime.period,
            from = day(l, from.to_offset(offset!(+9)).date()),
            to = day(l, (to - Duration::SECOND).to_offset(offset!(+9)).date())
        )
    };
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
            <h3 id="uptime-heading">{move || { let l = i18n.get_locale(); td_string!(l, uptime.heading, day = day(l, end)) }}</h3>
            <p class="uptime-controls">
                <a href=shift(-i64::from(DAYS)) data-testid="uptime-earlier" class="button-link">{t!(i18n, uptime.earlier)}</a>
                <label>
                    {t!(i18n, uptime.last_day)} " "
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
                <a href=shift(i64::from(DAYS)) data-testid="uptime-later" class="button-link">{t!(i18n, uptime.later)}</a>
            </p>
            <p class="uptime-period" data-testid="uptime-period">{period}</p>
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
                            <span class="swatch"></span>{move || status_label(i18n.get_locale(), s)}
                        </span>
                    })
                    .collect_view()}
                <span class="legend-item no-data"><span class="swatch"></span>{t!(i18n, uptime.not_listed)}</span>
            </p>
        </section>
    }
}

fn bar_label(locale: Locale, bar: &DayBar) -> String {
    let date = day(locale, bar.date);
    match bar.worst {
        None => td_string!(locale, uptime.bar_not_listed, day = date),
        Some(worst) if bar.down.is_zero() => td_string!(
            locale,
            uptime.bar_status,
            day = date,
            status = status_label(locale, worst)
        ),
        Some(worst) => td_string!(
            locale,
            uptime.bar_down,
            day = date,
            status = status_label(locale, worst),
            duration = duration(locale, bar.down.whole_minutes().max(1))
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
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let listed = service.listed_at;
    let since = (listed > period_start).then_some({
        move || {
            let l = i18n.get_locale();
            format!(
                " {}",
                td_string!(
                    l,
                    uptime.listed_since,
                    day = day(l, listed.to_offset(offset!(+9)).date())
                )
            )
        }
    });
    // The bars are a picture (too narrow to be touch targets, WCAG 2.5.8):
    // clicking one opens its day, and the day chooser below them does the
    // same for keyboards, screen readers and fingers.
    let id = service.id.clone();
    let day_route = {
        let (id, query, open_date) = (id.clone(), query.clone(), open.as_ref().map(|o| o.date));
        move |date: time::Date| {
            let mut q = query.clone();
            q.day = (open_date != Some(date)).then(|| (id.clone(), date));
            Route::History(q)
        }
    };
    // The strip is 90 elements per service, 4,500 for 50: written as
    // markup in one step, not element by element from wasm (which took
    // most of a returning visit's 240 ms of drawing on this 2-core machine).
    let labels: Vec<String> = bars
        .iter()
        .map(|bar| escape(&bar_label(locale, bar)))
        .collect();
    let open_date = open.as_ref().map(|o| o.date);
    let strip: String = bars
        .iter()
        .zip(&labels)
        .map(|(bar, label)| {
            let class = match bar.worst {
                Some(s) => format!("status-{}", s.as_str()),
                None => "no-data".to_owned(),
            };
            format!(
                r#"<span class="bar {class}" title="{label}" data-open="{}" data-date="{}" data-status="{}"></span>"#,
                open_date == Some(bar.date),
                format_date(bar.date),
                bar.worst.map_or("none", |s| s.as_str()),
            )
        })
        .collect();
    let on_strip_click = {
        let day_route = day_route.clone();
        move |event: leptos::ev::MouseEvent| {
            use wasm_bindgen::JsCast;
            let date = event
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|el| el.get_attribute("data-date"))
                .and_then(|d| parse_date(&d));
            if let Some(date) = date {
                go(&day_route(date));
            }
        }
    };
    // The chooser's 91 options are written when it is first focused (a
    // click, a tap, a Tab: before it opens): 4,550 options for 50 services
    // cost about 100 ms of style and layout on every visit otherwise.
    // Until then it holds "no day" and the open day, if any.
    let selected = |yes: bool| if yes { " selected" } else { "" };
    let option = |value: &str, yes: bool, label: &str| {
        format!(
            r#"<option value="{value}"{}>{label}</option>"#,
            selected(yes)
        )
    };
    let no_day = option(
        "",
        open_date.is_none(),
        &escape(td_string!(locale, uptime.no_day)),
    );
    let days: Vec<(String, String)> = bars
        .iter()
        .zip(labels)
        .rev()
        .map(|(bar, label)| (format_date(bar.date), label))
        .collect();
    let open_value = open_date.map(format_date);
    let is_open = |value: &String| Some(value) == open_value.as_ref();
    let shown_choices: String = std::iter::once(no_day.clone())
        .chain(
            days.iter()
                .filter(|(value, _)| is_open(value))
                .map(|(value, label)| option(value, true, label)),
        )
        .collect();
    let all_choices = StoredValue::new(Some(
        std::iter::once(no_day)
            .chain(
                days.iter()
                    .map(|(value, label)| option(value, is_open(value), label)),
            )
            .collect::<String>(),
    ));
    let fill = move |event: leptos::ev::FocusEvent| {
        use wasm_bindgen::JsCast;
        let select = event
            .current_target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok());
        if let (Some(select), Some(all)) =
            (select, all_choices.try_update_value(Option::take).flatten())
        {
            select.set_inner_html(&all);
        }
    };
    let chooser_id = format!("day-{}", service.id);
    let on_choose = move |event: leptos::ev::Event| {
        let value = event_target_value(&event);
        match parse_date(&value) {
            Some(date) => go(&day_route(date)),
            // "No day": close the one that is open.
            None => {
                let mut q = query.clone();
                q.day = None;
                go(&Route::History(q));
            }
        }
    };
    let drill = open.map(|bar| {
        let spans = bar
            .spans
            .iter()
            .map(|span| {
                view! {
                    <li class=format!("status-{}", span.status.as_str())>
                        <span class="symbol" aria-hidden="true">{span.status.symbol()}</span>
                        " " <strong>{status_label(locale, span.status)}</strong> " "
                        <When at=span.start /> " – " <When at=span.end />
                        " (" {duration(locale, (span.end - span.start).whole_minutes())} ")"
                    </li>
                }
            })
            .collect_view();
        view! {
            <div class="drill-down" data-testid="uptime-drill-down" data-date=format_date(bar.date)>
                <h4><Said text=service.name.clone() /> ", " {td_string!(locale, time.kst_day, day = day(locale, bar.date))}</h4>
                <ul>{spans}</ul>
            </div>
        }
    });
    view! {
        <li class="uptime-row" data-testid="uptime-row" data-service=service.id.clone()>
            <div class="uptime-head">
                <span class="name"><Said text=service.name.clone() /></span>
                <span class="share" data-testid="uptime-share">
                    {move || match share {
                        Some(s) => td_string!(i18n.get_locale(), uptime.share, percent = percent(s)),
                        None => td_string!(i18n.get_locale(), uptime.no_data).to_string(),
                    }}
                    {since}
                </span>
            </div>
            <div
                class="bars"
                role="img"
                aria-label=td_string!(locale, uptime.bars_label, service = said(locale, &service.name))
                on:click=on_strip_click
                inner_html=strip
            ></div>
            <div class="day-chooser">
                <label for=chooser_id.clone()>{td_string!(locale, uptime.choose_day, service = said(locale, &service.name))}</label>
                <select id=chooser_id data-testid="uptime-day" on:focus=fill on:change=on_choose inner_html=shown_choices></select>
            </div>
            {drill}
        </li>
    }
}
