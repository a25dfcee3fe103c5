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
    assert_eq!(header(&head, "cache-control"), Some(MUTABLE));
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
    assert_eq!(header(&head, "cache-control"), Some(MUTABLE));
    let (head, _) = get(&url, "/app_bg.wasm", "");
    assert_eq!(header(&head, "content-type"), Some("application/wasm"));
    let (head, body) = get(&url, "/", "");
    assert!(head.starts_with("http/1.1 200"));
    assert_eq!(body, b"<!doctype html>");
}

/// What `serve` and `publish` send for mutable files (src/files.rs).
const MUTABLE: &str = "public, max-age=5, stale-while-revalidate=30, stale-if-error=604800";

#[test]
fn serve_compresses_what_is_worth_it_and_validates_each_encoding() {
    let dir = tempfile::tempdir().unwrap();
    let feed = "status: operational\n".repeat(200);
    std::fs::write(dir.path().join("feed.note"), &feed).unwrap();
    std::fs::create_dir_all(dir.path().join("log/tile/0")).unwrap();
    let tile: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    std::fs::write(dir.path().join("log/tile/0/000"), &tile).unwrap();
    let (_server, url) = serve(&[
        "--region",
        &format!("seoul={}@127.0.0.1:0", dir.path().display()),
    ]);

    let (head, body) = get(&url, "/feed.note", "Accept-Encoding: gzip, deflate, br\r\n");
    assert_eq!(header(&head, "content-encoding"), Some("br"), "{head}");
    assert_eq!(header(&head, "vary"), Some("Accept-Encoding"));
    assert_eq!(
        header(&head, "content-length"),
        Some(body.len().to_string().as_str())
    );
    let mut decoded = Vec::new();
    std::io::Read::read_to_end(
        &mut brotli::Decompressor::new(&body[..], 4096),
        &mut decoded,
    )
    .unwrap();
    assert_eq!(decoded, feed.as_bytes());
    assert!(body.len() * 10 < feed.len(), "{} bytes", body.len());
    let br_etag = header(&head, "etag").unwrap().to_owned();

    let (head, body) = get(&url, "/feed.note", "Accept-Encoding: gzip\r\n");
    assert_eq!(header(&head, "content-encoding"), Some("gzip"));
    let mut decoded = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&body[..]), &mut decoded).unwrap();
    assert_eq!(decoded, feed.as_bytes());
    let gzip_etag = header(&head, "etag").unwrap().to_owned();

    let (head, body) = get(&url, "/feed.note", "");
    assert_eq!(header(&head, "content-encoding"), None);
    assert_eq!(body, feed.as_bytes());
    let plain_etag = header(&head, "etag").unwrap().to_owned();
    assert!(
        br_etag != gzip_etag && gzip_etag != plain_etag && br_etag != plain_etag,
        "each representation has its own validator"
    );
    let (head, _) = get(
        &url,
        "/feed.note",
        &format!("Accept-Encoding: br\r\nIf-None-Match: {br_etag}\r\n"),
    );
    assert!(head.starts_with("http/1.1 304"), "{head}");
    let (head, _) = get(
        &url,
        "/feed.note",
        &format!("Accept-Encoding: gzip\r\nIf-None-Match: {br_etag}\r\n"),
    );
    assert!(
        head.starts_with("http/1.1 200"),
        "another encoding's tag: {head}"
    );

    // Hash tiles are random bytes: never compressed, cached for good.
    let (head, body) = get(&url, "/log/tile/0/000", "Accept-Encoding: br, gzip\r\n");
    assert_eq!(header(&head, "content-encoding"), None);
    assert_eq!(body, tile);
    assert_eq!(
        header(&head, "cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(
        header(&head, "content-type"),
        Some("application/octet-stream")
    );
}

