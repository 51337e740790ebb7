//! From a delivery to the tenant's canonical layers: reads every source `gis.toml` names, picks
//! its coordinate system (the mapping's, else the file's; a file with none is refused), checks
//! and converts every geometry to WGS84, maps the attributes, and builds the canonical GeoJSON
//! texts (see docs/data-formats.md and the issue-13 layer contract).
//!
//! Invariants: everything is converted and checked in memory first (the cells, components and
//! places texts also through core's own parsers); only then are the files written, each through
//! a temporary file and a rename, so a failing delivery writes nothing. Errors name the source
//! file, the 1-based feature number (as the `line`) and the field.

use super::crs::Crs;
use super::geom::Geom;
use super::layer::{Layer, SourceFeature};
use super::mapping::{FILE, LayerMap, Mapping, ROAD_CLASSES, Target};
use super::shapefile::TextEncoding;
use super::{geojson, gpkg, shapefile};
use gridcase_core::codes::{ComponentId, GridCode};
use gridcase_core::error::DataFileError;
use gridcase_core::grid::{ComponentIndex, ComponentState, GridIndex, PlaceLayer};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::path::Path;

/// What the conversion of one source did, for the import log.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct LayerLog {
    /// The canonical file it fed (`cells.geojson` …).
    pub target: String,
    /// The source (`grid.shp`, `delivery.gpkg:grid` …).
    pub source: String,
    /// Features converted.
    pub features: usize,
    /// The coordinate system used and where it came from.
    pub crs: String,
    /// Other notes (attribute encoding …).
    pub notes: Vec<String>,
}

impl std::fmt::Display for LayerLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ← {}：{} 个要素，坐标系 {}",
            self.target, self.source, self.features, self.crs
        )?;
        for n in &self.notes {
            write!(f, "，{n}")?;
        }
        Ok(())
    }
}

/// The converted delivery: canonical files and the log.
#[derive(Clone, Debug, Default)]
pub struct Converted {
    /// `(file name, GeoJSON text)`, one per target that had a source.
    pub files: Vec<(&'static str, String)>,
    /// One entry per source.
    pub log: Vec<LayerLog>,
}

/// Converts the delivery described by `dir/gis.toml`; `Ok(None)` when there is no mapping.
pub fn convert_dir(dir: &Path) -> Result<Option<Converted>, DataFileError> {
    let text = match std::fs::read_to_string(dir.join(FILE)) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(DataFileError::new(
                FILE,
                0,
                "(file)",
                format!("无法读取：{e}"),
            ));
        }
    };
    let mapping = Mapping::parse(&text)?;
    convert(dir, &mapping).map(Some)
}

/// Writes the converted files into `dir` (each through `<name>.tmp` and a rename).
pub fn write(dir: &Path, converted: &Converted) -> std::io::Result<()> {
    for (name, text) in &converted.files {
        let tmp = dir.join(format!("{name}.tmp"));
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, dir.join(name))?;
    }
    Ok(())
}

