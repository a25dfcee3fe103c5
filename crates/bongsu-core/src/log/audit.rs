//! Verifying a whole copy of the history log: every entry, against a signed
//! checkpoint, and against what was seen before or elsewhere.
//!
//! This is the full audit the CLI runs on mirrors and archives, and what the
//! app runs on the history it shows: recomputing the tree from every entry
//! proves the inclusion of each displayed event at once. Everything here
//! takes bytes already fetched; fetching is the caller's business.

use crate::log::checkpoint::Checkpoint;
use crate::log::event::{decode_event, EventError, LogEvent};
use crate::log::layout::{bundles_for_size, decode_bundle, BundleError, BundleRange};
use crate::log::tree::{Hash, MerkleLog};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LogError {
    #[error(transparent)]
    Bundle(#[from] BundleError),
    #[error(transparent)]
    Event(#[from] EventError),
    #[error("the {size} entries do not hash to the signed checkpoint's root: an entry was changed, removed, added or reordered")]
    RootMismatch { size: u64 },
    #[error("hash tile {path} does not match the entries")]
    HashTile { path: String },
    #[error("the log was rewritten: the tree of size {old_size} seen earlier is not a prefix of the tree of size {new_size}")]
    Rewritten { old_size: u64, new_size: u64 },
    #[error("the log shrank from {old_size} to {new_size} entries")]
    Shrunk { old_size: u64, new_size: u64 },
    #[error("more entry bundles than a log of {size} entries has")]
    ExtraBundle { size: u64 },
}

/// A log whose every entry has been checked against its checkpoint.
#[derive(Debug, Clone)]
pub struct VerifiedLog {
    pub checkpoint: Checkpoint,
    pub tree: MerkleLog,
    pub entries: Vec<Vec<u8>>,
    pub events: Vec<LogEvent>,
}

/// The entry bundle paths a log of this checkpoint's size consists of.
pub fn bundle_paths(size: u64) -> impl Iterator<Item = String> {
    bundles_for_size(size).map(|(_, _, path)| path)
}

/// Decodes the bundles (in [`bundle_paths`] order), rebuilds the tree and
/// checks its root against the checkpoint, then decodes every event.
pub fn verify_entries(
    checkpoint: Checkpoint,
    bundles: &[Vec<u8>],
) -> Result<VerifiedLog, LogError> {
    let mut check = EntriesCheck::new(checkpoint);
    for i in 0..check.bundles().len() {
        let bytes = usize::try_from(i).ok().and_then(|i| bundles.get(i));
        check.add(bytes.map_or(&[][..], Vec::as_slice))?;
    }
    check.finish()
}

/// [`verify_entries`] one bundle at a time, as the bundles arrive: a reader
/// can hash and decode each while the next is on its way, and give the
/// browser a frame between two, instead of one long block at the end.
/// The result and its errors are the same as [`verify_entries`]': a changed
/// entry is a root mismatch, even when it also fails to decode.
#[derive(Debug)]
pub struct EntriesCheck {
    checkpoint: Checkpoint,
    added: u64,
    tree: MerkleLog,
    entries: Vec<Vec<u8>>,
    events: Vec<LogEvent>,
    /// The first event that did not decode: reported only if the root
    /// matches (otherwise the mismatch is what went wrong).
    bad_event: Option<EventError>,
}

impl EntriesCheck {
    pub fn new(checkpoint: Checkpoint) -> EntriesCheck {
        let room = checkpoint.size.min(1 << 20) as usize;
        EntriesCheck {
            checkpoint,
            added: 0,
            tree: MerkleLog::new(),
            entries: Vec::with_capacity(room),
            events: Vec::with_capacity(room),
            bad_event: None,
        }
    }

    /// The bundles the checkpoint's log consists of.
    pub fn bundles(&self) -> BundleRange {
        BundleRange::all(self.checkpoint.size)
    }

    /// How many have been added.
    pub fn added(&self) -> u64 {
        self.added
    }

    /// The events decoded so far, in log order: not verified until
    /// [`EntriesCheck::finish`] says so (a reader may derive from them
    /// meanwhile, and must throw that away if it does not).
    pub fn events(&self) -> &[LogEvent] {
        &self.events
    }

    /// The next bundle, in [`bundle_paths`] order. A bundle that does not
    /// decode ends the check; so does one more than the log has.
    pub fn add(&mut self, bytes: &[u8]) -> Result<(), LogError> {
        let entries = next_bundle(self.bundles(), self.added, self.checkpoint.size, bytes)?;
        for entry in entries {
            let index = self.tree.append(&entry);
            if let Some(event) = decode_unless_broken(&mut self.bad_event, index, &entry) {
                self.events.push(event);
            }
            self.entries.push(entry);
        }
        self.added += 1;
        Ok(())
    }

    /// The verified log, once every bundle is in and the root is the
    /// checkpoint's.
    pub fn finish(self) -> Result<VerifiedLog, LogError> {
        if self.added != self.bundles().len() || self.tree.root() != self.checkpoint.root {
            return Err(LogError::RootMismatch {
                size: self.checkpoint.size,
            });
        }
        if let Some(e) = self.bad_event {
            return Err(e.into());
        }
        Ok(VerifiedLog {
            checkpoint: self.checkpoint,
            tree: self.tree,
            entries: self.entries,
            events: self.events,
        })
    }
}

/// The entries of the `n`th bundle of `wanted`, of a log of `size`: one
/// bundle more than wanted is refused, and one that does not decode ends
/// the check (both readers' rule: [`EntriesCheck`] and `kept::ResumeCheck`).
pub(crate) fn next_bundle(
    wanted: BundleRange,
    n: u64,
    size: u64,
    bytes: &[u8],
) -> Result<Vec<Vec<u8>>, LogError> {
    let Some((width, path)) = wanted.get(n) else {
        return Err(LogError::ExtraBundle { size });
    };
    Ok(decode_bundle(&path, bytes, width as usize)?)
}

/// Entry `index` decoded, unless an earlier one failed (`bad` holds the
/// first failure: reported only if the root matches, since a changed entry
/// is a root mismatch even when it no longer decodes).
pub(crate) fn decode_unless_broken(
    bad: &mut Option<EventError>,
    index: u64,
    entry: &[u8],
) -> Option<LogEvent> {
    if bad.is_some() {
        return None;
    }
    decode_event(index, entry).map_err(|e| *bad = Some(e)).ok()
}

/// Checks a mirror's hash tiles against the verified entries, so a mirror
/// that serves wrong tiles (which lightweight clients would use for proofs)
/// is caught too. `tiles` are (path, bytes) of every tile of the tree.
pub fn check_hash_tiles(log: &VerifiedLog, tiles: &[(String, Vec<u8>)]) -> Result<(), LogError> {
    let expected = crate::log::layout::log_files(&log.tree, &log.entries)?;
    for (path, bytes) in tiles {
        let good = expected.iter().find(|(p, _)| p == path);
        if good.is_none_or(|(_, b)| b != bytes) {
            return Err(LogError::HashTile { path: path.clone() });
        }
    }
    Ok(())
}

/// The hash tile paths of a tree of `size` (what [`check_hash_tiles`] wants).
pub fn hash_tile_paths(size: u64) -> Vec<String> {
    tlog_tiles::Tile::new_tiles(crate::log::tree::TILE_HEIGHT, 0, size)
        .into_iter()
        .map(|t| {
            crate::log::layout::hash_tile_path(t.level(), t.level_index(), u64::from(t.width()))
        })
        .collect()
}

/// Checks that the log extends a tree seen earlier (by this reader, a
/// witness or another mirror): same entries up to the old size.
pub fn check_extends(old_size: u64, old_root: Hash, log: &VerifiedLog) -> Result<(), LogError> {
    check_extends_with(old_size, old_root, log.tree.size(), |size| {
        log.tree.root_at(size).ok()
    })
}

/// [`check_extends`] for a reader that holds less than the whole tree: the
/// tree has `new_size` entries and `root_at` its root at a size (`None`
/// where the reader cannot tell, which is no proof of extension).
pub fn check_extends_with(
    old_size: u64,
    old_root: Hash,
    new_size: u64,
    root_at: impl Fn(u64) -> Option<Hash>,
) -> Result<(), LogError> {
    if old_size > new_size {
        return Err(LogError::Shrunk { old_size, new_size });
    }
    match root_at(old_size) {
        Some(root) if root == old_root => Ok(()),
        _ => Err(LogError::Rewritten { old_size, new_size }),
    }
}

/// Two mirrors that show different histories: the first entry where they part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitView {
    /// The smaller of the two sizes: both claim a tree of this size.
    pub size: u64,
    /// The first entry index whose content differs.
    pub first_difference: u64,
}

/// Compares two verified copies; `None` when one is a prefix of the other.
pub fn compare_views(a: &VerifiedLog, b: &VerifiedLog) -> Option<SplitView> {
    let (small, large) = if a.tree.size() <= b.tree.size() {
        (a, b)
    } else {
        (b, a)
    };
    let size = small.tree.size();
    if large.tree.root_at(size).ok() == Some(small.tree.root()) {
        return None;
    }
    let first_difference = small
        .entries
        .iter()
        .zip(&large.entries)
        .position(|(x, y)| x != y)
        .unwrap_or(small.entries.len()) as u64;
    Some(SplitView {
        size,
        first_difference,
    })
}

/// How the live feed stands with the verified history log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedAgreement {
    /// The feed commits to no log (published without one).
    NoCommitment,
    /// The log at the feed's committed size has the feed's root, and
    /// declares exactly what the feed shows.
    Agrees { size: u64 },
    /// The feed commits to more entries than the copy of the log at hand:
    /// the mirror has not caught up yet. Not a conflict, but not checked.
    LogBehind { committed: u64, have: u64 },
    /// The log at hand has grown past the feed's commitment, and only its
    /// checkpoints were checked (the status page): the feed's state is
    /// checked against the entries on the history pages.
    LogAhead { committed: u64, have: u64 },
}

