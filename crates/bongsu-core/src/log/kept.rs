//! What a reader keeps between visits, so that a returning one verifies
//! only what is new: the tree's right edge at the size it verified (a
//! compact range: the root of each perfect subtree left of that size, at
//! most 64 hashes) and the history derived from those entries.
//!
//! The new entries are hashed onto that edge ([`ResumeCheck`]). Only if the
//! result is the new signed checkpoint's root is the new log the kept one
//! plus these entries: that is the consistency proof, computed by the
//! reader from entries it has to fetch anyway. Then the kept history is
//! extended with the new events, and the log's length costs nothing.
//!
//! The kept bytes are checked before use ([`KeptLog::decode`]): a checksum
//! over all of them, every field decoded with its bounds, the edge's root
//! recomputed. A reader compares that root with the checkpoint it
//! remembers; anything that does not fit is thrown away and the log read in
//! full again. Never trusted more than the storage it came from: whoever
//! can write this origin's storage can also change the page itself.

use time::{OffsetDateTime, UtcOffset};
use tlog_tiles::HashReader;

use crate::feed::model::{IncidentState, Status};
use crate::log::audit::{decode_unless_broken, next_bundle, LogError};
use crate::log::checkpoint::{Checkpoint, MAX_LOG_SIZE};
use crate::log::event::EventError;
use crate::log::history::{
    ComponentHistory, DisagreementRecord, History, IncidentRecord, MaintenanceRecord,
    ServiceHistory, StatusChange, TimelineItem,
};
use crate::log::layout::{BundleRange, TILE_WIDTH};
use crate::log::tree::{entry_hash, Hash, MerkleLog, ProofError};
use crate::probe::consensus::DisagreementKind;
use crate::text::localized::Localized;

/// The right edge of a Merkle tree and every hash appended after it: enough
/// to append, and to compute the root at this size or any larger one.
#[derive(Debug, Clone, PartialEq)]
pub struct CompactTree {
    /// The size the edge was taken at: roots of smaller trees are unknown.
    base: u64,
    size: u64,
    /// Stored hashes and their `tlog_tiles::stored_hash_index`, in index
    /// order (the edge's, then each append's: a sorted list, not a map,
    /// which cost the browser build 14 KB).
    hashes: Vec<(u64, Hash)>,
}

impl HashReader for CompactTree {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
        indexes
            .iter()
            .map(|i| self.get(*i).ok_or(tlog_tiles::Error::IndexesNotInTree))
            .collect()
    }
}

/// The stored-hash indexes of the perfect subtrees a tree of `size` is made
/// of, largest (leftmost) first: what its root and the next append read.
fn edge(size: u64) -> Vec<u64> {
    (0..64u8)
        .rev()
        .filter(|level| (size >> level) & 1 == 1)
        .map(|level| tlog_tiles::stored_hash_index(level, (size >> level) - 1))
        .collect()
}

impl CompactTree {
    fn get(&self, index: u64) -> Option<Hash> {
        let at = self.hashes.binary_search_by_key(&index, |(i, _)| *i).ok()?;
        self.hashes.get(at).map(|(_, h)| *h)
    }

