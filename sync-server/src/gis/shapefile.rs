//! Shapefile reader: `.shp` + `.shx` + `.dbf` (all required), `.prj` (the coordinate system as
//! ESRI WKT; may be missing only when `gis.toml` names the system) and `.cpg` (the attribute
//! encoding).
//!
//! Attribute text: `.cpg` saying GBK / 936 / CP936 / GB2312 / GB18030 → GBK; UTF-8 / 65001 →
//! UTF-8; an encoding in `gis.toml` wins; with neither, UTF-8 is tried first (strictly) and GBK
//! when the text is not valid UTF-8, and the import log says which was used.
//!
//! Invariants: the three files are read whole under the size cap and parsed from memory by the
//! `shapefile`/`dbase` crates (which bound their allocations by what the file holds); the
//! `.shp` and `.dbf` must have the same number of records; a bad record is an error naming the
//! file and the record number, never a panic.

use super::crs::Crs;
use super::geom::{Geom, Pos};
use super::layer::{Layer, SourceFeature, read_capped};
use gridcase_core::error::DataFileError;
use serde_json::Value;
use shapefile::dbase::{self, FieldValue};
use shapefile::{PolygonRing, Shape, ShapeReader};
use std::io::Cursor;
use std::path::{Path, PathBuf};

/// Attribute text encodings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextEncoding {
    /// UTF-8.
    Utf8,
    /// GBK (code page 936; decoded as GB18030, its superset).
    Gbk,
}

impl TextEncoding {
    /// Parses a `.cpg` text or a `gis.toml` value.
    pub fn parse(text: &str) -> Option<TextEncoding> {
        let t: String = text
            .trim()
            .trim_start_matches('\u{feff}')
            .to_ascii_uppercase()
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-' && *c != '_')
            .collect();
        match t.as_str() {
            "GBK" | "936" | "CP936" | "ANSI936" | "GB2312" | "GB18030" | "WINDOWS936" => {
                Some(TextEncoding::Gbk)
            }
            "UTF8" | "65001" | "CP65001" => Some(TextEncoding::Utf8),
            _ => None,
        }
    }

    fn label(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Gbk => "GBK",
        }
    }
}

/// A sibling file with another extension (`x.shp` → `x.dbf` or `x.DBF`).
fn sibling(shp: &Path, ext: &str) -> Option<PathBuf> {
    [ext.to_ascii_lowercase(), ext.to_ascii_uppercase()]
        .into_iter()
        .map(|e| shp.with_extension(e))
        .find(|p| p.exists())
}

