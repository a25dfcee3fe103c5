//! The key sets this device has verified, so that a reload trusts them at
//! once (no wait for a region's keys.json) and no region can roll the
//! device back to an older key set, e.g. one that still trusts a revoked
//! key. Stored as the chain file and re-verified from the pinned root on
//! load.

use bongsu_core::{chain_file, parse_chain_file, AppConfig, KeyChain};

use crate::device_storage;

fn storage_key(feed: &str) -> String {
    format!("bongsu.keys.v1.{feed}")
}

/// The pinned root, extended by whatever this device verified before.
pub fn load(config: &AppConfig) -> KeyChain {
    let mut chain = KeyChain::new(config.trust.root.clone(), &config.feed);
    let key = storage_key(&config.feed);
    if let Some(text) = device_storage::get(&key) {
        let restored = parse_chain_file(text.as_bytes()).and_then(|notes| chain.extend(&notes));
        if restored.is_err() {
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
