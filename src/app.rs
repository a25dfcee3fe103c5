//! The page: load the config, then poll and show. The shell (header,
//! navigation, alarms, footer) is shared; each entry point passes the
//! [`Pages`] it shows, so the other entry point's pages are not linked in.

use std::time::Duration;

use bongsu_core::AppConfig;
use leptos::prelude::*;
use time::OffsetDateTime;

use crate::clock;
use crate::components::ApiLinks;
use crate::components::HistoryAlarms;
use crate::config_loader::load_config;
use crate::stores::checkpoints::LogHead;

use crate::config_loader::LoadError;
use crate::i18n::{t, t_string, use_i18n, I18nContextProvider, Locale};
use crate::pages::{HistoryPage, IncidentPage, StatusPage};
use crate::route::{current_route, href, leave_for, HistoryQuery, Route};
use crate::stores::history::HistoryStore;
use crate::stores::status::StatusStore;
use crate::{entry, locale_choice, theme};

/// What an entry point adds to the shared shell, made once per page load:
/// its alarms (shown on every page it shows) and its pages. `show` is
/// `None` for the routes the other entry point shows, which the page then
/// leaves for.
pub struct Pages {
    alarms: AnyView,
    show: Box<dyn Fn(Route) -> Option<AnyView> + Send + Sync>,
}

/// How an entry point starts, given what every page is drawn from.
pub type Start = fn(Shared) -> Pages;

/// What every page is drawn from.
#[derive(Clone, Copy)]
pub struct Shared {
    pub store: StatusStore,
    pub now: RwSignal<OffsetDateTime>,
    pub config: StoredValue<AppConfig>,
    /// Bumped when the reader asks for a refresh.
    pub refreshed: RwSignal<u64>,
}

/// The status entry point: the status page, which checks the history
/// log's checkpoints only (`stores/checkpoints.rs`).
pub fn status_start(shared: Shared) -> Pages {
    let head = LogHead::new(shared.config.get_value(), shared.store.shown);
    let later = crate::later::when_ready(shared, head);
    let alarms = view! {
        <HistoryAlarms
            rewrite=head.rewrite
            split=Signal::derive(move || head.split())
            conflict=Signal::derive(move || head.feed_check.get().and_then(Result::err))
        />
    }
    .into_any();
    Pages {
        alarms,
        show: Box::new(move |route| match route {
            Route::Status => Some(view! { <StatusPage shared head later /> }.into_any()),
            Route::History(_) | Route::Incident(_) => None,
        }),
    }
}

/// The history entry point: the history and incident pages, from the log
/// verified in full (`stores/history.rs`).
pub fn history_start(shared: Shared) -> Pages {
    let history = HistoryStore::new(shared.config.get_value(), shared.store.shown);
    follow_feed_commitments(
        shared,
        move || history.loading.get(),
        move |size| {
            history
                .verified
                .with_untracked(|v| v.as_ref().is_some_and(|v| size <= v.size()))
        },
        // The whole chain: what this device remembered is verified under
        // the key set that signed it.
        move |keys| history.refresh(keys.clone()),
    );
    let alarms = view! {
        <HistoryAlarms
            rewrite=history.rewrite
            split=Signal::derive(move || history.split())
            conflict=Signal::derive(move || history.feed_check.get().and_then(Result::err))
        />
    }
    .into_any();
    let now = shared.now;
    let opened_on_incident = matches!(current_route().get_untracked(), Route::Incident(_));
    let later = crate::later::history_when_ready(history, shared.refreshed, opened_on_incident);
    Pages {
        alarms,
        show: Box::new(move |route| match route {
            Route::History(query) => {
                Some(view! { <HistoryPage history query now later /> }.into_any())
            }
            Route::Incident(id) => Some(view! { <IncidentPage history id now later /> }.into_any()),
            Route::Status => None,
        }),
    }
}

/// Where the page's config is: beside `index.html`, wherever that is
/// served from, so the app works from any origin and path.
fn config_url() -> String {
    format!("{}config.json", entry::here().root())
}

#[component]
pub fn App(start: Start) -> impl IntoView {
    view! {
        <I18nContextProvider>
            <Loaded start />
        </I18nContextProvider>
    }
}

