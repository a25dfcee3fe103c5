//! What each entry point loads after its first view, from a second wasm
//! module split off its own at build time (`wasm_split_helpers`, as
//! Leptos's `#[lazy]` uses it; the split points are in `main.rs` and
//! `bin/history.rs`, the build step in `e2e/build/split.mjs`):
//!
//! - the status page: the independent probes (`stores/probes.rs` and what
//!   is worked out of them, `components/measured.rs`) and the check of the
//!   history log's checkpoints (`stores/checkpoints.rs`), fetched once the
//!   page has a status to show, or knows it has none. Their views and the
//!   state they fill (`LogHead`'s signals, the alarms) stay in the main
//!   module, so evidence of a rewrite kept on this device shows at once;
//! - the history pages: the exports (`components/exports.rs`,
//!   `bongsu_core::log::export`) and the body of an incident's own page
//!   (`pages/incident.rs`), fetched once the history is verified, or at
//!   once when the page opened is an incident's.
//!
//! None of it is needed for the first view, and on a phone's link during
//! an outage every byte before it is time a reader waits.
//!
//! The split points must not be in this library: every binary linking it
//! would export them and carry the code they reach. Each binary passes
//! its loader in (`lib.rs` puts it in the page's context).
//!
//! A part that fails to load (a region or CDN dropping it mid-load, bytes
//! that fail their integrity check) is asked again when the page next has
//! news (a region's answer, a refresh press); until then the page shows
//! what it has without the part.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use time::OffsetDateTime;

use crate::app::{follow_feed_commitments, Shared};
use crate::components::measured::{region_lines, Inputs, Line, Measured};
use crate::i18n::use_i18n;
use crate::stores::checkpoints::LogHead;
use crate::stores::history::{HistoryStore, VerifiedHistory};
use crate::stores::probes::ProbeStore;

/// A later part on its way: the split point's call, boxed.
pub type Loading<T> = Pin<Box<dyn Future<Output = Result<T, NotLoaded>>>>;

/// The later part could not be fetched or compiled (the browser's console
/// has the reason); it is asked again.
pub struct NotLoaded;

impl From<leptos::wasm_split::SplitLoaderError> for NotLoaded {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        NotLoaded
    }
}

/// The loader an entry point passes in, put in the page's context.
#[derive(Clone, Copy)]
pub enum Parts {
    Status(fn(Begin) -> Loading<Later>),
    History(fn() -> Loading<HistoryLater>),
}

/// Loads a part with `load` once `ready` holds (read in an effect: what it
/// reads is what asks again after a failure), once.
fn load_when<T: Clone + Send + Sync + 'static>(
    ready: impl Fn() -> bool + 'static,
    load: impl Fn() -> Loading<T> + 'static,
) -> ReadSignal<Option<T>> {
    let part = RwSignal::new(None);
    let loading = StoredValue::new(false);
    Effect::new(move |_| {
        if !ready() || loading.get_value() || part.with_untracked(Option::is_some) {
            return;
        }
        loading.set_value(true);
        let on_its_way = load();
        spawn_local(async move {
            if let Ok(loaded) = on_its_way.await {
                part.set(Some(loaded));
            }
            loading.set_value(false);
        });
    });
    part.read_only()
}

/// What the status page's later part gives it, once loaded.
#[derive(Clone, Copy)]
pub struct Later {
    /// What the probes measured of the services, against the declared status.
    pub(crate) measured: Memo<Measured>,
    /// Each region's probe line, in config order (none when no region probes).
    pub(crate) region_lines: Memo<Vec<Line>>,
}

/// What the status page's later part starts from.
pub struct Begin {
    owner: Owner,
    shared: Shared,
    head: LogHead,
}