/// The feed and the history tell different stories.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeedConflict {
    #[error("the feed commits to a history of {size} entries whose root differs from the verified log's")]
    RootDiffers { size: u64 },
    #[error("the feed commits to a root that is not base64 of 32 bytes")]
    BadRoot,
    #[error("at the {size} entries the feed commits to, {message}")]
    StateDiffers { size: u64, message: String },
}

/// Checks the feed's commitment against a verified log: same root at the
/// committed size, and the same declared state.
pub fn check_feed(
    feed: &crate::feed::model::Feed,
    log: &VerifiedLog,
) -> Result<FeedAgreement, FeedConflict> {
    check_feed_with(
        feed,
        log.tree.size(),
        |size| log.tree.root_at(size).ok(),
        |size| {
            let events = log.events.get(..size as usize)?;
            Some(std::borrow::Cow::Owned(
                crate::log::history::History::from_events(events),
            ))
        },
    )
}

/// [`check_feed`] for a reader that holds less than the whole log (a kept
/// log resumed: `kept.rs`): `have` entries verified, the root at a size
/// (`None` where it cannot tell) and the history at a size (`None` where it
/// cannot derive it). What it cannot tell is [`FeedAgreement::LogAhead`]:
/// checked as far as the checkpoints go, never called a conflict.
pub fn check_feed_with<'h>(
    feed: &crate::feed::model::Feed,
    have: u64,
    root_at: impl Fn(u64) -> Option<Hash>,
    history_at: impl FnOnce(u64) -> Option<std::borrow::Cow<'h, crate::log::history::History>>,
) -> Result<FeedAgreement, FeedConflict> {
    let Some(commitment) = &feed.log else {
        return Ok(FeedAgreement::NoCommitment);
    };
    if commitment.size > have {
        return Ok(FeedAgreement::LogBehind {
            committed: commitment.size,
            have,
        });
    }
    let root = crate::log::tree::parse_hash(&commitment.root).map_err(|_| FeedConflict::BadRoot)?;
    let ahead = FeedAgreement::LogAhead {
        committed: commitment.size,
        have,
    };
    match root_at(commitment.size) {
        None => return Ok(ahead),
        Some(at) if at != root => {
            return Err(FeedConflict::RootDiffers {
                size: commitment.size,
            })
        }
        Some(_) => {}
    }
    let Some(history) = history_at(commitment.size) else {
        return Ok(ahead);
    };
    match history.disagreement(feed) {
        Some(message) => Err(FeedConflict::StateDiffers {
            size: commitment.size,
            message,
        }),
        None => Ok(FeedAgreement::Agrees {
            size: commitment.size,
        }),
    }
}
