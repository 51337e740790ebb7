//! A small GeoJSON (RFC 7946) reader for the three layers the grid module loads: a
//! `FeatureCollection` whose features carry a `Point`, `LineString`, `Polygon` or `MultiPolygon`
//! geometry and a flat `properties` object.
//!
//! Each feature is kept as its raw text first (serde_json's `RawValue` borrows it from the input),
//! so an error can name the 1-based line where the feature starts as well as its index. Positions
//! must be finite, with longitude in −180..=180 and latitude in −90..=90; a third number
//! (altitude) is ignored. A collection may say `"coordinate_system": "gcj02"` (a foreign member):
//! its positions are then converted to WGS84 here, on input, and never kept in GCJ-02.

use super::gcj02::gcj02_to_wgs84;
use crate::error::DataFileError;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// A position: `[lon, lat]` in degrees, WGS84 / CGCS2000.
pub(crate) type Position = [f64; 2];

/// The geometries the loaders accept.
#[derive(Debug)]
pub(crate) enum Geometry {
    Point(Position),
    LineString(Vec<Position>),
    /// Several lines (a road or river in parts; basemap layers only).
    MultiLineString(Vec<Vec<Position>>),
    /// Exterior ring first, then holes.
    Polygon(Vec<Vec<Position>>),
    /// Several polygons (a cell delivered in parts).
    MultiPolygon(Vec<Vec<Vec<Position>>>),
}

impl Geometry {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Geometry::Point(_) => "Point",
            Geometry::LineString(_) => "LineString",
            Geometry::MultiLineString(_) => "MultiLineString",
            Geometry::Polygon(_) => "Polygon",
            Geometry::MultiPolygon(_) => "MultiPolygon",
        }
    }
}

/// One feature with where it came from.
#[derive(Debug)]
pub(crate) struct Feature {
    /// 0-based index in `features`.
    pub index: usize,
    /// 1-based line where the feature starts.
    pub line: usize,
    pub geometry: Geometry,
    pub properties: Map<String, Value>,
}

#[derive(Deserialize)]
struct RawCollection<'a> {
    #[serde(rename = "type")]
    kind: String,
    #[serde(borrow)]
    features: Vec<&'a RawValue>,
    #[serde(default)]
    coordinate_system: Option<String>,
}

#[derive(Deserialize)]
struct RawFeature {
    #[serde(rename = "type")]
    kind: String,
    geometry: Option<RawGeometry>,
    #[serde(default)]
    properties: Option<Map<String, Value>>,
}

#[derive(Deserialize)]
struct RawGeometry {
    #[serde(rename = "type")]
    kind: String,
    coordinates: Value,
}

/// Finds the 1-based lines of slices borrowed from one text, scanning forward from the last
/// slice found (features come in order, so the whole file is scanned once).
struct LineCursor<'t> {
    text: &'t str,
    offset: usize,
    line: usize,
}

impl<'t> LineCursor<'t> {
    fn new(text: &'t str) -> Self {
        Self {
            text,
            offset: 0,
            line: 1,
        }
    }

    fn line_of(&mut self, part: &str) -> usize {
        let offset = (part.as_ptr() as usize).wrapping_sub(self.text.as_ptr() as usize);
        let offset = if offset <= self.text.len() { offset } else { 0 };
        if offset < self.offset {
            (self.offset, self.line) = (0, 1);
        }
        let skipped = &self.text.as_bytes()[self.offset..offset];
        self.line += skipped.iter().filter(|&&b| b == b'\n').count();
        self.offset = offset;
        self.line
    }
}

/// Parses a FeatureCollection. Errors name the file, the line and the field.
pub(crate) fn parse_features(file: &str, text: &str) -> Result<Vec<Feature>, DataFileError> {
    let collection: RawCollection<'_> = serde_json::from_str(text).map_err(|e| {
        DataFileError::new(
            file,
            e.line(),
            "features",
            format!("not a GeoJSON FeatureCollection: {e}"),
        )
    })?;
    if collection.kind != "FeatureCollection" {
        return Err(DataFileError::new(
            file,
            1,
            "type",
            format!(
                "expected \"FeatureCollection\", found {:?}",
                collection.kind
            ),
        ));
    }
    let gcj02 = match collection.coordinate_system.as_deref() {
        None | Some("wgs84") | Some("cgcs2000") => false,
        Some("gcj02") => true,
        Some(other) => {
            return Err(DataFileError::new(
                file,
                1,
                "coordinate_system",
                format!("expected \"wgs84\", \"cgcs2000\" or \"gcj02\", found {other:?}"),
            ));
        }
    };
    let mut lines = LineCursor::new(text);
    collection
        .features
        .iter()
        .enumerate()
        .map(|(index, raw)| {
            let line = lines.line_of(raw.get());
            parse_feature(file, line, index, raw, gcj02)
        })
        .collect()
}

