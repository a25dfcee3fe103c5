//! `bongsu publish` and `sign --to` against real storage servers on
//! loopback (moto's S3, Microsoft's Azurite), started and stopped here:
//! several destinations at once, idempotent re-runs, a forged tile, a
//! server killed mid-publish, headers per file class, and a witness on its
//! own cosigning what `sign --to` publishes.

use std::path::Path;
use std::process::{Command, Output};

mod common;
use common::operator::*;
use common::storage::*;
use common::*;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const MUTABLE: &str = "public, max-age=5, stale-while-revalidate=30, stale-if-error=604800";

/// `bongsu <args>` with the emulators' credentials in the environment,
/// where an operator's would be.
fn bongsu_with_credentials(args: &[String]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bongsu"))
        .args(args)
        .env("AWS_ACCESS_KEY_ID", "bongsu-test")
        .env("AWS_SECRET_ACCESS_KEY", "bongsu-test-secret")
        .env("AZURE_STORAGE_ACCOUNT_KEY", AZURITE_KEY)
        .output()
        .expect("run bongsu")
}

fn publish(from: &str, to: &[String], extra: &[&str]) -> Output {
    let mut args = vec!["publish".to_owned(), "--from".into(), from.into()];
    for t in to {
        args.extend(["--to".to_owned(), t.clone()]);
    }
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    bongsu_with_credentials(&args)
}

/// A destination in a moto bucket, written through `endpoint` (moto, or a
/// proxy in front of it) and read back from the bucket itself.
fn s3(bucket_url: &str, endpoint: &str) -> String {
    let bucket = bucket_url.rsplit('/').next().unwrap();
    format!("s3://{bucket}/kakao?endpoint={endpoint}&region=us-east-1&public={bucket_url}/kakao")
}

fn azure(container_url: &str, endpoint: &str) -> String {
    let container = container_url.rsplit('/').next().unwrap();
    format!("az://{container}/kakao?account={AZURITE_ACCOUNT}&endpoint={endpoint}/{AZURITE_ACCOUNT}&public={container_url}/kakao")
}

/// A row of the report: (written, unchanged, failed, bytes, read back).
fn row(out: &Output, destination: &str) -> (usize, usize, usize, u64, String) {
    let base = destination.split('?').next().unwrap();
    let text = stdout(out);
    let line = text
        .lines()
        .find(|l| l.starts_with(base))
        .unwrap_or_else(|| panic!("no row for {base}:\n{text}"));
    let fields: Vec<&str> = line.split_whitespace().collect();
    (
        fields[1].parse().unwrap(),
        fields[2].parse().unwrap(),
        fields[3].parse().unwrap(),
        fields[4].parse().unwrap(),
        fields[6..].join(" "),
    )
}

/// A region with a log of several entries, published locally in three
/// steps, as `sign` leaves it.
fn staged(dir: &Path) -> Operator {
    published(dir)
}

