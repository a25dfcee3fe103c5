use bongsu_core::{region_state, AppConfig, RegionOutcome, RegionState};
use leptos::prelude::*;
use time::OffsetDateTime;

use crate::format::ago;
use crate::poller::{RegionReport, StatusStore};

/// One line per region: did it answer, and was what it said genuine?
#[component]
pub fn Regions(
    store: StatusStore,
    config: AppConfig,
    now: RwSignal<OffsetDateTime>,
) -> impl IntoView {
    let names: Vec<String> = config.regions.iter().map(|r| r.name.clone()).collect();
    let ids: Vec<String> = config.regions.iter().map(|r| r.id.clone()).collect();
    view! {
        <section class="regions" aria-labelledby="regions-heading">
            <h2 id="regions-heading">"Regions"</h2>
            <p class="hint">"Each region serves a copy of the signed status. Copies that fail verification are never shown."</p>
            <ul class="region-list">
                {move || {
                    let reports = store.regions.get();
                    let now = now.get();
                    store.shown.with(|shown| {
                        reports
                            .iter()
                            .enumerate()
                            .map(|(i, report)| {
                                let state = region_state(&report.effective_outcome(), shown.as_ref(), now);
                                let detail = describe(state, report, now);
                                view! {
                                    <li
                                        class=format!("region region-{}", state.as_str())
                                        data-testid="region"
                                        data-region-id=ids.get(i).cloned().unwrap_or_default()
                                        data-state=state.as_str()
                                    >
                                        <span class="symbol" aria-hidden="true">{symbol(state)}</span>
                                        <span class="region-name">{names.get(i).cloned().unwrap_or_default()}</span>
                                        <span class="region-detail">{detail}</span>
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

fn describe(state: RegionState, report: &RegionReport, now: OffsetDateTime) -> String {
    let when = report
        .checked_at
        .map(|t| format!(" · checked {}", ago(t, now)))
        .unwrap_or_default();
    let took = report
        .took_ms
        .map(|ms| format!(" · {ms} ms"))
        .unwrap_or_default();
    let retry = report
        .retry_at_ms
        .map(|at| {
            let secs = ((at - js_sys::Date::now()) / 1000.0).ceil().max(0.0);
            format!(" · next try in {secs} s")
        })
        .unwrap_or_default();
    let body = match (&report.effective_outcome(), state) {
        (RegionOutcome::Pending, _) => "Checking…".to_owned(),
        (RegionOutcome::Unreachable(why), _) => format!("Unreachable: {why}"),
        (RegionOutcome::Invalid(why), _) => format!("Rejected, not shown: {why}"),
        (RegionOutcome::BadKeys(why), _) => {
            format!("Distrusted: its key chain does not verify: {why}")
        }
        (RegionOutcome::Verified(feed), RegionState::Expired) => format!(
            "Serving an expired copy (#{}, expired {}); not shown as current",
            feed.seq,
            ago(feed.expires_at, now)
        ),
        (RegionOutcome::Verified(feed), RegionState::Behind) => {
            format!("Serving an older copy (#{}); the newer one is shown", feed.seq)
        }
        (RegionOutcome::Verified(feed), RegionState::Conflicting) => format!(
            "Serving a different copy with the same number (#{}): the signing key signed two versions",
            feed.seq
        ),
        (RegionOutcome::Verified(feed), _) => format!("Verified copy #{}", feed.seq),
    };
    format!("{body}{took}{when}{retry}")
}
