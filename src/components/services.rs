//! Every service and its components, declared beside measured.

use bongsu_core::feed::affected_through;
use bongsu_core::text::Localized;
use bongsu_core::{ComponentRef, Service, Status};
use leptos::prelude::*;

use super::measured::{line, Measured};
use super::said::said;
use super::{Said, StatusBadge};
use crate::format::status_label;
use crate::i18n::{t, td_string, use_i18n, I18n};
use crate::stores::status::StatusStore;

/// Every service with its components, and what the probes measured of it.
#[component]
pub fn Services(store: StatusStore, measured: Memo<Measured>) -> impl IntoView {
    let i18n = use_i18n();
    // Each service, and for each of its components what it is affected
    // through: the core's one rule, over the feed on show.
    let services = move || {
        store.shown.with(|f| {
            f.as_ref()
                .map(|f| {
                    f.services
                        .iter()
                        .map(|s| {
                            let through: Vec<Vec<Needed>> = s
                                .components
                                .iter()
                                .map(|c| needed(&f.services, &s.id, &c.id))
                                .collect();
                            (s.clone(), through)
                        })
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };
    view! {
        <section class="services" aria-labelledby="services-heading">
            <h2 id="services-heading">{t!(i18n, services.heading)}</h2>
            <ul class="service-list">
                {move || {
                    services()
                        .into_iter()
                        .map(|(service, through)| {
                            let status = service.status();
                            view! {
                                <li
                                    class="service"
                                    data-testid="service"
                                    data-service-id=service.id.clone()
                                    data-status=status.as_str()
                                >
                                    <div class="service-head">
                                        <h3 class="name"><Said text=service.name.clone() /></h3>
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
                                            .zip(through)
                                            .map(|(c, through)| {
                                                let depends = dependency_line(i18n, c.status, through);
                                                view! {
                                                    <li
                                                        class="component"
                                                        data-testid="component"
                                                        data-component-id=c.id
                                                        data-status=c.status.as_str()
                                                    >
                                                        <span class="name"><Said text=c.name /></span>
                                                        <StatusBadge status=c.status />
                                                        {depends}
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

/// A component another needs that is not operational, named for the page.
#[derive(Debug, Clone, PartialEq)]
pub struct Needed {
    service: Localized,
    component: Localized,
    status: Status,
}

/// What `service/component` is affected through, nearest first.
fn needed(services: &[Service], service: &str, component: &str) -> Vec<Needed> {
    let of = ComponentRef {
        service: service.to_owned(),
        component: component.to_owned(),
    };
    affected_through(services, &of)
        .into_iter()
        .map(|t| Needed {
            service: t.service.name.clone(),
            component: t.component.name.clone(),
            status: t.component.status,
        })
        .collect()
}

/// "Affected through Kakao Account: Login (Major outage)" beside an
/// affected component, or "Needs …, which is not operational" beside one
/// the operator still calls operational; nothing when all it needs is up.
fn dependency_line(i18n: I18n, status: Status, through: Vec<Needed>) -> Option<impl IntoView> {
    if through.is_empty() {
        return None;
    }
    let text = move || {
        let locale = i18n.get_locale();
        let what = through
            .iter()
            .map(|n| {
                format!(
                    "{}: {} ({})",
                    said(locale, &n.service),
                    said(locale, &n.component),
                    status_label(locale, n.status)
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        if status == Status::Operational {
            td_string!(locale, services.depends_on_down, what = what)
        } else {
            td_string!(locale, services.affected_through, what = what)
        }
    };
    Some(view! { <p class="depends" data-testid="affected-through">{text}</p> })
}
