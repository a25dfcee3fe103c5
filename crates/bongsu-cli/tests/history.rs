//! The history log as an operator and an auditor use it: `sign --log`,
//! witnesses in `serve`, and `audit` on good, tampered and split copies.

use std::path::{Path, PathBuf};

mod common;
use common::*;

/// An operator's directory: root, status and log keys, optional witness
/// keys, a key set, two region directories and a log.
struct Operator {
    dir: PathBuf,
    root: String,
    status_key: String,
    log_key: String,
    log: String,
    regions: Vec<String>,
}

impl Operator {
    fn new(dir: &Path, witnesses: &[&str], witness_threshold: usize) -> Operator {
        let root = keygen_named(dir, "root.key", "root.test");
        let status_key = keygen_named(dir, "status.key", "status.test");
        let log_key = keygen_named(dir, "log.key", "log.test");
        let mut toml = format!(
            "feed = \"kakao\"\nvalid_for = \"30d\"\n[root]\nthreshold = 1\nkeys = [\"{root}.pub\"]\n[status]\nthreshold = 1\nkeys = [\"{status_key}.pub\"]\n[log]\nthreshold = 1\nkeys = [\"{log_key}.pub\"]\n"
        );
        if !witnesses.is_empty() {
            let mut pubs = Vec::new();
            for w in witnesses {
                let key = dir.join(format!("witness-{w}.key"));
                let out = bongsu(&[
                    "keygen",
                    "--witness",
                    "--name",
                    &format!("witness-{w}.test"),
                    "--out",
                    key.to_str().unwrap(),
                ]);
                assert!(out.status.success(), "{}", stderr(&out));
                pubs.push(format!("\"{}.pub\"", key.display()));
            }
            toml.push_str(&format!(
                "[witness]\nthreshold = {witness_threshold}\nkeys = [{}]\n",
                pubs.join(", ")
            ));
        }
        std::fs::write(dir.join("keys.toml"), toml).unwrap();
        let regions: Vec<String> = ["a", "b"]
            .iter()
            .map(|r| dir.join("regions").join(r).to_str().unwrap().to_owned())
            .collect();
        let mut args = vec![
            "keyset".to_owned(),
            "--keys".into(),
            dir.join("keys.toml").to_str().unwrap().into(),
            "--key".into(),
            root.clone(),
            "--chain".into(),
            dir.join("keys.json").to_str().unwrap().into(),
        ];
        for r in &regions {
            std::fs::create_dir_all(r).unwrap();
            args.extend(["--out".into(), format!("{r}/keys.json")]);
        }
        let out = bongsu(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(out.status.success(), "{}", stderr(&out));
        Operator {
            dir: dir.to_owned(),
            root,
            status_key,
            log_key,
            log: dir.join("log").to_str().unwrap().to_owned(),
            regions,
        }
    }

    /// Writes `status` and signs it with the log into both regions.
    fn sign(&self, status: &str, witnesses: &[String]) -> std::process::Output {
        let file = self.dir.join("status.toml");
        std::fs::write(&file, status).unwrap();
        let mut args: Vec<String> = [
            "sign",
            "--key",
            &self.status_key,
            "--status",
            file.to_str().unwrap(),
            "--log",
            &self.log,
            "--log-key",
            &self.log_key,
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        for r in &self.regions {
            args.extend(["--out".into(), format!("{r}/feed.note")]);
        }
        for w in witnesses {
            args.extend(["--witness".into(), w.clone()]);
        }
        bongsu(&args.iter().map(String::as_str).collect::<Vec<_>>())
    }

    fn audit(&self, extra: &[&str], mirrors: &[&str]) -> std::process::Output {
        let root_pub = format!("{}.pub", self.root);
        let mut args = vec!["audit", "--root", &root_pub];
        args.extend(extra);
        args.extend(mirrors);
        bongsu(&args)
    }
}

fn status(messaging: &str, updates: &[(&str, &str, &str)]) -> String {
    let mut s = format!(
        "feed = \"kakao\"\nvalid_for = \"15m\"\n\n[[services]]\nid = \"kakaotalk\"\nname = \"KakaoTalk\"\n[[services.components]]\nid = \"messaging\"\nname = \"Messaging\"\nstatus = \"{messaging}\"\n"
    );
    if !updates.is_empty() {
        s.push_str("\n[[incidents]]\nid = \"dc-fire\"\ntitle = \"Fire at the datacenter\"\nimpact = \"major_outage\"\ncomponents = [\"kakaotalk/messaging\"]\n");
        for (at, state, message) in updates {
            s.push_str(&format!(
                "[[incidents.updates]]\nat = {at}\nstate = \"{state}\"\nmessage = \"{message}\"\n"
            ));
        }
    }
    s
}

const U1: (&str, &str, &str) = (
    "2022-10-15T15:50:00+09:00",
    "investigating",
    "Messages fail to send.",
);
const U2: (&str, &str, &str) = (
    "2022-10-15T16:12:00+09:00",
    "identified",
    "A fire at the datacenter.",
);
const U3: (&str, &str, &str) = (
    "2022-10-16T02:16:00+09:00",
    "resolved",
    "Messaging works again.",
);

/// An operator who published the outage in three steps, without witnesses.
fn published(dir: &Path) -> Operator {
    let op = Operator::new(dir, &[], 0);
    for s in [
        status("major_outage", &[U1]),
        status("major_outage", &[U1, U2]),
        status("operational", &[U1, U2, U3]),
    ] {
        let out = op.sign(&s, &[]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    op
}

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
