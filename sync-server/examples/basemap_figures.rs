//! Figures for docs/performance.md: the demo district's basemap package (size, tiles, build
//! time, largest tile) and the time the demo generator spends on its layers.
//!
//! `cargo run -p gridcase-server --example basemap_figures [seed]` (one timed run, not a test).

use gridcase_core::demo::{DEFAULT_SEED, DemoTenant};
use gridcase_core::grid::LayerKind;
use gridcase_server::biz::basemap::{self, Sources};
use std::time::Instant;

fn main() {
    let seed = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_SEED);
    let started = Instant::now();
    let demo = DemoTenant::generate(seed);
    let generate = started.elapsed();
    let started = Instant::now();
    let files = demo.files();
    let texts = started.elapsed();
    let mut without = demo.clone();
    without.basemap = Default::default();
    let started = Instant::now();
    let _ = without.files();
    let texts_without = started.elapsed();
    let text = |name: &str| {
        files
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| t.clone())
    };
    for kind in LayerKind::ALL {
        let t = text(kind.file_name()).unwrap_or_default();
        println!("{:<20} {:>9} bytes", kind.file_name(), t.len());
    }
    let mut sources = Sources {
        cells: text("cells.geojson"),
        places: text("places.geojson"),
        ..Sources::default()
    };
    for kind in LayerKind::ALL {
        if let Some(t) = text(kind.file_name()) {
            sources.layers.insert(kind, t);
        }
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("demo.mbtiles");
    let started = Instant::now();
    let stats = basemap::build_file(&sources, "620102", &path).expect("build");
    let build = started.elapsed();
    let (version, bytes) = basemap::file_sha256(&path).expect("hash");
    println!(
        "generate (all of the demo): {:.0} ms",
        generate.as_secs_f64() * 1e3
    );
    println!(
        "files() (all texts): {:.0} ms; without the basemap layers: {:.0} ms",
        texts.as_secs_f64() * 1e3,
        texts_without.as_secs_f64() * 1e3
    );
    println!("package build: {:.0} ms", build.as_secs_f64() * 1e3);
    println!(
        "package: {bytes} bytes ({:.2} MiB), version {version}",
        bytes as f64 / 1048576.0
    );
    println!("tiles: {} {:?}", stats.tiles, stats.per_zoom);
    println!(
        "largest tile (gzip): {} bytes at {}",
        stats.largest_tile, stats.largest_tile_at
    );
    println!("features: {:?}", stats.layers);
}
