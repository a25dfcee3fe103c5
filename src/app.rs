//! The page: load the config, then poll and show. The shell (header,
//! navigation, alarms, footer) is shared; each entry point passes the
//! [`Pages`] it shows, so the other entry point's pages are not linked in.

use std::time::Duration;

use bongsu_core::AppConfig;
use leptos::prelude::*;
use time::OffsetDateTime;

use crate::clock;
use crate::components::{
    Banner, Evidence, FeedMeta, HistoryAlarms, HistoryPage, HistorySummary, IncidentPage,
    Incidents, Maintenances, Regions, Services,
};
use crate::config_loader::load_config;

use crate::config_loader::LoadError;
use crate::history_store::HistoryStore;
use crate::i18n::{t, t_string, use_i18n, I18nContextProvider, Locale};
use crate::poller::StatusStore;
use crate::route::{current_route, href, leave_for, HistoryQuery, Route};
use crate::{entry, locale_choice, theme};

/// What an entry point shows for a route: `None` for the routes the other
/// entry point shows, which the page then leaves for.
pub type Pages = fn(Route, Shared) -> Option<AnyView>;

/// What every page is drawn from.
#[derive(Clone, Copy)]
pub struct Shared {
    store: StatusStore,
    history: HistoryStore,
    now: RwSignal<OffsetDateTime>,
    config: StoredValue<AppConfig>,
}

/// The status entry point's page.
pub fn status_pages(route: Route, s: Shared) -> Option<AnyView> {
    let Shared {
        store,
        history,
        now,
        config,
    } = s;
    match route {
        Route::Status => Some(
            view! {
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
        ),
        Route::History(_) | Route::Incident(_) => None,
    }
}

/// The history entry point's pages.
pub fn history_pages(route: Route, s: Shared) -> Option<AnyView> {
    let Shared { history, now, .. } = s;
    match route {
        Route::History(query) => Some(view! { <HistoryPage history query now /> }.into_any()),
        Route::Incident(id) => Some(view! { <IncidentPage history id now /> }.into_any()),
        Route::Status => None,
    }
}

/// Where the page's config is: beside `index.html`, wherever that is
/// served from, so the app works from any origin and path.
fn config_url() -> String {
    format!("{}config.json", entry::here().root())
}

#[component]
pub fn App(pages: Pages) -> impl IntoView {
    view! {
        <I18nContextProvider>
            <Loaded pages />
        </I18nContextProvider>
    }
}

/// The config, then the page; the reader's language and theme first.
#[component]
fn Loaded(pages: Pages) -> impl IntoView {
    let i18n = use_i18n();
    let chosen = locale_choice::initial();
    i18n.set_locale(chosen);
    // The provider applies its default in an effect of its own, which runs
    // after this code; an effect created here runs after that one, so the
    // reader's language wins.
    Effect::new(move |_| i18n.set_locale(chosen));
    theme::apply(theme::remembered());
    let config = LocalResource::new(|| async { load_config(&config_url()).await });
    view! {
        <Suspense fallback=move || view! { <p class="notice">{t!(i18n, app.loading_config)}</p> }>
            {move || {
                config
                    .get()
                    .map(|loaded| match loaded {
                        Ok(config) => view! { <Page config pages /> }.into_any(),
                        Err(error) => {
                            view! {
                                <main class="page">
                                    <section class="notice error" role="alert" data-testid="config-error">
                                        <h1>{t!(i18n, app.config_error_title)}</h1>
                                        {move || config_error(i18n.get_locale(), &error)}
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
fn Page(config: AppConfig, pages: Pages) -> impl IntoView {
    let i18n = use_i18n();
    let store = StatusStore::new(config.clone());
    let history = HistoryStore::new(config.clone(), store.shown);
    let route = current_route();
    let now = RwSignal::new(clock::now());
    let refresh = Duration::from_secs(u64::from(config.refresh_seconds));
    let title = config.title.clone();
    let config = StoredValue::new(config);

    // What this device verified before first; then every region.
    leptos::task::spawn_local(async move {
        store.restore().await;
        store.poll(true);
    });
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

    let shared = Shared {
        store,
        history,
        now,
        config,
    };
    let main = move || {
        let route = route.get();
        pages(route.clone(), shared).unwrap_or_else(|| {
            leave_for(&route);
            ().into_any()
        })
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
                    <p class="tagline">{t!(i18n, app.tagline)}</p>
                </div>
                <nav aria-label=move || t_string!(i18n, app.nav_label) class="pages">
                    <a href=href(&Route::Status) aria-current=move || current("status") data-testid="nav-status">{t!(i18n, app.nav_status)}</a>
                    <a href=href(&Route::History(HistoryQuery::default())) aria-current=move || current("history") data-testid="nav-history">{t!(i18n, app.nav_history)}</a>
                </nav>
                <Settings />
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
                    {t!(i18n, app.refresh)}
                </button>
            </header>
            <main>
                <HistoryAlarms history />
                {main}
            </main>
            <footer class="foot">
                <p>{t!(i18n, app.footer)}</p>
            </footer>
        </div>
    }
}

/// The language switch and the theme toggle.
#[component]
fn Settings() -> impl IntoView {
    let i18n = use_i18n();
    let theme = RwSignal::new(theme::remembered());
    let switch_language = move |_| {
        let next = locale_choice::other(i18n.get_locale_untracked());
        i18n.set_locale(next);
        locale_choice::remember(next);
    };
    let theme_name = move || match theme.get() {
        theme::Theme::Auto => t_string!(i18n, app.theme_auto),
        theme::Theme::Light => t_string!(i18n, app.theme_light),
        theme::Theme::Dark => t_string!(i18n, app.theme_dark),
    };
    view! {
        <div class="settings" role="group" aria-label=move || t_string!(i18n, app.settings_label)>
            <button
                type="button"
                data-testid="language-switch"
                lang=move || locale_choice::other(i18n.get_locale()).to_string()
                aria-label=move || t_string!(i18n, app.language_switch_label)
                on:click=switch_language
            >
                {t!(i18n, app.language_switch)}
            </button>
            <button
                type="button"
                data-testid="theme-toggle"
                data-theme=move || theme.get().as_str()
                aria-label=move || t_string!(i18n, app.theme_label, theme = theme_name())
                on:click=move |_| {
                    let next = theme.get_untracked().next();
                    theme.set(next);
                    theme::apply(next);
                }
            >
                {theme_name}
            </button>
        </div>
    }
}

fn config_error(locale: Locale, error: &LoadError) -> impl IntoView {
    let file = config_url();
    match error {
        LoadError::Fetch(e) => view! {
            <p>{crate::i18n::td_string!(locale, app.config_fetch, file = file, why = crate::error_text::fetch_error(locale, e))}</p>
        }
        .into_any(),
        LoadError::NotUtf8 => {
            view! { <p>{crate::i18n::td_string!(locale, app.config_not_utf8, file = file)}</p> }.into_any()
        }
        LoadError::Invalid(e) => view! {
            <p>{crate::i18n::td_string!(locale, app.config_invalid, file = file)}</p>
            <p><code lang="en" class="tech">{e.to_string()}</code></p>
        }
        .into_any(),
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
