//! The demo tenant's geometry: 20 streets in a 4 × 5 layout of blocks, 5 communities each, and
//! about 30 cells of about 100 m × 100 m per community, laid out in metres east and south of
//! the area's north-west corner and converted to lon/lat with a local equirectangular frame.
//!
//! Invariants: cells of one community tile it exactly (neighbours share their vertices; inner
//! vertices are moved by up to ±18 m so cells are not axis-aligned boxes, and stay convex);
//! communities are separated by 12 m lanes and streets by 30 m roads, which belong to no cell;
//! streets, communities and cells are numbered west→east, north→south; coordinates are rounded
//! to 1e-7° (about 1 cm) so that the files written and read back give the same numbers.

use super::names::{
    COMMUNITY_FIRST, COMMUNITY_SECOND, EAST_WEST_ROADS, LANES, NORTH_SOUTH_ROADS, PLACE_KINDS,
    STREETS,
};
use super::rng::SplitMix64;
use super::{Community, Street};
use crate::codes::{CountyCode, GridCode};
use crate::error::ParseError;
use crate::grid::metric::{LocalFrame, M_PER_DEG_LAT};
use crate::grid::{Cell, Place, PlaceGeometry, PlaceKind};
use geo::{Coord, LineString, Point, Polygon};

pub(crate) const CELL: f64 = 100.0;
pub(crate) const ROAD: f64 = 30.0;
pub(crate) const LANE: f64 = 12.0;
pub(crate) const JITTER: f64 = 18.0;
const BLOCK_W: u32 = 15;
const BLOCK_H: u32 = 10;
pub(crate) const STREET_COLS: u32 = 4;
pub(crate) const STREET_ROWS: u32 = 5;
pub(crate) const STREET_W: f64 = BLOCK_W as f64 * CELL + 2.0 * LANE;
pub(crate) const STREET_H: f64 = BLOCK_H as f64 * CELL + LANE;

/// Rounds to 1e-7 degrees.
pub(crate) fn round7(x: f64) -> f64 {
    (x * 1e7).round() / 1e7
}

/// Metres (east, south of the NW corner) to lon/lat.
#[derive(Clone, Debug)]
pub(crate) struct Frame {
    west: f64,
    north: f64,
    kx: f64,
}

impl Frame {
    fn centred(lon: f64, lat: f64) -> Self {
        let width = STREET_COLS as f64 * STREET_W + (STREET_COLS - 1) as f64 * ROAD;
        let height = STREET_ROWS as f64 * STREET_H + (STREET_ROWS - 1) as f64 * ROAD;
        let (dlon, _) = LocalFrame::at(lon, lat).degrees(1.0);
        let kx = 1.0 / dlon;
        Self {
            west: lon - width / 2.0 / kx,
            north: lat + height / 2.0 / M_PER_DEG_LAT,
            kx,
        }
    }

    pub(crate) fn coord(&self, x: f64, y: f64) -> Coord {
        Coord {
            x: round7(self.west + x / self.kx),
            y: round7(self.north - y / M_PER_DEG_LAT),
        }
    }
}

/// What the layout produces.
pub(crate) struct Layout {
    pub streets: Vec<Street>,
    pub communities: Vec<Community>,
    pub cells: Vec<Cell>,
    /// Each cell's corners NW, SW, SE, NE (same order as `cells`), for placing components.
    pub quads: Vec<[Coord; 4]>,
    pub places: Vec<Place>,
    /// The metre frame (for the basemap layers).
    pub frame: Frame,
    /// Each community's rectangle, same order as `communities`.
    pub blocks: Vec<Block>,
    /// Each community's named place: the cell (index into `cells`) and its kind.
    pub place_cells: Vec<(usize, &'static str)>,
}

/// A community's rectangle in whole cells: origin in metres and size in cells.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Block {
    pub x: f64,
    pub y: f64,
    pub w: u32,
    pub h: u32,
}

/// Splits a street block into its 5 communities, west→east, north→south.
fn communities_of(rng: &mut SplitMix64, x0: f64, y0: f64) -> (Vec<Block>, f64) {
    let top = rng.int(4, 6);
    let w1 = rng.int(4, 6);
    let w2 = rng.int(4, BLOCK_W - w1 - 4);
    let w4 = rng.int(6, 9);
    let mut blocks = Vec::with_capacity(5);
    let mut x = x0;
    for w in [w1, w2, BLOCK_W - w1 - w2] {
        blocks.push(Block {
            x,
            y: y0,
            w,
            h: top,
        });
        x += w as f64 * CELL + LANE;
    }
    let y = y0 + top as f64 * CELL + LANE;
    x = x0;
    for w in [w4, BLOCK_W - w4] {
        blocks.push(Block {
            x,
            y,
            w,
            h: BLOCK_H - top,
        });
        x += w as f64 * CELL + LANE;
    }
    (blocks, y - LANE / 2.0)
}

