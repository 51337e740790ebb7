//! The tenant's offline basemap: at import the server cuts the tenant's layers (basemap layer
//! files, grid cells with their codes, named places) into Mapbox Vector Tiles and packs them
//! into one MBTiles file, versioned by the SHA-256 of its bytes, stored in the
//! [`store::PackageStore`] and recorded in `basemaps`; devices learn the version from the
//! reference bundle and download it with `GET /v1/basemap/{version}` (docs/basemap.md).
//!
//! Invariants:
//! - the build is a pure function of the layer texts: same files → same bytes → same version;
//!   the package records the SHA-256 of its inputs (`source`), and [`refresh`] rebuilds only
//!   when that changes (or the file is missing);
//! - layers and zooms are those of the contract (docs/basemap.md): `boundaries` 10–17, `water`
//!   10–17, `green` 12–17, `buildings` 14–17, `roads` from 10/12/13/14 by class, `grid` 14–17,
//!   `places` 13–17; tile extent 4096;
//! - a tenant with cells but no `boundaries.geojson` still gets street and community boundaries,
//!   the union of their cells (geo's boolean operations);
//! - a package is made current only complete: staged, hashed, renamed, recorded; older files
//!   are deleted after the new row is committed.

pub mod mbtiles;
pub mod mvt;
pub mod store;
pub mod tiling;

use crate::db::basemaps::{self, BasemapRow};
use crate::db::tenants;
use crate::deployment::Deployment;
use crate::error::{Result, ServerError};
use geo::{Geometry, MultiPolygon};
use gridcase_core::grid::{
    BasemapFeature, GridIndex, LayerKind, PlaceGeometry, PlaceLayer, parse_layer,
};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use store::PackageStore;
use tiling::{MAX_ZOOM, MIN_ZOOM, Projected};

/// Bumped when the package's layout changes, so every tenant is rebuilt once.
const FORMAT: &str = "gridcase-basemap/1";

/// One tile layer: name, zooms, property keys.
pub struct TileLayer {
    /// Layer name in the tiles.
    pub name: &'static str,
    /// First zoom.
    pub minzoom: u8,
    /// Last zoom.
    pub maxzoom: u8,
    /// Property keys (all strings).
    pub fields: &'static [&'static str],
}

/// The package's layers, in drawing order within a tile.
pub const TILE_LAYERS: [TileLayer; 7] = [
    TileLayer {
        name: "boundaries",
        minzoom: 10,
        maxzoom: 17,
        fields: &["level", "code", "name"],
    },
    TileLayer {
        name: "water",
        minzoom: 10,
        maxzoom: 17,
        fields: &["name"],
    },
    TileLayer {
        name: "green",
        minzoom: 12,
        maxzoom: 17,
        fields: &["name"],
    },
    TileLayer {
        name: "buildings",
        minzoom: 14,
        maxzoom: 17,
        fields: &[],
    },
    TileLayer {
        name: "roads",
        minzoom: 10,
        maxzoom: 17,
        fields: &["name", "class"],
    },
    TileLayer {
        name: "grid",
        minzoom: 14,
        maxzoom: 17,
        fields: &["code", "street", "community"],
    },
    TileLayer {
        name: "places",
        minzoom: 13,
        maxzoom: 17,
        fields: &["name", "kind"],
    },
];

/// The first zoom of a road of `class`.
pub fn road_minzoom(class: &str) -> u8 {
    match class {
        "primary" => 10,
        "secondary" => 12,
        "branch" => 13,
        _ => 14,
    }
}

/// The texts a package is built from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sources {
    /// `cells.geojson`.
    pub cells: Option<String>,
    /// `places.geojson`.
    pub places: Option<String>,
    /// The basemap layer files present.
    pub layers: BTreeMap<LayerKind, String>,
}

impl Sources {
    /// The tenant's stored files.
    pub fn of_tenant(conn: &crate::db::Connection<'_>, tenant: &str) -> Result<Sources> {
        let text = |kind: &str| -> Result<Option<String>> {
            Ok(tenants::file(conn, tenant, kind)?.map(|(_, t)| t))
        };
        let mut layers = BTreeMap::new();
        for kind in LayerKind::ALL {
            if let Some(t) = text(kind.as_str())? {
                layers.insert(kind, t);
            }
        }
        Ok(Sources {
            cells: text(super::rules::kind::CELLS)?,
            places: text(super::rules::kind::PLACES)?,
            layers,
        })
    }

