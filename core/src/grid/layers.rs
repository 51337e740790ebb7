//! The tenant's optional basemap layer files (docs/data-formats.md): `roads.geojson`,
//! `buildings.geojson`, `water.geojson`, `green.geojson` and `boundaries.geojson`, each a WGS84
//! GeoJSON FeatureCollection, read into [`BasemapFeature`]s for the server's tile builder.
//!
//! Invariants: every feature kept has a geometry its layer allows (roads: lines; buildings,
//! green, boundaries: polygons; water: polygons or lines), positions finite and in range;
//! properties are reduced to the layer's own keys (see [`LayerKind::keys`]) as strings in a fixed
//! order, with `class` (roads) and `level` / `code` (boundaries) checked. A file is refused whole
//! with a [`DataFileError`] naming the file, the 1-based line where the bad feature starts and
//! the field. `"coordinate_system": "gcj02"` collections are converted to WGS84 on input.

use super::feature::{Geometry as FeatureGeometry, Position, parse_features};
use crate::error::DataFileError;
use geo::{Coord, Geometry, LineString, MultiLineString, MultiPolygon, Polygon};
use serde_json::Value;

/// A basemap layer file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LayerKind {
    /// `roads.geojson`: lines with `name` and `class`.
    Roads,
    /// `buildings.geojson`: polygons, optional `name`.
    Buildings,
    /// `water.geojson`: polygons or lines, optional `name`.
    Water,
    /// `green.geojson`: polygons, optional `name`.
    Green,
    /// `boundaries.geojson`: polygons with `level`, `code`, `name`.
    Boundaries,
}

/// Road classes in `roads.geojson`, most important first.
pub const ROAD_CLASSES: [&str; 4] = ["primary", "secondary", "branch", "alley"];

impl LayerKind {
    /// Every layer, in file-table order.
    pub const ALL: [LayerKind; 5] = [
        LayerKind::Roads,
        LayerKind::Buildings,
        LayerKind::Water,
        LayerKind::Green,
        LayerKind::Boundaries,
    ];

    /// The file name in a tenant directory.
    pub fn file_name(self) -> &'static str {
        match self {
            LayerKind::Roads => "roads.geojson",
            LayerKind::Buildings => "buildings.geojson",
            LayerKind::Water => "water.geojson",
            LayerKind::Green => "green.geojson",
            LayerKind::Boundaries => "boundaries.geojson",
        }
    }

    /// The short name (also the tile layer's name and the stored file kind).
    pub fn as_str(self) -> &'static str {
        match self {
            LayerKind::Roads => "roads",
            LayerKind::Buildings => "buildings",
            LayerKind::Water => "water",
            LayerKind::Green => "green",
            LayerKind::Boundaries => "boundaries",
        }
    }

    /// The properties kept, in order.
    pub fn keys(self) -> &'static [&'static str] {
        match self {
            LayerKind::Roads => &["name", "class"],
            LayerKind::Buildings | LayerKind::Water | LayerKind::Green => &["name"],
            LayerKind::Boundaries => &["level", "code", "name"],
        }
    }

    fn allows(self, g: &Geometry) -> bool {
        let line = matches!(g, Geometry::LineString(_) | Geometry::MultiLineString(_));
        let area = matches!(g, Geometry::Polygon(_) | Geometry::MultiPolygon(_));
        match self {
            LayerKind::Roads => line,
            LayerKind::Water => line || area,
            _ => area,
        }
    }
}

