//! What a publish writes, in what order: the staged tree read into items,
//! each with its class (src/files.rs) and its step. Every destination takes
//! the steps in order, so a reader fetching at any moment sees only states
//! the app already accepts: what a file refers to is always there before it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::files::{self, FileClass, Tree};

/// The order of writes. A region: history tiles and entry bundles (never
/// replaced), then the key chain (a feed may be signed by a key it adds),
/// then the checkpoint (it refers to tiles), then the feed and the probe
/// observation (the feed commits to the checkpoint), then anything else
/// (the Statuspage-compatible files derived from the feed), then the
/// manifest that signs those (`Entry`: last, so it never names files a
/// reader cannot fetch yet). The app: content-hashed assets, then other files, then the entry points
/// that name the hashed assets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    Immutable,
    KeyChain,
    Checkpoint,
    Heads,
    Rest,
    Entry,
}

/// One file to publish.
#[derive(Debug, Clone)]
pub struct Item {
    /// '/'-separated, relative to the tree's root.
    pub path: String,
    pub bytes: Arc<Vec<u8>>,
    /// SHA-256 of `bytes`, hex.
    pub sha256: String,
    pub class: FileClass,
    pub step: Step,
    /// Where the file is on disk (its precompressed copies are beside it).
    pub source: PathBuf,
}

/// The step of a file in a tree.
pub fn step(tree: Tree, path: &str, class: &FileClass) -> Step {
    match tree {
        Tree::Region => match path {
            _ if class.immutable => Step::Immutable,
            "keys.json" => Step::KeyChain,
            "log/checkpoint" => Step::Checkpoint,
            "feed.note" | "probe.note" => Step::Heads,
            bongsu_core::statuspage::MANIFEST_PATH => Step::Entry,
            _ => Step::Rest,
        },
        Tree::App => {
            let name = path.rsplit('/').next().unwrap_or(path);
            match name {
                _ if class.immutable => Step::Immutable,
                "index.html" | "sw.js" | "config.json" => Step::Entry,
                _ => Step::Rest,
            }
        }
    }
}

/// Every file under `root`, in publishing order (by step, then by path).
/// Dotfiles and dot-folders (lock files, the publish journal) are never
/// published, nor the app build's precompressed copies (`x.wasm.br`),
/// which travel as their file's encoding instead. `only` limits the items
/// to those paths (a command publishing just what it wrote).
pub fn read_tree(root: &Path, tree: Tree, only: Option<&[&str]>) -> Result<Vec<Item>, String> {
    if !root.is_dir() {
        return Err(format!("{} is not a directory", root.display()));
    }
    let mut paths = Vec::new();
    walk(root, root, "", &mut paths)?;
    let mut items = Vec::new();
    for (path, source) in paths {
        if only.is_some_and(|only| !only.contains(&path.as_str())) {
            continue;
        }
        if is_precompressed_copy(&path, root) {
            continue;
        }
        let bytes =
            std::fs::read(&source).map_err(|e| format!("cannot read {}: {e}", source.display()))?;
        let class = files::classify(tree, &path);
        items.push(Item {
            step: step(tree, &path, &class),
            sha256: hex(&Sha256::digest(&bytes)),
            bytes: Arc::new(bytes),
            class,
            path,
            source,
        });
    }
    if let Some(missing) = only
        .into_iter()
        .flatten()
        .find(|path| !items.iter().any(|i| i.path == **path))
    {
        return Err(format!("{missing} is not in {}", root.display()));
    }
    items.sort_by(|a, b| (a.step, &a.path).cmp(&(b.step, &b.path)));
    Ok(items)
}

fn walk(
    root: &Path,
    dir: &Path,
    prefix: &str,
    out: &mut Vec<(String, PathBuf)>,
) -> Result<(), String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            return Err(format!(
                "{}: a file name that is not UTF-8 cannot be a URL",
                entry.path().display()
            ));
        };
        if name.starts_with('.') {
            continue;
        }
        let path = if prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{prefix}/{name}")
        };
        let kind = entry
            .file_type()
            .map_err(|e| format!("{}: {e}", entry.path().display()))?;
        if kind.is_dir() {
            walk(root, &entry.path(), &path, out)?;
        } else if kind.is_file() {
            out.push((path, entry.path()));
        } else if kind.is_symlink() {
            // As `serve` does: a link is followed only to a file inside
            // the tree, so a stray link cannot publish a key.
            let target = std::fs::canonicalize(entry.path()).ok();
            let inside = target
                .as_ref()
                .zip(std::fs::canonicalize(root).ok())
                .is_some_and(|(t, r)| t.starts_with(r) && t.is_file());
            if !inside {
                return Err(format!(
                    "{} is a link to outside the tree (or to nothing); publish copies files only from inside it",
                    entry.path().display()
                ));
            }
            out.push((path, entry.path()));
        }
    }
    Ok(())
}

/// `x.wasm.br` beside `x.wasm`.
fn is_precompressed_copy(path: &str, root: &Path) -> bool {
    [".br", ".gz"].iter().any(|suffix| {
        path.strip_suffix(suffix)
            .is_some_and(|original| root.join(original).is_file())
    })
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_region_publishes_tiles_then_keys_then_checkpoint_then_feed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for (path, body) in [
            ("feed.note", "feed"),
            ("probe.note", "probe"),
            ("keys.json", "keys"),
            ("log/checkpoint", "cp"),
            ("log/tile/0/000", "tile"),
            ("log/tile/entries/000.p/3", "bundle"),
            ("badge.svg", "<svg/>"),
            (".lock", ""),
            (".publish/x.json", "{}"),
        ] {
            let file = root.join(path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(file, body).unwrap();
        }
        let items = read_tree(root, Tree::Region, None).unwrap();
        let order: Vec<&str> = items.iter().map(|i| i.path.as_str()).collect();
        assert_eq!(
            order,
            [
                "log/tile/0/000",
                "log/tile/entries/000.p/3",
                "keys.json",
                "log/checkpoint",
                "feed.note",
                "probe.note",
                "badge.svg"
            ]
        );
        let only = read_tree(root, Tree::Region, Some(&["probe.note"])).unwrap();
        assert_eq!(only.len(), 1);
        assert_eq!(only[0].path, "probe.note");
    }

    #[test]
    fn the_app_publishes_hashed_assets_before_its_entry_points() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for path in [
            "index.html",
            "index.html.br",
            "config.json",
            "sw.js",
            "favicon.svg",
            "bongsu-app-0123456789abcdef_bg.wasm",
            "bongsu-app-0123456789abcdef_bg.wasm.br",
            "bongsu-app-0123456789abcdef_bg.wasm.gz",
            "history/index.html",
            "history/bongsu-history-0123456789abcdef.js",
        ] {
            let file = root.join(path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(file, path).unwrap();
        }
        let items = read_tree(root, Tree::App, None).unwrap();
        let order: Vec<(&str, Step)> = items.iter().map(|i| (i.path.as_str(), i.step)).collect();
        assert_eq!(
            order,
            [
                ("bongsu-app-0123456789abcdef_bg.wasm", Step::Immutable),
                (
                    "history/bongsu-history-0123456789abcdef.js",
                    Step::Immutable
                ),
                ("favicon.svg", Step::Rest),
                ("config.json", Step::Entry),
                ("history/index.html", Step::Entry),
                ("index.html", Step::Entry),
                ("sw.js", Step::Entry),
            ]
        );
    }
}
