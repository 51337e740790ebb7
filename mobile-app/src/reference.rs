//! The tenant's reference data on the device: the bundle from `GET /v1/reference` kept as
//! `reference.json` in the user's directory, parsed into the core indexes the app works with
//! offline — the grid (point → cell), components (nearby), places and the geocoder (address
//! text), the catalog with the tenant's additions (category search), the responsibility list
//! (dispatch suggestion), the calendar and stage limits (deadlines), departments and staff.
//!
//! Invariant: built only from a bundle that parsed completely; a bad bundle is refused whole
//! (the previous copy stays in use).

use crate::dto::{
    CategoryDto, ConditionDto, NearbyComponent, NearestCell, PlaceHit, Placement, Suggestion,
};
use crate::error::{AppError, AppResult};
use gridcase_core::calendar::WorkCalendar;
use gridcase_core::catalog::standards::{self, AreaGrades, StandardsRelease};
use gridcase_core::catalog::{Catalog, Category};
use gridcase_core::codes::{CategoryKind, CategoryRef, ComponentId, GridCode};
use gridcase_core::deadline::{DeadlinePolicy, TeamCalendars};
use gridcase_core::demo::ResponsibilityList;
use gridcase_core::grid::{
    ComponentIndex, Geocoder, GridIndex, Lookup, OnlineLayer, PlaceLayer, PlaceSearch, SearchHit,
};
use gridcase_core::model::{DepartmentId, LimitBasis, Role, TimeLimit, UserId};
use gridcase_core::protocol::{RefDepartment, RefUser, ReferenceBundle};
use gridcase_core::workflow::CaseState;
use std::collections::HashMap;

/// Components offered for a component problem: at most this many, within this radius (the
/// form shows those of the chosen category first, so the list holds every type nearby).
pub const NEARBY_COMPONENTS: usize = 30;
/// Radius of the nearby-components search in metres.
pub const NEARBY_RADIUS_M: f64 = 50.0;

/// The parsed reference data.
pub struct Reference {
    /// The bundle as received.
    pub bundle: ReferenceBundle,
    /// Unit grid cells.
    pub grid: GridIndex,
    /// Component inventory (empty when the tenant has none).
    pub components: ComponentIndex,
    /// Named roads and places.
    pub places: Option<PlaceLayer>,
    /// Category catalog with the tenant's additions.
    pub catalog: Catalog,
    /// Responsibility list.
    pub duty: ResponsibilityList,
    /// Work calendar.
    pub calendar: WorkCalendar,
    /// Calendars per team (None: every clock counts on `calendar`).
    pub teams: Option<TeamCalendars>,
    /// The standards table (立案、处置和结案标准) with its version, when the tenant has one.
    pub standards: Option<StandardsRelease>,
    /// The area grade of each cell, street or community (for the standards' limits).
    pub area_grades: AreaGrades,
    /// Stage limits.
    pub policy: DeadlinePolicy,
    /// Offline place search over roads, places, communities, streets, cells and components.
    pub search: PlaceSearch,
    /// The tenant's online map layer (`map.toml`), drawn beneath the offline basemap.
    pub online: Option<OnlineLayer>,
    users: HashMap<UserId, RefUser>,
    departments: HashMap<DepartmentId, String>,
}

impl std::fmt::Debug for Reference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reference")
            .field("tenant", &self.bundle.tenant)
            .field("version", &self.bundle.version)
            .field("cells", &self.grid.len())
            .finish_non_exhaustive()
    }
}

fn bad(e: impl std::fmt::Display) -> AppError {
    AppError::new("reference_invalid", format!("辖区基础数据有误：{e}"))
}

