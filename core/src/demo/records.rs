//! The tenant's tables besides the geometry: `tenant.toml`, `streets.csv`, `communities.csv`,
//! `departments.csv` and `users.csv` — their records and their readers. Each reader refuses the
//! file whole with a [`DataFileError`] naming the file, the 1-based line and the field.

use super::rows::Rows;
use crate::codes::CountyCode;
use crate::error::DataFileError;
use crate::model::{DepartmentId, Role};
use serde::Deserialize;

/// `tenant.toml`: who the tenant is.
#[derive(Clone, Debug, PartialEq)]
pub struct TenantInfo {
    /// The county code (e.g. 620102).
    pub code: CountyCode,
    /// The full name (兰州市城关区).
    pub name: String,
    /// The short name used in addresses (城关区).
    pub short_name: String,
    /// The map's centre, `[lon, lat]` WGS84.
    pub centre: [f64; 2],
    /// Whether the data is synthetic demo data.
    pub synthetic: bool,
    /// The generator's seed, for synthetic data.
    pub seed: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTenant {
    version: u32,
    code: String,
    name: String,
    short_name: String,
    centre: [f64; 2],
    #[serde(default)]
    synthetic: bool,
    seed: Option<u64>,
}

/// The 1-based line where `key = …` is set, or 0.
fn key_line(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| {
            l.trim_start()
                .strip_prefix(key)
                .is_some_and(|r| r.trim_start().starts_with('='))
        })
        .map_or(0, |i| i + 1)
}

impl TenantInfo {
    /// Reads `tenant.toml` (format version 1).
    pub fn parse_toml(file: &str, text: &str) -> Result<TenantInfo, DataFileError> {
        let raw: RawTenant = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(0, |s| {
                text.get(..s.start).unwrap_or("").matches('\n').count() + 1
            });
            DataFileError::new(file, line, "(toml)", e.message().to_owned())
        })?;
        let err = |key: &str, message: String| {
            DataFileError::new(file, key_line(text, key), key, message)
        };
        if raw.version != 1 {
            return Err(err(
                "version",
                format!("unsupported version {}; this build reads 1", raw.version),
            ));
        }
        let code = CountyCode::parse(&raw.code).map_err(|e| err("code", e.to_string()))?;
        let [lon, lat] = raw.centre;
        if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
            return Err(err(
                "centre",
                format!("[{lon}, {lat}] is not a WGS84 [lon, lat]"),
            ));
        }
        for (key, value) in [("name", &raw.name), ("short_name", &raw.short_name)] {
            if value.trim().is_empty() {
                return Err(err(key, "must not be empty".into()));
            }
        }
        Ok(TenantInfo {
            code,
            name: raw.name,
            short_name: raw.short_name,
            centre: raw.centre,
            synthetic: raw.synthetic,
            seed: raw.seed,
        })
    }
}

/// A street (街道) of `streets.csv`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Street {
    /// 9 digits: county + 3-digit street number.
    pub code: String,
    /// The name (e.g. 酒泉路街道).
    pub name: String,
}

/// A community (社区) of `communities.csv`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Community {
    /// 12 digits: the street code + a 3-digit community number.
    pub code: String,
    /// Its street's 9-digit code.
    pub street: String,
    /// The name (e.g. 东园社区).
    pub name: String,
}

/// A responsible department (专业部门 / 处置单位) of `departments.csv`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Department {
    /// The short code every other file uses (`[a-z0-9_-]`, 1–32 characters).
    pub code: String,
    /// The department's UUIDv7, stable across imports.
    pub id: DepartmentId,
    /// The name.
    pub name: String,
}

/// A child unit (三级 unit or 作业班组) under its 二级 department, a row of
/// `department_units.csv` (read by [`crate::departments::DepartmentTree::parse_csv`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DepartmentUnit {
    /// The child unit's department code.
    pub unit: String,
    /// Its parent's department code.
    pub parent: String,
}

/// An account of `users.csv`. Passwords are never in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserRecord {
    /// The login name (`[a-z0-9_-]`).
    pub username: String,
    /// The name shown to others.
    pub display_name: String,
    /// The role.
    pub role: Role,
    /// The department code, for department users (and only for them).
    pub department: Option<String>,
    /// For inspectors: the cells they patrol, as 15-digit cell codes or 12-digit community
    /// codes (meaning every cell of the community).
    pub cells: Vec<String>,
}

