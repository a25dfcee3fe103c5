//! One incident's permalink page: when it began and ended, how each service
//! was affected, and every update and status change in order, each with the
//! log entry that proves it.

use bongsu_core::log::export::{self, ProofContext};
use bongsu_core::log::{History, IncidentRecord};
use bongsu_core::text::Localized;
use bongsu_core::{IncidentState, Status};
use leptos::prelude::*;
use time::OffsetDateTime;

use crate::components::download::DownloadLink;
use crate::components::exports::proof_context;
use crate::components::history_proof::{HistoryLoading, HistoryProof};
use crate::components::said::said;
use crate::components::{Said, StatusBadge, When};
use crate::format::{duration, incident_state_label, status_label};
use crate::i18n::{t, t_string, td_string, use_i18n, Locale};
use crate::later::HistoryLater;
use crate::route::{href, HistoryQuery, Route};
use crate::stores::history::{HistoryStore, VerifiedHistory};
use bongsu_core::log::{incident_courses, Recovery};

/// One line of the incident's timeline.
#[derive(Debug, Clone, PartialEq)]
enum Line {
    Update {
        at: OffsetDateTime,
        state: IncidentState,
        message: Localized,
        sources: Option<String>,
        entry: u64,
    },
    Change {
        at: OffsetDateTime,
        what: String,
        status: Status,
        entry: u64,
    },
}

impl Line {
    fn at(&self) -> OffsetDateTime {
        match self {
            Line::Update { at, .. } | Line::Change { at, .. } => *at,
        }
    }

    fn entry(&self) -> u64 {
        match self {
            Line::Update { entry, .. } | Line::Change { entry, .. } => *entry,
        }
    }
}

/// Updates, and status changes of the incident's components within its
/// impact window, oldest first (log order for the same time).
fn timeline(locale: Locale, h: &History, i: &IncidentRecord, now: OffsetDateTime) -> Vec<Line> {
    let mut lines: Vec<Line> = i
        .updates
        .iter()
        .map(|u| Line::Update {
            at: u.at,
            state: u.state,
            message: u.message.clone(),
            sources: u.sources.clone(),
            entry: u.entry,
        })
        .collect();
    if let Some((start, end)) = h.impact_window(i, now) {
        let end = end.unwrap_or(now);
        for s in &h.services {
            for c in &s.components {
                if !i.components.contains(&format!("{}/{}", s.id, c.id)) {
                    continue;
                }
                for change in c.changes.iter().filter(|x| x.at >= start && x.at <= end) {
                    lines.push(Line::Change {
                        at: change.at,
                        what: format!("{}: {}", said(locale, &s.name), said(locale, &c.name)),
                        status: change.status,
                        entry: change.entry,
                    });
                }
            }
        }
    }
    bongsu_core::text::sort::sort_by_key(&mut lines, |l| (l.at(), l.entry()));
    lines
}

#[component]
pub fn IncidentPage(
    history: HistoryStore,
    id: String,
    now: RwSignal<OffsetDateTime>,
    /// The incident's body comes with it (`later.rs`).
    later: ReadSignal<Option<HistoryLater>>,
) -> impl IntoView {
    let id = StoredValue::new(id);
    let i18n = use_i18n();
    // The whole body follows the language: its parts read it untracked.
    let body = move || {
        let _ = i18n.get_locale();
        let verified = history.verified.get()?;
        let found = verified.history.incident(&id.get_value()).is_some();
        Some(if found {
            let as_of = history.as_of(&verified.history, now.get_untracked());
            // The body is the later part's (`later.rs`), asked at once on
            // this page; until it is here, or if it failed, say so.
            (move || match later.get() {
                Some(l) => (l.incident)(verified.clone(), id.get_value(), as_of),
                None => view! {
                    <p class="notice" role="status" data-testid="incident-loading">
                        {t_string!(i18n, incident_page.loading)}
                    </p>
                }
                .into_any(),
            })
            .into_any()
        } else {
            view! {
                <p class="notice error" data-testid="incident-missing">
                    {td_string!(i18n.get_locale_untracked(), incident_page.missing, id = id.get_value())}
                </p>
            }
            .into_any()
        })
    };
    view! {
        <section class="incident-page" data-testid="incident-page">
            <p>
                <a href=href(&Route::History(HistoryQuery::default())) class="button-link">{t!(i18n, history.all_incidents)}</a>
            </p>
            <HistoryLoading history />
            {body}
            <HistoryProof history />
        </section>
    }
}