#[test]
fn serve_sends_the_apps_precompressed_copy_only_if_it_matches() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("dist");
    std::fs::create_dir(&app).unwrap();
    std::fs::write(app.join("index.html"), "<!doctype html>").unwrap();
    let js = "export const x = 'bongsu';\n".repeat(300);
    let name = "bongsu-app-0123456789abcdef.js";
    std::fs::write(app.join(name), &js).unwrap();
    // A copy made at the best compression, as the build hook writes it...
    let best = {
        let mut out = Vec::new();
        let params = brotli::enc::BrotliEncoderParams {
            quality: 11,
            ..Default::default()
        };
        brotli::BrotliCompress(&mut js.as_bytes(), &mut out, &params).unwrap();
        out
    };
    std::fs::write(app.join(format!("{name}.br")), &best).unwrap();
    // ...and a stale one, of other content.
    let other = "export const y = 1;\n".repeat(300);
    let mut stale = Vec::new();
    let params = brotli::enc::BrotliEncoderParams::default();
    brotli::BrotliCompress(&mut other.as_bytes(), &mut stale, &params).unwrap();
    std::fs::write(app.join("sw.js"), &js).unwrap();
    std::fs::write(app.join("sw.js.br"), &stale).unwrap();
    let (_server, url) = serve(&["--app", &format!("{}@127.0.0.1:0", app.display())]);

    let (head, body) = get(&url, &format!("/{name}"), "Accept-Encoding: br\r\n");
    assert_eq!(header(&head, "content-encoding"), Some("br"));
    assert_eq!(body, best, "the build's copy");
    assert_eq!(
        header(&head, "cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    let (head, body) = get(&url, "/sw.js", "Accept-Encoding: br\r\n");
    assert_eq!(header(&head, "content-encoding"), Some("br"));
    assert_ne!(body, stale, "a copy of other content is never sent");
    let mut decoded = Vec::new();
    std::io::Read::read_to_end(
        &mut brotli::Decompressor::new(&body[..], 4096),
        &mut decoded,
    )
    .unwrap();
    assert_eq!(decoded, js.as_bytes());
    assert_eq!(header(&head, "cache-control"), Some(MUTABLE));
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

/// A request to a server, returning (status code, body).
fn request(url: &str, method: &str, path: &str, headers: &[&str], body: &str) -> (u16, String) {
    let host = url.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = TcpStream::connect(host).unwrap();
    let extra: String = headers.iter().map(|h| format!("{h}\r\n")).collect();
    // An explicit Host header in `headers` replaces the right one.
    let host_line = if headers.iter().any(|h| h.starts_with("Host:")) {
        String::new()
    } else {
        format!("Host: {host}\r\n")
    };
    // A server may answer (413) and close before reading all of a body.
    let _ = write!(
        stream,
        "{method} {path} HTTP/1.1\r\n{host_line}{extra}Connection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut bytes = Vec::new();
    let _ = stream.read_to_end(&mut bytes);
    let raw = String::from_utf8_lossy(&bytes).into_owned();
    let code = raw.split(' ').nth(1).unwrap().parse().unwrap();
    let body = raw.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned();
    (code, body)
}

/// `bongsu fault-regions` for one region: the process, the region's URL,
/// the control endpoint's URL and its token.
fn fault_regions(
    region: &Path,
    variants: &Path,
    extra: &[&str],
) -> (Server, String, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bongsu"))
        .args(["fault-regions", "--region"])
        .arg(format!("seoul={}@127.0.0.1:0", region.display()))
        .arg("--variants")
        .arg(variants)
        .args(extra)
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
    let admin = lines.next().unwrap().unwrap();
    let words: Vec<&str> = admin.split(' ').collect();
    assert_eq!((words[0], words[2]), ("admin", "token"), "{admin}");
    let (admin_url, token) = (words[1].to_owned(), words[3].to_owned());
    assert_eq!(lines.next().unwrap().unwrap(), "ready");
    // Keep reading what it says, so its output never meets a closed pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (Server(child), region_url, admin_url, token)
}

#[test]
fn the_production_server_has_no_fault_switch() {
    let dir = tempfile::tempdir().unwrap();
    let region = dir.path().join("seoul");
    std::fs::create_dir_all(&region).unwrap();
    let spec = format!("seoul={}@127.0.0.1:0", region.display());
    for flags in [
        &["--admin", "127.0.0.1:0"][..],
        &["--fault", "seoul=down"][..],
        &["--fault-key", "status.key"][..],
        &["--revoked-key", "retired.key"][..],
    ] {
        let mut args = vec!["serve", "--region", &spec];
        args.extend(flags);
        let out = bongsu(&args);
        assert_eq!(out.status.code(), Some(2), "{flags:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("unexpected argument"),
            "{}",
            stderr(&out)
        );
    }
    let help = stdout(&bongsu(&["--help"]));
    assert!(
        !help.contains("fault-regions") && !help.contains("fault-variants"),
        "{help}"
    );
}

#[test]
fn the_fault_switch_refuses_web_pages_strangers_and_everything_but_put() {
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = keygen(dir.path());
    let status = write_status(dir.path(), STATUS);
    let region = dir.path().join("seoul");
    let variants = dir.path().join("variants");
    let feed = region.join("feed.note");
    for seq in ["1", "2"] {
        let out = bongsu(&[
            "sign",
            "--key",
            &key,
            "--status",
            &status,
            "--out",
            feed.to_str().unwrap(),
            "--seq",
            seq,
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let out = bongsu(&[
        "fault-variants",
        "--key",
        &key,
        "--feed",
        feed.to_str().unwrap(),
        "--out",
        variants.join("seoul").to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let (_server, region_url, admin_url, token) = fault_regions(&region, &variants, &[]);
    let bearer = format!("Authorization: Bearer {token}");
    let real = std::fs::read(&feed).unwrap();
    let served = || get(&region_url, "/feed.note", "").1;

    // What any web page the operator visits can send: a CORS "simple"
    // request, no preflight. Refused, and nothing changes.
    let (code, _) = request(
        &admin_url,
        "POST",
        "/regions/seoul/fault",
        &["Origin: https://evil.example", "Content-Type: text/plain"],
        "blackhole",
    );
    assert!(code == 403 || code == 404, "{code}");
    let (code, _) = request(
        &admin_url,
        "PUT",
        "/regions/seoul/fault",
        &[
            "Origin: https://evil.example",
            "Content-Type: text/plain",
            &bearer,
        ],
        "blackhole",
    );
    assert_eq!(code, 403, "a request from a web page, even with the token");
    let (code, _) = request(&admin_url, "PUT", "/regions/seoul/fault", &[], "down");
    assert_eq!(code, 401, "no token");
    let (code, _) = request(
        &admin_url,
        "POST",
        "/regions/seoul/fault",
        &[&bearer],
        "down",
    );
    assert_eq!(code, 405, "POST");
    let (code, _) = request(
        &admin_url,
        "PUT",
        "/regions/seoul/fault",
        &[&bearer, "Host: rebound.example"],
        "down",
    );
    assert_eq!(code, 403, "DNS rebinding: a name that is not loopback");
    assert_eq!(served(), real, "nothing changed");

    // With the token, from loopback, PUT: it switches.
    let put = |mode: &str| request(&admin_url, "PUT", "/regions/seoul/fault", &[&bearer], mode);
    let (code, body) = put("wrong-content-type");
    assert_eq!((code, body.trim()), (200, "seoul wrong-content-type"));
    let (head, body) = get(&region_url, "/feed.note", "");
    assert_eq!(
        header(&head, "content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(String::from_utf8_lossy(&body).contains("Wi-Fi"));
    // The variants the key holder signed ahead are what the fault serves.
    let (code, _) = put("equivocating");
    assert_eq!(code, 200);
    assert_eq!(
        served(),
        std::fs::read(variants.join("seoul/equivocating.note")).unwrap()
    );
    let (code, body) = put("revoked-key");
    assert_eq!(code, 409);
    assert!(body.contains("--revoked-key"), "{body}");
    let (code, body) = put("sideways");
    assert_eq!(code, 400);
    assert!(body.contains("blackhole"), "{body}");

    put("down");
    std::thread::sleep(std::time::Duration::from_millis(300));
    let host = region_url
        .trim_start_matches("http://")
        .trim_end_matches('/');
    assert!(
        TcpStream::connect(host).is_err(),
        "the port is closed while down"
    );
    put("healthy");
    std::thread::sleep(std::time::Duration::from_millis(300));
    let (head, body) = get(&region_url, "/feed.note", "");
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert_eq!(body, real);
}

#[test]
fn a_key_the_live_key_set_trusts_is_never_a_fault_key() {
    let dir = tempfile::tempdir().unwrap();
    let _ = signed_region(dir.path());
    let region = dir.path().join("region");
    let variants = dir.path().join("variants");
    for key in ["status.key", "root.key"] {
        let out = Command::new(env!("CARGO_BIN_EXE_bongsu"))
            .args(["fault-regions", "--region"])
            .arg(format!("seoul={}@127.0.0.1:0", region.display()))
            .arg("--variants")
            .arg(&variants)
            .arg("--revoked-key")
            .arg(dir.path().join(key))
            .output()
            .unwrap();
        assert_fails_with(&out, "is trusted by key set version 1");
    }
    // Regions and the switch listen on loopback only.
    let out = bongsu(&[
        "fault-regions",
        "--region",
        &format!("seoul={}@0.0.0.0:0", region.display()),
        "--variants",
        variants.to_str().unwrap(),
    ]);
    assert_fails_with(&out, "not a loopback address");
    let out = bongsu(&[
        "fault-regions",
        "--region",
        &format!("seoul={}@127.0.0.1:0", region.display()),
        "--variants",
        variants.to_str().unwrap(),
        "--admin",
        "0.0.0.0:0",
    ]);
    assert_fails_with(&out, "not a loopback address");
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

/// Raises this process's soft limit on open files to at least `want`
/// (within the hard limit): the test itself holds many connections.
fn allow_open_files(want: u64) {
    use rustix::process::{getrlimit, setrlimit, Resource};
    let mut limit = getrlimit(Resource::Nofile);
    if limit.current.is_some_and(|current| current < want) {
        limit.current = Some(limit.maximum.map_or(want, |max| want.min(max)));
        let _ = setrlimit(Resource::Nofile, limit);
    }
}

#[test]
fn serve_answers_a_reader_while_1100_slowloris_connections_hold_on() {
    allow_open_files(4096);
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
    // As the issue puts it: serve under `ulimit -n 1024`, loopback only.
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -n 1024 && exec '{}' serve --region 'seoul={}@127.0.0.1:0'",
            env!("CARGO_BIN_EXE_bongsu"),
            region.display()
        ))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = lines
        .next()
        .unwrap()
        .unwrap()
        .split(' ')
        .nth(2)
        .unwrap()
        .to_owned();
    assert_eq!(lines.next().unwrap().unwrap(), "ready");
    let _server = Server(child);
    let host: std::net::SocketAddr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .unwrap();

    // 1,100 connections that each send part of a request head and then
    // nothing: more than the server has descriptors.
    let mut held = Vec::new();
    for _ in 0..1100 {
        if let Ok(mut s) = TcpStream::connect_timeout(&host, std::time::Duration::from_secs(2)) {
            let _ = s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n");
            held.push(s);
        }
    }
    assert!(held.len() >= 1000, "only {} connections opened", held.len());

    // A reader's request still answers, within 2 s.
    let started = std::time::Instant::now();
    let mut reader = TcpStream::connect_timeout(&host, std::time::Duration::from_secs(2)).unwrap();
    reader
        .set_read_timeout(Some(std::time::Duration::from_secs(2)))
        .unwrap();
    write!(
        reader,
        "GET /feed.note HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    let read = reader.read_to_end(&mut raw);
    let took = started.elapsed();
    assert!(read.is_ok(), "no answer within 2 s: {read:?}");
    assert!(
        raw.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&raw)
    );
    assert!(raw.ends_with(&std::fs::read(&feed).unwrap()));
    eprintln!(
        "with {} slowloris connections held, a reader was answered in {took:?}",
        held.len()
    );
    assert!(took < std::time::Duration::from_secs(2), "took {took:?}");
    drop(held);
}

#[test]
fn serve_reads_no_body_but_the_witness_one_and_caps_that() {
    let dir = tempfile::tempdir().unwrap();
    let region = dir.path().join("seoul");
    std::fs::create_dir_all(&region).unwrap();
    std::fs::write(region.join("feed.note"), "x").unwrap();
    let log = keygen_named(dir.path(), "log.key", "log.test");
    let witness = dir.path().join("witness.key");
    let out = bongsu(&[
        "keygen",
        "--witness",
        "--name",
        "w.test",
        "--out",
        witness.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let (_server, url) = serve(&[
        "--region",
        &format!("seoul={}@127.0.0.1:0", region.display()),
        "--witness",
        &format!("seoul={}", witness.display()),
        "--witness-log",
        &format!("{log}.pub"),
        "--witness-state",
        dir.path().join("state").to_str().unwrap(),
        "--witness-init",
    ]);
    let big = "a".repeat(100 * 1024);
    let (code, _) = request(&url, "POST", "/witness/add-checkpoint", &[], &big);
    assert_eq!(code, 413, "the witness route takes at most 64 KiB");
    let (code, body) = request(
        &url,
        "POST",
        "/witness/add-checkpoint",
        &[],
        "old 0\n\nnot a note",
    );
    assert_eq!(code, 403, "{body}");
    // Dotfiles (such as sign's lock) are never served.
    std::fs::write(region.join(".bongsu.lock"), "").unwrap();
    let (code, _) = request(&url, "GET", "/.bongsu.lock", &[], "");
    assert_eq!(code, 400);
}
