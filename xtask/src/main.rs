//! `cargo xtask <task>`: the project's automation, in Rust, needing nothing
//! but cargo. The README's two commands are `cargo xtask demo` and
//! `cargo xtask test`; both install whatever is missing first and skip what
//! is already there, so a second run costs seconds.

mod build;
mod cmd;
mod fuzz;
mod setup;
mod tidy;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  demo     install what is missing, build the app and the CLI, and run the
           demo (three local regions + the app at http://127.0.0.1:8400/);
           `demo --stores` puts the regions and the app on local S3 and
           Azure Blob servers and publishes there, as an operator would
  test     install what is missing and run every test: native unit and
           integration tests, a short fuzz run of every fuzz target, then
           end-to-end tests in headless Chromium, the size budgets, and
           every benchmark once (`bench --quick`)
  bench    time to first verified status in headless Chromium, healthy
           regions versus the primary black-holed (BENCH_RUNS=15); cold and
           returning visits on an emulated phone network and a good one,
           regions at different distances, the primary gone, against the
           lower bound; the history log of 100,000 events verified natively
           and in wasm; a status change published to three object stores
           with a ~10,000-event log; declare to verified; the history pages
           verified and rendered for 50 services x 90 days.
           `bench --quick` runs each once on smaller inputs (the test
           command does, so no benchmark rots)
  size     build the release app and print the transfer size (raw, gzip,
           brotli) of every file each build loads and the total, against
           the budget it is held to (fails above it) and its goal
  fuzz     run the cargo-fuzz targets (--seconds N each, default 60)
  setup    only install what is missing (--with-browser adds Chromium)
  build    only build the app (dist/) and the CLI (target/debug/bongsu)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("demo") => demo(&args[1..]),
        Some("test") => test(),
        Some("bench") => bench(if args.iter().any(|a| a == "--quick") {
            Bench::Quick
        } else {
            Bench::Full
        }),
        Some("size") => size(),
        Some("fuzz") => fuzz_seconds(&args[1..]).and_then(fuzz::run_all),
        Some("setup") => setup::ensure_tools(args.iter().any(|a| a == "--with-browser")),
        Some("build") => setup::ensure_tools(false).and_then(|_| build::app_and_cli()),
        Some("-h" | "--help" | "help") => {
            print!("{USAGE}");
            Ok(())
        }
        _ => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn demo(extra: &[String]) -> Result<(), String> {
    setup::ensure_tools(false)?;
    build::app_and_cli()?;
    let root = cmd::repo_root();
    let bin = build::cli_binary();
    let mut args = vec![
        "demo".to_owned(),
        "--app".to_owned(),
        root.join("dist").display().to_string(),
    ];
    args.extend(extra.iter().cloned());
    cmd::run(cmd::command(&bin).args(&args).current_dir(&root))
}

fn test() -> Result<(), String> {
    setup::ensure_tools(true)?;
    let root = cmd::repo_root();
    cmd::step("native tests: core, CLI, app logic, xtask");
    // Also builds target/debug/bongsu, which the end-to-end tests drive.
    cmd::run(
        cmd::command("cargo")
            .args(["test", "--workspace", "--locked"])
            .current_dir(&root),
    )?;
    fuzz::run_all(TEST_FUZZ_SECONDS)?;
    build::app()?;
    cmd::step("end-to-end tests in headless Chromium");
    cmd::run(
        cmd::command("npm")
            .args(["test", "--silent"])
            .env("BONGSU_BIN", build::cli_binary())
            .env("BONGSU_DIST", root.join("dist"))
            .current_dir(root.join("e2e")),
    )?;
    // A size once reached is held: every first load fails the suite if it
    // grows past its budget. (Sizes, not timings: they do not flake.)
    cmd::step("every first load within its budget");
    cmd::run(size_report().env("BONGSU_SIZE_ENFORCE", "1"))?;
    // A benchmark nobody runs rots: run each once, briefly.
    cmd::step("every benchmark once, briefly (figures printed, no timing asserted)");
    bench(Bench::Quick)
}

/// First loads in KB (1,000 bytes) brotli: the size each is held to (the
/// suite fails above it) and the goal it is meant to reach (issue 22).
/// Lower a budget whenever a build shrinks, so that it stays where it got.
const SIZES: [(&str, &str, u32, u32); 3] = [
    // 181 until the probes and the log check moved to a part fetched
    // after the first verified status (src/later.rs): 178.4 → 162.7.
    ("app", "dist", 164, 170),
    // 231 until the returning history resumed from a kept state (issue 22:
    // 2.1 s to 0.5 s at 100,000 events, O(new) instead of O(log)); that
    // and its checks cost 8.5 KB after the cuts that came with it. 240
    // until the exports and the incident page's body moved to a part
    // fetched after the first view (src/later.rs): 239.0 → 219.3.
    ("history-pages", build::HISTORY_DIST, 221, 200),
    ("widget", build::WIDGET_DIST, 83, 43),
];

/// The size report of the three builds, against their budgets and goals.
fn size_report() -> std::process::Command {
    let root = cmd::repo_root();
    let mut report = cmd::command("node");
    report.arg("bench/size-report.mjs");
    for (name, dist, budget, goal) in SIZES {
        report.arg(format!(
            "{name}={}={budget}={goal}",
            root.join(dist).display()
        ));
    }
    report.current_dir(root.join("e2e"));
    report
}

fn size() -> Result<(), String> {
    setup::ensure_tools(false)?;
    build::app()?;
    cmd::step("transfer size of the app (status page first), the history pages and the widget");
    cmd::run(size_report().env("BONGSU_SIZE_ENFORCE", "1"))
}

/// `--seconds N`, default 60.
fn fuzz_seconds(args: &[String]) -> Result<u32, String> {
    match args {
        [] => Ok(60),
        [flag, n] if flag == "--seconds" => n
            .parse()
            .map_err(|_| format!("--seconds takes a whole number, not `{n}`")),
        other => Err(format!("unexpected arguments: {}", other.join(" "))),
    }
}

/// Fuzzing time per target inside `cargo xtask test`: a smoke run that
/// keeps the suite fast; `cargo xtask fuzz` runs longer.
const TEST_FUZZ_SECONDS: u32 = 10;

/// How long `bench` runs: `Full` for figures worth quoting; `Quick` (the
/// test command's pass) runs every benchmark once on smaller inputs, so a
/// benchmark cannot rot unnoticed, and asserts no timing.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Bench {
    Full,
    Quick,
}

