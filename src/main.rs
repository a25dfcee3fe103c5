//! Bongsu's browser app: fetches the signed status feed from every region,
//! verifies it in WebAssembly and shows what it says.
//!
//! The data path reads top to bottom: [`config_loader`] (which regions and
//! keys) → [`fetch`] (bytes from one region, with a timeout) → `bongsu_core`
//! (verify) → [`poller`] (with [`last_good`] remembered on the device) (every region in parallel, merged into signals) →
//! [`components`] (show).

mod app;
mod clock;
mod components;
mod config_loader;
mod fetch;
mod format;
mod last_good;
mod poller;

fn main() {
    leptos::mount::mount_to_body(app::App);
}
