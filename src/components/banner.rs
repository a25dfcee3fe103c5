//! The banner: the overall status, how fresh it is and where it came from.

use bongsu_core::{freshness, Feed, Freshness, Status};
use leptos::prelude::*;
use time::OffsetDateTime;

use crate::components::measured::Measured;
use crate::format::{ago, banner_headline};
use crate::i18n::{t, td_string, use_i18n, Locale};
use crate::stores::status::StatusStore;

/// The overall status, how fresh it is and where it came from, or why there
/// is none yet. While the probes dispute the declared status, the headline
/// says whose claim it is (the status and its colour stay the declared ones).
#[component]
pub fn Banner(
    store: StatusStore,
    now: RwSignal<OffsetDateTime>,
    measured: Memo<Measured>,
) -> impl IntoView {
    let i18n = use_i18n();
    let view_model = move || {
        let locale = i18n.get_locale();
        let now = now.get();
        let confirmed = store.confirmed(now);
        store.shown.with(|shown| {
            let feed = shown.as_ref()?;
            let mut model = BannerModel::new(locale, feed, now, confirmed);
            // Out of date says more than a dispute about an old status.
            if model.expired.is_none() {
                if let Some(disputed) = measured.with(|m| m.headline.clone()) {
                    model.headline = disputed;
                    model.disputed = true;
                }
            }
            Some(model)
        })
    };
    let all_failed = move || store.all_failed();
    view! {
        <div aria-live="polite">
            {move || match view_model() {
                Some(model) => {
                    let stale = model.expired.is_some();
                    view! {
                        <section
                            class=format!("banner status-{}{}", model.status.as_str(), if stale { " stale" } else { "" })
                            data-testid="banner"
                            data-status=model.status.as_str()
                            data-fresh=if stale { "expired" } else { "current" }
                            data-source=if model.confirmed { "region" } else { "device" }
                            data-disputed=model.disputed.to_string()
                        >
                            <span class="symbol" aria-hidden="true">{model.status.symbol()}</span>
                            <div>
                                <h2>{model.headline}</h2>
                                <p>{model.affected}</p>
                                {model.expired.map(|text| view! { <p class="stale-note">{text}</p> })}
                                {(!model.confirmed).then(|| view! { <p class="source-note">{model.source_note}</p> })}
                            </div>
                        </section>
                    }
                        .into_any()
                }
                None => {
                    let text = if all_failed() {
                        t!(i18n, headline.all_failed).into_any()
                    } else {
                        t!(i18n, headline.asking).into_any()
                    };
                    view! {
                        <section class="banner status-unknown" data-testid="banner" data-status="unknown">
                            <span class="symbol" aria-hidden="true">"?"</span>
                            <div>
                                <h2>{t!(i18n, headline.unknown)}</h2>
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

/// Everything the banner says, computed from the feed and the clock.
struct BannerModel {
    status: Status,
    headline: String,
    affected: String,
    /// Set when the feed has expired: what to tell the reader.
    expired: Option<String>,
    /// Whether a region has served this feed during this visit.
    confirmed: bool,
    source_note: String,
    /// The headline is the probes' dispute of the declared status.
    disputed: bool,
}

impl BannerModel {
    fn new(locale: Locale, feed: &Feed, now: OffsetDateTime, confirmed: bool) -> Self {
        let status = feed.overall();
        let expired = match freshness(feed, now) {
            Freshness::Current => None,
            Freshness::Expired { .. } => Some(td_string!(
                locale,
                headline.expired,
                ago = ago(locale, feed.expires_at, now)
            )),
        };
        let headline = match expired {
            None => banner_headline(locale, status),
            Some(_) => td_string!(
                locale,
                headline.out_of_date,
                headline = banner_headline(locale, status)
            ),
        };
        BannerModel {
            status,
            headline,
            affected: affected(locale, feed),
            expired,
            confirmed,
            disputed: false,
            source_note: td_string!(
                locale,
                headline.from_device,
                ago = ago(locale, feed.issued_at, now)
            ),
        }
    }
}

/// "3 of 11 services affected", counted from the feed.
fn affected(locale: Locale, feed: &Feed) -> String {
    let total = feed.services.len();
    let hit = feed
        .services
        .iter()
        .filter(|s| s.status().rank() > 0)
        .count();
    if hit == 0 {
        td_string!(locale, headline.all_operational, total = total)
    } else {
        td_string!(locale, headline.some_affected, hit = hit, total = total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bongsu_core::{Component, Service};
    use time::macros::datetime;
    use time::Duration;

    fn feed(status: Status) -> Feed {
        Feed {
            feed: "kakao".into(),
            seq: 3,
            issued_at: datetime!(2022-10-15 07:00 UTC),
            expires_at: datetime!(2022-10-15 08:00 UTC),
            log: None,
            services: vec![Service {
                id: "talk".into(),
                name: "Talk".into(),
                components: vec![Component {
                    depends_on: Vec::new(),
                    id: "msg".into(),
                    name: "Msg".into(),
                    status,
                }],
            }],
            incidents: vec![],
            maintenances: vec![],
        }
    }

    #[test]
    fn a_current_feed_reads_as_current() {
        let f = feed(Status::MajorOutage);
        let m = BannerModel::new(Locale::en, &f, f.issued_at + Duration::minutes(1), true);
        assert_eq!(m.headline, banner_headline(Locale::en, Status::MajorOutage));
        assert_eq!(m.expired, None);
        assert_eq!(m.affected, "1 of 1 services affected");
        let ko = BannerModel::new(Locale::ko, &f, f.issued_at + Duration::minutes(1), true);
        assert_eq!(ko.affected, "서비스 1개 중 1개 영향");
    }

    #[test]
    fn an_expired_feed_is_marked_out_of_date_with_its_age() {
        let f = feed(Status::Operational);
        let m = BannerModel::new(Locale::en, &f, f.expires_at + Duration::hours(3), true);
        assert!(m.headline.starts_with("Out of date"), "{}", m.headline);
        assert!(
            m.expired
                .as_deref()
                .is_some_and(|t| t.contains("expired 3 h ago")),
            "{:?}",
            m.expired
        );
    }

    #[test]
    fn a_remembered_feed_says_where_it_came_from_and_how_old_it_is() {
        let f = feed(Status::Operational);
        let m = BannerModel::new(Locale::en, &f, f.issued_at + Duration::minutes(20), false);
        assert!(!m.confirmed);
        assert!(
            m.source_note
                .contains("saved on this device, signed 20 min ago"),
            "{}",
            m.source_note
        );
    }
}
