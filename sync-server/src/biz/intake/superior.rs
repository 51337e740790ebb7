//! Cases handed down by a superior platform (上级交办; docs/intake.md "Superior import",
//! formats in docs/data-formats.md): a JSON or CSV file of cases, each with the superior's
//! external id and deadline.
//!
//! The whole file is parsed and validated first; any bad row refuses the file with its row
//! and field, and nothing is written. Then, in one transaction, each case whose external id the
//! tenant has not imported before becomes a report by the system account (source `superior`,
//! `external_id` and `external_deadline` set in the report payload); the others are skipped.
//! So importing the same file twice creates nothing the second time (idempotent by
//! (tenant, external id), a unique key of `intake_links`).

use super::{create_system_case, location, parse_category, require_tenant, text_field};
use crate::biz::contacts::{self, ContactInput, ValidContact};
use crate::db::intake;
use crate::deployment::Deployment;
use crate::error::{Result, ServerError};
use gridcase_core::codes::GridCode;
use gridcase_core::model::{LocationSource, SourceChannel, Timestamp, Urgency};
use gridcase_core::workflow::ReportPayload;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// The `intake_links` channel of superior cases.
pub const CHANNEL: &str = "superior";
/// The `format` value of a JSON file.
pub const FORMAT: &str = "gridcase-superior-cases";
/// At most this many cases per file.
pub const MAX_CASES: usize = 10_000;

/// One case as written in a file (JSON object or CSV row).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuperiorCase {
    /// The superior platform's id (unique per tenant).
    pub external_id: String,
    /// `component:<code>` / `matter:<code>`.
    pub category: String,
    /// Longitude.
    pub lon: f64,
    /// Latitude.
    pub lat: f64,
    /// `wgs84` (default) or `gcj02` (converted on input).
    #[serde(default)]
    pub coordinate_system: Option<String>,
    /// Address text.
    #[serde(default)]
    pub address: String,
    /// Problem description.
    pub description: String,
    /// `normal` (default) or `urgent`.
    #[serde(default)]
    pub urgency: Option<String>,
    /// The superior's deadline, RFC 3339 (`2026-12-01T18:00:00+08:00`).
    pub deadline: String,
    /// Unit grid cell, when the superior gives it.
    #[serde(default)]
    pub cell: Option<String>,
    /// The citizen who reported it to the superior platform (kept in `case_contacts`, never
    /// in the case document: docs/security/privacy.md).
    #[serde(default)]
    pub reporter_name: Option<String>,
    /// The citizen's phone.
    #[serde(default)]
    pub reporter_phone: Option<String>,
    /// The citizen's e-mail.
    #[serde(default)]
    pub reporter_email: Option<String>,
}

/// A JSON file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuperiorFile {
    /// Must be [`FORMAT`].
    pub format: String,
    /// Must be 1.
    pub version: u32,
    /// Who hands the cases down (kept as the reporter).
    pub issuer: String,
    /// The cases.
    pub cases: Vec<SuperiorCase>,
}

/// A validated case of a file: its report and the citizen's contact, if given.
type ValidCase = (ReportPayload, Option<ValidContact>);

/// What an import did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SuperiorReport {
    /// External ids that became new cases, with their case ids.
    pub created: Vec<(String, String)>,
    /// External ids imported before, with their existing case ids.
    pub skipped: Vec<(String, String)>,
}

/// How a file is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// [`SuperiorFile`] as JSON.
    Json,
    /// A header row and one case per row; the issuer is given separately.
    Csv,
}

fn row_error(row: usize, field: &str, why: impl std::fmt::Display) -> ServerError {
    ServerError::bad_request(format!("第 {row} 条 {field}：{why}"))
}

/// Parses a file into (issuer, cases); the issuer of a CSV file is `csv_issuer`.
pub fn parse(
    kind: FileKind,
    bytes: &[u8],
    csv_issuer: &str,
) -> Result<(String, Vec<SuperiorCase>)> {
    match kind {
        FileKind::Json => {
            let file: SuperiorFile = serde_json::from_slice(bytes)
                .map_err(|e| ServerError::bad_request(format!("JSON 无法解析：{e}")))?;
            if file.format != FORMAT || file.version != 1 {
                return Err(ServerError::bad_request(format!(
                    "format 须为 {FORMAT:?}，version 须为 1"
                )));
            }
            Ok((file.issuer, file.cases))
        }
        FileKind::Csv => {
            let mut reader = csv::ReaderBuilder::new()
                .trim(csv::Trim::All)
                .from_reader(bytes);
            let mut out = Vec::new();
            for (i, rec) in reader.deserialize::<SuperiorCase>().enumerate() {
                let case = rec.map_err(|e| row_error(i + 1, "CSV", e))?;
                out.push(case);
            }
            Ok((csv_issuer.to_owned(), out))
        }
    }
}