/// Converts with a parsed mapping.
pub fn convert(dir: &Path, mapping: &Mapping) -> Result<Converted, DataFileError> {
    let max_bytes = mapping.max_file_mb.saturating_mul(1 << 20);
    let mut out: BTreeMap<&'static str, Vec<Value>> = BTreeMap::new();
    let mut road_places = Vec::new();
    let mut log = Vec::new();
    for (target, map) in &mapping.layers {
        let layer = read_source(dir, mapping, map, max_bytes)?;
        let (crs, origin) = choose_crs(mapping, map, &layer)?;
        let to_wgs84 = crs
            .to_wgs84()
            .map_err(|m| DataFileError::new(&layer.file, 0, "crs", m))?;
        for field in attribute_fields(map) {
            if !layer.has_field(field) {
                return Err(DataFileError::new(
                    &layer.file,
                    0,
                    field,
                    format!(
                        "gis.toml [{}] 指定的属性 {field:?} 在图层中不存在（有：{}）",
                        target.key(),
                        layer.fields.join("、")
                    ),
                ));
            }
        }
        let features = out.entry(target.file()).or_default();
        let before = features.len();
        for f in &layer.features {
            let ctx = Ctx {
                file: &layer.file,
                f,
            };
            let geom = f
                .geom
                .as_ref()
                .ok_or_else(|| ctx.error("geometry", "空几何（null shape）".into()))?
                .to_wgs84(&to_wgs84)
                .map_err(|m| ctx.error("geometry", m))?;
            let geom = round(geom);
            let made = match target {
                Target::Cells => vec![cell(&ctx, map, geom)?],
                Target::Components => vec![component(&ctx, map, geom)?],
                Target::Places => vec![place(&ctx, map, geom)?],
                Target::Roads => {
                    let road = road(&ctx, map, geom)?;
                    road_places.extend(named_road_lines(&road));
                    vec![road]
                }
                Target::Buildings | Target::Green => vec![area(&ctx, map, geom, false)?],
                Target::Water => vec![area(&ctx, map, geom, true)?],
                Target::Boundaries => vec![boundary(&ctx, map, geom)?],
            };
            features.extend(made);
        }
        log.push(LayerLog {
            target: target.file().to_owned(),
            source: layer.file.clone(),
            features: features.len() - before,
            crs: format!("{}（{origin}）", crs.label()),
            notes: layer.notes.clone(),
        });
    }
    if !road_places.is_empty() {
        out.entry(Target::Places.file())
            .or_default()
            .extend(road_places);
    }
    let mut files = Vec::new();
    for (name, features) in out {
        let text = collection(&features);
        match name {
            "cells.geojson" => drop(GridIndex::from_geojson(name, &text)?),
            "components.geojson" => drop(ComponentIndex::from_geojson(name, &text)?),
            "places.geojson" => drop(PlaceLayer::from_geojson(name, &text)?),
            _ => {}
        }
        files.push((name, text));
    }
    Ok(Converted { files, log })
}

fn read_source(
    dir: &Path,
    mapping: &Mapping,
    map: &LayerMap,
    max_bytes: u64,
) -> Result<Layer, DataFileError> {
    let path = dir.join(&map.file);
    let shown = map.file.as_str();
    let ext = Path::new(shown)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "shp" => {
            let encoding = match map.encoding.as_ref().or(mapping.encoding.as_ref()) {
                None => None,
                Some(e) => Some(TextEncoding::parse(e).ok_or_else(|| {
                    DataFileError::new(
                        FILE,
                        0,
                        "encoding",
                        format!("编码 {e:?} 不支持：只接受 gbk 或 utf-8"),
                    )
                })?),
            };
            shapefile::read(&path, shown, encoding, max_bytes)
        }
        "gpkg" => gpkg::read(&path, shown, map.layer.as_deref(), max_bytes),
        "geojson" | "json" => geojson::read(&path, shown, max_bytes),
        "gdb" => Err(DataFileError::new(
            shown,
            0,
            "(file)",
            "不直接读取 ArcGIS 文件地理数据库（.gdb）：请用 ogr2ogr 转为 GeoPackage（见 docs/data-formats.md）",
        )),
        _ => Err(DataFileError::new(
            shown,
            0,
            "(file)",
            "只接受 .shp、.gpkg、.geojson 文件",
        )),
    }
}

fn choose_crs(
    mapping: &Mapping,
    map: &LayerMap,
    layer: &Layer,
) -> Result<(Crs, &'static str), DataFileError> {
    let named = map
        .crs
        .as_ref()
        .map(|c| (c, "gis.toml 图层"))
        .or(mapping.crs.as_ref().map(|c| (c, "gis.toml")));
    if let Some((name, origin)) = named {
        return Crs::from_name(name)
            .map(|c| (c, origin))
            .map_err(|m| DataFileError::new(FILE, 0, "crs", m));
    }
    match &layer.crs {
        Some(Ok(c)) => Ok((c.clone(), "文件声明")),
        Some(Err(m)) => Err(DataFileError::new(&layer.file, 0, "crs", m.clone())),
        None => Err(DataFileError::new(
            &layer.file,
            0,
            "crs",
            "缺少坐标系：没有 .prj 文件，gis.toml 也没有写 crs（例如 crs = \"EPSG:4523\"）",
        )),
    }
}

