//! The widget in the browser: reads the partner's options from its URL,
//! loads the page's config.json, asks every region for its key chain and
//! feed in parallel (each with a deadline), shows the newest verified feed,
//! and keeps it and the key chain on the device so the box still shows the
//! last verified status, marked as such, when no region answers.

#[cfg(target_arch = "wasm32")]
mod browser;

fn main() {
    #[cfg(target_arch = "wasm32")]
    browser::start();
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("bongsu-widget runs in a browser: build it with `cargo xtask build`.");
}
