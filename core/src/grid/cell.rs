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
    /// The cell's outline in WGS84 lon/lat degrees (x = lon, y = lat); rings are closed.
    pub polygon: Polygon,
}

impl Cell {
    /// Whether the point lies in the cell or on its boundary (exact, robust predicates).
    pub fn covers(&self, lon: f64, lat: f64) -> bool {
        self.position(lon, lat) != CoordPos::Outside
    }

    pub(crate) fn position(&self, lon: f64, lat: f64) -> CoordPos {
        self.polygon.coordinate_position(&Coord { x: lon, y: lat })
    }

    /// Reads a cell from a feature: a `Polygon` with properties `code` (15 digits), `street`,
    /// `community` and optional `departments` (an array of department codes).
    pub(crate) fn from_feature(file: &str, f: &Feature) -> Result<Cell, DataFileError> {
        let Geometry::Polygon(rings) = &f.geometry else {
            return Err(f.geometry_error(file, "Polygon"));
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
        let polygon = polygon(rings).map_err(|m| {
            DataFileError::new(
                file,
                f.line,
                "geometry",
                format!("feature #{} ({text}): {m}", f.index),
            )
        })?;
        Ok(Cell {
            code,
            street: f.text(file, "street")?.to_owned(),
            community: f.text(file, "community")?.to_owned(),
            departments: f.text_list(file, "departments")?,
            polygon,
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
