//! `GET /v1/reference`: the tenant's reference data a device needs offline (docs/protocol.md):
//! the files as the administrator imported them, keyed by kind (`cells`, `components`,
//! `places`, `responsibility`, `calendar`, `policy`, `catalog_extensions`, `catalog_rules`,
//! `area_grades`), the current standards table under `standards` (JSON of a
//! `catalog::StandardsRelease`; read both with `catalog::standards::from_reference`), the
//! departments, and the staff directory (names, roles, cells; never a user name or a
//! password hash). `version` is a hash of the content, so a device can tell whether its copy is
//! current.

use crate::model::{DepartmentId, Role, UserId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A department as devices see it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct RefDepartment {
    /// Id.
    pub id: DepartmentId,
    /// The tenant's own code (the responsibility list names departments by it).
    pub code: Option<String>,
    /// Name.
    pub name: String,
    /// The parent unit of a 三级 unit or 作业班组 (`department_units.csv`; absent: a
    /// department of the flat level, and every department of older servers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<DepartmentId>,
}

/// A staff member as devices see them (for assignee pickers and timelines).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct RefUser {
    /// Id.
    pub id: UserId,
    /// Display name.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Department (department users).
    pub department: Option<DepartmentId>,
    /// Assigned cells (inspectors).
    pub cells: Vec<String>,
}

/// The tenant's offline basemap package (an MBTiles file, docs/basemap.md), downloaded with
/// `GET /v1/basemap/{version}`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct BasemapRef {
    /// Hex SHA-256 of the package's bytes.
    pub version: String,
    /// Its size in bytes.
    pub bytes: u64,
}

/// The reference bundle.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ReferenceBundle {
    /// The tenant code.
    pub tenant: String,
    /// The tenant's name.
    pub tenant_name: String,
    /// Hex SHA-256 over everything below.
    pub version: String,
    /// File kind → text as imported.
    pub files: BTreeMap<String, String>,
    /// Departments, by name.
    pub departments: Vec<RefDepartment>,
    /// Active staff, by name.
    pub users: Vec<RefUser>,
    /// The tenant's basemap package, when it has one (absent from older servers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basemap: Option<BasemapRef>,
}
