//! Import of a tenant directory (the demo generator's files, or an administrator's own; formats
//! in docs/data-formats.md): `tenant.toml`, `departments.csv`, `users.csv`, `cells.geojson`,
//! `calendar.toml`, `team_calendars.toml` (calendars per team), `stage_limits.toml`, `responsibility.csv`, and optionally
//! `catalog_rules.csv` / `catalog_extensions.csv`, `verification_waivers.csv`, `evaluation.toml` (evaluation policy),
//! `components.geojson`, `places.geojson`, `map.toml` (an optional online map layer), `area_grades.csv` (区域等级) and the standards table
//! `standards.csv` or `standards.xlsx` (stored as a new version when it differs from the
//! current one, see [`super::standards`]), and the basemap layers `roads.geojson`,
//! `buildings.geojson`, `water.geojson`, `green.geojson`, `boundaries.geojson` (after the
//! commit, [`super::basemap::refresh`] rebuilds the tenant's basemap package when its layers
//! changed). The geometry files are kept as imported so devices
//! can download them (`GET /v1/reference`).
//!
//! When the directory has a `gis.toml` (a county GIS delivery: Shapefile, GeoPackage or GeoJSON in
//! CGCS2000, Gauss-Krüger, WGS84 or GCJ-02, see [`crate::gis`]), the delivery is converted first
//! into the canonical WGS84 layers (`cells.geojson` …) in memory; the import reads those instead of
//! the directory's own, and writes them into the directory only after it has committed, so a
//! refused delivery or a refused other file (users.csv …) leaves the directory untouched.
//!
//! Every file is read and parsed before anything is written; then everything is written in one
//! transaction. Re-importing is safe: departments are keyed by their id, existing users keep
//! their password (only new accounts get `demo_password`), cells and files are replaced.
//! Inspectors' community codes (12 digits) expand to every cell of that community.

use super::audit;
use super::auth::hash_password;
use super::password_policy::check_new_password;
use super::rules::kind;
use super::standards::{self, FileForm};
use crate::db::sql::params;
use crate::db::users::NewUser;
use crate::db::{tenants, users};
use crate::deployment::Deployment;
use crate::error::{Result, ServerError};
use gridcase_core::calendar::WorkCalendar;
use gridcase_core::catalog::AreaGrades;
use gridcase_core::codes::CountyCode;
use gridcase_core::deadline::DeadlinePolicy;
use gridcase_core::demo::{
    ResponsibilityList, TenantInfo, UserRecord, parse_departments, parse_users,
};
use gridcase_core::grid::{
    ComponentIndex, GridIndex, LayerKind, OnlineLayer, PlaceLayer, parse_layer,
};
use gridcase_core::model::UserId;
use gridcase_core::protocol::ErrorCode;
use rand::Rng;
use std::collections::BTreeMap;
use std::collections::HashMap;
use std::path::Path;

/// What an import wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    /// Departments created or updated.
    pub departments: usize,
    /// Accounts created.
    pub users_created: usize,
    /// Accounts already present (kept).
    pub users_kept: usize,
    /// Grid cells.
    pub cells: usize,
    /// Data files stored (calendar, limits, responsibility, catalog, standards).
    pub files: Vec<String>,
    /// The standards table's current version after the import, when the directory has one.
    pub standards_version: Option<u32>,
    /// The GIS delivery's conversion, one line per source layer (file, features, coordinate
    /// system), when the directory has a `gis.toml`.
    pub gis: Vec<String>,
    /// The tenant's basemap package version after the import (built when its layers changed).
    pub basemap_version: Option<String>,
}

/// The standards file of a directory: `standards.csv`, else `standards.xlsx`.
fn read_standards(dir: &Path) -> Result<Option<(&'static str, FileForm, Vec<u8>)>> {
    for (name, form) in [
        ("standards.csv", FileForm::Csv),
        ("standards.xlsx", FileForm::Xlsx),
    ] {
        match std::fs::read(dir.join(name)) {
            Ok(bytes) => return Ok(Some((name, form, bytes))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(ServerError::Config(format!("{name}: {e}"))),
        }
    }
    Ok(None)
}

/// The directory's files as the import sees them: a converted GIS delivery's layers (kept in
/// memory until the import has committed) over the files on disk.
struct Source<'a> {
    dir: &'a Path,
    converted: BTreeMap<&'static str, String>,
}

impl Source<'_> {
    fn read(&self, name: &str) -> Result<Option<String>> {
        if let Some(text) = self.converted.get(name) {
            return Ok(Some(text.clone()));
        }
        match std::fs::read_to_string(self.dir.join(name)) {
            Ok(t) => Ok(Some(t)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(ServerError::Config(format!("{name}: {e}"))),
        }
    }
}

