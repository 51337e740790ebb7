//! The demo tenant generator: counts, valid codes against the foundation's parsers and the
//! catalog, numbering order, referential integrity, files that load back, determinism, and the
//! tables' readers refusing bad rows.

use gridcase_core::calendar::WorkCalendar;
use gridcase_core::catalog::Catalog;
use gridcase_core::codes::{CategoryCode, CategoryKind, CategoryRef, ComponentId, GridCode};
use gridcase_core::deadline::DeadlinePolicy;
use gridcase_core::demo::{
    DemoTenant, FILE_NAMES, ResponsibilityList, TenantInfo, parse_communities, parse_departments,
    parse_streets, parse_users,
};
use gridcase_core::departments::DepartmentTree;
use gridcase_core::grid::{ComponentIndex, GridIndex, PlaceLayer};
use gridcase_core::model::Role;
use std::collections::{BTreeMap, HashSet};
use std::sync::LazyLock;

static DEMO: LazyLock<DemoTenant> = LazyLock::new(|| DemoTenant::generate(2026));

fn centre(cell: &gridcase_core::grid::Cell) -> (f64, f64) {
    let ring = &cell.polygon.exterior().0;
    let n = (ring.len() - 1) as f64;
    let (x, y) = ring[..ring.len() - 1]
        .iter()
        .fold((0.0, 0.0), |(x, y), c| (x + c.x, y + c.y));
    (x / n, y / n)
}

#[test]
fn sizes_and_roles() {
    let t = &*DEMO;
    assert_eq!(
        (
            t.streets.len(),
            t.communities.len(),
            t.cells.len(),
            t.departments.len()
        ),
        (20, 100, 3000, 22)
    );
    // 15 二级 departments and 7 child units under three of them.
    assert_eq!(t.department_units.len(), 7);
    assert!(
        (27_000..=33_000).contains(&t.components.len()),
        "{}",
        t.components.len()
    );
    let roles: HashSet<Role> = t.users.iter().map(|u| u.role).collect();
    for role in Role::ALL.into_iter().filter(|r| *r != Role::System) {
        assert!(roles.contains(&role), "no {role} user");
    }
    let patrolled: HashSet<&str> = t
        .users
        .iter()
        .flat_map(|u| u.cells.iter().map(String::as_str))
        .collect();
    assert!(
        t.communities
            .iter()
            .all(|c| patrolled.contains(c.code.as_str())),
        "a community without an inspector"
    );
}

#[test]
fn every_code_is_valid_and_numbered_west_east_north_south() {
    let t = &*DEMO;
    let streets: HashSet<&str> = t.streets.iter().map(|s| s.code.as_str()).collect();
    let communities: BTreeMap<&str, &str> = t
        .communities
        .iter()
        .map(|c| (c.code.as_str(), c.name.as_str()))
        .collect();
    let mut by_community: BTreeMap<String, Vec<&gridcase_core::grid::Cell>> = BTreeMap::new();
    for cell in &t.cells {
        let text = cell.code.to_string();
        assert_eq!(GridCode::parse(&text), Ok(cell.code));
        assert!(text.len() == 15 && text.starts_with("620102"), "{text}");
        assert!(streets.contains(cell.code.street_code().as_str()));
        assert_eq!(
            communities.get(cell.code.community_code().as_str()),
            Some(&cell.community.as_str())
        );
        by_community
            .entry(cell.code.community_code())
            .or_default()
            .push(cell);
    }
    assert_eq!(by_community.len(), 100);
    for cells in by_community.values() {
        assert!((16..=54).contains(&cells.len()), "{} cells", cells.len());
        for (k, pair) in cells.windows(2).enumerate() {
            assert_eq!(pair[0].code.sequence() as usize, k + 1);
            let ((x0, y0), (x1, y1)) = (centre(pair[0]), centre(pair[1]));
            let same_row = (y1 - y0).abs() < 0.0004;
            assert!(
                (same_row && x1 > x0) || (!same_row && y1 < y0 && x1 < x0),
                "{} → {}",
                pair[0].code,
                pair[1].code
            );
        }
    }
}

