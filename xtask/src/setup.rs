//! Installing what the build and tests need, only when it is missing.
//!
//! Versions are pinned where the machines need them (see ARCHITECTURE.md,
//! "Toolchain"): trunk 0.21.14 (0.22 needs a newer rustc), wasm-bindgen-cli
//! exactly the version the app's `wasm-bindgen` crate is pinned to, and
//! wasm-opt from the npm `binaryen` package (Debian's is too old),
//! wasm-split-cli from `wasm_split_cli_support` 0.2.4 (the runtime half,
//! `wasm_split_helpers`, comes with Leptos and must agree with it), and the
//! storage servers the publish tests run (moto from pip, Azurite from npm).

use std::path::Path;

use crate::cmd::{self, command, output, run, step};

pub const TRUNK_VERSION: &str = "0.21.14";
/// Must equal the `wasm-bindgen = "=…"` pin in the root Cargo.toml.
pub const WASM_BINDGEN_VERSION: &str = "0.2.130";
/// Splits the status page's module in two (e2e/build/split.mjs). The
/// format of its split points is `wasm_split_helpers` 0.2's, which Leptos
/// 0.8 brings (Cargo.lock).
pub const WASM_SPLIT_VERSION: &str = "0.2.4";
const CHROMIUM: &str = "/usr/bin/chromium";
const KOREAN_FONT_DIR: &str = "/usr/share/fonts/truetype/nanum";

pub fn ensure_tools(with_browser: bool) -> Result<(), String> {
    ensure_wasm_target()?;
    ensure_cargo_tool(
        "trunk",
        TRUNK_VERSION,
        &["install", "--locked", "trunk", "--version", TRUNK_VERSION],
    )?;
    // No --locked: the registry lacks one of its locked dependency versions.
    ensure_cargo_tool(
        "wasm-bindgen",
        WASM_BINDGEN_VERSION,
        &[
            "install",
            "wasm-bindgen-cli",
            "--version",
            WASM_BINDGEN_VERSION,
        ],
    )?;
    ensure_wasm_split()?;
    ensure_npm_packages()?;
    ensure_storage_emulators()?;
    if with_browser {
        ensure_chromium()?;
    }
    Ok(())
}

fn ensure_wasm_target() -> Result<(), String> {
    let installed =
        output(command("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if !installed
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        step("installing the wasm32-unknown-unknown target");
        run(command("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }
    // The browser builds compile the standard library themselves, for size
    // (build::small_std): that needs its source.
    let components =
        output(command("rustup").args(["component", "list", "--installed"])).unwrap_or_default();
    if !components.lines().any(|l| l.trim().starts_with("rust-src")) {
        step("installing the standard library's source (rust-src), for the size-optimised browser builds");
        run(command("rustup").args(["component", "add", "rust-src"]))?;
    }
    Ok(())
}

/// `<tool> --version` must print the wanted version, else `cargo install`.
fn ensure_cargo_tool(tool: &str, version: &str, install: &[&str]) -> Result<(), String> {
    let found = output(command(tool).arg("--version")).unwrap_or_default();
    let installed = found.split_whitespace().any(|word| word == version);
    install_unless(installed, tool, version, install)
}

/// `cargo install` with `install`'s arguments, unless the tool is there.
fn install_unless(
    installed: bool,
    tool: &str,
    version: &str,
    install: &[&str],
) -> Result<(), String> {
    if installed {
        return Ok(());
    }
    step(&format!(
        "installing {tool} {version} (several minutes, once per machine)"
    ));
    run(command("cargo").args(install))
}

/// wasm-split-cli has no `--version`: cargo's list of what it installed
/// says which package version put it there.
fn ensure_wasm_split() -> Result<(), String> {
    let listed = output(command("cargo").args(["install", "--list"])).unwrap_or_default();
    let wanted = format!("wasm_split_cli_support v{WASM_SPLIT_VERSION}:");
    install_unless(
        listed.lines().any(|l| l.trim() == wanted),
        "wasm-split-cli",
        WASM_SPLIT_VERSION,
        &[
            "install",
            "--locked",
            "wasm_split_cli_support",
            "--version",
            WASM_SPLIT_VERSION,
            "--features",
            "build-binary",
        ],
    )
}

/// `npm ci` in e2e/ when node_modules is missing or older than the lock file.
fn ensure_npm_packages() -> Result<(), String> {
    let e2e = cmd::repo_root().join("e2e");
    let lock = e2e.join("package-lock.json");
    let installed = e2e.join("node_modules/.package-lock.json");
    if is_newer_or_same(&installed, &lock) && e2e.join("node_modules/.bin/wasm-opt").exists() {
        return Ok(());
    }
    step("installing npm packages (wasm-opt, esbuild, playwright-core, azurite)");
    run(command("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&e2e))
}

/// Where pip puts the S3-compatible server (moto) that the publish tests
/// and `demo --stores` start: in target/, beside what cargo builds.
pub const MOTO_DIR: &str = "target/storage-emulators/moto";
const MOTO_REQUIREMENTS: &str = "xtask/storage/requirements.txt";

/// `pip install --target` of the pinned moto server, when the pins
/// changed: no virtualenv (Debian's needs an apt package), and --target is
/// allowed where the system Python is externally managed (PEP 668).
fn ensure_storage_emulators() -> Result<(), String> {
    let root = cmd::repo_root();
    let requirements = std::fs::read_to_string(root.join(MOTO_REQUIREMENTS))
        .map_err(|e| format!("cannot read {MOTO_REQUIREMENTS}: {e}"))?;
    let dir = root.join(MOTO_DIR);
    let stamp = dir.join(".requirements.txt");
    let installed = std::fs::read_to_string(&stamp).ok();
    if installed.as_deref() == Some(requirements.as_str()) && dir.join("moto").is_dir() {
        return Ok(());
    }
    step("installing the S3-compatible storage server for the publish tests (pip: moto)");
    let _ = std::fs::remove_dir_all(&dir);
    run(command("python3").args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-warn-script-location",
        "--no-warn-conflicts",
        "--root-user-action=ignore",
        "--target",
        &dir.to_string_lossy(),
        "-r",
        &root.join(MOTO_REQUIREMENTS).to_string_lossy(),
    ]))?;
    std::fs::write(&stamp, requirements).map_err(|e| format!("{}: {e}", stamp.display()))
}

fn ensure_chromium() -> Result<(), String> {
    if Path::new(CHROMIUM).exists() && Path::new(KOREAN_FONT_DIR).exists() {
        return Ok(());
    }
    step("installing Chromium for the end-to-end tests (apt)");
    let sudo: &[&str] = if is_root() { &[] } else { &["sudo"] };
    let apt = |args: &[&str]| {
        let mut all: Vec<&str> = sudo.to_vec();
        all.push("apt-get");
        all.extend_from_slice(args);
        run(command(all[0])
            .args(&all[1..])
            .env("DEBIAN_FRONTEND", "noninteractive"))
    };
    apt(&["update", "-qq"])?;
    // fonts-nanum: Korean glyphs in screenshots (the app ships no web fonts).
    apt(&[
        "install",
        "-y",
        "-qq",
        "chromium",
        "chromium-driver",
        "fonts-nanum",
    ])
}

fn is_root() -> bool {
    output(std::process::Command::new("id").arg("-u")).is_some_and(|uid| uid.trim() == "0")
}

fn is_newer_or_same(a: &Path, b: &Path) -> bool {
    match (
        a.metadata().and_then(|m| m.modified()),
        b.metadata().and_then(|m| m.modified()),
    ) {
        (Ok(a), Ok(b)) => a >= b,
        _ => false,
    }
}
