//! Benchmarks of the history log, identical natively and in wasm: build a
//! log of N events, then time (a) verifying it in full from its bundles and
//! signed checkpoint, as the app and `bongsu audit` do, and (b) verifying
//! one inclusion proof against the checkpoint's root.

use bongsu_core::log::encode_bundle;
use bongsu_core::log::verify_entries;
use bongsu_core::log::{encode_event, ComponentName, Event, LogEvent};
use bongsu_core::log::{sign_checkpoint, verify_checkpoint};
use bongsu_core::log::{verify_inclusion, MerkleLog};
use bongsu_core::{KeySet, RoleKeys, Roles, Status};
use signed_note::Signer;
use time::macros::datetime;
use time::Duration;

pub mod fixture;

/// `services` services of `components` components each, listed at `start`,
/// then status changes, one a minute, cycling through the statuses.
pub fn events(n: usize, services: usize, components: usize) -> Vec<LogEvent> {
    let start = datetime!(2022-10-15 00:00 +09:00);
    let mut out = Vec::with_capacity(n);
    for s in 0..services.min(n) {
        out.push(LogEvent {
            at: start,
            event: Event::ServiceListed {
                service: format!("service-{s}"),
                name: format!("Service {s}").into(),
                components: (0..components)
                    .map(|c| ComponentName {
                        depends_on: Vec::new(),
                        id: format!("c{c}"),
                        name: format!("Component {c}").into(),
                    })
                    .collect(),
            },
        });
    }
    let cycle = [
        Status::MajorOutage,
        Status::PartialOutage,
        Status::DegradedPerformance,
        Status::Operational,
    ];
    let mut i = 0usize;
    while out.len() < n {
        out.push(LogEvent {
            at: start + Duration::minutes(i as i64),
            event: Event::ComponentStatus {
                service: format!("service-{}", i % services),
                component: format!("c{}", (i / services) % components),
                status: cycle[(i / (services * components)) % cycle.len()],
            },
        });
        i += 1;
    }
    out
}

/// A signed log: entries, their bundles, the checkpoint and a key set that trusts it.
pub struct SignedLog {
    pub entries: Vec<Vec<u8>>,
    pub bundles: Vec<Vec<u8>>,
    pub checkpoint: Vec<u8>,
    pub key_set: KeySet,
    pub tree: MerkleLog,
}

pub fn signed_log(events: &[LogEvent], signer: &dyn Signer, vkey: &str) -> SignedLog {
    let entries: Vec<Vec<u8>> = events.iter().map(encode_event).collect();
    let tree = MerkleLog::from_entries(entries.iter().map(Vec::as_slice));
    let bundles = entries
        .chunks(256)
        .enumerate()
        .map(|(n, chunk)| {
            let refs: Vec<&[u8]> = chunk.iter().map(Vec::as_slice).collect();
            encode_bundle(n as u64 * 256, &refs).expect("entries are small")
        })
        .collect();
    let checkpoint =
        sign_checkpoint(tree.size(), tree.root(), &[signer]).expect("a fresh key signs");
    let keys = RoleKeys {
        threshold: 1,
        keys: vec![vkey.to_owned()],
    };
    let key_set = KeySet {
        feed: "bench".into(),
        version: 1,
        issued_at: datetime!(2022-01-01 0:00 UTC),
        expires_at: datetime!(2100-01-01 0:00 UTC),
        revoked: Vec::new(),
        root: keys.clone(),
        roles: Roles {
            status: keys.clone(),
            log: Some(keys),
            witness: None,
            probes: Default::default(),
        },
    };
    SignedLog {
        entries,
        bundles,
        checkpoint,
        key_set,
        tree,
    }
}

/// The full check: signature, every entry, the root. Returns the size.
pub fn verify_full(log: &SignedLog) -> u64 {
    let checkpoint =
        verify_checkpoint(&log.checkpoint, &log.key_set).expect("the checkpoint verifies");
    verify_entries(checkpoint, &log.bundles)
        .expect("the log verifies")
        .tree
        .size()
}

/// One inclusion proof, checked against the signed checkpoint's root.
pub fn verify_one_inclusion(log: &SignedLog, index: u64, proof: &[bongsu_core::log::Hash]) -> bool {
    let checkpoint =
        verify_checkpoint(&log.checkpoint, &log.key_set).expect("the checkpoint verifies");
    verify_inclusion(
        proof,
        checkpoint.size,
        checkpoint.root,
        index,
        &log.entries[index as usize],
    )
    .is_ok()
}

pub fn median(xs: &mut [f64]) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }
}

/// Runs the log benchmark with `now_ms` as the clock; returns the report.
pub fn run(
    n: usize,
    runs: usize,
    key: &signed_note::StandardSigner,
    vkey: &str,
    now_ms: &dyn Fn() -> f64,
) -> String {
    let t = now_ms();
    let events = events(n, 50, 4);
    let log = signed_log(&events, key, vkey);
    let build = now_ms() - t;
    let mut full = Vec::new();
    for _ in 0..runs {
        let t = now_ms();
        assert_eq!(verify_full(&log), n as u64);
        full.push(now_ms() - t);
    }
    let index = n as u64 / 2;
    let proof = log
        .tree
        .inclusion_proof(index, n as u64)
        .expect("index in range");
    let reps = 1000;
    let mut one = Vec::new();
    for _ in 0..runs {
        let t = now_ms();
        for _ in 0..reps {
            assert!(verify_one_inclusion(&log, index, &proof));
        }
        one.push((now_ms() - t) / f64::from(reps));
    }
    format!(
        "{n} events ({} bundles, {:.1} MB): built in {build:.0} ms; full verification median {:.1} ms over {runs} runs; one inclusion proof ({} hashes, checkpoint signature included) median {:.1} µs",
        log.bundles.len(),
        log.bundles.iter().map(Vec::len).sum::<usize>() as f64 / 1e6,
        median(&mut full),
        proof.len(),
        median(&mut one) * 1000.0,
    )
}

