//! What the history check found: shown on every page when it is bad news,
//! and in full on the history pages.

use bongsu_core::log_audit::FeedAgreement;
use leptos::prelude::*;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::download::DownloadLink;
use crate::format::kst;
use crate::history_store::{HistoryStore, RegionLog};
use crate::route::{href, HistoryQuery, Route};

/// Loud and on every page: the history was rewritten, regions disagree on
/// it, or the live status contradicts it.
#[component]
pub fn HistoryAlarms(history: HistoryStore) -> impl IntoView {
    let rewrite = move || {
        history.rewrite.get().map(|e| {
            let json = serde_json::to_string_pretty(&e).unwrap_or_default();
            let noticed = OffsetDateTime::parse(&e.observed_at, &Rfc3339)
                .map(kst)
                .unwrap_or_else(|_| e.observed_at.clone());
            view! {
                <section class="evidence" role="alert" data-testid="history-rewritten" aria-labelledby="rewrite-heading">
                    <h2 id="rewrite-heading">"The history has been rewritten"</h2>
                    <p>
                        "This device verified the history log earlier. The log served now ("
                        {e.served_by.clone()} ", noticed " {noticed}
                        ") is validly signed but does not extend it: past entries were changed or removed. "
                        "What the check found: " {e.message.clone()} "."
                    </p>
                    <p>"Both signed checkpoints are kept; anyone can check them against the published keys."</p>
                    <div class="checkpoints">
                        <figure>
                            <figcaption>"Seen before"</figcaption>
                            <pre data-testid="rewrite-remembered">{e.remembered.clone()}</pre>
                        </figure>
                        <figure>
                            <figcaption>"Served now"</figcaption>
                            <pre data-testid="rewrite-served">{e.served.clone()}</pre>
                        </figure>
                    </div>
                    <DownloadLink
                        label="Download both checkpoints"
                        file="bongsu-history-rewrite.json".to_owned()
                        mime="application/json"
                        content=move || json.clone()
                        testid="rewrite-download"
                    />
                </section>
            }
        })
    };
    let split = move || {
        history.regions.with(|regions| {
            let split: Vec<String> = regions
                .iter()
                .filter(|(_, o)| matches!(o, RegionLog::Split { .. }))
                .map(|(id, _)| id.clone())
                .collect();
            (!split.is_empty()).then(|| {
                view! {
                    <section class="evidence" role="alert" data-testid="history-split">
                        <h2>"Regions show different histories"</h2>
                        <p>
                            "The history log served by " {split.join(", ")}
                            " is validly signed but is not part of the history shown here. "
                            "The operator has shown different people different pasts."
                        </p>
                    </section>
                }
            })
        })
    };
    let feed_conflict = move || {
        let conflict = history.feed_check.get()?.err()?;
        Some(view! {
            <section class="evidence" role="alert" data-testid="history-feed-conflict">
                <h2>"The live status and the history disagree"</h2>
                <p>{conflict.to_string()}</p>
            </section>
        })
    };
    view! { {rewrite} {split} {feed_conflict} }
}

/// One line on the status page: how much history is verified, and a link.
#[component]
pub fn HistorySummary(history: HistoryStore) -> impl IntoView {
    let line = move || match (history.verified.get(), history.problem.get()) {
        (Some(v), _) => {
            let c = &v.log.checkpoint;
            let live = match history.feed_check.get() {
                Some(Ok(FeedAgreement::Agrees { .. })) => " The live status matches it.",
                Some(Ok(FeedAgreement::LogBehind { .. })) => {
                    " The live status is newer; the history is catching up."
                }
                _ => "",
            };
            format!(
                "History: {} events verified, cosigned by {} witness{}.{live}",
                c.size,
                c.cosigned.len(),
                if c.cosigned.len() == 1 { "" } else { "es" }
            )
        }
        (None, Some(problem)) => format!("History unavailable: {problem}"),
        (None, None) => "Checking the history…".to_owned(),
    };
    view! {
        <p class="history-summary" data-testid="history-summary">
            {line} " "
            <a href=href(&Route::History(HistoryQuery::default())) data-testid="history-link">"Incident history and uptime →"</a>
        </p>
    }
}

/// The history pages' account of what was verified and how.
#[component]
pub fn HistoryProof(history: HistoryStore) -> impl IntoView {
    move || {
        let regions = history.regions.get();
        let region_lines = regions
            .into_iter()
            .map(|(id, outcome)| {
                let text = match outcome {
                    RegionLog::Consistent { size } => format!("consistent ({size} entries)"),
                    RegionLog::Split { size } => format!("a different history ({size} entries)"),
                    RegionLog::Unchecked { size } => {
                        format!("claims {size} entries, which could not be read")
                    }
                    RegionLog::Invalid(why) => format!("rejected: {why}"),
                    RegionLog::Unreachable(why) => format!("unreachable: {why}"),
                };
                view! { <li data-region=id.clone()>{id.clone()} ": " {text}</li> }
            })
            .collect_view();
        let verified = history.verified.get().map(|v| {
            let c = &v.log.checkpoint;
            let witnesses = c
                .cosigned
                .iter()
                .map(|w| w.witness.clone())
                .collect::<Vec<_>>()
                .join(", ");
            let live = history.feed_check.get().map(|check| match check {
                Ok(FeedAgreement::Agrees { size }) => format!(
                    "The live status commits to the first {size} entries, and shows exactly what they declare."
                ),
                Ok(FeedAgreement::LogBehind { committed, have }) => format!(
                    "The live status commits to {committed} entries; the regions' copies have {have} so far."
                ),
                Ok(FeedAgreement::NoCommitment) => "The live status does not commit to the history.".to_owned(),
                Err(e) => format!("The live status contradicts the history: {e}."),
            });
            view! {
                <p data-testid="history-verified">
                    "Verified in your browser: all " <strong>{c.size.to_string()}</strong>
                    " events of the log " <code>{c.origin.clone()}</code>
                    " hash to the signed root " <code class="hash">{c.root.to_string()}</code>
                    ", cosigned by " {c.cosigned.len().to_string()} " independent witness"
                    {if c.cosigned.len() == 1 { "" } else { "es" }} " (" {witnesses} "). "
                    "Every event shown below is one of them."
                </p>
                <p>{live}</p>
                <p>
                    <a href=format!("{}checkpoint", v.log_url) data-testid="checkpoint-link">"The signed checkpoint"</a>
                    " and the entries are static files any mirror can keep; "
                    <code>"bongsu audit"</code> " verifies them without a browser."
                </p>
            }
        });
        let problem = history
            .problem
            .get()
            .map(|p| view! { <p class="notice error" data-testid="history-problem">{p}</p> });
        view! {
            <section class="history-proof" aria-labelledby="proof-heading">
                <h2 id="proof-heading">"How this history is proven"</h2>
                {verified}
                {problem}
                <details>
                    <summary>"Each region's copy"</summary>
                    <ul>{region_lines}</ul>
                </details>
            </section>
        }
    }
}

/// Shown until the history is verified or has failed.
#[component]
pub fn HistoryLoading(history: HistoryStore) -> impl IntoView {
    move || {
        (history.verified.with(Option::is_none) && history.problem.with(Option::is_none))
            .then(|| view! { <p class="notice">"Fetching and verifying the history log…"</p> })
    }
}
