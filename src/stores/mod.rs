//! What the page knows, each store named for what it stores: the status
//! every region serves (`status`), every region's history checkpoint
//! (`checkpoints`, the status build), the whole verified history
//! (`history`, the history build, with the bundles and the state it keeps
//! between visits: `kept_bundles`, `kept_log`), every region's probe
//! observation (`probes`), and what the device keeps of evidence and
//! checkpoints.

pub mod checkpoints;
pub mod history;
pub mod kept_bundles;
pub mod kept_log;
pub mod probes;
pub mod saved_checkpoint;
pub mod saved_evidence;
pub mod status;
