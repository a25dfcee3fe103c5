//! Text and encoding, below everything else: the strict JSON reader and the
//! [`json::FromJson`] trait each wire type implements, RFC 3339 times
//! written by hand, the one stable sort the browser build links, the
//! identifier rule every signed object uses, operator text in several
//! languages ([`Localized`]), text escaped for markup, and invariants
//! checked without formatting. Knows no Bongsu type. (rust-analyzer calls
//! its equivalent `stdx`.)

pub(crate) mod id;
pub(crate) mod invariant;
pub mod json;
pub mod localized;
pub mod markup;
pub mod rfc3339;
pub mod sort;

pub use id::*;
pub use localized::{is_valid_lang_tag, same_language, Localized, Rendition, Shown};
