//! GeoJSON source reader: a FeatureCollection of any of the six simple geometry types.
//!
//! The coordinate system is WGS84 (RFC 7946) unless the file carries the old `crs` member (as
//! GDAL writes for other systems: `urn:ogc:def:crs:EPSG::4490`, `EPSG:4523`, `OGC:CRS84`) or the
//! gridcase foreign member `"coordinate_system": "gcj02"`; `gis.toml` overrides both.
//!
//! Invariants: the text is read under the size cap; every coordinate array is checked for shape
//! before use; errors name the file, the 1-based feature number and the field.

use super::crs::Crs;
use super::geom::{Geom, Pos};
use super::layer::{Layer, SourceFeature, read_capped};
use gridcase_core::error::DataFileError;
use serde_json::Value;
use std::path::Path;

/// Reads a GeoJSON FeatureCollection.
pub fn read(path: &Path, shown: &str, max_bytes: u64) -> Result<Layer, DataFileError> {
    let bytes = read_capped(path, shown, max_bytes)?;
    let err = |line: usize, field: &str, m: String| DataFileError::new(shown, line, field, m);
    let doc: Value = serde_json::from_slice(&bytes)
        .map_err(|e| err(e.line(), "(file)", format!("不是有效的 JSON：{e}")))?;
    if doc.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        return Err(err(0, "type", "不是 GeoJSON FeatureCollection".into()));
    }
    let crs_name = doc
        .pointer("/crs/properties/name")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let crs = match (
        crs_name,
        doc.get("coordinate_system").and_then(Value::as_str),
    ) {
        (_, Some(cs)) => Some(Crs::from_name(cs)),
        (Some(name), None) => Some(crs_from_urn(&name)),
        (None, None) => Some(Ok(Crs::Wgs84)),
    };
    let list = doc
        .get("features")
        .and_then(Value::as_array)
        .ok_or_else(|| err(0, "features", "缺少 features 数组".into()))?;
    let mut fields: Vec<String> = Vec::new();
    let mut features = Vec::with_capacity(list.len());
    for (i, f) in list.iter().enumerate() {
        let number = i + 1;
        let geom = match f.get("geometry") {
            None | Some(Value::Null) => None,
            Some(g) => Some(
                geometry(g).map_err(|m| err(number, "geometry", format!("要素 #{number}：{m}")))?,
            ),
        };
        let attrs: Vec<(String, Value)> = match f.get("properties") {
            Some(Value::Object(map)) => map.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            _ => Vec::new(),
        };
        for (k, _) in &attrs {
            if !fields.contains(k) {
                fields.push(k.clone());
            }
        }
        features.push(SourceFeature {
            number,
            geom,
            attrs,
        });
    }
    Ok(Layer {
        file: shown.to_owned(),
        crs,
        fields,
        features,
        notes: Vec::new(),
    })
}

fn crs_from_urn(name: &str) -> Result<Crs, String> {
    let upper = name.to_ascii_uppercase();
    if upper.ends_with("CRS84") {
        return Ok(Crs::Wgs84);
    }
    match upper.rsplit(':').next().and_then(|c| c.parse::<u32>().ok()) {
        Some(code) if upper.contains("EPSG") => Crs::from_epsg(code),
        _ => Crs::from_name(name),
    }
}

fn pos(v: &Value) -> Result<Pos, String> {
    match v.as_array().map(Vec::as_slice) {
        Some([x, y, ..]) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => Ok([x, y]),
            _ => Err(format!("坐标必须是数字 [x, y]，实为 {v}")),
        },
        _ => Err(format!("坐标必须是数组 [x, y]，实为 {v}")),
    }
}

fn array(v: &Value) -> Result<&Vec<Value>, String> {
    v.as_array()
        .ok_or_else(|| "coordinates 的层次不对".to_owned())
}

fn line(v: &Value) -> Result<Vec<Pos>, String> {
    array(v)?.iter().map(pos).collect()
}

fn polygon(v: &Value) -> Result<Vec<Vec<Pos>>, String> {
    array(v)?.iter().map(line).collect()
}

fn geometry(g: &Value) -> Result<Geom, String> {
    let kind = g.get("type").and_then(Value::as_str).unwrap_or("");
    let c = g.get("coordinates").ok_or("缺少 coordinates")?;
    Ok(match kind {
        "Point" => Geom::Point(pos(c)?),
        "MultiPoint" => Geom::MultiPoint(line(c)?),
        "LineString" => Geom::LineString(line(c)?),
        "MultiLineString" => Geom::MultiLineString(polygon(c)?),
        "Polygon" => Geom::Polygon(polygon(c)?),
        "MultiPolygon" => {
            Geom::MultiPolygon(array(c)?.iter().map(polygon).collect::<Result<_, _>>()?)
        }
        other => return Err(format!("不支持的几何类型 {other:?}")),
    })
}
