//! The mapping file `gis.toml` of a tenant directory: which delivery file (and GeoPackage
//! layer) feeds each canonical layer, and which attribute holds what. Format and a full example:
//! docs/data-formats.md, "县区 GIS 数据交付".
//!
//! Invariants: unknown keys are refused (a typo never silently drops an attribute); each
//! target accepts only its own attribute keys and must name its required ones; file paths are
//! relative to the tenant directory and may not leave it; errors name `gis.toml` and the key.

use gridcase_core::error::DataFileError;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The file name.
pub const FILE: &str = "gis.toml";

/// Default cap on one delivery file, in MiB.
pub const DEFAULT_MAX_FILE_MB: u64 = 512;

/// The canonical layers, in the order they are converted.
pub const TARGETS: [Target; 8] = [
    Target::Cells,
    Target::Components,
    Target::Places,
    Target::Roads,
    Target::Buildings,
    Target::Water,
    Target::Green,
    Target::Boundaries,
];

/// A canonical layer of the tenant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    /// `cells.geojson`.
    Cells,
    /// `components.geojson`.
    Components,
    /// `places.geojson` (points; named roads are added from `roads`).
    Places,
    /// `roads.geojson`.
    Roads,
    /// `buildings.geojson`.
    Buildings,
    /// `water.geojson`.
    Water,
    /// `green.geojson`.
    Green,
    /// `boundaries.geojson`.
    Boundaries,
}

impl Target {
    /// The table name in `gis.toml`.
    pub fn key(self) -> &'static str {
        match self {
            Target::Cells => "cells",
            Target::Components => "components",
            Target::Places => "places",
            Target::Roads => "roads",
            Target::Buildings => "buildings",
            Target::Water => "water",
            Target::Green => "green",
            Target::Boundaries => "boundaries",
        }
    }

    /// The canonical file written.
    pub fn file(self) -> &'static str {
        match self {
            Target::Cells => "cells.geojson",
            Target::Components => "components.geojson",
            Target::Places => "places.geojson",
            Target::Roads => "roads.geojson",
            Target::Buildings => "buildings.geojson",
            Target::Water => "water.geojson",
            Target::Green => "green.geojson",
            Target::Boundaries => "boundaries.geojson",
        }
    }

    /// (required, optional) attribute keys.
    fn keys(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            Target::Cells => (&["code", "street", "community"], &["departments"]),
            Target::Components => (
                &["id", "owner", "maintainer"],
                &["type", "name", "state", "cell", "state_map"],
            ),
            Target::Places => (&["name"], &[]),
            Target::Roads => (&["class"], &["name", "class_map"]),
            Target::Buildings | Target::Water | Target::Green => (&[], &["name"]),
            Target::Boundaries => (&["level", "code", "name"], &["level_map"]),
        }
    }
}

/// One source of a target layer.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LayerMap {
    /// The delivery file, relative to the tenant directory (`.shp`, `.gpkg`, `.geojson`/`.json`).
    pub file: String,
    /// The GeoPackage table (needed when the file has several feature tables).
    pub layer: Option<String>,
    /// The coordinate system, overriding the file's (`EPSG:4523`, `gcj02` …).
    pub crs: Option<String>,
    /// The Shapefile attribute encoding, overriding the `.cpg` (`gbk`, `utf-8`).
    pub encoding: Option<String>,
    /// Cells: the 15-digit code; boundaries: the street (9) or community (12) code.
    pub code: Option<String>,
    /// Cells: the street (街道) name.
    pub street: Option<String>,
    /// Cells: the community (社区) name.
    pub community: Option<String>,
    /// Cells: the responsible department codes (separated by spaces, commas or 、).
    pub departments: Option<String>,
    /// Components: the 16/17-digit id.
    pub id: Option<String>,
    /// Components: the type code (checked against the id).
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// The name.
    pub name: Option<String>,
    /// Components: the owner (权属单位).
    pub owner: Option<String>,
    /// Components: the maintainer (养护单位).
    pub maintainer: Option<String>,
    /// Components: the state (完好/破损/…).
    pub state: Option<String>,
    /// Components: the cell code.
    pub cell: Option<String>,
    /// Roads: the class.
    pub class: Option<String>,
    /// Boundaries: the level.
    pub level: Option<String>,
    /// Roads: delivery value → `primary` | `secondary` | `branch` | `alley`.
    pub class_map: Option<BTreeMap<String, String>>,
    /// Boundaries: delivery value → `street` | `community`.
    pub level_map: Option<BTreeMap<String, String>>,
    /// Components: delivery value → `normal` | `damaged` | `missing` | `abandoned` | `removed`.
    pub state_map: Option<BTreeMap<String, String>>,
}

