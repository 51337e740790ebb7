//! The demo tenant's basemap layers (`roads`, `buildings`, `water`, `green`, `boundaries`;
//! formats in docs/data-formats.md), drawn from the layout's metre frame.
//!
//! Invariants: deterministic for a seed, and drawn from their own random stream (the seed mixed
//! with a constant) so that the cells, components and users of a seed do not change because the
//! basemap exists; roads run along the gaps the layout leaves between streets (30 m, the named
//! main roads) and communities (12 m: the street's named 巷 between its two rows of communities,
//! unnamed 支路 between neighbouring communities); buildings, parks and ponds lie inside cells,
//! never on a road; the Yellow River (黄河) runs along the district's north edge beyond the
//! riverside road and its green strip. Boundaries are the layout's rectangles: a community is
//! exactly the union of its cells (the layout does not move a community's outer vertices), a
//! street is its block of communities with the lanes between them.

use super::layout::{CELL, LANE, Layout, ROAD, STREET_COLS, STREET_H, STREET_ROWS, STREET_W};
use super::names::{EAST_WEST_ROADS, LANES, NORTH_SOUTH_ROADS};
use super::rng::SplitMix64;
use super::{Community, Street};
use crate::grid::BasemapFeature;
use geo::{Coord, Geometry, LineString, Polygon};

/// The generated layers.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct DemoBasemap {
    /// `roads.geojson`.
    pub roads: Vec<BasemapFeature>,
    /// `buildings.geojson`.
    pub buildings: Vec<BasemapFeature>,
    /// `water.geojson`.
    pub water: Vec<BasemapFeature>,
    /// `green.geojson`.
    pub green: Vec<BasemapFeature>,
    /// `boundaries.geojson`: streets, then communities.
    pub boundaries: Vec<BasemapFeature>,
}

const EW_CLASS: [&str; 6] = [
    "primary",
    "secondary",
    "primary",
    "secondary",
    "secondary",
    "primary",
];
const NS_CLASS: [&str; 5] = ["primary", "secondary", "primary", "secondary", "secondary"];

