//! The status page's entry point; the app itself is the library (`lib.rs`).
//!
//! The split point of the status page's code is here, not in the library
//! (`later.rs` says why): what is reachable only through `later` goes to
//! the module fetched after the first verified status.

use bongsu_app::later::{begin, Begin, Later, Loading, NotLoaded};

#[leptos::wasm_split::wasm_split(later, wasm_split_path = ::leptos::wasm_split, fallible)]
fn later(start: Begin) -> Result<Later, NotLoaded> {
    Ok(begin(start))
}

fn load(start: Begin) -> Loading<Later> {
    Box::pin(later(start))
}

fn main() {
    bongsu_app::start(load);
}
