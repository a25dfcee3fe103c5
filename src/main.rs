//! The status page's entry point; the app itself is the library (`lib.rs`).

fn main() {
    bongsu_app::start();
}