fn attribute_fields(map: &LayerMap) -> Vec<&str> {
    [
        &map.code,
        &map.street,
        &map.community,
        &map.departments,
        &map.id,
        &map.kind,
        &map.name,
        &map.owner,
        &map.maintainer,
        &map.state,
        &map.cell,
        &map.class,
        &map.level,
    ]
    .into_iter()
    .flatten()
    .map(String::as_str)
    .collect()
}

/// A feature being mapped, for errors.
struct Ctx<'a> {
    file: &'a str,
    f: &'a SourceFeature,
}

impl Ctx<'_> {
    fn error(&self, field: &str, message: String) -> DataFileError {
        DataFileError::new(
            self.file,
            self.f.number,
            field,
            format!("要素 #{}：{message}", self.f.number),
        )
    }

    /// The attribute as text (numbers written as integers when whole), `None` when empty.
    fn text(&self, field: &Option<String>) -> Option<String> {
        let v = self.f.attr(field.as_deref()?)?;
        let s = match v {
            Value::String(s) => s.trim().to_owned(),
            Value::Number(n) => match (n.as_i64(), n.as_f64()) {
                (Some(i), _) => i.to_string(),
                (None, Some(f)) => f.to_string(),
                _ => n.to_string(),
            },
            Value::Bool(b) => b.to_string(),
            _ => return None,
        };
        (!s.is_empty()).then_some(s)
    }

    fn required(&self, field: &Option<String>) -> Result<String, DataFileError> {
        let name = field.as_deref().unwrap_or("");
        self.text(field)
            .ok_or_else(|| self.error(name, format!("属性 {name} 为空")))
    }

    fn wrong_geometry(&self, geom: &Geom, expected: &str) -> DataFileError {
        self.error("geometry", format!("应为 {expected}，实为 {}", geom.name()))
    }
}

fn feature(properties: Map<String, Value>, geom: &Geom) -> Value {
    json!({ "type": "Feature", "properties": properties, "geometry": geom.to_json() })
}

fn props(pairs: &[(&str, Value)]) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

fn round(g: Geom) -> Geom {
    let r = |p: [f64; 2]| [(p[0] * 1e8).round() / 1e8, (p[1] * 1e8).round() / 1e8];
    let line = |l: Vec<[f64; 2]>| l.into_iter().map(r).collect::<Vec<_>>();
    let poly = |p: Vec<Vec<[f64; 2]>>| p.into_iter().map(line).collect::<Vec<_>>();
    match g {
        Geom::Point(p) => Geom::Point(r(p)),
        Geom::MultiPoint(ps) => Geom::MultiPoint(line(ps)),
        Geom::LineString(l) => Geom::LineString(line(l)),
        Geom::MultiLineString(ls) => Geom::MultiLineString(poly(ls)),
        Geom::Polygon(p) => Geom::Polygon(poly(p)),
        Geom::MultiPolygon(ps) => Geom::MultiPolygon(ps.into_iter().map(poly).collect()),
    }
}

fn cell(ctx: &Ctx<'_>, map: &LayerMap, geom: Geom) -> Result<Value, DataFileError> {
    if !matches!(geom, Geom::Polygon(_) | Geom::MultiPolygon(_)) {
        return Err(ctx.wrong_geometry(&geom, "Polygon 或 MultiPolygon"));
    }
    let field = map.code.as_deref().unwrap_or("");
    let code = ctx.required(&map.code)?;
    if code.len() != 15 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ctx.error(field, format!("单元网格编码 {code:?} 不是 15 位数字")));
    }
    GridCode::parse(&code).map_err(|e| ctx.error(field, e.to_string()))?;
    let departments: Vec<Value> = ctx
        .text(&map.departments)
        .map(|t| {
            t.split(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | ';' | '、'))
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let p = props(&[
        ("code", Value::String(code)),
        ("street", Value::String(ctx.required(&map.street)?)),
        ("community", Value::String(ctx.required(&map.community)?)),
        ("departments", Value::Array(departments)),
    ]);
    Ok(feature(p, &geom))
}