fn bench(mode: Bench) -> Result<(), String> {
    setup::ensure_tools(true)?;
    build::app_and_cli()?;
    let root = cmd::repo_root();
    let quick = mode == Bench::Quick;
    // Each benchmark reads these: one run each, no budget enforced.
    let node = |script: &str| {
        let mut c = cmd::command("node");
        c.arg(script)
            .env("BONGSU_BIN", build::cli_binary())
            .env("BONGSU_DIST", root.join("dist"))
            .current_dir(root.join("e2e"));
        if quick {
            c.env("BENCH_RUNS", "1").env("BENCH_QUICK", "1");
        }
        c
    };
    cmd::step("time to first verified status (headless Chromium, loopback)");
    cmd::run(&mut node("bench/first-status.mjs"))?;

    cmd::step(
        "on a phone's network: cold and returning visits, the primary gone, against the lower bound",
    );
    cmd::run(&mut node("bench/network.mjs"))?;

    // The native benchmark binary: optimised as an auditor's machine runs
    // it; the quick pass takes the debug build the tests already made.
    let (profile, bench_bin, events, runs) = if quick {
        ("dev", root.join("target/debug/bongsu-bench"), "10000", "1")
    } else {
        (
            "bench-native",
            root.join("target/bench-native/bongsu-bench"),
            "100000",
            "7",
        )
    };
    cmd::step(&format!(
        "history log of {events} events: full verification and one inclusion proof, native"
    ));
    cmd::run(cmd::command("cargo").current_dir(&root).args([
        "build",
        "--locked",
        "--profile",
        profile,
        "-p",
        "bongsu-bench",
    ]))?;
    let key = root.join("target/bench-log.key");
    cmd::run(
        cmd::command(&bench_bin)
            .args(["log", "--events", events, "--runs", runs, "--write-key"])
            .arg(&key),
    )?;
    cmd::step("the Statuspage-compatible API derived from the history page's 90-day log, native");
    cmd::run(cmd::command(&bench_bin).args(["statuspage", "--runs", runs]))?;

    cmd::step("the same in wasm (release profile, as the app), under node");
    cmd::run(
        build::small_std(&mut cmd::command("cargo"))
            .current_dir(&root)
            .args([
                "build",
                "--locked",
                "--release",
                "--target",
                "wasm32-unknown-unknown",
                "-p",
                "bongsu-bench",
                "--lib",
            ]),
    )?;
    let out = root.join("target/bench-wasm");
    cmd::run(
        cmd::command("wasm-bindgen")
            .args(["--target", "nodejs", "--out-dir"])
            .arg(&out)
            .arg(root.join("target/wasm32-unknown-unknown/release/bongsu_bench.wasm")),
    )?;
    cmd::run(
        cmd::command("node")
            .arg(root.join("crates/bongsu-bench/run-wasm.mjs"))
            .arg(&out)
            .arg(&key)
            .args([events, runs]),
    )?;

    cmd::step("a status change published to three object stores (moto, Azurite)");
    let mut publish = node("bench/publish.mjs");
    publish.env("BONGSU_BENCH_BIN", &bench_bin);
    if quick {
        publish.env("BENCH_SERVICES", "20").env("BENCH_DAYS", "60");
    }
    cmd::run(&mut publish)?;

    cmd::step("one command to declare: from enter to verified on a page polling three regions");
    cmd::run(&mut node("bench/declare.mjs"))?;

    cmd::step(
        "history pages, 50 services × 90 days, cold and returning: log verified and rendered (headless Chromium)",
    );
    let mut render = node("bench/history-render.mjs");
    render.env("BONGSU_BENCH_BIN", &bench_bin);
    cmd::run(&mut render)?;

    // The scale: 100,000 events on the phone's link. The cold visit
    // alone takes half a minute, so the quick pass takes a tenth of it.
    let (days, events) = if quick {
        ("733", "10,000")
    } else {
        ("7330", "100,000")
    };
    cmd::step(&format!(
        "history pages, {events} events on the phone's link, cold and returning (headless Chromium)"
    ));
    let mut scale = node("bench/history-render.mjs");
    scale
        .env("BONGSU_BENCH_BIN", &bench_bin)
        .env("BENCH_HISTORY_DAYS", days)
        .env("BENCH_HISTORY_LINK", "phone");
    if !quick {
        scale.env("BENCH_RUNS", "3");
    }
    cmd::run(&mut scale)
}