fn numeric(text: &str, len: usize, county: Option<&str>) -> bool {
    text.len() == len
        && text.bytes().all(|b| b.is_ascii_digit())
        && county.is_none_or(|c| text.starts_with(c))
        && CountyCode::parse(&text[..6]).is_ok()
}

fn short_code(text: &str) -> bool {
    (1..=32).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// Reads `streets.csv` (columns `code`, `name`).
pub fn parse_streets(file: &str, text: &str) -> Result<Vec<Street>, DataFileError> {
    Rows::parse(file, text, &["code", "name"], &[])?
        .iter()
        .map(|r| {
            let code = r.required("code")?;
            if !numeric(code, 9, None) || code.ends_with("000") {
                return Err(r.error(
                    "code",
                    format!("{code:?} is not a 9-digit street code (county + 001–999)"),
                ));
            }
            Ok(Street {
                code: code.to_owned(),
                name: r.required("name")?.to_owned(),
            })
        })
        .collect()
}

/// Reads `communities.csv` (columns `code`, `street`, `name`); the code must extend the street's.
pub fn parse_communities(file: &str, text: &str) -> Result<Vec<Community>, DataFileError> {
    Rows::parse(file, text, &["code", "street", "name"], &[])?
        .iter()
        .map(|r| {
            let (code, street) = (r.required("code")?, r.required("street")?);
            if !numeric(code, 12, Some(street)) || code.ends_with("000") {
                return Err(r.error(
                    "code",
                    format!("{code:?} is not a 12-digit community code under street {street}"),
                ));
            }
            Ok(Community {
                code: code.to_owned(),
                street: street.to_owned(),
                name: r.required("name")?.to_owned(),
            })
        })
        .collect()
}

/// Reads `departments.csv` (columns `code`, `id`, `name`); codes and ids must be unique.
pub fn parse_departments(file: &str, text: &str) -> Result<Vec<Department>, DataFileError> {
    let mut out: Vec<Department> = Vec::new();
    for r in Rows::parse(file, text, &["code", "id", "name"], &[])?.iter() {
        let code = r.required("code")?;
        if !short_code(code) || out.iter().any(|d| d.code == code) {
            return Err(r.error(
                "code",
                format!("{code:?} must be unique, 1–32 of a-z 0-9 _ -"),
            ));
        }
        let id =
            DepartmentId::parse(r.required("id")?).map_err(|e| r.error("id", e.to_string()))?;
        if out.iter().any(|d| d.id == id) {
            return Err(r.error("id", format!("duplicate id {id}")));
        }
        out.push(Department {
            code: code.to_owned(),
            id,
            name: r.required("name")?.to_owned(),
        });
    }
    Ok(out)
}

/// Reads `users.csv` (columns `username`, `display_name`, `role`, `department`, `cells`).
pub fn parse_users(file: &str, text: &str) -> Result<Vec<UserRecord>, DataFileError> {
    let mut out: Vec<UserRecord> = Vec::new();
    for r in Rows::parse(
        file,
        text,
        &["username", "display_name", "role"],
        &["department", "cells"],
    )?
    .iter()
    {
        let username = r.required("username")?;
        if !short_code(username) || out.iter().any(|u| u.username == username) {
            return Err(r.error(
                "username",
                format!("{username:?} must be unique, 1–32 of a-z 0-9 _ -"),
            ));
        }
        let role_text = r.required("role")?;
        let role = Role::parse(role_text).filter(|&role| role != Role::System).ok_or_else(|| {
            r.error("role", format!("unknown role {role_text:?} (inspector, intake_operator, shift_leader, dispatcher, department, leader, admin)"))
        })?;
        let department = Some(r.get("department"))
            .filter(|d| !d.is_empty())
            .map(str::to_owned);
        if (role == Role::Department) != department.is_some() {
            return Err(r.error(
                "department",
                "department users need a department; other roles have none",
            ));
        }
        let cells: Vec<String> = r
            .get("cells")
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        if let Some(bad) = cells
            .iter()
            .find(|c| !numeric(c, 15, None) && !numeric(c, 12, None))
        {
            return Err(r.error(
                "cells",
                format!("{bad:?} is neither a 15-digit cell nor a 12-digit community code"),
            ));
        }
        if role != Role::Inspector && !cells.is_empty() {
            return Err(r.error("cells", "only inspectors have cells"));
        }
        out.push(UserRecord {
            username: username.to_owned(),
            display_name: r.required("display_name")?.to_owned(),
            role,
            department,
            cells,
        });
    }
    Ok(out)
}
