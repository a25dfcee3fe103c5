//! What each file Bongsu serves or publishes is to HTTP: its Content-Type,
//! how long it may be cached, and whether it is worth compressing, with
//! the encodings themselves. One table for `bongsu serve` and `bongsu
//! publish`, so a file reads the same from a directory, a bucket, or a CDN
//! in front of either.

use std::io::{Read, Write};

/// History tiles, entry bundles and the app's content-hashed assets never
/// change under their name (C2SP tlog-tiles says so of partial tiles too:
/// a partial tile of a given width is itself final).
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Feeds, the key chain, the checkpoint, probe observations and the app's
/// entry points: fresh for a few seconds, revalidated in the background for
/// half a minute, and served stale for a week if the origin fails, so a CDN
/// keeps the last copy when the store behind it is gone. Never `no-cache`,
/// `must-revalidate` or `s-maxage`: each of them turns `stale-if-error` off
/// at some shared caches. The app's own fetches revalidate every time
/// regardless (fetch cache mode `no-cache`), so readers see a change at
/// once and an unchanged file costs a 304.
pub const MUTABLE: &str = "public, max-age=5, stale-while-revalidate=30, stale-if-error=604800";

/// Which kind of tree a file belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tree {
    /// A region: feed, key chain, log, probe observation.
    Region,
    /// The built app (status page, history pages, widget) or another page.
    App,
}

/// How one file is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileClass {
    pub content_type: &'static str,
    pub immutable: bool,
    /// Worth sending compressed (text, JSON, JS, wasm, entry bundles); hash
    /// tiles are random bytes and images are compressed already.
    pub compressible: bool,
}

impl FileClass {
    pub fn cache_control(&self) -> &'static str {
        if self.immutable {
            IMMUTABLE
        } else {
            MUTABLE
        }
    }
}

/// The class of `path` ('/'-separated, relative to the tree's root).
pub fn classify(tree: Tree, path: &str) -> FileClass {
    let content_type = content_type(path);
    let textual = content_type.starts_with("text/")
        || matches!(
            content_type,
            "application/json"
                | "application/wasm"
                | "image/svg+xml"
                | "application/manifest+json"
                | "application/xml"
                | "application/atom+xml"
                | "application/rss+xml"
        );
    match tree {
        Tree::Region => {
            let tile = path.starts_with("log/tile/");
            FileClass {
                content_type,
                immutable: tile,
                compressible: textual || path.starts_with("log/tile/entries/"),
            }
        }
        Tree::App => FileClass {
            content_type,
            immutable: is_content_hashed(path),
            compressible: textual,
        },
    }
}

/// The Content-Type by name, as the app's checks expect it.
pub fn content_type(path: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or(path);
    if name == "checkpoint" {
        return "text/plain; charset=utf-8";
    }
    let extension = name.rsplit_once('.').map(|(_, e)| e).unwrap_or_default();
    match extension {
        "note" | "txt" => "text/plain; charset=utf-8",
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "webmanifest" => "application/manifest+json",
        "xml" => "application/xml",
        "atom" => "application/atom+xml",
        "rss" => "application/rss+xml",
        "csv" => "text/csv; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Trunk names what it builds `<name>-<hash>` (before the extension, `_bg`,
/// or as a folder, `snippets/bongsu-web-<hash>/`), a hash of the content:
/// such a name never holds other bytes. The hash is a u64 in hex without
/// leading zeros, so it has 16 digits in 15 builds of 16 and fewer in the
/// rest; 8 or more are taken as one (fewer in one build of 2^32).
pub fn is_content_hashed(path: &str) -> bool {
    path.split('/').any(|component| {
        let bytes = component.as_bytes();
        bytes.iter().enumerate().any(|(i, &b)| {
            if b != b'-' {
                return false;
            }
            let digits = bytes[i + 1..]
                .iter()
                .take_while(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(*b))
                .count();
            let after = bytes.get(i + 1 + digits).copied();
            (8..=16).contains(&digits) && matches!(after, None | Some(b'.') | Some(b'_'))
        })
    })
}

/// A body's Content-Encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, clap::ValueEnum)]
pub enum Encoding {
    Identity,
    Gzip,
    Br,
}

impl Encoding {
    /// The Content-Encoding header's value (none for identity).
    pub fn header(self) -> Option<&'static str> {
        match self {
            Encoding::Identity => None,
            Encoding::Gzip => Some("gzip"),
            Encoding::Br => Some("br"),
        }
    }

    /// The suffix of a precompressed copy beside a file (`x.wasm.br`), as
    /// the app's build writes them and static servers know them.
    pub fn sibling_suffix(self) -> Option<&'static str> {
        match self {
            Encoding::Identity => None,
            Encoding::Gzip => Some(".gz"),
            Encoding::Br => Some(".br"),
        }
    }

    /// The ETag's suffix, so each representation has its own validator.
    pub fn etag_suffix(self) -> &'static str {
        match self {
            Encoding::Identity => "",
            Encoding::Gzip => "-gz",
            Encoding::Br => "-br",
        }
    }
}