#[test]
fn components_are_valid_catalogued_and_inside_their_cells() {
    let t = &*DEMO;
    let catalog = Catalog::builtin();
    let grid = GridIndex::from_cells(t.cells.clone()).expect("unique codes");
    let mut seen = HashSet::new();
    for c in &t.components {
        let text = c.id.to_string();
        assert_eq!(ComponentId::parse(&text), Ok(c.id));
        assert!(text.len() == 17 && text.starts_with("620102") && seen.insert(c.id));
        assert_eq!(
            CategoryCode::parse(c.type_code.as_str()).as_ref(),
            Ok(&c.type_code)
        );
        assert_eq!(c.id.type_code(), c.type_code);
        let r = CategoryRef {
            kind: CategoryKind::Component,
            code: c.type_code.clone(),
        };
        assert!(
            catalog.get(&r).is_some(),
            "{} is not in GB/T 47678.5",
            c.type_code
        );
        let cell = grid.cell_at(c.lon, c.lat).map(|cell| cell.code);
        assert_eq!(cell, c.cell, "{} lies in {cell:?}", c.id);
    }
    for row in &t.responsibility.rows {
        if row.category.len() == 5 {
            let r = CategoryRef {
                kind: row.kind,
                code: CategoryCode::parse(&row.category).expect("code"),
            };
            assert!(catalog.get(&r).is_some(), "{row:?}");
        }
    }
}

#[test]
fn department_codes_resolve_and_responsibility_suggests() {
    let t = &*DEMO;
    let known: HashSet<&str> = t.departments.iter().map(|d| d.code.as_str()).collect();
    let used = t
        .cells
        .iter()
        .flat_map(|c| c.departments.iter())
        .chain(t.components.iter().flat_map(|c| [&c.owner, &c.maintainer]))
        .chain(t.responsibility.rows.iter().map(|r| &r.department))
        .chain(t.users.iter().filter_map(|u| u.department.as_ref()));
    for code in used {
        assert!(known.contains(code.as_str()), "unknown department {code}");
    }
    let code = |s: &str| CategoryCode::parse(s).expect("code");
    let west = GridCode::parse("620102001001001").expect("west");
    let east = GridCode::parse("620102004001001").expect("east");
    let find = |kind, c: &str, cell: &GridCode| {
        t.responsibility
            .find(kind, &code(c), cell)
            .map(|r| r.department.as_str())
    };
    assert_eq!(find(CategoryKind::Component, "01001", &west), Some("zls"));
    assert_eq!(find(CategoryKind::Component, "03005", &west), Some("hw"));
    assert_eq!(find(CategoryKind::Component, "03005", &east), Some("hwdp"));
    assert_eq!(find(CategoryKind::Component, "02044", &west), Some("jj"));
    assert_eq!(find(CategoryKind::Matter, "06010", &east), Some("hwdp"));
    assert_eq!(find(CategoryKind::Matter, "09005", &west), Some("zf"));
    assert_eq!(find(CategoryKind::Matter, "21001", &west), Some("zf"));
}

#[test]
fn child_units_form_a_one_level_tree_each_with_an_account() {
    let t = &*DEMO;
    let by_code = |c: &str| t.departments.iter().find(|d| d.code == c).map(|d| d.id);
    let text = t
        .files()
        .into_iter()
        .find(|(n, _)| *n == "department_units.csv")
        .map(|(_, text)| text)
        .expect("department_units.csv");
    let tree = DepartmentTree::parse_csv("department_units.csv", &text, &by_code).expect("tree");
    let id = |c: &str| by_code(c).expect(c);
    let mut parents = Vec::new();
    for parent in ["zf", "hw", "ps"] {
        let children = tree.children_of(id(parent));
        assert!((2..=3).contains(&children.len()), "{parent}: {children:?}");
        parents.push(parent);
    }
    assert_eq!(tree.pairs().count(), t.department_units.len());
    let responsible: HashSet<&str> = t
        .responsibility
        .rows
        .iter()
        .map(|r| r.department.as_str())
        .collect();
    for u in &t.department_units {
        assert!(parents.contains(&u.parent.as_str()), "{u:?}");
        // The centre dispatches to 二级 departments: no child unit is on the list.
        assert!(!responsible.contains(u.unit.as_str()), "{u:?}");
        let name = &t
            .departments
            .iter()
            .find(|d| d.code == u.unit)
            .expect("unit")
            .name;
        let parent_name = &t
            .departments
            .iter()
            .find(|d| d.code == u.parent)
            .expect("p")
            .name;
        assert!(
            name.starts_with(parent_name.as_str()),
            "{name} under {parent_name}"
        );
        let accounts = t
            .users
            .iter()
            .filter(|a| a.role == Role::Department && a.department.as_deref() == Some(&u.unit))
            .count();
        assert_eq!(accounts, 1, "one account for {}", u.unit);
    }
}

