//! Planned maintenance the feed announces.

use bongsu_core::{Maintenance, MaintenanceState};
use leptos::prelude::*;

use super::said::component_names;
use super::{Said, When};
use crate::format::maintenance_state_label;
use crate::i18n::{t, use_i18n};
use crate::stores::status::StatusStore;

/// Planned work the feed announces: in progress first, then by start time.
#[component]
pub fn Maintenances(store: StatusStore) -> impl IntoView {
    let i18n = use_i18n();
    let items = move || {
        let locale = i18n.get_locale();
        store.shown.with(|f| {
            f.as_ref()
                .map(|feed| {
                    let mut items: Vec<(Maintenance, String)> = feed
                        .maintenances
                        .iter()
                        .filter(|m| m.state != MaintenanceState::Completed)
                        .map(|m| (m.clone(), component_names(locale, feed, &m.components)))
                        .collect();
                    bongsu_core::text::sort::sort_by_key(&mut items, |(m, _)| {
                        (m.state != MaintenanceState::InProgress, m.starts_at)
                    });
                    items
                })
                .unwrap_or_default()
        })
    };
    view! {
        <Show when=move || !items().is_empty()>
            <section class="maintenances" aria-labelledby="maintenance-heading">
                <h2 id="maintenance-heading">{t!(i18n, maintenances.heading)}</h2>
                {move || {
                    items()
                        .into_iter()
                        .map(|(m, names)| { let state = m.state; view! {
                            <article class="maintenance" data-testid="maintenance" data-maintenance-id=m.id.clone() data-state=m.state.as_str()>
                                <header>
                                    <h3><Said text=m.title.clone() marked=true /></h3>
                                    <span class="badge status-under_maintenance">
                                        <span class="symbol" aria-hidden="true">"⚙"</span>
                                        <span class="label">{move || maintenance_state_label(i18n.get_locale(), state)}</span>
                                    </span>
                                </header>
                                <p class="when"><When at=m.starts_at /> " – " <When at=m.ends_at /></p>
                                <p class="affected">{t!(i18n, maintenances.affects)} " " {names}</p>
                            </article>
                        }})
                        .collect_view()
                }}
            </section>
        </Show>
    }
}