/// How hard to compress: publishing compresses once for millions of
/// readers; serving without a precompressed copy must answer now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effort {
    Best,
    Quick,
}

/// `bytes` in `encoding`.
pub fn encode(bytes: &[u8], encoding: Encoding, effort: Effort) -> Vec<u8> {
    match encoding {
        Encoding::Identity => bytes.to_vec(),
        Encoding::Gzip => {
            let level = match effort {
                Effort::Best => flate2::Compression::best(),
                Effort::Quick => flate2::Compression::new(6),
            };
            let mut out = flate2::write::GzEncoder::new(Vec::new(), level);
            // Writing to a Vec cannot fail.
            let _ = out.write_all(bytes);
            out.finish().unwrap_or_default()
        }
        Encoding::Br => {
            let quality = match effort {
                Effort::Best => 11,
                Effort::Quick => 5,
            };
            let mut out = Vec::new();
            let params = brotli::enc::BrotliEncoderParams {
                quality,
                lgwin: 22,
                size_hint: bytes.len(),
                ..Default::default()
            };
            let _ = brotli::BrotliCompress(&mut &bytes[..], &mut out, &params);
            out
        }
    }
}

/// `bytes` decoded from `encoding`, or None if they are not a valid
/// encoding or decode to more than `limit` bytes.
pub fn decode(bytes: &[u8], encoding: Encoding, limit: usize) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    let read = match encoding {
        Encoding::Identity => return (bytes.len() <= limit).then(|| bytes.to_vec()),
        Encoding::Gzip => flate2::read::GzDecoder::new(bytes)
            .take(cap)
            .read_to_end(&mut out),
        Encoding::Br => brotli::Decompressor::new(bytes, 4096)
            .take(cap)
            .read_to_end(&mut out),
    };
    (read.is_ok() && out.len() <= limit).then_some(out)
}

