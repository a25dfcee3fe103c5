//! The declare commands against a scratch status file, as an on-call
//! engineer runs them: a dry run, opening, updating and resolving an
//! incident in Korean and English, setting a component, and the refusals
//! that leave the file, the feeds and the log as they were.

use std::path::Path;

mod common;
use common::operator::*;
use common::*;

const STATUS: &str = r#"# Kakao: the on-call's status file. Comments stay.
feed = "kakao"
lang = "ko"
valid_for = "30d"

[[services]]
id = "kakao-account"
name = { ko = "카카오계정", en = "Kakao Account" }
[[services.components]]
id = "login"
name = { ko = "로그인", en = "Login" }
status = "operational"

[[services]]
id = "kakaopay"
name = { ko = "카카오페이", en = "Kakao Pay" }
[[services.components]]
id = "payments"
name = { ko = "결제", en = "Payments" }
status = "operational"
depends_on = ["kakao-account/login"]
"#;

/// `bongsu <command...>` against the operator's status file, keys, log and regions.
fn declare(op: &Operator, command: &[&str]) -> std::process::Output {
    let file = op.dir.join("status.toml");
    let mut args: Vec<String> = command.iter().map(|s| (*s).to_owned()).collect();
    args.extend([
        "--status".into(),
        file.to_str().unwrap().into(),
        "--key".into(),
        op.status_key.clone(),
        "--log".into(),
        op.log.clone(),
        "--log-key".into(),
        op.log_key.clone(),
    ]);
    for r in &op.regions {
        args.extend(["--out".into(), format!("{r}/feed.note")]);
    }
    bongsu(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

fn feed(op: &Operator) -> String {
    std::fs::read_to_string(format!("{}/feed.note", op.regions[0])).unwrap()
}

fn file(op: &Operator) -> String {
    std::fs::read_to_string(op.dir.join("status.toml")).unwrap()
}

fn checkpoint_size(op: &Operator) -> String {
    let checkpoint = std::fs::read_to_string(Path::new(&op.log).join("checkpoint")).unwrap();
    checkpoint.lines().nth(1).unwrap().to_owned()
}

#[test]
fn an_incident_is_declared_updated_and_resolved_in_one_step_each() {
    let dir = tempfile::tempdir().unwrap();
    let op = Operator::new(dir.path(), &[], 0);
    let out = op.sign(STATUS, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let seq1 = feed(&op);

    // A dry run shows the change and writes nothing.
    let open = [
        "incident",
        "open",
        "login-down",
        "--impact",
        "major_outage",
        "--set",
        "kakao-account/login=major_outage",
        "--set",
        "kakaopay/payments=partial_outage",
        "--title-ko",
        "카카오 로그인 장애",
        "--title-en",
        "Kakao login is down",
        "--ko",
        "로그인이 되지 않습니다. 확인 중입니다.",
        "--en",
        "Login fails. We are investigating.",
        "--sources",
        "on-call",
        "--at",
        "2022-10-15T15:50:00+09:00",
    ];
    let mut dry: Vec<&str> = open.to_vec();
    dry.push("--dry-run");
    let out = declare(&op, &dry);
    assert!(out.status.success(), "{}", stderr(&out));
    let diff = stdout(&out);
    assert!(
        diff.contains("-status = \"operational\"\n+status = \"major_outage\""),
        "{diff}"
    );
    assert!(
        diff.contains("+title = { ko = \"카카오 로그인 장애\", en = \"Kakao login is down\" }"),
        "{diff}"
    );
    assert!(diff.contains("nothing was written or signed"), "{diff}");
    assert_eq!(file(&op), STATUS);
    assert_eq!(feed(&op), seq1);

    // The same without --dry-run: edited, signed and logged in one step.
    let out = declare(&op, &open);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = file(&op);
    assert!(
        text.starts_with("# Kakao: the on-call's status file. Comments stay.\n"),
        "{text}"
    );
    let signed = feed(&op);
    assert!(signed.starts_with("bongsu-status-feed/v2\n"), "{signed}");
    assert!(signed.contains("\"title\":{\"lang\":\"ko\",\"text\":\"카카오 로그인 장애\",\"translations\":{\"en\":\"Kakao login is down\"}}"), "{signed}");
    assert!(signed.contains("\"sources\":\"on-call\""), "{signed}");
    assert!(signed.contains("{\"id\":\"payments\",\"name\":{\"lang\":\"ko\",\"text\":\"결제\",\"translations\":{\"en\":\"Payments\"}},\"status\":\"partial_outage\""), "{signed}");

    // One language only, in a two-language file: refused, nothing changes.
    let size = checkpoint_size(&op);
    let out = declare(
        &op,
        &[
            "incident",
            "update",
            "login-down",
            "--state",
            "identified",
            "--en",
            "Fire at the datacenter.",
        ],
    );
    assert_fails_with(&out, "give --ko too, or pass --untranslated");
    assert!(
        stderr(&out).contains("nothing was written"),
        "{}",
        stderr(&out)
    );
    assert_eq!(file(&op), text);
    assert_eq!(feed(&op), signed);
    assert_eq!(checkpoint_size(&op), size);

    // Marked untranslated, it goes out in English only.
    let out = declare(
        &op,
        &[
            "incident",
            "update",
            "login-down",
            "--state",
            "identified",
            "--en",
            "Fire at the datacenter.",
            "--untranslated",
            "--at",
            "2022-10-15T16:12:00+09:00",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        feed(&op).contains("\"message\":{\"lang\":\"en\",\"text\":\"Fire at the datacenter.\"}")
    );

    // Refusals: unknown incident, unknown component, time before the last update.
    let out = declare(
        &op,
        &[
            "incident",
            "update",
            "login-dwn",
            "--state",
            "monitoring",
            "--ko",
            "가",
            "--en",
            "a",
        ],
    );
    assert_fails_with(
        &out,
        "no incident `login-dwn`; the status file has: login-down",
    );
    let out = declare(
        &op,
        &["component", "set", "kakaopay/payment", "operational"],
    );
    assert_fails_with(&out, "no component `kakaopay/payment`; the status file has: kakao-account/login, kakaopay/payments");
    let out = declare(
        &op,
        &[
            "incident",
            "update",
            "login-down",
            "--state",
            "monitoring",
            "--ko",
            "가",
            "--en",
            "a",
            "--at",
            "2022-10-15T15:00:00+09:00",
        ],
    );
    assert_fails_with(&out, "updates must be in time order");
    let out = declare(&op, &["component", "set", "kakaopay/payments", "down"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("not a status"), "{}", stderr(&out));

    // Repaired and resolved.
    let out = declare(
        &op,
        &["component", "set", "kakao-account/login", "operational"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = declare(
        &op,
        &[
            "incident",
            "resolve",
            "login-down",
            "--set",
            "kakaopay/payments=operational",
            "--ko",
            "복구되었습니다.",
            "--en",
            "Restored.",
            "--at",
            "2022-10-15T18:00:00+09:00",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let last = feed(&op);
    assert!(
        last.contains(
            "\"state\":\"resolved\",\"message\":{\"lang\":\"ko\",\"text\":\"복구되었습니다.\""
        ),
        "{last}"
    );
    for component in ["로그인", "결제"] {
        assert!(
            last.contains(&format!(
                "\"text\":\"{component}\",\"translations\":{{\"en\":"
            )),
            "{last}"
        );
    }
    assert_eq!(
        last.matches("\"status\":\"operational\"").count(),
        2,
        "both repaired: {last}"
    );
    // A resolved incident takes no more updates.
    let out = declare(
        &op,
        &[
            "incident",
            "update",
            "login-down",
            "--state",
            "monitoring",
            "--ko",
            "가",
            "--en",
            "a",
        ],
    );
    assert_fails_with(&out, "is resolved; open a new incident");

    // The log holds every step: listing, statuses, the incident's four updates.
    let audit = op.audit(&["--format", "json"], &[&op.regions[0]]);
    assert!(audit.status.success(), "{}", stderr(&audit));
    let json: serde_json::Value = serde_json::from_str(&stdout(&audit)).unwrap();
    let updates = json["incidents"][0]["updates"].as_array().unwrap();
    assert_eq!(updates.len(), 3, "open, identified, resolved");
    assert_eq!(
        updates[0]["message"]["translations"]["en"],
        "Login fails. We are investigating."
    );
    assert_eq!(
        updates[0]["sources"], "on-call",
        "kept apart from the message"
    );
}

#[test]
fn signing_needs_its_key_and_outputs_unless_dry_run() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("status.toml");
    std::fs::write(&file, STATUS).unwrap();
    let out = bongsu(&[
        "component",
        "set",
        "kakaopay/payments",
        "degraded_performance",
        "--status",
        file.to_str().unwrap(),
    ]);
    assert_fails_with(&out, "signing needs --key");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), STATUS);
    let out = bongsu(&[
        "component",
        "set",
        "kakaopay/payments",
        "degraded_performance",
        "--status",
        file.to_str().unwrap(),
        "--dry-run",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("+status = \"degraded_performance\""),
        "{}",
        stdout(&out)
    );
}
