//! The pages, one per route: the status page (the status build) and the
//! history and incident pages (the history build). Each page is drawn from
//! the stores and the shared components.

mod history;
mod incident;
mod status;

pub use history::HistoryPage;
pub use incident::{incident_view, IncidentPage};
pub use status::StatusPage;