/// The encoding to send for a request's Accept-Encoding: brotli, then
/// gzip, among those the client accepts (q > 0); identity otherwise.
pub fn negotiate(accept_encoding: Option<&str>) -> Encoding {
    let Some(header) = accept_encoding else {
        return Encoding::Identity;
    };
    let mut br = None;
    let mut gzip = None;
    let mut star = None;
    for item in header.split(',') {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q=").or(p.trim().strip_prefix("Q=")))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let accepted = q > 0.0;
        match coding.as_str() {
            "br" => br = Some(accepted),
            "gzip" | "x-gzip" => gzip = Some(accepted),
            "*" => star = Some(accepted),
            _ => {}
        }
    }
    let star = star.unwrap_or(false);
    if br.unwrap_or(star) {
        Encoding::Br
    } else if gzip.unwrap_or(star) {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_files_by_class() {
        let feed = classify(Tree::Region, "feed.note");
        assert_eq!(feed.content_type, "text/plain; charset=utf-8");
        assert_eq!(feed.cache_control(), MUTABLE);
        assert!(feed.compressible);
        let keys = classify(Tree::Region, "keys.json");
        assert_eq!(keys.content_type, "application/json");
        assert!(!keys.immutable);
        let checkpoint = classify(Tree::Region, "log/checkpoint");
        assert_eq!(checkpoint.content_type, "text/plain; charset=utf-8");
        assert!(!checkpoint.immutable);
        for tile in [
            "log/tile/0/000",
            "log/tile/1/x001/234.p/7",
            "log/tile/0/000.p/3",
        ] {
            let class = classify(Tree::Region, tile);
            assert!(class.immutable, "{tile}");
            assert!(!class.compressible, "{tile}: hash tiles are random");
            assert_eq!(class.content_type, "application/octet-stream");
        }
        // The Statuspage-compatible files: mutable like the feed they come from.
        for (path, content_type) in [
            ("api/v2/summary.json", "application/json"),
            ("api/v2/incidents/unresolved.json", "application/json"),
            ("history.rss", "application/rss+xml"),
            ("history.atom", "application/atom+xml"),
            ("api/v2/x-bongsu-manifest.note", "text/plain; charset=utf-8"),
        ] {
            let class = classify(Tree::Region, path);
            assert_eq!(class.content_type, content_type, "{path}");
            assert!(!class.immutable && class.compressible, "{path}");
        }
        let bundle = classify(Tree::Region, "log/tile/entries/000.p/5");
        assert!(bundle.immutable && bundle.compressible);
    }

    #[test]
    fn app_files_by_class() {
        for hashed in [
            "bongsu-app-0123456789abcdef_bg.wasm",
            "bongsu-app-0123456789abcdef.js",
            "history/main-0123456789abcdef.css",
            "snippets/bongsu-web-0123456789abcdef/js/ed25519.js",
            // Trunk's hash without its leading zeros.
            "bongsu-history-bd0713f36612ef4_bg.wasm",
            // The parts split off each entry point (e2e/build/split.mjs).
            "bongsu-app-split-0123456789abcdef.js",
            "later/bongsu-app-later-0123456789abcdef.wasm",
            "history/later/bongsu-history-later-0123456789abcdef.wasm",
        ] {
            assert!(classify(Tree::App, hashed).immutable, "{hashed}");
        }
        for entry in [
            "index.html",
            "sw.js",
            "config.json",
            "embed/index.html",
            "fallback/ed25519.js",
            "favicon.svg",
            // Not a hash of 8 to 16 hex digits.
            "bongsu-app-0123456.js",
            "bongsu-app-0123456789abcdeg.js",
            "a-0123456789abcdef0.js",
        ] {
            assert!(!classify(Tree::App, entry).immutable, "{entry}");
        }
        assert_eq!(
            classify(Tree::App, "x-0123456789abcdef_bg.wasm").content_type,
            "application/wasm"
        );
        assert!(!classify(Tree::App, "icon.png").compressible);
    }

    #[test]
    fn encodings_round_trip_and_limits_hold() {
        let text = "bongsu ".repeat(1000).into_bytes();
        for encoding in [Encoding::Identity, Encoding::Gzip, Encoding::Br] {
            for effort in [Effort::Best, Effort::Quick] {
                let encoded = encode(&text, encoding, effort);
                if encoding != Encoding::Identity {
                    assert!(encoded.len() < text.len() / 10, "{encoding:?}");
                }
                assert_eq!(decode(&encoded, encoding, text.len()), Some(text.clone()));
                assert_eq!(decode(&encoded, encoding, text.len() - 1), None);
            }
        }
        assert_eq!(decode(b"not gzip", Encoding::Gzip, 100), None);
        assert_eq!(decode(b"not brotli at all", Encoding::Br, 100), None);
    }

    #[test]
    fn negotiation_follows_accept_encoding() {
        assert_eq!(negotiate(None), Encoding::Identity);
        assert_eq!(negotiate(Some("gzip, deflate, br, zstd")), Encoding::Br);
        assert_eq!(negotiate(Some("gzip, deflate")), Encoding::Gzip);
        assert_eq!(negotiate(Some("br;q=0, gzip;q=0.5")), Encoding::Gzip);
        assert_eq!(negotiate(Some("identity")), Encoding::Identity);
        assert_eq!(negotiate(Some("*")), Encoding::Br);
        assert_eq!(negotiate(Some("*;q=0")), Encoding::Identity);
        assert_eq!(negotiate(Some("*, br;q=0")), Encoding::Gzip);
        assert_eq!(negotiate(Some("GZIP")), Encoding::Gzip);
    }
}