#[test]
fn files_load_back_and_are_deterministic() {
    let t = &*DEMO;
    let dir = tempfile::tempdir().expect("temp dir");
    t.write_to(dir.path()).expect("write");
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).expect("read");
    let names: Vec<&str> = t.files().iter().map(|(n, _)| *n).collect();
    assert_eq!(names, FILE_NAMES);
    assert_eq!(
        GridIndex::load(&dir.path().join("cells.geojson"))
            .expect("cells")
            .cells(),
        &t.cells[..]
    );
    assert_eq!(
        ComponentIndex::load(&dir.path().join("components.geojson"))
            .expect("components")
            .components(),
        &t.components[..]
    );
    assert_eq!(
        PlaceLayer::load(&dir.path().join("places.geojson"))
            .expect("places")
            .places(),
        &t.places[..]
    );
    assert_eq!(
        TenantInfo::parse_toml("tenant.toml", &read("tenant.toml")),
        Ok(t.info.clone())
    );
    assert_eq!(
        parse_streets("streets.csv", &read("streets.csv")),
        Ok(t.streets.clone())
    );
    assert_eq!(
        parse_communities("communities.csv", &read("communities.csv")),
        Ok(t.communities.clone())
    );
    assert_eq!(
        parse_departments("departments.csv", &read("departments.csv")),
        Ok(t.departments.clone())
    );
    assert_eq!(
        parse_users("users.csv", &read("users.csv")),
        Ok(t.users.clone())
    );
    assert_eq!(
        ResponsibilityList::parse_csv("responsibility.csv", &read("responsibility.csv")),
        Ok(t.responsibility.clone())
    );
    assert!(WorkCalendar::parse_toml("calendar.toml", &read("calendar.toml")).is_ok());
    assert!(DeadlinePolicy::parse_toml("stage_limits.toml", &read("stage_limits.toml")).is_ok());
    assert!(read("README.md").contains("synthetic demo data"));

    let again = DemoTenant::generate(2026).files();
    for ((name, text), (_, other)) in t.files().iter().zip(&again) {
        assert!(text == other, "{name} differs between two runs");
        assert!(
            read(name).as_bytes() == other.as_bytes(),
            "{name} on disk differs"
        );
    }
    let other = DemoTenant::generate(7);
    assert_ne!(other.cells, t.cells);
    assert_eq!(other.cells.len(), 3000);
}

