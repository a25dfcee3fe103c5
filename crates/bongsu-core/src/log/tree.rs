//! The history log's Merkle tree (RFC 6962 / RFC 9162), held in memory.
//!
//! The tree arithmetic is Cloudflare's `tlog_tiles` (a port of Go's
//! `sumdb/tlog`); this module only stores the hashes it asks for and wraps
//! its proofs in Bongsu's error type. Every stored hash of the tree is kept
//! (about two per entry), so proofs and the tiles of any past size are cheap.

use tlog_tiles::{HashReader, TileReader};

use crate::text::invariant::holds;

pub use tlog_tiles::Hash;

/// Why a proof or a hash did not check out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("entry {index} is not in a tree of size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("a tree of size {old} cannot be a prefix of a tree of size {new}")]
    SizesOutOfOrder { old: u64, new: u64 },
    #[error("the inclusion proof for entry {index} does not lead to the root of the tree of size {size}")]
    NotIncluded { index: u64, size: u64 },
    #[error(
        "the tree of size {new} does not extend the tree of size {old}: history was rewritten"
    )]
    Inconsistent { old: u64, new: u64 },
    #[error("`{0}` is not a base64 SHA-256 hash")]
    MalformedHash(String),
}

/// An append-only Merkle tree over log entries.
#[derive(Debug, Clone, Default)]
pub struct MerkleLog {
    /// Every stored hash, indexed by `tlog_tiles::stored_hash_index`.
    hashes: Vec<Hash>,
    size: u64,
}

/// The leaf hash of one entry: SHA-256(0x00 || entry).
pub fn entry_hash(entry: &[u8]) -> Hash {
    tlog_tiles::record_hash(entry)
}

pub fn parse_hash(text: &str) -> Result<Hash, ProofError> {
    Hash::parse_hash(text).map_err(|_| ProofError::MalformedHash(text.chars().take(60).collect()))
}

impl HashReader for MerkleLog {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
        indexes
            .iter()
            .map(|&i| {
                usize::try_from(i)
                    .ok()
                    .and_then(|i| self.hashes.get(i).copied())
                    .ok_or(tlog_tiles::Error::IndexesNotInTree)
            })
            .collect()
    }
}

impl MerkleLog {
    pub fn new() -> MerkleLog {
        MerkleLog::default()
    }

    /// A tree over `entries`, in order.
    pub fn from_entries<'a>(entries: impl IntoIterator<Item = &'a [u8]>) -> MerkleLog {
        let mut log = MerkleLog::new();
        for entry in entries {
            log.append(entry);
        }
        log
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends one entry and returns its index.
    pub fn append(&mut self, entry: &[u8]) -> u64 {
        self.append_hash(entry_hash(entry))
    }

    /// Appends an entry by its leaf hash.
    pub fn append_hash(&mut self, leaf: Hash) -> u64 {
        let index = self.size;
        let new = holds(
            tlog_tiles::stored_hashes_for_record_hash(index, leaf, self),
            "every hash an append reads was stored by an earlier append",
        );
        self.hashes.extend(new);
        self.size += 1;
        index
    }

    /// The root of the whole tree.
    pub fn root(&self) -> Hash {
        holds(self.root_at(self.size), "the current size is in range")
    }

    /// The root the tree had when it held `size` entries.
    pub fn root_at(&self, size: u64) -> Result<Hash, ProofError> {
        if size > self.size {
            return Err(ProofError::SizesOutOfOrder {
                old: size,
                new: self.size,
            });
        }
        Ok(holds(
            tlog_tiles::tree_hash(size, self),
            "all stored hashes are present",
        ))
    }

    /// The audit path of entry `index` in the tree of `size` entries.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, ProofError> {
        if index >= size || size > self.size {
            return Err(ProofError::IndexOutOfRange { index, size });
        }
        Ok(holds(
            tlog_tiles::prove_record(size, index, self),
            "index and size are in range",
        ))
    }

    /// The proof that the tree of `old` entries is a prefix of the tree of `new`.
    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>, ProofError> {
        if old == 0 || old > new || new > self.size {
            return Err(ProofError::SizesOutOfOrder { old, new });
        }
        Ok(holds(
            tlog_tiles::prove_tree(new, old, self),
            "sizes are in range",
        ))
    }

    /// The hash tiles (C2SP tlog-tiles, height 8) of the tree at its current
    /// size, as (tile, bytes) pairs: full tiles and the partial right edge.
    pub fn hash_tiles(&self) -> Vec<(tlog_tiles::Tile, Vec<u8>)> {
        tlog_tiles::Tile::new_tiles(TILE_HEIGHT, 0, self.size)
            .into_iter()
            .map(|tile| {
                let data = holds(
                    tile.read_data(self),
                    "every hash of a tile inside the tree is stored",
                );
                (tile, data)
            })
            .collect()
    }
}

