//! The widget in the browser: reads the partner's options from its URL,
//! loads the page's config.json, asks every region for its key chain and
//! feed in parallel (each with a deadline), shows the newest verified feed,
//! and keeps it and the key chain on the device so the box still shows the
//! last verified status, marked as such, when no region answers.

#[cfg(target_arch = "wasm32")]
mod browser;

/// Talc instead of std's dlmalloc: 1.3 KB of wasm against 4.8 (twiggy),
/// 1.5 KB brotli off the widget's first load. Only here: Leptos asks for
/// `std::thread::current()`, which allocates with dlmalloc whatever the
/// global allocator, so in the app and the history pages Talc would be a
/// second allocator (measured: +0.4 and +0.7 KB). Growing or shrinking in
/// place is left out, for size: a growing `Vec` copies.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

fn main() {
    #[cfg(target_arch = "wasm32")]
    browser::start();
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("bongsu-widget runs in a browser: build it with `cargo xtask build`.");
}