#[test]
fn a_region_reaches_two_buckets_and_a_container_audits_over_http_and_a_rerun_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let op = staged(dir.path());
    let moto = Moto::start();
    let (a, b) = (moto.bucket("region-a"), moto.bucket("region-b"));
    let azurite = Azurite::start();
    let c = azurite.container("region-c");
    let s3_proxy = Proxy::start(&moto.url);
    let az_proxy = Proxy::start(&azurite.root);
    let to = [
        s3(&a, &s3_proxy.url),
        s3(&b, &s3_proxy.url),
        azure(&c, &az_proxy.url),
    ];

    let out = publish(&op.regions[0], &to, &[]);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    for destination in &to {
        let (written, unchanged, failed, bytes, readback) = row(&out, destination);
        assert!(
            written >= 8,
            "{destination}: {written} written\n{}",
            stdout(&out)
        );
        assert_eq!((unchanged, failed), (0, 0), "{}", stdout(&out));
        assert!(bytes > 0);
        assert!(readback.starts_with("ok"), "{readback}");
        assert!(
            readback.contains("audited") && readback.contains("feed verified"),
            "{readback}"
        );
    }
    // No secret is ever printed.
    for text in [stdout(&out), stderr(&out)] {
        assert!(!text.contains("bongsu-test-secret") && !text.contains(AZURITE_KEY));
    }

    // `bongsu audit` of each over HTTP, as a journalist would.
    let urls = [
        format!("{a}/kakao"),
        format!("{b}/kakao"),
        format!("{c}/kakao"),
    ];
    let audit = op.audit(&[], &urls.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(
        audit.status.success(),
        "{}\n{}",
        stdout(&audit),
        stderr(&audit)
    );
    for url in &urls {
        assert!(stdout(&audit).contains(url.as_str()), "{}", stdout(&audit));
    }

    // Nothing changed: nothing is written.
    let writes = (s3_proxy.writes(), az_proxy.writes());
    let again = publish(&op.regions[0], &to, &[]);
    assert!(again.status.success(), "{}", stdout(&again));
    for destination in &to {
        let (written, unchanged, failed, bytes, _) = row(&again, destination);
        assert_eq!((written, failed, bytes), (0, 0, 0), "{}", stdout(&again));
        assert!(unchanged >= 8);
    }
    assert_eq!(
        (s3_proxy.writes(), az_proxy.writes()),
        writes,
        "no PUT reached a store"
    );

    // A new status: only what changed travels.
    let out = op.sign(&status("operational", &[U1, U2, U3]), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let next = publish(&op.regions[0], &to, &[]);
    assert!(next.status.success(), "{}", stdout(&next));
    let (written, unchanged, _, _, _) = row(&next, &to[0]);
    assert!(
        written < unchanged,
        "a new feed rewrites few files: {written} written, {unchanged} unchanged"
    );

    // Without the journal it still writes nothing: each object is read
    // and compared instead.
    std::fs::remove_dir_all(Path::new(&op.regions[0]).join(".publish")).unwrap();
    let writes = (s3_proxy.writes(), az_proxy.writes());
    let rerun = publish(&op.regions[0], &to, &[]);
    assert!(rerun.status.success(), "{}", stdout(&rerun));
    assert_eq!((s3_proxy.writes(), az_proxy.writes()), writes);
}

#[test]
fn a_forged_tile_in_one_bucket_fails_that_destination_only() {
    let dir = tempfile::tempdir().unwrap();
    let op = staged(dir.path());
    let moto = Moto::start();
    let (a, b) = (moto.bucket("fine"), moto.bucket("forged"));
    // Someone with the bucket's credentials put their own history there.
    let region = Path::new(&op.regions[0]);
    let tile = std::fs::read_dir(region.join("log/tile/0/000.p"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    let width = tile.file_name().to_str().unwrap().to_owned();
    let real = std::fs::read(tile.path()).unwrap();
    let forged: Vec<u8> = real.iter().map(|b| b ^ 0x5a).collect();
    moto.put_object(
        "forged",
        &format!("kakao/log/tile/0/000.p/{width}"),
        &forged,
    );

    let to = [s3(&a, &moto.url), s3(&b, &moto.url)];
    let out = publish(&op.regions[0], &to, &[]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("1 of 2 destination(s) lag: s3://forged/kakao"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("s3://fine"), "{}", stderr(&out));
    let (_, _, failed, _, _) = row(&out, &to[1]);
    assert_eq!(failed, 1);
    assert!(
        stdout(&out).contains("holds other bytes"),
        "{}",
        stdout(&out)
    );
    let (_, _, failed, _, readback) = row(&out, &to[0]);
    assert_eq!(failed, 0);
    assert!(readback.starts_with("ok"), "{readback}");
    // Nothing that refers to the forged tile was written beside it, and the
    // forged tile is left as evidence.
    let agent = agent();
    for path in ["feed.note", "log/checkpoint", "keys.json"] {
        let status = agent
            .get(&format!("{b}/kakao/{path}"))
            .call()
            .unwrap()
            .status();
        assert_eq!(status.as_u16(), 404, "{path}");
    }
    let kept = agent
        .get(&format!("{b}/kakao/log/tile/0/000.p/{width}"))
        .call()
        .unwrap()
        .body_mut()
        .read_to_vec()
        .unwrap();
    assert_eq!(kept, forged);
}

#[test]
fn a_store_killed_mid_publish_lags_alone_and_the_next_run_catches_it_up() {
    let dir = tempfile::tempdir().unwrap();
    let op = staged(dir.path());
    let moto = Moto::start();
    let (a, b) = (moto.bucket("seoul"), moto.bucket("busan"));
    let blobs = tempfile::tempdir().unwrap();
    let azurite = Azurite::start_in(blobs.path(), 0);
    let c = azurite.container("tokyo");
    let port = azurite.port;
    let proxy = Proxy::start(&azurite.root);
    let pid = azurite.process.pid();
    // The write after the history's files (the key chain's) stops the
    // server, in the middle. (SIGTERM: Azurite then keeps what it stored,
    // as a real store's disks would.)
    let history_files = count_files(&Path::new(&op.regions[0]).join("log/tile"));
    proxy.on_write(history_files + 1, move || {
        let _ = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status();
    });
    let to = [s3(&a, &moto.url), s3(&b, &moto.url), azure(&c, &proxy.url)];

    let out = publish(&op.regions[0], &to, &["--publish-deadline", "8"]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("1 of 3 destination(s) lag: az://tokyo/kakao"),
        "{}",
        stderr(&out)
    );
    for destination in &to[..2] {
        let (written, _, failed, _, readback) = row(&out, destination);
        assert!(written > 0 && failed == 0, "{}", stdout(&out));
        assert!(readback.starts_with("ok"), "{readback}");
    }
    let (_, _, failed, _, _) = row(&out, &to[2]);
    assert!(failed > 0, "{}", stdout(&out));
    assert!(stdout(&out).contains("LAGS"), "{}", stdout(&out));

    // The store comes back with what it held; the next run catches it up.
    drop(azurite);
    let azurite = Azurite::start_in(blobs.path(), port);
    let out = publish(&op.regions[0], &to, &[]);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    for destination in &to[..2] {
        let (written, _, _, _, _) = row(&out, destination);
        assert_eq!(written, 0, "{}", stdout(&out));
    }
    let (written, unchanged, failed, _, readback) = row(&out, &to[2]);
    assert_eq!(failed, 0, "{}", stdout(&out));
    // The write it stopped at may have finished (a graceful stop answers
    // what it has begun); the checkpoint and the feed after it had not.
    assert!(
        unchanged >= history_files && written >= 2 && unchanged + written == history_files + 3,
        "what it took before the stop is kept, and the rest follows: {}",
        stdout(&out)
    );
    assert!(readback.starts_with("ok"), "{readback}");
    drop(azurite);
}

fn count_files(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| {
            if e.file_type().unwrap().is_dir() {
                count_files(&e.path())
            } else {
                1
            }
        })
        .sum()
}

#[test]
fn every_file_reads_back_with_its_class_headers_and_an_unchanged_feed_revalidates() {
    let dir = tempfile::tempdir().unwrap();
    let op = staged(dir.path());
    let moto = Moto::start();
    let a = moto.bucket("headers");
    let azurite = Azurite::start();
    let c = azurite.container("headers");
    let to = [s3(&a, &moto.url), azure(&c, &azurite.root)];
    let out = publish(&op.regions[0], &to, &[]);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));

    let region = Path::new(&op.regions[0]);
    let first = |folder: &str| {
        let entry = std::fs::read_dir(region.join(folder))
            .unwrap()
            .next()
            .unwrap()
            .unwrap();
        format!("{folder}/{}", entry.file_name().to_str().unwrap())
    };
    let tile = first("log/tile/0/000.p");
    let bundle = first("log/tile/entries/000.p");
    let text = "text/plain; charset=utf-8";
    let expected = [
        ("feed.note", text, MUTABLE),
        ("keys.json", "application/json", MUTABLE),
        ("log/checkpoint", text, MUTABLE),
        (tile.as_str(), "application/octet-stream", IMMUTABLE),
        (bundle.as_str(), "application/octet-stream", IMMUTABLE),
    ];
    for base in [&a, &c] {
        for (path, content_type, cache_control) in expected {
            let (head, body) = get_url(&format!("{base}/kakao/{path}"), "");
            assert!(head.starts_with("http/1.1 200"), "{base} {path}: {head}");
            assert_eq!(
                header(&head, "content-type"),
                Some(content_type),
                "{base} {path}"
            );
            assert_eq!(
                header(&head, "cache-control"),
                Some(cache_control),
                "{base} {path}"
            );
            let staged = std::fs::read(region.join(path)).unwrap();
            let stored = body.len();
            let plain = decoded(&head, body);
            if header(&head, "content-encoding").is_some() {
                assert!(stored < plain.len(), "{path}: compressed only when smaller");
            }
            assert_eq!(plain, staged, "{base} {path}");
            if path.starts_with("log/tile/0") {
                assert_eq!(
                    header(&head, "content-encoding"),
                    None,
                    "hash tiles are not compressed"
                );
            }
        }
        // The feed is stored compressed, and an unchanged one costs a 304.
        let (head, _) = get_url(&format!("{base}/kakao/feed.note"), "");
        assert_eq!(header(&head, "content-encoding"), Some("gzip"), "{base}");
        let etag = header(&head, "etag").unwrap().to_owned();
        let (head, body) = get_url(
            &format!("{base}/kakao/feed.note"),
            &format!("If-None-Match: {etag}\r\n"),
        );
        assert!(head.starts_with("http/1.1 304"), "{base}: {head}");
        assert!(body.is_empty());
    }
}

/// GET of a full URL: (status line and headers, lowercased; raw body).
fn get_url(url: &str, extra: &str) -> (String, Vec<u8>) {
    let rest = url.trim_start_matches("http://");
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    get(&format!("http://{host}"), &format!("/{path}"), extra)
}

/// The body as stored, decoded from its Content-Encoding.
fn decoded(head: &str, body: Vec<u8>) -> Vec<u8> {
    match header(head, "content-encoding") {
        None => body,
        Some("gzip") => {
            let mut out = Vec::new();
            std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&body[..]), &mut out)
                .unwrap();
            out
        }
        Some(other) => panic!("stored as {other}"),
    }
}

