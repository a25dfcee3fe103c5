//! Bongsu's browser app: fetches the signed status feed from every region,
//! verifies it in WebAssembly and shows what it says.
//!
//! The data path reads top to bottom: `config_loader` (which regions and
//! root keys) → `fetch` (bytes from one region, with a timeout) →
//! `bongsu_core` (verify key chains and feeds) → [`stores`] (every region
//! in parallel, merged into signals) → [`pages`] built of [`components`]
//! (show). What the device keeps between visits, always re-verified on
//! load: `saved_keys`, `last_good`, `stores::saved_evidence`, all in
//! `device_storage` (the shared browser plumbing is in
//! `crates/bongsu-web`, used by the widget too).

mod app;
mod components;
mod entry;
mod error_text;
mod format;
mod locale_choice;
#[cfg(test)]
mod locale_files;
mod pages;
mod route;
mod snapshot;
mod stores;
mod theme;

// The browser plumbing the partner widget shares (crates/bongsu-web).
use bongsu_web::{
    clock, config_loader, device_storage, fetch, last_good, offline_shell, saved_keys,
    signature_checks,
};

mod i18n;
pub mod later;

/// Starts the status page (`index.html`), whose probes and history log
/// check `load` brings once it has a status to show (`later.rs`).
pub fn start(load: fn(later::Begin) -> later::Loading<later::Later>) {
    mount(
        entry::Entry::Status,
        app::status_start,
        later::Parts::Status(load),
    );
}

/// Starts the history and incident pages (`history/index.html`), whose
/// exports and incident pages `load` brings (`later.rs`).
pub fn start_history(load: fn() -> later::Loading<later::HistoryLater>) {
    mount(
        entry::Entry::History,
        app::history_start,
        later::Parts::History(load),
    );
}

/// Registers the offline worker (one for both entry points, beside
/// `index.html`) and mounts the app with the entry point's pages.
fn mount(here: entry::Entry, start: app::Start, later: later::Parts) {
    entry::set(here);
    offline_shell::register(&format!("{}sw.js", here.root()));
    leptos::mount::mount_to_body(move || {
        leptos::prelude::provide_context(later);
        leptos::view! { <app::App start /> }
    });
}
