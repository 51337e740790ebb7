//! The component inventory (管理部件): street objects with their 17-digit ids, types, owner and
//! maintainer departments and states, indexed for "the nearest components around this point".

use super::feature::{Geometry, parse_features};
use super::metric::LocalFrame;
use crate::codes::{CategoryCode, ComponentId, GridCode};
use crate::error::{DataFileError, ParseError};
use rstar::RTree;
use rstar::primitives::GeomWithData;
use std::collections::HashMap;
use std::fmt;

/// A component's state (GB/T 47678.5 状态: 完好 / 破损 / 丢失 / 废弃 / 移除).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum ComponentState {
    /// 完好: in good order.
    Normal,
    /// 破损: damaged.
    Damaged,
    /// 丢失: missing (e.g. a stolen manhole cover).
    Missing,
    /// 废弃: abandoned, out of use but still there.
    Abandoned,
    /// 移除: removed from the street.
    Removed,
}

impl ComponentState {
    /// Every state, in a stable order.
    pub const ALL: [ComponentState; 5] = [
        ComponentState::Normal,
        ComponentState::Damaged,
        ComponentState::Missing,
        ComponentState::Abandoned,
        ComponentState::Removed,
    ];

    /// The file form: `normal`, `damaged`, `missing`, `abandoned`, `removed`.
    pub fn as_str(self) -> &'static str {
        match self {
            ComponentState::Normal => "normal",
            ComponentState::Damaged => "damaged",
            ComponentState::Missing => "missing",
            ComponentState::Abandoned => "abandoned",
            ComponentState::Removed => "removed",
        }
    }

    /// The standard's Chinese name.
    pub fn label_zh(self) -> &'static str {
        match self {
            ComponentState::Normal => "完好",
            ComponentState::Damaged => "破损",
            ComponentState::Missing => "丢失",
            ComponentState::Abandoned => "废弃",
            ComponentState::Removed => "移除",
        }
    }

    /// Parses the file form or the Chinese name.
    pub fn parse(text: &str) -> Option<ComponentState> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == text || s.label_zh() == text)
    }
}

impl fmt::Display for ComponentState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One component instance.
#[derive(Clone, Debug, PartialEq)]
pub struct Component {
    /// The instance id (17 digits; the legacy 16-digit form is accepted too).
    pub id: ComponentId,
    /// The component type (the id's type part).
    pub type_code: CategoryCode,
    /// An optional name (e.g. a road sign's text).
    pub name: Option<String>,
    /// The owner department (权属单位), a department code.
    pub owner: String,
    /// The maintainer department (养护单位), a department code.
    pub maintainer: String,
    /// The state.
    pub state: ComponentState,
    /// WGS84 longitude in degrees.
    pub lon: f64,
    /// WGS84 latitude in degrees.
    pub lat: f64,
    /// The cell the file says it is in (所在单元网格), if given.
    pub cell: Option<GridCode>,
}

type Entry = GeomWithData<[f64; 2], u32>;

/// The components of a tenant, indexed in a local metric frame (see `metric`): distances are
/// metres from an equirectangular projection centred on the inventory, exact to 0.1 % over a
/// county.
#[derive(Clone, Debug)]
pub struct ComponentIndex {
    items: Vec<Component>,
    by_id: HashMap<ComponentId, usize>,
    tree: RTree<Entry>,
    frame: LocalFrame,
}

