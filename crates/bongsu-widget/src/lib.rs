//! The partner widget: a small status box that other sites put on their
//! pages with one iframe. It verifies the signed feed in the browser exactly
//! as the app does (the same `bongsu-core`), but has no Leptos, no router
//! and no history, so its whole transfer stays within 40 KB brotli.
//!
//! Pure and tested natively: [`options`] (the snippet's URL), [`selection`]
//! (which verified feed to show), [`view`] (the markup), [`words`] (Korean
//! and English, from the app's locale files). The browser side is in
//! `main.rs`.

pub mod options;
pub mod selection;
pub mod view;
pub mod words;