impl LayerMap {
    fn given(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        let mut add = |k: &'static str, set: bool| {
            if set {
                out.push(k);
            }
        };
        add("code", self.code.is_some());
        add("street", self.street.is_some());
        add("community", self.community.is_some());
        add("departments", self.departments.is_some());
        add("id", self.id.is_some());
        add("type", self.kind.is_some());
        add("name", self.name.is_some());
        add("owner", self.owner.is_some());
        add("maintainer", self.maintainer.is_some());
        add("state", self.state.is_some());
        add("cell", self.cell.is_some());
        add("class", self.class.is_some());
        add("level", self.level.is_some());
        add("class_map", self.class_map.is_some());
        add("level_map", self.level_map.is_some());
        add("state_map", self.state_map.is_some());
        out
    }
}

/// The whole mapping.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Mapping {
    /// The coordinate system of every file that names none itself.
    pub crs: Option<String>,
    /// The attribute encoding of every Shapefile that names none itself.
    pub encoding: Option<String>,
    /// The cap on one delivery file, in MiB.
    pub max_file_mb: u64,
    /// The sources of each target, in file order.
    pub layers: Vec<(Target, LayerMap)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Top {
    crs: Option<String>,
    encoding: Option<String>,
    max_file_mb: Option<u64>,
    cells: Option<toml::Value>,
    components: Option<toml::Value>,
    places: Option<toml::Value>,
    roads: Option<toml::Value>,
    buildings: Option<toml::Value>,
    water: Option<toml::Value>,
    green: Option<toml::Value>,
    boundaries: Option<toml::Value>,
}

fn line_of(text: &str, span: Option<std::ops::Range<usize>>) -> usize {
    span.map_or(0, |s| {
        text[..s.start.min(text.len())].matches('\n').count() + 1
    })
}

impl Mapping {
    /// Parses `gis.toml`.
    pub fn parse(text: &str) -> Result<Mapping, DataFileError> {
        let err = |line, field: &str, m: String| DataFileError::new(FILE, line, field, m);
        let top: Top = toml::from_str(text).map_err(|e| {
            err(
                line_of(text, e.span()),
                "(file)",
                format!("gis.toml 无效：{}", e.message()),
            )
        })?;
        let max_file_mb = top.max_file_mb.unwrap_or(DEFAULT_MAX_FILE_MB);
        if max_file_mb == 0 {
            return Err(err(0, "max_file_mb", "必须大于 0".into()));
        }
        let values = [
            top.cells,
            top.components,
            top.places,
            top.roads,
            top.buildings,
            top.water,
            top.green,
            top.boundaries,
        ];
        let mut layers = Vec::new();
        for (target, value) in TARGETS.into_iter().zip(values) {
            let Some(value) = value else { continue };
            let tables = match value {
                toml::Value::Array(items) => items,
                table @ toml::Value::Table(_) => vec![table],
                _ => {
                    return Err(err(
                        0,
                        target.key(),
                        format!("[{}] 必须是表或表数组", target.key()),
                    ));
                }
            };
            for (i, table) in tables.into_iter().enumerate() {
                let at = if i == 0 {
                    target.key().to_owned()
                } else {
                    format!("{}[{i}]", target.key())
                };
                let map = LayerMap::deserialize(table)
                    .map_err(|e| err(0, &at, format!("[{at}]：{}", e.message())))?;
                check(target, &map).map_err(|(key, m)| err(0, &format!("{at}.{key}"), m))?;
                layers.push((target, map));
            }
        }
        if layers.is_empty() {
            return Err(err(
                0,
                "(file)",
                "gis.toml 没有任何图层（[cells]、[components] …）".into(),
            ));
        }
        Ok(Mapping {
            crs: top.crs,
            encoding: top.encoding,
            max_file_mb,
            layers,
        })
    }
}

