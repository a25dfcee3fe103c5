//! The history log, in the machinery of C2SP: the RFC 6962 tree (`tree`),
//! tile and bundle paths (`layout`), one entry (`event`), signed and
//! cosigned checkpoints (`checkpoint`), the witness's rules (`witness`), a
//! whole copy verified (`audit`) or its checkpoints only (`head`), what the
//! events say (`history`), status changes as events (`status_diff`), which
//! disagreements with the probes are logged (`disagreements`), how long each
//! level of trouble lasted (`durations`), and exports.
//! The top of the core: imports every other group.

pub(crate) mod audit;
pub(crate) mod checkpoint;
pub(crate) mod disagreements;
pub(crate) mod durations;
pub(crate) mod event;
/// JSON, CSV and Atom exports of the history, with proof links.
pub mod export;
pub(crate) mod head;
pub(crate) mod history;
pub(crate) mod kept;
pub(crate) mod layout;
pub(crate) mod status_diff;
pub(crate) mod tree;
pub(crate) mod witness;

pub use audit::*;
pub use checkpoint::*;
pub use disagreements::*;
pub use durations::*;
pub use event::*;
pub use head::*;
pub use history::*;
pub use kept::*;
pub use layout::*;
pub use status_diff::*;
pub use tree::*;
pub use witness::*;
