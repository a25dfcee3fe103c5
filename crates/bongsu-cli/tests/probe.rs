//! `bongsu probe` as an operator runs it: a config file, a key, real local
//! services, and a signed observation that readers verify.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;

use bongsu_core::probe::{verify_observation, ErrorClass, ProbeState};
use bongsu_core::{KeySet, RoleKeys, Roles};

mod common;
use common::*;

/// A service that answers `200 OK` to every connection, on its own thread.
fn healthy_service() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut buf = [0u8; 1024];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n",
            );
        }
    });
    addr
}

fn refused_addr() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().to_string()
}

fn probe_key(dir: &Path) -> (String, String) {
    let key = dir.join("probe-seoul.key");
    let out = bongsu(&[
        "keygen",
        "--name",
        "probe-seoul.test",
        "--out",
        key.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    (
        key.to_str().unwrap().to_owned(),
        stdout(&out).trim().to_owned(),
    )
}

fn key_set(probe_vkey: &str) -> KeySet {
    let role = |k: &str| RoleKeys {
        threshold: 1,
        keys: vec![k.to_owned()],
    };
    let now = time::OffsetDateTime::now_utc();
    KeySet {
        feed: "kakao".into(),
        version: 1,
        issued_at: now,
        expires_at: now + time::Duration::days(1),
        root: role(probe_vkey),
        roles: Roles {
            status: role(probe_vkey),
            log: None,
            witness: None,
            probes: BTreeMap::from([("seoul".to_owned(), role(probe_vkey))]),
        },
        revoked: vec![],
    }
}

#[test]
fn one_round_is_signed_for_its_region_and_judges_each_service() {
    let dir = tempfile::tempdir().unwrap();
    let (key, vkey) = probe_key(dir.path());
    let healthy = healthy_service();
    let refused = refused_addr();
    let config = dir.path().join("probe.toml");
    std::fs::write(
        &config,
        format!(
            r#"feed = "kakao"
region = "seoul"
interval = "5s"
window = "1m"
timeout = "2s"

[[service]]
id = "kakaotalk"
[[service.check]]
http = "http://{healthy}/health"
[[service.check]]
tcp = "{healthy}"
[[service.check]]
dns = "localhost"

[[service]]
id = "kakaopay"
[[service.check]]
http = "http://{refused}/health"
"#
        ),
    )
    .unwrap();
    let out = dir.path().join("regions/seoul/probe.note");
    let copy = dir.path().join("mirror/probe.note");
    let args = [
        "probe",
        "--config",
        config.to_str().unwrap(),
        "--key",
        &key,
        "--out",
        out.to_str().unwrap(),
        "--out",
        copy.to_str().unwrap(),
        "--once",
    ];
    let run = bongsu(&args);
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(
        stdout(&run).contains("kakaopay: failing from seoul (last error: refused)"),
        "{}",
        stdout(&run)
    );
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(std::fs::read(&copy).unwrap(), bytes);
    let o = verify_observation(&bytes, &key_set(&vkey), "seoul").unwrap();
    let talk = &o.services[0];
    assert_eq!(
        (talk.service.as_str(), talk.state, talk.attempted),
        ("kakaotalk", ProbeState::Passing, 3)
    );
    let pay = &o.services[1];
    assert_eq!(
        (pay.state, pay.last_error),
        (ProbeState::Failing, Some(ErrorClass::Refused))
    );
    // A second run carries on: a higher seq, and the failure keeps its date.
    let again = bongsu(&args);
    assert!(again.status.success(), "{}", stderr(&again));
    let next = verify_observation(&std::fs::read(&out).unwrap(), &key_set(&vkey), "seoul").unwrap();
    assert!(next.seq > o.seq);
    assert_eq!(next.services[1].since, pay.since);
    assert!(
        !stdout(&again).contains("kakaopay"),
        "unchanged judgements are not repeated"
    );
}

#[test]
fn a_bad_config_or_a_missing_key_is_a_clear_error_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = probe_key(dir.path());
    let config = dir.path().join("probe.toml");
    std::fs::write(&config, "feed = \"kakao\"\nregion = \"seoul\"\ninterval = \"5s\"\nwindow = \"1m\"\ntimeout = \"10s\"\n").unwrap();
    let out = dir.path().join("probe.note");
    let run = bongsu(&[
        "probe",
        "--config",
        config.to_str().unwrap(),
        "--key",
        &key,
        "--out",
        out.to_str().unwrap(),
        "--once",
    ]);
    assert!(!run.status.success());
    assert!(
        stderr(&run).contains("timeout: must not be longer than the interval"),
        "{}",
        stderr(&run)
    );
    std::fs::write(&config, format!("feed = \"kakao\"\nregion = \"seoul\"\ninterval = \"5s\"\nwindow = \"1m\"\ntimeout = \"1s\"\n[[service]]\nid = \"talk\"\n[[service.check]]\ntcp = \"{}\"\n", refused_addr())).unwrap();
    let missing = dir.path().join("nope.key");
    let run = bongsu(&[
        "probe",
        "--config",
        config.to_str().unwrap(),
        "--key",
        missing.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--once",
    ]);
    assert!(!run.status.success());
    assert!(
        stderr(&run).contains("cannot read key file"),
        "{}",
        stderr(&run)
    );
    assert!(!out.exists());
}
