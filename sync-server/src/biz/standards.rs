//! A tenant's standards table (立案、处置和结案标准): import from CSV or XLSX by a tenant
//! administrator (or the CLI's tenant-directory import), stored as a new version; the current
//! version for devices and the desktop.
//!
//! Invariants:
//! - a file is parsed and checked completely (against the tenant's catalog and area grades)
//!   before anything is written; a refused file writes nothing but an audit entry, so the
//!   previous version stays current;
//! - a successful import whose bytes differ from the current version's is stored as the next
//!   version (1, 2, …) with the file's SHA-256, the importer and the time, in the same
//!   transaction as its audit entry; the same bytes again create no version;
//! - versions are never changed or deleted (the table's triggers refuse it);
//! - a caller only reaches its own tenant's table.

use super::audit;
use super::caller::Caller;
use super::rules::kind;
use super::standards_xlsx;
use crate::db::sql::Connection;
use crate::db::standards::{self as store, NewVersion, VersionInfo};
use crate::db::tenants;
use crate::deployment::Deployment;
use crate::error::{Result, ServerError};
use gridcase_core::catalog::standards::import::{parse_csv, parse_rows};
use gridcase_core::catalog::standards::{AreaGrades, StandardsImportError};
use gridcase_core::catalog::{Catalog, StandardsRelease, StandardsTable};
use gridcase_core::model::Role;
use gridcase_core::protocol::ErrorCode;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Largest standards file accepted (CSV or XLSX).
pub const MAX_FILE_BYTES: usize = 4 * 1024 * 1024;

/// The form of an uploaded file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileForm {
    /// UTF-8 CSV.
    Csv,
    /// An Excel workbook (.xlsx).
    Xlsx,
}

impl FileForm {
    /// `csv` or `xlsx`.
    pub fn as_str(self) -> &'static str {
        match self {
            FileForm::Csv => "csv",
            FileForm::Xlsx => "xlsx",
        }
    }

    /// The form a file name's extension names, if any.
    pub fn from_name(name: &str) -> Option<FileForm> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".csv") {
            Some(FileForm::Csv)
        } else if lower.ends_with(".xlsx") {
            Some(FileForm::Xlsx)
        } else {
            None
        }
    }
}

/// What an import did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportOutcome {
    /// The current version after the import.
    pub version: u32,
    /// Whether this import created that version (`false`: the same file was already current).
    pub created: bool,
    /// SHA-256 (hex) of the file.
    pub sha256: String,
    /// Categories in the table.
    pub categories: usize,
    /// 立案条件 in the table.
    pub conditions: usize,
}

/// The tenant's area grades (the imported `area_grades.csv`, else the defaults).
pub fn area_grades(conn: &Connection<'_>, tenant: &str) -> Result<AreaGrades> {
    match tenants::file(conn, tenant, kind::AREA_GRADES)? {
        Some((name, text)) => Ok(AreaGrades::parse_csv(&name, &text)?),
        None => Ok(AreaGrades::default()),
    }
}

