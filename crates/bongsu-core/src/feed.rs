//! The status feed: its model (`model`), the note text it travels in
//! (`wire`), the field rules (`validate`), verification under a key set
//! (`verify`), freshness, what to show of many regions' answers (`merge`:
//! the protocol's one rule for a new copy against the one on show),
//! dependencies between components (`dependencies`), equivocation evidence, the app's config, and how a reader fetches
//! (`backoff`, `fetch_error`). Imports [`crate::text`] and [`crate::keys`].

pub(crate) mod backoff;
pub(crate) mod config;
pub(crate) mod dependencies;
pub(crate) mod evidence;
pub(crate) mod fetch_error;
pub(crate) mod freshness;
pub(crate) mod merge;
pub(crate) mod model;
pub(crate) mod validate;
pub(crate) mod verify;
pub(crate) mod wire;

pub use backoff::*;
pub use config::*;
pub use dependencies::*;
pub use evidence::*;
pub use fetch_error::*;
pub use freshness::*;
pub use merge::*;
pub use model::*;
pub use validate::*;
pub use verify::*;
pub use wire::*;
