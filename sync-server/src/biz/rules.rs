//! A tenant's rules: its category catalog, work calendar and deadline policy, parsed from the
//! data files stored with [`crate::db::tenants::set_file`], with shipped defaults for what a
//! tenant has not imported; its area grades and the current version of its standards table
//! (立案、处置和结案标准, [`super::standards`]).

use crate::db::sql::Connection;
use crate::error::Result;
use gridcase_core::calendar::WorkCalendar;
use gridcase_core::catalog::Catalog;
use gridcase_core::deadline::{DeadlinePolicy, TeamCalendars};

/// The default stage limits (the example file shipped with core).
pub const DEFAULT_POLICY: &str =
    include_str!("../../../core/data/limits/stage_limits.example.toml");

/// Kinds of tenant data files.
pub mod kind {
    /// Work calendar (TOML, `WorkCalendar::parse_toml`).
    pub const CALENDAR: &str = "calendar";
    /// Calendars per team and their assignment to stages and departments (TOML,
    /// `TeamCalendars::parse_toml`; docs/calendar.md).
    pub const TEAM_CALENDARS: &str = "team_calendars";
    /// Channels and categories filed without field verification (CSV, `biz::waivers`).
    pub const VERIFICATION_WAIVERS: &str = "verification_waivers";
    /// Stage limits (TOML, `DeadlinePolicy::parse_toml`).
    pub const POLICY: &str = "policy";
    /// Catalog rules overriding the shipped ones (CSV).
    pub const CATALOG_RULES: &str = "catalog_rules";
    /// Tenant extension categories (CSV).
    pub const CATALOG_EXTENSIONS: &str = "catalog_extensions";
    /// Responsibility list (权责清单), kept as imported for the dispatcher's suggestions.
    pub const RESPONSIBILITY: &str = "responsibility";
    /// Unit grid cells (GeoJSON), handed to devices for offline point → cell.
    pub const CELLS: &str = "cells";
    /// Component inventory (GeoJSON points), handed to devices for nearby components.
    pub const COMPONENTS: &str = "components";
    /// Named roads and places (GeoJSON), handed to devices for address text.
    pub const PLACES: &str = "places";
    /// Evaluation policy (TOML, `EvaluationPolicy::parse_toml`; docs/evaluation.md).
    pub const EVALUATION: &str = "evaluation";
    /// The optional online map layer (TOML, `grid::OnlineLayer::parse_toml`), handed to devices.
    pub const MAP: &str = "map";
    /// Patrol settings: the 漏报 rule and the coverage rules (JSON, `biz::patrol::PatrolSettings`).
    pub const PATROL: &str = "patrol";
    /// The department tree: 三级 units and 作业班组 under their 二级 unit (CSV `unit,parent`,
    /// `biz::units`; docs/departments.md), handed to devices.
    pub const DEPARTMENT_UNITS: &str = "department_units";
    /// Area grades (区域等级) and their cells (CSV, `AreaGrades::parse_csv`), handed to devices.
    pub const AREA_GRADES: &str = gridcase_core::catalog::standards::AREA_GRADES_KEY;
}

/// The parsed rules of one tenant.
#[derive(Debug)]
pub struct TenantRules {
    /// Categories and handling limits.
    pub catalog: Catalog,
    /// Work calendar.
    pub calendar: WorkCalendar,
    /// Calendars per team (None: every clock counts on `calendar`).
    pub teams: Option<TeamCalendars>,
    /// Channels and categories filed without field verification.
    pub waivers: Vec<super::waivers::Waiver>,
    /// Stage limits.
    pub policy: DeadlinePolicy,
    /// The unit grid cells as imported (`cells.geojson`), for placing reports that come
    /// without a cell (Open311, superior imports); `None` when the tenant has no geometry.
    pub grid: Option<gridcase_core::grid::GridIndex>,
    /// The current standards table (立案、处置和结案标准) with its version, `None` before the
    /// tenant's first import (then the catalog's rules apply).
    pub standards: Option<gridcase_core::catalog::StandardsRelease>,
    /// The area grades and their cells (defaults when the tenant has no `area_grades.csv`).
    pub area_grades: gridcase_core::catalog::AreaGrades,
    /// The department tree (二级 → 三级/作业班组), empty when the tenant has none.
    pub units: gridcase_core::departments::DepartmentTree,
}

impl TenantRules {
    /// Loads the tenant's files (defaults where absent).
    pub fn load(conn: &Connection<'_>, tenant: &str) -> Result<TenantRules> {
        use crate::db::tenants::file;
        let mut catalog = Catalog::builtin();
        if let Some((name, text)) = file(conn, tenant, kind::CATALOG_EXTENSIONS)? {
            catalog = catalog.with_extensions(&name, &text)?;
        }
        if let Some((name, text)) = file(conn, tenant, kind::CATALOG_RULES)? {
            catalog = catalog.with_rules(&name, &text)?;
        }
        let calendar = match file(conn, tenant, kind::CALENDAR)? {
            Some((name, text)) => WorkCalendar::parse_toml(&name, &text)?,
            None => WorkCalendar::standard_weekdays(),
        };
        let teams = match file(conn, tenant, kind::TEAM_CALENDARS)? {
            Some((name, text)) => {
                let departments = crate::db::users::departments(conn, tenant)?;
                let by_code = |code: &str| {
                    departments
                        .iter()
                        .find(|d| d.code.as_deref() == Some(code))
                        .map(|d| d.id)
                };
                Some(TeamCalendars::parse_toml(&name, &text, &by_code)?)
            }
            None => None,
        };
        let policy = match file(conn, tenant, kind::POLICY)? {
            Some((name, text)) => DeadlinePolicy::parse_toml(&name, &text)?,
            None => DeadlinePolicy::parse_toml("stage_limits.example.toml", DEFAULT_POLICY)?,
        };
        let grid = match file(conn, tenant, kind::CELLS)? {
            Some((name, text)) => Some(gridcase_core::grid::GridIndex::from_geojson(&name, &text)?),
            None => None,
        };
        let standards = crate::db::standards::get(conn, tenant, None)?;
        let area_grades = super::standards::area_grades(conn, tenant)?;
        let waivers = match file(conn, tenant, kind::VERIFICATION_WAIVERS)? {
            Some((name, text)) => super::waivers::parse(&name, &text, &catalog)?,
            None => Vec::new(),
        };
        let units = super::units::load(conn, tenant)?;
        Ok(TenantRules {
            units,
            waivers,
            catalog,
            calendar,
            teams,
            policy,
            grid,
            standards,
            area_grades,
        })
    }

    /// The tenant's cell containing a point, if the tenant has cell geometry and the point is
    /// inside a cell.
    pub fn cell_at(&self, lon: f64, lat: f64) -> Option<gridcase_core::codes::GridCode> {
        self.grid.as_ref()?.cell_at(lon, lat).map(|c| c.code)
    }
}
