//! What the status page loads after its first verified status: the
//! independent probes (`stores/probes.rs` and what is worked out of them,
//! `components/measured.rs`) and the check of the history log's
//! checkpoints (`stores/checkpoints.rs`).
//!
//! Neither is needed to show the first verified status, and on a phone's
//! link during an outage every byte before it is time a reader waits. So
//! their code is split out of the status page's wasm module at build time
//! (`wasm_split_helpers`, as Leptos's `#[lazy]` uses it; the split point
//! is in `main.rs`, the build step in `e2e/build/split.mjs`) and fetched once the page has a status to show,
//! or knows it has none. Their views and the state they fill (`LogHead`'s
//! signals, the alarms) stay in the main module, so evidence of a rewrite
//! kept on this device shows at once.
//!
//! A part that fails to load (a region or CDN dropping mid-load) is asked
//! again when a region next answers or the reader presses refresh; until
//! then the page shows the status without the probes' lines.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::app::{follow_feed_commitments, Shared};
use crate::components::measured::{region_lines, Inputs, Line, Measured};
use crate::i18n::use_i18n;
use crate::stores::checkpoints::LogHead;
use crate::stores::probes::ProbeStore;

/// What the later part gives the page, once loaded.
#[derive(Clone, Copy)]
pub struct Later {
    /// What the probes measured of the services, against the declared status.
    pub(crate) measured: Memo<Measured>,
    /// Each region's probe line, in config order (none when no region probes).
    pub(crate) region_lines: Memo<Vec<Line>>,
}

/// The later part could not be fetched or compiled (the browser's console
/// has the reason); it is asked again.
pub struct NotLoaded;

impl From<leptos::wasm_split::SplitLoaderError> for NotLoaded {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        NotLoaded
    }
}

/// Where the later part's code is: the status page's binary (`main.rs`)
/// gives the split point, which must not be in this library, or every
/// binary linking the library (the history pages') would export it and
/// carry the code it reaches. Natively and in tests it is [`begin`] itself.
pub type Loader = fn(Begin) -> Pin<Box<dyn Future<Output = Result<Later, NotLoaded>>>>;

/// The status page's [`Loader`], in the page's context (`lib.rs`).
#[derive(Clone, Copy)]
pub(crate) struct Load(pub(crate) Loader);

/// What the later part starts from.
pub struct Begin {
    owner: Owner,
    shared: Shared,
    head: LogHead,
}

/// The later part, loaded by `load` once the first round of answers has
/// shown a verified status or found none: `None` until then.
pub(crate) fn when_ready(shared: Shared, head: LogHead) -> ReadSignal<Option<Later>> {
    let later = RwSignal::new(None);
    let Some(Load(load)) = use_context::<Load>() else {
        // Only the history pages start without one, and they never ask.
        return later.read_only();
    };
    let loading = StoredValue::new(false);
    let owner = Owner::current().unwrap_or_default();
    let store = shared.store;
    Effect::new(move |_| {
        // Every region's answer and every refresh press: a load that
        // failed is asked again then.
        store.regions.track();
        shared.refreshed.track();
        let ready = store.shown.with(Option::is_some) || store.all_failed();
        if !ready || loading.get_value() || later.with_untracked(Option::is_some) {
            return;
        }
        loading.set_value(true);
        let begin = Begin {
            owner: owner.clone(),
            shared,
            head,
        };
        spawn_local(async move {
            if let Ok(loaded) = load(begin).await {
                later.set(Some(loaded));
            }
            loading.set_value(false);
        });
    });
    later.read_only()
}

/// The later part's work, under the page's owner, so that what it makes
/// lives and is cleaned up with the page. The split point calls it.
pub fn begin(begin: Begin) -> Later {
    let Begin {
        owner,
        shared,
        head,
    } = begin;
    owner.with(|| start(shared, head))
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