#[test]
fn table_readers_refuse_bad_rows() {
    let t = &*DEMO;
    let text = |name: &str| {
        t.files()
            .into_iter()
            .find(|(n, _)| *n == name)
            .map(|(_, s)| s)
            .expect("file")
    };
    let err =
        |r: Result<(), gridcase_core::error::DataFileError>| r.err().map(|e| (e.line, e.field));
    let users = text("users.csv").replacen(",department,hw,", ",department,,", 1);
    assert_eq!(
        err(parse_users("users.csv", &users).map(drop)),
        Some((11, "department".into()))
    );
    let users = text("users.csv").replacen(",admin,", ",root,", 1);
    assert_eq!(
        err(parse_users("users.csv", &users).map(drop)),
        Some((3, "role".into()))
    );
    let depts = text("departments.csv").replacen(",019", ",x19", 1);
    assert_eq!(
        err(parse_departments("d.csv", &depts).map(drop)),
        Some((3, "id".into()))
    );
    let duty =
        text("responsibility.csv").replacen("component,01001,*,", "component,01001,6201,", 1);
    assert_eq!(
        err(ResponsibilityList::parse_csv("r.csv", &duty).map(drop)),
        Some((3, "area".into()))
    );
    let streets = text("streets.csv").replacen("620102001", "620102000", 1);
    assert_eq!(
        err(parse_streets("s.csv", &streets).map(drop)),
        Some((3, "code".into()))
    );
    let communities =
        text("communities.csv").replacen("620102001001,620102001", "620102002001,620102001", 1);
    assert_eq!(
        err(parse_communities("c.csv", &communities).map(drop)),
        Some((3, "code".into()))
    );
    let tenant = text("tenant.toml").replacen("\"620102\"", "\"990102\"", 1);
    assert_eq!(
        err(TenantInfo::parse_toml("tenant.toml", &tenant).map(drop)),
        Some((3, "code".into()))
    );
    let tenant = text("tenant.toml").replacen("version = 1", "version = 1\ncolour = 2", 1);
    assert!(TenantInfo::parse_toml("tenant.toml", &tenant).is_err());
}

/// The basemap layers load back with the layer parser, and lie where a map needs them:
/// buildings and parks inside cells (never on the roads between them), the river north of
/// every cell, every road a named main road, a named 巷 or an unnamed 支路, boundaries for every
/// street and community with their codes.
#[test]
fn basemap_layers_load_back_and_keep_off_the_roads() {
    use geo::{BoundingRect, Centroid};
    use gridcase_core::grid::{LayerKind, parse_layer};
    let t = &*DEMO;
    let files = t.files();
    let text = |name: &str| {
        files
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, s)| s.as_str())
            .expect("file")
    };
    let layer = |kind: LayerKind| {
        parse_layer(kind, kind.file_name(), text(kind.file_name())).expect("parses")
    };
    assert_eq!(layer(LayerKind::Roads), t.basemap.roads);
    assert_eq!(layer(LayerKind::Boundaries), t.basemap.boundaries);
    let index = GridIndex::from_geojson("cells.geojson", text("cells.geojson")).expect("cells");
    let buildings = layer(LayerKind::Buildings);
    assert!(buildings.len() > 5000, "{}", buildings.len());
    for b in buildings.iter().step_by(7) {
        let rect = b.geometry.bounding_rect().expect("rect");
        for corner in [rect.min(), rect.max()] {
            assert!(
                matches!(
                    index.locate(corner.x, corner.y),
                    gridcase_core::grid::Lookup::Inside(_)
                ),
                "a building corner outside every cell (on a road?): {corner:?}"
            );
        }
    }
    let north = t
        .cells
        .iter()
        .filter_map(|c| c.polygon.bounding_rect())
        .map(|r| r.max().y)
        .fold(f64::MIN, f64::max);
    let water = layer(LayerKind::Water);
    let river = water
        .iter()
        .find(|w| w.get("name") == "黄河")
        .expect("the Yellow River");
    assert!(river.geometry.bounding_rect().expect("rect").max().y > north);
    assert!(river.geometry.centroid().expect("centroid").y() > north);
    let roads = layer(LayerKind::Roads);
    assert!(
        roads
            .iter()
            .any(|r| r.get("name") == "张掖路" && r.get("class") == "secondary")
    );
    assert!(
        roads
            .iter()
            .any(|r| r.get("name") == "秦安巷" && r.get("class") == "alley")
    );
    assert!(
        roads
            .iter()
            .any(|r| r.get("name").is_empty() && r.get("class") == "branch")
    );
    let boundaries = layer(LayerKind::Boundaries);
    assert_eq!(
        boundaries
            .iter()
            .filter(|b| b.get("level") == "street")
            .count(),
        t.streets.len()
    );
    for c in &t.communities {
        let b = boundaries
            .iter()
            .find(|b| b.get("code") == c.code)
            .expect("community boundary");
        assert_eq!(b.get("name"), c.name);
    }
    assert!(!layer(LayerKind::Green).is_empty());
}
