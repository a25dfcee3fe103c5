//! An operator's directory for the tests: root, status and log keys,
//! optional witness keys, a key set, two region directories and a log, and
//! the outage published in steps.

use std::path::{Path, PathBuf};

use super::*;

/// An operator's directory: root, status and log keys, optional witness
/// keys, a key set, two region directories and a log.
pub struct Operator {
    pub dir: PathBuf,
    pub root: String,
    pub status_key: String,
    pub log_key: String,
    pub log: String,
    pub regions: Vec<String>,
}

impl Operator {
    pub fn new(dir: &Path, witnesses: &[&str], witness_threshold: usize) -> Operator {
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
    pub fn sign(&self, status: &str, witnesses: &[String]) -> std::process::Output {
        let extra: Vec<String> = witnesses
            .iter()
            .flat_map(|w| ["--witness".to_owned(), w.clone()])
            .collect();
        self.sign_with(status, &extra)
    }

    /// Like [`Self::sign`], with any further arguments (`--to`, `--witness`).
    pub fn sign_with(&self, status: &str, extra: &[String]) -> std::process::Output {
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
        args.extend(extra.iter().cloned());
        bongsu(&args.iter().map(String::as_str).collect::<Vec<_>>())
    }

    /// `sign` of the status file at `file` with the log into both regions,
    /// started and not waited for.
    pub fn start_signing(&self, file: &Path) -> std::process::Child {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_bongsu"));
        command.args(["sign", "--key", &self.status_key, "--status"]);
        command.arg(file);
        command.args(["--log", &self.log, "--log-key", &self.log_key]);
        for r in &self.regions {
            command.args(["--out", &format!("{r}/feed.note")]);
        }
        command
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    }

    /// The arguments that run witness `name` (made by [`Self::new`]).
    pub fn witness_args(&self, name: &str) -> Vec<String> {
        let key = self.dir.join(format!("witness-{name}.key"));
        let state = self.dir.join(format!("witness-{name}-state"));
        vec![
            "--listen".into(),
            "127.0.0.1:0".into(),
            "--key".into(),
            key.to_str().unwrap().into(),
            "--log".into(),
            format!("{}.pub", self.log_key),
            "--state".into(),
            state.to_str().unwrap().into(),
        ]
    }

    /// `bongsu witness` for witness `name`, on its own, started fresh
    /// (--init); returns it and its URL.
    pub fn start_witness(&self, name: &str) -> (Server, String) {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_bongsu"))
            .arg("witness")
            .args(self.witness_args(name))
            .arg("--init")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::BufRead;
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let url = loop {
            let line = lines.next().unwrap().unwrap();
            if let Some(url) = line.strip_prefix("witness http://") {
                break format!("http://{url}");
            }
        };
        assert_eq!(lines.next().unwrap().unwrap(), "ready");
        std::thread::spawn(move || lines.for_each(drop));
        (Server(child), url)
    }

    pub fn audit(&self, extra: &[&str], mirrors: &[&str]) -> std::process::Output {
        let root_pub = format!("{}.pub", self.root);
        let mut args = vec!["audit", "--root", &root_pub];
        args.extend(extra);
        args.extend(mirrors);
        bongsu(&args)
    }
}

pub fn status(messaging: &str, updates: &[(&str, &str, &str)]) -> String {
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

pub const U1: (&str, &str, &str) = (
    "2022-10-15T15:50:00+09:00",
    "investigating",
    "Messages fail to send.",
);
pub const U2: (&str, &str, &str) = (
    "2022-10-15T16:12:00+09:00",
    "identified",
    "A fire at the datacenter.",
);
pub const U3: (&str, &str, &str) = (
    "2022-10-16T02:16:00+09:00",
    "resolved",
    "Messaging works again.",
);

/// An operator who published the outage in three steps, without witnesses.
pub fn published(dir: &Path) -> Operator {
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