/// Reads the shapefile `shp` (shown in errors as `shown`).
pub fn read(
    shp: &Path,
    shown: &str,
    encoding: Option<TextEncoding>,
    max_bytes: u64,
) -> Result<Layer, DataFileError> {
    let err = |line: usize, field: &str, m: String| DataFileError::new(shown, line, field, m);
    let stem = shown.rsplit_once('.').map_or(shown, |(s, _)| s).to_owned();
    let need = |ext: &str| {
        sibling(shp, ext).ok_or_else(|| {
            err(
                0,
                "(file)",
                format!("缺少 {stem}.{ext}：Shapefile 需要 .shp、.shx、.dbf 三个文件（以及 .prj）"),
            )
        })
    };
    let shp_bytes = read_capped(shp, shown, max_bytes)?;
    let shx_bytes = read_capped(&need("shx")?, &format!("{stem}.shx"), max_bytes)?;
    let dbf_path = need("dbf")?;
    let dbf_bytes = read_capped(&dbf_path, &format!("{stem}.dbf"), max_bytes)?;
    let mut notes = Vec::new();
    let crs = match sibling(shp, "prj") {
        Some(p) => {
            let bytes = read_capped(&p, &format!("{stem}.prj"), 1 << 20)?;
            Some(Crs::from_wkt(&String::from_utf8_lossy(&bytes)))
        }
        None => None,
    };
    let cpg = match sibling(shp, "cpg") {
        Some(p) => Some(
            String::from_utf8_lossy(&read_capped(&p, &format!("{stem}.cpg"), 4096)?).into_owned(),
        ),
        None => None,
    };
    let encodings = match (encoding, &cpg) {
        (Some(e), _) => {
            notes.push(format!("属性编码 {}（gis.toml）", e.label()));
            vec![e]
        }
        (None, Some(text)) => {
            let e = TextEncoding::parse(text).ok_or_else(|| {
                err(
                    0,
                    "encoding",
                    format!(
                        "{stem}.cpg 的编码 {:?} 不支持：只接受 GBK（936）或 UTF-8；可在 gis.toml 写 encoding",
                        text.trim()
                    ),
                )
            })?;
            notes.push(format!("属性编码 {}（.cpg: {}）", e.label(), text.trim()));
            vec![e]
        }
        (None, None) => vec![TextEncoding::Utf8, TextEncoding::Gbk],
    };
    let dbf_shown = format!("{stem}.dbf");
    let mut records = None;
    let mut last_error = None;
    for (i, &e) in encodings.iter().enumerate() {
        match read_dbf(&dbf_bytes, &dbf_shown, e) {
            Ok(r) => {
                if cpg.is_none() && encoding.is_none() {
                    notes.push(format!(
                        "属性编码 {}（无 .cpg：{}）",
                        e.label(),
                        if i == 0 {
                            "按 UTF-8 读取成功"
                        } else {
                            "不是有效 UTF-8，按 GBK 读取"
                        }
                    ));
                }
                records = Some(r);
                break;
            }
            Err(error) => last_error = Some(error),
        }
    }
    let (fields, records) = match records {
        Some(r) => r,
        None => return Err(last_error.unwrap_or_else(|| err(0, "(file)", "无法读取".into()))),
    };
    let mut reader = ShapeReader::with_shx(Cursor::new(shp_bytes), Cursor::new(shx_bytes))
        .map_err(|e| err(0, "(file)", format!("不是有效的 .shp/.shx：{e}")))?;
    let mut features = Vec::with_capacity(records.len().min(1 << 20));
    let mut attrs = records.into_iter();
    for (i, shape) in reader.iter_shapes().enumerate() {
        let number = i + 1;
        let shape =
            shape.map_err(|e| err(number, "geometry", format!("记录 #{number} 无法读取：{e}")))?;
        let geom = convert_shape(shape)
            .map_err(|m| err(number, "geometry", format!("记录 #{number}：{m}")))?;
        let attrs = attrs.next().ok_or_else(|| {
            err(
                number,
                "(file)",
                format!("{stem}.dbf 的记录比 .shp 少（缺记录 #{number}）"),
            )
        })?;
        features.push(SourceFeature {
            number,
            geom,
            attrs,
        });
    }
    if attrs.next().is_some() {
        return Err(err(
            features.len() + 1,
            "(file)",
            format!(
                "{stem}.dbf 的记录比 .shp 多（.shp 有 {} 条）",
                features.len()
            ),
        ));
    }
    Ok(Layer {
        file: shown.to_owned(),
        crs,
        fields,
        features,
        notes,
    })
}

type Attrs = Vec<(String, Value)>;

fn read_dbf(
    bytes: &[u8],
    shown: &str,
    encoding: TextEncoding,
) -> Result<(Vec<String>, Vec<Attrs>), DataFileError> {
    let err = |line: usize, m: String| DataFileError::new(shown, line, "(file)", m);
    let builder = dbase::ReaderBuilder::new();
    let builder = match encoding {
        TextEncoding::Utf8 => builder.with_encoding(dbase::encoding::Unicode),
        TextEncoding::Gbk => {
            builder.with_encoding(dbase::encoding::EncodingRs::from(encoding_rs::GB18030))
        }
    };
    let mut reader = builder
        .build(Cursor::new(bytes))
        .map_err(|e| err(0, format!("不是有效的 .dbf（{}）：{e}", encoding.label())))?;
    let fields: Vec<String> = reader
        .fields()
        .iter()
        .map(|f| f.name().to_owned())
        .collect();
    let mut out = Vec::new();
    for (i, record) in reader.iter_records().enumerate() {
        let record = record.map_err(|e| {
            err(
                i + 1,
                format!("记录 #{} 无法按 {} 读取：{e}", i + 1, encoding.label()),
            )
        })?;
        let mut map: std::collections::HashMap<String, FieldValue> = record.into_iter().collect();
        let attrs = fields
            .iter()
            .map(|name| (name.clone(), map.remove(name).map_or(Value::Null, value)))
            .collect();
        out.push(attrs);
    }
    Ok((fields, out))
}