/// Parses a standards file against a catalog and grade list (nothing is stored).
pub fn parse(
    form: FileForm,
    file: &str,
    bytes: &[u8],
    catalog: &Catalog,
    grades: &[String],
) -> std::result::Result<StandardsTable, StandardsImportError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(StandardsImportError::single(
            file,
            0,
            "(文件)",
            format!("文件超过 {} MiB", MAX_FILE_BYTES >> 20),
        ));
    }
    match form {
        FileForm::Csv => {
            let text = std::str::from_utf8(bytes).map_err(|e| {
                StandardsImportError::single(
                    file,
                    0,
                    "(文件)",
                    format!("CSV 须为 UTF-8 编码（Excel：另存为「CSV UTF-8」）：{e}"),
                )
            })?;
            parse_csv(file, text, catalog, grades)
        }
        FileForm::Xlsx => {
            let (label, rows) = standards_xlsx::read(file, bytes)?;
            parse_rows(&label, rows, catalog, grades)
        }
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Who may import: a tenant administrator (the caller's own tenant is the only one reached).
pub fn check_importer(caller: &Caller) -> Result<()> {
    if caller.role == Role::Admin {
        Ok(())
    } else {
        Err(ServerError::api(
            ErrorCode::StandardsForbidden,
            format!("当前岗位：{}", caller.role.label_zh()),
        ))
    }
}

/// Imports a standards file for the caller's tenant (administrators only).
pub fn import_as(
    dep: &Deployment,
    caller: &Caller,
    form: FileForm,
    file: &str,
    bytes: &[u8],
) -> Result<ImportOutcome> {
    check_importer(caller)?;
    let actor = format!("user:{}", caller.user);
    import(dep, &caller.tenant_code(), &actor, form, file, bytes)
}

/// Imports a standards file for `tenant` as `actor` (`user:<id>` or `cli`): parsed and checked
/// whole, then stored as the next version with an audit entry; a refusal is audited too.
pub fn import(
    dep: &Deployment,
    tenant: &str,
    actor: &str,
    form: FileForm,
    file: &str,
    bytes: &[u8],
) -> Result<ImportOutcome> {
    let file = sanitize_name(file, form);
    let rules = dep.rules(tenant)?;
    let grades = dep.db().read(|tx| area_grades(tx, tenant))?;
    let sha256 = sha256_hex(bytes);
    let table = match parse(form, &file, bytes, &rules.catalog, grades.grades()) {
        Ok(t) => t,
        Err(e) => {
            let details = serde_json::json!({
                "file": file, "form": form.as_str(), "sha256": sha256,
                "errors": e.errors.len() + e.more,
            });
            audit::record(
                dep,
                &audit::Entry {
                    tenant: Some(tenant),
                    actor,
                    source: None,
                    event: audit::event::STANDARDS_IMPORT,
                    success: false,
                    details,
                },
            )?;
            return Err(ServerError::api(ErrorCode::StandardsInvalid, e));
        }
    };
    let now = dep.now().ms();
    let outcome = dep.db().write(|tx| {
        let new = Import {
            tenant,
            actor,
            form,
            file: &file,
            sha256: &sha256,
            table: &table,
        };
        record_version(tx, &new, now)
    })?;
    dep.forget_rules(tenant);
    Ok(outcome)
}

/// A checked table about to be stored.
pub struct Import<'a> {
    /// The tenant.
    pub tenant: &'a str,
    /// Who imports (`user:<id>` or `cli`).
    pub actor: &'a str,
    /// CSV or XLSX.
    pub form: FileForm,
    /// The file's name.
    pub file: &'a str,
    /// SHA-256 (hex) of its bytes.
    pub sha256: &'a str,
    /// The parsed table.
    pub table: &'a StandardsTable,
}

/// Inside a write transaction: stores `new` as the next version unless its file is the
/// current version's, and writes the audit entry.
pub fn record_version(tx: &Connection<'_>, new: &Import<'_>, now: i64) -> Result<ImportOutcome> {
    let conditions = new
        .table
        .categories()
        .iter()
        .map(|c| c.conditions.len())
        .sum();
    let categories = new.table.categories().len();
    let current = store::list(tx, new.tenant)?.into_iter().next();
    let (version, created) = match current {
        Some(c) if c.sha256 == new.sha256 => (c.version, false),
        _ => {
            let row = NewVersion {
                tenant: new.tenant,
                sha256: new.sha256,
                file: new.file,
                form: new.form.as_str(),
                imported_by: new.actor,
                table: new.table,
            };
            (store::insert(tx, &row, now)?, true)
        }
    };
    let details = serde_json::json!({
        "file": new.file, "form": new.form.as_str(), "sha256": new.sha256, "version": version,
        "created": created, "categories": categories, "conditions": conditions,
    });
    audit::record_in(
        tx,
        &audit::Entry {
            tenant: Some(new.tenant),
            actor: new.actor,
            source: None,
            event: audit::event::STANDARDS_IMPORT,
            success: true,
            details,
        },
        now,
    )?;
    Ok(ImportOutcome {
        version,
        created,
        sha256: new.sha256.to_owned(),
        categories,
        conditions,
    })
}

/// The SHA-256 (hex) of a file's bytes.
pub fn file_sha256(bytes: &[u8]) -> String {
    sha256_hex(bytes)
}

/// A file name fit for storage and messages: its last path part, at most 100 characters, no
/// control characters; a default when nothing is left.
fn sanitize_name(name: &str, form: FileForm) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = base.chars().filter(|c| !c.is_control()).take(100).collect();
    let clean = clean.trim().to_owned();
    if clean.is_empty() {
        format!("standards.{}", form.as_str())
    } else {
        clean
    }
}