impl Reference {
    /// Parses a bundle.
    pub fn from_bundle(bundle: ReferenceBundle) -> AppResult<Reference> {
        let file = |k: &str| bundle.files.get(k).map(String::as_str);
        let grid = match file("cells") {
            Some(text) => GridIndex::from_geojson("cells.geojson", text).map_err(bad)?,
            None => GridIndex::from_cells(Vec::new()).map_err(bad)?,
        };
        let components = match file("components") {
            Some(text) => ComponentIndex::from_geojson("components.geojson", text).map_err(bad)?,
            None => ComponentIndex::from_components(Vec::new()).map_err(bad)?,
        };
        let places = file("places")
            .map(|t| PlaceLayer::from_geojson("places.geojson", t))
            .transpose()
            .map_err(bad)?;
        let mut catalog = Catalog::builtin();
        if let Some(text) = file("catalog_extensions") {
            catalog = catalog
                .with_extensions("catalog_extensions.csv", text)
                .map_err(bad)?;
        }
        if let Some(text) = file("catalog_rules") {
            catalog = catalog.with_rules("catalog_rules.csv", text).map_err(bad)?;
        }
        let duty = match file("responsibility") {
            Some(text) => ResponsibilityList::parse_csv("responsibility.csv", text).map_err(bad)?,
            None => ResponsibilityList::default(),
        };
        let calendar = match file("calendar") {
            Some(text) => WorkCalendar::parse_toml("calendar.toml", text).map_err(bad)?,
            None => WorkCalendar::standard_weekdays(),
        };
        let teams = match file("team_calendars") {
            Some(text) => {
                let by_code = |code: &str| {
                    bundle
                        .departments
                        .iter()
                        .find(|d| d.code.as_deref() == Some(code))
                        .map(|d| d.id)
                };
                Some(
                    TeamCalendars::parse_toml("team_calendars.toml", text, &by_code)
                        .map_err(bad)?,
                )
            }
            None => None,
        };
        let policy = DeadlinePolicy::parse_toml(
            "stage_limits.toml",
            file("policy").unwrap_or(DEFAULT_POLICY),
        )
        .map_err(bad)?;
        let (standards, area_grades) = standards::from_reference(&bundle.files).map_err(bad)?;
        let search = PlaceSearch::build(&grid, places.as_ref(), &components, |c| {
            let kind = catalog
                .get(&CategoryRef {
                    kind: CategoryKind::Component,
                    code: c.type_code.clone(),
                })
                .map_or_else(|| c.type_code.to_string(), |k| k.name.clone());
            format!("部件 · {kind}")
        });
        let online = file("map")
            .map(|t| OnlineLayer::parse_toml("map.toml", t))
            .transpose()
            .map_err(bad)?
            .flatten();
        let users = bundle.users.iter().map(|u| (u.id, u.clone())).collect();
        let departments = bundle
            .departments
            .iter()
            .map(|d| (d.id, d.name.clone()))
            .collect();
        Ok(Reference {
            bundle,
            grid,
            components,
            places,
            catalog,
            duty,
            calendar,
            teams,
            standards,
            area_grades,
            policy,
            search,
            online,
            users,
            departments,
        })
    }

    /// A user's display name.
    pub fn user_name(&self, id: &UserId) -> Option<&str> {
        self.users.get(id).map(|u| u.display_name.as_str())
    }

    /// A department's name.
    pub fn department_name(&self, id: &DepartmentId) -> Option<&str> {
        self.departments.get(id).map(String::as_str)
    }

    /// A department's name by the tenant's own code (component owners and maintainers are
    /// given by code); the code itself when no department has it.
    pub fn department_by_code(&self, code: &str) -> Option<String> {
        if code.is_empty() {
            return None;
        }
        Some(
            self.bundle
                .departments
                .iter()
                .find(|d| d.code.as_deref() == Some(code))
                .map_or_else(|| code.to_owned(), |d| d.name.clone()),
        )
    }

    /// The inspectors whose cells include `cell` (all inspectors when none does).
    pub fn inspectors_for(&self, cell: Option<&str>) -> Vec<&RefUser> {
        let inspectors: Vec<&RefUser> = self
            .bundle
            .users
            .iter()
            .filter(|u| u.role == Role::Inspector)
            .collect();
        let of_cell: Vec<&RefUser> = inspectors
            .iter()
            .copied()
            .filter(|u| cell.is_some_and(|c| u.cells.iter().any(|x| x == c)))
            .collect();
        if of_cell.is_empty() {
            inspectors
        } else {
            of_cell
        }
    }

    /// A category's name.
    pub fn category_name(&self, category: &CategoryRef) -> Option<&str> {
        self.catalog.get(category).map(|c| c.name.as_str())
    }

    /// The handling limit the tenant's rules give a case now, with its basis: what a
    /// dispatch without an override records (so later rule changes move nothing already
    /// dispatched). The standards table first (the 立案条件 chosen at filing, the area grade
    /// of the case's cell), else the category's limit in the rules.
    pub fn standard_limit(&self, state: &CaseState) -> Option<(TimeLimit, LimitBasis)> {
        let category = state.category()?;
        if let Some(release) = &self.standards {
            let grade = state.cell().and_then(|c| self.area_grades.grade_of(&c));
            let condition = state.filing_condition.as_deref();
            if let Some(found) = release.recorded_limit(category, condition, state.urgency(), grade)
            {
                return Some(found);
            }
        }
        let limit = self.catalog.get(category)?.limit(state.urgency())?;
        Some((
            limit,
            LimitBasis::Category {
                rules_version: Some(self.rules_version()),
            },
        ))
    }