impl ComponentIndex {
    /// Reads a GeoJSON FeatureCollection of `Point` features with properties `id`, `owner`,
    /// `maintainer` and optional `type` (must match the id), `name`, `state` and `cell`.
    pub fn from_geojson(file: &str, text: &str) -> Result<ComponentIndex, DataFileError> {
        let mut items = Vec::new();
        let mut seen: HashMap<ComponentId, usize> = HashMap::new();
        for f in parse_features(file, text)? {
            let Geometry::Point([lon, lat]) = f.geometry else {
                return Err(f.geometry_error(file, "Point"));
            };
            let id = ComponentId::parse(f.text(file, "id")?).map_err(|e| f.error(file, "id", e))?;
            if let Some(first) = seen.insert(id, f.line) {
                return Err(f.error(
                    file,
                    "id",
                    format!("duplicate id {id} (first on line {first})"),
                ));
            }
            if let Some(t) = f.opt_text(file, "type")?
                && t != id.type_code().as_str()
            {
                let message = format!("type {t:?} differs from the id's type {}", id.type_code());
                return Err(f.error(file, "type", message));
            }
            let state = match f.opt_text(file, "state")? {
                None => ComponentState::Normal,
                Some(s) => ComponentState::parse(s).ok_or_else(|| {
                    f.error(
                        file,
                        "state",
                        format!(
                            "unknown state {s:?} (normal, damaged, missing, abandoned, removed)"
                        ),
                    )
                })?,
            };
            let cell = match f.opt_text(file, "cell")? {
                None => None,
                Some(c) => Some(GridCode::parse(c).map_err(|e| f.error(file, "cell", e))?),
            };
            items.push(Component {
                id,
                type_code: id.type_code(),
                name: f.opt_text(file, "name")?.map(str::to_owned),
                owner: f.text(file, "owner")?.to_owned(),
                maintainer: f.text(file, "maintainer")?.to_owned(),
                state,
                lon,
                lat,
                cell,
            });
        }
        Self::from_components(items).map_err(|e| DataFileError::new(file, 0, "id", e.to_string()))
    }

    /// Builds the index; refuses a duplicate id or a non-finite position.
    pub fn from_components(items: Vec<Component>) -> Result<ComponentIndex, ParseError> {
        let mut by_id = HashMap::with_capacity(items.len());
        for (i, c) in items.iter().enumerate() {
            if !c.lon.is_finite() || !c.lat.is_finite() {
                return Err(ParseError::new(
                    "component",
                    c.id.to_string(),
                    "position is not finite",
                ));
            }
            if by_id.insert(c.id, i).is_some() {
                return Err(ParseError::new(
                    "component id",
                    c.id.to_string(),
                    "duplicate id",
                ));
            }
        }
        let n = items.len().max(1) as f64;
        let (lon0, lat0) = items
            .iter()
            .fold((0.0, 0.0), |(x, y), c| (x + c.lon / n, y + c.lat / n));
        let frame = LocalFrame::at(lon0, lat0);
        let entries = items
            .iter()
            .enumerate()
            .map(|(i, c)| GeomWithData::new(frame.project(c.lon, c.lat), i as u32))
            .collect();
        Ok(ComponentIndex {
            items,
            by_id,
            tree: RTree::bulk_load(entries),
            frame,
        })
    }

    /// Up to `n` components within `radius_m` metres of the point, nearest first, with their
    /// distances in metres (ties in insertion order of the R-tree walk, i.e. unspecified).
    pub fn nearest(&self, lon: f64, lat: f64, n: usize, radius_m: f64) -> Vec<(&Component, f64)> {
        if !lon.is_finite() || !lat.is_finite() || radius_m.is_nan() || radius_m < 0.0 {
            return Vec::new();
        }
        let r2 = radius_m * radius_m;
        self.tree
            .nearest_neighbor_iter_with_distance_2(&self.frame.project(lon, lat))
            .take_while(|(_, d2)| *d2 <= r2)
            .take(n)
            .map(|(e, d2)| (&self.items[e.data as usize], d2.sqrt()))
            .collect()
    }

    /// The component with this id.
    pub fn get(&self, id: &ComponentId) -> Option<&Component> {
        self.by_id.get(id).map(|&i| &self.items[i])
    }

    /// Every component, in file order.
    pub fn components(&self) -> &[Component] {
        &self.items
    }

    /// The number of components.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}