/// The C2SP tlog-tiles tile height: 2^8 = 256 hashes per tile.
pub const TILE_HEIGHT: u8 = 8;

/// Checks that `entry` is entry `index` of the tree of `size` entries with `root`.
pub fn verify_inclusion(
    proof: &[Hash],
    size: u64,
    root: Hash,
    index: u64,
    entry: &[u8],
) -> Result<(), ProofError> {
    verify_inclusion_of_hash(proof, size, root, index, entry_hash(entry))
}

pub fn verify_inclusion_of_hash(
    proof: &[Hash],
    size: u64,
    root: Hash,
    index: u64,
    leaf: Hash,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    // Longer than any tree of 2^64 entries needs: refuse before recursing.
    if proof.len() > 64 {
        return Err(ProofError::NotIncluded { index, size });
    }
    tlog_tiles::check_record(&proof.to_vec(), size, root, index, leaf)
        .map_err(|_| ProofError::NotIncluded { index, size })
}

/// Checks that the tree of `old` entries with `old_root` is a prefix of the
/// tree of `new` entries with `new_root`. Equal sizes need equal roots and
/// no proof.
pub fn verify_consistency(
    proof: &[Hash],
    old: u64,
    old_root: Hash,
    new: u64,
    new_root: Hash,
) -> Result<(), ProofError> {
    if old > new {
        return Err(ProofError::SizesOutOfOrder { old, new });
    }
    if old == 0 {
        return if proof.is_empty() {
            Ok(())
        } else {
            Err(ProofError::Inconsistent { old, new })
        };
    }
    if proof.len() > 128 {
        return Err(ProofError::Inconsistent { old, new });
    }
    tlog_tiles::check_tree(&proof.to_vec(), new, new_root, old, old_root)
        .map_err(|_| ProofError::Inconsistent { old, new })
}

/// A tile source for `tlog_tiles::TileHashReader` that serves tiles already
/// fetched, and records which it was asked for and did not have.
#[derive(Debug, Default)]
pub struct TileCache {
    pub tiles: std::collections::HashMap<tlog_tiles::Tile, Vec<u8>>,
    pub missing: std::cell::RefCell<Vec<tlog_tiles::Tile>>,
}

impl TileReader for TileCache {
    fn height(&self) -> u8 {
        TILE_HEIGHT
    }

    fn read_tiles(&self, tiles: &[tlog_tiles::Tile]) -> Result<Vec<Vec<u8>>, tlog_tiles::Error> {
        let mut out = Vec::with_capacity(tiles.len());
        for tile in tiles {
            match self.tiles.get(tile) {
                // A tile of the wrong length would make the reader panic.
                Some(data) if data.len() == tile.width() as usize * tlog_tiles::HASH_SIZE => {
                    out.push(data.clone())
                }
                Some(_) => return Err(tlog_tiles::Error::InvalidTile),
                None => {
                    self.missing.borrow_mut().push(*tile);
                    return Err(tlog_tiles::Error::IndexesNotInTree);
                }
            }
        }
        Ok(out)
    }