/// One feature of a basemap layer.
#[derive(Clone, Debug, PartialEq)]
pub struct BasemapFeature {
    /// WGS84 lon/lat.
    pub geometry: Geometry,
    /// The layer's keys ([`LayerKind::keys`]) with their values, in that order; missing optional
    /// values are empty strings.
    pub properties: Vec<(&'static str, String)>,
}

impl BasemapFeature {
    /// The value of a property (empty when absent).
    pub fn get(&self, key: &str) -> &str {
        self.properties
            .iter()
            .find(|(k, _)| *k == key)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// Parses one layer file. `file` names it in errors.
pub fn parse_layer(
    kind: LayerKind,
    file: &str,
    text: &str,
) -> Result<Vec<BasemapFeature>, DataFileError> {
    // The GeoJSON reader shared with cells, components and places (line numbers, GCJ-02).
    let features = parse_features(file, text)?;
    let mut out = Vec::with_capacity(features.len());
    for f in features {
        let (index, line) = (f.index, f.line);
        let err = |field: &str, message: String| {
            DataFileError::new(file, line, field, format!("第 {index} 个要素：{message}"))
        };
        let geometry = to_geo(f.geometry).map_err(|m| err("geometry", m))?;
        if !kind.allows(&geometry) {
            return Err(err(
                "geometry",
                format!("图层 {} 不接受此几何类型", kind.as_str()),
            ));
        }
        let mut properties = Vec::with_capacity(kind.keys().len());
        for &key in kind.keys() {
            let value = match f.properties.get(key) {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                Some(other) => {
                    return Err(err(
                        &format!("properties.{key}"),
                        format!("应为文本，实为 {other}"),
                    ));
                }
            };
            properties.push((key, value));
        }
        let f = BasemapFeature {
            geometry,
            properties,
        };
        check_properties(kind, &f).map_err(|(field, m)| err(field, m))?;
        out.push(f);
    }
    Ok(out)
}

fn check_properties(kind: LayerKind, f: &BasemapFeature) -> Result<(), (&'static str, String)> {
    match kind {
        LayerKind::Roads if !ROAD_CLASSES.contains(&f.get("class")) => Err((
            "properties.class",
            format!(
                "道路等级应为 primary/secondary/branch/alley 之一，实为 {:?}",
                f.get("class")
            ),
        )),
        LayerKind::Boundaries => {
            let digits = match f.get("level") {
                "street" => 9,
                "community" => 12,
                other => {
                    return Err((
                        "properties.level",
                        format!("应为 street 或 community，实为 {other:?}"),
                    ));
                }
            };
            let code = f.get("code");
            if code.len() != digits || !code.bytes().all(|b| b.is_ascii_digit()) {
                return Err((
                    "properties.code",
                    format!(
                        "{} 的编码应为 {digits} 位数字，实为 {code:?}",
                        f.get("level")
                    ),
                ));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// The reader's geometry as geo's, with the basemap's own checks (lines of 2 points or more,
/// rings of 4 or more).
fn to_geo(g: FeatureGeometry) -> Result<Geometry, String> {
    let coords = |points: Vec<Position>| -> Vec<Coord> {
        points.into_iter().map(|[x, y]| Coord { x, y }).collect()
    };
    let line = |points: Vec<Position>| -> Result<LineString, String> {
        if points.len() < 2 {
            return Err("线至少需要 2 个点".into());
        }
        Ok(LineString::new(coords(points)))
    };
    let polygon = |rings: Vec<Vec<Position>>| -> Result<Polygon, String> {
        let mut rings = rings.into_iter().map(|r| {
            if r.len() < 4 {
                return Err("多边形的环至少需要 4 个点".to_owned());
            }
            Ok(LineString::new(coords(r)))
        });
        let exterior = rings.next().ok_or("多边形没有外环")??;
        Ok(Polygon::new(exterior, rings.collect::<Result<_, _>>()?))
    };
    Ok(match g {
        FeatureGeometry::LineString(l) => Geometry::LineString(line(l)?),
        FeatureGeometry::MultiLineString(ls) => Geometry::MultiLineString(MultiLineString::new(
            ls.into_iter().map(line).collect::<Result<_, _>>()?,
        )),
        FeatureGeometry::Polygon(rings) => Geometry::Polygon(polygon(rings)?),
        FeatureGeometry::MultiPolygon(parts) => Geometry::MultiPolygon(MultiPolygon::new(
            parts.into_iter().map(polygon).collect::<Result<_, _>>()?,
        )),
        // Refused by every layer's `allows`.
        FeatureGeometry::Point([x, y]) => Geometry::Point(geo::Point::new(x, y)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fc(features: &str) -> String {
        format!("{{\"type\":\"FeatureCollection\",\"features\":[\n{features}\n]}}")
    }

    #[test]
    fn reads_roads_and_multipolygons() {
        let roads = fc(
            "{\"type\":\"Feature\",\"properties\":{\"name\":\"张掖路\",\"class\":\"primary\"},\"geometry\":{\"type\":\"LineString\",\"coordinates\":[[103.8,36.0],[103.9,36.0]]}}",
        );
        let f = parse_layer(LayerKind::Roads, "roads.geojson", &roads).expect("roads");
        assert_eq!((f[0].get("name"), f[0].get("class")), ("张掖路", "primary"));
        let water = fc(
            "{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"MultiPolygon\",\"coordinates\":[[[[0,0],[1,0],[1,1],[0,0]]]]}}",
        );
        let f = parse_layer(LayerKind::Water, "water.geojson", &water).expect("water");
        assert!(matches!(f[0].geometry, Geometry::MultiPolygon(_)));
        assert_eq!(f[0].get("name"), "");
    }

    #[test]
    fn errors_name_line_and_field() {
        let bad = fc(
            "{\"type\":\"Feature\",\"properties\":{\"class\":\"primary\"},\"geometry\":{\"type\":\"LineString\",\"coordinates\":[[0,0],[1,1]]}},\n{\"type\":\"Feature\",\"properties\":{\"class\":\"highway\"},\"geometry\":{\"type\":\"LineString\",\"coordinates\":[[0,0],[1,1]]}}",
        );
        let e = parse_layer(LayerKind::Roads, "roads.geojson", &bad).expect_err("class");
        assert_eq!((e.line, e.field.as_str()), (3, "properties.class"));
        let bad = fc(
            "{\"type\":\"Feature\",\"properties\":{\"level\":\"street\",\"code\":\"62010200\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,0]]]}}",
        );
        let e = parse_layer(LayerKind::Boundaries, "b.geojson", &bad).expect_err("code");
        assert_eq!(e.field, "properties.code");
        let bad = fc(
            "{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Point\",\"coordinates\":[0,0]}}",
        );
        let e = parse_layer(LayerKind::Green, "g.geojson", &bad).expect_err("point");
        assert_eq!((e.line, e.field.as_str()), (2, "geometry"));
    }
}