    /// The edge of `tree` at its size.
    pub fn of(tree: &MerkleLog) -> CompactTree {
        let indexes = edge(tree.size());
        // Every edge hash of a tree is stored in it.
        let hashes = tree.read_hashes(&indexes).unwrap_or_default();
        CompactTree {
            base: tree.size(),
            size: tree.size(),
            hashes: indexes.into_iter().zip(hashes).collect(),
        }
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// The size the edge was taken at.
    pub fn base(&self) -> u64 {
        self.base
    }

    pub fn root(&self) -> Result<Hash, ProofError> {
        self.root_at(self.size)
    }

    /// The root the tree had at `size`, for any size from the edge's on.
    pub fn root_at(&self, size: u64) -> Result<Hash, ProofError> {
        if size < self.base || size > self.size {
            return Err(ProofError::SizesOutOfOrder {
                old: size,
                new: self.size,
            });
        }
        tlog_tiles::tree_hash(size, self).map_err(|_| ProofError::SizesOutOfOrder {
            old: size,
            new: self.size,
        })
    }

    /// Appends one entry by its leaf hash.
    pub fn append_hash(&mut self, leaf: Hash) -> Result<(), ProofError> {
        let first = tlog_tiles::stored_hash_count(self.size);
        let new =
            tlog_tiles::stored_hashes_for_record_hash(self.size, leaf, self).map_err(|_| {
                ProofError::SizesOutOfOrder {
                    old: self.size,
                    new: self.size,
                }
            })?;
        self.hashes.extend((first..).zip(new));
        self.size += 1;
        Ok(())
    }

    pub fn append(&mut self, entry: &[u8]) -> Result<(), ProofError> {
        self.append_hash(entry_hash(entry))
    }

    /// The same tree, remembering only its edge (what is worth keeping).
    pub fn trimmed(&self) -> CompactTree {
        let indexes = edge(self.size);
        let hashes = indexes
            .iter()
            .filter_map(|i| Some((*i, self.get(*i)?)))
            .collect();
        CompactTree {
            base: self.size,
            size: self.size,
            hashes,
        }
    }
}

/// Why kept bytes were not used: the reader reads the log in full instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeptError {
    #[error("the kept log state is not in this version's format")]
    Format,
    #[error("the kept log state fails its checksum (storage damaged or edited)")]
    Checksum,
    #[error("the kept log state is cut short or malformed at byte {at}")]
    Malformed { at: usize },
}

/// A log this reader verified, as it keeps it: its origin, the tree's edge
/// and the history derived from its entries.
#[derive(Debug, Clone, PartialEq)]
pub struct KeptLog {
    pub origin: String,
    pub tree: CompactTree,
    pub history: History,
}

const MAGIC: &[u8] = b"bongsu kept log 1\n";

