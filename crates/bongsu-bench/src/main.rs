//! `bongsu-bench log [--events N] [--runs R]`: the history log benchmark,
//! natively (the same code runs in wasm under `cargo xtask bench`).
//! `bongsu-bench fixture --log-key K --out DIR --status FILE [--services 50] [--days 90]`:
//! the history page render benchmark's log.
//! `bongsu-bench statuspage [--services 50] [--days 90] [--runs 7]`: deriving
//! the Statuspage-compatible API from that log, as `sign` does each time.
//! `bongsu-bench kept [--services 50] [--days 90] [--runs 7]`: what a
//! returning history reader keeps for that log, and its cost to write and read.

use std::path::PathBuf;
use std::process::ExitCode;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn number(args: &[String], name: &str, default: usize) -> Result<usize, String> {
    arg(args, name).map_or(Ok(default), |v| {
        v.parse()
            .map_err(|_| format!("{name} wants a number, not `{v}`"))
    })
}

fn run(args: &[String]) -> Result<(), String> {
    match args.first().map(String::as_str) {
        Some("log") => {
            let n = number(args, "--events", 100_000)?;
            let runs = number(args, "--runs", 7)?;
            let (skey, vkey) = signed_note::generate_key(&mut rand_core::OsRng, "bench.log");
            let key = signed_note::StandardSigner::new(&skey).map_err(|e| e.to_string())?;
            let start = std::time::Instant::now();
            let now = move || start.elapsed().as_secs_f64() * 1000.0;
            println!("native: {}", bongsu_bench::run(n, runs, &key, &vkey, &now));
            // For the wasm run, which cannot make keys without a host RNG.
            if let Some(path) = arg(args, "--write-key") {
                std::fs::write(&path, format!("{skey}\n{vkey}\n")).map_err(|e| e.to_string())?;
            }
            Ok(())
        }
        Some("fixture") => {
            let key_path = arg(args, "--log-key").ok_or("--log-key is required")?;
            let out = PathBuf::from(arg(args, "--out").ok_or("--out is required")?);
            let status = arg(args, "--status").ok_or("--status is required")?;
            let services = number(args, "--services", 50)?;
            let days = number(args, "--days", 90)? as i64;
            let feed = arg(args, "--feed").unwrap_or_else(|| "kakao".into());
            let text = std::fs::read_to_string(&key_path).map_err(|e| format!("{key_path}: {e}"))?;
            let key = signed_note::StandardSigner::new(text.trim())
                .map_err(|_| format!("{key_path} is not a private key"))?;
            let events = bongsu_bench::fixture::history_events(
                services,
                days,
                time::OffsetDateTime::now_utc() - time::Duration::minutes(1),
            );
            for (path, bytes) in bongsu_bench::fixture::log_directory(&events, &key) {
                let file = out.join(path);
                if let Some(parent) = file.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
                }
                std::fs::write(&file, bytes).map_err(|e| format!("{}: {e}", file.display()))?;
            }
            std::fs::write(&status, bongsu_bench::fixture::status_file(&feed, services))
                .map_err(|e| format!("{status}: {e}"))?;
            println!("{} events over {days} days for {services} services", events.len());
            Ok(())
        }
        Some("statuspage") => {
            let services = number(args, "--services", 50)?;
            let days = number(args, "--days", 90)? as i64;
            let runs = number(args, "--runs", 7)?;
            println!("{}", bongsu_bench::statuspage(services, days, runs));
            Ok(())
        }
        Some("kept") => {
            let services = number(args, "--services", 50)?;
            let days = number(args, "--days", 90)? as i64;
            let runs = number(args, "--runs", 7)?;
            println!("{}", bongsu_bench::kept(services, days, runs));
            Ok(())
        }
        _ => Err("usage: bongsu-bench log [--events N] [--runs R] | statuspage [--services 50] [--days 90] [--runs R] | kept [--services 50] [--days 90] [--runs R] | fixture --log-key K --out DIR --status FILE".into()),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