#[cfg(target_arch = "wasm32")]
mod wasm {
    use wasm_bindgen::prelude::*;

    /// The benchmark in wasm, timed with the host's clock (node's performance.now).
    #[wasm_bindgen]
    pub fn bench_log(n: usize, runs: usize, skey: &str, vkey: &str) -> String {
        let key = signed_note::StandardSigner::new(skey).expect("a valid key");
        let perf = js_sys::Reflect::get(&js_sys::global(), &"performance".into())
            .ok()
            .filter(|p| !p.is_undefined());
        let now = move || -> f64 {
            perf.as_ref()
                .and_then(|p| {
                    let f: js_sys::Function = js_sys::Reflect::get(p, &"now".into())
                        .ok()?
                        .dyn_into()
                        .ok()?;
                    f.call0(p).ok()?.as_f64()
                })
                .unwrap_or_else(js_sys::Date::now)
        };
        super::run(n, runs, &key, vkey, &now)
    }
}

/// Deriving the Statuspage-compatible API (`sign` does it on every signing)
/// from the history page benchmark's log: the median time of `runs`, and
/// the files' sizes. Native only (`Instant` has no clock in wasm32).
#[cfg(not(target_arch = "wasm32"))]
pub fn statuspage(services: usize, days: i64, runs: usize) -> String {
    use bongsu_core::statuspage::{derive, PageInfo};
    let now = time::OffsetDateTime::now_utc();
    let events = fixture::history_events(services, days, now - time::Duration::minutes(1));
    let history = bongsu_core::log::History::from_events(&events);
    let feed = bongsu_core::Feed {
        feed: "kakao".into(),
        seq: 1,
        issued_at: now,
        expires_at: now + time::Duration::hours(1),
        log: Some(bongsu_core::LogCommitment {
            size: events.len() as u64,
            root: String::new(),
        }),
        services: history.declared_services(),
        incidents: history.declared_incidents(),
        maintenances: history.declared_maintenances(),
    };
    let page = PageInfo {
        name: "Bench".into(),
        url: "https://status.example/".into(),
        lang: None,
    };
    let mut times = Vec::with_capacity(runs);
    let mut files = Vec::new();
    for _ in 0..runs.max(1) {
        let start = std::time::Instant::now();
        files = derive(&feed, Some(&events), &page);
        times.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    // How much of it is reading the log into a history (shared with the
    // history pages), the rest being the API's own work.
    let mut reading = Vec::with_capacity(runs.max(1));
    for _ in 0..runs.max(1) {
        let start = std::time::Instant::now();
        std::hint::black_box(bongsu_core::log::History::from_events(&events));
        reading.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    let sizes: Vec<String> = files
        .iter()
        .map(|f| format!("{} {:.1} KB", f.path, f.bytes.len() as f64 / 1000.0))
        .collect();
    format!(
        "Statuspage API from {} events ({} incidents, {services} services): derive median {:.1} ms of {} runs (of which History::from_events {:.1} ms); {}",
        events.len(),
        history.incidents.len(),
        median(&mut times),
        times.len(),
        median(&mut reading),
        sizes.join(", ")
    )
}

/// What a history reader keeps between visits (`bongsu_core::log::KeptLog`)
/// for the history page benchmark's log: its size, and the median times of
/// `runs` to write it and to read it back (checked). Native only.
#[cfg(not(target_arch = "wasm32"))]
pub fn kept(services: usize, days: i64, runs: usize) -> String {
    use bongsu_core::log::{CompactTree, History, KeptLog, MerkleLog};
    let now = time::OffsetDateTime::now_utc();
    let events = fixture::history_events(services, days, now - time::Duration::minutes(1));
    let entries: Vec<Vec<u8>> = events.iter().map(bongsu_core::log::encode_event).collect();
    let tree = CompactTree::of(&MerkleLog::from_entries(entries.iter().map(Vec::as_slice)));
    let history = History::from_events(&events);
    let changes: usize = history
        .services
        .iter()
        .flat_map(|s| &s.components)
        .map(|c| c.changes.len())
        .sum();
    let time = |f: &mut dyn FnMut()| {
        let mut times: Vec<f64> = (0..runs.max(1))
            .map(|_| {
                let start = std::time::Instant::now();
                f();
                start.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        median(&mut times)
    };
    let mut bytes = Vec::new();
    let write = time(&mut || bytes = KeptLog::encode("bench.log", &tree, &history));
    let read = time(&mut || {
        std::hint::black_box(KeptLog::decode(&bytes).is_ok());
    });
    format!(
        "kept state for {} events ({} status changes, {} incidents): {:.1} KB; written in {write:.1} ms, read back in {read:.1} ms (medians of {runs}, native)",
        events.len(),
        changes,
        history.incidents.len(),
        bytes.len() as f64 / 1000.0,
    )
}