#[test]
fn sign_to_publishes_everywhere_and_a_witness_on_its_own_cosigns_it() {
    let dir = tempfile::tempdir().unwrap();
    let op = Operator::new(dir.path(), &["w"], 1);
    let (_witness, witness_url) = op.start_witness("w");
    let moto = Moto::start();
    let a = moto.bucket("signed");
    let azurite = Azurite::start();
    let c = azurite.container("signed");
    let to = [
        format!("{}={}", op.regions[0], s3(&a, &moto.url)),
        format!("{}={}", op.regions[1], azure(&c, &azurite.root)),
    ];
    // Two --out folders: a plain --to would not say which goes where.
    let ambiguous = op.sign_with(
        &status("major_outage", &[U1]),
        &["--to".to_owned(), s3(&a, &moto.url)],
    );
    assert_fails_with(&ambiguous, "say which folder goes there");

    let mut extra = vec!["--witness".to_owned(), witness_url.clone()];
    for t in &to {
        extra.extend(["--to".to_owned(), t.clone()]);
    }
    let out = {
        let file = op.dir.join("status.toml");
        std::fs::write(&file, status("major_outage", &[U1])).unwrap();
        let mut args = vec![
            "sign".to_owned(),
            "--key".into(),
            op.status_key.clone(),
            "--status".into(),
            file.to_str().unwrap().into(),
            "--log".into(),
            op.log.clone(),
            "--log-key".into(),
            op.log_key.clone(),
        ];
        for r in &op.regions {
            args.extend(["--out".to_owned(), format!("{r}/feed.note")]);
        }
        args.extend(extra);
        bongsu_with_credentials(&args)
    };
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).contains("signed kakao seq"),
        "{}",
        stdout(&out)
    );
    for url in [format!("{a}/kakao"), format!("{c}/kakao")] {
        let (head, body) = get_url(&format!("{url}/log/checkpoint"), "");
        let body = decoded(&head, body);
        assert!(head.starts_with("http/1.1 200"), "{url}: {head}");
        assert!(
            String::from_utf8_lossy(&body).contains("— witness-w.test"),
            "{url}: the published checkpoint carries the witness's cosignature"
        );
        let audit = op.audit(&[], &[url.as_str()]);
        assert!(audit.status.success(), "{}", stdout(&audit));
        assert!(
            stdout(&audit).contains("cosigned by witness-w.test"),
            "{}",
            stdout(&audit)
        );
    }

    // keyset --to publishes the chain alone.
    let args = vec![
        "keyset".to_owned(),
        "--keys".into(),
        op.dir.join("keys.toml").to_str().unwrap().into(),
        "--key".into(),
        op.root.clone(),
        "--chain".into(),
        op.dir.join("keys.json").to_str().unwrap().into(),
        "--out".into(),
        format!("{}/keys.json", op.regions[0]),
        "--to".into(),
        s3(&a, &moto.url),
    ];
    let out = bongsu_with_credentials(&args);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    let (written, unchanged, _, _, _) = row(&out, &s3(&a, &moto.url));
    assert_eq!(
        (written, unchanged),
        (1, 0),
        "only keys.json: {}",
        stdout(&out)
    );
    let (head, body) = get_url(&format!("{a}/kakao/keys.json"), "");
    assert_eq!(
        decoded(&head, body),
        std::fs::read(op.dir.join("keys.json")).unwrap()
    );

    // probe --to publishes its observation alone, after each round.
    let probe_key = op.dir.join("probe.key");
    let made = bongsu(&[
        "keygen",
        "--name",
        "probe-seoul.test",
        "--out",
        probe_key.to_str().unwrap(),
    ]);
    assert!(made.status.success(), "{}", stderr(&made));
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nobody = closed.local_addr().unwrap();
    drop(closed);
    let config = op.dir.join("probe.toml");
    std::fs::write(
        &config,
        format!(
            "feed = \"kakao\"\nregion = \"seoul\"\ninterval = \"5s\"\nwindow = \"1m\"\ntimeout = \"1s\"\n\n[[service]]\nid = \"talk\"\n[[service.check]]\ntcp = \"{nobody}\"\n"
        ),
    )
    .unwrap();
    let args = vec![
        "probe".to_owned(),
        "--once".into(),
        "--config".into(),
        config.to_str().unwrap().into(),
        "--key".into(),
        probe_key.to_str().unwrap().into(),
        "--out".into(),
        format!("{}/probe.note", op.regions[0]),
        "--to".into(),
        s3(&a, &moto.url),
    ];
    let out = bongsu_with_credentials(&args);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    let (written, unchanged, _, _, _) = row(&out, &s3(&a, &moto.url));
    assert_eq!(
        (written, unchanged),
        (1, 0),
        "only probe.note: {}",
        stdout(&out)
    );
    let (head, body) = get_url(&format!("{a}/kakao/probe.note"), "");
    assert_eq!(
        decoded(&head, body),
        std::fs::read(format!("{}/probe.note", op.regions[0])).unwrap()
    );
}

/// `demo --stores` with the storage servers missing says what to run, and
/// with a port taken says so, before it writes anything to the stores.
#[test]
fn the_stores_demo_says_what_is_missing_or_taken() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("app");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(app.join("index.html"), "<!doctype html>").unwrap();
    let demo = |emulators: &Path, port: u16| {
        bongsu(&[
            "demo",
            "--dir",
            dir.path().join("demo").to_str().unwrap(),
            "--app",
            app.to_str().unwrap(),
            "--port",
            &port.to_string(),
            "--stores",
            "--emulators",
            emulators.to_str().unwrap(),
        ])
    };
    let out = demo(dir.path(), 40000);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("is not installed at") && said.contains("cargo xtask setup"),
        "{said}"
    );

    // The servers are there, but the S3 server's port is taken.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port() - 22;
    let out = demo(&repo_root(), port);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("the port is taken"), "{said}");
}
