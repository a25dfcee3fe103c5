//! The browser side that Bongsu's app and its partner widget share, with no
//! UI framework in it, so the widget stays small: [`fetch`] (bytes from one
//! URL, with a deadline and a size limit), [`config_loader`], [`clock`],
//! what a device keeps between visits and re-verifies on load
//! ([`saved_keys`], [`last_good`], in [`device_storage`]) and
//! [`offline_shell`] (the service worker that keeps the files),
//! [`page_scripts`] (what the page's inline scripts leave for the app), [`theme`]
//! (light, dark or the system's), and [`signature_checks`] (the core's
//! rules with the browser's own Ed25519).

pub mod clock;
pub mod config_loader;
pub mod device_storage;
pub mod fetch;
pub mod last_good;
pub mod offline_shell;
pub mod page_scripts;
pub mod saved_keys;
pub mod signature_checks;
pub mod theme;