/// Lays the tenant out around `(lon, lat)`.
pub(crate) fn layout(
    rng: &mut SplitMix64,
    county: CountyCode,
    lon: f64,
    lat: f64,
) -> Result<Layout, ParseError> {
    let frame = Frame::centred(lon, lat);
    let mut names: Vec<String> = COMMUNITY_FIRST
        .iter()
        .flat_map(|a| COMMUNITY_SECOND.iter().map(move |b| format!("{a}{b}")))
        .collect();
    rng.shuffle(&mut names);
    let mut out = Layout {
        streets: Vec::new(),
        communities: Vec::new(),
        cells: Vec::new(),
        quads: Vec::new(),
        places: roads(&frame),
        frame: Frame::centred(lon, lat),
        blocks: Vec::new(),
        place_cells: Vec::new(),
    };
    for s in 0..STREET_COLS * STREET_ROWS {
        let (x0, y0) = (
            (s % STREET_COLS) as f64 * (STREET_W + ROAD),
            (s / STREET_COLS) as f64 * (STREET_H + ROAD),
        );
        let street = Street {
            code: format!("{county}{:03}", s + 1),
            name: STREETS[s as usize].to_owned(),
        };
        let (blocks, lane_y) = communities_of(rng, x0, y0);
        let lane = [frame.coord(x0, lane_y), frame.coord(x0 + STREET_W, lane_y)];
        out.places.push(place(
            LANES[s as usize],
            PlaceKind::Road,
            PlaceGeometry::Line(LineString::new(lane.to_vec())),
        ));
        for (c, block) in blocks.iter().enumerate() {
            let stem = names.pop().unwrap_or_default();
            let community = Community {
                code: format!("{}{:03}", street.code, c + 1),
                street: street.code.clone(),
                name: format!("{stem}社区"),
            };
            let first = out.cells.len();
            cells_of(rng, &frame, block, &mut out, |seq| {
                GridCode::new(county, s as u16 + 1, c as u16 + 1, seq)
            })?;
            for cell in &mut out.cells[first..] {
                cell.street = street.name.clone();
                cell.community = community.name.clone();
                cell.departments = if s % STREET_COLS >= 2 {
                    vec!["hwdp".into(), "zf".into()]
                } else {
                    vec!["hw".into(), "zf".into()]
                };
            }
            let pick = first + rng.index(out.cells.len() - first);
            let [nw, _, se, _] = out.quads[pick];
            let centre = Point::new(round7((nw.x + se.x) / 2.0), round7((nw.y + se.y) / 2.0));
            let kind = PLACE_KINDS[rng.index(PLACE_KINDS.len())];
            out.places.push(place(
                &format!("{stem}{kind}"),
                PlaceKind::Place,
                PlaceGeometry::Point(centre),
            ));
            out.communities.push(community);
            out.blocks.push(*block);
            out.place_cells.push((pick, kind));
        }
        out.streets.push(street);
    }
    Ok(out)
}

/// The cells of one community: a vertex grid with jittered inner vertices, cells numbered
/// row by row from the north-west.
fn cells_of(
    rng: &mut SplitMix64,
    frame: &Frame,
    b: &Block,
    out: &mut Layout,
    code: impl Fn(u16) -> Result<GridCode, ParseError>,
) -> Result<(), ParseError> {
    let mut vertices = Vec::with_capacity(((b.w + 1) * (b.h + 1)) as usize);
    for i in 0..=b.h {
        for j in 0..=b.w {
            let inner = i > 0 && i < b.h && j > 0 && j < b.w;
            let (dx, dy) = if inner {
                (rng.range(-JITTER, JITTER), rng.range(-JITTER, JITTER))
            } else {
                (0.0, 0.0)
            };
            vertices.push(frame.coord(b.x + j as f64 * CELL + dx, b.y + i as f64 * CELL + dy));
        }
    }
    let at = |i: u32, j: u32| vertices[(i * (b.w + 1) + j) as usize];
    for i in 0..b.h {
        for j in 0..b.w {
            let quad = [at(i, j), at(i + 1, j), at(i + 1, j + 1), at(i, j + 1)];
            let ring = LineString::new(vec![quad[0], quad[1], quad[2], quad[3], quad[0]]);
            out.cells.push(Cell {
                code: code((i * b.w + j + 1) as u16)?,
                street: String::new(),
                community: String::new(),
                departments: Vec::new(),
                polygon: Polygon::new(ring, Vec::new()),
                more: Vec::new(),
            });
            out.quads.push(quad);
        }
    }
    Ok(())
}

fn place(name: &str, kind: PlaceKind, geometry: PlaceGeometry) -> Place {
    Place {
        name: name.to_owned(),
        kind,
        geometry,
    }
}

/// The main roads along the gaps between street blocks and around the area.
fn roads(frame: &Frame) -> Vec<Place> {
    let width = STREET_COLS as f64 * (STREET_W + ROAD) - ROAD;
    let height = STREET_ROWS as f64 * (STREET_H + ROAD) - ROAD;
    let line = |a: (f64, f64), b: (f64, f64)| {
        PlaceGeometry::Line(LineString::new(vec![
            frame.coord(a.0, a.1),
            frame.coord(b.0, b.1),
        ]))
    };
    let mut roads = Vec::new();
    for (r, name) in EAST_WEST_ROADS.iter().enumerate() {
        let y = r as f64 * (STREET_H + ROAD) - ROAD / 2.0;
        roads.push(place(
            name,
            PlaceKind::Road,
            line((-ROAD, y), (width + ROAD, y)),
        ));
    }
    for (c, name) in NORTH_SOUTH_ROADS.iter().enumerate() {
        let x = c as f64 * (STREET_W + ROAD) - ROAD / 2.0;
        roads.push(place(
            name,
            PlaceKind::Road,
            line((x, -ROAD), (x, height + ROAD)),
        ));
    }
    roads
}
