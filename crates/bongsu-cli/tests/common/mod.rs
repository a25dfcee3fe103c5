//! Helpers shared by the CLI's integration tests.
#![allow(dead_code)]

pub mod operator;
pub mod storage;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
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

/// A minimal HTTP/1.1 GET; returns (status line and headers, body).
pub fn get(url: &str, path: &str, extra: &str) -> (String, Vec<u8>) {
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
    // The status line and header names lowercased; values as sent (an
    // ETag is case-sensitive).
    let head = String::from_utf8_lossy(&raw[..split])
        .lines()
        .enumerate()
        .map(|(i, line)| match line.split_once(": ") {
            Some((name, value)) if i > 0 => format!("{}: {value}", name.to_lowercase()),
            _ => line.to_lowercase(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    (head, raw[split + 4..].to_vec())
}

pub fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}: ")))
}