/// The status page's later part, loaded once the first round of answers
/// has shown a verified status or found none: `None` until then.
pub(crate) fn when_ready(shared: Shared, head: LogHead) -> ReadSignal<Option<Later>> {
    let Some(Parts::Status(load)) = use_context::<Parts>() else {
        return RwSignal::new(None).read_only();
    };
    let owner = Owner::current().unwrap_or_default();
    let store = shared.store;
    load_when(
        move || {
            store.regions.track();
            shared.refreshed.track();
            store.shown.with(Option::is_some) || store.all_failed()
        },
        move || {
            load(Begin {
                owner: owner.clone(),
                shared,
                head,
            })
        },
    )
}

/// The status page's later part at work, under the page's owner, so that
/// what it makes lives and is cleaned up with the page. The split point
/// calls it.
pub fn begin(begin: Begin) -> Later {
    let Begin {
        owner,
        shared,
        head,
    } = begin;
    owner.with(|| start(shared, head))
}

/// What the history pages' later part gives them: the views drawn from it.
#[derive(Clone, Copy)]
pub struct HistoryLater {
    /// The exports of a verified history, as of a moment.
    pub(crate) exports: fn(VerifiedHistory, OffsetDateTime, HistoryStore) -> AnyView,
    /// An incident's page, by its id, as of a moment.
    pub(crate) incident: fn(VerifiedHistory, String, OffsetDateTime) -> AnyView,
}

/// The history pages' later part (the split point returns it).
pub fn history_parts() -> HistoryLater {
    HistoryLater {
        exports: crate::components::exports::exports_view,
        incident: crate::pages::incident_view,
    }
}

/// The history pages' later part, loaded once the history is verified, or
/// at once when `now` (an incident's page opened: its body needs it, and
/// it arrives while the log is read).
pub(crate) fn history_when_ready(
    history: HistoryStore,
    refreshed: RwSignal<u64>,
    now: bool,
) -> ReadSignal<Option<HistoryLater>> {
    let Some(Parts::History(load)) = use_context::<Parts>() else {
        return RwSignal::new(None).read_only();
    };
    load_when(
        move || {
            refreshed.track();
            now || history.verified.with(Option::is_some)
        },
        load,
    )
}

/// Starts the probes and the history log check.
fn start(shared: Shared, head: LogHead) -> Later {
    let Shared {
        store,
        now,
        config,
        refreshed,
    } = shared;
    follow_feed_commitments(
        shared,
        move || head.busy(),
        move |size| head.newest().is_some_and(|c| c.size >= size),
        move |keys| {
            if let Some(key_set) = keys.latest() {
                head.refresh(key_set.clone());
            }
        },
    );

    // The probes are asked at once and whenever the keys change (the
    // store), when the reader asks for a refresh, and on the poll
    // interval, leaving alone the regions the status poller is backing
    // off from.
    let backing_off = move |index: usize| {
        store.regions.with_untracked(|r| {
            r.get(index)
                .and_then(|r| r.retry_at_ms)
                .is_some_and(|at| js_sys::Date::now() < at)
        })
    };
    let probes = ProbeStore::new(config.get_value(), store.keys, backing_off);
    Effect::new(move |first: Option<()>| {
        refreshed.track();
        if first.is_some() {
            probes.poll(backing_off);
        }
    });
    let refresh = Duration::from_secs(u64::from(config.with_value(|c| c.refresh_seconds)));
    let timer = set_interval_with_handle(move || probes.poll(backing_off), refresh).ok();
    on_cleanup(move || timer.into_iter().for_each(|t| t.clear()));

    let grace = time::Duration::seconds(i64::from(
        config.with_value(|c| c.disagreement_grace_seconds),
    ));
    let i18n = use_i18n();
    let measured = Memo::new(move |_| {
        let probing = store
            .keys
            .with(|k| k.latest().map_or(0, |ks| ks.roles.probes.len()));
        store.shown.with(|feed| {
            Measured::new(Inputs {
                locale: i18n.get_locale(),
                now: now.get(),
                grace,
                feed: feed.as_ref(),
                regions: &probes.snapshot(),
                probing,
            })
        })
    });
    let region_lines =
        Memo::new(move |_| region_lines(i18n.get_locale(), &probes.snapshot(), now.get()));
    Later {
        measured,
        region_lines,
    }
}
