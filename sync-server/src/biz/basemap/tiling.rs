//! Cutting features into vector tiles: Web Mercator projection, per-zoom simplification
//! (Ramer–Douglas–Peucker, geo's `Simplify`, at half a screen pixel), clipping to each tile
//! with a buffer (Sutherland–Hodgman for polygon rings, Liang–Barsky for line segments), and
//! rounding to integer tile units.
//!
//! Invariants: pure and deterministic (no hashing order, no clock): the same features give the
//! same tiles in the same order; XYZ tile numbering (y from the north); a feature is only cut at
//! the zooms its layer (and, for roads, its class) is drawn at; points are kept by the one tile
//! that holds them, polygons and lines by every tile they reach within [`BUFFER`].

use super::mvt::{EXTENT, TileGeometry};
use geo::{Coord, Geometry, LineString, Simplify};
use std::collections::BTreeMap;

/// Clip buffer around each tile, in tile units (4 screen pixels at 256 px tiles).
pub const BUFFER: f64 = 64.0;
/// Lowest zoom of the package.
pub const MIN_ZOOM: u8 = 10;
/// Highest zoom of the package.
pub const MAX_ZOOM: u8 = 17;
/// Simplification tolerance in tile units (half a pixel of a 256 px tile).
const TOLERANCE: f64 = 8.0;

/// A tile address, XYZ.
pub type TileId = (u8, u32, u32);

/// A feature to cut: its geometry in unit Web Mercator (0..1, y down) and its zooms.
pub struct Projected {
    /// Index of the output layer.
    pub layer: usize,
    /// Index of the feature in its source list (to find its properties).
    pub feature: usize,
    /// Lowest and highest zoom it is drawn at.
    pub zooms: (u8, u8),
    shape: Shape,
    bbox: [f64; 4],
}

enum Shape {
    Points(Vec<Coord>),
    Lines(Vec<Vec<Coord>>),
    /// Polygons, each exterior ring then holes.
    Polygons(Vec<Vec<Vec<Coord>>>),
}

