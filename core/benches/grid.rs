//! Grid lookups and nearest components: point → cell over the demo grid (3,000 cells) and over a
//! synthetic 100,000-cell grid, and the components within 50 m over the demo's ~30,000.
//! Throughput is reported in lookups per second (elements/s). Figures: docs/grid.md. Also the
//! offline place search over the same tenant (figures: docs/performance.md).
// `criterion_group!` generates a public function without docs.
#![allow(missing_docs)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use geo::{BoundingRect, Coord, LineString, Polygon};
use gridcase_core::codes::{CountyCode, GridCode};
use gridcase_core::demo::DemoTenant;
use gridcase_core::grid::{Cell, ComponentIndex, GridIndex, PlaceLayer, PlaceSearch};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::hint::black_box;

const POINTS: usize = 10_000;

/// Random points in the bounding box of the grid (some fall on roads between cells).
fn points(grid: &GridIndex, seed: u64) -> Vec<(f64, f64)> {
    let mut rng = StdRng::seed_from_u64(seed);
    let boxes: Vec<_> = grid
        .cells()
        .iter()
        .filter_map(|c| c.polygon.bounding_rect())
        .collect();
    let min_x = boxes
        .iter()
        .map(|r| r.min().x)
        .fold(f64::INFINITY, f64::min);
    let max_x = boxes
        .iter()
        .map(|r| r.max().x)
        .fold(f64::NEG_INFINITY, f64::max);
    let min_y = boxes
        .iter()
        .map(|r| r.min().y)
        .fold(f64::INFINITY, f64::min);
    let max_y = boxes
        .iter()
        .map(|r| r.max().y)
        .fold(f64::NEG_INFINITY, f64::max);
    (0..POINTS)
        .map(|_| {
            (
                rng.random_range(min_x..max_x),
                rng.random_range(min_y..max_y),
            )
        })
        .collect()
}

/// A grid of `cols × rows` cells of about 100 m with jittered inner vertices.
fn big_grid(cols: u32, rows: u32) -> GridIndex {
    let Ok(county) = CountyCode::parse("620102") else {
        panic!("county")
    };
    let mut rng = StdRng::seed_from_u64(7);
    let (dlon, dlat) = (0.001_111, 0.000_899);
    let mut v = Vec::new();
    for i in 0..=rows {
        for j in 0..=cols {
            let inner = i > 0 && i < rows && j > 0 && j < cols;
            let (jx, jy) = if inner {
                (rng.random_range(-0.15..0.15), rng.random_range(-0.15..0.15))
            } else {
                (0.0, 0.0)
            };
            v.push(Coord {
                x: 100.0 + (j as f64 + jx) * dlon,
                y: 40.0 - (i as f64 + jy) * dlat,
            });
        }
    }
    let at = |i: u32, j: u32| v[(i * (cols + 1) + j) as usize];
    let mut cells = Vec::new();
    for i in 0..rows {
        for j in 0..cols {
            let n = i * cols + j;
            let Ok(code) = GridCode::new(
                county,
                (n / 10_000 + 1) as u16,
                ((n / 100) % 100 + 1) as u16,
                (n % 100 + 1) as u16,
            ) else {
                panic!("code {n}")
            };
            let ring = LineString::new(vec![
                at(i, j),
                at(i + 1, j),
                at(i + 1, j + 1),
                at(i, j + 1),
                at(i, j),
            ]);
            cells.push(Cell {
                code,
                street: "街道".into(),
                community: "社区".into(),
                departments: Vec::new(),
                polygon: Polygon::new(ring, Vec::new()),
                more: Vec::new(),
            });
        }
    }
    match GridIndex::from_cells(cells) {
        Ok(grid) => grid,
        Err(e) => panic!("{e}"),
    }
}

