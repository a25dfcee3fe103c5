//! The Statuspage-compatible public API every region serves beside its
//! feed: Atlassian Statuspage's `/api/v2/*.json` shapes (`model`), derived
//! from the signed feed and the verified log (`derive`), the overall
//! indicator's rule (`indicator`), `history.rss` and `history.atom`
//! (`syndication`), and the signed manifest that makes them checkable
//! (`manifest`). Imports every group below it; see docs/protocol/statuspage.md.

pub(crate) mod derive;
pub(crate) mod indicator;
pub(crate) mod manifest;
/// Statuspage's objects, as served.
pub mod model;
pub(crate) mod syndication;

pub use derive::*;
pub use indicator::*;
pub use manifest::*;
pub use syndication::rfc822;
