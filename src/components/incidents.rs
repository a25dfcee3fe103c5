//! Active incidents with their updates, newest first.

use leptos::prelude::*;

use super::said::component_names;
use super::When;
use super::{Said, StatusBadge};
use crate::format::incident_state_label;
use crate::i18n::{t, td_string, use_i18n};
use crate::stores::status::StatusStore;

/// Active incidents, newest update first.
#[component]
pub fn Incidents(store: StatusStore) -> impl IntoView {
    let i18n = use_i18n();
    let incidents = move || {
        let locale = i18n.get_locale();
        store.shown.with(|f| {
            f.as_ref()
                .map(|feed| {
                    feed.active_incidents()
                        .map(|i| (i.clone(), component_names(locale, feed, &i.components)))
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
                                        <h3><Said text=incident.title.clone() marked=true /></h3>
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
                                                        <p class="message"><Said text=u.message.clone() marked=true /></p>
                                                        {u.sources.clone().map(|sources| view! {
                                                            <p class="sources" data-testid="update-sources">
                                                                {move || td_string!(i18n.get_locale(), operator.source, sources = sources)}
                                                            </p>
                                                        })}
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
