//! What the history check found: shown on every page when it is bad news,
//! and in full on the history pages.

use bongsu_core::log::{FeedAgreement, FeedConflict};
use leptos::prelude::*;

use super::download::DownloadLink;
use crate::error_text::{feed_conflict, fetch_error};
use crate::format::kst;
use crate::i18n::{keys, t, t_string, td_string, use_i18n, Locale, Part};
use crate::route::{href, HistoryQuery, Route};
use crate::stores::checkpoints::LogHead;
use crate::stores::history::{HistoryProblem, HistoryStore, RegionLog};
use crate::stores::saved_checkpoint::RewriteEvidence;

fn problem_text(locale: Locale, problem: HistoryProblem) -> &'static str {
    match problem {
        HistoryProblem::LogNotKept => td_string!(locale, history.no_log_key),
        HistoryProblem::CheckpointsInvalid => td_string!(locale, history.no_checkpoint),
        HistoryProblem::EntriesMismatch => td_string!(locale, history.no_entries),
    }
}

/// Loud and on every page: the history was rewritten, regions disagree on
/// it, or the live status contradicts it.
#[component]
pub fn HistoryAlarms(
    /// Evidence that the history was rewritten since this device saw it.
    rewrite: RwSignal<Option<RewriteEvidence>>,
    /// The regions that show different histories.
    split: Signal<Vec<String>>,
    /// How the live status contradicts the history.
    conflict: Signal<Option<FeedConflict>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let rewrite = move || {
        let locale = i18n.get_locale();
        rewrite.get().map(|e| {
            let json = serde_json::to_string_pretty(&e).unwrap_or_default();
            let noticed = bongsu_core::text::rfc3339::parse(&e.observed_at)
                .map(|at| kst(locale, at))
                .unwrap_or_else(|| e.observed_at.clone());
            view! {
                <section class="evidence" role="alert" data-testid="history-rewritten" aria-labelledby="rewrite-heading">
                    <h2 id="rewrite-heading">{t!(i18n, history.rewritten_heading)}</h2>
                    <p>{td_string!(locale, history.rewritten_text, region = e.served_by.clone(), when = noticed)}</p>
                    <p>
                        {t!(i18n, history.rewritten_found)} " "
                        <code lang="en" class="tech">{e.message.clone()}</code>
                    </p>
                    <p>{t!(i18n, history.rewritten_kept)}</p>
                    <div class="checkpoints">
                        <figure>
                            <figcaption>{t!(i18n, history.seen_before)}</figcaption>
                            <pre data-testid="rewrite-remembered" tabindex="0">{e.remembered.clone()}</pre>
                        </figure>
                        <figure>
                            <figcaption>{t!(i18n, history.served_now)}</figcaption>
                            <pre data-testid="rewrite-served" tabindex="0">{e.served.clone()}</pre>
                        </figure>
                    </div>
                    <DownloadLink
                        label=Signal::derive(move || t_string!(i18n, history.download_checkpoints).to_string())
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
        let locale = i18n.get_locale();
        let split = split.get();
        (!split.is_empty()).then(|| {
            view! {
                <section class="evidence" role="alert" data-testid="history-split">
                    <h2>{t!(i18n, history.split_heading)}</h2>
                    <p>{td_string!(locale, history.split_text, regions = split.join(", "))}</p>
                </section>
            }
        })
    };
    let feed_conflict = move || {
        let conflict = conflict.get()?;
        let worded = feed_conflict(i18n.get_locale(), &conflict);
        Some(view! {
            <section class="evidence" role="alert" data-testid="history-feed-conflict">
                <h2>{t!(i18n, history.conflict_heading)}</h2>
                <p>
                    {worded.text}
                    {worded.detail.map(|d| view! { " " <code lang="en" class="tech">{d}</code> })}
                </p>
            </section>
        })
    };
    view! { {rewrite} {split} {feed_conflict} }
}

/// One line on the status page: the history log's signed and cosigned
/// size, whether the live status commits to it, and a link to the pages
/// that verify every entry.
#[component]
pub fn HistorySummary(head: LogHead) -> impl IntoView {
    let i18n = use_i18n();
    let line = move || {
        let locale = i18n.get_locale();
        match (head.newest(), head.problem.get()) {
            (Some(c), _) => {
                let mut line = if c.cosigned.len() == 1 {
                    td_string!(locale, history.summary_events_one, size = c.size)
                } else {
                    td_string!(
                        locale,
                        history.summary_events,
                        size = c.size,
                        n = c.cosigned.len()
                    )
                };
                let live = match head.feed_check.get() {
                    Some(Ok(FeedAgreement::Agrees { .. })) => {
                        Some(td_string!(locale, history.summary_agrees))
                    }
                    Some(Ok(FeedAgreement::LogBehind { .. })) => {
                        Some(td_string!(locale, history.summary_behind))
                    }
                    _ => None,
                };
                if let Some(live) = live {
                    line.push(' ');
                    line.push_str(live);
                }
                line
            }
            (None, Some(problem)) => td_string!(
                locale,
                history.summary_unavailable,
                why = problem_text(locale, problem)
            ),
            (None, None) => td_string!(locale, history.summary_checking).to_string(),
        }
    };
    view! {
        <p class="history-summary" data-testid="history-summary">
            {line} " "
            <a href=href(&Route::History(HistoryQuery::default())) data-testid="history-link">{t!(i18n, history.summary_link)}</a>
        </p>
    }
}

/// The history pages' account of what was verified and how.
#[component]
pub fn HistoryProof(history: HistoryStore) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        let locale = i18n.get_locale();
        let regions = history.regions.get();
        let region_lines = regions
            .into_iter()
            .map(|(id, outcome)| {
                let (text, detail) = match outcome {
                    RegionLog::Consistent { size } => (
                        td_string!(locale, history.region_consistent, size = size),
                        None,
                    ),
                    RegionLog::Split { size } => {
                        (td_string!(locale, history.region_split, size = size), None)
                    }
                    RegionLog::Unchecked { size } => (
                        td_string!(locale, history.region_unchecked, size = size),
                        None,
                    ),
                    RegionLog::Invalid(why) => (
                        td_string!(locale, history.region_invalid).to_string(),
                        Some(why),
                    ),
                    RegionLog::Unreachable(why) => (
                        td_string!(
                            locale,
                            history.region_unreachable,
                            why = fetch_error(locale, &why)
                        ),
                        None,
                    ),
                };
                view! {
                    <li data-region=id.clone()>
                        {history.region_name(&id)} ": " {text}
                        {detail.map(|d| view! { " " <code lang="en" class="tech">{d}</code> })}
                    </li>
                }
            })
            .collect_view();
        let verified = history.verified.get().map(|v| {
            let c = &v.checkpoint;
            let witnesses = c
                .cosigned
                .iter()
                .map(|w| w.witness.clone())
                .collect::<Vec<_>>()
                .join(", ");
            // Log names, hashes and witness names are identifiers, not words:
            // marked so that page translators leave them alone.
            let (size, n) = (c.size.to_string(), c.cosigned.len().to_string());
            let (origin, root) = (c.origin.clone(), c.root.to_string());
            let (parts, names) = if c.cosigned.len() == 1 {
                (
                    keys::history::proof_verified_one::parts(locale),
                    keys::history::proof_verified_one::ARGS,
                )
            } else {
                (
                    keys::history::proof_verified::parts(locale),
                    keys::history::proof_verified::ARGS,
                )
            };
            let proven = parts
                .iter()
                .map(|part| match part {
                    Part::Text(text) => text.into_any(),
                    Part::Arg(i) => match names.get(*i).copied() {
                        Some("size") => size.clone().into_any(),
                        Some("n") => n.clone().into_any(),
                        Some("origin") => view! { <code translate="no">{origin.clone()}</code> }.into_any(),
                        Some("root") => view! { <code translate="no">{root.clone()}</code> }.into_any(),
                        _ => view! { <code translate="no">{witnesses.clone()}</code> }.into_any(),
                    },
                })
                .collect_view();
            let live = history.feed_check.get().map(|check| match check {
                Ok(FeedAgreement::Agrees { size }) => {
                    td_string!(locale, history.live_agrees, size = size)
                }
                Ok(FeedAgreement::LogBehind { committed, have }) => td_string!(
                    locale,
                    history.live_behind,
                    committed = committed,
                    have = have
                ),
                Ok(FeedAgreement::NoCommitment) => td_string!(locale, history.live_none).to_string(),
                Ok(FeedAgreement::LogAhead { committed, .. }) => {
                    td_string!(locale, history.live_ahead, committed = committed)
                }
                Err(e) => {
                    let worded = feed_conflict(locale, &e);
                    format!("{} {}", td_string!(locale, history.live_contradicts), worded.text)
                }
            });
            view! {
                <p data-testid="history-verified" class="proven">{proven}</p>
                <p>{live}</p>
                <p>
                    <a href=format!("{}checkpoint", v.log_url) data-testid="checkpoint-link">{t!(i18n, history.checkpoint_link)}</a>
                    " "
                    {td_string!(locale, history.static_files, command = "bongsu audit")}
                </p>
            }
        });
        let problem = history.problem.get().map(|p| {
            view! { <p class="notice error" data-testid="history-problem">{problem_text(locale, p)}</p> }
        });
        let unverified = history.remembered_unverified.get().then(|| {
            view! { <p class="notice" data-testid="remembered-unverified">{t!(i18n, history.remembered_unverified)}</p> }
        });
        view! {
            <section class="history-proof" aria-labelledby="proof-heading">
                <h2 id="proof-heading">{t!(i18n, history.proof_heading)}</h2>
                {verified}
                {problem}
                {unverified}
                <details>
                    <summary>{t!(i18n, history.each_region)}</summary>
                    <ul>{region_lines}</ul>
                </details>
            </section>
        }
    }
}

/// Shown until the history is verified or has failed: on a long first
/// load (a large log, a slow network), how many of the log's bundles are
/// verified so far.
#[component]
pub fn HistoryLoading(history: HistoryStore) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        (history.verified.with(Option::is_none) && history.problem.with(Option::is_none)).then(
            || {
                let progress = move || {
                    history.progress.get().filter(|p| p.of > 1).map(|p| {
                        let said = t_string!(i18n, history.progress, done = p.done, of = p.of);
                        view! {
                            <progress
                                max=p.of
                                value=p.done
                                aria-label=said.clone()
                                data-testid="history-progress"
                            ></progress>
                            <span class="progress-said">{said}</span>
                        }
                    })
                };
                view! {
                    <div class="notice history-loading" role="status">
                        <p>{t!(i18n, history.loading)}</p>
                        {progress}
                    </div>
                }
            },
        )
    }
}
