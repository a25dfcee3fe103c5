//! Every service and its components, declared beside measured.

use leptos::prelude::*;

use super::measured::{line, Measured};
use super::StatusBadge;
use crate::i18n::{t, use_i18n};
use crate::stores::status::StatusStore;

/// Every service with its components, and what the probes measured of it.
#[component]
pub fn Services(store: StatusStore, measured: Memo<Measured>) -> impl IntoView {
    let i18n = use_i18n();
    let services = move || {
        store
            .shown
            .with(|f| f.as_ref().map(|f| f.services.clone()).unwrap_or_default())
    };
    view! {
        <section class="services" aria-labelledby="services-heading">
            <h2 id="services-heading">{t!(i18n, services.heading)}</h2>
            <ul class="service-list">
                {move || {
                    services()
                        .into_iter()
                        .map(|service| {
                            let status = service.status();
                            view! {
                                <li
                                    class="service"
                                    data-testid="service"
                                    data-service-id=service.id.clone()
                                    data-status=status.as_str()
                                >
                                    <div class="service-head">
                                        <h3 class="name">{service.name.clone()}</h3>
                                        <StatusBadge status />
                                    </div>
                                    {
                                        let id = service.id.clone();
                                        move || measured.with(|m| m.service(&id)).map(line)
                                    }
                                    <ul class="components">
                                        {service
                                            .components
                                            .into_iter()
                                            .map(|c| {
                                                view! {
                                                    <li
                                                        class="component"
                                                        data-testid="component"
                                                        data-component-id=c.id
                                                        data-status=c.status.as_str()
                                                    >
                                                        <span class="name">{c.name}</span>
                                                        <StatusBadge status=c.status />
                                                    </li>
                                                }
                                            })
                                            .collect_view()}
                                    </ul>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
        </section>
    }
}