fn lookups(c: &mut Criterion, name: &str, grid: &GridIndex) {
    let pts = points(grid, 1);
    let inside = pts
        .iter()
        .filter(|(x, y)| grid.cell_at(*x, *y).is_some())
        .count();
    println!(
        "{name}: {} cells, {:.1} % of the random points inside a cell",
        grid.len(),
        100.0 * inside as f64 / pts.len() as f64
    );
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(pts.len() as u64));
    group.bench_function("cell_at", |b| {
        b.iter(|| {
            pts.iter()
                .filter(|(x, y)| grid.cell_at(black_box(*x), black_box(*y)).is_some())
                .count()
        })
    });
    group.bench_function("locate (with the 200 m hint when outside)", |b| {
        b.iter(|| {
            pts.iter()
                .map(|(x, y)| grid.locate(black_box(*x), black_box(*y)))
                .filter(|l| l.cell().is_some())
                .count()
        })
    });
    group.finish();
}

fn grid(c: &mut Criterion) {
    let tenant = DemoTenant::generate(2026);
    let demo = match GridIndex::from_cells(tenant.cells.clone()) {
        Ok(grid) => grid,
        Err(e) => panic!("{e}"),
    };
    lookups(c, "demo grid", &demo);
    let big = big_grid(320, 313);
    lookups(c, "100k grid", &big);

    let components = match ComponentIndex::from_components(tenant.components.clone()) {
        Ok(index) => index,
        Err(e) => panic!("{e}"),
    };
    let pts = points(&demo, 2);
    let mut group = c.benchmark_group(format!("{} components", components.len()));
    group.throughput(Throughput::Elements(pts.len() as u64));
    for n in [1usize, 10] {
        group.bench_function(format!("nearest {n} within 50 m"), |b| {
            b.iter(|| {
                pts.iter()
                    .map(|(x, y)| {
                        components
                            .nearest(black_box(*x), black_box(*y), n, 50.0)
                            .len()
                    })
                    .sum::<usize>()
            })
        });
    }
    group.finish();
    c.bench_function("build GridIndex from demo cells.geojson", |b| {
        let text = tenant
            .files()
            .into_iter()
            .find(|(n, _)| *n == "cells.geojson")
            .map(|(_, t)| t)
            .unwrap_or_default();
        b.iter(|| GridIndex::from_geojson("cells.geojson", black_box(&text)).map(|g| g.len()))
    });
}

/// Place search over the demo tenant's places, communities, streets, cells and components
/// (every entry scanned per query), for queries from the narrowest to the widest.
fn place_search(c: &mut Criterion) {
    let tenant = DemoTenant::generate(2026);
    let (Ok(grid), Ok(components)) = (
        GridIndex::from_cells(tenant.cells.clone()),
        ComponentIndex::from_components(tenant.components.clone()),
    ) else {
        panic!("demo indexes")
    };
    let places = PlaceLayer::from_places(tenant.places.clone());
    let detail = |c: &gridcase_core::grid::Component| c.type_code.to_string();
    let search = PlaceSearch::build(&grid, Some(&places), &components, detail);
    let centre = Some((tenant.info.centre[0], tenant.info.centre[1]));
    let id = tenant.components[1234].id.to_string();
    let mut group = c.benchmark_group(format!("place search over {} entries", search.len()));
    for (what, q) in [
        ("road by initials zyl", "zyl"),
        ("road by name 秦安巷", "秦安巷"),
        ("place kind 广场 (about 100 hits)", "广场"),
        ("one letter g (widest pinyin)", "g"),
        ("county prefix 620102 (every code)", "620102"),
        ("a component id", id.as_str()),
    ] {
        group.bench_function(what, |b| {
            b.iter(|| search.search(black_box(q), centre, 20).len())
        });
    }
    group.finish();
    c.bench_function("build PlaceSearch over the demo tenant", |b| {
        b.iter(|| PlaceSearch::build(&grid, Some(&places), &components, detail).len())
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = grid, place_search
}
criterion_main!(benches);
