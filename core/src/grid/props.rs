//! Reading a GeoJSON feature's `properties`: required and optional texts and lists of texts,
//! and errors that name the file, the feature's line and index, and the property.

use super::feature::Feature;
use crate::error::DataFileError;
use serde_json::Value;

impl Feature {
    /// An error about this feature's property `key`.
    pub fn error(&self, file: &str, key: &str, message: impl std::fmt::Display) -> DataFileError {
        DataFileError::new(
            file,
            self.line,
            format!("properties.{key}"),
            format!("feature #{}: {message}", self.index),
        )
    }

    /// An error about this feature's geometry.
    pub fn geometry_error(&self, file: &str, expected: &str) -> DataFileError {
        DataFileError::new(
            file,
            self.line,
            "geometry",
            format!(
                "feature #{}: expected a {expected}, found a {}",
                self.index,
                self.geometry.name()
            ),
        )
    }

    /// A required, non-empty text property.
    pub fn text(&self, file: &str, key: &str) -> Result<&str, DataFileError> {
        match self.properties.get(key) {
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim()),
            Some(Value::String(_)) => Err(self.error(file, key, "must not be empty")),
            Some(other) => Err(self.error(file, key, format!("must be a string, found {other}"))),
            None => Err(self.error(file, key, "missing property")),
        }
    }

    /// An optional text property (`null` and `""` count as absent).
    pub fn opt_text(&self, file: &str, key: &str) -> Result<Option<&str>, DataFileError> {
        match self.properties.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(_) => self.text(file, key).map(Some),
        }
    }

    /// An optional list of texts (a JSON array of strings); absent means empty.
    pub fn text_list(&self, file: &str, key: &str) -> Result<Vec<String>, DataFileError> {
        let bad = || self.error(file, key, "must be an array of non-empty strings");
        match self.properties.get(key) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| match v {
                    Value::String(s) if !s.trim().is_empty() => Ok(s.trim().to_owned()),
                    _ => Err(bad()),
                })
                .collect(),
            Some(_) => Err(bad()),
        }
    }
}
