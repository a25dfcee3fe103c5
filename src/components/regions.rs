//! One line per region: whether it answered, whether its copy was genuine, its probe.

use bongsu_core::{region_state, AppConfig, RegionOutcome, RegionState};
use leptos::prelude::*;
use time::OffsetDateTime;

use super::measured::{line, Line};
use crate::error_text::{feed_error, fetch_error, Worded};
use crate::format::ago;
use crate::i18n::{t, td_string, use_i18n, Locale};
use crate::stores::status::{RegionReport, StatusStore};

/// One line per region: did it answer, and was what it said genuine? And,
/// where regions run probes, whether its probe's observation counts.
#[component]
pub fn Regions(
    store: StatusStore,
    /// Each region's probe line, in config order (none when no region probes).
    probe_lines: Signal<Vec<Line>>,
    config: AppConfig,
    now: RwSignal<OffsetDateTime>,
) -> impl IntoView {
    let names: Vec<String> = config.regions.iter().map(|r| r.name.clone()).collect();
    let ids: Vec<String> = config.regions.iter().map(|r| r.id.clone()).collect();
    let i18n = use_i18n();
    view! {
        <section class="regions" aria-labelledby="regions-heading">
            <h2 id="regions-heading">{t!(i18n, regions.heading)}</h2>
            <p class="hint">{t!(i18n, regions.hint)}</p>
            <ul class="region-list">
                {move || {
                    let reports = store.regions.get();
                    let mut probe_lines = probe_lines.get().into_iter();
                    let now = now.get();
                    let locale = i18n.get_locale();
                    store.shown.with(|shown| {
                        reports
                            .iter()
                            .enumerate()
                            .map(|(i, report)| {
                                let state = region_state(&report.effective_outcome(), shown.as_ref(), now);
                                let Worded { text, detail } = describe(locale, state, report, now);
                                let probe = probe_lines.next().map(line);
                                view! {
                                    <li
                                        class=format!("region region-{}", state.as_str())
                                        data-testid="region"
                                        data-region-id=ids.get(i).cloned().unwrap_or_default()
                                        data-state=state.as_str()
                                    >
                                        <span class="symbol" aria-hidden="true">{symbol(state)}</span>
                                        <span class="region-name">{names.get(i).cloned().unwrap_or_default()}</span>
                                        <span class="region-detail">
                                            {text}
                                            {detail.map(|d| view! { " " <code lang="en" class="tech">{d}</code> })}
                                        </span>
                                        {probe}
                                    </li>
                                }
                            })
                            .collect_view()
                    })
                }}
            </ul>
        </section>
    }
}

fn symbol(state: RegionState) -> &'static str {
    match state {
        RegionState::Pending => "…",
        RegionState::Valid => "✓",
        RegionState::Behind | RegionState::Expired => "↺",
        RegionState::Conflicting | RegionState::Invalid => "⚠",
        RegionState::Unreachable => "✕",
    }
}

fn describe(
    locale: Locale,
    state: RegionState,
    report: &RegionReport,
    now: OffsetDateTime,
) -> Worded {
    let mut notes: Vec<String> = Vec::new();
    if let Some(ms) = report.took_ms {
        notes.push(td_string!(locale, regions.took, ms = ms));
    }
    if let Some(t) = report.checked_at {
        notes.push(td_string!(
            locale,
            regions.checked,
            ago = ago(locale, t, now)
        ));
    }
    if let Some(at) = report.retry_at_ms {
        let secs = ((at - js_sys::Date::now()) / 1000.0).ceil().max(0.0) as u64;
        notes.push(td_string!(locale, regions.retry, s = secs));
    }
    let mut detail = None;
    let body = match (&report.effective_outcome(), state) {
        (RegionOutcome::Pending, _) => td_string!(locale, regions.checking).to_string(),
        (RegionOutcome::Unreachable(why), _) => {
            td_string!(locale, regions.unreachable, why = fetch_error(locale, why))
        }
        (RegionOutcome::Invalid(why), _) => {
            let worded = feed_error(locale, why);
            detail = worded.detail;
            td_string!(locale, regions.rejected, why = worded.text)
        }
        (RegionOutcome::BadKeys(why), _) => {
            detail = Some(why.to_string());
            td_string!(locale, regions.distrusted).to_string()
        }
        (RegionOutcome::Verified(feed), RegionState::Expired) => td_string!(
            locale,
            regions.expired_copy,
            seq = feed.seq,
            ago = ago(locale, feed.expires_at, now)
        ),
        (RegionOutcome::Verified(feed), RegionState::Behind) => {
            td_string!(locale, regions.older_copy, seq = feed.seq)
        }
        (RegionOutcome::Verified(feed), RegionState::Conflicting) => {
            td_string!(locale, regions.conflicting_copy, seq = feed.seq)
        }
        (RegionOutcome::Verified(feed), _) => {
            td_string!(locale, regions.verified_copy, seq = feed.seq)
        }
    };
    let text = std::iter::once(body)
        .chain(notes)
        .collect::<Vec<_>>()
        .join(" · ");
    Worded { text, detail }
}
