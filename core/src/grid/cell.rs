//! A unit grid cell (单元网格): its code, the names of its community and street, its default
//! responsible departments and its polygon; and the reading of one from a GeoJSON feature.

use super::feature::{Feature, Geometry, Position};
use crate::codes::GridCode;
use crate::error::DataFileError;
use geo::coordinate_position::CoordPos;
use geo::{Coord, CoordinatePosition, LineString, Polygon};

/// A unit grid cell.
#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    /// The 15-digit cell code (county + street + community + sequence).
    pub code: GridCode,
    /// The street (街道) name.
    pub street: String,
    /// The community (社区) name.
    pub community: String,
    /// The default responsible departments (属地责任单位), as department codes of the tenant's
    /// `departments.csv`; may be empty.
    pub departments: Vec<String>,
    /// The cell's outline in WGS84 lon/lat degrees (x = lon, y = lat); rings are closed. For a
    /// cell delivered as a MultiPolygon, its first part.
    pub polygon: Polygon,
    /// The further parts of a MultiPolygon cell (empty for a Polygon cell).
    pub more: Vec<Polygon>,
}

impl Cell {
    /// Whether the point lies in the cell or on its boundary (exact, robust predicates).
    pub fn covers(&self, lon: f64, lat: f64) -> bool {
        self.position(lon, lat) != CoordPos::Outside
    }

    pub(crate) fn position(&self, lon: f64, lat: f64) -> CoordPos {
        let p = Coord { x: lon, y: lat };
        let mut out = CoordPos::Outside;
        for part in self.parts() {
            match part.coordinate_position(&p) {
                CoordPos::Inside => return CoordPos::Inside,
                CoordPos::OnBoundary => out = CoordPos::OnBoundary,
                CoordPos::Outside => {}
            }
        }
        out
    }

    /// Every part of the cell's outline: `polygon`, then `more`.
    pub fn parts(&self) -> impl Iterator<Item = &Polygon> {
        std::iter::once(&self.polygon).chain(&self.more)
    }

    /// Reads a cell from a feature: a `Polygon` or `MultiPolygon` with properties `code` (15
    /// digits), `street`, `community` and optional `departments` (an array of department codes).
    pub(crate) fn from_feature(file: &str, f: &Feature) -> Result<Cell, DataFileError> {
        let parts: &[Vec<Vec<Position>>] = match &f.geometry {
            Geometry::Polygon(rings) => std::slice::from_ref(rings),
            Geometry::MultiPolygon(parts) if !parts.is_empty() => parts,
            _ => return Err(f.geometry_error(file, "Polygon or MultiPolygon")),
        };
        let text = f.text(file, "code")?;
        let code = GridCode::parse(text).map_err(|e| f.error(file, "code", e))?;
        if code.is_legacy() {
            return Err(f.error(
                file,
                "code",
                format!("{text:?} is the legacy 14-digit form; cells use 15 digits"),
            ));
        }
        let mut polygons = parts
            .iter()
            .map(|rings| polygon(rings))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|m| {
                DataFileError::new(
                    file,
                    f.line,
                    "geometry",
                    format!("feature #{} ({text}): {m}", f.index),
                )
            })?;
        let polygon = polygons.remove(0);
        Ok(Cell {
            code,
            street: f.text(file, "street")?.to_owned(),
            community: f.text(file, "community")?.to_owned(),
            departments: f.text_list(file, "departments")?,
            polygon,
            more: polygons,
        })
    }
}

/// Builds a polygon from GeoJSON rings: each needs 3 distinct positions at least; an unclosed
/// ring is closed.
fn polygon(rings: &[Vec<Position>]) -> Result<Polygon, String> {
    let mut lines = rings.iter().map(|ring| {
        let mut coords: Vec<Coord> = ring.iter().map(|&[x, y]| Coord { x, y }).collect();
        if let Some(&first) = coords.first()
            && coords.last() != Some(&first)
        {
            coords.push(first);
        }
        if coords.len() < 4 {
            return Err("a polygon ring needs at least 3 distinct positions".to_owned());
        }
        Ok(LineString::new(coords))
    });
    let exterior = lines.next().ok_or("a polygon needs an exterior ring")??;
    let holes = lines.collect::<Result<Vec<_>, _>>()?;
    Ok(Polygon::new(exterior, holes))
}