/// FNV-1a, 64 bits: it catches damage, not an adversary (who could write
/// the storage could recompute any sum), and any one changed byte always
/// changes it (each step is a bijection of the state). SHA-256 in the
/// browser's wasm took 45 ms over the 1.3 MB kept for 100,000 events.
fn checksum(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl KeptLog {
    /// The bytes to keep for the log of `origin` whose tree is `tree` (any
    /// hashes past its edge are dropped) and history `history`.
    pub fn encode(origin: &str, tree: &CompactTree, history: &History) -> Vec<u8> {
        let mut w = Writer(MAGIC.to_vec());
        w.str(origin);
        let edge = tree.trimmed();
        w.uint(edge.size);
        for (_, hash) in &edge.hashes {
            w.0.extend_from_slice(&hash.0);
        }
        w.history(history);
        KeptLog::seal(&w.0)
    }

    /// `body` with its checksum: what [`KeptLog::decode`] checks first
    /// (public so that the fuzzer reaches the reader behind it).
    pub fn seal(body: &[u8]) -> Vec<u8> {
        let mut out = body.to_vec();
        out.extend_from_slice(&checksum(body).to_le_bytes());
        out
    }

    /// Kept bytes, checked: see the module's comment.
    pub fn decode(bytes: &[u8]) -> Result<KeptLog, KeptError> {
        if !bytes.starts_with(MAGIC) {
            return Err(KeptError::Format);
        }
        let split = bytes.len().checked_sub(8).ok_or(KeptError::Checksum)?;
        let (body, sum) = bytes.split_at(split);
        if checksum(body).to_le_bytes() != sum {
            return Err(KeptError::Checksum);
        }
        let mut r = Reader {
            bytes: body,
            at: MAGIC.len(),
        };
        let origin = r.str()?;
        let size = r.uint()?;
        // Far past any log a reader holds, and the tree arithmetic's range.
        if size > MAX_LOG_SIZE {
            return Err(r.bad());
        }
        let mut hashes = Vec::new();
        for index in edge(size) {
            let at = r.at;
            let hash: [u8; 32] = r.take(32)?.try_into().map_err(|_| r.bad_at(at))?;
            hashes.push((index, Hash(hash)));
        }
        let tree = CompactTree {
            base: size,
            size,
            hashes,
        };
        let history = r.history()?;
        if r.at != body.len() {
            return Err(r.bad());
        }
        Ok(KeptLog {
            origin,
            tree,
            history,
        })
    }

    /// The root of the kept tree.
    pub fn root(&self) -> Hash {
        // Every edge hash is present by construction (encode and decode).
        self.tree.root().unwrap_or(Hash([0; 32]))
    }
}

/// Extends a kept log to a newer checkpoint of the same log, bundle by
/// bundle, verifying only what is new: the bundles from the one holding
/// the first new entry on ([`ResumeCheck::bundles`]). The first of them may
/// begin with entries the kept tree already has; they are skipped.
#[derive(Debug)]
pub struct ResumeCheck {
    checkpoint: Checkpoint,
    wanted: BundleRange,
    added: u64,
    /// Entries of the first bundle already in the kept tree.
    skip: u64,
    tree: CompactTree,
    history: History,
    bad_event: Option<EventError>,
}

impl ResumeCheck {
    /// A check of `checkpoint`'s log from `kept` on. A checkpoint of
    /// another log, or of a smaller tree, cannot be checked this way.
    pub fn new(kept: KeptLog, checkpoint: Checkpoint) -> Result<ResumeCheck, LogError> {
        let have = kept.tree.size();
        if kept.origin != checkpoint.origin || have > checkpoint.size {
            return Err(LogError::Shrunk {
                old_size: have,
                new_size: checkpoint.size,
            });
        }
        // The bundles holding an entry past the kept ones (none when the
        // checkpoint is the kept tree itself).
        let first = have / TILE_WIDTH;
        Ok(ResumeCheck {
            wanted: BundleRange::after(checkpoint.size, have),
            checkpoint,
            added: 0,
            skip: have - first * TILE_WIDTH,
            tree: kept.tree,
            history: kept.history,
            bad_event: None,
        })
    }

    /// The bundles wanted, in order.
    pub fn bundles(&self) -> BundleRange {
        self.wanted
    }

    /// The next bundle of [`ResumeCheck::bundles`].
    pub fn add(&mut self, bytes: &[u8]) -> Result<(), LogError> {
        let entries = next_bundle(self.wanted, self.added, self.checkpoint.size, bytes)?;
        let skip = if self.added == 0 { self.skip } else { 0 };
        for entry in entries.iter().skip(skip as usize) {
            let index = self.tree.size();
            self.tree
                .append(entry)
                .map_err(|_| LogError::RootMismatch {
                    size: self.checkpoint.size,
                })?;
            if let Some(event) = decode_unless_broken(&mut self.bad_event, index, entry) {
                self.history.apply(index, &event);
            }
        }
        self.added += 1;
        Ok(())
    }

    /// The kept log grown to the checkpoint, once every new bundle is in
    /// and the root is the checkpoint's.
    pub fn finish(self) -> Result<KeptLog, LogError> {
        let mismatch = LogError::RootMismatch {
            size: self.checkpoint.size,
        };
        if self.added != self.wanted.len() || self.tree.root().ok() != Some(self.checkpoint.root) {
            return Err(mismatch);
        }
        if let Some(e) = self.bad_event {
            return Err(e.into());
        }
        Ok(KeptLog {
            origin: self.checkpoint.origin,
            tree: self.tree,
            history: self.history,
        })
    }
}

/// Little-endian base-128 numbers, length-prefixed strings and lists.
struct Writer(Vec<u8>);

impl Writer {
    fn uint(&mut self, mut n: u64) {
        while n >= 0x80 {
            self.0.push((n as u8) | 0x80);
            n >>= 7;
        }
        self.0.push(n as u8);
    }

    fn int(&mut self, n: i64) {
        self.uint(((n << 1) ^ (n >> 63)) as u64);
    }

    fn str(&mut self, s: &str) {
        self.uint(s.len() as u64);
        self.0.extend_from_slice(s.as_bytes());
    }

    fn opt_str(&mut self, s: Option<&str>) {
        match s {
            None => self.uint(0),
            Some(s) => {
                self.uint(1);
                self.str(s);
            }
        }
    }

    fn strs(&mut self, list: &[String]) {
        self.uint(list.len() as u64);
        for s in list {
            self.str(s);
        }
    }

    fn uints(&mut self, list: &[u64]) {
        self.uint(list.len() as u64);
        for n in list {
            self.uint(*n);
        }
    }

    fn time(&mut self, t: OffsetDateTime) {
        self.int(t.unix_timestamp());
        self.uint(u64::from(t.nanosecond()));
        self.int(i64::from(t.offset().whole_seconds()));
    }

    fn opt_time(&mut self, t: Option<OffsetDateTime>) {
        match t {
            None => self.uint(0),
            Some(t) => {
                self.uint(1);
                self.time(t);
            }
        }
    }

    fn text(&mut self, l: &Localized) {
        self.opt_str(l.source_lang());
        self.str(l.source());
        self.uint(l.translations().len() as u64);
        for (lang, text) in l.translations() {
            self.str(lang);
            self.str(text);
        }
    }

    fn status(&mut self, s: Status) {
        self.uint(Status::ALL.iter().position(|x| *x == s).unwrap_or(0) as u64);
    }

    fn history(&mut self, h: &History) {
        self.uint(h.services.len() as u64);
        for s in &h.services {
            self.str(&s.id);
            self.text(&s.name);
            self.time(s.listed_at);
            self.opt_time(s.delisted_at);
            self.uint(s.components.len() as u64);
            for c in &s.components {
                self.str(&c.id);
                self.text(&c.name);
                self.uint(c.changes.len() as u64);
                for change in &c.changes {
                    self.time(change.at);
                    self.status(change.status);
                    self.uint(change.entry);
                }
                self.uint(c.dependencies.len() as u64);
                for (since, deps) in &c.dependencies {
                    self.time(*since);
                    self.strs(deps);
                }
            }
        }
        self.uint(h.incidents.len() as u64);
        for i in &h.incidents {
            self.str(&i.id);
            self.text(&i.title);
            self.status(i.impact);
            self.strs(&i.components);
            self.time(i.opened_at);
            self.opt_time(i.resolved_at);
            self.uint(i.updates.len() as u64);
            for u in &i.updates {
                self.time(u.at);
                self.uint(
                    INCIDENT_STATES
                        .iter()
                        .position(|x| *x == u.state)
                        .unwrap_or(0) as u64,
                );
                self.text(&u.message);
                self.opt_str(u.sources.as_deref());
                self.uint(u.entry);
            }
            self.opt_str(i.postmortem.as_deref());
            self.uints(&i.entries);
        }
        self.uint(h.maintenances.len() as u64);
        for m in &h.maintenances {
            self.str(&m.id);
            self.text(&m.title);
            self.time(m.starts_at);
            self.time(m.ends_at);
            self.strs(&m.components);
            self.opt_time(m.started_at);
            self.opt_time(m.ended_at);
            self.uints(&m.entries);
        }
        self.uint(h.disagreements.len() as u64);
        for d in &h.disagreements {
            self.str(&d.service);
            self.uint(
                DisagreementKind::ALL
                    .iter()
                    .position(|x| *x == d.kind)
                    .unwrap_or(0) as u64,
            );
            self.time(d.since);
            self.time(d.logged_at);
            self.opt_time(d.ended_at);
            self.strs(&d.failing);
            self.strs(&d.passing);
            self.uints(&d.entries);
        }
        self.strs(&h.problems);
    }
}

const INCIDENT_STATES: [IncidentState; 4] = [
    IncidentState::Investigating,
    IncidentState::Identified,
    IncidentState::Monitoring,
    IncidentState::Resolved,
];

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn bad(&self) -> KeptError {
        self.bad_at(self.at)
    }

    fn bad_at(&self, at: usize) -> KeptError {
        KeptError::Malformed { at }
    }

    fn take(&mut self, n: usize) -> Result<&[u8], KeptError> {
        let end = self.at.checked_add(n).ok_or(self.bad())?;
        let got = self.bytes.get(self.at..end).ok_or(self.bad())?;
        self.at = end;
        Ok(got)
    }

    fn uint(&mut self) -> Result<u64, KeptError> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *self.bytes.get(self.at).ok_or(self.bad())?;
            self.at += 1;
            n |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(n);
            }
        }
        Err(self.bad())
    }

    fn int(&mut self) -> Result<i64, KeptError> {
        let n = self.uint()?;
        Ok(((n >> 1) as i64) ^ -((n & 1) as i64))
    }

    /// A count of items that take at least one byte each: never more than
    /// the bytes left (so a damaged count cannot ask for gigabytes).
    fn count(&mut self) -> Result<usize, KeptError> {
        let n = self.uint()?;
        let left = (self.bytes.len() - self.at.min(self.bytes.len())) as u64;
        if n > left {
            return Err(self.bad());
        }
        Ok(n as usize)
    }

    fn index(&mut self, of: usize) -> Result<usize, KeptError> {
        let n = self.uint()?;
        if n >= of as u64 {
            return Err(self.bad());
        }
        Ok(n as usize)
    }

    fn str(&mut self) -> Result<String, KeptError> {
        let n = self.count()?;
        let at = self.at;
        let bytes = self.take(n)?.to_vec();
        String::from_utf8(bytes).map_err(|_| self.bad_at(at))
    }

    fn opt_str(&mut self) -> Result<Option<String>, KeptError> {
        match self.index(2)? {
            0 => Ok(None),
            _ => Ok(Some(self.str()?)),
        }
    }

    fn list<T>(
        &mut self,
        mut item: impl FnMut(&mut Self) -> Result<T, KeptError>,
    ) -> Result<Vec<T>, KeptError> {
        let n = self.count()?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(item(self)?);
        }
        Ok(out)
    }

    fn strs(&mut self) -> Result<Vec<String>, KeptError> {
        self.list(Self::str)
    }

    fn uints(&mut self) -> Result<Vec<u64>, KeptError> {
        self.list(Self::uint)
    }

    fn time(&mut self) -> Result<OffsetDateTime, KeptError> {
        let at = self.at;
        let (seconds, nanos, offset) = (self.int()?, self.uint()?, self.int()?);
        let offset = i32::try_from(offset)
            .ok()
            .and_then(|o| UtcOffset::from_whole_seconds(o).ok());
        let nanos = u32::try_from(nanos).ok();
        OffsetDateTime::from_unix_timestamp(seconds)
            .ok()
            .zip(nanos)
            .and_then(|(t, n)| t.replace_nanosecond(n).ok())
            .zip(offset)
            .and_then(|(t, o)| t.checked_to_offset(o))
            .ok_or(self.bad_at(at))
    }

    fn opt_time(&mut self) -> Result<Option<OffsetDateTime>, KeptError> {
        match self.index(2)? {
            0 => Ok(None),
            _ => Ok(Some(self.time()?)),
        }
    }

    fn text(&mut self) -> Result<Localized, KeptError> {
        let at = self.at;
        let lang = self.opt_str()?;
        let text = self.str()?;
        let translations = self.list(|r| Ok((r.str()?, r.str()?)))?;
        match lang {
            None if translations.is_empty() => Ok(Localized::plain(text)),
            None => Err(self.bad_at(at)),
            Some(lang) => Ok(Localized::new(lang, text, translations)),
        }
    }

    fn status(&mut self) -> Result<Status, KeptError> {
        Ok(Status::ALL[self.index(Status::ALL.len())?])
    }

    fn history(&mut self) -> Result<History, KeptError> {
        let services = self.list(|r| {
            Ok(ServiceHistory {
                id: r.str()?,
                name: r.text()?,
                listed_at: r.time()?,
                delisted_at: r.opt_time()?,
                components: r.list(|r| {
                    Ok(ComponentHistory {
                        id: r.str()?,
                        name: r.text()?,
                        changes: r.list(|r| {
                            Ok(StatusChange {
                                at: r.time()?,
                                status: r.status()?,
                                entry: r.uint()?,
                            })
                        })?,
                        dependencies: r.list(|r| Ok((r.time()?, r.strs()?)))?,
                    })
                })?,
            })
        })?;
        let incidents = self.list(|r| {
            Ok(IncidentRecord {
                id: r.str()?,
                title: r.text()?,
                impact: r.status()?,
                components: r.strs()?,
                opened_at: r.time()?,
                resolved_at: r.opt_time()?,
                updates: r.list(|r| {
                    Ok(TimelineItem {
                        at: r.time()?,
                        state: INCIDENT_STATES[r.index(INCIDENT_STATES.len())?],
                        message: r.text()?,
                        sources: r.opt_str()?,
                        entry: r.uint()?,
                    })
                })?,
                postmortem: r.opt_str()?,
                entries: r.uints()?,
            })
        })?;
        let maintenances = self.list(|r| {
            Ok(MaintenanceRecord {
                id: r.str()?,
                title: r.text()?,
                starts_at: r.time()?,
                ends_at: r.time()?,
                components: r.strs()?,
                started_at: r.opt_time()?,
                ended_at: r.opt_time()?,
                entries: r.uints()?,
            })
        })?;
        let disagreements = self.list(|r| {
            Ok(DisagreementRecord {
                service: r.str()?,
                kind: DisagreementKind::ALL[r.index(DisagreementKind::ALL.len())?],
                since: r.time()?,
                logged_at: r.time()?,
                ended_at: r.opt_time()?,
                failing: r.strs()?,
                passing: r.strs()?,
                entries: r.uints()?,
            })
        })?;
        let problems = self.strs()?;
        Ok(History::from_parts(
            services,
            incidents,
            maintenances,
            disagreements,
            problems,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn leaf(i: u64) -> Vec<u8> {
        format!("entry {i}").into_bytes()
    }

    fn tree(n: u64) -> MerkleLog {
        let mut t = MerkleLog::new();
        for i in 0..n {
            t.append(&leaf(i));
        }
        t
    }

    proptest! {
        #[test]
        fn an_edge_grown_by_new_entries_has_the_roots_of_the_whole_tree(base in 0u64..700, more in 0u64..300) {
            let whole = tree(base + more);
            let mut compact = CompactTree::of(&tree(base));
            for i in base..base + more {
                compact.append(&leaf(i)).unwrap();
            }
            prop_assert_eq!(compact.size(), whole.size());
            for size in base..=base + more {
                prop_assert_eq!(compact.root_at(size).unwrap(), whole.root_at(size).unwrap());
            }
            if base > 0 {
                prop_assert!(compact.root_at(base - 1).is_err());
            }
            // Trimmed, it keeps the same root and still grows.
            let mut trimmed = compact.trimmed();
            prop_assert_eq!(trimmed.root().unwrap(), whole.root());
            trimmed.append(&leaf(base + more)).unwrap();
            prop_assert_eq!(trimmed.root().unwrap(), tree(base + more + 1).root());
        }
    }

    proptest! {
        /// The edge comes in stored-hash order, before anything appended:
        /// the list it is kept in stays sorted for the binary search.
        #[test]
        fn an_edge_is_in_stored_order(size in 0u64..1 << 40) {
            let e = edge(size);
            prop_assert!(e.windows(2).all(|w| w[0] < w[1]));
            prop_assert!(e.iter().all(|i| *i < tlog_tiles::stored_hash_count(size)));
        }
    }

    /// Found by the `kept_log` fuzz target: a kept size near 2^64 made the
    /// tree arithmetic overflow (a panic natively, wrapping in the browser).
    #[test]
    fn a_kept_size_past_any_log_is_refused() {
        for size in [u64::MAX, MAX_LOG_SIZE + 1] {
            let mut w = Writer(MAGIC.to_vec());
            w.str("log.example");
            w.uint(size);
            w.0.extend_from_slice(&[0; 64 * 32]);
            let read = KeptLog::decode(&KeptLog::seal(&w.0));
            assert!(matches!(read, Err(KeptError::Malformed { .. })), "{size}");
        }
    }

    #[test]
    fn an_edge_holds_one_hash_per_set_bit_of_the_size() {
        assert_eq!(edge(0), Vec::<u64>::new());
        assert_eq!(edge(0b1011).len(), 3);
        assert_eq!(
            CompactTree::of(&tree(100_000)).hashes.len(),
            100_000u64.count_ones() as usize
        );
    }
}
