//! The history log as an operator and an auditor use it: `sign --log`,
//! witnesses in `serve`, and `audit` on good, tampered and split copies.

use std::path::{Path, PathBuf};

mod common;
use common::operator::*;
use common::*;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The entry bundle of a small log at its current size (bundles of earlier
/// sizes stay beside it, as mirrors may still serve them).
fn bundle(region: &str) -> PathBuf {
    let checkpoint = std::fs::read_to_string(format!("{region}/log/checkpoint")).unwrap();
    let size = checkpoint.lines().nth(1).unwrap();
    let file = Path::new(region).join(format!("log/tile/entries/000.p/{size}"));
    assert!(file.is_file(), "{}", file.display());
    file
}

#[test]
fn signing_with_a_log_records_each_change_and_the_feed_commits_to_it() {
    let dir = tempfile::tempdir().unwrap();
    let op = Operator::new(dir.path(), &[], 0);
    let out = op.sign(&status("major_outage", &[U1]), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Listing, the status change, the incident opening and its first update.
    assert!(
        stdout(&out).contains("logged 4 event(s); the log has 4 entries"),
        "{}",
        stdout(&out)
    );
    let out = op.sign(&status("major_outage", &[U1, U2]), &[]);
    assert!(
        stdout(&out).contains("logged 1 event(s); the log has 5 entries"),
        "{}",
        stdout(&out)
    );
    for r in &op.regions {
        let feed = std::fs::read_to_string(format!("{r}/feed.note")).unwrap();
        assert!(feed.contains("\"log\":{\"size\":5,"), "{feed}");
        let checkpoint = std::fs::read_to_string(format!("{r}/log/checkpoint")).unwrap();
        assert!(checkpoint.starts_with("log.test\n5\n"), "{checkpoint}");
    }
    // Signing the same status again logs nothing new.
    let out = op.sign(&status("major_outage", &[U1, U2]), &[]);
    assert!(
        stdout(&out).contains("logged 0 event(s); the log has 5 entries"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn editing_a_published_update_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let op = Operator::new(dir.path(), &[], 0);
    assert!(op
        .sign(&status("major_outage", &[U1, U2]), &[])
        .status
        .success());
    let checkpoint = std::fs::read(format!("{}/checkpoint", op.log)).unwrap();
    let feed = std::fs::read(format!("{}/feed.note", op.regions[0])).unwrap();
    let rewritten = (U2.0, U2.1, "It was never a fire.");
    let out = op.sign(&status("major_outage", &[U1, rewritten]), &[]);
    assert_fails_with(&out, "or an earlier update");
    assert!(
        stderr(&out).contains("add a new update instead"),
        "{}",
        stderr(&out)
    );
    let dropped = op.sign(&status("major_outage", &[U1]), &[]);
    assert_fails_with(&dropped, "fewer updates than were published");
    assert_eq!(
        std::fs::read(format!("{}/checkpoint", op.log)).unwrap(),
        checkpoint
    );
    assert_eq!(
        std::fs::read(format!("{}/feed.note", op.regions[0])).unwrap(),
        feed
    );
}

#[test]
fn audit_verifies_every_mirror_and_prints_the_timeline() {
    let dir = tempfile::tempdir().unwrap();
    let op = published(dir.path());
    let mirrors: Vec<&str> = op.regions.iter().map(String::as_str).collect();
    let out = op.audit(&["--events"], &mirrors);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    assert_eq!(text.matches("ok   ").count(), 2, "{text}");
    assert!(
        text.contains("every mirror shows the same history (2 mirrors)"),
        "{text}"
    );
    assert!(text.contains("Fire at the datacenter"), "{text}");
    assert!(text.contains("2022-10-15 15:50 investigating"), "{text}");
    assert!(
        text.contains("component_status kakaotalk messaging major_outage"),
        "{text}"
    );

    // The CSV export: one row per event, each naming its entry and proof.
    let csv = dir.path().join("events.csv");
    let out = op.audit(
        &[
            "--format",
            "csv",
            "--export",
            "events",
            "--out",
            csv.to_str().unwrap(),
        ],
        &mirrors,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let csv = std::fs::read_to_string(csv).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("entry,at_kst,kind,"), "{csv}");
    assert_eq!(lines.len(), 1 + 7, "{csv}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("incident_resolved") && l.contains("Messaging works again.")),
        "{csv}"
    );
    assert!(lines[1].contains("/log/tile/entries/000.p/7"), "{csv}");
}

#[test]
fn audit_catches_a_changed_removed_or_reordered_entry() {
    let dir = tempfile::tempdir().unwrap();
    let op = published(dir.path());
    let good = std::fs::read(bundle(&op.regions[1])).unwrap();
    let text = String::from_utf8_lossy(&good).into_owned();
    // Same length, different meaning: a status changed after the fact.
    let changed = text.replacen("\"major_outage\"", "\"minor_outage\"", 1);
    assert_ne!(changed, text);
    // The last entry cut off, and two entries swapped.
    let entries = split_bundle(&good);
    let removed = join_bundle(&entries[..entries.len() - 1]);
    let mut swapped = entries.clone();
    swapped.swap(1, 2);
    for (what, bytes) in [
        ("changed", changed.into_bytes()),
        ("removed", removed),
        ("reordered", join_bundle(&swapped)),
    ] {
        std::fs::write(bundle(&op.regions[1]), &bytes).unwrap();
        let out = op.audit(&[], &[&op.regions[0], &op.regions[1]]);
        assert_fails_with(&out, "problem");
        let report = stdout(&out);
        assert!(
            report.contains(&format!("ok   {}", op.regions[0])),
            "{what}: {report}"
        );
        assert!(
            report.contains(&format!("FAIL {}", op.regions[1])),
            "{what}: {report}"
        );
    }
}

fn split_bundle(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while rest.len() >= 2 {
        let len = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
        out.push(rest[2..2 + len].to_vec());
        rest = &rest[2 + len..];
    }
    out
}

fn join_bundle(entries: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for e in entries {
        out.extend_from_slice(&(e.len() as u16).to_be_bytes());
        out.extend_from_slice(e);
    }
    out
}

#[test]
fn audit_rejects_a_checkpoint_re_signed_by_anyone_but_the_log_key() {
    let dir = tempfile::tempdir().unwrap();
    let op = published(dir.path());
    // An attacker with their own key signs a checkpoint for a different root.
    // (Same key name, different key.)
    let other = tempfile::tempdir().unwrap();
    let attacker = Operator::new(other.path(), &[], 0);
    assert!(attacker
        .sign(&status("operational", &[]), &[])
        .status
        .success());
    std::fs::copy(
        format!("{}/log/checkpoint", attacker.regions[0]),
        format!("{}/log/checkpoint", op.regions[1]),
    )
    .unwrap();
    let out = op.audit(&[], &[&op.regions[1]]);
    assert_fails_with(&out, "problem");
    assert!(stdout(&out).contains("checkpoint:"), "{}", stdout(&out));
}

#[test]
fn audit_detects_a_split_view_and_a_history_rewritten_since_it_was_seen() {
    let dir = tempfile::tempdir().unwrap();
    let op = published(dir.path());
    let seen = dir.path().join("seen.checkpoint");
    let out = op.audit(
        &["--save-checkpoint", seen.to_str().unwrap()],
        &[&op.regions[0]],
    );
    assert!(out.status.success(), "{}", stdout(&out));

    // The operator rebuilds the log from scratch with the same key and a
    // different story (the incident never happened), and grows it past the
    // old size; mirror b gets the new story, mirror a keeps the old one.
    std::fs::remove_dir_all(&op.log).unwrap();
    let old_b = dir.path().join("old-b");
    copy_dir(Path::new(&op.regions[1]), &old_b);
    for s in [
        status("degraded_performance", &[]),
        status("partial_outage", &[]),
        status("major_outage", &[]),
        status("operational", &[]),
        status("degraded_performance", &[]),
        status("operational", &[]),
        status("major_outage", &[]),
        status("operational", &[]),
        status("degraded_performance", &[]),
    ] {
        let file = dir.path().join("status.toml");
        std::fs::write(&file, s).unwrap();
        let b = format!("{}/feed.note", op.regions[1]);
        let out = bongsu(&[
            "sign",
            "--key",
            &op.status_key,
            "--status",
            file.to_str().unwrap(),
            "--log",
            &op.log,
            "--log-key",
            &op.log_key,
            "--out",
            &b,
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    // Each copy is internally valid...
    for r in [&op.regions[0], &op.regions[1]] {
        let out = op.audit(&[], &[r]);
        assert!(out.status.success(), "{r}: {}", stdout(&out));
    }
    // ...but together they show two histories,
    let out = op.audit(&[], &[&op.regions[0], &op.regions[1]]);
    assert_fails_with(&out, "1 problem");
    let report = stdout(&out);
    assert!(report.contains("FAIL split view:"), "{report}");
    assert!(report.contains("disagree from entry"), "{report}");
    // ...and the new one does not extend what the auditor saw before.
    let out = op.audit(&["--seen", seen.to_str().unwrap()], &[&op.regions[1]]);
    assert_fails_with(&out, "problem");
    assert!(
        stdout(&out).contains("the log was rewritten"),
        "{}",
        stdout(&out)
    );
    let out = op.audit(
        &["--seen", seen.to_str().unwrap()],
        &[old_b.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", stdout(&out));
}

#[test]
fn audit_names_a_missing_mirror_and_a_missing_root_key() {
    let dir = tempfile::tempdir().unwrap();
    let op = published(dir.path());
    let gone = dir.path().join("gone");
    let out = op.audit(&[], &[&op.regions[0], gone.to_str().unwrap()]);
    assert_fails_with(&out, "1 problem");
    assert!(stdout(&out).contains("gone/keys.json"), "{}", stdout(&out));
    let out = bongsu(&["audit", &op.regions[0]]);
    assert_fails_with(&out, "--root");
}

#[test]
fn witnesses_in_serve_cosign_and_a_checkpoint_below_the_threshold_fails_the_audit() {
    let dir = tempfile::tempdir().unwrap();
    let op = Operator::new(dir.path(), &["a", "b"], 2);
    let state = dir.path().join("witness-state");
    let log_pub = format!("{}.pub", op.log_key);
    let witness = |id: &str| {
        format!(
            "{id}={}",
            dir.path().join(format!("witness-{id}.key")).display()
        )
    };
    let (a, b) = (witness("a"), witness("b"));
    let region = |i: usize| format!("{}={}@127.0.0.1:0", ["a", "b"][i], op.regions[i]);
    let (ra, rb) = (region(0), region(1));

    // Only witness a is running: publishing goes ahead, with a warning,
    // and the checkpoint has one cosignature of the two required.
    let urls = {
        let (server, urls) = serve_all(&[
            "--region",
            &ra,
            "--region",
            &rb,
            "--witness",
            &a,
            "--witness-log",
            &log_pub,
            "--witness-state",
            state.to_str().unwrap(),
            "--witness-init",
        ]);
        let witnesses: Vec<String> = urls.iter().map(|u| format!("{u}witness")).collect();
        let out = op.sign(&status("major_outage", &[U1]), &witnesses);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stderr(&out).contains("did not cosign"), "{}", stderr(&out));
        let mirrors: Vec<&str> = op.regions.iter().map(String::as_str).collect();
        let audit = op.audit(&[], &mirrors);
        assert_fails_with(&audit, "problem");
        assert!(stdout(&audit).contains("witness"), "{}", stdout(&audit));
        drop(server);
        witnesses
    };

    // Both running: signing again (nothing changed) asks the witnesses again.
    let (_server, new_urls) = serve_all(&[
        "--region",
        &ra,
        "--region",
        &rb,
        "--witness",
        &a,
        "--witness",
        &b,
        "--witness-log",
        &log_pub,
        "--witness-state",
        state.to_str().unwrap(),
        // Witness b is new; a keeps what it remembered.
        "--witness-init",
    ]);
    let witnesses: Vec<String> = new_urls.iter().map(|u| format!("{u}witness")).collect();
    assert_eq!(urls.len(), witnesses.len());
    let out = op.sign(&status("major_outage", &[U1]), &witnesses);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("did not cosign"), "{}", stderr(&out));
    let mirrors: Vec<&str> = op.regions.iter().map(String::as_str).collect();
    let audit = op.audit(&[], &mirrors);
    assert!(audit.status.success(), "{}", stdout(&audit));
    assert!(
        stdout(&audit).contains("witness-a.test, witness-b.test"),
        "{}",
        stdout(&audit)
    );
    drop(_server);

    // A witness whose state is gone refuses to start, rather than cosign a
    // fork from nothing; so does one whose state another process holds.
    let wiped = dir.path().join("wiped-state");
    let out = bongsu(&[
        "serve",
        "--region",
        &ra,
        "--witness",
        &a,
        "--witness-log",
        &log_pub,
        "--witness-state",
        wiped.to_str().unwrap(),
    ]);
    assert_fails_with(&out, "--witness-init");
    let (_holder, _) = serve_all(&[
        "--region",
        &ra,
        "--witness",
        &a,
        "--witness-log",
        &log_pub,
        "--witness-state",
        state.to_str().unwrap(),
    ]);
    let out = bongsu(&[
        "serve",
        "--region",
        &rb,
        "--witness",
        &a,
        "--witness-log",
        &log_pub,
        "--witness-state",
        state.to_str().unwrap(),
    ]);
    assert_fails_with(&out, "in use by another running serve");
}

/// A witness on loopback that answers every request with `answer` (200),
/// whatever it was asked: a misbehaving or compromised witness.
fn stub_witness(answer: String) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/witness", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().take(8) {
            let Ok(mut stream) = stream else { continue };
            // Read the request head and its body, then answer.
            let mut seen = Vec::new();
            let mut buf = [0u8; 4096];
            while let Ok(n) = stream.read(&mut buf) {
                if n == 0 {
                    break;
                }
                seen.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&seen).to_string();
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let length = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if body.len() >= length {
                        break;
                    }
                }
            }
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                answer.len()
            );
        }
    });
    url
}

