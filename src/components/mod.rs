//! Thin view components: each reads the store and renders text. Feed text is
//! untrusted and only ever inserted as text nodes, never as HTML.

mod banner;
mod evidence;
mod feed_meta;
mod incidents;
mod regions;
mod services;
mod status_badge;

pub use banner::Banner;
pub use evidence::Evidence;
pub use feed_meta::FeedMeta;
pub use incidents::Incidents;
pub use regions::Regions;
pub use services::Services;
pub use status_badge::StatusBadge;
