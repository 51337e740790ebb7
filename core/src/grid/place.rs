//! The optional layer of named roads and places the geocoder uses for "near …" (XX路附近).

use super::feature::{Geometry, parse_features};
use super::metric::{LocalFrame, point_line_m, point_point_m};
use crate::error::DataFileError;
use geo::{BoundingRect, Coord, LineString, Point};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

/// What a named feature is.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum PlaceKind {
    /// A road or street (路, 街, 巷), usually a line.
    Road,
    /// A place: a square, school, market, park gate … usually a point.
    Place,
}

impl PlaceKind {
    /// The file form, `road` or `place`.
    pub fn as_str(self) -> &'static str {
        match self {
            PlaceKind::Road => "road",
            PlaceKind::Place => "place",
        }
    }
}

/// The geometry of a named feature.
#[derive(Clone, Debug, PartialEq)]
pub enum PlaceGeometry {
    /// A point (lon, lat).
    Point(Point),
    /// A line (a road's centre line).
    Line(LineString),
}

/// A named road or place.
#[derive(Clone, Debug, PartialEq)]
pub struct Place {
    /// The name shown in addresses.
    pub name: String,
    /// Road or place.
    pub kind: PlaceKind,
    /// Where it is (WGS84).
    pub geometry: PlaceGeometry,
}

impl Place {
    /// Metres from the point to this place.
    pub fn distance_m(&self, lon: f64, lat: f64) -> f64 {
        match &self.geometry {
            PlaceGeometry::Point(p) => point_point_m(lon, lat, *p),
            PlaceGeometry::Line(l) => point_line_m(lon, lat, l),
        }
    }
}

type Entry = GeomWithData<Rectangle<[f64; 2]>, u32>;

/// Named roads and places, indexed by bounding box.
#[derive(Clone, Debug)]
pub struct PlaceLayer {
    places: Vec<Place>,
    tree: RTree<Entry>,
}

impl PlaceLayer {
    /// Reads a GeoJSON FeatureCollection of `Point` and `LineString` features with a `name`
    /// property and an optional `kind` (`road` or `place`; default: road for lines, place for
    /// points).
    pub fn from_geojson(file: &str, text: &str) -> Result<PlaceLayer, DataFileError> {
        let mut places = Vec::new();
        for f in parse_features(file, text)? {
            let geometry = match &f.geometry {
                Geometry::Point([x, y]) => PlaceGeometry::Point(Point::new(*x, *y)),
                Geometry::LineString(line) if line.len() >= 2 => {
                    PlaceGeometry::Line(line.iter().map(|&[x, y]| Coord { x, y }).collect())
                }
                Geometry::LineString(_) => {
                    let e = f.error(file, "name", "a LineString needs 2 positions at least");
                    return Err(DataFileError {
                        field: "geometry".into(),
                        ..e
                    });
                }
                Geometry::Polygon(_) | Geometry::MultiPolygon(_) | Geometry::MultiLineString(_) => {
                    return Err(f.geometry_error(file, "Point or LineString"));
                }
            };
            let kind = match (f.opt_text(file, "kind")?, &geometry) {
                (Some("road"), _) | (None, PlaceGeometry::Line(_)) => PlaceKind::Road,
                (Some("place"), _) | (None, PlaceGeometry::Point(_)) => PlaceKind::Place,
                (Some(other), _) => {
                    return Err(f.error(
                        file,
                        "kind",
                        format!("expected road or place, found {other:?}"),
                    ));
                }
            };
            places.push(Place {
                name: f.text(file, "name")?.to_owned(),
                kind,
                geometry,
            });
        }
        Ok(Self::from_places(places))
    }

    /// Builds the layer from places.
    pub fn from_places(places: Vec<Place>) -> PlaceLayer {
        let entries = places
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                let r = match &p.geometry {
                    PlaceGeometry::Point(pt) => pt.bounding_rect(),
                    PlaceGeometry::Line(l) => l.bounding_rect()?,
                };
                let rect = Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
                Some(GeomWithData::new(rect, i as u32))
            })
            .collect();
        PlaceLayer {
            places,
            tree: RTree::bulk_load(entries),
        }
    }

    /// The nearest place within `metres` of the point, with its distance; ties go to the one
    /// listed first.
    pub fn nearest(&self, lon: f64, lat: f64, metres: f64) -> Option<(&Place, f64)> {
        if !lon.is_finite() || !lat.is_finite() || !metres.is_finite() || metres < 0.0 {
            return None;
        }
        let (dlon, dlat) = LocalFrame::at(lon, lat).degrees(metres);
        let envelope = AABB::from_corners([lon - dlon, lat - dlat], [lon + dlon, lat + dlat]);
        let mut best: Option<(usize, f64)> = None;
        for entry in self.tree.locate_in_envelope_intersecting(&envelope) {
            let i = entry.data as usize;
            let d = self.places[i].distance_m(lon, lat);
            let better = best.is_none_or(|(b, bd)| d < bd || (d == bd && i < b));
            if d <= metres && better {
                best = Some((i, d));
            }
        }
        best.map(|(i, d)| (&self.places[i], d))
    }

    /// Every place, in file order.
    pub fn places(&self) -> &[Place] {
        &self.places
    }
}
