//! A point on the ground with its accuracy and where it came from.
//!
//! Coordinates are WGS84 / CGCS2000 (the two differ by centimetres, below GPS accuracy). GCJ-02
//! points from Chinese map SDKs are converted before they become a `Location`; they are never
//! stored.

use crate::error::ParseError;
use serde::{Deserialize, Serialize};

/// Where a location came from.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Debug)]
#[serde(rename_all = "snake_case")]
pub enum LocationSource {
    /// The device's GNSS fix.
    Gps,
    /// The photo's EXIF GPS tags.
    Exif,
    /// A pin placed by hand on the map.
    Manual,
    /// Derived from an address (hotline and public reports).
    Geocoded,
}

/// A validated WGS84 / CGCS2000 position.
#[derive(Clone, Copy, PartialEq, Serialize, Deserialize, Debug)]
#[serde(try_from = "RawLocation")]
pub struct Location {
    /// Longitude in degrees, −180..=180.
    pub lon: f64,
    /// Latitude in degrees, −90..=90.
    pub lat: f64,
    /// Horizontal accuracy radius in metres, when known.
    pub accuracy_m: Option<f64>,
    /// Where the position came from.
    pub source: LocationSource,
}

#[derive(Deserialize)]
struct RawLocation {
    lon: f64,
    lat: f64,
    accuracy_m: Option<f64>,
    source: LocationSource,
}

impl TryFrom<RawLocation> for Location {
    type Error = ParseError;
    fn try_from(r: RawLocation) -> Result<Self, Self::Error> {
        Location::new(r.lon, r.lat, r.accuracy_m, r.source)
    }
}

impl Location {
    /// A location, refusing non-finite or out-of-range values.
    pub fn new(
        lon: f64,
        lat: f64,
        accuracy_m: Option<f64>,
        source: LocationSource,
    ) -> Result<Self, ParseError> {
        let text = || format!("({lon}, {lat}, {accuracy_m:?})");
        if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
            return Err(ParseError::new(
                "location",
                text(),
                "longitude out of range",
            ));
        }
        if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
            return Err(ParseError::new("location", text(), "latitude out of range"));
        }
        if let Some(a) = accuracy_m
            && (!a.is_finite() || a < 0.0)
        {
            return Err(ParseError::new(
                "location",
                text(),
                "accuracy must be ≥ 0 metres",
            ));
        }
        Ok(Self {
            lon,
            lat,
            accuracy_m,
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_bad_coordinates() {
        assert!(Location::new(103.8, 36.06, Some(5.0), LocationSource::Gps).is_ok());
        assert!(Location::new(f64::NAN, 36.0, None, LocationSource::Gps).is_err());
        assert!(Location::new(181.0, 36.0, None, LocationSource::Gps).is_err());
        assert!(Location::new(103.0, -91.0, None, LocationSource::Gps).is_err());
        assert!(Location::new(103.0, 36.0, Some(-1.0), LocationSource::Gps).is_err());
        let bad = r#"{"lon":500,"lat":1,"accuracy_m":null,"source":"gps"}"#;
        assert!(serde_json::from_str::<Location>(bad).is_err());
    }
}
