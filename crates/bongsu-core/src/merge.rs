//! Choosing what to show from what every region answered.

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
    Unreachable(String),
    /// Answered with something that must not be shown.
    Invalid(FeedError),
}

/// The feed to show and how the regions relate to it. Indices are positions
/// in the outcome slice (the config's region order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection<'a> {
    pub feed: &'a Feed,
    /// Regions that served exactly this feed.
    pub agreeing: Vec<usize>,
    /// Regions that served a valid but older feed.
    pub behind: Vec<usize>,
    /// Regions that served a different valid feed with the same sequence
    /// number: the operator's key signed two versions of history.
    pub conflicting: Vec<usize>,
}

/// Picks the verified feed with the highest sequence number; the first
/// region in config order wins among equals. `None` when no region has
/// served a verified feed.
pub fn select_current(outcomes: &[RegionOutcome]) -> Option<Selection<'_>> {
    let verified = || {
        outcomes.iter().enumerate().filter_map(|(i, o)| match o {
            RegionOutcome::Verified(feed) => Some((i, feed)),
            _ => None,
        })
    };
    // max_by_key keeps the last maximum; reverse so the first region wins.
    let (_, chosen) = verified()
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .max_by_key(|(_, f)| f.seq)?;
    let mut selection = Selection {
        feed: chosen,
        agreeing: vec![],
        behind: vec![],
        conflicting: vec![],
    };
    for (i, feed) in verified() {
        if feed.seq < chosen.seq {
            selection.behind.push(i);
        } else if feed == chosen {
            selection.agreeing.push(i);
        } else {
            selection.conflicting.push(i);
        }
    }
    Some(selection)
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
            RegionState::Conflicting => "conflicting",
            RegionState::Unreachable => "unreachable",
            RegionState::Invalid => "invalid",
        }
    }
}

/// Classifies a region's outcome against the feed being shown.
pub fn region_state(outcome: &RegionOutcome, shown: Option<&Feed>) -> RegionState {
    match outcome {
        RegionOutcome::Pending => RegionState::Pending,
        RegionOutcome::Unreachable(_) => RegionState::Unreachable,
        RegionOutcome::Invalid(_) => RegionState::Invalid,
        RegionOutcome::Verified(feed) => match shown {
            Some(shown) if feed.seq < shown.seq => RegionState::Behind,
            Some(shown) if feed.seq == shown.seq && feed != shown => RegionState::Conflicting,
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
        }
    }

    #[test]
    fn nothing_verified_selects_nothing() {
        let outcomes = [
            RegionOutcome::Pending,
            RegionOutcome::Unreachable("refused".into()),
            RegionOutcome::Invalid(FeedError::NotANote),
        ];
        assert_eq!(select_current(&outcomes), None);
    }

    #[test]
    fn the_newest_feed_wins_and_older_regions_are_behind() {
        let outcomes = [
            RegionOutcome::Verified(feed(3, Status::Operational)),
            RegionOutcome::Verified(feed(5, Status::MajorOutage)),
            RegionOutcome::Unreachable("timeout".into()),
            RegionOutcome::Verified(feed(5, Status::MajorOutage)),
        ];
        let s = select_current(&outcomes).unwrap();
        assert_eq!(s.feed.seq, 5);
        assert_eq!(
            (s.agreeing, s.behind, s.conflicting),
            (vec![1, 3], vec![0], vec![])
        );
    }

    #[test]
    fn same_seq_different_content_is_flagged_as_conflicting() {
        let outcomes = [
            RegionOutcome::Verified(feed(5, Status::Operational)),
            RegionOutcome::Verified(feed(5, Status::MajorOutage)),
        ];
        let s = select_current(&outcomes).unwrap();
        assert_eq!(
            s.feed.overall(),
            Status::Operational,
            "first region wins ties"
        );
        assert_eq!(s.conflicting, vec![1]);
    }

    #[test]
    fn region_state_compares_against_the_shown_feed() {
        let shown = feed(5, Status::Operational);
        let state = |o: RegionOutcome| region_state(&o, Some(&shown));
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
        assert_eq!(
            state(RegionOutcome::Unreachable("x".into())),
            RegionState::Unreachable
        );
        assert_eq!(
            state(RegionOutcome::Invalid(FeedError::NotANote)),
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
        #[test]
        fn selection_is_the_maximum_and_partitions_the_verified_regions(
            seqs in proptest::collection::vec(proptest::option::of(1u64..6), 0..8)
        ) {
            let outcomes: Vec<RegionOutcome> = seqs.iter().map(|s| match s {
                Some(seq) => RegionOutcome::Verified(feed(*seq, Status::Operational)),
                None => RegionOutcome::Unreachable("down".into()),
            }).collect();
            let max = seqs.iter().flatten().max();
            match select_current(&outcomes) {
                None => prop_assert!(max.is_none()),
                Some(s) => {
                    prop_assert_eq!(Some(&s.feed.seq), max);
                    let verified = seqs.iter().flatten().count();
                    prop_assert_eq!(s.agreeing.len() + s.behind.len() + s.conflicting.len(), verified);
                    prop_assert!(s.conflicting.is_empty());
                    prop_assert_eq!(s.agreeing[0], seqs.iter().position(|x| x.as_ref() == max).unwrap());
                }
            }
        }
    }
}
