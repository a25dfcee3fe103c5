//! Any text as each document the browser reads with `bongsu_core::json`:
//! it must never panic, never accept what serde_json rejects, and read the
//! same value wherever both accept. The only difference allowed is the
//! reader's own strictness about a repeated map key.
#![no_main]

use std::fmt::Debug;

use bongsu_core::from_json;
use bongsu_core::json::{self, Problem, Value};
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
    agree(text, from_json::feed);
    agree(text, from_json::key_set);
    agree(text, from_json::key_chain_file);
    agree(text, from_json::app_config);
    agree(text, from_json::log_event);
});
