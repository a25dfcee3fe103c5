//! Bytes from a region as a key chain: the chain file parser and the chain
//! walk must never panic, and must trust only key sets the root signed.
#![no_main]

use std::sync::OnceLock;

use bongsu_core::{parse_chain_file, KeyChain, RoleKeys};
use libfuzzer_sys::fuzz_target;

fn anchor() -> &'static (RoleKeys, Vec<String>) {
    static ANCHOR: OnceLock<(RoleKeys, Vec<String>)> = OnceLock::new();
    ANCHOR.get_or_init(|| {
        let genuine = bongsu_fuzz::seed_chains()
            .last()
            .and_then(|c| parse_chain_file(c).ok())
            .unwrap_or_default();
        let texts = genuine
            .iter()
            .filter_map(|n| n.split_once("\n\n").map(|(t, _)| t.to_owned()))
            .collect();
        (bongsu_fuzz::role(&bongsu_fuzz::root().1), texts)
    })
}

fuzz_target!(|data: &[u8]| {
    let (root, genuine) = anchor();
    let Ok(notes) = parse_chain_file(data) else {
        return;
    };
    let mut chain = KeyChain::new(root.clone(), "kakao");
    let _ = chain.extend(&notes);
    for trusted in chain.trusted() {
        let text = trusted.note.split_once("\n\n").map(|(t, _)| t.to_owned());
        assert!(
            text.is_some_and(|t| genuine.contains(&t)),
            "trusted a key set the root never signed: version {}",
            trusted.key_set.version
        );
    }
});