    fn save_tiles(&self, _tiles: &[tlog_tiles::Tile], _data: &[Vec<u8>]) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    trait ErrOr<T> {
        fn is_err_and_or(&self, f: impl Fn(&T) -> bool) -> bool;
    }
    impl<T, E> ErrOr<T> for Result<T, E> {
        fn is_err_and_or(&self, f: impl Fn(&T) -> bool) -> bool {
            self.as_ref().map_or(true, f)
        }
    }

    fn entries(n: usize) -> Vec<Vec<u8>> {
        (0..n).map(|i| format!("entry {i}").into_bytes()).collect()
    }

    fn log_of(n: usize) -> MerkleLog {
        let e = entries(n);
        MerkleLog::from_entries(e.iter().map(Vec::as_slice))
    }

    #[test]
    fn empty_tree_root_is_sha256_of_nothing() {
        assert_eq!(MerkleLog::new().root(), tlog_tiles::EMPTY_HASH);
    }

    #[test]
    fn one_entry_root_is_its_leaf_hash() {
        assert_eq!(log_of(1).root(), entry_hash(b"entry 0"));
    }

    #[test]
    fn rfc6962_shape_for_three_entries() {
        let e = entries(3);
        let h = |i: usize| entry_hash(&e[i]);
        let expected = tlog_tiles::node_hash(tlog_tiles::node_hash(h(0), h(1)), h(2));
        assert_eq!(log_of(3).root(), expected);
    }

    #[test]
    fn past_roots_equal_roots_of_prefixes() {
        let big = log_of(37);
        for n in 0..=37 {
            assert_eq!(
                big.root_at(n).unwrap(),
                log_of(n as usize).root(),
                "size {n}"
            );
        }
        assert!(big.root_at(38).is_err());
    }

    #[test]
    fn changed_entry_fails_inclusion() {
        let log = log_of(10);
        let proof = log.inclusion_proof(4, 10).unwrap();
        assert!(verify_inclusion(&proof, 10, log.root(), 4, b"entry 4").is_ok());
        assert_eq!(
            verify_inclusion(&proof, 10, log.root(), 4, b"entry 4!"),
            Err(ProofError::NotIncluded { index: 4, size: 10 })
        );
        assert!(verify_inclusion(&proof, 10, log.root(), 5, b"entry 4").is_err());
        assert!(verify_inclusion(&proof, 10, log.root(), 10, b"entry 4").is_err());
    }

    #[test]
    fn reordered_entries_change_the_root() {
        let mut e = entries(8);
        let root = MerkleLog::from_entries(e.iter().map(Vec::as_slice)).root();
        e.swap(2, 3);
        assert_ne!(
            MerkleLog::from_entries(e.iter().map(Vec::as_slice)).root(),
            root
        );
    }

    #[test]
    fn removed_entry_breaks_consistency() {
        let e = entries(8);
        let old = MerkleLog::from_entries(e.iter().map(Vec::as_slice));
        let mut rewritten: Vec<&[u8]> = e.iter().map(Vec::as_slice).collect();
        rewritten.remove(3);
        rewritten.push(b"new entry");
        rewritten.push(b"another");
        let new = MerkleLog::from_entries(rewritten);
        let proof = new.consistency_proof(8, 9).unwrap();
        assert_eq!(
            verify_consistency(&proof, 8, old.root(), 9, new.root()),
            Err(ProofError::Inconsistent { old: 8, new: 9 })
        );
    }

