//! Active incidents with their updates, newest first.

use bongsu_core::{ComponentRef, Feed, Incident};
use leptos::prelude::*;

use super::StatusBadge;
use super::When;
use crate::format::incident_state_label;
use crate::i18n::{t, use_i18n};
use crate::stores::status::StatusStore;

/// Active incidents, newest update first.
#[component]
pub fn Incidents(store: StatusStore) -> impl IntoView {
    let i18n = use_i18n();
    let incidents = move || {
        store.shown.with(|f| {
            f.as_ref()
                .map(|feed| {
                    feed.active_incidents()
                        .map(|i| (i.clone(), affected_names(feed, i)))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };
    view! {
        <Show when=move || !incidents().is_empty()>
            <section class="incidents" aria-labelledby="incidents-heading">
                <h2 id="incidents-heading">{t!(i18n, incidents.heading)}</h2>
                {move || {
                    incidents()
                        .into_iter()
                        .map(|(incident, affected)| {
                            view! {
                                <article class="incident" data-testid="incident" data-incident-id=incident.id.clone()>
                                    <header>
                                        <h3>{incident.title.clone()}</h3>
                                        <StatusBadge status=incident.impact />
                                    </header>
                                    <p class="affected">{t!(i18n, incidents.affects)} " " {affected}</p>
                                    <ol class="updates">
                                        {incident
                                            .updates
                                            .iter()
                                            .rev()
                                            .map(|u| {
                                                let state = u.state;
                                                view! {
                                                    <li>
                                                        <p class="update-head">
                                                            <strong>{move || incident_state_label(i18n.get_locale(), state)}</strong>
                                                            " · "
                                                            <When at=u.at />
                                                        </p>
                                                        <p class="message">{u.message.clone()}</p>
                                                    </li>
                                                }
                                            })
                                            .collect_view()}
                                    </ol>
                                </article>
                            }
                        })
                        .collect_view()
                }}
            </section>
        </Show>
    }
}

/// "KakaoTalk: Messaging, Kakao Pay: Payments" from the incident's references.
fn affected_names(feed: &Feed, incident: &Incident) -> String {
    incident
        .components
        .iter()
        .filter_map(|r| ComponentRef::parse(r))
        .filter_map(|r| {
            let service = feed.services.iter().find(|s| s.id == r.service)?;
            let component = service.components.iter().find(|c| c.id == r.component)?;
            Some(format!("{}: {}", service.name, component.name))
        })
        .collect::<Vec<_>>()
        .join(", ")
}