    /// The 立案条件 of the case's category to choose from at 立案 (rows of the tenant's
    /// standards table; none when the tenant has not imported one).
    pub fn conditions(&self, state: &CaseState) -> Vec<ConditionDto> {
        let (Some(release), Some(category)) = (&self.standards, state.category()) else {
            return Vec::new();
        };
        release
            .table
            .conditions(category)
            .iter()
            .map(|c| ConditionDto {
                code: c.code.clone(),
                filing: c.filing_condition.clone(),
                closing: c.closing_condition.clone(),
            })
            .collect()
    }

    /// The condition the case was filed under with its 结案条件 (from the standards table),
    /// or else the category's own 立案条件 and 结案条件 (shown at 核查 and 结案).
    pub fn filing_condition(&self, state: &CaseState) -> Option<ConditionDto> {
        let category = state.category()?;
        if let (Some(release), Some(code)) = (&self.standards, &state.filing_condition)
            && let Some(c) = release.table.condition(category, code)
        {
            return Some(ConditionDto {
                code: c.code.clone(),
                filing: c.filing_condition.clone(),
                closing: c.closing_condition.clone(),
            });
        }
        if let Some(s) = self
            .standards
            .as_ref()
            .and_then(|r| r.table.category(category))
            .filter(|s| s.filing_condition.is_some() || s.closing_condition.is_some())
        {
            return Some(ConditionDto {
                code: String::new(),
                filing: s.filing_condition.clone().unwrap_or_default(),
                closing: s.closing_condition.clone().unwrap_or_default(),
            });
        }
        let category = self.catalog.get(category)?;
        if category.filing_condition.is_none() && category.closing_condition.is_none() {
            return None;
        }
        Some(ConditionDto {
            code: state.filing_condition.clone().unwrap_or_default(),
            filing: category.filing_condition.clone().unwrap_or_default(),
            closing: category.closing_condition.clone().unwrap_or_default(),
        })
    }

    /// A short version of the reference data (its SHA-256's first 12 hex digits), recorded
    /// with limits read from it.
    pub fn rules_version(&self) -> String {
        self.bundle.version.chars().take(12).collect()
    }

    /// The unit grid cell of a point, when it lies inside one.
    pub fn cell_at(&self, lon: f64, lat: f64) -> Option<GridCode> {
        match self.grid.locate(lon, lat) {
            Lookup::Inside(c) => Some(c.code),
            Lookup::Outside { .. } => None,
        }
    }

    /// The cell a point lies in, else the nearest cell within the grid's hint distance (a road
    /// between cells belongs to the cell beside it; the address text names the same cell).
    pub fn cell_or_nearest(&self, lon: f64, lat: f64) -> Option<GridCode> {
        match self.grid.locate(lon, lat) {
            Lookup::Inside(c) => Some(c.code),
            Lookup::Outside { nearest } => nearest.map(|(c, _)| c.code),
        }
    }

    /// Where a point is: its cell, the address text, and the components nearby.
    pub fn locate(&self, lon: f64, lat: f64) -> Placement {
        let geocoder = Geocoder::new(&self.grid, self.places.as_ref());
        let address = geocoder.address(lon, lat);
        let (inside, cell, nearest) = match self.grid.locate(lon, lat) {
            Lookup::Inside(c) => (true, Some(c), None),
            Lookup::Outside { nearest } => (
                false,
                None,
                nearest.map(|(c, d)| NearestCell {
                    code: c.code.to_string(),
                    distance_m: round1(d),
                }),
            ),
        };
        let components = self
            .components
            .nearest(lon, lat, NEARBY_COMPONENTS, NEARBY_RADIUS_M)
            .into_iter()
            .map(|(c, d)| NearbyComponent {
                id: c.id.to_string(),
                type_code: c.type_code.to_string(),
                type_name: self
                    .catalog
                    .get(&CategoryRef {
                        kind: CategoryKind::Component,
                        code: c.type_code.clone(),
                    })
                    .map_or_else(|| c.type_code.to_string(), |k| k.name.clone()),
                distance_m: round1(d),
                owner: self.department_by_code(&c.owner),
                maintainer: self.department_by_code(&c.maintainer),
                lon: Some(c.lon),
                lat: Some(c.lat),
            })
            .collect();
        Placement {
            inside,
            cell: cell.map(|c| c.code.to_string()),
            community: cell.map(|c| c.community.clone()),
            street: cell.map(|c| c.street.clone()),
            address: address.map_or_else(|| "辖区范围外".to_owned(), |a| a.text),
            nearest_cell: nearest,
            components,
        }
    }

