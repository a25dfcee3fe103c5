//! What the regions' signed checkpoints tell on their own, without the
//! log's entries: for the status page, whose first load has a budget and
//! whose readers are on phones during an outage. It checks that the live
//! feed commits to a log state the log key signed and the witnesses
//! cosigned, and that regions serving checkpoints of one size agree on its
//! root. Everything that needs the entries (every event's inclusion, the
//! declared state, consistency across sizes and with the checkpoint a
//! device remembered) is [`crate::log::audit`]'s, on the history pages and
//! in `bongsu audit`.

use crate::feed::model::Feed;
use crate::log::audit::{FeedAgreement, FeedConflict};
use crate::log::checkpoint::Checkpoint;

/// The feed's log commitment against verified checkpoints: the same root
/// where a checkpoint has the committed size.
pub fn check_commitment(
    feed: &Feed,
    checkpoints: &[&Checkpoint],
) -> Result<FeedAgreement, FeedConflict> {
    let Some(commitment) = &feed.log else {
        return Ok(FeedAgreement::NoCommitment);
    };
    let root = crate::log::tree::parse_hash(&commitment.root).map_err(|_| FeedConflict::BadRoot)?;
    let size = commitment.size;
    if let Some(c) = checkpoints.iter().find(|c| c.size == size) {
        return if c.root == root {
            Ok(FeedAgreement::Agrees { size })
        } else {
            Err(FeedConflict::RootDiffers { size })
        };
    }
    let have = checkpoints.iter().map(|c| c.size).max().unwrap_or(0);
    Ok(if have < size {
        FeedAgreement::LogBehind {
            committed: size,
            have,
        }
    } else {
        FeedAgreement::LogAhead {
            committed: size,
            have,
        }
    })
}

/// The regions (by index, in the order given) whose checkpoint has the
/// same size as another region's but a different root: a split view,
/// provable from the two signed checkpoints alone.
pub fn split_at_same_size(checkpoints: &[(usize, &Checkpoint)]) -> Vec<usize> {
    checkpoints
        .iter()
        .filter(|(_, c)| {
            checkpoints
                .iter()
                .any(|(_, other)| other.size == c.size && other.root != c.root)
        })
        .map(|(i, _)| *i)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::model::LogCommitment;
    use time::macros::datetime;

    fn checkpoint(size: u64, root: u8) -> Checkpoint {
        Checkpoint {
            origin: "log.example".into(),
            size,
            root: tlog_tiles::Hash([root; 32]),
            note: Vec::new(),
            cosigned: Vec::new(),
        }
    }

    fn feed(log: Option<(u64, u8)>) -> Feed {
        use base64::Engine;
        Feed {
            feed: "kakao".into(),
            seq: 1,
            issued_at: datetime!(2026-12-01 06:00 UTC),
            expires_at: datetime!(2026-12-01 07:00 UTC),
            log: log.map(|(size, root)| LogCommitment {
                size,
                root: base64::engine::general_purpose::STANDARD.encode([root; 32]),
            }),
            services: vec![],
            incidents: vec![],
            maintenances: vec![],
        }
    }

    #[test]
    fn the_commitment_is_checked_where_a_checkpoint_has_its_size() {
        let (ten, twelve) = (checkpoint(10, 1), checkpoint(12, 2));
        let both = [&ten, &twelve];
        assert_eq!(
            check_commitment(&feed(None), &both),
            Ok(FeedAgreement::NoCommitment)
        );
        assert_eq!(
            check_commitment(&feed(Some((10, 1))), &both),
            Ok(FeedAgreement::Agrees { size: 10 })
        );
        assert_eq!(
            check_commitment(&feed(Some((12, 9))), &both),
            Err(FeedConflict::RootDiffers { size: 12 })
        );
        assert_eq!(
            check_commitment(&feed(Some((13, 1))), &both),
            Ok(FeedAgreement::LogBehind {
                committed: 13,
                have: 12
            })
        );
        assert_eq!(
            check_commitment(&feed(Some((11, 1))), &both),
            Ok(FeedAgreement::LogAhead {
                committed: 11,
                have: 12
            })
        );
        assert_eq!(
            check_commitment(&feed(Some((3, 1))), &[]),
            Ok(FeedAgreement::LogBehind {
                committed: 3,
                have: 0
            })
        );
        let mut bad = feed(Some((10, 1)));
        if let Some(c) = bad.log.as_mut() {
            c.root = "not base64".into();
        }
        assert_eq!(check_commitment(&bad, &both), Err(FeedConflict::BadRoot));
    }

    #[test]
    fn only_same_size_checkpoints_with_different_roots_are_a_split() {
        let (a, b, c, d) = (
            checkpoint(10, 1),
            checkpoint(10, 2),
            checkpoint(10, 1),
            checkpoint(12, 3),
        );
        assert_eq!(
            split_at_same_size(&[(0, &a), (1, &b), (2, &c), (3, &d)]),
            vec![0, 1, 2]
        );
        assert_eq!(
            split_at_same_size(&[(0, &a), (2, &c), (3, &d)]),
            Vec::<usize>::new()
        );
        assert_eq!(split_at_same_size(&[]), Vec::<usize>::new());
    }
}