#[test]
fn a_witness_answering_garbage_or_junk_cannot_break_the_checkpoint() {
    use base64::Engine;
    let dir = tempfile::tempdir().unwrap();
    let op = Operator::new(dir.path(), &["a", "b"], 2);
    let state = dir.path().join("witness-state");
    let log_pub = format!("{}.pub", op.log_key);
    let witness = |id: &str| {
        format!(
            "{id}={}",
            dir.path().join(format!("witness-{id}.key")).display()
        )
    };
    let (a, b) = (witness("a"), witness("b"));
    // Witness a's name and key id are public: a line in its name over
    // garbage, then 99 junk lines pushing the note past the reader's limits.
    let a_pub = std::fs::read_to_string(dir.path().join("witness-a.key.pub")).unwrap();
    let a_id = u32::from_str_radix(a_pub.trim().split('+').nth(1).unwrap(), 16).unwrap();
    let mut raw = a_id.to_be_bytes().to_vec();
    raw.extend([0u8; 72]);
    let b64 = base64::engine::general_purpose::STANDARD.encode(&raw);
    let mut garbage = format!("\u{2014} witness-a.test {b64}\n");
    let junk = base64::engine::general_purpose::STANDARD.encode([7u8; 154]);
    for i in 0..99 {
        garbage.push_str(&format!("\u{2014} junk-{i}.example {junk}\n"));
    }
    // Two misbehaving witnesses: one answers a garbage line in witness a's
    // name, the other that line and the junk (more than a reader accepts).
    let (garbage_line, _) = garbage.split_at(garbage.find('\n').unwrap() + 1);
    let stubs = [
        stub_witness(garbage_line.to_owned()),
        stub_witness(garbage.clone()),
    ];
    let region = |i: usize| format!("{}={}@127.0.0.1:0", ["a", "b"][i], op.regions[i]);
    let (_server, urls) = serve_all(&[
        "--region",
        &region(0),
        "--region",
        &region(1),
        "--witness",
        &a,
        "--witness",
        &b,
        "--witness-log",
        &log_pub,
        "--witness-state",
        state.to_str().unwrap(),
        "--witness-init",
    ]);
    // The hostile witnesses answer first.
    let mut witnesses = stubs.to_vec();
    witnesses.extend(urls.iter().map(|u| format!("{u}witness")));
    let out = op.sign(&status("major_outage", &[U1]), &witnesses);
    assert!(out.status.success(), "{}", stderr(&out));
    let said = stderr(&out);
    assert!(
        said.contains(&format!(
            "witness {} did not cosign: its answer held no valid cosignature",
            stubs[0]
        )),
        "{said}"
    );
    assert!(
        said.contains(&format!("witness {} did not cosign", stubs[1])),
        "{said}"
    );
    let mirrors: Vec<&str> = op.regions.iter().map(String::as_str).collect();
    let audit = op.audit(&[], &mirrors);
    assert!(
        audit.status.success(),
        "{}\n{}",
        stdout(&audit),
        stderr(&audit)
    );
    assert!(
        stdout(&audit).contains("witness-a.test, witness-b.test"),
        "{}",
        stdout(&audit)
    );
    let checkpoint = std::fs::read_to_string(format!("{}/log/checkpoint", op.regions[0])).unwrap();
    assert!(!checkpoint.contains("junk-"), "{checkpoint}");
    assert_eq!(checkpoint.matches("\u{2014} witness-a.test ").count(), 1);
}