/// An incident's page body: the later part's (`later.rs`).
pub fn incident_view(verified: VerifiedHistory, id: String, now: OffsetDateTime) -> AnyView {
    view! { <IncidentDetail verified id now /> }.into_any()
}

#[component]
fn IncidentDetail(verified: VerifiedHistory, id: String, now: OffsetDateTime) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let ongoing = || td_string!(locale, time.ongoing).to_string();
    let h = verified.history.clone();
    let Some(i) = h.incident(&id).cloned() else {
        return ().into_any();
    };
    let proof: ProofContext = proof_context(&verified, locale);
    let window = h.impact_window(&i, now);
    let courses = incident_courses(&h, &i, now);
    let lines = timeline(locale, &h, &i, now);
    let permalink = proof.permalink(&i.id);
    let json = this_incident(&verified, &proof, &i.id, now, export::incidents_json);
    let services = courses
        .iter()
        .flat_map(|c| {
            let service = course_row(
                locale,
                "incident-service",
                &c.impact.service,
                None,
                c.impact.name.clone(),
                &c.whole,
                c.impact.worst,
            );
            let components = c.components.iter().map(|(h, r)| {
                course_row(
                    locale,
                    "incident-component",
                    &c.impact.service,
                    Some(&h.id),
                    h.name.clone(),
                    r,
                    r.levels.worst(),
                )
            });
            std::iter::once(service)
                .chain(components)
                .collect::<Vec<_>>()
        })
        .collect_view();
    let services_csv = this_incident(&verified, &proof, &i.id, now, export::incident_services_csv);
    let timeline = lines
        .into_iter()
        .map(|line| {
            let entry = line.entry();
            let proof_url = proof.bundle_url(entry);
            let head = match &line {
                Line::Update { state, .. } => view! {
                    <strong>{incident_state_label(locale, *state)}</strong>
                }
                .into_any(),
                Line::Change { what, status, .. } => view! {
                    <span class=format!("change status-{}", status.as_str())>
                        <span class="symbol" aria-hidden="true">{(*status).symbol()}</span>
                        " " {what.clone()} " → " {status_label(locale, *status)}
                    </span>
                }
                .into_any(),
            };
            let (kind, message, sources) = match &line {
                Line::Update { message, sources, .. } => ("update", Some(message.clone()), sources.clone()),
                Line::Change { .. } => ("change", None, None),
            };
            view! {
                <li class=format!("timeline-{kind}") data-testid=format!("timeline-{kind}") data-entry=entry.to_string()>
                    <p class="update-head">
                        <When at=line.at() /> " · " {head}
                    </p>
                    {message.map(|m| view! { <p class="message"><Said text=m marked=true /></p> })}
                    {sources.map(|s| view! {
                        <p class="sources" data-testid="update-sources">{td_string!(locale, operator.source, sources = s)}</p>
                    })}
                    <p class="proof-ref">
                        <a href=proof_url title=td_string!(locale, incident_page.log_entry_title)>
                            {td_string!(locale, incident_page.log_entry, entry = entry)}
                        </a>
                    </p>
                </li>
            }
        })
        .collect_view();
    view! {
        <article class="incident-detail" data-testid="incident-detail" data-incident-id=i.id.clone()>
            <header>
                <h2><Said text=i.title.clone() marked=true /></h2>
                <StatusBadge status=i.impact />
                <span class="state" data-testid="incident-state">{incident_state_label(locale, i.state())}</span>
            </header>
            <dl class="facts">
                {window.map(|(start, end)| view! {
                    <dt>{t!(i18n, incident_page.impact_began)}</dt>
                    <dd data-testid="impact-start"><When at=start /></dd>
                    <dt>{t!(i18n, incident_page.full_recovery)}</dt>
                    <dd data-testid="impact-end">
                        {end.map(|e| view! { <When at=e /> }.into_any()).unwrap_or_else(|| td_string!(locale, time.not_yet).into_any())}
                    </dd>
                    <dt>{t!(i18n, incident_page.duration)}</dt>
                    <dd data-testid="incident-duration">
                        {end.map(|e| duration(locale, (e - start).whole_minutes())).unwrap_or_else(ongoing)}
                    </dd>
                })}
                <dt>{t!(i18n, incident_page.first_notice)}</dt>
                <dd><When at=i.opened_at /></dd>
                {i.resolved_at.map(|r| view! { <dt>{t!(i18n, incident_page.declared_resolved)}</dt><dd><When at=r /></dd> })}
                {i.postmortem.clone().map(|url| {
                    let text = url.clone();
                    view! {
                        <dt>{t!(i18n, incident_page.postmortem)}</dt>
                        <dd><a href=url rel="noopener noreferrer" data-testid="postmortem">{text}</a></dd>
                    }
                })}
            </dl>
            <h3>{t!(i18n, incident_page.by_service)}</h3>
            <p class="hint">{t!(i18n, incident_page.by_service_note)}</p>
            <div class="table-scroll" tabindex="0" role="region" aria-label=t_string!(i18n, incident_page.by_service)>
            <table class="by-service">
                <thead>
                    <tr>
                        <th scope="col">{t!(i18n, incident_page.col_service)}</th>
                        <th scope="col">{t!(i18n, incident_page.col_from)}</th>
                        <th scope="col">{t!(i18n, incident_page.col_first_partial)}</th>
                        <th scope="col">{t!(i18n, incident_page.col_core)}</th>
                        <th scope="col">{t!(i18n, incident_page.full_recovery)}</th>
                        <th scope="col">{t!(i18n, incident_page.col_major)}</th>
                        <th scope="col">{t!(i18n, incident_page.col_partial)}</th>
                        <th scope="col">{t!(i18n, incident_page.col_degraded)}</th>
                        <th scope="col">{t!(i18n, incident_page.col_maintenance)}</th>
                        <th scope="col">{t!(i18n, incident_page.col_worst)}</th>
                    </tr>
                </thead>
                <tbody>{services}</tbody>
            </table>
            </div>
            <h3>{t!(i18n, incident_page.timeline)}</h3>
            <ol class="timeline">{timeline}</ol>
            <p class="permalink">
                {t!(i18n, incident_page.permalink)} " " <a href=permalink.clone() data-testid="permalink" translate="no">{permalink.clone()}</a>
                " · "
                <DownloadLink
                    label=t_string!(i18n, incident_page.download).to_string()
                    file=format!("bongsu-incident-{}.json", i.id)
                    mime="application/json"
                    content=json
                    testid="incident-json"
                />
                " · "
                <DownloadLink
                    label=t_string!(i18n, incident_page.download_services).to_string()
                    file=format!("bongsu-incident-{}-services.csv", i.id)
                    mime="text/csv"
                    content=services_csv
                    testid="incident-services-csv"
                />
            </p>
        </article>
    }
    .into_any()
}

