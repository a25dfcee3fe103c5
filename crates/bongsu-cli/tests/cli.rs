//! The `bongsu` binary as an operator uses it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};

use bongsu_core::{verify_feed_with_keys, RoleKeys};

mod common;
use common::*;

fn keygen(dir: &Path) -> (String, String) {
    let key = dir.join("status.key");
    let out = bongsu(&[
        "keygen",
        "--name",
        "status.test",
        "--out",
        key.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    (
        key.to_str().unwrap().to_owned(),
        stdout(&out).trim().to_owned(),
    )
}

const STATUS: &str = r#"feed = "kakao"
valid_for = "15m"

[[services]]
id = "kakaotalk"
name = "KakaoTalk"
[[services.components]]
id = "messaging"
name = "Messaging"
status = "major_outage"
"#;

fn write_status(dir: &Path, text: &str) -> String {
    let path = dir.join("status.toml");
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

#[cfg(unix)]
#[test]
fn keygen_writes_a_private_key_only_its_owner_can_read() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let (key, vkey) = keygen(dir.path());
    let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert!(std::fs::read_to_string(&key)
        .unwrap()
        .starts_with("PRIVATE+KEY+status.test+"));
    assert_eq!(
        std::fs::read_to_string(format!("{key}.pub"))
            .unwrap()
            .trim(),
        vkey
    );
    RoleKeys {
        threshold: 1,
        keys: vec![vkey],
    }
    .check("status")
    .expect("printed key is a valid verifier key");
}

#[test]
fn keygen_refuses_to_overwrite_and_leaves_the_key_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = keygen(dir.path());
    let before = std::fs::read(&key).unwrap();
    let out = bongsu(&["keygen", "--name", "status.test", "--out", &key]);
    assert_fails_with(&out, "already exists; refusing to overwrite");
    assert_eq!(std::fs::read(&key).unwrap(), before);
}

#[test]
fn keygen_rejects_a_name_with_spaces() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("k");
    let out = bongsu(&["keygen", "--name", "my key", "--out", key.to_str().unwrap()]);
    assert_fails_with(&out, "not a valid key name");
    assert!(!key.exists());
}

#[test]
fn sign_reports_a_bad_status_with_file_line_column_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = keygen(dir.path());
    let status = write_status(
        dir.path(),
        &STATUS.replace("\"major_outage\"", "\"majr_outage\""),
    );
    let feed = dir.path().join("r1/feed.note");
    let out = bongsu(&[
        "sign",
        "--key",
        &key,
        "--status",
        &status,
        "--out",
        feed.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains(&format!("{status}:10:10:")), "{err}");
    assert!(
        err.contains("majr_outage") && err.contains("major_outage"),
        "{err}"
    );
    assert!(!feed.exists(), "nothing is written on error");
}

#[test]
fn sign_reports_a_broken_reference_by_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = keygen(dir.path());
    let text = format!(
        "{STATUS}\n[[incidents]]\nid = \"x\"\ntitle = \"X\"\nimpact = \"major_outage\"\ncomponents = [\"kakaotalk/voice\"]\n[[incidents.updates]]\nat = 2022-10-15T15:50:00+09:00\nstate = \"investigating\"\nmessage = \"m\"\n"
    );
    let status = write_status(dir.path(), &text);
    let out = bongsu(&[
        "sign",
        "--key",
        &key,
        "--status",
        &status,
        "--out",
        dir.path().join("f").to_str().unwrap(),
    ]);
    assert_fails_with(&out, "incidents[0].components[0]");
}

#[test]
fn sign_with_a_missing_key_file_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let status = write_status(dir.path(), STATUS);
    let out = bongsu(&[
        "sign",
        "--key",
        "/nonexistent/status.key",
        "--status",
        &status,
        "--out",
        "f",
    ]);
    assert_fails_with(&out, "cannot read key file /nonexistent/status.key");
}