/// Converts the directory's GIS delivery when it has a `gis.toml` (see [`crate::gis`]), in
/// memory: the import reads the converted layers instead of the directory's, and they are
/// written into the directory only after the import has committed. Returns the conversion
/// (None without a `gis.toml`) and its log lines.
fn convert_gis(dir: &Path) -> Result<(Option<crate::gis::Converted>, Vec<String>)> {
    let Some(converted) = crate::gis::convert_dir(dir)? else {
        return Ok((None, Vec::new()));
    };
    let lines: Vec<String> = converted.log.iter().map(ToString::to_string).collect();
    for line in &lines {
        tracing::info!(target: "gridcase_server::gis", "{line}");
    }
    Ok((Some(converted), lines))
}

/// The tenant's cells: `(code, "street community")`.
fn parse_cells(text: &str) -> Result<Vec<(String, String)>> {
    let index = GridIndex::from_geojson("cells.geojson", text)?;
    Ok(index
        .cells()
        .iter()
        .map(|c| (c.code.to_string(), format!("{} {}", c.street, c.community)))
        .collect())
}

/// Expands community codes (12 digits) into the cells of that community.
fn expand_cells(wanted: &[String], all: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for w in wanted {
        if w.len() == 12 {
            out.extend(all.iter().filter(|c| c.starts_with(w.as_str())).cloned());
        } else {
            out.push(w.clone());
        }
    }
    out.sort();
    out.dedup();
    out
}

/// How new accounts of an import start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NewAccounts {
    /// Production: every new account must change the shared initial password at first
    /// sign-in (`password_change_required`).
    MustChangePassword,
    /// Demo, training and test tenants: the shared password stays usable. Never for real
    /// accounts (docs/security/accounts.md).
    Training,
}

/// Imports the tenant directory `dir` into `tenant` (created if missing, named from
/// `tenant.toml`). New accounts get `demo_password` and keep it ([`NewAccounts::Training`]:
/// the demo tenant and the tests); see [`import_dir_as`].
pub fn import_dir(
    dep: &Deployment,
    tenant: &str,
    dir: &Path,
    demo_password: Option<&str>,
) -> Result<ImportReport> {
    import_dir_as(dep, tenant, dir, demo_password, NewAccounts::Training)
}