fn value(v: FieldValue) -> Value {
    let number = |f: f64| {
        if f.fract() == 0.0 && f.abs() < 9.0e15 {
            Value::from(f as i64)
        } else {
            serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
        }
    };
    match v {
        FieldValue::Character(s) => s.map_or(Value::Null, |s| Value::String(s.trim().to_owned())),
        FieldValue::Memo(s) => Value::String(s.trim().to_owned()),
        FieldValue::Numeric(n) => n.map_or(Value::Null, number),
        FieldValue::Float(n) => n.map_or(Value::Null, |f| number(f64::from(f))),
        FieldValue::Integer(n) => Value::from(n),
        FieldValue::Double(f) | FieldValue::Currency(f) => number(f),
        FieldValue::Logical(b) => b.map_or(Value::Null, Value::Bool),
        FieldValue::Date(d) => d.map_or(Value::Null, |d| {
            Value::String(format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()))
        }),
        FieldValue::DateTime(_) => Value::Null,
    }
}

fn xy<P: Copy>(points: &[P], f: impl Fn(P) -> Pos) -> Vec<Pos> {
    points.iter().map(|&p| f(p)).collect()
}

/// Groups rings into polygons: each outer ring starts a polygon, inner rings join the last one.
fn polygons<P: Copy>(rings: &[PolygonRing<P>], f: impl Fn(P) -> Pos) -> Result<Geom, String> {
    let mut out: Vec<Vec<Vec<Pos>>> = Vec::new();
    for ring in rings {
        match ring {
            PolygonRing::Outer(points) => out.push(vec![xy(points, &f)]),
            PolygonRing::Inner(points) => match out.last_mut() {
                Some(p) => p.push(xy(points, &f)),
                None => return Err("面的内环（洞）出现在任何外环之前".into()),
            },
        }
    }
    Ok(match out.len() {
        0 => return Err("面没有环".into()),
        1 => Geom::Polygon(out.remove(0)),
        _ => Geom::MultiPolygon(out),
    })
}

fn lines(parts: &[Vec<Pos>]) -> Geom {
    if parts.len() == 1 {
        Geom::LineString(parts[0].clone())
    } else {
        Geom::MultiLineString(parts.to_vec())
    }
}

fn convert_shape(shape: Shape) -> Result<Option<Geom>, String> {
    let p = |p: shapefile::Point| [p.x, p.y];
    let pm = |p: shapefile::PointM| [p.x, p.y];
    let pz = |p: shapefile::PointZ| [p.x, p.y];
    Ok(Some(match shape {
        Shape::NullShape => return Ok(None),
        Shape::Point(pt) => Geom::Point(p(pt)),
        Shape::PointM(pt) => Geom::Point(pm(pt)),
        Shape::PointZ(pt) => Geom::Point(pz(pt)),
        Shape::Multipoint(m) => Geom::MultiPoint(xy(m.points(), p)),
        Shape::MultipointM(m) => Geom::MultiPoint(xy(m.points(), pm)),
        Shape::MultipointZ(m) => Geom::MultiPoint(xy(m.points(), pz)),
        Shape::Polyline(l) => lines(&l.parts().iter().map(|q| xy(q, p)).collect::<Vec<_>>()),
        Shape::PolylineM(l) => lines(&l.parts().iter().map(|q| xy(q, pm)).collect::<Vec<_>>()),
        Shape::PolylineZ(l) => lines(&l.parts().iter().map(|q| xy(q, pz)).collect::<Vec<_>>()),
        Shape::Polygon(g) => polygons(g.rings(), p)?,
        Shape::PolygonM(g) => polygons(g.rings(), pm)?,
        Shape::PolygonZ(g) => polygons(g.rings(), pz)?,
        Shape::Multipatch(_) => return Err("不支持 Multipatch（三维面片）".into()),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpg_texts() {
        for t in ["GBK", "936", "CP936", "cp936\n", "GB2312", "ANSI 936"] {
            assert_eq!(TextEncoding::parse(t), Some(TextEncoding::Gbk), "{t}");
        }
        for t in ["UTF-8", "utf8", "65001"] {
            assert_eq!(TextEncoding::parse(t), Some(TextEncoding::Utf8), "{t}");
        }
        assert_eq!(TextEncoding::parse("1252"), None);
    }
}
