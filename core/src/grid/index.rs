//! [`GridIndex`]: point → unit grid cell, through an R-tree of cell bounding boxes and an exact
//! point-in-polygon test on the few candidates.

use super::cell::Cell;
use super::feature::parse_features;
use super::metric::{LocalFrame, point_polygon_m};
use super::shape::Shapes;
use crate::codes::GridCode;
use crate::error::{DataFileError, ParseError};
use geo::coordinate_position::CoordPos;
use geo::{BoundingRect, Coord};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};
use std::collections::HashMap;

/// How far outside every cell a point may be for [`GridIndex::locate`] to name the nearest cell
/// as a hint, in metres, unless set with [`GridIndex::with_hint_distance`].
pub const DEFAULT_HINT_M: f64 = 200.0;

type Entry = GeomWithData<Rectangle<[f64; 2]>, u32>;

/// The answer of [`GridIndex::locate`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Lookup<'a> {
    /// The point lies in this cell (or on its boundary; on a shared edge the lowest code wins).
    Inside(&'a Cell),
    /// The point lies outside every cell (a road between cells, or outside the county).
    Outside {
        /// The nearest cell and its distance in metres, if one is within the hint distance.
        nearest: Option<(&'a Cell, f64)>,
    },
}

impl<'a> Lookup<'a> {
    /// The cell the point is in, if any.
    pub fn cell(&self) -> Option<&'a Cell> {
        match self {
            Lookup::Inside(cell) => Some(cell),
            Lookup::Outside { .. } => None,
        }
    }
}

/// The unit grid cells of a tenant, indexed for point lookup.
#[derive(Clone, Debug)]
pub struct GridIndex {
    /// Sorted by code, so an index order is a code order.
    cells: Vec<Cell>,
    /// Cell boxes; each entry's data is a slot of `shapes`.
    tree: RTree<Entry>,
    shapes: Shapes,
    by_code: HashMap<GridCode, usize>,
    hint_m: f64,
}

impl GridIndex {
    /// Builds the index from a GeoJSON FeatureCollection of cells (see `docs/data-formats.md`).
    /// Refuses the file whole on the first bad feature, naming the file, the line where the
    /// feature starts and the field: a bad or duplicate code, a geometry that is not a Polygon, a
    /// missing property.
    pub fn from_geojson(file: &str, text: &str) -> Result<GridIndex, DataFileError> {
        let features = parse_features(file, text)?;
        let mut cells = Vec::with_capacity(features.len());
        let mut seen: HashMap<GridCode, usize> = HashMap::new();
        for f in &features {
            let cell = Cell::from_feature(file, f)?;
            if let Some(first) = seen.insert(cell.code, f.line) {
                let message = format!("duplicate code {} (first on line {first})", cell.code);
                return Err(f.error(file, "code", message));
            }
            cells.push(cell);
        }
        Self::from_cells(cells).map_err(|e| DataFileError::new(file, 0, "code", e.to_string()))
    }

    /// Builds the index from cells; refuses a duplicate code.
    pub fn from_cells(mut cells: Vec<Cell>) -> Result<GridIndex, ParseError> {
        cells.sort_by_key(|c| c.code);
        if let Some(w) = cells.windows(2).find(|w| w[0].code == w[1].code) {
            return Err(ParseError::new(
                "grid cell code",
                w[0].code.to_string(),
                "duplicate code",
            ));
        }
        // One entry per part of each cell (a MultiPolygon cell has several).
        let parts: Vec<(usize, &geo::Polygon)> = cells
            .iter()
            .enumerate()
            .flat_map(|(i, c)| c.parts().map(move |p| (i, p)))
            .collect();
        let entries = parts
            .iter()
            .enumerate()
            .filter_map(|(k, (_, part))| {
                let r = part.bounding_rect()?;
                let rect = Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
                Some(GeomWithData::new(rect, k as u32))
            })
            .collect();
        let by_code = cells.iter().enumerate().map(|(i, c)| (c.code, i)).collect();
        // Renumber the entries in the tree's leaf order and lay the rings out in that order.
        let mut tree = RTree::bulk_load(entries);
        let mut shapes = Shapes::default();
        for entry in tree.iter_mut() {
            let (i, part) = parts[entry.data as usize];
            entry.data = shapes.push(i, part);
        }
        drop(parts);
        Ok(GridIndex {
            cells,
            tree,
            shapes,
            by_code,
            hint_m: DEFAULT_HINT_M,
        })
    }

    /// The same index with another hint distance in metres (0 turns the hint off).
    pub fn with_hint_distance(mut self, metres: f64) -> GridIndex {
        self.hint_m = if metres.is_finite() {
            metres.max(0.0)
        } else {
            0.0
        };
        self
    }

    /// The hint distance in metres.
    pub fn hint_distance(&self) -> f64 {
        self.hint_m
    }

    /// The cell containing a WGS84 point; or, outside every cell, the nearest cell within the
    /// hint distance. Non-finite coordinates are outside with no hint.
    pub fn locate(&self, lon: f64, lat: f64) -> Lookup<'_> {
        match self.cell_at(lon, lat) {
            Some(cell) => Lookup::Inside(cell),
            None => Lookup::Outside {
                nearest: self.nearest_within(lon, lat, self.hint_m),
            },
        }
    }

    /// The cell containing the point, without the nearest-cell search when there is none.
    pub fn cell_at(&self, lon: f64, lat: f64) -> Option<&Cell> {
        let mut boundary: Option<usize> = None;
        let p = Coord { x: lon, y: lat };
        for entry in self.tree.locate_all_at_point(&[lon, lat]) {
            match self.shapes.position(entry.data, &self.cells, p) {
                (i, CoordPos::Inside) => return Some(&self.cells[i]),
                (i, CoordPos::OnBoundary) => boundary = Some(boundary.map_or(i, |b| b.min(i))),
                (_, CoordPos::Outside) => {}
            }
        }
        boundary.map(|i| &self.cells[i])
    }

    /// The cell nearest to the point within `metres` (0 when the point is in a cell), with its
    /// distance; ties go to the lowest code.
    pub fn nearest_within(&self, lon: f64, lat: f64, metres: f64) -> Option<(&Cell, f64)> {
        if !lon.is_finite() || !lat.is_finite() || !metres.is_finite() || metres < 0.0 {
            return None;
        }
        let (dlon, dlat) = LocalFrame::at(lon, lat).degrees(metres);
        let envelope = AABB::from_corners([lon - dlon, lat - dlat], [lon + dlon, lat + dlat]);
        let mut best: Option<(usize, f64)> = None;
        for entry in self.tree.locate_in_envelope_intersecting(&envelope) {
            let i = self.shapes.cell(entry.data);
            let d = self.cells[i]
                .parts()
                .map(|p| point_polygon_m(lon, lat, p))
                .fold(f64::INFINITY, f64::min);
            let better = match best {
                None => true,
                Some((b, bd)) => d < bd || (d == bd && i < b),
            };
            if d <= metres && better {
                best = Some((i, d));
            }
        }
        best.map(|(i, d)| (&self.cells[i], d))
    }

    /// The cell with this code.
    pub fn cell(&self, code: &GridCode) -> Option<&Cell> {
        self.by_code.get(code).map(|&i| &self.cells[i])
    }

    /// Every cell, in code order.
    pub fn cells(&self) -> &[Cell] {
        &self.cells
    }

    /// The number of cells.
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    /// Whether there are no cells.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }
}
