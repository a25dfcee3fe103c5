//! `cargo xtask fuzz`: the cargo-fuzz targets for everything read from the
//! network, each for a bounded time. Runs on the stable toolchain: cargo-fuzz
//! passes nightly-only flags (`-Zsanitizer=address`), which
//! `RUSTC_BOOTSTRAP=1` allows; stable ships the sanitizer runtime.

use crate::cmd::{self, command, output, run, step};

/// Pinned so `--locked` installs the same thing everywhere.
pub const CARGO_FUZZ_VERSION: &str = "0.13.2";
pub const TARGETS: [&str; 4] = ["feed", "key_chain", "json_reader", "kept_log"];

pub fn ensure_cargo_fuzz() -> Result<(), String> {
    let found = output(command("cargo").args(["fuzz", "--version"])).unwrap_or_default();
    if found.split_whitespace().any(|w| w == CARGO_FUZZ_VERSION) {
        return Ok(());
    }
    step(&format!(
        "installing cargo-fuzz {CARGO_FUZZ_VERSION} (about a minute, once per machine)"
    ));
    run(command("cargo").args([
        "install",
        "--locked",
        "cargo-fuzz",
        "--version",
        CARGO_FUZZ_VERSION,
    ]))
}

/// Runs every target for `seconds` seconds, starting from the committed
/// seeds (fuzz/seeds/) plus whatever earlier runs found (fuzz/corpus/).
pub fn run_all(seconds: u32) -> Result<(), String> {
    ensure_cargo_fuzz()?;
    let fuzz = cmd::repo_root().join("fuzz");
    // Built first, so that a compile error is not reported as a finding.
    step("building the fuzz targets");
    run(command("cargo")
        .args(["fuzz", "build"])
        .env("RUSTC_BOOTSTRAP", "1")
        .current_dir(&fuzz))
    .map_err(|error| {
        format!("{error}\nthe fuzz targets do not build: see the compiler's message above")
    })?;
    for target in TARGETS {
        step(&format!("fuzzing `{target}` for {seconds} s"));
        let corpus = format!("corpus/{target}");
        std::fs::create_dir_all(fuzz.join(&corpus)).map_err(|e| e.to_string())?;
        let result = run(command("cargo")
            .args([
                "fuzz",
                "run",
                target,
                &corpus,
                &format!("seeds/{target}"),
                "--",
            ])
            .arg(format!("-max_total_time={seconds}"))
            .arg("-print_final_stats=1")
            .env("RUSTC_BOOTSTRAP", "1")
            .current_dir(&fuzz));
        if let Err(error) = result {
            return Err(format!(
                "{error}\nthe fuzzer found an input that breaks `{target}`: it is saved under \
                 fuzz/artifacts/{target}/; reproduce with \
                 `cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run {target} <that file>`"
            ));
        }
    }
    Ok(())
}