/// A download of one export of this incident alone: the history with only
/// it kept, made when the link is clicked.
fn this_incident(
    verified: &VerifiedHistory,
    proof: &ProofContext,
    id: &str,
    now: OffsetDateTime,
    export: fn(&History, &ProofContext, OffsetDateTime) -> String,
) -> impl Fn() -> String + 'static {
    let (h, proof, id) = (verified.history.clone(), proof.clone(), id.to_owned());
    move || {
        let mut only = (*h).clone();
        only.incidents.retain(|x| x.id == id);
        export(&only, &proof, now)
    }
}

/// One row of the by-service table: a service (`component` none) or one of
/// its components, with the time at each level and the three recoveries.
fn course_row(
    locale: Locale,
    testid: &'static str,
    service: &str,
    component: Option<&str>,
    name: Localized,
    r: &Recovery,
    worst: Status,
) -> impl IntoView {
    let not_yet = move || td_string!(locale, time.not_yet).to_string();
    let at = move |t: Option<OffsetDateTime>, col: &'static str| {
        view! {
            <td data-col=col>
                {t.map(|t| view! { <When at=t /> }.into_any()).unwrap_or_else(|| not_yet().into_any())}
            </td>
        }
    };
    let level = move |s: Status, col: &'static str| {
        let minutes = r.levels.at(s).whole_minutes();
        let text = if minutes == 0 {
            td_string!(locale, incident_page.none).to_string()
        } else {
            duration(locale, minutes)
        };
        view! { <td data-col=col data-minutes=minutes.to_string()>{text}</td> }
    };
    let class = if component.is_some() {
        "component-row"
    } else {
        "service-row"
    };
    view! {
        <tr class=class data-testid=testid data-service=service.to_owned() data-component=component.map(str::to_owned)>
            <th scope="row"><Said text=name /></th>
            <td data-col="from"><When at=r.start /></td>
            {at(r.first_partial_recovery, "first-partial")}
            {at(r.core_recovery, "core")}
            {at(r.full_recovery, "full")}
            {level(Status::MajorOutage, "major")}
            {level(Status::PartialOutage, "partial")}
            {level(Status::DegradedPerformance, "degraded")}
            {level(Status::UnderMaintenance, "maintenance")}
            <td data-col="worst"><StatusBadge status=worst /></td>
        </tr>
    }
}
