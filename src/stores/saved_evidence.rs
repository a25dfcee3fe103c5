//! Evidence of equivocation, kept on this device so it can still be
//! downloaded after the misbehaving region has gone back to normal.

use bongsu_core::text::json::{self, FromJson};
use bongsu_core::Evidence;

use crate::device_storage;

/// Older evidence is dropped beyond this; each item is two feeds.
const MAX_ITEMS: usize = 10;

fn storage_key(feed: &str) -> String {
    format!("bongsu.evidence.v1.{feed}")
}

pub fn load(feed: &str) -> Vec<Evidence> {
    device_storage::get(&storage_key(feed))
        .and_then(|text| json::read(&text, |v| v.list(Evidence::from_json)).ok())
        .unwrap_or_default()
}

pub fn save(feed: &str, items: &[Evidence]) {
    let start = items.len().saturating_sub(MAX_ITEMS);
    // Pretty, as evidence is downloaded: one serde_json formatter in the build.
    if let Ok(text) = serde_json::to_string_pretty(&items[start..]) {
        device_storage::set(&storage_key(feed), &text);
    }
}
