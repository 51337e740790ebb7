//! The unit grid (单元网格) and the component inventory (管理部件): where a point is, what is
//! near it, and how to say it in words.
//!
//! - [`GridIndex`]: cells loaded from GeoJSON; [`GridIndex::locate`] maps a point to its cell
//!   through an R-tree of cell bounding boxes (rstar) and an exact point-in-polygon test (geo's
//!   robust winding number) on the candidates, or says the point is outside every cell and
//!   names the nearest cell within a hint distance (200 m by default).
//! - [`ComponentIndex`]: components (部件) loaded from GeoJSON points, with nearest-N within a
//!   radius.
//! - [`Geocoder`]: address text from the cell's street and community and the nearest road or
//!   place of an optional [`PlaceLayer`].
//! - [`PlaceSearch`]: offline place search over roads, places, communities, streets, cell
//!   codes and component ids, by Chinese text, 拼音首字母 or code prefix.
//! - [`gcj02_to_wgs84`]: the conversion for points from Chinese map SDKs.
//!
//! Invariants:
//! - coordinates are WGS84 / CGCS2000 longitude, latitude in degrees (x = lon, y = lat). GCJ-02
//!   is converted on input (by the caller with [`gcj02_to_wgs84`], or by the loader when a file
//!   says `"coordinate_system": "gcj02"`) and never stored;
//! - every cell has a valid 15-digit [`GridCode`](crate::codes::GridCode), unique in its index;
//!   cells are kept in code order;
//! - `locate` answers `Inside(c)` exactly when `c`'s polygon covers the point (interior or
//!   boundary); on an edge shared by several cells the lowest code wins, so every point has one
//!   answer; otherwise `Outside`, with a hint only within the hint distance;
//! - distances are metres, measured in a local equirectangular frame (see `metric`), within
//!   0.1 % of the haversine distance at county scale;
//! - loaders refuse a file whole with a [`DataFileError`](crate::error::DataFileError) naming
//!   the file, the line where the bad feature starts, and the field.
//!
//! The module is pure: parsers take a file name and the text. Only the thin `load` functions
//! read files. File formats: `docs/data-formats.md`; design and figures: `docs/grid.md`.

mod cell;
mod component;
mod feature;
mod gcj02;
mod geocode;
mod index;
mod layers;
mod load;
pub(crate) mod metric;
mod online;
mod place;
mod props;
mod search;
mod shape;

pub use cell::Cell;
pub use component::{Component, ComponentIndex, ComponentState};
pub use gcj02::{gcj02_to_wgs84, in_china, wgs84_to_gcj02};
pub use geocode::{Address, DEFAULT_NEAR_M, Geocoder};
pub use index::{DEFAULT_HINT_M, GridIndex, Lookup};
pub use layers::{BasemapFeature, LayerKind, ROAD_CLASSES, parse_layer};
pub use online::OnlineLayer;
pub use place::{Place, PlaceGeometry, PlaceKind, PlaceLayer};
pub use search::{HitKind, MAX_HITS, MAX_QUERY_CHARS, MatchRank, PlaceSearch, SearchHit};
