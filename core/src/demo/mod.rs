//! The demo tenant: a deterministic, seeded generator of a county-sized tenant with the real
//! administrative code of 兰州市城关区 (620102) and synthetic data near its real position — 20
//! streets, 100 communities, 3,000 unit cells of about 100 m, about 30,000 components, 15
//! departments with a responsibility list, 7 child units (三级 units / 作业班组) under three of
//! them, users for every role, the 2026 example work calendar and the example stage limits — written as the GeoJSON / CSV / TOML files an administrator
//! could also write by hand (formats in `docs/data-formats.md`).
//!
//! Invariants:
//! - [`DemoTenant::generate`] is pure and deterministic: the same seed gives the same tenant and
//!   byte-identical files, on every platform (the PRNG is SplitMix64, written here);
//! - every grid code, component id and category code is valid by [`crate::codes`]; every
//!   component type is in the GB/T 47678.5 catalog; every component lies strictly inside the cell
//!   its `cell` property names; every department code used anywhere is in `departments.csv`;
//! - child units are departments of `departments.csv` too, named in `department_units.csv` under
//!   a 二级 department (one level deep); the responsibility list names only 二级 departments;
//! - cells are numbered west→east, north→south inside each community; 12 m lanes and 30 m roads
//!   between communities and streets belong to no cell, so some points are outside every cell;
//! - the files load back with the grid loaders and the readers of this module.
//!
//! The tables' readers ([`TenantInfo::parse_toml`], [`parse_streets`], [`parse_communities`],
//! [`parse_departments`], [`parse_users`], [`ResponsibilityList::parse_csv`]) serve real tenants
//! too; only [`DemoTenant::write_to`] does I/O.

mod basemap;
mod duty;
mod files;
mod inventory;
mod layout;
mod names;
mod org;
mod records;
pub mod rng;
pub(crate) mod rows;

pub use basemap::DemoBasemap;
pub use duty::{Responsibility, ResponsibilityList};
pub use files::FILE_NAMES;
pub use records::{
    Community, Department, DepartmentUnit, Street, TenantInfo, UserRecord, parse_communities,
    parse_departments, parse_streets, parse_users,
};
pub use rng::SplitMix64;

use crate::codes::CountyCode;
use crate::grid::{Cell, Component, Place};

/// The seed the README's demo uses.
pub const DEFAULT_SEED: u64 = 2026;

/// A generated demo tenant.
#[derive(Clone, Debug, PartialEq)]
pub struct DemoTenant {
    /// `tenant.toml`.
    pub info: TenantInfo,
    /// `streets.csv`, in code order.
    pub streets: Vec<Street>,
    /// `communities.csv`, in code order.
    pub communities: Vec<Community>,
    /// `cells.geojson`, in code order.
    pub cells: Vec<Cell>,
    /// `components.geojson`.
    pub components: Vec<Component>,
    /// `places.geojson`: main roads, one lane per street and one named place per community.
    pub places: Vec<Place>,
    /// `departments.csv`: the 二级 departments, then the child units.
    pub departments: Vec<Department>,
    /// `department_units.csv`: each child unit with its parent (docs/departments.md).
    pub department_units: Vec<DepartmentUnit>,
    /// `responsibility.csv`.
    pub responsibility: ResponsibilityList,
    /// `users.csv`.
    pub users: Vec<UserRecord>,
    /// The basemap layers: `roads.geojson`, `buildings.geojson`, `water.geojson`,
    /// `green.geojson`, `boundaries.geojson`.
    pub basemap: DemoBasemap,
}

impl DemoTenant {
    /// Generates the tenant for `seed`.
    ///
    /// # Panics
    /// Never for any seed: every code is built from in-range numbers (the crate's tests check
    /// the codes of several seeds); a panic would be a bug in the generator.
    pub fn generate(seed: u64) -> DemoTenant {
        let mut rng = SplitMix64::new(seed);
        let county = match CountyCode::parse("620102") {
            Ok(c) => c,
            Err(e) => panic!("demo generator bug: {e}"),
        };
        let (lon, lat) = (103.83, 36.06);
        let built = layout::layout(&mut rng, county, lon, lat).and_then(|layout| {
            let components = inventory::components(&mut rng, county, &layout)?;
            Ok((layout, components))
        });
        let (layout, components) = match built {
            Ok(b) => b,
            Err(e) => panic!("demo generator bug: {e}"),
        };
        let mut departments = org::departments(&mut rng);
        let mut users = org::users(&mut rng, &departments, &layout.communities);
        let (units, department_units, unit_users) = org::child_units(&mut rng);
        departments.extend(units);
        // The child units' accounts after the other department accounts.
        let at = users
            .iter()
            .rposition(|u| u.role == crate::model::Role::Department)
            .map_or(users.len(), |i| i + 1);
        users.splice(at..at, unit_users);
        let basemap = basemap::basemap(seed, &layout, &layout.streets, &layout.communities);
        DemoTenant {
            info: TenantInfo {
                code: county,
                name: "兰州市城关区".into(),
                short_name: "城关区".into(),
                centre: [lon, lat],
                synthetic: true,
                seed: Some(seed),
            },
            responsibility: org::responsibility(&layout.streets),
            streets: layout.streets,
            communities: layout.communities,
            cells: layout.cells,
            components,
            places: layout.places,
            departments,
            department_units,
            users,
            basemap,
        }
    }
}
