use bongsu_core::{freshness, Freshness};
use leptos::prelude::*;
use time::OffsetDateTime;

use crate::format::{ago, kst};
use crate::poller::StatusStore;

/// Which signed feed is on screen, when it was signed and until when it holds.
#[component]
pub fn FeedMeta(store: StatusStore, now: RwSignal<OffsetDateTime>) -> impl IntoView {
    move || {
        store.shown.with(|shown| {
            shown.as_ref().map(|feed| {
                let now = now.get();
                let expired = matches!(freshness(feed, now), Freshness::Expired { .. });
                view! {
                    <section class="feed-meta" data-testid="feed-meta" data-seq=feed.seq.to_string()>
                        <p>
                            "Signed update #" {feed.seq.to_string()} " · issued " {kst(feed.issued_at)} " ("
                            {ago(feed.issued_at, now)} ") · valid until " {kst(feed.expires_at)}
                        </p>
                        {expired.then(|| view! { <p class="expired">"Expired " {ago(feed.expires_at, now)}</p> })}
                    </section>
                }
            })
        })
    }
}
