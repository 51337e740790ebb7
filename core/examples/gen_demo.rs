//! Writes the synthetic 兰州市城关区 (620102) demo tenant into a directory:
//! `cargo run -p gridcase-core --example gen_demo -- <out_dir> [seed]` (seed 2026 by default).
//! The same seed always gives byte-identical files. Formats: docs/data-formats.md.

use gridcase_core::demo::{DEFAULT_SEED, DemoTenant};
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next().map(PathBuf::from) else {
        eprintln!("usage: gen_demo <out_dir> [seed]");
        return ExitCode::from(2);
    };
    let seed = match args.next().map(|s| s.parse::<u64>()) {
        None => DEFAULT_SEED,
        Some(Ok(seed)) => seed,
        Some(Err(e)) => {
            eprintln!("gen_demo: the seed must be a whole number: {e}");
            return ExitCode::from(2);
        }
    };
    let tenant = DemoTenant::generate(seed);
    if let Err(e) = tenant.write_to(&dir) {
        eprintln!("gen_demo: cannot write {}: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    println!(
        "wrote the demo tenant {} {} (seed {seed}) to {}: {} streets, {} communities, {} cells, {} components, {} roads and places, {} departments, {} responsibility rows, {} users",
        tenant.info.code,
        tenant.info.name,
        dir.display(),
        tenant.streets.len(),
        tenant.communities.len(),
        tenant.cells.len(),
        tenant.components.len(),
        tenant.places.len(),
        tenant.departments.len(),
        tenant.responsibility.rows.len(),
        tenant.users.len(),
    );
    ExitCode::SUCCESS
}
