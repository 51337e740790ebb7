//! The demo's organisation: 15 二级 departments, 7 child units (三级 units and 作业班组) under
//! three of them, the responsibility list, and users for every role.

use super::duty::{Responsibility, ResponsibilityList};
use super::names::{CHILD_UNITS, COMPONENT_TYPES, DEPARTMENTS, GIVEN, SURNAMES};
use super::records::{Community, Department, DepartmentUnit, Street, UserRecord};
use super::rng::SplitMix64;
use crate::codes::CategoryKind;
use crate::model::{DepartmentId, Role};

/// 2026-01-01T00:00:00+08:00 in Unix milliseconds: the time part of the demo's UUIDv7 ids.
const ID_EPOCH_MS: u64 = 1_767_196_800_000;

/// The departments, with UUIDv7 ids from the seed.
pub(crate) fn departments(rng: &mut SplitMix64) -> Vec<Department> {
    DEPARTMENTS
        .iter()
        .enumerate()
        .map(|(i, (code, name))| Department {
            code: (*code).to_owned(),
            id: DepartmentId::from_parts(ID_EPOCH_MS + i as u64, rng.bytes10()),
            name: (*name).to_owned(),
        })
        .collect()
}

/// The child units (三级 units and 作业班组) with their parents, and one department account
/// for each (`dept-<code>`, like the 二级 departments'). Ids continue the departments' sequence.
/// Drawn after everything else, so the rest of the tenant is the same as without them.
pub(crate) fn child_units(
    rng: &mut SplitMix64,
) -> (Vec<Department>, Vec<DepartmentUnit>, Vec<UserRecord>) {
    let mut units = Vec::new();
    let mut links = Vec::new();
    let mut users = Vec::new();
    for (i, (code, parent, name)) in CHILD_UNITS.iter().enumerate() {
        let n = (DEPARTMENTS.len() + i) as u64;
        units.push(Department {
            code: (*code).to_owned(),
            id: DepartmentId::from_parts(ID_EPOCH_MS + n, rng.bytes10()),
            name: (*name).to_owned(),
        });
        links.push(DepartmentUnit {
            unit: (*code).to_owned(),
            parent: (*parent).to_owned(),
        });
    }
    for unit in &units {
        users.push(UserRecord {
            username: format!("dept-{}", unit.code),
            display_name: person(rng),
            role: Role::Department,
            department: Some(unit.code.clone()),
            cells: Vec::new(),
        });
    }
    (units, links, users)
}

/// The responsibility list: every demo component type (and its "…异常" matter, which shares the
/// code) goes to its maintainer; classes and `*` rows catch the rest; east streets have their
/// own sanitation contractor.
pub(crate) fn responsibility(streets: &[Street]) -> ResponsibilityList {
    let row = |kind, category: &str, area: &str, department: &str| Responsibility {
        kind,
        category: category.to_owned(),
        area: area.to_owned(),
        department: department.to_owned(),
    };
    let (c, m) = (CategoryKind::Component, CategoryKind::Matter);
    let mut rows = Vec::new();
    for (code, _, dept) in COMPONENT_TYPES {
        rows.push(row(c, code, "*", dept));
        rows.push(row(m, code, "*", dept));
    }
    for (kind, category, dept) in [
        (c, "02", "jj"),
        (c, "03", "hw"),
        (c, "04", "yl"),
        (c, "*", "zf"),
        (m, "06", "hw"),
        (m, "07", "zf"),
        (m, "08", "zj"),
        (m, "09", "zf"),
        (m, "10", "zj"),
        (m, "10001", "hw"),
        (m, "10002", "dx"),
        (m, "*", "zf"),
    ] {
        rows.push(row(kind, category, "*", dept));
    }
    for (i, street) in streets.iter().enumerate() {
        if i % 4 >= 2 {
            rows.push(row(c, "03005", &street.code, "hwdp"));
            rows.push(row(m, "06", &street.code, "hwdp"));
        }
    }
    ResponsibilityList { rows }
}

fn person(rng: &mut SplitMix64) -> String {
    format!(
        "{}{}",
        SURNAMES[rng.index(SURNAMES.len())],
        GIVEN[rng.index(GIVEN.len())]
    )
}

/// Users for every role but `system` (the server's own account): an administrator, a leader,
/// two each of intake operators, shift leaders and dispatchers, one user per department, and one
/// inspector per community.
pub(crate) fn users(
    rng: &mut SplitMix64,
    departments: &[Department],
    communities: &[Community],
) -> Vec<UserRecord> {
    let mut out = Vec::new();
    let mut push = |rng: &mut SplitMix64,
                    username: String,
                    role: Role,
                    department: Option<String>,
                    cells: Vec<String>| {
        out.push(UserRecord {
            username,
            display_name: person(rng),
            role,
            department,
            cells,
        });
    };
    push(rng, "admin".into(), Role::Admin, None, Vec::new());
    push(rng, "leader01".into(), Role::Leader, None, Vec::new());
    for (prefix, role) in [
        ("intake", Role::IntakeOperator),
        ("shift", Role::ShiftLeader),
        ("dispatch", Role::Dispatcher),
    ] {
        for n in 1..=2 {
            push(rng, format!("{prefix}{n:02}"), role, None, Vec::new());
        }
    }
    for d in departments {
        push(
            rng,
            format!("dept-{}", d.code),
            Role::Department,
            Some(d.code.clone()),
            Vec::new(),
        );
    }
    for (n, community) in communities.iter().enumerate() {
        push(
            rng,
            format!("insp{:03}", n + 1),
            Role::Inspector,
            None,
            vec![community.code.clone()],
        );
    }
    out
}