    #[test]
    fn truncated_and_regrown_tree_is_inconsistent() {
        let e = entries(12);
        let old = MerkleLog::from_entries(e.iter().map(Vec::as_slice));
        // Cut back to 9 entries, then grow past the old size with other entries.
        let mut regrown: Vec<Vec<u8>> = e[..9].to_vec();
        regrown.extend((0..6).map(|i| format!("other {i}").into_bytes()));
        let new = MerkleLog::from_entries(regrown.iter().map(Vec::as_slice));
        let proof = new.consistency_proof(12, 15).unwrap();
        assert!(verify_consistency(&proof, 12, old.root(), 15, new.root()).is_err());
        // The honest prefix (size 9) is still consistent.
        let proof9 = new.consistency_proof(9, 15).unwrap();
        assert!(verify_consistency(&proof9, 9, old.root_at(9).unwrap(), 15, new.root()).is_ok());
    }

    #[test]
    fn same_size_needs_same_root() {
        let a = log_of(5);
        let mut e = entries(5);
        e[0] = b"forged".to_vec();
        let b = MerkleLog::from_entries(e.iter().map(Vec::as_slice));
        assert!(verify_consistency(&[], 5, a.root(), 5, a.root()).is_ok());
        assert!(verify_consistency(&[], 5, a.root(), 5, b.root()).is_err());
    }

    #[test]
    fn shrinking_is_refused() {
        let a = log_of(5);
        assert_eq!(
            verify_consistency(&[], 6, a.root(), 5, a.root()),
            Err(ProofError::SizesOutOfOrder { old: 6, new: 5 })
        );
    }

    #[test]
    fn hash_tiles_cover_the_tree_and_serve_proofs() {
        let log = log_of(600);
        let mut cache = TileCache::default();
        for (tile, data) in log.hash_tiles() {
            cache.tiles.insert(tile, data);
        }
        let reader = tlog_tiles::TileHashReader::new(600, log.root(), &cache);
        let proof = tlog_tiles::prove_record(600, 517, &reader).unwrap();
        assert!(verify_inclusion(&proof, 600, log.root(), 517, b"entry 517").is_ok());
        assert!(cache.missing.borrow().is_empty());
    }

    #[test]
    fn a_forged_tile_is_detected() {
        let log = log_of(300);
        let mut cache = TileCache::default();
        for (tile, mut data) in log.hash_tiles() {
            if tile.level() == 0 && tile.level_index() == 0 {
                data[0] ^= 1;
            }
            cache.tiles.insert(tile, data);
        }
        let reader = tlog_tiles::TileHashReader::new(300, log.root(), &cache);
        // tlog_tiles 0.2 does not authenticate every tile it reads (a tile
        // that shares its parent with a tree-hash tile is skipped), so a
        // proof built from mirrored tiles is only trusted after
        // `verify_inclusion` checks it against the signed root.
        let proof = tlog_tiles::prove_record(300, 3, &reader);
        assert!(
            proof.is_err_and_or(|p| verify_inclusion(p, 300, log.root(), 3, b"entry 3").is_err())
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn every_entry_is_included_and_every_prefix_consistent(n in 1usize..300, i in 0usize..300, m in 1usize..300) {
            let i = i % n;
            let m = 1 + m % n;
            let log = log_of(n);
            let e = entries(n);
            let proof = log.inclusion_proof(i as u64, n as u64).unwrap();
            prop_assert!(verify_inclusion(&proof, n as u64, log.root(), i as u64, &e[i]).is_ok());
            let cproof = log.consistency_proof(m as u64, n as u64).unwrap();
            prop_assert!(verify_consistency(&cproof, m as u64, log.root_at(m as u64).unwrap(), n as u64, log.root()).is_ok());
        }

        #[test]
        fn random_proofs_never_panic(proof in proptest::collection::vec(any::<[u8; 32]>(), 0..70), size in 0u64..1_000_000, index in 0u64..1_000_000, old in 0u64..1_000_000) {
            let proof: Vec<Hash> = proof.into_iter().map(Hash).collect();
            let _ = verify_inclusion(&proof, size, Hash([0; 32]), index, b"x");
            let _ = verify_consistency(&proof, old, Hash([0; 32]), size, Hash([1; 32]));
        }
    }
}