/// What an area-grade import did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GradesOutcome {
    /// The grades, in the tenant's order.
    pub grades: Vec<String>,
    /// How many cells, communities and streets have a grade.
    pub assigned: usize,
}

/// Replaces the caller's tenant's area grades (`area_grades.csv`; administrators only). Refused
/// whole when malformed, or when the current standards table names a grade the new list lacks
/// (import a table without it first).
pub fn import_grades(
    dep: &Deployment,
    caller: &Caller,
    file: &str,
    bytes: &[u8],
) -> Result<GradesOutcome> {
    check_importer(caller)?;
    let tenant = caller.tenant_code();
    let actor = format!("user:{}", caller.user);
    let file = sanitize_name(file, FileForm::Csv);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        ServerError::api(
            ErrorCode::BadRequest,
            format!("{file}：须为 UTF-8 编码：{e}"),
        )
    })?;
    let grades = AreaGrades::parse_csv(&file, text)?;
    let now = dep.now().ms();
    dep.db().write(|tx| {
        if let Some(current) = store::get(tx, &tenant, None)? {
            let missing: Vec<&str> = used_grades(&current.table)
                .into_iter()
                .filter(|g| !grades.grades().iter().any(|x| x == g))
                .collect();
            if !missing.is_empty() {
                return Err(ServerError::api(
                    ErrorCode::BadRequest,
                    format!(
                        "{file}：当前标准表（第 {} 版）使用的区域等级 {} 不在新的等级表中；请先导入不含这些等级的标准表",
                        current.version,
                        missing.join("、")
                    ),
                ));
            }
        }
        tenants::set_file(tx, &tenant, kind::AREA_GRADES, &file, text, now)?;
        let details = serde_json::json!({
            "file": file, "sha256": sha256_hex(bytes), "grades": grades.grades(),
            "assigned": grades.assigned_len(),
        });
        audit::record_in(
            tx,
            &audit::Entry {
                tenant: Some(&tenant),
                actor: &actor,
                source: None,
                event: audit::event::AREA_GRADES_IMPORT,
                success: true,
                details,
            },
            now,
        )
    })?;
    dep.forget_rules(&tenant);
    Ok(GradesOutcome {
        grades: grades.grades().to_vec(),
        assigned: grades.assigned_len(),
    })
}

/// Every grade a table's rows name.
fn used_grades(table: &StandardsTable) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for c in table.categories() {
        let rows = c
            .default_limits
            .iter()
            .chain(c.conditions.iter().flat_map(|x| x.limits.iter()));
        for g in rows.filter_map(|r| r.grade.as_deref()) {
            if !out.contains(&g) {
                out.push(g);
            }
        }
    }
    out
}

/// The caller's tenant's current standards (`None` before the first import).
pub fn current(dep: &Deployment, caller: &Caller) -> Result<Option<StandardsRelease>> {
    let tenant = caller.tenant_code();
    dep.db().read(|tx| store::get(tx, &tenant, None))
}

/// One version of the caller's tenant's standards (a past version, for the record of what was
/// in force).
pub fn version(dep: &Deployment, caller: &Caller, version: u32) -> Result<StandardsRelease> {
    let tenant = caller.tenant_code();
    dep.db()
        .read(|tx| store::get(tx, &tenant, Some(version)))?
        .ok_or_else(|| ServerError::not_found(format!("标准表第 {version} 版")))
}

/// The caller's tenant's versions, newest first.
pub fn versions(dep: &Deployment, caller: &Caller) -> Result<Vec<VersionInfo>> {
    let tenant = caller.tenant_code();
    dep.db().read(|tx| store::list(tx, &tenant))
}
