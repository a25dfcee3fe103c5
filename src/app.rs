//! The page: load the config, then poll and show.

use std::time::Duration;

use bongsu_core::AppConfig;
use leptos::prelude::*;

use crate::clock;
use crate::components::{
    Banner, Evidence, FeedMeta, HistoryAlarms, HistoryPage, HistorySummary, IncidentPage,
    Incidents, Maintenances, Regions, Services,
};
use crate::config_loader::load_config;
use crate::history_store::HistoryStore;
use crate::poller::StatusStore;
use crate::route::{current_route, href, HistoryQuery, Route};

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
    let history = HistoryStore::new(config.clone(), store.shown);
    let route = current_route();
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
    follow_feed_commitments(store, history);

    let main = move || match route.get() {
        Route::Status => view! {
            <Banner store now />
            <Incidents store />
            <Maintenances store />
            <Services store />
            <HistorySummary history />
            <Regions store config=config.get_value() now />
            <Evidence store />
            <FeedMeta store now />
        }
        .into_any(),
        Route::History(query) => view! { <HistoryPage history query now /> }.into_any(),
        Route::Incident(id) => view! { <IncidentPage history id now /> }.into_any(),
    };
    let current = move |page: &'static str| {
        let on = matches!(
            (page, route.get()),
            ("status", Route::Status) | ("history", Route::History(_) | Route::Incident(_))
        );
        if on {
            "page"
        } else {
            "false"
        }
    };

    view! {
        <div class="page">
            <header class="top">
                <div>
                    <h1>{title}</h1>
                    <p class="tagline">"Independent status page · every update verified in your browser"</p>
                </div>
                <nav aria-label="Pages" class="pages">
                    <a href=href(&Route::Status) aria-current=move || current("status") data-testid="nav-status">"Status"</a>
                    <a href=href(&Route::History(HistoryQuery::default())) aria-current=move || current("history") data-testid="nav-history">"History"</a>
                </nav>
                <button
                    type="button"
                    class="refresh"
                    data-testid="refresh"
                    on:click=move |_| {
                        store.poll(true);
                        if let Some(ks) = store.keys.with_untracked(|k| k.latest().cloned()) {
                            history.refresh(ks);
                        }
                    }
                >
                    "Refresh now"
                </button>
            </header>
            <main>
                <HistoryAlarms history />
                {main}
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

/// Checks the history whenever trusted keys arrive or the shown feed
/// commits to a log state not yet verified, once per commitment, so a
/// mirror that lags behind is not asked in a loop.
fn follow_feed_commitments(store: StatusStore, history: HistoryStore) {
    // (key set version, the feed's log commitment) of the last check.
    type Attempt = (u64, Option<(u64, String)>);
    let last_tried: StoredValue<Option<Attempt>> = StoredValue::new(None);
    Effect::new(move |_| {
        let Some(key_set) = store.keys.with(|k| k.latest().cloned()) else {
            return;
        };
        let commitment = store
            .shown
            .with(|f| f.as_ref().and_then(|f| f.log.clone()))
            .map(|c| (c.size, c.root));
        let attempt = Some((key_set.version, commitment.clone()));
        let verified_covers = history.verified.with_untracked(|v| {
            v.as_ref().is_some_and(|v| {
                commitment
                    .as_ref()
                    .is_some_and(|(size, _)| *size <= v.log.tree.size())
            })
        });
        if verified_covers || last_tried.get_value() == attempt {
            return;
        }
        last_tried.set_value(attempt);
        history.refresh(key_set);
    });
}