fn check(target: Target, map: &LayerMap) -> Result<(), (&'static str, String)> {
    let (required, optional) = target.keys();
    for key in map.given() {
        if !required.contains(&key) && !optional.contains(&key) {
            return Err((key, format!("[{}] 不使用 {key}", target.key())));
        }
    }
    let given = map.given();
    for key in required {
        if !given.contains(key) {
            return Err((
                key,
                format!("[{}] 必须写 {key}（哪一个属性是它）", target.key()),
            ));
        }
    }
    let file = map.file.trim();
    let path = std::path::Path::new(file);
    let escapes = path.is_absolute()
        || path
            .components()
            .any(|c| !matches!(c, std::path::Component::Normal(_)));
    if file.is_empty() || escapes {
        return Err(("file", format!("文件 {file:?} 必须是租户目录内的相对路径")));
    }
    // The conversion writes the canonical files: a source with one of their names would be
    // overwritten by its own conversion (and the next import would read the converted file).
    if TARGETS
        .iter()
        .any(|t| path == std::path::Path::new(t.file()))
    {
        return Err((
            "file",
            format!("交付文件不能叫 {file}（导入会生成同名文件）：请改名，例如 source_{file}"),
        ));
    }
    let canonical = |m: &Option<BTreeMap<String, String>>, allowed: &[&str], key| {
        for (from, to) in m.iter().flatten() {
            if !allowed.contains(&to.as_str()) {
                return Err((
                    key,
                    format!("{from:?} → {to:?}：只可映射为 {}", allowed.join("、")),
                ));
            }
        }
        Ok(())
    };
    canonical(&map.class_map, &ROAD_CLASSES, "class_map")?;
    canonical(&map.level_map, &["street", "community"], "level_map")?;
    canonical(
        &map.state_map,
        &["normal", "damaged", "missing", "abandoned", "removed"],
        "state_map",
    )?;
    Ok(())
}

/// The road classes of `roads.geojson`.
pub const ROAD_CLASSES: [&str; 4] = ["primary", "secondary", "branch", "alley"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_mapping_parses() {
        let m = Mapping::parse(
            "crs = \"EPSG:4523\"\n[cells]\nfile = \"grid.shp\"\ncode = \"BGID\"\nstreet = \"JD\"\ncommunity = \"SQ\"\n\
             [[components]]\nfile = \"a.shp\"\nid = \"ID\"\nowner = \"QS\"\nmaintainer = \"YH\"\n\
             [[components]]\nfile = \"b.gpkg\"\nlayer = \"b\"\nid = \"ID\"\nowner = \"QS\"\nmaintainer = \"YH\"\n\
             [roads]\nfile = \"r.shp\"\nclass = \"DJ\"\nclass_map = { \"主干道\" = \"primary\" }\n",
        )
        .expect("parses");
        assert_eq!(m.layers.len(), 4);
        assert_eq!(m.crs.as_deref(), Some("EPSG:4523"));
        assert_eq!(m.max_file_mb, DEFAULT_MAX_FILE_MB);
        assert_eq!(m.layers[2].1.layer.as_deref(), Some("b"));
    }

    #[test]
    fn mistakes_are_named() {
        let e = |text: &str| Mapping::parse(text).expect_err(text);
        let typo = e("[cells]\nfile = \"g.shp\"\ncode = \"A\"\nstreet = \"B\"\ncomunity = \"C\"\n");
        assert!(typo.message.contains("comunity"), "{typo}");
        assert_eq!(typo.field, "cells");
        let missing = e("[cells]\nfile = \"g.shp\"\ncode = \"A\"\nstreet = \"B\"\n");
        assert_eq!(missing.field, "cells.community");
        let foreign = e("[places]\nfile = \"p.shp\"\nname = \"N\"\nclass = \"C\"\n");
        assert_eq!(foreign.field, "places.class");
        let outside = e("[places]\nfile = \"../x.shp\"\nname = \"N\"\n");
        assert_eq!(outside.field, "places.file");
        let class =
            e("[roads]\nfile = \"r.shp\"\nclass = \"C\"\nclass_map = { \"主干道\" = \"main\" }\n");
        assert_eq!(class.field, "roads.class_map");
        let syntax = e("[cells\nfile = 1\n");
        assert_eq!((syntax.file.as_str(), syntax.line), ("gis.toml", 1));
        let clash = e("[places]\nfile = \"places.geojson\"\nname = \"N\"\n");
        assert_eq!(clash.field, "places.file");
        let empty = e("crs = \"EPSG:4490\"\n");
        assert!(empty.message.contains("没有任何图层"), "{empty}");
        let top = e("crs = \"EPSG:4490\"\nsrs = 1\n[places]\nfile = \"p.shp\"\nname = \"N\"\n");
        assert!(top.message.contains("srs"), "{top}");
    }
}