    /// Nothing to draw: no package.
    pub fn is_empty(&self) -> bool {
        self.cells.is_none() && self.layers.is_empty()
    }

    /// Hex SHA-256 over the format tag and every input (names and texts).
    pub fn digest(&self) -> String {
        let mut h = Sha256::new();
        let mut part = |name: &str, text: Option<&String>| {
            h.update(name.as_bytes());
            h.update([0]);
            if let Some(t) = text {
                h.update((t.len() as u64).to_le_bytes());
                h.update(t.as_bytes());
            }
            h.update([0]);
        };
        part(FORMAT, None);
        part("cells", self.cells.as_ref());
        part("places", self.places.as_ref());
        for kind in LayerKind::ALL {
            part(kind.as_str(), self.layers.get(&kind));
        }
        hex::encode(h.finalize())
    }
}

/// What a build produced.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct BuildStats {
    /// Tiles written.
    pub tiles: u64,
    /// Features per layer (source features, not tile pieces).
    pub layers: BTreeMap<String, usize>,
    /// The largest gzipped tile, bytes.
    pub largest_tile: usize,
    /// Its address `z/x/y` (XYZ).
    pub largest_tile_at: String,
    /// Tiles per zoom.
    pub per_zoom: BTreeMap<u8, u64>,
}