fn validate(
    dep: &Deployment,
    tenant: &str,
    issuer: &str,
    cases: &[SuperiorCase],
) -> Result<Vec<ValidCase>> {
    if cases.is_empty() {
        return Err(ServerError::bad_request("文件中没有案件"));
    }
    if cases.len() > MAX_CASES {
        return Err(ServerError::bad_request(format!(
            "一次最多导入 {MAX_CASES} 件"
        )));
    }
    let issuer = text_field("issuer", issuer, super::MAX_SHORT_CHARS)?;
    if issuer.is_empty() {
        return Err(ServerError::bad_request("缺少交办单位（issuer）"));
    }
    let rules = dep.rules(tenant)?;
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(cases.len());
    for (i, c) in cases.iter().enumerate() {
        let row = i + 1;
        let ext = text_field("external_id", &c.external_id, 100)
            .map_err(|e| row_error(row, "external_id", e))?;
        if ext.is_empty() {
            return Err(row_error(row, "external_id", "不能为空"));
        }
        if !seen.insert(ext.clone()) {
            return Err(row_error(row, "external_id", format!("{ext} 在文件中重复")));
        }
        let category = parse_category(&c.category, &rules.catalog)
            .map_err(|e| row_error(row, "category", e))?;
        let (lon, lat) = match c.coordinate_system.as_deref().unwrap_or("wgs84") {
            "wgs84" | "" => (c.lon, c.lat),
            "gcj02" => gridcase_core::grid::gcj02_to_wgs84(c.lon, c.lat),
            other => {
                return Err(row_error(
                    row,
                    "coordinate_system",
                    format!("{other:?} 应为 wgs84 或 gcj02"),
                ));
            }
        };
        let loc =
            location(lon, lat, LocationSource::Manual).map_err(|e| row_error(row, "lon/lat", e))?;
        let urgency = match c.urgency.as_deref().unwrap_or("normal") {
            "normal" | "" => Urgency::Normal,
            "urgent" => Urgency::Urgent,
            other => {
                return Err(row_error(
                    row,
                    "urgency",
                    format!("{other:?} 应为 normal 或 urgent"),
                ));
            }
        };
        let deadline = chrono::DateTime::parse_from_rfc3339(c.deadline.trim())
            .map(|d| Timestamp(d.timestamp_millis()))
            .map_err(|_| {
                row_error(
                    row,
                    "deadline",
                    "须为带时区的 RFC 3339 时间，如 2026-12-01T18:00:00+08:00",
                )
            })?;
        let cell = match c.cell.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            // No cell given: the tenant's grid places it when the tenant has geometry.
            None => rules.cell_at(loc.lon, loc.lat),
            Some(text) => {
                let cell = GridCode::parse(text).map_err(|e| row_error(row, "cell", e))?;
                if cell.county().to_string() != tenant {
                    return Err(row_error(row, "cell", "网格不属于本区县"));
                }
                Some(cell)
            }
        };
        let description = text_field("description", &c.description, super::MAX_DESCRIPTION_CHARS)
            .map_err(|e| row_error(row, "description", e))?;
        if description.is_empty() {
            return Err(row_error(row, "description", "不能为空"));
        }
        let address = text_field("address", &c.address, super::MAX_SHORT_CHARS)
            .map_err(|e| row_error(row, "address", e))?;
        let contact = ContactInput {
            name: c.reporter_name.clone(),
            phone: c.reporter_phone.clone(),
            email: c.reporter_email.clone(),
            wants_callback: false,
        }
        .validate()
        .map_err(|e| row_error(row, "reporter_*", e.to_api().message))?;
        let report = ReportPayload {
            source: SourceChannel::Superior,
            category,
            location: loc,
            cell,
            component: None,
            address,
            description,
            urgency,
            photos: Vec::new(),
            reporter: Some(issuer.clone()),
            external_id: Some(ext),
            external_deadline: Some(deadline),
            verification_waived: None,
        };
        out.push((report, contact));
    }
    Ok(out)
}

/// Imports a parsed file for `tenant`.
pub fn import(
    dep: &Deployment,
    tenant: &str,
    issuer: &str,
    cases: &[SuperiorCase],
) -> Result<SuperiorReport> {
    dep.db().read(|tx| require_tenant(tx, tenant))?;
    let reports = validate(dep, tenant, issuer, cases)?;
    let now = dep.now();
    let report = dep.db().write(|tx| {
        let mut out = SuperiorReport::default();
        for (payload, contact) in reports {
            let ext = payload.external_id.clone().unwrap_or_default();
            if let Some(existing) = intake::link(tx, tenant, CHANNEL, &ext)? {
                out.skipped.push((ext, existing));
                continue;
            }
            let p = create_system_case(tx, dep, tenant, payload, now)?;
            if let Some(c) = &contact {
                contacts::put_for_channel(tx, tenant, &p.row.case_id, CHANNEL, c, now.ms())?;
            }
            intake::add_link(tx, tenant, CHANNEL, &ext, &p.row.case_id, None, now.ms())?;
            out.created.push((ext, p.row.case_id));
        }
        Ok(out)
    })?;
    tracing::info!(tenant = %tenant, created = report.created.len(), skipped = report.skipped.len(), "superior import");
    Ok(report)
}
