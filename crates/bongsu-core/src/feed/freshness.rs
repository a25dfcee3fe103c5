//! Whether a verified feed is still current at a given time.
//!
//! Readers' clocks are wrong by minutes more often than anyone likes, so
//! expiry is judged with a bounded tolerance: a feed counts as current until
//! [`MAX_CLOCK_SKEW`] after its `expires_at`. A larger tolerance would let a
//! region replay an old feed for longer; a smaller one would flag healthy
//! feeds as stale on phones whose clocks drift.

use time::{Duration, OffsetDateTime};

use crate::feed::model::Feed;

pub use crate::keys::keyset::MAX_CLOCK_SKEW;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// Within its validity period (allowing for clock skew).
    Current,
    /// Past `expires_at` by more than the allowed skew: show only as stale,
    /// with its age, never as the current status.
    Expired {
        /// How long ago it expired.
        since: Duration,
    },
}

/// Judges `feed` at `now`.
pub fn freshness(feed: &Feed, now: OffsetDateTime) -> Freshness {
    let since = now - feed.expires_at;
    if since > MAX_CLOCK_SKEW {
        Freshness::Expired { since }
    } else {
        Freshness::Current
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn feed() -> Feed {
        Feed {
            feed: "kakao".into(),
            seq: 1,
            issued_at: datetime!(2022-10-15 06:00 UTC),
            expires_at: datetime!(2022-10-15 07:00 UTC),
            log: None,
            services: vec![],
            incidents: vec![],
            maintenances: vec![],
        }
    }

    #[test]
    fn a_feed_is_current_until_expiry_plus_skew() {
        let f = feed();
        assert_eq!(freshness(&f, f.issued_at), Freshness::Current);
        assert_eq!(freshness(&f, f.expires_at), Freshness::Current);
        assert_eq!(
            freshness(&f, f.expires_at + MAX_CLOCK_SKEW),
            Freshness::Current
        );
    }

    #[test]
    fn past_the_skew_it_is_expired_with_its_age() {
        let f = feed();
        let now = f.expires_at + Duration::hours(2);
        assert_eq!(
            freshness(&f, now),
            Freshness::Expired {
                since: Duration::hours(2)
            }
        );
        let just = f.expires_at + MAX_CLOCK_SKEW + Duration::seconds(1);
        assert!(matches!(freshness(&f, just), Freshness::Expired { .. }));
    }

    #[test]
    fn a_slow_reader_clock_never_makes_a_feed_expired() {
        // A reader whose clock is behind sees the feed as not yet issued: still current.
        let f = feed();
        assert_eq!(
            freshness(&f, f.issued_at - Duration::hours(1)),
            Freshness::Current
        );
    }
}
