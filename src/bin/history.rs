//! The history and incident pages' entry point (`history.html`, served as
//! `history/`); see `entry.rs` for why it is built apart.
//!
//! The split point of these pages' code is here, not in the library
//! (`later.rs` says why): the exports and an incident's page, reachable
//! only through `later`, go to the module fetched after the first view.

use bongsu_app::later::{history_parts, HistoryLater, Loading, NotLoaded};

#[leptos::wasm_split::wasm_split(later, wasm_split_path = ::leptos::wasm_split, fallible)]
fn later() -> Result<HistoryLater, NotLoaded> {
    Ok(history_parts())
}

fn load() -> Loading<HistoryLater> {
    Box::pin(later())
}

fn main() {
    bongsu_app::start_history(load);
}
