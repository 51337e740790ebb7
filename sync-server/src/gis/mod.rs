//! County GIS deliveries (issue 13): Shapefile, GeoPackage and GeoJSON files in WGS84, CGCS2000
//! (geographic or 3°/6° Gauss-Krüger) or GCJ-02, described by the tenant directory's mapping
//! file `gis.toml`, converted at import into the tenant's canonical WGS84 GeoJSON layers
//! (`cells.geojson`, `components.geojson`, `places.geojson`, `roads.geojson`,
//! `buildings.geojson`, `water.geojson`, `green.geojson`, `boundaries.geojson`) before the usual
//! import validation reads them. Server side only: devices receive the canonical files.
//!
//! - [`mapping`] reads `gis.toml`;
//! - [`crs`] recognises coordinate systems and converts positions (proj4rs);
//! - [`shapefile`], [`gpkg`] (with [`wkb`]) and [`geojson`] read a file into a [`layer::Layer`];
//! - [`geom`] checks geometries; [`convert`] maps attributes and builds the canonical texts.
//!
//! Invariants: nothing is written unless every layer converts; errors are
//! [`DataFileError`](gridcase_core::error::DataFileError)s naming the source file, the feature
//! number and the field; no input makes the reader panic or allocate beyond the file's size
//! (files over `max_file_mb`, default 512 MiB, are refused unread).

pub mod convert;
pub mod crs;
pub mod geojson;
pub mod geom;
pub mod gpkg;
pub mod layer;
pub mod mapping;
pub mod shapefile;
pub mod wkb;

pub use convert::{Converted, LayerLog, convert_dir, write};
