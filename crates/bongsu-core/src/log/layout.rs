//! The history log as static files, in the C2SP tlog-tiles layout, so that
//! any region, CDN or archive can mirror it with a plain file copy:
//!
//! - `checkpoint`: the signed checkpoint (C2SP tlog-checkpoint);
//! - `tile/<L>/<N>[.p/<W>]`: hash tiles, 256 hashes each;
//! - `tile/entries/<N>[.p/<W>]`: entry bundles, 256 entries each, every
//!   entry prefixed by its length as a big-endian u16.
//!
//! `<N>` is written in groups of three digits, all but the last prefixed
//! with `x` (`x001/234` is tile 1234). A partial tile (`.p/<W>`) holds the
//! first W items of a tile that is not full yet.

use crate::log::tree::{MerkleLog, TILE_HEIGHT};

/// Entries (and hashes) per full tile.
pub const TILE_WIDTH: u64 = 1 << TILE_HEIGHT;
pub const CHECKPOINT_PATH: &str = "checkpoint";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    #[error("entry bundle {path}: an entry's length runs past the end of the file")]
    Truncated { path: String },
    #[error("entry bundle {path} holds {found} entries where {expected} were expected")]
    WrongCount {
        path: String,
        found: usize,
        expected: usize,
    },
    #[error("entry {index} is {len} bytes; entry bundles hold at most 65535")]
    EntryTooLarge { index: u64, len: usize },
}

fn index_path(mut n: u64) -> String {
    let mut parts = vec![format!("{:03}", n % 1000)];
    while n >= 1000 {
        n /= 1000;
        parts.push(format!("x{:03}", n % 1000));
    }
    parts.reverse();
    parts.join("/")
}

fn with_width(path: String, width: u64) -> String {
    if width == TILE_WIDTH {
        path
    } else {
        format!("{path}.p/{width}")
    }
}

/// The path of entry bundle `n` holding `width` entries.
pub fn bundle_path(n: u64, width: u64) -> String {
    with_width(format!("tile/entries/{}", index_path(n)), width)
}

/// The path of hash tile `n` at `level` holding `width` hashes.
pub fn hash_tile_path(level: u8, n: u64, width: u64) -> String {
    with_width(format!("tile/{level}/{}", index_path(n)), width)
}

/// How many entries bundle `n` of a log of `size` entries holds (a full
/// bundle's width for bundles past the end).
fn bundle_width(size: u64, n: u64) -> u64 {
    match size.saturating_sub(n * TILE_WIDTH) {
        0 => TILE_WIDTH,
        rest => rest.min(TILE_WIDTH),
    }
}

/// The bundles of a log of `size` entries: (index, width, path), in order.
pub fn bundles_for_size(size: u64) -> impl Iterator<Item = (u64, u64, String)> {
    bundles_from(size, 0)
}

/// [`bundles_for_size`] from bundle `first` on.
pub fn bundles_from(size: u64, first: u64) -> impl Iterator<Item = (u64, u64, String)> {
    let count = size.div_ceil(TILE_WIDTH);
    (first.min(count)..count).map(move |n| {
        let width = bundle_width(size, n);
        (n, width, bundle_path(n, width))
    })
}

/// The bundles a reader wants of a log of some size, in order: named one at
/// a time as it goes, never listed, so a signed size costs nothing before
/// the bundles arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BundleRange {
    size: u64,
    first: u64,
    count: u64,
}

impl BundleRange {
    /// Every bundle of a log of `size` entries.
    pub fn all(size: u64) -> BundleRange {
        BundleRange {
            size,
            first: 0,
            count: size.div_ceil(TILE_WIDTH),
        }
    }

    /// The bundles of a log of `size` holding an entry past the first `have`
    /// (none when `have` is `size`; `have` at most `size`).
    pub fn after(size: u64, have: u64) -> BundleRange {
        let first = have / TILE_WIDTH;
        let count = match have >= size {
            true => 0,
            false => size.div_ceil(TILE_WIDTH) - first,
        };
        BundleRange { size, first, count }
    }

