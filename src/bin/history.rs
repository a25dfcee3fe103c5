//! The history and incident pages' entry point (`history.html`, served as
//! `history/`); see `entry.rs` for why it is built apart.

fn main() {
    bongsu_app::start_history();
}