fn parse_feature(
    file: &str,
    line: usize,
    index: usize,
    raw: &RawValue,
    gcj02: bool,
) -> Result<Feature, DataFileError> {
    let err = |field: &str, message: String| {
        DataFileError::new(file, line, field, format!("feature #{index}: {message}"))
    };
    let feature: RawFeature =
        serde_json::from_str(raw.get()).map_err(|e| err("features", e.to_string()))?;
    if feature.kind != "Feature" {
        return Err(err(
            "type",
            format!("expected \"Feature\", found {:?}", feature.kind),
        ));
    }
    let geometry = feature
        .geometry
        .ok_or_else(|| err("geometry", "missing (null) geometry".into()))?;
    let mut geometry = parse_geometry(&geometry).map_err(|m| err("geometry", m))?;
    if gcj02 {
        convert(&mut geometry);
    }
    Ok(Feature {
        index,
        line,
        geometry,
        properties: feature.properties.unwrap_or_default(),
    })
}

fn convert(geometry: &mut Geometry) {
    let fix = |p: &mut Position| {
        let (lon, lat) = gcj02_to_wgs84(p[0], p[1]);
        *p = [lon, lat];
    };
    match geometry {
        Geometry::Point(p) => fix(p),
        Geometry::LineString(line) => line.iter_mut().for_each(fix),
        Geometry::MultiLineString(lines) => lines.iter_mut().flatten().for_each(fix),
        Geometry::Polygon(rings) => rings.iter_mut().flatten().for_each(fix),
        Geometry::MultiPolygon(parts) => parts.iter_mut().flatten().flatten().for_each(fix),
    }
}

fn parse_geometry(g: &RawGeometry) -> Result<Geometry, String> {
    let geometry = match g.kind.as_str() {
        "Point" => Geometry::Point(position(&g.coordinates)?),
        "LineString" => Geometry::LineString(positions(&g.coordinates)?),
        "MultiLineString" => Geometry::MultiLineString(rings(&g.coordinates)?),
        "Polygon" => Geometry::Polygon(rings(&g.coordinates)?),
        "MultiPolygon" => {
            let parts = g
                .coordinates
                .as_array()
                .ok_or("MultiPolygon coordinates must be an array")?;
            Geometry::MultiPolygon(parts.iter().map(rings).collect::<Result<_, _>>()?)
        }
        other => return Err(format!("unsupported geometry type {other:?}")),
    };
    Ok(geometry)
}

fn rings(value: &Value) -> Result<Vec<Vec<Position>>, String> {
    let rings = value
        .as_array()
        .ok_or("Polygon coordinates must be an array")?;
    rings.iter().map(positions).collect()
}

fn positions(value: &Value) -> Result<Vec<Position>, String> {
    value
        .as_array()
        .ok_or_else(|| "expected an array of positions".to_owned())?
        .iter()
        .map(position)
        .collect()
}

fn position(value: &Value) -> Result<Position, String> {
    let numbers = value
        .as_array()
        .ok_or("a position must be an array [lon, lat]")?;
    let get = |i: usize| numbers.get(i).and_then(Value::as_f64);
    let (Some(lon), Some(lat)) = (get(0), get(1)) else {
        return Err(format!(
            "a position must be [lon, lat] numbers, found {value}"
        ));
    };
    if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
        return Err(format!("position [{lon}, {lat}] is out of range"));
    }
    Ok([lon, lat])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_errors() {
        let text = "{\"type\":\"FeatureCollection\",\"features\":[\n{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[103.8,36.0]},\"properties\":{\"a\":\"x\"}},\n{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[203.8,36.0]},\"properties\":{}}\n]}";
        let e = parse_features("f.geojson", text).expect_err("out of range");
        assert_eq!((e.line, e.field.as_str()), (3, "geometry"));
        assert!(e.message.contains("feature #1"), "{e}");
        let ok = text.replace("203.8", "103.9");
        let features = parse_features("f.geojson", &ok).expect("valid");
        assert_eq!(features[1].line, 3);
        assert_eq!(features[0].text("f", "a").ok(), Some("x"));
        assert_eq!(
            features[1].text("f", "a").map_err(|e| e.field),
            Err("properties.a".into())
        );
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let e = parse_features(
            "f.geojson",
            "{\"type\":\n\"FeatureCollection\",\n\"features\": [}",
        )
        .expect_err("bad json");
        assert_eq!(e.line, 3);
        let e = parse_features("f.geojson", "{\"type\":\"Feature\",\"features\":[]}")
            .expect_err("not fc");
        assert_eq!(e.field, "type");
    }
}
