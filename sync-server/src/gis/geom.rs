//! The geometries read from a delivery, in the source system's coordinates, and their checks
//! and conversion to WGS84 GeoJSON.
//!
//! Invariants: a geometry that leaves [`Geom::to_wgs84`] has only finite WGS84 positions, lines
//! of 2 positions at least and closed rings of 4 positions at least (3 distinct); an unclosed or
//! too-short ring, an empty part or an impossible position is refused with the reason, never
//! repaired silently.

use super::crs::ToWgs84;
use serde_json::{Value, json};

/// A position `[x, y]`.
pub type Pos = [f64; 2];

/// A geometry of a source feature.
#[derive(Clone, Debug, PartialEq)]
pub enum Geom {
    /// A point.
    Point(Pos),
    /// Several points.
    MultiPoint(Vec<Pos>),
    /// A line.
    LineString(Vec<Pos>),
    /// Several lines.
    MultiLineString(Vec<Vec<Pos>>),
    /// Exterior ring, then holes.
    Polygon(Vec<Vec<Pos>>),
    /// Several polygons.
    MultiPolygon(Vec<Vec<Vec<Pos>>>),
}

impl Geom {
    /// The GeoJSON type name.
    pub fn name(&self) -> &'static str {
        match self {
            Geom::Point(_) => "Point",
            Geom::MultiPoint(_) => "MultiPoint",
            Geom::LineString(_) => "LineString",
            Geom::MultiLineString(_) => "MultiLineString",
            Geom::Polygon(_) => "Polygon",
            Geom::MultiPolygon(_) => "MultiPolygon",
        }
    }

    /// Checks the shape and converts every position to WGS84.
    pub fn to_wgs84(&self, t: &ToWgs84) -> Result<Geom, String> {
        let pos = |p: &Pos| t.convert(p[0], p[1]);
        let line = |l: &Vec<Pos>| -> Result<Vec<Pos>, String> {
            if l.len() < 2 {
                return Err(format!("线只有 {} 个点（至少 2 个）", l.len()));
            }
            l.iter().map(pos).collect()
        };
        let ring = |r: &Vec<Pos>| -> Result<Vec<Pos>, String> {
            if r.len() < 4 {
                return Err(format!(
                    "面的环只有 {} 个点（至少 4 个，首尾相同）",
                    r.len()
                ));
            }
            if r.first() != r.last() {
                return Err(format!(
                    "面的环未闭合：首点 {:?} 与末点 {:?} 不同",
                    r[0],
                    r[r.len() - 1]
                ));
            }
            r.iter().map(pos).collect()
        };
        let polygon = |p: &Vec<Vec<Pos>>| -> Result<Vec<Vec<Pos>>, String> {
            if p.is_empty() {
                return Err("面没有外环".into());
            }
            p.iter().map(ring).collect()
        };
        let nonempty = |n: usize| {
            if n == 0 {
                Err(format!("空的 {}", self.name()))
            } else {
                Ok(())
            }
        };
        Ok(match self {
            Geom::Point(p) => Geom::Point(pos(p)?),
            Geom::MultiPoint(ps) => {
                nonempty(ps.len())?;
                Geom::MultiPoint(ps.iter().map(pos).collect::<Result<_, _>>()?)
            }
            Geom::LineString(l) => Geom::LineString(line(l)?),
            Geom::MultiLineString(ls) => {
                nonempty(ls.len())?;
                Geom::MultiLineString(ls.iter().map(line).collect::<Result<_, _>>()?)
            }
            Geom::Polygon(p) => Geom::Polygon(polygon(p)?),
            Geom::MultiPolygon(ps) => {
                nonempty(ps.len())?;
                Geom::MultiPolygon(ps.iter().map(polygon).collect::<Result<_, _>>()?)
            }
        })
    }

    /// The GeoJSON geometry object.
    pub fn to_json(&self) -> Value {
        let coordinates = match self {
            Geom::Point(p) => json!(p),
            Geom::MultiPoint(ps) | Geom::LineString(ps) => json!(ps),
            Geom::MultiLineString(ls) | Geom::Polygon(ls) => json!(ls),
            Geom::MultiPolygon(ps) => json!(ps),
        };
        json!({ "type": self.name(), "coordinates": coordinates })
    }

    /// Every position, in order.
    pub fn positions(&self) -> Vec<Pos> {
        match self {
            Geom::Point(p) => vec![*p],
            Geom::MultiPoint(ps) | Geom::LineString(ps) => ps.clone(),
            Geom::MultiLineString(ls) | Geom::Polygon(ls) => ls.concat(),
            Geom::MultiPolygon(ps) => ps.iter().flat_map(|p| p.concat()).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gis::crs::Crs;

    #[test]
    fn rings_must_be_closed_and_long_enough() {
        let t = Crs::Wgs84.to_wgs84().expect("wgs84");
        let open = Geom::Polygon(vec![vec![
            [103.0, 36.0],
            [103.1, 36.0],
            [103.1, 36.1],
            [103.0, 36.1],
        ]]);
        assert!(open.to_wgs84(&t).expect_err("open").contains("未闭合"));
        let short = Geom::Polygon(vec![vec![[103.0, 36.0], [103.1, 36.0], [103.0, 36.0]]]);
        assert!(short.to_wgs84(&t).expect_err("short").contains("至少 4"));
        let nan = Geom::Point([f64::NAN, 36.0]);
        assert!(nan.to_wgs84(&t).is_err());
        let ok = Geom::MultiPolygon(vec![vec![vec![
            [103.0, 36.0],
            [103.1, 36.0],
            [103.1, 36.1],
            [103.0, 36.0],
        ]]]);
        assert_eq!(ok.to_wgs84(&t).expect("ok"), ok);
        assert_eq!(ok.to_json()["type"], "MultiPolygon");
    }
}
