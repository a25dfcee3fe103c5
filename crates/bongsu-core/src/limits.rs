//! How large each file a region serves may be, by its path: one table for
//! every reader (the app, `audit`, `sign --probes`), so that no region can
//! make a reader download or hold more than the protocol allows for that
//! kind of file.

use crate::feed::verify::MAX_FEED_BYTES;
use crate::keys::keyset::MAX_KEY_CHAIN_BYTES;
use crate::log::checkpoint::MAX_CHECKPOINT_BYTES;
use crate::log::event::MAX_EVENT_BYTES;
use crate::log::layout::TILE_WIDTH;
use crate::probe::observation::MAX_OBSERVATION_BYTES;

/// A full entry bundle: 256 entries, each with its two-byte length.
pub const MAX_BUNDLE_BYTES: usize = TILE_WIDTH as usize * (2 + MAX_EVENT_BYTES);
/// A full hash tile: 256 hashes of 32 bytes.
pub const MAX_HASH_TILE_BYTES: usize = TILE_WIDTH as usize * 32;
/// Anything else a region serves (the app's own files are not read this way).
pub const MAX_OTHER_BYTES: usize = 1024 * 1024;

/// The most a reader accepts for the file at `path` (relative to a region's
/// root, e.g. `log/tile/entries/000`).
pub fn max_bytes(path: &str) -> usize {
    let path = path.trim_start_matches('/');
    match path {
        "keys.json" => MAX_KEY_CHAIN_BYTES,
        "feed.note" => MAX_FEED_BYTES,
        "probe.note" => MAX_OBSERVATION_BYTES,
        "log/checkpoint" => MAX_CHECKPOINT_BYTES,
        crate::statuspage::MANIFEST_PATH => crate::statuspage::MAX_MANIFEST_BYTES,
        p if p.starts_with("log/tile/entries/") => MAX_BUNDLE_BYTES,
        p if p.starts_with("log/tile/") => MAX_HASH_TILE_BYTES,
        _ => MAX_OTHER_BYTES,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_file_has_its_own_limit() {
        assert_eq!(max_bytes("keys.json"), 256 * 1024);
        assert_eq!(max_bytes("probe.note"), 64 * 1024);
        assert_eq!(max_bytes("log/checkpoint"), 16 * 1024);
        assert_eq!(
            max_bytes("log/tile/entries/x001/234"),
            256 * (2 + 16 * 1024)
        );
        assert_eq!(max_bytes("log/tile/entries/000.p/7"), MAX_BUNDLE_BYTES);
        assert_eq!(max_bytes("log/tile/0/000"), 8192);
        assert_eq!(max_bytes("/feed.note"), 256 * 1024);
        assert_eq!(max_bytes("api/v2/x-bongsu-manifest.note"), 16 * 1024);
        assert_eq!(max_bytes("api/v2/summary.json"), MAX_OTHER_BYTES);
    }
}
