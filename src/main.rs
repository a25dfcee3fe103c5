//! Bongsu's browser app: fetches the signed status feed from every region,
//! verifies it in WebAssembly and shows what it says.
//!
//! The data path reads top to bottom: [`config_loader`] (which regions and
//! root keys) → [`fetch`] (bytes from one region, with a timeout) →
//! `bongsu_core` (verify key chains and feeds) → [`poller`] (every region in
//! parallel, merged into signals) → [`components`] (show). What the device
//! keeps between visits, always re-verified on load: [`saved_keys`],
//! [`last_good`], [`saved_evidence`], all in [`device_storage`].

mod app;
mod clock;
mod components;
mod config_loader;
mod device_storage;
mod fetch;
mod format;
mod history_store;
mod last_good;
mod offline_shell;
mod poller;
mod route;
mod saved_checkpoint;
mod saved_evidence;
mod saved_keys;

fn main() {
    offline_shell::register();
    leptos::mount::mount_to_body(app::App);
}