/// Imports the tenant directory `dir` into `tenant` (created if missing, named from
/// `tenant.toml`). New accounts get `initial_password` (checked against the password policy)
/// and start as `new_accounts` says. The import is written to the audit log.
pub fn import_dir_as(
    dep: &Deployment,
    tenant: &str,
    dir: &Path,
    initial_password: Option<&str>,
    new_accounts: NewAccounts,
) -> Result<ImportReport> {
    let demo_password = initial_password;
    let tenant = CountyCode::parse(tenant)
        .map_err(ServerError::bad_request)?
        .to_string();
    let info = Source {
        dir,
        converted: BTreeMap::new(),
    }
    .read("tenant.toml")?
    .map(|t| TenantInfo::parse_toml("tenant.toml", &t))
    .transpose()?
    .map(|i| (i.code.to_string(), i.name));
    if let Some((code, _)) = &info
        && code != &tenant
    {
        return Err(ServerError::bad_request(format!(
            "tenant.toml 的编码 {code} 与 --tenant {tenant} 不符"
        )));
    }
    let (converted, gis_log) = convert_gis(dir)?;
    let src = Source {
        dir,
        converted: converted
            .as_ref()
            .map(|c| c.files.iter().cloned().collect())
            .unwrap_or_default(),
    };
    let departments = src
        .read("departments.csv")?
        .map(|t| parse_departments("departments.csv", &t))
        .transpose()?;
    let user_lines = src
        .read("users.csv")?
        .map(|t| parse_users("users.csv", &t))
        .transpose()?;
    let cells_text = src.read("cells.geojson")?;
    let cells = cells_text.as_deref().map(parse_cells).transpose()?;
    let mut files = Vec::new();
    if let Some(text) = cells_text {
        files.push((kind::CELLS, "cells.geojson", text));
    }
    if let Some(text) = src.read("components.geojson")? {
        ComponentIndex::from_geojson("components.geojson", &text)?;
        files.push((kind::COMPONENTS, "components.geojson", text));
    }
    if let Some(text) = src.read("places.geojson")? {
        PlaceLayer::from_geojson("places.geojson", &text)?;
        files.push((kind::PLACES, "places.geojson", text));
    }
    for layer in LayerKind::ALL {
        if let Some(text) = src.read(layer.file_name())? {
            parse_layer(layer, layer.file_name(), &text)?;
            files.push((layer.as_str(), layer.file_name(), text));
        }
    }
    if let Some(text) = src.read("map.toml")? {
        OnlineLayer::parse_toml("map.toml", &text)?;
        files.push((kind::MAP, "map.toml", text));
    }
    if let Some(text) = src.read("calendar.toml")? {
        WorkCalendar::parse_toml("calendar.toml", &text)?;
        files.push((kind::CALENDAR, "calendar.toml", text));
    }
    if let Some(text) = src.read("team_calendars.toml")? {
        // Department codes: this import's departments.csv, else the tenant's stored ones.
        let stored = dep
            .db()
            .read(|tx| users::departments(tx, &tenant))
            .unwrap_or_default();
        let known = |code: &str| match &departments {
            Some(list) => list.iter().find(|d| d.code == code).map(|d| d.id),
            None => stored
                .iter()
                .find(|d| d.code.as_deref() == Some(code))
                .map(|d| d.id),
        };
        gridcase_core::deadline::TeamCalendars::parse_toml("team_calendars.toml", &text, &known)?;
        files.push((kind::TEAM_CALENDARS, "team_calendars.toml", text));
    }
    if let Some(text) = src.read(super::units::FILE_NAME)? {
        // 三级 units and 作业班组 under their 二级 unit, by code (docs/departments.md).
        let stored = dep
            .db()
            .read(|tx| users::departments(tx, &tenant))
            .unwrap_or_default();
        let known = |code: &str| match &departments {
            Some(list) => list.iter().find(|d| d.code == code).map(|d| d.id),
            None => stored
                .iter()
                .find(|d| d.code.as_deref() == Some(code))
                .map(|d| d.id),
        };
        gridcase_core::departments::DepartmentTree::parse_csv(
            super::units::FILE_NAME,
            &text,
            &known,
        )?;
        files.push((kind::DEPARTMENT_UNITS, super::units::FILE_NAME, text));
    }
    if let Some(text) = src.read("stage_limits.toml")? {
        DeadlinePolicy::parse_toml("stage_limits.toml", &text)?;
        files.push((kind::POLICY, "stage_limits.toml", text));
    }
    if let Some(text) = src.read("evaluation.toml")? {
        gridcase_core::evaluation::EvaluationPolicy::parse_toml("evaluation.toml", &text)?;
        files.push((kind::EVALUATION, "evaluation.toml", text));
    }
    if let Some(text) = src.read("responsibility.csv")? {
        ResponsibilityList::parse_csv("responsibility.csv", &text)?;
        files.push((kind::RESPONSIBILITY, "responsibility.csv", text));
    }
    let mut catalog = gridcase_core::catalog::Catalog::builtin();
    if let Some(text) = src.read("catalog_extensions.csv")? {
        catalog = catalog.with_extensions("catalog_extensions.csv", &text)?;
        files.push((kind::CATALOG_EXTENSIONS, "catalog_extensions.csv", text));
    }
    if let Some(text) = src.read("catalog_rules.csv")? {
        catalog.with_rules("catalog_rules.csv", &text)?;
        files.push((kind::CATALOG_RULES, "catalog_rules.csv", text));
    }
    if let Some(text) = src.read("verification_waivers.csv")? {
        super::waivers::parse("verification_waivers.csv", &text, &catalog)?;
        files.push((kind::VERIFICATION_WAIVERS, "verification_waivers.csv", text));
    }
    let grades = match src.read("area_grades.csv")? {
        Some(text) => {
            let grades = AreaGrades::parse_csv("area_grades.csv", &text)?;
            files.push((kind::AREA_GRADES, "area_grades.csv", text));
            grades
        }
        None => dep.db().read(|tx| standards::area_grades(tx, &tenant))?,
    };
    let standards_file = read_standards(dir)?
        .map(|(name, form, bytes)| {
            standards::parse(form, name, &bytes, &catalog, grades.grades())
                .map(|table| (name, form, standards::file_sha256(&bytes), table))
                .map_err(|e| ServerError::api(ErrorCode::StandardsInvalid, e))
        })
        .transpose()?;
    let all_cells: Vec<String> = cells.iter().flatten().map(|(c, _)| c.clone()).collect();
    let user_lines = user_lines.unwrap_or_default();
    // Hash outside the transaction: argon2 is slow on purpose.
    let mut hashes = HashMap::new();
    let existing: Vec<String> = dep
        .db()
        .read(|tx| users::list(tx, &tenant))
        .map(|u| u.into_iter().map(|u| u.username).collect())
        .unwrap_or_default();
    let new_users: Vec<&UserRecord> = user_lines
        .iter()
        .filter(|u| !existing.contains(&u.username))
        .collect();
    if !new_users.is_empty() {
        let password = demo_password.ok_or_else(|| {
            ServerError::bad_request(
                "导入新用户需要初始密码（--password-file 或 --password-stdin；文件中不含密码）",
            )
        })?;
        // One hash per account (each with its own salt).
        for u in &new_users {
            check_new_password(&u.username, password, &[])?;
            hashes.insert(u.username.clone(), hash_password(password)?);
        }
    }
    let now = dep.now().ms();
    let mut report = ImportReport {
        gis: gis_log,
        ..ImportReport::default()
    };
    dep.db().write(|tx| {
        if tenants::get(tx, &tenant)?.is_none() {
            let name = info.as_ref().map_or(tenant.as_str(), |(_, n)| n.as_str());
            tenants::create(tx, &tenant, name, now)?;
        }
        for d in departments.iter().flatten() {
            tx.execute(
                "INSERT INTO departments(id, tenant, code, name, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(id) DO UPDATE SET code = excluded.code, name = excluded.name",
                params![d.id.to_string(), tenant, d.code, d.name, now],
            )?;
            report.departments += 1;
        }
        if let Some(cells) = &cells {
            for (code, name) in cells {
                tenants::upsert_cell(tx, &tenant, code, name)?;
            }
            report.cells = cells.len();
        }
        for u in &user_lines {
            let department = match &u.department {
                Some(code) => Some(
                    users::find_department(tx, &tenant, code)?
                        .ok_or_else(|| ServerError::bad_request(format!("users.csv：未知部门 {code}")))?
                        .id,
                ),
                None => None,
            };
            let expanded = expand_cells(&u.cells, &all_cells);
            let id = match users::by_username(tx, &tenant, &u.username)? {
                Some((row, _)) => {
                    report.users_kept += 1;
                    row.id
                }
                None => {
                    let mut tail = [0u8; 10];
                    rand::rng().fill(&mut tail);
                    let id = UserId::from_parts(now as u64, tail);
                    let hash = hashes.get(&u.username).cloned().unwrap_or_default();
                    users::create(
                        tx,
                        &NewUser {
                            id,
                            tenant: &tenant,
                            username: &u.username,
                            display_name: &u.display_name,
                            role: u.role,
                            department,
                            password_hash: &hash,
                            must_change_password: new_accounts
                                == NewAccounts::MustChangePassword,
                        },
                        now,
                    )?;
                    report.users_created += 1;
                    id
                }
            };
            users::set_cells(tx, id, &expanded)?;
        }
        for (kind, name, text) in &files {
            tenants::set_file(tx, &tenant, kind, name, text, now)?;
            report.files.push((*name).to_owned());
        }
        if let Some((name, form, sha256, table)) = &standards_file {
            let import = standards::Import {
                tenant: &tenant,
                actor: audit::CLI_ACTOR,
                form: *form,
                file: name,
                sha256,
                table,
            };
            report.standards_version = Some(standards::record_version(tx, &import, now)?.version);
            report.files.push((*name).to_owned());
        }
        let details = serde_json::json!({
            "dir": dir.display().to_string(),
            "users_created": report.users_created,
            "users_kept": report.users_kept,
            "departments": report.departments,
            "files": report.files,
            "gis": report.gis,
            "new_accounts": format!("{new_accounts:?}"),
        });
        let entry = audit::Entry {
            tenant: Some(&tenant),
            actor: audit::CLI_ACTOR,
            source: None,
            event: audit::event::IMPORT,
            success: true,
            details,
        };
        audit::record_in(tx, &entry, now)?;
        Ok(())
    })?;
    dep.forget_rules(&tenant);
    // The converted GIS layers replace the directory's own only now, after the commit, so a
    // refused import leaves the directory as it was; failing to write them loses nothing (the
    // database holds them) and is only logged.
    if let Some(converted) = &converted
        && let Err(e) = crate::gis::write(dir, converted)
    {
        tracing::warn!(target: "gridcase_server::gis", "writing the converted GIS layers into {}: {e}", dir.display());
    }
    // After the commit: the package is built from the stored files (slow; outside the
    // transaction), and only when they changed.
    report.basemap_version = super::basemap::refresh(dep, &tenant)?.map(|row| row.version);
    Ok(report)
}