    /// Places, roads, communities, streets, cells and components matching `query`, best first,
    /// each with the cell at its pin (or, for a pin on a road between cells, the nearest cell,
    /// as [`Reference::locate`] hints it) and the address text there.
    pub fn search_places(
        &self,
        query: &str,
        centre: Option<(f64, f64)>,
        limit: usize,
    ) -> Vec<PlaceHit> {
        let geocoder = Geocoder::new(&self.grid, self.places.as_ref());
        self.search
            .search(query, centre, limit)
            .into_iter()
            .map(|h: SearchHit| PlaceHit {
                kind: h.kind.as_str().to_owned(),
                cell: self.cell_or_nearest(h.lon, h.lat).map(|c| c.to_string()),
                address: geocoder
                    .address(h.lon, h.lat)
                    .map_or_else(|| "辖区范围外".to_owned(), |a| a.text),
                name: h.name,
                detail: h.detail,
                lon: h.lon,
                lat: h.lat,
            })
            .collect()
    }

    /// Categories by name or code (current and extension codes only), best first.
    pub fn search_categories(&self, query: &str, kind: Option<&str>) -> Vec<CategoryDto> {
        self.catalog
            .search(query, 200)
            .into_iter()
            .filter(|c| kind.is_none_or(|k| kind_str(c.kind) == k))
            .take(50)
            .map(category_dto)
            .collect()
    }

    /// A category by its `kind:code` reference.
    pub fn category(&self, reference: &str) -> Option<CategoryDto> {
        let category = parse_category_ref(reference)?;
        self.catalog.get(&category).map(category_dto)
    }

    /// The department a case should go to: when the report names a component of the inventory,
    /// its 养护单位 (maintainer), else its 权属单位 (owner), when either is a department of the
    /// tenant; otherwise the responsibility list's department for the category in the cell.
    pub fn suggest_for(
        &self,
        category: &CategoryRef,
        cell: &GridCode,
        component: Option<&ComponentId>,
    ) -> Option<Suggestion> {
        let named = component.and_then(|id| self.components.get(id));
        if let Some(c) = named {
            for (code, role) in [(&c.maintainer, "养护单位"), (&c.owner, "权属单位")] {
                if let Some(d) = self.department_with_code(code) {
                    return Some(Suggestion {
                        department_id: d.id.to_string(),
                        department_name: d.name.clone(),
                        basis: format!("部件{role}：部件 {}", c.id),
                    });
                }
            }
        }
        self.suggest(category, cell)
    }

    fn department_with_code(&self, code: &str) -> Option<&RefDepartment> {
        if code.is_empty() {
            return None;
        }
        self.bundle
            .departments
            .iter()
            .find(|d| d.code.as_deref() == Some(code))
    }

    /// The responsibility list's department for a category in a cell.
    pub fn suggest(&self, category: &CategoryRef, cell: &GridCode) -> Option<Suggestion> {
        let row = self.duty.find(category.kind, &category.code, cell)?;
        let department = self.department_with_code(&row.department)?;
        let area = match row.area.as_str() {
            "*" => "全区".to_owned(),
            a => format!("区域 {a}"),
        };
        let what = match row.category.as_str() {
            "*" => "全部类别".to_owned(),
            c => format!("类别 {c}"),
        };
        Some(Suggestion {
            department_id: department.id.to_string(),
            department_name: department.name.clone(),
            basis: format!("权责清单：{what}，{area}"),
        })
    }
}

/// `component:01001` / `matter:01001` → a category reference.
pub fn parse_category_ref(text: &str) -> Option<CategoryRef> {
    let (kind, code) = text.split_once(':')?;
    let kind = match kind {
        "component" => CategoryKind::Component,
        "matter" => CategoryKind::Matter,
        _ => return None,
    };
    let code = gridcase_core::codes::CategoryCode::parse(code).ok()?;
    Some(CategoryRef { kind, code })
}

/// A category reference as `kind:code`.
pub fn category_ref_text(category: &CategoryRef) -> String {
    format!("{}:{}", kind_str(category.kind), category.code)
}

/// `component` or `matter`.
pub fn kind_str(kind: CategoryKind) -> &'static str {
    match kind {
        CategoryKind::Component => "component",
        CategoryKind::Matter => "matter",
    }
}

fn category_dto(c: &Category) -> CategoryDto {
    CategoryDto {
        reference: category_ref_text(&c.reference()),
        kind: kind_str(c.kind).to_owned(),
        code: c.code.to_string(),
        name: c.name.clone(),
        major_name: c.class_name.clone(),
        minor_name: Some(c.name.clone()),
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The stage limits used when a tenant has none.
const DEFAULT_POLICY: &str = include_str!("../../core/data/limits/stage_limits.example.toml");
