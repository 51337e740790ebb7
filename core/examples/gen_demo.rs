//! Writes the synthetic 兰州市城关区 (620102) demo tenant into a directory:
//! `cargo run -p gridcase-core --example gen_demo -- <out_dir> [seed]` (seed 2026 by default).
//! The same seed always gives byte-identical files. Formats: docs/data-formats.md.

use gridcase_core::demo::{DEFAULT_SEED, DemoTenant};
use gridcase_core::grid::{ComponentIndex, Geocoder, GridIndex, Lookup, PlaceLayer};
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
    match check(&dir, &tenant) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen_demo: the written files do not load back: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Loads the written layers back and prints what the tenant's centre resolves to.
fn check(
    dir: &std::path::Path,
    tenant: &DemoTenant,
) -> Result<(), gridcase_core::error::DataFileError> {
    let grid = GridIndex::load(&dir.join("cells.geojson"))?;
    let components = ComponentIndex::load(&dir.join("components.geojson"))?;
    let places = PlaceLayer::load(&dir.join("places.geojson"))?;
    let geocoder = Geocoder::new(&grid, Some(&places)).with_prefix(&tenant.info.short_name);
    for (lon, lat) in [
        (tenant.info.centre[0], tenant.info.centre[1]),
        (103.80, 36.07),
    ] {
        let cell = match grid.locate(lon, lat) {
            Lookup::Inside(cell) => format!("in cell {}", cell.code),
            Lookup::Outside {
                nearest: Some((cell, d)),
            } => format!("outside every cell, {d:.0} m from {}", cell.code),
            Lookup::Outside { nearest: None } => "outside every cell".to_owned(),
        };
        let address = geocoder
            .address(lon, lat)
            .map_or_else(|| "-".to_owned(), |a| a.text);
        let near = components.nearest(lon, lat, 3, 50.0);
        let near: Vec<String> = near
            .iter()
            .map(|(c, d)| format!("{} {} {d:.0} m", c.id, c.type_code))
            .collect();
        println!(
            "({lon}, {lat}): {cell}; {address}; components within 50 m: {}",
            near.join(", ")
        );
    }
    Ok(())
}