#[test]
fn sign_with_a_public_key_instead_of_a_private_one_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = keygen(dir.path());
    let status = write_status(dir.path(), STATUS);
    let out = bongsu(&[
        "sign",
        "--key",
        &format!("{key}.pub"),
        "--status",
        &status,
        "--out",
        "f",
    ]);
    assert_fails_with(&out, "is not a private signing key");
}

#[test]
fn signing_again_increments_seq_and_every_copy_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let (key, vkey) = keygen(dir.path());
    let status = write_status(dir.path(), STATUS);
    let a = dir.path().join("a/feed.note");
    let b = dir.path().join("b/feed.note");
    let keys = RoleKeys {
        threshold: 1,
        keys: vec![vkey],
    };
    for expected in [1, 2] {
        let out = bongsu(&[
            "sign",
            "--key",
            &key,
            "--status",
            &status,
            "--out",
            a.to_str().unwrap(),
            "--out",
            b.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        for file in [&a, &b] {
            let feed =
                verify_feed_with_keys(&std::fs::read(file).unwrap(), &keys, &[], "kakao").unwrap();
            assert_eq!(feed.seq, expected);
            assert_eq!(
                feed.expires_at - feed.issued_at,
                time::Duration::minutes(15)
            );
        }
    }
}

#[test]
fn an_explicit_seq_must_be_greater_than_what_exists() {
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = keygen(dir.path());
    let status = write_status(dir.path(), STATUS);
    let out_file = dir.path().join("feed.note");
    let f = out_file.to_str().unwrap();
    assert!(
        bongsu(&["sign", "--key", &key, "--status", &status, "--out", f, "--seq", "7"])
            .status
            .success()
    );
    let before = std::fs::read(&out_file).unwrap();
    let out = bongsu(&[
        "sign", "--key", &key, "--status", &status, "--out", f, "--seq", "7",
    ]);
    assert_fails_with(&out, "--seq 7 is not greater than seq 7");
    assert_eq!(std::fs::read(&out_file).unwrap(), before);
}

/// A minimal HTTP/1.1 GET; returns (status line + headers lowercased, body).
fn get(url: &str, path: &str, extra: &str) -> (String, Vec<u8>) {
    let host = url.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = TcpStream::connect(host).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n{extra}\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    (
        String::from_utf8_lossy(&raw[..split]).to_lowercase(),
        raw[split + 4..].to_vec(),
    )
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}: ")))
}

#[test]
fn serve_gives_regions_cors_revalidation_and_etags() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("feed.note"), "hello\n").unwrap();
    let (_server, url) = serve(&[
        "--region",
        &format!("seoul={}@127.0.0.1:0", dir.path().display()),
    ]);

    let (head, body) = get(&url, "/feed.note", "");
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert_eq!(body, b"hello\n");
    assert_eq!(header(&head, "access-control-allow-origin"), Some("*"));
    assert_eq!(header(&head, "cache-control"), Some("no-cache"));
    assert_eq!(
        header(&head, "content-type"),
        Some("text/plain; charset=utf-8")
    );
    let etag = header(&head, "etag").unwrap().to_owned();

    let (head, body) = get(&url, "/feed.note", &format!("If-None-Match: {etag}\r\n"));
    assert!(head.starts_with("http/1.1 304"), "{head}");
    assert!(body.is_empty());

    std::fs::write(dir.path().join("feed.note"), "changed\n").unwrap();
    let (head, body) = get(&url, "/feed.note", &format!("If-None-Match: {etag}\r\n"));
    assert!(
        head.starts_with("http/1.1 200"),
        "a changed file is sent again: {head}"
    );
    assert_eq!(body, b"changed\n");

    let (head, _) = get(&url, "/../feed.note", "");
    assert!(!head.starts_with("http/1.1 200"), "{head}");
    let (head, _) = get(&url, "/%2e%2e/etc/passwd", "");
    assert!(head.starts_with("http/1.1 400"), "{head}");
    let (head, _) = get(&url, "/missing.note", "");
    assert!(head.starts_with("http/1.1 404"), "{head}");
}

