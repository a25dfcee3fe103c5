//! The status page: the banner, what the operator declares and what the
//! probes measure beside it, planned maintenance, the history's checkpoints
//! and every region's copy.

use std::time::Duration;

use leptos::prelude::*;

use crate::app::Shared;
use crate::components::measured::{Inputs, Measured};
use crate::components::{
    Banner, Disagreements, Evidence, FeedMeta, HistorySummary, Incidents, Maintenances, Regions,
    Services,
};
use crate::i18n::use_i18n;
use crate::stores::checkpoints::LogHead;
use crate::stores::probes::ProbeStore;

/// What the operator declares, what the regions' probes measure beside it,
/// and where the copies came from. The probes are asked on the status
/// poller's interval, leaving alone the regions it is backing off from.
#[component]
pub fn StatusPage(shared: Shared, head: LogHead) -> impl IntoView {
    let Shared {
        store,
        now,
        config,
        refreshed,
    } = shared;
    let backing_off = move |index: usize| {
        store.regions.with_untracked(|r| {
            r.get(index)
                .and_then(|r| r.retry_at_ms)
                .is_some_and(|at| js_sys::Date::now() < at)
        })
    };
    // At once and whenever the keys change (the store), when the reader
    // asks for a refresh, and on the poll interval.
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
    // Once a region's status is verified and drawn (and again when it or
    // the language changes), the page as shown is kept for the next visit.
    Effect::new(move |_| {
        let locale = i18n.get_locale();
        store.shown.track();
        if store.confirmed(now.get_untracked()) {
            request_animation_frame(move || crate::snapshot::save(locale, now.get_untracked()));
        }
    });
    view! {
        <Banner store now measured />
        <Disagreements measured />
        <Incidents store />
        <Maintenances store />
        <Services store measured />
        <HistorySummary head />
        <Regions store probes config=config.get_value() now />
        <Evidence store />
        <FeedMeta store now />
    }
}