struct Item {
    geometry: Geometry,
    properties: Vec<(&'static str, String)>,
    minzoom: u8,
}

fn from_features(features: Vec<BasemapFeature>, layer: &str) -> Vec<Item> {
    features
        .into_iter()
        .map(|f| {
            let minzoom = if layer == "roads" {
                road_minzoom(f.get("class"))
            } else {
                0
            };
            Item {
                geometry: f.geometry,
                properties: f.properties,
                minzoom,
            }
        })
        .collect()
}

/// Street and community outlines as the union of their cells.
fn derived_boundaries(index: &GridIndex) -> Vec<Item> {
    let mut groups: BTreeMap<(u8, String), (String, Vec<geo::Polygon>)> = BTreeMap::new();
    for cell in index.cells() {
        let code = cell.code.to_string();
        for (level, len, name) in [(0u8, 9usize, &cell.street), (1, 12, &cell.community)] {
            let entry = groups
                .entry((level, code[..len].to_owned()))
                .or_insert_with(|| (name.clone(), Vec::new()));
            entry.1.extend(cell.parts().cloned());
        }
    }
    groups
        .into_iter()
        .map(|((level, code), (name, polygons))| {
            let union: MultiPolygon = geo::unary_union(polygons.iter());
            Item {
                geometry: Geometry::MultiPolygon(union),
                properties: vec![
                    (
                        "level",
                        if level == 0 { "street" } else { "community" }.to_owned(),
                    ),
                    ("code", code),
                    ("name", name),
                ],
                minzoom: 0,
            }
        })
        .collect()
}

/// Reads every source into the package's layers (same order as [`TILE_LAYERS`]).
fn items(sources: &Sources) -> Result<Vec<Vec<Item>>> {
    let layer = |kind: LayerKind| -> Result<Vec<Item>> {
        Ok(match sources.layers.get(&kind) {
            Some(text) => from_features(parse_layer(kind, kind.file_name(), text)?, kind.as_str()),
            None => Vec::new(),
        })
    };
    let index = sources
        .cells
        .as_deref()
        .map(|t| GridIndex::from_geojson("cells.geojson", t))
        .transpose()?;
    let boundaries = match (sources.layers.contains_key(&LayerKind::Boundaries), &index) {
        (false, Some(index)) => derived_boundaries(index),
        _ => layer(LayerKind::Boundaries)?,
    };
    let grid = index
        .iter()
        .flat_map(|i| i.cells())
        .map(|c| Item {
            // Every part of a MultiPolygon cell (GIS deliveries may have them).
            geometry: if c.more.is_empty() {
                Geometry::Polygon(c.polygon.clone())
            } else {
                Geometry::MultiPolygon(MultiPolygon(c.parts().cloned().collect()))
            },
            properties: vec![
                ("code", c.code.to_string()),
                ("street", c.street.clone()),
                ("community", c.community.clone()),
            ],
            minzoom: 0,
        })
        .collect();
    let places = match &sources.places {
        Some(text) => PlaceLayer::from_geojson("places.geojson", text)?
            .places()
            .iter()
            .filter_map(|p| match &p.geometry {
                PlaceGeometry::Point(pt) => Some(Item {
                    geometry: Geometry::Point(*pt),
                    properties: vec![
                        ("name", p.name.clone()),
                        ("kind", p.kind.as_str().to_owned()),
                    ],
                    minzoom: 0,
                }),
                PlaceGeometry::Line(_) => None,
            })
            .collect(),
        None => Vec::new(),
    };
    Ok(vec![
        boundaries,
        layer(LayerKind::Water)?,
        layer(LayerKind::Green)?,
        layer(LayerKind::Buildings)?,
        layer(LayerKind::Roads)?,
        grid,
        places,
    ])
}

fn internal(e: impl std::fmt::Display) -> ServerError {
    ServerError::Internal(format!("basemap: {e}"))
}

/// Builds the package for `sources` into a new file at `path`.
pub fn build_file(sources: &Sources, tenant: &str, path: &Path) -> Result<BuildStats> {
    let layers = items(sources)?;
    let mut stats = BuildStats::default();
    let mut projected = Vec::new();
    for (l, (spec, items)) in TILE_LAYERS.iter().zip(&layers).enumerate() {
        stats.layers.insert(spec.name.to_owned(), items.len());
        for (i, item) in items.iter().enumerate() {
            let zooms = (spec.minzoom.max(item.minzoom), spec.maxzoom);
            if let Some(p) = Projected::new(l, i, zooms, &item.geometry) {
                projected.push(p);
            }
        }
    }
    let mut bbox = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    for p in &projected {
        let b = p.bbox();
        bbox = [
            bbox[0].min(b[0]),
            bbox[1].min(b[1]),
            bbox[2].max(b[2]),
            bbox[3].max(b[3]),
        ];
    }
    let cut = tiling::cut(&projected);
    let mut tiles = Vec::with_capacity(cut.len());
    for (id, pieces) in cut {
        let mut builders: Vec<Option<mvt::LayerBuilder>> =
            (0..TILE_LAYERS.len()).map(|_| None).collect();
        for (l, f, geometry) in &pieces {
            let item = &layers[*l][*f];
            let props: Vec<(&'static str, &str)> = item
                .properties
                .iter()
                .map(|(k, v)| (*k, v.as_str()))
                .collect();
            let props = if TILE_LAYERS[*l].fields.is_empty() {
                Vec::new()
            } else {
                props
            };
            builders[*l]
                .get_or_insert_with(|| mvt::LayerBuilder::new(TILE_LAYERS[*l].name))
                .add(geometry, &props);
        }
        let tile = mvt::Tile {
            layers: builders
                .into_iter()
                .flatten()
                .filter_map(mvt::LayerBuilder::finish)
                .collect(),
        };
        if tile.layers.is_empty() {
            continue;
        }
        let data = mbtiles::gzip(&prost::Message::encode_to_vec(&tile)).map_err(internal)?;
        if data.len() > stats.largest_tile {
            stats.largest_tile = data.len();
            stats.largest_tile_at = format!("{}/{}/{}", id.0, id.1, id.2);
        }
        *stats.per_zoom.entry(id.0).or_default() += 1;
        tiles.push((id, data));
    }
    stats.tiles = tiles.len() as u64;
    let (west_north, east_south) = if bbox[0] <= bbox[2] {
        (
            tiling::unmercator(geo::Coord {
                x: bbox[0],
                y: bbox[1],
            }),
            tiling::unmercator(geo::Coord {
                x: bbox[2],
                y: bbox[3],
            }),
        )
    } else {
        (
            geo::Coord { x: -180.0, y: 85.0 },
            geo::Coord { x: 180.0, y: -85.0 },
        )
    };
    let r6 = |v: f64| format!("{:.6}", v);
    let bounds = format!(
        "{},{},{},{}",
        r6(west_north.x),
        r6(east_south.y),
        r6(east_south.x),
        r6(west_north.y)
    );
    let center = format!(
        "{},{},14",
        r6((west_north.x + east_south.x) / 2.0),
        r6((west_north.y + east_south.y) / 2.0)
    );
    let vector_layers: Vec<serde_json::Value> = TILE_LAYERS
        .iter()
        .map(|l| {
            let fields: serde_json::Map<String, serde_json::Value> = l
                .fields
                .iter()
                .map(|f| ((*f).to_owned(), serde_json::Value::from("String")))
                .collect();
            serde_json::json!({"id": l.name, "minzoom": l.minzoom, "maxzoom": l.maxzoom, "fields": fields})
        })
        .collect();
    let metadata = [
        ("name", format!("gridcase basemap {tenant}")),
        ("format", "pbf".to_owned()),
        ("type", "baselayer".to_owned()),
        ("version", FORMAT.to_owned()),
        (
            "description",
            "gridcase offline basemap (layers: docs/basemap.md)".to_owned(),
        ),
        ("bounds", bounds),
        ("center", center),
        ("minzoom", MIN_ZOOM.to_string()),
        ("maxzoom", MAX_ZOOM.to_string()),
        (
            "json",
            serde_json::json!({ "vector_layers": vector_layers }).to_string(),
        ),
    ];
    mbtiles::write(path, &metadata, &tiles)?;
    Ok(stats)
}

/// Hex SHA-256 and length of a file, read in chunks.
pub fn file_sha256(path: &Path) -> std::io::Result<(String, u64)> {
    let mut file = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut len = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        len += n as u64;
    }
    Ok((hex::encode(h.finalize()), len))
}

/// The deployment's package store.
pub fn store(dep: &Deployment) -> PackageStore {
    PackageStore::new(dep.data_dir(), dep.blob_store().clone())
}

/// The tenant's current package, if any.
pub fn current(dep: &Deployment, tenant: &str) -> Result<Option<BasemapRow>> {
    dep.db().read(|tx| basemaps::get(tx, tenant))
}

/// Builds the tenant's package when its layers changed since the current one (or it has none),
/// makes it current and deletes the older file. Returns the current package (`None` when the
/// tenant has nothing to draw).
pub fn refresh(dep: &Deployment, tenant: &str) -> Result<Option<BasemapRow>> {
    let (sources, existing) = dep
        .db()
        .read(|tx| Ok((Sources::of_tenant(tx, tenant)?, basemaps::get(tx, tenant)?)))?;
    if sources.is_empty() {
        return Ok(existing);
    }
    let source = sources.digest();
    let store = store(dep);
    if let Some(row) = &existing
        && row.source == source
        && store.has(tenant, &row.version)
    {
        return Ok(existing);
    }
    let staged = store.staging_path(tenant)?;
    let started = std::time::Instant::now();
    let built = build_file(&sources, tenant, &staged).and_then(|stats| {
        let (version, bytes) = file_sha256(&staged)?;
        Ok((stats, version, bytes))
    });
    let (stats, version, bytes) = match built {
        Ok(b) => b,
        Err(e) => {
            let _ = std::fs::remove_file(&staged);
            return Err(e);
        }
    };
    let build_ms = started.elapsed().as_millis() as i64;
    store.put(tenant, &version, &staged)?;
    let row = BasemapRow {
        version: version.clone(),
        bytes,
        source,
        tiles: stats.tiles,
        layers: serde_json::to_string(&stats.layers).map_err(internal)?,
        built_at: dep.now().ms(),
        build_ms,
    };
    dep.db().write(|tx| basemaps::set(tx, tenant, &row))?;
    store.retain(tenant, &version)?;
    tracing::info!(tenant, version = %version, bytes, tiles = stats.tiles, build_ms, "basemap built");
    Ok(Some(row))
}
