//! The page: load the config, then poll and show.

use std::time::Duration;

use bongsu_core::AppConfig;
use leptos::prelude::*;

use crate::clock;
use crate::components::{Banner, Evidence, FeedMeta, Incidents, Regions, Services};
use crate::config_loader::load_config;
use crate::poller::StatusStore;

#[component]
pub fn App() -> impl IntoView {
    let config = LocalResource::new(load_config);
    view! {
        <Suspense fallback=|| view! { <p class="notice">"Loading configuration…"</p> }>
            {move || {
                config
                    .get()
                    .map(|loaded| match loaded {
                        Ok(config) => view! { <StatusPage config /> }.into_any(),
                        Err(error) => {
                            view! {
                                <main class="page">
                                    <section class="notice error" role="alert" data-testid="config-error">
                                        <h1>"This status page is not configured correctly"</h1>
                                        <p>{error.to_string()}</p>
                                    </section>
                                </main>
                            }
                                .into_any()
                        }
                    })
            }}
        </Suspense>
    }
}

#[component]
fn StatusPage(config: AppConfig) -> impl IntoView {
    let store = StatusStore::new(config.clone());
    let now = RwSignal::new(clock::now());
    let refresh = Duration::from_secs(u64::from(config.refresh_seconds));
    let title = config.title.clone();
    let config = StoredValue::new(config);

    store.restore();
    store.poll(true);
    let poll_timer = set_interval_with_handle(move || store.poll(false), refresh).ok();
    let clock_timer =
        set_interval_with_handle(move || now.set(clock::now()), Duration::from_secs(1)).ok();
    on_cleanup(move || {
        poll_timer
            .into_iter()
            .chain(clock_timer)
            .for_each(|t| t.clear());
    });

    view! {
        <div class="page">
            <header class="top">
                <div>
                    <h1>{title}</h1>
                    <p class="tagline">"Independent status page · every update verified in your browser"</p>
                </div>
                <button
                    type="button"
                    class="refresh"
                    data-testid="refresh"
                    on:click=move |_| store.poll(true)
                >
                    "Refresh now"
                </button>
            </header>
            <main>
                <Banner store now />
                <Incidents store />
                <Services store />
                <Regions store config=config.get_value() now />
                <Evidence store />
                <FeedMeta store now />
            </main>
            <footer class="foot">
                <p>
                    "Bongsu: status relayed by independent regions, like the Joseon beacon fires. "
                    "A region can delay the news, never forge it."
                </p>
            </footer>
        </div>
    }
}