/// Longitude/latitude (degrees) to unit Web Mercator.
pub fn mercator(c: Coord) -> Coord {
    let lat = c.y.clamp(-85.051_128, 85.051_128).to_radians();
    Coord {
        x: (c.x + 180.0) / 360.0,
        y: (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0,
    }
}

/// Unit Web Mercator back to longitude/latitude.
pub fn unmercator(c: Coord) -> Coord {
    let n = std::f64::consts::PI * (1.0 - 2.0 * c.y);
    Coord {
        x: c.x * 360.0 - 180.0,
        y: n.sinh().atan().to_degrees(),
    }
}

fn ring(l: &LineString) -> Vec<Coord> {
    l.coords().map(|&c| mercator(c)).collect()
}

impl Projected {
    /// Projects a lon/lat geometry; `None` for geometries the tiles do not carry.
    pub fn new(layer: usize, feature: usize, zooms: (u8, u8), g: &Geometry) -> Option<Self> {
        let shape = match g {
            Geometry::Point(p) => Shape::Points(vec![mercator(p.0)]),
            Geometry::MultiPoint(mp) => Shape::Points(mp.iter().map(|p| mercator(p.0)).collect()),
            Geometry::LineString(l) => Shape::Lines(vec![ring(l)]),
            Geometry::MultiLineString(ml) => Shape::Lines(ml.iter().map(ring).collect()),
            Geometry::Polygon(p) => Shape::Polygons(vec![
                std::iter::once(p.exterior())
                    .chain(p.interiors())
                    .map(ring)
                    .collect(),
            ]),
            Geometry::MultiPolygon(mp) => Shape::Polygons(
                mp.iter()
                    .map(|p| {
                        std::iter::once(p.exterior())
                            .chain(p.interiors())
                            .map(ring)
                            .collect()
                    })
                    .collect(),
            ),
            _ => return None,
        };
        let mut bbox = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
        let mut grow = |c: &Coord| {
            bbox = [
                bbox[0].min(c.x),
                bbox[1].min(c.y),
                bbox[2].max(c.x),
                bbox[3].max(c.y),
            ];
        };
        match &shape {
            Shape::Points(p) => p.iter().for_each(&mut grow),
            Shape::Lines(l) => l.iter().flatten().for_each(&mut grow),
            Shape::Polygons(p) => p.iter().flatten().flatten().for_each(&mut grow),
        }
        (bbox[0] <= bbox[2]).then_some(Self {
            layer,
            feature,
            zooms,
            shape,
            bbox,
        })
    }

    /// Unit-Mercator bounding box `[min x, min y, max x, max y]`.
    pub fn bbox(&self) -> [f64; 4] {
        self.bbox
    }
}

fn scaled(points: &[Coord], scale: f64, simplify: bool) -> Vec<Coord> {
    let line: LineString = points
        .iter()
        .map(|c| Coord {
            x: c.x * scale,
            y: c.y * scale,
        })
        .collect();
    if simplify && line.0.len() > 4 {
        line.simplify(TOLERANCE).0
    } else {
        line.0
    }
}

/// The tiles' contents: for every tile reached, `(layer, feature, geometry)` in input order.
pub fn cut(features: &[Projected]) -> BTreeMap<TileId, Vec<(usize, usize, TileGeometry)>> {
    let mut tiles: BTreeMap<TileId, Vec<(usize, usize, TileGeometry)>> = BTreeMap::new();
    let e = f64::from(EXTENT);
    for f in features {
        for z in f.zooms.0.max(MIN_ZOOM)..=f.zooms.1.min(MAX_ZOOM) {
            let scale = f64::from(1u32 << z) * e;
            let b = f.bbox.map(|v| v * scale);
            if matches!(f.shape, Shape::Polygons(_)) && b[2] - b[0] < 2.0 && b[3] - b[1] < 2.0 {
                continue; // smaller than an eighth of a pixel at this zoom
            }
            let simplify = z < MAX_ZOOM;
            let range = |lo: f64, hi: f64| {
                let last = (1u32 << z) - 1;
                let a = ((lo - BUFFER) / e).floor().max(0.0) as u32;
                let b = ((hi + BUFFER) / e).floor().max(0.0) as u32;
                (a.min(last), b.min(last))
            };
            let (x0, x1) = range(b[0], b[2]);
            let (y0, y1) = range(b[1], b[3]);
            let shape: Shape = match &f.shape {
                Shape::Points(p) => Shape::Points(scaled(p, scale, false)),
                Shape::Lines(l) => {
                    Shape::Lines(l.iter().map(|l| scaled(l, scale, simplify)).collect())
                }
                Shape::Polygons(p) => Shape::Polygons(
                    p.iter()
                        .map(|rings| rings.iter().map(|r| scaled(r, scale, simplify)).collect())
                        .collect(),
                ),
            };
            for tx in x0..=x1 {
                for ty in y0..=y1 {
                    let origin = Coord {
                        x: f64::from(tx) * e,
                        y: f64::from(ty) * e,
                    };
                    if let Some(g) = clip_to_tile(&shape, origin, e) {
                        tiles
                            .entry((z, tx, ty))
                            .or_default()
                            .push((f.layer, f.feature, g));
                    }
                }
            }
        }
    }
    tiles
}

fn to_tile(c: Coord, origin: Coord) -> [i32; 2] {
    [
        (c.x - origin.x).round() as i32,
        (c.y - origin.y).round() as i32,
    ]
}

fn clip_to_tile(shape: &Shape, origin: Coord, e: f64) -> Option<TileGeometry> {
    let lo = Coord {
        x: origin.x - BUFFER,
        y: origin.y - BUFFER,
    };
    let hi = Coord {
        x: origin.x + e + BUFFER,
        y: origin.y + e + BUFFER,
    };
    match shape {
        Shape::Points(points) => {
            let kept: Vec<[i32; 2]> = points
                .iter()
                .filter(|c| {
                    c.x >= origin.x && c.x < origin.x + e && c.y >= origin.y && c.y < origin.y + e
                })
                .map(|&c| to_tile(c, origin))
                .collect();
            (!kept.is_empty()).then_some(TileGeometry::Points(kept))
        }
        Shape::Lines(lines) => {
            let parts: Vec<Vec<[i32; 2]>> = lines
                .iter()
                .flat_map(|l| clip_line(l, lo, hi))
                .map(|part| part.into_iter().map(|c| to_tile(c, origin)).collect())
                .collect();
            (!parts.is_empty()).then_some(TileGeometry::Lines(parts))
        }
        Shape::Polygons(polygons) => {
            let mut rings = Vec::new();
            for polygon in polygons {
                for (i, r) in polygon.iter().enumerate() {
                    let clipped = clip_ring(r, lo, hi);
                    if clipped.len() < 3 {
                        if i == 0 {
                            break; // the exterior is outside: so are its holes
                        }
                        continue;
                    }
                    rings.push((
                        i == 0,
                        clipped.into_iter().map(|c| to_tile(c, origin)).collect(),
                    ));
                }
            }
            (!rings.is_empty()).then_some(TileGeometry::Polygons(rings))
        }
    }
}

/// Sutherland–Hodgman clipping of a ring (closed or open) to the box `lo..hi`.
fn clip_ring(ring: &[Coord], lo: Coord, hi: Coord) -> Vec<Coord> {
    let mut pts: Vec<Coord> = ring.to_vec();
    if pts.len() > 1 && pts.first() == pts.last() {
        pts.pop();
    }
    // Each edge: inside test and intersection along one axis.
    for edge in 0..4 {
        if pts.is_empty() {
            break;
        }
        let inside = |c: &Coord| match edge {
            0 => c.x >= lo.x,
            1 => c.x <= hi.x,
            2 => c.y >= lo.y,
            _ => c.y <= hi.y,
        };
        let cross = |a: Coord, b: Coord| {
            let (v, vertical) = match edge {
                0 => (lo.x, true),
                1 => (hi.x, true),
                2 => (lo.y, false),
                _ => (hi.y, false),
            };
            if vertical {
                let t = (v - a.x) / (b.x - a.x);
                Coord {
                    x: v,
                    y: a.y + t * (b.y - a.y),
                }
            } else {
                let t = (v - a.y) / (b.y - a.y);
                Coord {
                    x: a.x + t * (b.x - a.x),
                    y: v,
                }
            }
        };
        let mut out = Vec::with_capacity(pts.len() + 4);
        for i in 0..pts.len() {
            let (prev, cur) = (pts[(i + pts.len() - 1) % pts.len()], pts[i]);
            match (inside(&prev), inside(&cur)) {
                (true, true) => out.push(cur),
                (true, false) => out.push(cross(prev, cur)),
                (false, true) => {
                    out.push(cross(prev, cur));
                    out.push(cur);
                }
                (false, false) => {}
            }
        }
        pts = out;
    }
    pts
}

/// Liang–Barsky clipping of a polyline to the box `lo..hi`: the parts inside.
fn clip_line(line: &[Coord], lo: Coord, hi: Coord) -> Vec<Vec<Coord>> {
    let mut parts: Vec<Vec<Coord>> = Vec::new();
    let mut current: Vec<Coord> = Vec::new();
    for w in line.windows(2) {
        let (a, b) = (w[0], w[1]);
        let (dx, dy) = (b.x - a.x, b.y - a.y);
        let (mut t0, mut t1) = (0.0f64, 1.0f64);
        let mut visible = true;
        for (p, q) in [
            (-dx, a.x - lo.x),
            (dx, hi.x - a.x),
            (-dy, a.y - lo.y),
            (dy, hi.y - a.y),
        ] {
            if p == 0.0 {
                if q < 0.0 {
                    visible = false;
                    break;
                }
            } else {
                let r = q / p;
                if p < 0.0 {
                    t0 = t0.max(r);
                } else {
                    t1 = t1.min(r);
                }
            }
        }
        if !visible || t0 > t1 {
            if current.len() >= 2 {
                parts.push(std::mem::take(&mut current));
            }
            current.clear();
            continue;
        }
        let start = Coord {
            x: a.x + t0 * dx,
            y: a.y + t0 * dy,
        };
        let end = Coord {
            x: a.x + t1 * dx,
            y: a.y + t1 * dy,
        };
        if current.last() != Some(&start) {
            if current.len() >= 2 {
                parts.push(std::mem::take(&mut current));
            }
            current.clear();
            current.push(start);
        }
        current.push(end);
        if t1 < 1.0 {
            parts.push(std::mem::take(&mut current));
        }
    }
    if current.len() >= 2 {
        parts.push(current);
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipping_keeps_the_inside() {
        let lo = Coord { x: 0.0, y: 0.0 };
        let hi = Coord { x: 10.0, y: 10.0 };
        let square = [
            Coord { x: -5.0, y: -5.0 },
            Coord { x: 5.0, y: -5.0 },
            Coord { x: 5.0, y: 5.0 },
            Coord { x: -5.0, y: 5.0 },
            Coord { x: -5.0, y: -5.0 },
        ];
        let r = clip_ring(&square, lo, hi);
        assert_eq!(r.len(), 4);
        assert!(
            r.iter()
                .all(|c| (0.0..=5.0).contains(&c.x) && (0.0..=5.0).contains(&c.y))
        );
        let parts = clip_line(
            &[
                Coord { x: -5.0, y: 5.0 },
                Coord { x: 20.0, y: 5.0 },
                Coord { x: 20.0, y: 8.0 },
                Coord { x: 5.0, y: 8.0 },
            ],
            lo,
            hi,
        );
        assert_eq!(parts.len(), 2);
        assert_eq!(
            parts[0],
            vec![Coord { x: 0.0, y: 5.0 }, Coord { x: 10.0, y: 5.0 }]
        );
        let back = unmercator(mercator(Coord {
            x: 103.83,
            y: 36.06,
        }));
        assert!((back.x - 103.83).abs() < 1e-9 && (back.y - 36.06).abs() < 1e-9);
    }
}
