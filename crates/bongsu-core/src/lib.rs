//! Bongsu's core: the status feed, its wire format, and the rules that
//! decide whether what a region served may be shown.
//!
//! Architecture invariant: this crate never touches the network, the
//! filesystem, the DOM or the clock. Callers pass bytes in and the current
//! time where it matters, so everything here is a pure function that runs
//! the same natively (CLI, tests) and in the browser (wasm32).
//!
//! Five groups, each a folder behind a façade that is its API, each
//! importing only the groups before it:
//!
//! [`text`] (JSON, RFC 3339, sort) ← [`keys`] (signed notes, roles, key
//! sets) ← [`feed`] (model, wire, verify, merge) ← [`probe`] (observations,
//! consensus) ← [`log`] (tree, checkpoints, witnesses, history, exports) ←
//! [`statuspage`] (the Statuspage-compatible API, derived and signed).
//!
//! Above them: [`limits`] (how large each file a region serves may be) and,
//! with the `signing` feature, [`sign`] (making feeds, key sets and
//! observations). The most used items are re-exported here.

pub mod feed;
pub mod keys;
pub mod limits;
pub mod log;
pub mod probe;
#[cfg(feature = "signing")]
pub mod sign;
pub mod statuspage;
pub mod text;

pub use feed::{
    backoff_delay, check_content_type, choose, equivocation_evidence, freshness, region_state,
    settle, still_trusted, supersedes, verify_feed, verify_feed_with_keys, AppConfig, Choice,
    Component, ComponentRef, ConfigError, Evidence, Feed, FeedError, FetchError, Freshness,
    Incident, IncidentState, IncidentUpdate, LogCommitment, Maintenance, MaintenanceState,
    RegionConfig, RegionOutcome, RegionState, Service, Settled, Status, ValidationError,
    EVIDENCE_KIND, MAX_BACKOFF, MAX_FEED_BYTES,
};
pub use keys::{
    chain_file, encode_key_set_text, parse_chain_file, KeyChain, KeySet, KeySetError, KeysUnusable,
    RoleKeys, Roles, SignatureError, TrustError, TrustPolicy, TrustedKeySet, MAX_CLOCK_SKEW,
};
#[cfg(feature = "signing")]
pub use sign::{sign_feed, sign_key_set, sign_observation, SignError};
