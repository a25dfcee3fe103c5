//! Any text as each document the browser reads with `bongsu_core::text::json`:
//! it must never panic, never accept what serde_json rejects, and read the
//! same value wherever both accept. The only difference allowed is the
//! reader's own strictness about a repeated map key.
#![no_main]

use std::fmt::Debug;

use bongsu_core::feed::AppConfig;
use bongsu_core::feed::Feed;
use bongsu_core::keys::{KeyChainFile, KeySet};
use bongsu_core::log::LogEvent;
use bongsu_core::text::json::{self, FromJson, Problem, Value};
use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;

fn agree<T: DeserializeOwned + PartialEq + Debug>(
    text: &str,
    read: fn(&Value) -> Result<T, Problem>,
) {
    let ours = json::read(text, read);
    let theirs = serde_json::from_str::<T>(text);
    match (&ours, &theirs) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "{text:?}"),
        (Err(_), Err(_)) => {}
        (Err(e), Ok(_)) if e.message.starts_with("duplicate field") => {}
        _ => panic!("the readers disagree on {text:?}\nours: {ours:?}\nserde: {theirs:?}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    agree(text, Feed::from_json);
    agree(text, KeySet::from_json);
    agree(text, KeyChainFile::from_json);
    agree(text, AppConfig::from_json);
    agree(text, LogEvent::from_json);
});