#[test]
fn operators_signing_at_once_take_turns() {
    let dir = tempfile::tempdir().unwrap();
    let op = Operator::new(dir.path(), &[], 0);
    let statuses = [
        "major_outage",
        "degraded_performance",
        "partial_outage",
        "operational",
    ];
    let files: Vec<PathBuf> = statuses
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let file = dir.path().join(format!("status-{i}.toml"));
            std::fs::write(&file, status(s, &[])).unwrap();
            file
        })
        .collect();
    let running: Vec<_> = files.iter().map(|f| op.start_signing(f)).collect();
    let mut seqs: Vec<u64> = running
        .into_iter()
        .map(|child| {
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success(), "{}", stderr(&out));
            let text = stdout(&out);
            let seq = text
                .lines()
                .find_map(|l| l.split(" seq ").nth(1))
                .and_then(|rest| rest.split(' ').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("no seq in {text}"));
            seq
        })
        .collect();
    seqs.sort_unstable();
    assert_eq!(
        seqs,
        [1, 2, 3, 4],
        "each run must read what the one before wrote"
    );
    let mirrors: Vec<&str> = op.regions.iter().map(String::as_str).collect();
    let audit = op.audit(&[], &mirrors);
    assert!(
        audit.status.success(),
        "{}\n{}",
        stdout(&audit),
        stderr(&audit)
    );
    // The operator's own copy of the log opens too: the next sign works.
    let out = op.sign(&status("operational", &[U1]), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains(" seq 5 "), "{}", stdout(&out));
}

