use bongsu_core::RegionOutcome;
use leptos::prelude::*;

use crate::format::{banner_headline, status_symbol};
use crate::poller::StatusStore;

/// The overall status, or why there is none yet.
#[component]
pub fn Banner(store: StatusStore) -> impl IntoView {
    let overall = move || {
        store
            .shown
            .with(|feed| feed.as_ref().map(|f| (f.overall(), affected(f))))
    };
    let all_failed = move || {
        store.in_flight.get() == 0
            && store.regions.with(|r| {
                r.iter()
                    .all(|r| !matches!(r.outcome, RegionOutcome::Pending))
            })
    };
    view! {
        <div aria-live="polite">
            {move || match overall() {
                Some((status, affected)) => {
                    view! {
                        <section
                            class=format!("banner status-{}", status.as_str())
                            data-testid="banner"
                            data-status=status.as_str()
                        >
                            <span class="symbol" aria-hidden="true">{status_symbol(status)}</span>
                            <div>
                                <h2>{banner_headline(status)}</h2>
                                <p>{affected}</p>
                            </div>
                        </section>
                    }
                        .into_any()
                }
                None => {
                    let text = if all_failed() {
                        "No region has served a verified status yet. See the regions below for why."
                    } else {
                        "Asking the regions for a verified status…"
                    };
                    view! {
                        <section class="banner status-unknown" data-testid="banner" data-status="unknown">
                            <span class="symbol" aria-hidden="true">"?"</span>
                            <div>
                                <h2>"Status not known yet"</h2>
                                <p>{text}</p>
                            </div>
                        </section>
                    }
                        .into_any()
                }
            }}
        </div>
    }
}

/// "3 of 11 services affected", counted from the feed.
fn affected(feed: &bongsu_core::Feed) -> String {
    let total = feed.services.len();
    let hit = feed
        .services
        .iter()
        .filter(|s| s.status().rank() > 0)
        .count();
    if hit == 0 {
        format!("All {total} services operational")
    } else {
        format!("{hit} of {total} services affected")
    }
}
