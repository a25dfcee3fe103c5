//! The key sets this device has verified, so that a reload trusts them at
//! once (no wait for a region's keys.json) and no region can roll the
//! device back to an older key set, e.g. one that still trusts a revoked
//! key. Stored as the chain file and re-verified from the pinned root on
//! load.

use bongsu_core::{chain_file, parse_chain_file, AppConfig, KeyChain};

use crate::device_storage;
use crate::signature_checks::checked_completely;

fn storage_key(feed: &str) -> String {
    format!("bongsu.keys.v1.{feed}")
}

/// The pinned root, extended by whatever this device verified before.
pub async fn load(config: &AppConfig) -> KeyChain {
    let key = storage_key(&config.feed);
    let saved = device_storage::get(&key);
    let ((chain, restored), complete) = checked_completely(|| {
        let mut chain = KeyChain::new(config.trust.root.clone(), &config.feed);
        let restored = saved
            .as_ref()
            .map(|text| parse_chain_file(text.as_bytes()).and_then(|notes| chain.extend(&notes)));
        (chain, restored)
    })
    .await;
    if let Some(restored) = restored {
        // (Not when a check could not be made: that is no verdict.)
        if restored.is_err() && complete {
            // Keep whatever verified; drop the rest (e.g. the config now
            // pins a different root).
            device_storage::remove(&key);
        }
    }
    chain
}

pub fn save(feed: &str, chain: &KeyChain) {
    device_storage::set(&storage_key(feed), &chain_file(&chain.notes()));
}
