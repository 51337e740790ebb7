//! GeoPackage reader (an SQLite file, OGC 12-128): one feature table, its geometry column
//! (GeoPackage binary header + WKB) and its coordinate system from `gpkg_geometry_columns` and
//! `gpkg_spatial_ref_sys` (organization EPSG and its id, else the WKT definition).
//!
//! Invariants: the file must start with the SQLite header and is opened read-only (never
//! created, never written); it is refused over the size cap; table and column names come from
//! the file's own metadata and are quoted as identifiers; a table is chosen by `layer` in
//! `gis.toml`, or is the only feature table.

use super::crs::Crs;
use super::layer::{Layer, SourceFeature};
use super::wkb;
use gridcase_core::error::DataFileError;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use serde_json::Value;
use std::io::Read;
use std::path::Path;

fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

/// Reads the feature table `layer` (or the only one) of the GeoPackage at `path`.
pub fn read(
    path: &Path,
    shown: &str,
    layer: Option<&str>,
    max_bytes: u64,
) -> Result<Layer, DataFileError> {
    let err = |line: usize, field: &str, m: String| DataFileError::new(shown, line, field, m);
    let meta = std::fs::metadata(path).map_err(|e| err(0, "(file)", format!("无法读取：{e}")))?;
    if meta.len() > max_bytes {
        return Err(err(
            0,
            "(file)",
            format!(
                "文件 {} 字节，超过上限 {max_bytes} 字节（gis.toml 的 max_file_mb）",
                meta.len()
            ),
        ));
    }
    let mut head = [0u8; 16];
    let sqlite = std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok()
        && &head == b"SQLite format 3\0";
    if !sqlite {
        return Err(err(
            0,
            "(file)",
            "不是 GeoPackage 文件（不是 SQLite 数据库）".into(),
        ));
    }
    let db = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| err(0, "(file)", format!("无法打开 GeoPackage：{e}")))?;
    let sql = |e: rusqlite::Error| err(0, "(file)", format!("GeoPackage 元数据无效：{e}"));
    let tables: Vec<String> = db
        .prepare(
            "SELECT table_name FROM gpkg_contents WHERE data_type = 'features' ORDER BY table_name",
        )
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .map_err(sql)?;
    let table = match layer {
        Some(name) => tables.iter().find(|t| *t == name).cloned().ok_or_else(|| {
            err(
                0,
                "layer",
                format!(
                    "GeoPackage 中没有图层 {name:?}（有：{}）",
                    tables.join("、")
                ),
            )
        })?,
        None if tables.len() == 1 => tables[0].clone(),
        None => {
            return Err(err(
                0,
                "layer",
                format!(
                    "GeoPackage 有 {} 个图层（{}）：请在 gis.toml 写 layer",
                    tables.len(),
                    tables.join("、")
                ),
            ));
        }
    };
    let shown = format!("{shown}:{table}");
    let err = |line: usize, field: &str, m: String| DataFileError::new(&shown, line, field, m);
    let (geom_column, srs_id): (String, i64) = db
        .query_row(
            "SELECT column_name, srs_id FROM gpkg_geometry_columns WHERE table_name = ?1",
            [&table],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(|e| {
            err(
                0,
                "(file)",
                format!("gpkg_geometry_columns 中没有该图层：{e}"),
            )
        })?;
    let srs: Option<(String, i64, String)> = db
        .query_row(
            "SELECT organization, organization_coordsys_id, definition FROM gpkg_spatial_ref_sys WHERE srs_id = ?1",
            [srs_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .ok();
    let crs = match srs {
        Some((org, id, _)) if org.eq_ignore_ascii_case("epsg") => Some(
            u32::try_from(id)
                .map_err(|_| format!("EPSG:{id}"))
                .and_then(Crs::from_epsg),
        ),
        Some((_, _, def)) if !def.trim().is_empty() && def.trim() != "undefined" => {
            Some(Crs::from_wkt(&def))
        }
        _ => None,
    };
    let mut stmt = db
        .prepare(&format!("SELECT * FROM {}", quote(&table)))
        .map_err(|e| err(0, "(file)", format!("无法读取图层：{e}")))?;
    let columns: Vec<String> = stmt.column_names().into_iter().map(str::to_owned).collect();
    let geom_index = columns
        .iter()
        .position(|c| c.eq_ignore_ascii_case(&geom_column))
        .ok_or_else(|| err(0, "geometry", format!("图层没有几何列 {geom_column}")))?;
    let fields: Vec<String> = columns
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != geom_index)
        .map(|(_, c)| c.clone())
        .collect();
    let mut rows = stmt
        .query([])
        .map_err(|e| err(0, "(file)", format!("无法读取图层：{e}")))?;
    let mut features = Vec::new();
    while let Some(row) = rows
        .next()
        .map_err(|e| err(features.len() + 1, "(file)", format!("无法读取记录：{e}")))?
    {
        let number = features.len() + 1;
        let mut geom = None;
        let mut attrs = Vec::with_capacity(fields.len());
        for (i, name) in columns.iter().enumerate() {
            let v = row
                .get_ref(i)
                .map_err(|e| err(number, name, format!("要素 #{number}：{e}")))?;
            if i == geom_index {
                geom = match v {
                    ValueRef::Null => None,
                    ValueRef::Blob(b) => wkb::parse_gpkg(b)
                        .map_err(|m| err(number, "geometry", format!("要素 #{number}：{m}")))?,
                    _ => {
                        return Err(err(
                            number,
                            "geometry",
                            format!("要素 #{number}：几何不是二进制"),
                        ));
                    }
                };
                continue;
            }
            let value = match v {
                ValueRef::Null | ValueRef::Blob(_) => Value::Null,
                ValueRef::Integer(n) => Value::from(n),
                ValueRef::Real(f) => {
                    serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
                }
                ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).trim().to_owned()),
            };
            attrs.push((name.clone(), value));
        }
        features.push(SourceFeature {
            number,
            geom,
            attrs,
        });
    }
    Ok(Layer {
        file: shown.clone(),
        crs,
        fields,
        features,
        notes: Vec::new(),
    })
}
