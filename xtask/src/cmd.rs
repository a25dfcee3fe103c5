//! Running commands, with the project's tool folders on PATH.

use std::path::{Path, PathBuf};
use std::process::Command;

pub fn repo_root() -> PathBuf {
    // xtask lives in <root>/xtask.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Folders with tools the project installs itself, searched before PATH:
/// npm puts wasm-opt (binaryen) in e2e/node_modules/.bin, and `cargo install`
/// puts trunk and wasm-bindgen in ~/.cargo/bin.
pub fn tool_path() -> std::ffi::OsString {
    let mut dirs = vec![repo_root().join("e2e/node_modules/.bin")];
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        dirs.push(PathBuf::from(home).join("bin"));
    } else if let Some(home) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(home).join(".cargo/bin"));
    }
    let existing = std::env::var_os("PATH").unwrap_or_default();
    dirs.extend(std::env::split_paths(&existing));
    std::env::join_paths(dirs).unwrap_or(existing)
}

/// A command that finds the project's tools first.
pub fn command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut command = Command::new(program);
    command.env("PATH", tool_path());
    command
}

pub fn step(what: &str) {
    eprintln!("\nxtask: {what}");
}

/// Runs to completion; an error if it could not start or failed.
pub fn run(command: &mut Command) -> Result<(), String> {
    let shown = format!("{command:?}");
    let status = command
        .status()
        .map_err(|e| format!("could not run {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed ({status})"))
    }
}

/// The command's stdout, or None if it could not run or failed.
pub fn output(command: &mut Command) -> Option<String> {
    let out = command.output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}