fn component(ctx: &Ctx<'_>, map: &LayerMap, geom: Geom) -> Result<Value, DataFileError> {
    let geom = match geom {
        Geom::MultiPoint(ps) if ps.len() == 1 => Geom::Point(ps[0]),
        g @ Geom::Point(_) => g,
        other => return Err(ctx.wrong_geometry(&other, "Point")),
    };
    let id_field = map.id.as_deref().unwrap_or("");
    let raw = ctx.required(&map.id)?;
    let id = ComponentId::parse(&raw).map_err(|e| {
        let hint = if matches!(ctx.f.attr(id_field), Some(Value::Number(_))) {
            "（部件编码应以文本字段保存：数值字段会丢失 16 位以上的数字）"
        } else {
            ""
        };
        ctx.error(id_field, format!("部件编码 {raw:?} 无效：{e}{hint}"))
    })?;
    if let Some(t) = ctx.text(&map.kind)
        && t != id.type_code().as_str()
    {
        let field = map.kind.as_deref().unwrap_or("");
        return Err(ctx.error(
            field,
            format!("部件类型 {t:?} 与编码中的类型 {} 不符", id.type_code()),
        ));
    }
    let mut p = props(&[
        ("id", Value::String(id.to_string())),
        ("type", Value::String(id.type_code().as_str().to_owned())),
        ("owner", Value::String(ctx.required(&map.owner)?)),
        ("maintainer", Value::String(ctx.required(&map.maintainer)?)),
    ]);
    if let Some(name) = ctx.text(&map.name) {
        p.insert("name".into(), Value::String(name));
    }
    if let Some(s) = ctx.text(&map.state) {
        let mapped = map
            .state_map
            .as_ref()
            .and_then(|m| m.get(&s))
            .cloned()
            .unwrap_or(s.clone());
        let state = ComponentState::parse(&mapped).ok_or_else(|| {
            ctx.error(
                map.state.as_deref().unwrap_or(""),
                format!("部件状态 {s:?} 未知（可用 state_map 映射）"),
            )
        })?;
        p.insert("state".into(), Value::String(state.as_str().to_owned()));
    }
    if let Some(c) = ctx.text(&map.cell) {
        GridCode::parse(&c)
            .map_err(|e| ctx.error(map.cell.as_deref().unwrap_or(""), e.to_string()))?;
        p.insert("cell".into(), Value::String(c));
    }
    Ok(feature(p, &geom))
}

fn place(ctx: &Ctx<'_>, map: &LayerMap, geom: Geom) -> Result<Value, DataFileError> {
    let geom = match geom {
        Geom::MultiPoint(ps) if ps.len() == 1 => Geom::Point(ps[0]),
        g @ Geom::Point(_) => g,
        other => return Err(ctx.wrong_geometry(&other, "Point（道路请映射到 [roads]）")),
    };
    let p = props(&[
        ("name", Value::String(ctx.required(&map.name)?)),
        ("kind", Value::String("place".into())),
    ]);
    Ok(feature(p, &geom))
}

