//! A small reverse geocoder: the address text of a point from its cell's street and community
//! and the nearest named road or place.
//!
//! The text is `{prefix}{street}{community}` and, when a road or place lies within the near
//! distance (default 300 m), `，{name}附近`; e.g. `城关区酒泉路街道东园社区，庆阳路附近`. A point
//! on a road between cells takes the nearest cell within the grid's hint distance (and says so
//! in [`Address::in_cell`]); a point farther from every cell has no address.

use super::index::{GridIndex, Lookup};
use super::place::PlaceLayer;
use crate::codes::GridCode;

/// How far a road or place may be to be named in an address, in metres, by default.
pub const DEFAULT_NEAR_M: f64 = 300.0;

/// The address of a point.
#[derive(Clone, Debug, PartialEq)]
pub struct Address {
    /// The cell the point is in, or the nearest one.
    pub cell: GridCode,
    /// Whether the point is inside that cell (false: on a road or gap next to it).
    pub in_cell: bool,
    /// The street (街道) name.
    pub street: String,
    /// The community (社区) name.
    pub community: String,
    /// The nearest named road or place within the near distance, and its distance in metres.
    pub near: Option<(String, f64)>,
    /// The address text.
    pub text: String,
}

/// A reverse geocoder over a grid and an optional layer of named roads and places.
#[derive(Clone, Copy, Debug)]
pub struct Geocoder<'a> {
    grid: &'a GridIndex,
    places: Option<&'a PlaceLayer>,
    prefix: &'a str,
    near_m: f64,
}

impl<'a> Geocoder<'a> {
    /// A geocoder with no prefix and the default near distance.
    pub fn new(grid: &'a GridIndex, places: Option<&'a PlaceLayer>) -> Geocoder<'a> {
        Geocoder {
            grid,
            places,
            prefix: "",
            near_m: DEFAULT_NEAR_M,
        }
    }

    /// Puts `prefix` (usually the county's name, e.g. 城关区) before every address.
    pub fn with_prefix(self, prefix: &'a str) -> Geocoder<'a> {
        Geocoder { prefix, ..self }
    }

    /// Sets how far a road or place may be to be named, in metres.
    pub fn with_near_distance(self, metres: f64) -> Geocoder<'a> {
        Geocoder {
            near_m: metres,
            ..self
        }
    }

    /// The address of a WGS84 point, or `None` when it is farther from every cell than the
    /// grid's hint distance.
    pub fn address(&self, lon: f64, lat: f64) -> Option<Address> {
        let (cell, in_cell) = match self.grid.locate(lon, lat) {
            Lookup::Inside(cell) => (cell, true),
            Lookup::Outside {
                nearest: Some((cell, _)),
            } => (cell, false),
            Lookup::Outside { nearest: None } => return None,
        };
        let near = self
            .places
            .and_then(|p| p.nearest(lon, lat, self.near_m))
            .map(|(place, d)| (place.name.clone(), d));
        let mut text = format!("{}{}{}", self.prefix, cell.street, cell.community);
        if let Some((name, _)) = &near {
            text.push('，');
            text.push_str(name);
            text.push_str("附近");
        }
        Some(Address {
            cell: cell.code,
            in_cell,
            street: cell.street.clone(),
            community: cell.community.clone(),
            near,
            text,
        })
    }
}
