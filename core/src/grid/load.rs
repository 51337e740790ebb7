//! The thin loader: reads a layer's file and hands its text to the pure parser. The only I/O in
//! the grid module, for the server's import commands and the tests.

use super::component::ComponentIndex;
use super::index::GridIndex;
use super::place::PlaceLayer;
use crate::error::DataFileError;
use std::path::Path;

fn read(path: &Path) -> Result<(String, String), DataFileError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| DataFileError::new(name.clone(), 0, "", format!("cannot read: {e}")))?;
    Ok((name, text))
}

impl GridIndex {
    /// Reads a cells GeoJSON file (see [`GridIndex::from_geojson`]).
    pub fn load(path: &Path) -> Result<GridIndex, DataFileError> {
        let (name, text) = read(path)?;
        GridIndex::from_geojson(&name, &text)
    }
}

impl ComponentIndex {
    /// Reads a components GeoJSON file (see [`ComponentIndex::from_geojson`]).
    pub fn load(path: &Path) -> Result<ComponentIndex, DataFileError> {
        let (name, text) = read(path)?;
        ComponentIndex::from_geojson(&name, &text)
    }
}

impl PlaceLayer {
    /// Reads a places GeoJSON file (see [`PlaceLayer::from_geojson`]).
    pub fn load(path: &Path) -> Result<PlaceLayer, DataFileError> {
        let (name, text) = read(path)?;
        PlaceLayer::from_geojson(&name, &text)
    }
}