#[test]
fn serve_overrides_the_apps_config_and_serves_wasm_for_streaming() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("dist");
    std::fs::create_dir(&app).unwrap();
    std::fs::write(app.join("index.html"), "<!doctype html>").unwrap();
    std::fs::write(app.join("config.json"), "{\"from\":\"dist\"}").unwrap();
    std::fs::write(app.join("app_bg.wasm"), b"\0asm").unwrap();
    let config = dir.path().join("config.json");
    std::fs::write(&config, "{\"from\":\"override\"}").unwrap();
    let (_server, url) = serve(&[
        "--app",
        &format!("{}@127.0.0.1:0", app.display()),
        "--config",
        config.to_str().unwrap(),
    ]);

    let (head, body) = get(&url, "/config.json", "");
    assert_eq!(body, b"{\"from\":\"override\"}");
    assert_eq!(header(&head, "cache-control"), Some("no-cache"));
    let (head, _) = get(&url, "/app_bg.wasm", "");
    assert_eq!(header(&head, "content-type"), Some("application/wasm"));
    let (head, body) = get(&url, "/", "");
    assert!(head.starts_with("http/1.1 200"));
    assert_eq!(body, b"<!doctype html>");
}

#[test]
fn serve_refuses_a_region_directory_that_does_not_exist() {
    let out = bongsu(&["serve", "--region", "seoul=/nonexistent/dir@127.0.0.1:0"]);
    assert_fails_with(&out, "region directory /nonexistent/dir does not exist");
}

#[test]
fn serve_reports_a_port_in_use() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = bongsu(&[
        "serve",
        "--region",
        &format!("seoul={}@{addr}", dir.path().display()),
    ]);
    assert_fails_with(&out, &format!("cannot listen on {addr} for region seoul"));
}

