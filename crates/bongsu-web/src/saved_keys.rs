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

/// Keeps `chain`, unless the device already keeps a longer chain that this
/// one is the start of (another tab, or a widget of this origin, learnt
/// more meanwhile): the device never moves back to before a revocation.
pub fn save(feed: &str, chain: &KeyChain) {
    let key = storage_key(feed);
    let notes = chain.notes();
    let kept = device_storage::get(&key)
        .and_then(|text| parse_chain_file(text.as_bytes()).ok())
        .unwrap_or_default();
    if replaces_kept(&kept, &notes) {
        device_storage::set(&key, &chain_file(&notes));
    }
}

/// Whether a verified chain `notes` should replace the chain `kept` on the
/// device: not when `kept` is longer and begins with `notes` (the kept one
/// is verified again from the pinned root on load).
pub fn replaces_kept(kept: &[String], notes: &[String]) -> bool {
    !(kept.len() > notes.len() && kept.iter().zip(notes).all(|(a, b)| a == b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tab_behind_never_shortens_the_kept_chain() {
        let chain = |n: usize| (1..=n).map(|v| format!("v{v}")).collect::<Vec<_>>();
        assert!(replaces_kept(&[], &chain(1)));
        assert!(replaces_kept(&chain(1), &chain(3)));
        assert!(!replaces_kept(&chain(3), &chain(2)));
        assert!(replaces_kept(&chain(2), &chain(2)));
        // A different history (e.g. a new pinned root): the verified one wins.
        assert!(replaces_kept(&chain(3), &["other".to_owned()]));
    }
}
