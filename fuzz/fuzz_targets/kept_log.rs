//! Any bytes as the log state a device kept (`KeptLog::decode`), sealed
//! with a valid checksum so that mutations reach the reader behind it: it
//! must never panic, and what it reads must read back the same once
//! written again.
#![no_main]

use bongsu_core::log::KeptLog;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(kept) = KeptLog::decode(&KeptLog::seal(data)) {
        let again = KeptLog::encode(&kept.origin, &kept.tree, &kept.history);
        assert_eq!(KeptLog::decode(&again), Ok(kept));
    }
});
