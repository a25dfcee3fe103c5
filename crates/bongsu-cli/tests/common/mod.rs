//! Helpers shared by the CLI's integration tests.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

pub fn bongsu(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bongsu"))
        .args(args)
        .output()
        .expect("run bongsu")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts the command failed with exit code 1 and an error mentioning `needle`.
#[track_caller]
pub fn assert_fails_with(out: &Output, needle: &str) {
    assert_eq!(
        out.status.code(),
        Some(1),
        "expected failure; stderr: {}",
        stderr(out)
    );
    assert!(
        stderr(out).contains(needle),
        "stderr lacks {needle:?}: {}",
        stderr(out)
    );
}

/// A running `bongsu serve`, killed on drop.
pub struct Server(pub Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts serve and returns it with the URL of every site, in order.
pub fn serve_all(args: &[&str]) -> (Server, Vec<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bongsu"))
        .arg("serve")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut urls = Vec::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        if line == "ready" {
            break;
        }
        urls.extend(
            line.split(' ')
                .find(|w| w.starts_with("http://"))
                .map(str::to_owned),
        );
    }
    assert!(!urls.is_empty(), "serve printed no site");
    (Server(child), urls)
}

pub fn keygen_named(dir: &Path, file: &str, name: &str) -> String {
    let key = dir.join(file);
    let out = bongsu(&["keygen", "--name", name, "--out", key.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    key.to_str().unwrap().to_owned()
}

/// Starts serve and returns it with the URL of its first site.
pub fn serve(args: &[&str]) -> (Server, String) {
    let (server, urls) = serve_all(args);
    (server, urls[0].clone())
}