fn key_set_toml(dir: &Path, root: &str, status: &str) -> String {
    let path = dir.join("keys.toml");
    std::fs::write(
        &path,
        format!(
            "feed = \"kakao\"\nvalid_for = \"30d\"\n[root]\nthreshold = 1\nkeys = [\"{root}.pub\"]\n[status]\nthreshold = 1\nkeys = [\"{status}.pub\"]\n"
        ),
    )
    .unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn keyset_builds_a_chain_readers_trust_and_refuses_a_root_rotation_the_old_root_did_not_sign() {
    let dir = tempfile::tempdir().unwrap();
    let root = keygen_named(dir.path(), "root.key", "root.test");
    let status = keygen_named(dir.path(), "status.key", "status.test");
    let chain = dir.path().join("keys.json");
    let chain_s = chain.to_str().unwrap();
    let copy = dir.path().join("region/keys.json");
    let toml = key_set_toml(dir.path(), &root, &status);
    let out = bongsu(&[
        "keyset",
        "--keys",
        &toml,
        "--key",
        &root,
        "--chain",
        chain_s,
        "--out",
        copy.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("version 1"), "{}", stdout(&out));
    assert_eq!(
        std::fs::read(&chain).unwrap(),
        std::fs::read(&copy).unwrap()
    );

    // A reader pinning the root trusts version 1 and its status key.
    let root_vkey = std::fs::read_to_string(format!("{root}.pub")).unwrap();
    let notes = bongsu_core::parse_chain_file(&std::fs::read(&chain).unwrap()).unwrap();
    let mut reader = bongsu_core::KeyChain::new(
        RoleKeys {
            threshold: 1,
            keys: vec![root_vkey.trim().to_owned()],
        },
        "kakao",
    );
    assert_eq!(reader.extend(&notes), Ok(1));

    // Rotating the root to a new key signed only by the new key is refused,
    // and the chain is left as it was.
    let before = std::fs::read(&chain).unwrap();
    let new_root = keygen_named(dir.path(), "root2.key", "root.test");
    let toml = key_set_toml(dir.path(), &new_root, &status);
    let out = bongsu(&[
        "keyset", "--keys", &toml, "--key", &new_root, "--chain", chain_s,
    ]);
    assert_fails_with(&out, "refusing to publish key set version 2");
    assert_eq!(std::fs::read(&chain).unwrap(), before);

    // Signed by both, it is version 2.
    let out = bongsu(&[
        "keyset", "--keys", &toml, "--key", &root, "--key", &new_root, "--chain", chain_s,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("version 2"), "{}", stdout(&out));
}

#[test]
fn keyset_names_a_key_entry_that_is_neither_a_key_nor_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let root = keygen_named(dir.path(), "root.key", "root.test");
    let toml = key_set_toml(dir.path(), &root, "missing/status.key");
    let chain = dir.path().join("keys.json");
    let out = bongsu(&[
        "keyset",
        "--keys",
        &toml,
        "--key",
        &root,
        "--chain",
        chain.to_str().unwrap(),
    ]);
    assert_fails_with(
        &out,
        "status: `missing/status.key.pub` is neither a verifier key nor a readable .pub file",
    );
    assert!(!chain.exists());
}

/// A PUT to the admin endpoint, returning (status code, body).
fn put(url: &str, path: &str, body: &str) -> (u16, String) {
    let host = url.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = TcpStream::connect(host).unwrap();
    write!(
        stream,
        "PUT {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let code = raw.split(' ').nth(1).unwrap().parse().unwrap();
    let body = raw.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned();
    (code, body)
}

#[test]
fn serve_switches_faults_at_run_time_and_explains_refusals() {
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = keygen(dir.path());
    let status = write_status(dir.path(), STATUS);
    let region = dir.path().join("seoul");
    let feed = region.join("feed.note");
    let out = bongsu(&[
        "sign",
        "--key",
        &key,
        "--status",
        &status,
        "--out",
        feed.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut child = Command::new(env!("CARGO_BIN_EXE_bongsu"))
        .args(["serve", "--region"])
        .arg(format!("seoul={}@127.0.0.1:0", region.display()))
        .args(["--admin", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let region_url = lines
        .next()
        .unwrap()
        .unwrap()
        .split(' ')
        .nth(2)
        .unwrap()
        .to_owned();
    let admin_url = lines
        .next()
        .unwrap()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .to_owned();
    assert_eq!(lines.next().unwrap().unwrap(), "ready");
    let _server = Server(child);

    let (code, body) = put(&admin_url, "/regions/seoul/fault", "wrong-content-type");
    assert_eq!((code, body.trim()), (200, "seoul wrong-content-type"));
    let (head, body) = get(&region_url, "/feed.note", "");
    assert_eq!(
        header(&head, "content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(String::from_utf8_lossy(&body).contains("Wi-Fi"));

    let (code, body) = put(&admin_url, "/regions/seoul/fault", "equivocating");
    assert_eq!(code, 409);
    assert!(body.contains("--fault-key"), "{body}");
    let (code, body) = put(&admin_url, "/regions/seoul/fault", "sideways");
    assert_eq!(code, 400);
    assert!(body.contains("blackhole"), "{body}");

    put(&admin_url, "/regions/seoul/fault", "down");
    std::thread::sleep(std::time::Duration::from_millis(300));
    let host = region_url
        .trim_start_matches("http://")
        .trim_end_matches('/');
    assert!(
        TcpStream::connect(host).is_err(),
        "the port is closed while down"
    );
    put(&admin_url, "/regions/seoul/fault", "healthy");
    std::thread::sleep(std::time::Duration::from_millis(300));
    let (head, body) = get(&region_url, "/feed.note", "");
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert_eq!(body, std::fs::read(&feed).unwrap());
}

/// A region directory (keys.json + feed.note from STATUS) and a config.json pinning its root.
fn signed_region(dir: &Path) -> (String, String) {
    let root = keygen_named(dir, "root.key", "root.test");
    let status = keygen_named(dir, "status.key", "status.test");
    let region = dir.join("region");
    std::fs::create_dir_all(&region).unwrap();
    let toml = key_set_toml(dir, &root, &status);
    let chain = region.join("keys.json");
    let out = bongsu(&[
        "keyset",
        "--keys",
        &toml,
        "--key",
        &root,
        "--chain",
        chain.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let feed = region.join("feed.note");
    let status_file = write_status(dir, STATUS);
    let out = bongsu(&[
        "sign",
        "--key",
        &status,
        "--status",
        &status_file,
        "--out",
        feed.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let root_vkey = std::fs::read_to_string(format!("{root}.pub")).unwrap();
    let config = dir.join("config.json");
    std::fs::write(
        &config,
        format!(
            r#"{{"feed":"kakao","title":"Kakao services","trust":{{"root":{{"threshold":1,"keys":["{}"]}}}},"regions":[{{"id":"seoul","name":"Seoul","url":"http://127.0.0.1:1/"}}]}}"#,
            root_vkey.trim()
        ),
    )
    .unwrap();
    (
        region.to_str().unwrap().to_owned(),
        config.to_str().unwrap().to_owned(),
    )
}

#[test]
fn badge_draws_the_verified_status_in_either_language_and_refuses_a_forgery() {
    let dir = tempfile::tempdir().unwrap();
    let (region, config) = signed_region(dir.path());
    let out = bongsu(&["badge", &region, "--config", &config]);
    assert!(out.status.success(), "{}", stderr(&out));
    let svg = stdout(&out);
    assert!(
        svg.starts_with("<svg") && svg.contains("Kakao services: ✕ Major outage"),
        "{svg}"
    );

    let file = dir.path().join("talk.svg");
    let out = bongsu(&[
        "badge",
        &region,
        "--config",
        &config,
        "--service",
        "kakaotalk",
        "--lang",
        "ko",
        "--out",
        file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let svg = std::fs::read_to_string(&file).unwrap();
    assert!(svg.contains("KakaoTalk: ✕ 전면 장애"), "{svg}");

    let out = bongsu(&["badge", &region, "--config", &config, "--service", "nope"]);
    assert_fails_with(
        &out,
        "the feed has no service `nope`; it has: kakaotalk. No badge was written",
    );

    // One flipped byte in the signed text: no badge, and a reason.
    let feed = Path::new(&region).join("feed.note");
    let text = std::fs::read_to_string(&feed)
        .unwrap()
        .replacen("major_outage", "operational", 1);
    std::fs::write(&feed, text).unwrap();
    let out = bongsu(&[
        "badge",
        &region,
        "--config",
        &config,
        "--out",
        file.to_str().unwrap(),
    ]);
    assert_fails_with(&out, "feed.note");
    assert!(
        stderr(&out).contains("no badge was written"),
        "{}",
        stderr(&out)
    );
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .contains("전면 장애"),
        "the old badge is kept"
    );

    let out = bongsu(&[
        "badge",
        dir.path().join("missing").to_str().unwrap(),
        "--config",
        &config,
    ]);
    assert_fails_with(&out, "keys.json");

    // A config that is not one is named, with where it breaks, by every
    // command that reads one.
    std::fs::write(&config, "{\"feed\": \"kakao\",\n \"title\": 7}").unwrap();
    let out = bongsu(&["badge", &region, "--config", &config]);
    assert_fails_with(&out, "config.json is not a usable page config");
    assert_fails_with(&out, "line 2");
    let out = bongsu(&["audit", "--config", &config, "http://127.0.0.1:9/"]);
    assert_fails_with(&out, "config.json is not a usable page config");
}

#[test]
fn demo_refuses_a_port_without_room_for_its_other_ports_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "").unwrap();
    let state = dir.path().join("demo");
    let out = bongsu(&[
        "demo",
        "--port",
        "65530",
        "--app",
        dir.path().to_str().unwrap(),
        "--dir",
        state.to_str().unwrap(),
    ]);
    assert_fails_with(&out, "pick one below 65515");
    assert!(!state.exists());
}
