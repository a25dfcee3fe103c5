//! The status page: the banner, what the operator declares and what the
//! probes measure beside it, planned maintenance, the history's checkpoints
//! and every region's copy.

use leptos::prelude::*;

use crate::app::Shared;
use crate::components::{
    Banner, Disagreements, Evidence, FeedMeta, HistorySummary, Incidents, Maintenances, Regions,
    Services,
};
use crate::i18n::use_i18n;
use crate::later::Later;
use crate::stores::checkpoints::LogHead;

/// What the operator declares, what the regions' probes measure beside it
/// (once the later part is loaded, `later.rs`), and where the copies came
/// from.
#[component]
pub fn StatusPage(
    shared: Shared,
    head: LogHead,
    later: ReadSignal<Option<Later>>,
) -> impl IntoView {
    let Shared {
        store, now, config, ..
    } = shared;
    let i18n = use_i18n();
    let measured = Memo::new(move |_| later.get().map(|l| l.measured.get()).unwrap_or_default());
    let probe_lines = Signal::derive(move || {
        later
            .get()
            .map(|l| l.region_lines.get())
            .unwrap_or_default()
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
        <Regions store probe_lines config=config.get_value() now />
        <Evidence store />
        <FeedMeta store now />
    }
}
