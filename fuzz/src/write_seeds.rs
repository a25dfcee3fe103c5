//! Writes the seed inputs: `cargo run --bin write-seeds -- seeds` (from
//! fuzz/). They are deterministic (Ed25519 signatures are), and committed
//! so a fuzz run needs no extra build to get them.

use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "corpus".into()));
    let sets = [
        ("feed", bongsu_fuzz::seed_feeds()),
        ("key_chain", bongsu_fuzz::seed_chains()),
        ("json_reader", bongsu_fuzz::seed_json()),
        ("kept_log", bongsu_fuzz::seed_kept()),
    ];
    for (target, seeds) in sets {
        let out = dir.join(target);
        std::fs::create_dir_all(&out)?;
        for (i, seed) in seeds.iter().enumerate() {
            std::fs::write(out.join(format!("seed-{i}")), seed)?;
        }
    }
    Ok(())
}
