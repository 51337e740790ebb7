//! A layer as read from a delivery file, before mapping: its features (geometry in the source
//! system, attributes as JSON values), its declared coordinate system and what the reader noted
//! (e.g. the attribute encoding it used), plus the file helpers the readers share.
//!
//! Invariants: features are numbered from 1 in file order (the number is the `line` of every
//! [`DataFileError`] about them); no file larger than the configured cap is read.

use super::crs::Crs;
use super::geom::Geom;
use gridcase_core::error::DataFileError;
use serde_json::Value;
use std::path::Path;

/// One feature of a source layer.
#[derive(Clone, Debug)]
pub struct SourceFeature {
    /// 1-based number in the layer.
    pub number: usize,
    /// The geometry, `None` for a null shape.
    pub geom: Option<Geom>,
    /// Attributes by field name, in the layer's field order.
    pub attrs: Vec<(String, Value)>,
}

impl SourceFeature {
    /// The attribute `field` (exact name first, then ignoring ASCII case).
    pub fn attr(&self, field: &str) -> Option<&Value> {
        self.attrs
            .iter()
            .find(|(k, _)| k == field)
            .or_else(|| {
                self.attrs
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(field))
            })
            .map(|(_, v)| v)
    }
}

/// A layer read from a file.
#[derive(Clone, Debug)]
pub struct Layer {
    /// How errors name the file (e.g. `单元网格.shp`, `delivery.gpkg:cells`).
    pub file: String,
    /// The coordinate system the file declares: `None` when it declares none, `Some(Err)` when
    /// it declares one that is refused.
    pub crs: Option<Result<Crs, String>>,
    /// The attribute names.
    pub fields: Vec<String>,
    /// The features, in file order.
    pub features: Vec<SourceFeature>,
    /// Notes for the import log (e.g. "属性编码 GBK（.cpg: 936）").
    pub notes: Vec<String>,
}

impl Layer {
    /// Whether the layer has this field (exact, then ignoring ASCII case).
    pub fn has_field(&self, field: &str) -> bool {
        self.fields
            .iter()
            .any(|f| f == field || f.eq_ignore_ascii_case(field))
    }
}

/// Reads a whole file, refusing one larger than `max_bytes`.
pub fn read_capped(path: &Path, shown: &str, max_bytes: u64) -> Result<Vec<u8>, DataFileError> {
    let meta = std::fs::metadata(path).map_err(|e| missing(shown, &e))?;
    if meta.len() > max_bytes {
        return Err(DataFileError::new(
            shown,
            0,
            "(file)",
            format!(
                "文件 {} 字节，超过上限 {max_bytes} 字节（gis.toml 的 max_file_mb）",
                meta.len()
            ),
        ));
    }
    std::fs::read(path).map_err(|e| missing(shown, &e))
}

fn missing(shown: &str, e: &std::io::Error) -> DataFileError {
    let message = if e.kind() == std::io::ErrorKind::NotFound {
        "文件不存在 / file not found".to_owned()
    } else {
        format!("无法读取：{e}")
    };
    DataFileError::new(shown, 0, "(file)", message)
}