#[test]
fn audit_never_accepts_a_log_key_revoked_by_a_later_key_set() {
    let dir = tempfile::tempdir().unwrap();
    let op = Operator::new(dir.path(), &[], 0);
    let out = op.sign(&status("major_outage", &[U1]), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let seen = dir.path().join("seen.checkpoint");
    std::fs::copy(format!("{}/log/checkpoint", op.regions[0]), &seen).unwrap();

    // The log key is rotated (same origin) and the old one revoked.
    let log_2 = keygen_named(dir.path(), "log-2.key", "log.test");
    let toml = std::fs::read_to_string(dir.path().join("keys.toml"))
        .unwrap()
        .replace(&format!("{}.pub", op.log_key), &format!("{log_2}.pub"))
        .replacen(
            "[root]",
            &format!("revoked = [\"{}.pub\"]\n[root]", op.log_key),
            1,
        );
    std::fs::write(dir.path().join("keys.toml"), toml).unwrap();
    let mut args = vec![
        "keyset".to_owned(),
        "--keys".into(),
        dir.path().join("keys.toml").display().to_string(),
        "--key".into(),
        op.root.clone(),
        "--chain".into(),
        dir.path().join("keys.json").display().to_string(),
    ];
    for r in &op.regions {
        args.extend(["--out".into(), format!("{r}/keys.json")]);
    }
    let out = bongsu(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(out.status.success(), "{}", stderr(&out));

    // The operator re-signs with the new key: the same log, now under it.
    let file = dir.path().join("status.toml");
    let sign_with = |log: &str, log_key: &str, outs: &[String], status_text: &str| {
        std::fs::write(&file, status_text).unwrap();
        let mut args = vec![
            "sign".to_owned(),
            "--key".into(),
            op.status_key.clone(),
            "--status".into(),
            file.display().to_string(),
            "--log".into(),
            log.to_owned(),
            "--log-key".into(),
            log_key.to_owned(),
        ];
        for o in outs {
            args.extend(["--out".into(), o.clone()]);
        }
        bongsu(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let outs: Vec<String> = op
        .regions
        .iter()
        .map(|r| format!("{r}/feed.note"))
        .collect();
    let out = sign_with(&op.log, &log_2, &outs, &status("major_outage", &[U1]));
    assert!(out.status.success(), "{}", stderr(&out));
    let honest = op.audit(&[], &[&op.regions[0]]);
    assert!(
        honest.status.success(),
        "{}\n{}",
        stdout(&honest),
        stderr(&honest)
    );

    // Whoever holds the revoked key signs another history into a mirror
    // that serves the newest key chain.
    let forged = dir.path().join("forged");
    copy_dir(Path::new(&op.regions[0]), &forged);
    std::fs::remove_dir_all(forged.join("log")).unwrap();
    let forged_feed = forged.join("feed.note").display().to_string();
    std::fs::remove_file(&forged_feed).unwrap();
    let out = sign_with(
        &dir.path().join("forged-log").display().to_string(),
        &op.log_key,
        &[forged_feed],
        &status("operational", &[]),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let audit = op.audit(&[], &[forged.to_str().unwrap()]);
    assert_eq!(audit.status.code(), Some(1), "{}", stdout(&audit));
    assert!(stdout(&audit).contains("revoked"), "{}", stdout(&audit));
    // Served beside an honest mirror, the forged one still cannot pass.
    let audit = op.audit(&[], &[&op.regions[0], forged.to_str().unwrap()]);
    assert_eq!(audit.status.code(), Some(1), "{}", stdout(&audit));

    // What was seen before the rotation is still compared: the honest log
    // extends it, and the --seen checkpoint (signed by the now revoked key)
    // is evidence the rewrite would have had to match.
    let seen_arg = seen.display().to_string();
    let audit = op.audit(&["--seen", &seen_arg], &[&op.regions[0]]);
    assert!(
        audit.status.success(),
        "{}\n{}",
        stdout(&audit),
        stderr(&audit)
    );
}

#[test]
fn a_witness_on_its_own_cosigns_what_sign_publishes() {
    let dir = tempfile::tempdir().unwrap();
    let op = Operator::new(dir.path(), &["a"], 1);
    // Without its memory it refuses to start.
    let mut refused = vec!["witness".to_owned()];
    refused.extend(op.witness_args("a"));
    let refused: Vec<&str> = refused.iter().map(String::as_str).collect();
    assert_fails_with(&bongsu(&refused), "--init");
    let (_witness, url) = op.start_witness("a");
    let out = op.sign(&status("major_outage", &[U1]), std::slice::from_ref(&url));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("did not cosign"), "{}", stderr(&out));
    let mirrors: Vec<&str> = op.regions.iter().map(String::as_str).collect();
    let audit = op.audit(&[], &mirrors);
    assert!(audit.status.success(), "{}", stdout(&audit));
    assert!(
        stdout(&audit).contains("cosigned by witness-a.test"),
        "{}",
        stdout(&audit)
    );
}

#[test]
fn maintenance_and_a_postmortem_are_logged_from_the_status_file() {
    let dir = tempfile::tempdir().unwrap();
    let op = Operator::new(dir.path(), &[], 0);
    let maintenance = |state: &str| {
        format!("\n[[maintenances]]\nid = \"db\"\ntitle = \"Database upgrade\"\nstarts_at = 2022-10-22T02:00:00+09:00\nends_at = 2022-10-22T04:00:00+09:00\ncomponents = [\"kakaotalk/messaging\"]\nstate = \"{state}\"\n")
    };
    let with_postmortem = status("operational", &[U1, U2, U3]).replace(
        "components = [\"kakaotalk/messaging\"]\n[[incidents.updates]]",
        "components = [\"kakaotalk/messaging\"]\npostmortem = \"https://example.com/pm/dc-fire\"\n[[incidents.updates]]",
    );
    assert!(with_postmortem.contains("postmortem"));
    let steps = [
        (
            status("operational", &[U1, U2, U3]) + &maintenance("scheduled"),
            "logged 6 event(s)",
        ),
        (
            status("operational", &[U1, U2, U3]) + &maintenance("in_progress"),
            "logged 1 event(s)",
        ),
        (
            with_postmortem.clone() + &maintenance("completed"),
            "logged 2 event(s)",
        ),
    ];
    for (text, logged) in steps {
        let out = op.sign(&text, &[]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stdout(&out).contains(logged), "{logged}: {}", stdout(&out));
    }
    let back = op.sign(&(with_postmortem + &maintenance("scheduled")), &[]);
    assert_fails_with(&back, "cannot go back");
    let out = op.audit(
        &["--format", "csv", "--export", "events"],
        &[&op.regions[0]],
    );
    let csv = stdout(&out);
    for kind in [
        "maintenance_scheduled",
        "maintenance_started",
        "maintenance_ended",
        "postmortem_published",
    ] {
        assert!(csv.contains(kind), "{kind}: {csv}");
    }
    assert!(csv.contains("https://example.com/pm/dc-fire"), "{csv}");
}

/// The status file with a `[page]`: `sign` writes the Statuspage-compatible
/// API and its manifest into every region, and `audit` checks them, naming
/// a region whose files are stale, altered, or served without a manifest.
#[test]
fn audit_checks_each_regions_statuspage_api_against_its_feed() {
    let page = |s: String| {
        s.replacen(
            "\n\n[[services]]",
            "\n\n[page]\nname = \"Kakao\"\nurl = \"https://status.example.kr/\"\n\n[[services]]",
            1,
        )
    };
    let dir = tempfile::tempdir().unwrap();
    let op = Operator::new(dir.path(), &[], 0);
    let out = op.sign(&page(status("major_outage", &[U1])), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let region = |i: usize| PathBuf::from(&op.regions[i]);
    let summary = region(0).join("api/v2/summary.json");
    let first_summary = std::fs::read(&summary).unwrap();
    let first_manifest = std::fs::read(region(0).join("api/v2/x-bongsu-manifest.note")).unwrap();
    let text = String::from_utf8(first_summary.clone()).unwrap();
    assert!(text.contains("\"indicator\":\"critical\""), "{text}");
    assert!(text.contains("\"id\":\"kakaotalk.messaging\""), "{text}");

    let out = op.sign(&page(status("major_outage", &[U1, U2])), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mirrors: Vec<&str> = op.regions.iter().map(String::as_str).collect();
    let out = op.audit(&[], &mirrors);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert_eq!(
        stdout(&out)
            .matches(
                "Statuspage-compatible API (10 files) is signed and is exactly what feed seq 2"
            )
            .count(),
        2,
        "{}",
        stdout(&out)
    );

    // Region 1 keeps the first signing's API beside the second's feed.
    let stale = dir.path().join("stale");
    copy_dir(&region(1), &stale);
    std::fs::write(stale.join("api/v2/summary.json"), &first_summary).unwrap();
    std::fs::write(stale.join("api/v2/x-bongsu-manifest.note"), &first_manifest).unwrap();
    let out = op.audit(&[], &[stale.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        stdout(&out).contains("derived from feed seq 1, but the region serves seq 2"),
        "{}",
        stdout(&out)
    );

    // One byte changed in one file: named.
    let altered = dir.path().join("altered");
    copy_dir(&region(1), &altered);
    let status_json = altered.join("api/v2/status.json");
    let text = std::fs::read_to_string(&status_json).unwrap();
    std::fs::write(
        &status_json,
        text.replace("Major System Outage", "All Systems Operational"),
    )
    .unwrap();
    let out = op.audit(&[], &[altered.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        stdout(&out).contains("`api/v2/status.json` is not the file the manifest signs"),
        "{}",
        stdout(&out)
    );

    // The files without their manifest: nothing vouches for them.
    let unsigned = dir.path().join("unsigned");
    copy_dir(&region(1), &unsigned);
    std::fs::remove_file(unsigned.join("api/v2/x-bongsu-manifest.note")).unwrap();
    let out = op.audit(&[], &[unsigned.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        stdout(&out).contains("served without its signed manifest"),
        "{}",
        stdout(&out)
    );

    // Even with summary.json gone too, any one file left unsigned is named.
    std::fs::remove_file(unsigned.join("api/v2/summary.json")).unwrap();
    let out = op.audit(&[], &[unsigned.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        stdout(&out).contains("`api/v2/status.json` is served without its signed manifest"),
        "{}",
        stdout(&out)
    );

    // Without a [page] the API is not written, and sign says why.
    let bare = tempfile::tempdir().unwrap();
    let op = Operator::new(bare.path(), &[], 0);
    let out = op.sign(&status("major_outage", &[U1]), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("has no [page]"), "{}", stderr(&out));
    assert!(!PathBuf::from(&op.regions[0]).join("api").exists());
    let out = op.audit(&[], &[&op.regions[0]]);
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("serves no Statuspage-compatible API"),
        "{}",
        stdout(&out)
    );
}
