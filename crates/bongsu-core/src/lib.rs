//! Bongsu's core: the status feed, its wire format, and the rules that decide
//! whether a feed from a region may be shown.
//!
//! Architecture invariant: this crate never touches the network, the
//! filesystem, the DOM or the clock. Callers pass bytes in and the current
//! time where it matters, so everything here is a pure function that runs
//! the same natively (CLI, tests) and in the browser (wasm32).
//!
//! The data path, one module each:
//! [`wire`] (bytes ⇄ note text ⇄ [`Feed`]) → [`verify`] (signatures, trust
//! thresholds, feed identity, [`validate`]) → [`merge`] (pick what to show
//! from many regions). [`config`] is the app's configuration file and
//! [`trust`] the root keys it pins; [`keyset`] turns the root into the
//! online keys (TUF-style root-signed key sets), and [`signature`] is the
//! threshold-signature rule both use.

pub mod backoff;
pub mod checkpoint;
pub mod config;
pub mod consensus;
pub mod cosignature;
pub mod disagreement_log;
pub mod ed25519;
pub mod evidence;
pub mod export;
pub mod fetch_error;
pub mod freshness;
pub mod from_json;
pub mod history;
pub mod invariant;
pub mod json;
pub mod keyset;
pub mod limits;
pub mod log_audit;
pub mod log_event;
pub mod log_head;
pub mod log_layout;
pub mod merge;
pub mod merkle_log;
pub mod model;
pub mod note;
pub mod observation;
pub mod rfc3339;
#[cfg(feature = "signing")]
pub mod sign;
pub mod signature;
pub mod sort;
pub mod status_diff;
pub mod trust;
pub mod validate;
pub mod verify;
pub mod wire;
pub mod witness;

pub use backoff::{backoff_delay, MAX_BACKOFF};
pub use config::{AppConfig, ConfigError, RegionConfig};
pub use evidence::{equivocation_evidence, Evidence, EVIDENCE_KIND};
pub use fetch_error::FetchError;
pub use freshness::{freshness, Freshness, MAX_CLOCK_SKEW};
pub use keyset::{
    chain_file, encode_key_set_text, parse_chain_file, KeyChain, KeySet, KeySetError, KeysUnusable,
    Roles, TrustedKeySet,
};
pub use merge::{
    choose, region_state, settle, supersedes, Choice, RegionOutcome, RegionState, Settled,
};
pub use model::{
    Component, ComponentRef, Feed, Incident, IncidentState, IncidentUpdate, LogCommitment,
    Maintenance, MaintenanceState, Service, Status,
};
#[cfg(feature = "signing")]
pub use sign::{sign_feed, sign_key_set, sign_observation, SignError};
pub use signature::SignatureError;
pub use trust::{RoleKeys, TrustError, TrustPolicy};
pub use validate::ValidationError;
pub use verify::{
    check_content_type, still_trusted, verify_feed, verify_feed_with_keys, FeedError,
    MAX_FEED_BYTES,
};
