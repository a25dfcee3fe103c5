//! Building the app's two entry points and the partner widget with Trunk
//! (only when their inputs changed) and the CLI.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::cmd::{command, repo_root, run, step};

/// What the app's and the widget's builds read; if none is newer than the
/// history pages' index.html (written last) the build is skipped (wasm-opt
/// alone costs tens of seconds).
const APP_INPUTS: &[&str] = &[
    "src",
    "style",
    "public",
    "index.html",
    "embed.html",
    "history.html",
    "Trunk.toml",
    ".cargo/config.toml",
    "Cargo.toml",
    "Cargo.lock",
    "crates/bongsu-core",
    "crates/bongsu-web",
    "crates/bongsu-widget",
    // The patched leptos_i18n.
    "vendor",
    // The post-build hook (Trunk.toml) and its esbuild.
    "e2e/build",
    "e2e/package-lock.json",
];

/// Where the widget is built, inside the app's folder: it is served from the
/// same origins, as `embed/`.
pub const WIDGET_DIST: &str = "dist/embed";

/// Where the history and incident pages are built (src/entry.rs): served
/// as `history/`, loaded when a reader goes there.
pub const HISTORY_DIST: &str = "dist/history";

pub fn cli_binary() -> PathBuf {
    repo_root().join("target/debug/bongsu")
}

pub fn app_and_cli() -> Result<(), String> {
    app()?;
    cli()
}

/// `cargo build` of the CLI. (`cargo test --workspace` also builds it, with
/// the workspace's unified features; `xtask test` uses that binary instead
/// of building a second variant.)
///
/// `cargo test --workspace` builds `target/debug/bongsu` with the whole
/// workspace's features (the app's, the dev-dependencies'), which `cargo
/// build -p bongsu-cli` does not share: it would rebuild most of the CLI's
/// dependencies for minutes. So a binary newer than everything it is built
/// from is used as it is, whichever command built it.
pub fn cli() -> Result<(), String> {
    let root = repo_root();
    let newest_input = CLI_INPUTS
        .iter()
        .filter_map(|p| newest_mtime(&root.join(p)))
        .max();
    let built = cli_binary().metadata().and_then(|m| m.modified()).ok();
    if matches!((built, newest_input), (Some(b), Some(n)) if b >= n) {
        step("the CLI is up to date (target/debug/bongsu)");
        return Ok(());
    }
    step("building the CLI");
    run(command("cargo")
        .args(["build", "--locked", "-p", "bongsu-cli"])
        .current_dir(root))
}

/// What the CLI is built from.
const CLI_INPUTS: &[&str] = &[
    "crates/bongsu-cli",
    "crates/bongsu-core",
    "crates/bongsu-widget",
    "src/locales",
    "Cargo.toml",
    "Cargo.lock",
];

/// The release app in dist/ (status page) and dist/history/, and the
/// widget in dist/embed/, rebuilt only when an input is newer.
pub fn app() -> Result<(), String> {
    let root = repo_root();
    let stamp = root.join(HISTORY_DIST).join("index.html");
    let newest_input = APP_INPUTS
        .iter()
        .filter_map(|p| newest_mtime(&root.join(p)))
        .max();
    let built = stamp.metadata().and_then(|m| m.modified()).ok();
    if matches!((built, newest_input), (Some(b), Some(n)) if b >= n) {
        step("app and widget are up to date (dist/)");
    } else {
        step("building the app (trunk build --release)");
        // Trunk's --offline also makes cargo offline, so fetch first.
        run(command("cargo")
            .args(["fetch", "--locked"])
            .current_dir(&root))?;
        run(command("trunk")
            .args(["build", "--release", "--offline"])
            .current_dir(&root))?;
        // After the app: `trunk build` empties its dist folder first.
        step("building the partner widget (trunk build embed.html --release)");
        run(command("trunk")
            .args([
                "build",
                "embed.html",
                "--release",
                "--offline",
                "--dist",
                WIDGET_DIST,
            ])
            .current_dir(&root))?;
        step("building the history pages (trunk build history.html --release)");
        run(command("trunk")
            .args([
                "build",
                "history.html",
                "--release",
                "--offline",
                "--dist",
                HISTORY_DIST,
            ])
            .current_dir(&root))?;
    }
    Ok(())
}

/// The newest modification time of a file, or of anything below a folder.
fn newest_mtime(path: &Path) -> Option<SystemTime> {
    let meta = path.metadata().ok()?;
    let own = meta.modified().ok();
    if !meta.is_dir() {
        return own;
    }
    std::fs::read_dir(path)
        .ok()?
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name() != "target")
        .filter_map(|entry| newest_mtime(&entry.path()))
        .chain(own)
        .max()
}
