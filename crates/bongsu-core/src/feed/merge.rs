//! Choosing what to show from what every region answered.

use time::OffsetDateTime;

use crate::feed::fetch_error::FetchError;
use crate::feed::freshness::{freshness, Freshness};
use crate::feed::model::Feed;
use crate::feed::verify::FeedError;
use crate::keys::keyset::KeySetError;

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

/// What a verified copy does to the feed on show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// Strictly newer (or nothing is shown): show it instead.
    Replace,
    /// The very feed on show: a region vouches for it now.
    Confirms,
    /// A different copy with the same sequence number: both are genuinely
    /// signed, so the key signed two versions. `switch` says whether to
    /// show this copy instead.
    Conflict { switch: bool },
    /// Older: the feed on show stays.
    Keep,
}

/// The protocol's rule for a verified `candidate` against the feed `shown`
/// (docs/protocol/feed.md, "Verification"): only a strictly newer feed replaces
/// it, so no region can roll the page back; of two copies with one
/// sequence number, the one more regions serve now is shown, and on a tie
/// the one already shown stays, so one equivocating region cannot decide
/// what a cold reader sees. `votes` are how many regions serve each copy
/// (the candidate's counting the region it came from).
pub fn choose(shown: Option<(&Feed, usize)>, candidate: &Feed, candidate_votes: usize) -> Choice {
    match shown {
        _ if supersedes(candidate, shown.map(|(f, _)| f)) => Choice::Replace,
        Some((feed, _)) if feed == candidate => Choice::Confirms,
        Some((feed, votes)) if feed.seq == candidate.seq => Choice::Conflict {
            switch: candidate_votes > votes,
        },
        _ => Choice::Keep,
    }
}

/// Which of the verified copies in `served` (one per region, in config
/// order; `None` where a region served nothing verified) to show, starting
/// from `shown`: [`choose`] applied to each in turn with the copies counted
/// across all regions. Returns the index into `served` of the copy to show
/// (`None`: keep `shown`), whether some region confirmed the one shown, and
/// whether two copies with one sequence number were seen.
pub fn settle(shown: Option<&Feed>, served: &[Option<&Feed>]) -> Settled {
    let votes = |feed: &Feed| served.iter().flatten().filter(|f| **f == feed).count();
    let mut current: Option<(Option<usize>, &Feed)> = shown.map(|f| (None, f));
    let mut settled = Settled::default();
    for (index, candidate) in served.iter().enumerate() {
        let Some(candidate) = candidate else { continue };
        let on_show = current.map(|(_, f)| (f, votes(f)));
        match choose(on_show, candidate, votes(candidate)) {
            Choice::Replace | Choice::Conflict { switch: true } => {
                settled.conflict |= current.is_some_and(|(_, f)| f.seq == candidate.seq);
                current = Some((Some(index), candidate));
                settled.confirmed = true;
            }
            Choice::Confirms => settled.confirmed = true,
            Choice::Conflict { switch: false } => settled.conflict = true,
            Choice::Keep => {}
        }
    }
    settled.show = current.and_then(|(index, _)| index);
    settled
}

/// What [`settle`] decided.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Settled {
    /// The copy to show instead of the one shown, by index into `served`.
    pub show: Option<usize>,
    /// A region serves the copy that ends up shown.
    pub confirmed: bool,
    /// Two different genuine copies with one sequence number were seen.
    pub conflict: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::model::{Component, Service, Status};
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

    #[test]
    fn of_two_copies_with_one_seq_the_majority_is_shown_and_a_tie_keeps_the_first() {
        let genuine = feed(5, Status::MajorOutage);
        let flipped = feed(5, Status::Operational);
        // A cold reader whose first region equivocates.
        let settled = settle(None, &[Some(&flipped), Some(&genuine), Some(&genuine)]);
        assert_eq!(
            settled,
            Settled {
                show: Some(1),
                confirmed: true,
                conflict: true
            }
        );
        // One against one: the copy already shown stays.
        let settled = settle(Some(&genuine), &[Some(&flipped), Some(&genuine)]);
        assert_eq!((settled.show, settled.conflict), (None, true));
        assert_eq!(
            choose(Some((&genuine, 1)), &flipped, 1),
            Choice::Conflict { switch: false }
        );
        assert_eq!(
            choose(Some((&genuine, 1)), &flipped, 2),
            Choice::Conflict { switch: true }
        );
    }

    #[test]
    fn only_newer_replaces_and_only_the_same_confirms() {
        let shown = feed(5, Status::MajorOutage);
        assert_eq!(
            choose(Some((&shown, 1)), &feed(6, Status::Operational), 1),
            Choice::Replace
        );
        assert_eq!(
            choose(None, &feed(1, Status::Operational), 1),
            Choice::Replace
        );
        assert_eq!(
            choose(Some((&shown, 1)), &shown.clone(), 1),
            Choice::Confirms
        );
        assert_eq!(
            choose(Some((&shown, 1)), &feed(4, Status::Operational), 3),
            Choice::Keep
        );
        let settled = settle(Some(&shown), &[Some(&feed(4, Status::Operational)), None]);
        assert_eq!(settled, Settled::default());
        let settled = settle(Some(&shown), &[None, Some(&feed(6, Status::Operational))]);
        assert_eq!((settled.show, settled.conflict), (Some(1), false));
    }
}
