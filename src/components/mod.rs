//! Thin view components: each reads the store and renders text. Feed text is
//! untrusted and only ever inserted as text nodes, never as HTML.

mod api_links;
mod banner;
pub mod download;
mod evidence;
pub mod exports;
mod feed_meta;
pub mod history_proof;
mod incidents;
pub mod logged_disagreements;
mod maintenances;
pub mod measured;
mod regions;
pub mod said;
mod services;
mod status_badge;
pub mod uptime;
pub mod when;

pub use api_links::ApiLinks;
pub use banner::Banner;
pub use evidence::Evidence;
pub use feed_meta::FeedMeta;
pub use history_proof::{HistoryAlarms, HistorySummary};
pub use incidents::Incidents;
pub use maintenances::Maintenances;
pub use measured::Disagreements;
pub use regions::Regions;
pub use said::Said;
pub use services::Services;
pub use status_badge::StatusBadge;
pub use when::When;
