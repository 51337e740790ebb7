//! The tenant's reference data for devices (`GET /v1/reference`): what an app needs to work
//! offline — the unit grid cells, the component inventory, named places, the responsibility
//! list, the work calendar, the stage limits, catalog additions, the area grades — as the files
//! were imported, the current standards table (`standards`: JSON of a `StandardsRelease`),
//! plus the departments and the staff directory (names, roles, cells; never a password hash or
//! a user name).
//!
//! Invariant: a caller only ever gets its own tenant's data. `version` is the SHA-256 of the
//! content, so a device can tell whether its copy is current.

use super::caller::Caller;
use super::rules::kind;
use crate::db::{tenants, users};
use crate::deployment::Deployment;
use crate::error::Result;
use gridcase_core::protocol::{BasemapRef, RefDepartment, RefUser, ReferenceBundle};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The file kinds a device receives, with the file names they were imported as.
pub const DEVICE_FILES: [&str; 11] = [
    kind::CELLS,
    kind::COMPONENTS,
    kind::PLACES,
    kind::RESPONSIBILITY,
    kind::CALENDAR,
    kind::TEAM_CALENDARS,
    kind::POLICY,
    kind::CATALOG_EXTENSIONS,
    kind::CATALOG_RULES,
    kind::AREA_GRADES,
    kind::MAP,
];

/// The `files` key of the current standards table (JSON of
/// [`gridcase_core::catalog::StandardsRelease`], with its version).
pub const STANDARDS_KEY: &str = gridcase_core::catalog::standards::REFERENCE_KEY;

/// The caller's tenant's bundle.
pub fn bundle(dep: &Deployment, caller: &Caller) -> Result<ReferenceBundle> {
    let tenant = caller.tenant_code();
    dep.db().read(|tx| {
        let tenant_name = tenants::get(tx, &tenant)?.map_or_else(|| tenant.clone(), |t| t.name);
        let mut files = BTreeMap::new();
        for k in DEVICE_FILES {
            if let Some((_, text)) = tenants::file(tx, &tenant, k)? {
                files.insert(k.to_owned(), text);
            }
        }
        if let Some(release) = crate::db::standards::get(tx, &tenant, None)? {
            let json = serde_json::to_string(&release)
                .map_err(|e| crate::error::ServerError::Internal(e.to_string()))?;
            files.insert(STANDARDS_KEY.to_owned(), json);
        }
        // A tree that no longer reads (a department deleted since) is left out, not fatal.
        let tree = super::units::load(tx, &tenant).unwrap_or_default();
        let departments = users::departments(tx, &tenant)?
            .into_iter()
            .map(|d| RefDepartment {
                parent: tree.parent_of(d.id),
                id: d.id,
                code: d.code,
                name: d.name,
            })
            .collect();
        let mut staff = Vec::new();
        for u in users::list(tx, &tenant)? {
            if u.disabled {
                continue;
            }
            let cells = users::cells(tx, u.id)?;
            staff.push(RefUser {
                id: u.id,
                display_name: u.display_name,
                role: u.role,
                department: u.department,
                cells,
            });
        }
        staff.sort_by(|a, b| a.display_name.cmp(&b.display_name));
        let mut bundle = ReferenceBundle {
            tenant: tenant.clone(),
            tenant_name,
            version: String::new(),
            files,
            departments,
            users: staff,
            basemap: crate::db::basemaps::get(tx, &tenant)?.map(|b| BasemapRef {
                version: b.version,
                bytes: b.bytes,
            }),
        };
        bundle.version = version_of(&bundle);
        Ok(bundle)
    })
}

fn version_of(bundle: &ReferenceBundle) -> String {
    let mut hasher = Sha256::new();
    hasher.update(bundle.tenant_name.as_bytes());
    for (k, v) in &bundle.files {
        hasher.update(k.as_bytes());
        hasher.update([0]);
        hasher.update(v.as_bytes());
        hasher.update([0]);
    }
    for d in &bundle.departments {
        hasher.update(d.id.to_string().as_bytes());
        hasher.update(d.name.as_bytes());
        if let Some(p) = d.parent {
            hasher.update(p.to_string().as_bytes());
        }
    }
    for u in &bundle.users {
        hasher.update(u.id.to_string().as_bytes());
        hasher.update(u.display_name.as_bytes());
        hasher.update(u.cells.join(",").as_bytes());
    }
    if let Some(b) = &bundle.basemap {
        hasher.update(b"basemap");
        hasher.update(b.version.as_bytes());
    }
    hex::encode(hasher.finalize())
}