/// The config, then the page; the reader's language and theme first.
#[component]
fn Loaded(start: Start) -> impl IntoView {
    let i18n = use_i18n();
    i18n.set_locale(locale_choice::initial());
    theme::apply(theme::remembered());
    // A plain signal rather than a LocalResource in a Suspense: the page
    // loads one file once, and Leptos's async machinery was 4 KB of the
    // status page's first-load budget.
    let config: RwSignal<Option<Result<AppConfig, LoadError>>> = RwSignal::new(None);
    leptos::task::spawn_local(async move {
        config.set(Some(load_config(&config_url()).await));
    });
    move || match config.get() {
        None => view! { <p class="notice">{t!(i18n, app.loading_config)}</p> }.into_any(),
        Some(Ok(config)) => view! { <Page config start /> }.into_any(),
        Some(Err(error)) => {
            crate::snapshot::remove_shown();
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
    }
}

#[component]
fn Page(config: AppConfig, start: Start) -> impl IntoView {
    let i18n = use_i18n();
    let store = StatusStore::new(config.clone());
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
    // The snapshot of an earlier visit (`snapshot.rs`) stays on screen
    // until this page has a status of its own to show, or knows it has none.
    Effect::new(move |_| {
        if store.shown.with(Option::is_some) || store.all_failed() {
            crate::snapshot::remove_shown();
        }
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
    let refreshed = RwSignal::new(0);
    let shared = Shared {
        store,
        now,
        config,
        refreshed,
    };
    let Pages { alarms, show } = start(shared);
    // A route the other build shows (a link or an old address) is left for
    // at once, and the page shown so far stays until the document goes:
    // unmounting it first disposed what its fetches, still in flight, read
    // when they answered, and that panicked (a wasm trap) in the window
    // before the next document loaded.
    let shown = Memo::new(move |previous: Option<&Route>| {
        let route = route.get();
        match previous {
            Some(previous) if entry::Entry::of(&route) != entry::here() => {
                leave_for(&route);
                previous.clone()
            }
            _ => route,
        }
    });
    let main = move || {
        let route = shown.get();
        show(route.clone()).unwrap_or_else(|| {
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
                        refreshed.update(|n| *n += 1);
                    }
                >
                    {t!(i18n, app.refresh)}
                </button>
            </header>
            <main>
                {alarms}
                {main}
            </main>
            <footer class="foot">
                <p>{t!(i18n, app.footer)}</p>
                <ApiLinks regions=config.get_value().regions />
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

/// Checks the history whenever trusted keys arrive, the reader asks for
/// a refresh, or the shown feed commits to a log state not yet checked
/// (`covers` says whether a size is), once per commitment, so that a
/// mirror that lags behind is not asked in a loop.
pub(crate) fn follow_feed_commitments(
    shared: Shared,
    busy: impl Fn() -> bool + 'static,
    covers: impl Fn(u64) -> bool + 'static,
    refresh: impl Fn(&bongsu_core::KeyChain) + 'static,
) {
    let Shared {
        store, refreshed, ..
    } = shared;
    // (key set version, the feed's log commitment, refresh presses) of the last check.
    type Attempt = (u64, Option<(u64, String)>, u64);
    let last_tried: StoredValue<Option<Attempt>> = StoredValue::new(None);
    Effect::new(move |_| {
        let presses = refreshed.get();
        // Whether another check is wanted is known once the one under way
        // has ended (this runs again then): a feed arriving meanwhile is
        // usually covered by what that check finds. Deciding at once
        // asked every region's checkpoint twice on each first visit.
        if busy() {
            return;
        }
        let Some(version) = store.keys.with(|k| k.latest().map(|ks| ks.version)) else {
            return;
        };
        let commitment = store
            .shown
            .with(|f| f.as_ref().and_then(|f| f.log.clone()))
            .map(|c| (c.size, c.root));
        let attempt = Some((version, commitment.clone(), presses));
        let pressed = last_tried
            .get_value()
            .is_some_and(|(_, _, before)| before != presses);
        let covered = commitment.as_ref().is_some_and(|(size, _)| covers(*size));
        if (covered && !pressed) || last_tried.get_value() == attempt {
            return;
        }
        last_tried.set_value(attempt);
        store.keys.with_untracked(|keys| refresh(keys));
    });
}