fn feature(geometry: Geometry, properties: Vec<(&'static str, String)>) -> BasemapFeature {
    BasemapFeature {
        geometry,
        properties,
    }
}

fn named(name: &str) -> Vec<(&'static str, String)> {
    vec![("name", name.to_owned())]
}

/// Generates the layers for the layout (`seed` is the tenant's seed).
pub(crate) fn basemap(
    seed: u64,
    layout: &Layout,
    streets: &[Street],
    communities: &[Community],
) -> DemoBasemap {
    let mut rng = SplitMix64::new(seed ^ 0xB45E_3A9F_0D1C_7E21);
    let f = &layout.frame;
    let ring = |pts: &[(f64, f64)]| {
        let mut coords: Vec<Coord> = pts.iter().map(|&(x, y)| f.coord(x, y)).collect();
        coords.push(coords[0]);
        Polygon::new(LineString::new(coords), Vec::new())
    };
    let rect =
        |x: f64, y: f64, w: f64, h: f64| ring(&[(x, y), (x, y + h), (x + w, y + h), (x + w, y)]);
    let line = |a: (f64, f64), b: (f64, f64)| {
        Geometry::LineString(LineString::new(vec![f.coord(a.0, a.1), f.coord(b.0, b.1)]))
    };
    let width = STREET_COLS as f64 * (STREET_W + ROAD) - ROAD;
    let height = STREET_ROWS as f64 * (STREET_H + ROAD) - ROAD;
    let mut out = DemoBasemap::default();
    let road = |name: &str, class: &str, g: Geometry| {
        feature(
            g,
            vec![("name", name.to_owned()), ("class", class.to_owned())],
        )
    };
    for (r, name) in EAST_WEST_ROADS.iter().enumerate() {
        let y = r as f64 * (STREET_H + ROAD) - ROAD / 2.0;
        out.roads
            .push(road(name, EW_CLASS[r], line((-ROAD, y), (width + ROAD, y))));
    }
    for (c, name) in NORTH_SOUTH_ROADS.iter().enumerate() {
        let x = c as f64 * (STREET_W + ROAD) - ROAD / 2.0;
        out.roads.push(road(
            name,
            NS_CLASS[c],
            line((x, -ROAD), (x, height + ROAD)),
        ));
    }
    // Lanes: per street, its named 巷 between the two rows, then the gaps between communities.
    for (s, chunk) in layout.blocks.chunks(5).enumerate() {
        let x0 = (s as u32 % STREET_COLS) as f64 * (STREET_W + ROAD);
        if let Some(lower) = chunk.get(3) {
            let y = lower.y - LANE / 2.0;
            out.roads
                .push(road(LANES[s], "alley", line((x0, y), (x0 + STREET_W, y))));
        }
        for pair in [(0, 1), (1, 2), (3, 4)] {
            let (Some(a), Some(_)) = (chunk.get(pair.0), chunk.get(pair.1)) else {
                continue;
            };
            let x = a.x + a.w as f64 * CELL + LANE / 2.0;
            out.roads.push(road(
                "",
                "branch",
                line((x, a.y), (x, a.y + a.h as f64 * CELL)),
            ));
        }
    }
    // The Yellow River north of the riverside road and its green strip.
    let (west, east) = (-600.0, width + 600.0);
    let steps = ((east - west) / 150.0).ceil() as usize;
    let xs: Vec<f64> = (0..=steps)
        .map(|i| west + (east - west) * i as f64 / steps as f64)
        .collect();
    let mut bank: Vec<(f64, f64)> = xs
        .iter()
        .map(|&x| (x, -75.0 - 12.0 * (x / 420.0).sin().abs()))
        .collect();
    bank.extend(
        xs.iter()
            .rev()
            .map(|&x| (x, -460.0 + 35.0 * (x / 730.0 + 1.0).sin())),
    );
    out.water
        .push(feature(Geometry::Polygon(ring(&bank)), named("黄河")));
    out.green.push(feature(
        Geometry::Polygon(rect(-ROAD, -ROAD - 40.0, width + 2.0 * ROAD, 38.0)),
        named("黄河风情线"),
    ));
    // Parks and squares in the named places' cells; buildings in every other cell.
    let park_cells: std::collections::BTreeMap<usize, &str> = layout
        .place_cells
        .iter()
        .zip(communities)
        .filter(|((_, kind), _)| matches!(*kind, "公园" | "广场"))
        .map(|((cell, _), c)| (*cell, c.name.as_str()))
        .collect();
    let mut cell = 0usize;
    for (b, community) in layout.blocks.iter().zip(communities) {
        let stem = community.name.trim_end_matches("社区");
        for i in 0..b.h {
            for j in 0..b.w {
                let (x, y) = (b.x + j as f64 * CELL, b.y + i as f64 * CELL);
                if park_cells.contains_key(&cell) {
                    let kind = layout
                        .place_cells
                        .iter()
                        .find(|(c, _)| *c == cell)
                        .map_or("公园", |(_, k)| *k);
                    let quad = layout.quads[cell];
                    let (cx, cy) = (
                        quad.iter().map(|c| c.x).sum::<f64>() / 4.0,
                        quad.iter().map(|c| c.y).sum::<f64>() / 4.0,
                    );
                    let shrink = |c: Coord| Coord {
                        x: super::layout::round7(cx + (c.x - cx) * 0.88),
                        y: super::layout::round7(cy + (c.y - cy) * 0.88),
                    };
                    let mut coords: Vec<Coord> = quad.iter().map(|&c| shrink(c)).collect();
                    coords.push(coords[0]);
                    out.green.push(feature(
                        Geometry::Polygon(Polygon::new(LineString::new(coords), Vec::new())),
                        named(&format!("{stem}{kind}")),
                    ));
                    if kind == "公园" {
                        let pond: Vec<(f64, f64)> = (0..8)
                            .map(|k| {
                                let a = k as f64 * std::f64::consts::FRAC_PI_4;
                                (x + 50.0 + 14.0 * a.cos(), y + 50.0 + 10.0 * a.sin())
                            })
                            .collect();
                        out.water.push(feature(
                            Geometry::Polygon(ring(&pond)),
                            named(&format!("{stem}公园湖")),
                        ));
                    }
                } else {
                    buildings_in(&mut rng, x + 20.0, y + 20.0, &mut |bx, by, w, h| {
                        out.buildings
                            .push(feature(Geometry::Polygon(rect(bx, by, w, h)), named("")));
                    });
                }
                cell += 1;
            }
        }
    }
    for (s, street) in streets.iter().enumerate() {
        let (x0, y0) = (
            (s as u32 % STREET_COLS) as f64 * (STREET_W + ROAD),
            (s as u32 / STREET_COLS) as f64 * (STREET_H + ROAD),
        );
        out.boundaries.push(feature(
            Geometry::Polygon(rect(x0, y0, STREET_W, STREET_H)),
            vec![
                ("level", "street".to_owned()),
                ("code", street.code.clone()),
                ("name", street.name.clone()),
            ],
        ));
    }
    for (b, c) in layout.blocks.iter().zip(communities) {
        out.boundaries.push(feature(
            Geometry::Polygon(rect(b.x, b.y, b.w as f64 * CELL, b.h as f64 * CELL)),
            vec![
                ("level", "community".to_owned()),
                ("code", c.code.clone()),
                ("name", c.name.clone()),
            ],
        ));
    }
    out
}

/// Footprints inside the 60 m × 60 m square at `(x, y)` (a cell's middle, clear of its edges
/// however the layout moved them): two slabs, four towers or one large block.
fn buildings_in(rng: &mut SplitMix64, x: f64, y: f64, put: &mut dyn FnMut(f64, f64, f64, f64)) {
    match rng.int(0, 5) {
        0..=2 => {
            let depth = rng.range(10.0, 14.0);
            put(x, y + 4.0, 60.0, depth);
            put(x, y + 36.0, 60.0, depth);
        }
        3..=4 => {
            for (dx, dy) in [(0.0, 0.0), (36.0, 0.0), (0.0, 36.0), (36.0, 36.0)] {
                let side = rng.range(16.0, 24.0);
                put(x + dx, y + dy, side, side);
            }
        }
        _ => put(
            x + 6.0,
            y + 8.0,
            rng.range(36.0, 48.0),
            rng.range(30.0, 44.0),
        ),
    }
}