fn road(ctx: &Ctx<'_>, map: &LayerMap, geom: Geom) -> Result<Value, DataFileError> {
    if !matches!(geom, Geom::LineString(_) | Geom::MultiLineString(_)) {
        return Err(ctx.wrong_geometry(&geom, "LineString 或 MultiLineString"));
    }
    let field = map.class.as_deref().unwrap_or("");
    let raw = ctx.required(&map.class)?;
    let class = map
        .class_map
        .as_ref()
        .and_then(|m| m.get(&raw))
        .cloned()
        .unwrap_or(raw.clone());
    if !ROAD_CLASSES.contains(&class.as_str()) {
        return Err(ctx.error(
            field,
            format!(
                "道路等级 {raw:?} 未知：请在 class_map 中映射为 primary/secondary/branch/alley"
            ),
        ));
    }
    let p = props(&[
        (
            "name",
            Value::String(ctx.text(&map.name).unwrap_or_default()),
        ),
        ("class", Value::String(class)),
    ]);
    Ok(feature(p, &geom))
}

/// The `places.geojson` lines of a named road (one LineString per part).
fn named_road_lines(road: &Value) -> Vec<Value> {
    let name = road["properties"]["name"].as_str().unwrap_or("");
    if name.is_empty() {
        return Vec::new();
    }
    let coords = &road["geometry"]["coordinates"];
    let parts: Vec<&Value> = match road["geometry"]["type"].as_str() {
        Some("LineString") => vec![coords],
        Some("MultiLineString") => coords
            .as_array()
            .map(|a| a.iter().collect())
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    parts
        .into_iter()
        .map(|c| {
            json!({ "type": "Feature", "properties": { "name": name, "kind": "road" },
                    "geometry": { "type": "LineString", "coordinates": c } })
        })
        .collect()
}

fn area(
    ctx: &Ctx<'_>,
    map: &LayerMap,
    geom: Geom,
    lines_too: bool,
) -> Result<Value, DataFileError> {
    let ok = match geom {
        Geom::Polygon(_) | Geom::MultiPolygon(_) => true,
        Geom::LineString(_) | Geom::MultiLineString(_) => lines_too,
        _ => false,
    };
    if !ok {
        let expected = if lines_too {
            "Polygon、MultiPolygon 或 LineString"
        } else {
            "Polygon 或 MultiPolygon"
        };
        return Err(ctx.wrong_geometry(&geom, expected));
    }
    let mut p = Map::new();
    if let Some(name) = ctx.text(&map.name) {
        p.insert("name".into(), Value::String(name));
    }
    Ok(feature(p, &geom))
}

fn boundary(ctx: &Ctx<'_>, map: &LayerMap, geom: Geom) -> Result<Value, DataFileError> {
    if !matches!(geom, Geom::Polygon(_) | Geom::MultiPolygon(_)) {
        return Err(ctx.wrong_geometry(&geom, "Polygon 或 MultiPolygon"));
    }
    let level_field = map.level.as_deref().unwrap_or("");
    let raw = ctx.required(&map.level)?;
    let level = map
        .level_map
        .as_ref()
        .and_then(|m| m.get(&raw))
        .cloned()
        .unwrap_or(raw.clone());
    let digits = match level.as_str() {
        "street" => 9,
        "community" => 12,
        _ => {
            return Err(ctx.error(
                level_field,
                format!("边界级别 {raw:?} 未知：请在 level_map 中映射为 street 或 community"),
            ));
        }
    };
    let code_field = map.code.as_deref().unwrap_or("");
    let code = ctx.required(&map.code)?;
    if code.len() != digits || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ctx.error(
            code_field,
            format!("{level} 边界编码 {code:?} 应为 {digits} 位数字"),
        ));
    }
    let p = props(&[
        ("level", Value::String(level)),
        ("code", Value::String(code)),
        ("name", Value::String(ctx.required(&map.name)?)),
    ]);
    Ok(feature(p, &geom))
}

fn collection(features: &[Value]) -> String {
    let mut out = String::from(
        "{\"type\":\"FeatureCollection\",\"name\":\"converted from the county GIS delivery by gridcase (gis.toml)\",\"features\":[\n",
    );
    for (i, f) in features.iter().enumerate() {
        if i > 0 {
            out.push_str(",\n");
        }
        out.push_str(&f.to_string());
    }
    out.push_str("\n]}\n");
    out
}
