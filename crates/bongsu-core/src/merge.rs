//! Choosing what to show from what every region answered.

use time::OffsetDateTime;

use crate::fetch_error::FetchError;
use crate::freshness::{freshness, Freshness};
use crate::keyset::KeySetError;
use crate::model::Feed;
use crate::verify::FeedError;

/// What one region gave us in the latest poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegionOutcome {
    /// Asked; no answer yet.
    Pending,
    /// Answered with a feed that passed every check.
    Verified(Feed),
    /// Did not answer usefully: refused, timed out, or an HTTP error.
    Unreachable(FetchError),
    /// Answered with something that must not be shown.
    Invalid(FeedError),
    /// Served a key chain that does not verify: forged, conflicting or
    /// broken. Whatever feed it serves, the region is not to be trusted.
    BadKeys(KeySetError),
}

/// How one region's latest answer relates to the feed on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionState {
    /// Not answered yet.
    Pending,
    /// Served exactly the feed on screen.
    Valid,
    /// Served a valid feed older than the one on screen.
    Behind,
    /// Served a validly signed feed that has expired.
    Expired,
    /// Served a different valid feed with the same sequence number.
    Conflicting,
    /// Did not answer.
    Unreachable,
    /// Served something that failed verification.
    Invalid,
}

impl RegionState {
    pub fn as_str(self) -> &'static str {
        match self {
            RegionState::Pending => "pending",
            RegionState::Valid => "valid",
            RegionState::Behind => "behind",
            RegionState::Expired => "expired",
            RegionState::Conflicting => "conflicting",
            RegionState::Unreachable => "unreachable",
            RegionState::Invalid => "invalid",
        }
    }
}

/// Classifies a region's outcome against the feed being shown, at `now`.
///
/// A conflict outranks everything else a valid feed can be, because it is
/// proof of misbehaviour; an expired feed is named as expired even when it
/// is also older, because that is what the region is doing wrong.
pub fn region_state(
    outcome: &RegionOutcome,
    shown: Option<&Feed>,
    now: OffsetDateTime,
) -> RegionState {
    match outcome {
        RegionOutcome::Pending => RegionState::Pending,
        RegionOutcome::Unreachable(_) => RegionState::Unreachable,
        RegionOutcome::Invalid(_) | RegionOutcome::BadKeys(_) => RegionState::Invalid,
        RegionOutcome::Verified(feed) => match shown {
            Some(shown) if feed.seq == shown.seq && feed != shown => RegionState::Conflicting,
            _ if matches!(freshness(feed, now), Freshness::Expired { .. }) => RegionState::Expired,
            Some(shown) if feed.seq < shown.seq => RegionState::Behind,
            _ => RegionState::Valid,
        },
    }
}

/// Whether a newly verified feed should replace the one on screen: only a
/// strictly newer one does, so the page never moves backwards and a
/// same-sequence conflict never silently replaces what is shown.
pub fn supersedes(incoming: &Feed, shown: Option<&Feed>) -> bool {
    shown.is_none_or(|shown| incoming.seq > shown.seq)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Component, Service, Status};
    use proptest::prelude::*;
    use time::macros::datetime;

    /// Within every test feed's validity period.
    const NOW: OffsetDateTime = datetime!(2022-10-15 16:00 UTC);

    fn feed(seq: u64, status: Status) -> Feed {
        Feed {
            feed: "kakao".into(),
            seq,
            issued_at: datetime!(2022-10-15 15:30 UTC),
            expires_at: datetime!(2022-10-15 16:30 UTC),
            log: None,
            services: vec![Service {
                id: "talk".into(),
                name: "Talk".into(),
                components: vec![Component {
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
    fn region_state_compares_against_the_shown_feed() {
        let shown = feed(5, Status::Operational);
        let state = |o: RegionOutcome| region_state(&o, Some(&shown), NOW);
        assert_eq!(
            state(RegionOutcome::Verified(feed(5, Status::Operational))),
            RegionState::Valid
        );
        assert_eq!(
            state(RegionOutcome::Verified(feed(4, Status::Operational))),
            RegionState::Behind
        );
        assert_eq!(
            state(RegionOutcome::Verified(feed(5, Status::MajorOutage))),
            RegionState::Conflicting
        );
        let mut old = feed(4, Status::Operational);
        old.expires_at = NOW - time::Duration::hours(1);
        assert_eq!(
            state(RegionOutcome::Verified(old.clone())),
            RegionState::Expired,
            "an expired feed is named as expired, not merely behind"
        );
        old.seq = 5;
        assert_eq!(
            state(RegionOutcome::Verified(old)),
            RegionState::Conflicting,
            "a same-seq feed with other content is a conflict, expired or not"
        );
        assert_eq!(
            state(RegionOutcome::Unreachable(FetchError::Network)),
            RegionState::Unreachable
        );
        assert_eq!(
            state(RegionOutcome::Invalid(FeedError::TooLarge { limit: 1 })),
            RegionState::Invalid
        );
        assert_eq!(state(RegionOutcome::Pending), RegionState::Pending);
    }

    #[test]
    fn only_a_strictly_newer_feed_supersedes() {
        let shown = feed(5, Status::Operational);
        assert!(supersedes(&shown, None));
        assert!(supersedes(&feed(6, Status::Operational), Some(&shown)));
        assert!(!supersedes(&feed(5, Status::MajorOutage), Some(&shown)));
        assert!(!supersedes(&feed(4, Status::MajorOutage), Some(&shown)));
    }

    proptest! {
        /// Folding answers in any arrival order, as the poller does, ends on
        /// the highest seq, and the first copy of it to arrive stays shown.
        #[test]
        fn folding_answers_keeps_the_first_copy_of_the_highest_seq(
            answers in proptest::collection::vec((1u64..6, any::<bool>()), 1..10)
        ) {
            let feeds: Vec<Feed> = answers
                .iter()
                .map(|(seq, down)| feed(*seq, if *down { Status::MajorOutage } else { Status::Operational }))
                .collect();
            let mut shown: Option<&Feed> = None;
            for f in &feeds {
                if supersedes(f, shown) {
                    shown = Some(f);
                }
            }
            let max = feeds.iter().map(|f| f.seq).max();
            prop_assert_eq!(shown.map(|f| f.seq), max);
            let first = feeds.iter().find(|f| Some(f.seq) == max);
            prop_assert_eq!(shown, first);
            for f in &feeds {
                let state = region_state(&RegionOutcome::Verified(f.clone()), shown, NOW);
                let expected = if f.seq < shown.map_or(0, |s| s.seq) {
                    RegionState::Behind
                } else if Some(f) == shown {
                    RegionState::Valid
                } else {
                    RegionState::Conflicting
                };
                prop_assert_eq!(state, expected);
            }
        }
    }
}