    /// How many bundles.
    pub fn len(&self) -> u64 {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The log's index of the `n`th bundle wanted.
    pub fn index(&self, n: u64) -> u64 {
        self.first + n
    }

    /// The `n`th bundle wanted: (width, path), or none past the last.
    pub fn get(&self, n: u64) -> Option<(u64, String)> {
        (n < self.count).then(|| {
            let index = self.first + n;
            let width = bundle_width(self.size, index);
            (width, bundle_path(index, width))
        })
    }
}

/// The path of the bundle holding `entry` in a log of `size` entries.
pub fn bundle_path_for_entry(entry: u64, size: u64) -> String {
    let n = entry / TILE_WIDTH;
    bundle_path(n, bundle_width(size, n))
}

/// Encodes entries as one bundle.
pub fn encode_bundle(first_index: u64, entries: &[&[u8]]) -> Result<Vec<u8>, BundleError> {
    let mut out = Vec::with_capacity(entries.iter().map(|e| e.len() + 2).sum());
    for (i, entry) in entries.iter().enumerate() {
        let len = u16::try_from(entry.len()).map_err(|_| BundleError::EntryTooLarge {
            index: first_index + i as u64,
            len: entry.len(),
        })?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(entry);
    }
    Ok(out)
}

/// Splits a bundle into exactly `expected` entries.
pub fn decode_bundle(
    path: &str,
    bytes: &[u8],
    expected: usize,
) -> Result<Vec<Vec<u8>>, BundleError> {
    let mut entries = Vec::with_capacity(expected);
    let mut rest = bytes;
    while !rest.is_empty() {
        let (len, tail) = match rest {
            [a, b, tail @ ..] => (u16::from_be_bytes([*a, *b]) as usize, tail),
            _ => return Err(BundleError::Truncated { path: path.into() }),
        };
        if tail.len() < len {
            return Err(BundleError::Truncated { path: path.into() });
        }
        entries.push(tail[..len].to_vec());
        rest = &tail[len..];
        if entries.len() > expected {
            break;
        }
    }
    if entries.len() != expected {
        return Err(BundleError::WrongCount {
            path: path.into(),
            found: entries.len() + usize::from(!rest.is_empty()),
            expected,
        });
    }
    Ok(entries)
}

/// Every file of the log except the checkpoint: hash tiles and entry
/// bundles for the tree's current size, as (path, bytes).
pub fn log_files(
    tree: &MerkleLog,
    entries: &[Vec<u8>],
) -> Result<Vec<(String, Vec<u8>)>, BundleError> {
    assert_eq!(
        tree.size(),
        entries.len() as u64,
        "the tree is over these entries"
    );
    let mut files = Vec::new();
    for (tile, data) in tree.hash_tiles() {
        files.push((
            hash_tile_path(tile.level(), tile.level_index(), u64::from(tile.width())),
            data,
        ));
    }
    for (n, width, path) in bundles_for_size(tree.size()) {
        let start = (n * TILE_WIDTH) as usize;
        let slice: Vec<&[u8]> = entries[start..start + width as usize]
            .iter()
            .map(Vec::as_slice)
            .collect();
        files.push((path, encode_bundle(n * TILE_WIDTH, &slice)?));
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_entry_is_in_the_bundle_bundles_for_size_lists() {
        for size in [1, 255, 256, 257, 600] {
            let bundles: Vec<_> = bundles_for_size(size).collect();
            for entry in 0..size {
                let (_, _, path) = &bundles[(entry / TILE_WIDTH) as usize];
                assert_eq!(
                    &bundle_path_for_entry(entry, size),
                    path,
                    "{entry} of {size}"
                );
            }
        }
    }

    #[test]
    fn paths_follow_c2sp_tlog_tiles() {
        assert_eq!(bundle_path(0, 256), "tile/entries/000");
        assert_eq!(bundle_path(0, 7), "tile/entries/000.p/7");
        assert_eq!(bundle_path(1234, 256), "tile/entries/x001/234");
        assert_eq!(bundle_path(1_234_067, 256), "tile/entries/x001/x234/067");
        assert_eq!(hash_tile_path(0, 1, 256), "tile/0/001");
        assert_eq!(hash_tile_path(1, 0, 3), "tile/1/000.p/3");
    }

    #[test]
    fn bundles_cover_every_entry_once() {
        let b: Vec<_> = bundles_for_size(513).collect();
        assert_eq!(b.len(), 3);
        assert_eq!(b[2], (2, 1, "tile/entries/002.p/1".to_string()));
        assert_eq!(bundles_for_size(0).count(), 0);
        assert_eq!(
            bundles_for_size(256).collect::<Vec<_>>(),
            vec![(0, 256, "tile/entries/000".to_string())]
        );
    }

    #[test]
    fn a_range_names_the_bundles_a_list_would() {
        for size in [0, 1, 255, 256, 257, 511, 512, 513, 600] {
            let all: Vec<_> = bundles_for_size(size).collect();
            let range = BundleRange::all(size);
            let named: Vec<_> = (0..range.len()).map(|n| range.get(n).unwrap()).collect();
            let listed: Vec<_> = all.iter().map(|(_, w, p)| (*w, p.clone())).collect();
            assert_eq!(named, listed, "size {size}");
            assert_eq!(range.get(range.len()), None);
            for have in 0..=size {
                // The bundles holding an entry past `have`, by their index.
                let after = BundleRange::after(size, have);
                let past: Vec<_> = all
                    .iter()
                    .filter(|(n, w, _)| n * TILE_WIDTH + w > have)
                    .map(|(n, w, p)| (*n, *w, p.clone()))
                    .collect();
                let named: Vec<_> = (0..after.len())
                    .map(|n| {
                        let (w, p) = after.get(n).unwrap();
                        (after.index(n), w, p)
                    })
                    .collect();
                assert_eq!(named, past, "size {size}, have {have}");
            }
        }
    }

    #[test]
    fn bundle_round_trip_and_damage() {
        let entries: [&[u8]; 3] = [b"a", b"", b"ccc"];
        let bytes = encode_bundle(0, &entries).unwrap();
        assert_eq!(bytes, b"\0\x01a\0\0\0\x03ccc");
        assert_eq!(
            decode_bundle("p", &bytes, 3).unwrap(),
            vec![b"a".to_vec(), vec![], b"ccc".to_vec()]
        );
        assert!(matches!(
            decode_bundle("p", &bytes[..bytes.len() - 1], 3),
            Err(BundleError::Truncated { .. })
        ));
        assert!(matches!(
            decode_bundle("p", &bytes, 2),
            Err(BundleError::WrongCount { .. })
        ));
        assert!(matches!(
            decode_bundle("p", &bytes, 4),
            Err(BundleError::WrongCount { .. })
        ));
        assert!(matches!(
            decode_bundle("p", &[0], 1),
            Err(BundleError::Truncated { .. })
        ));
    }

    #[test]
    fn oversized_entries_are_refused() {
        let big = vec![0u8; 70_000];
        assert!(matches!(
            encode_bundle(5, &[&big]),
            Err(BundleError::EntryTooLarge { index: 5, .. })
        ));
    }

    #[test]
    fn log_files_list_tiles_and_bundles() {
        let entries: Vec<Vec<u8>> = (0..300).map(|i| format!("e{i}").into_bytes()).collect();
        let tree = MerkleLog::from_entries(entries.iter().map(Vec::as_slice));
        let files = log_files(&tree, &entries).unwrap();
        let paths: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
        assert!(paths.contains(&"tile/0/000"));
        assert!(paths.contains(&"tile/0/001.p/44"));
        assert!(paths.contains(&"tile/1/000.p/1"));
        assert!(paths.contains(&"tile/entries/000"));
        assert!(paths.contains(&"tile/entries/001.p/44"));
    }
}
