//! The signed feed on screen: its number, when it was signed and until when it holds.

use bongsu_core::{freshness, Freshness};
use leptos::prelude::*;
use time::OffsetDateTime;

use crate::format::{ago, kst};
use crate::i18n::{td_string, use_i18n};
use crate::stores::status::StatusStore;

/// Which signed feed is on screen, when it was signed and until when it holds.
#[component]
pub fn FeedMeta(store: StatusStore, now: RwSignal<OffsetDateTime>) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        let locale = i18n.get_locale();
        store.shown.with(|shown| {
            shown.as_ref().map(|feed| {
                let now = now.get();
                let expired = matches!(freshness(feed, now), Freshness::Expired { .. });
                view! {
                    <section class="feed-meta" data-testid="feed-meta" data-seq=feed.seq.to_string()>
                        <p>
                            {td_string!(
                                locale,
                                feed_meta.signed,
                                seq = feed.seq,
                                issued = kst(locale, feed.issued_at),
                                ago = ago(locale, feed.issued_at, now),
                                until = kst(locale, feed.expires_at)
                            )}
                        </p>
                        {expired.then(|| view! {
                            <p class="expired">{td_string!(locale, feed_meta.expired, ago = ago(locale, feed.expires_at, now))}</p>
                        })}
                    </section>
                }
            })
        })
    }
}
