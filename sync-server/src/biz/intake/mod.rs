//! The intake channels besides the app (docs/intake.md): public reports through Open311
//! GeoReport v2 ([`open311`]), video-analytics alerts through a signed webhook ([`video`]),
//! cases handed down by a superior platform ([`superior`]) and the 办结反馈 answered to it
//! ([`feedback`]), and duplicate candidates for the intake operator ([`duplicates`]).
//!
//! Every channel ends in the same workflow: the server creates the case as its **system
//! account** (`Role::System`, the account the scheduled jobs already write escalations as) with
//! a `report` event whose `source` is the channel, and commits it like any merge
//! ([`super::merge::store_case`]: document, projection, scope, feed). Such reports need a field
//! verification before filing (`SourceChannel::needs_verification`; the fold refuses `accept`).
//!
//! Invariants: every input is validated before anything is written; everything is scoped by
//! the tenant named by the credential (api key, webhook secret, bearer token); secrets and keys
//! never reach a log line.

pub mod duplicates;
pub mod feedback;
pub mod open311;
pub mod superior;
pub mod video;

use super::merge::{store_case, system_event};
use super::projection::Projected;
use crate::db::sql::Connection;
use crate::deployment::Deployment;
use crate::error::{Result, ServerError};
use base64::Engine;
use gridcase_core::codes::{CategoryCode, CategoryKind, CategoryRef, CountyCode};
use gridcase_core::doc::CaseDoc;
use gridcase_core::model::{CaseId, Location, LocationSource, Timestamp};
use gridcase_core::protocol::ErrorCode;
use gridcase_core::workflow::{EventKind, ReportPayload};
use rand::Rng;

/// Longest description, and longest address, reporter or external id accepted: core's payload
/// limits, the same the gate applies to devices (`workflow::limits`).
pub use gridcase_core::workflow::limits::{MAX_DESCRIPTION_CHARS, MAX_SHORT_CHARS};

fn random10() -> [u8; 10] {
    let mut r = [0u8; 10];
    rand::rng().fill(&mut r);
    r
}

/// 32 random bytes, base64url without padding (api keys, webhook secrets).
pub fn new_secret() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// Creates a case from `report` as the system account and commits it (document, projection,
/// scope, feed) on `conn`. Returns the projection.
pub fn create_system_case(
    conn: &Connection<'_>,
    dep: &Deployment,
    tenant: &str,
    mut report: ReportPayload,
    now: Timestamp,
) -> Result<Projected> {
    let county = CountyCode::parse(tenant).map_err(ServerError::bad_request)?;
    // The tenant may let this channel and category be filed without field verification.
    let rules = dep.rules(tenant)?;
    report.verification_waived =
        super::waivers::find(&rules.waivers, report.source, &report.category).map(|w| w.label());
    let kind = EventKind::Report(report);
    gridcase_core::workflow::validate_kind(&kind)
        .map_err(|e| ServerError::api(ErrorCode::InvalidPayload, e.to_string()))?;
    let event = system_event(dep, None, kind, now);
    let case_id = CaseId::from_parts(now.ms().max(0) as u64, random10());
    let mut doc = CaseDoc::create(case_id, county, dep.identity().actor.clone(), &event)?;
    store_case(conn, dep, &mut doc, None, now)
}

/// Parses `component:01001` / `matter:06010` (the queue's form), also `component-01001`
/// (the Open311 service code) and checks it is in the tenant's catalog.
pub fn parse_category(
    text: &str,
    catalog: &gridcase_core::catalog::Catalog,
) -> Result<CategoryRef> {
    let bad =
        || ServerError::bad_request(format!("类别 {text:?} 应为 component:代码 或 matter:代码"));
    let (kind, code) = text.split_once([':', '-']).ok_or_else(bad)?;
    let kind = match kind {
        "component" => CategoryKind::Component,
        "matter" => CategoryKind::Matter,
        _ => return Err(bad()),
    };
    let code = CategoryCode::parse(code).map_err(|_| bad())?;
    let category = CategoryRef { kind, code };
    if catalog.get(&category).is_none() {
        return Err(ServerError::api(
            ErrorCode::NotFound,
            format!("类别 {text} 不在本区县的类别目录中"),
        ));
    }
    Ok(category)
}

/// The text form of a category (`component:01001`).
pub fn category_text(c: &CategoryRef) -> String {
    let kind = match c.kind {
        CategoryKind::Component => "component",
        CategoryKind::Matter => "matter",
    };
    format!("{kind}:{}", c.code.as_str())
}

/// A validated WGS84 point.
pub fn location(lon: f64, lat: f64, source: LocationSource) -> Result<Location> {
    Location::new(lon, lat, None, source)
        .map_err(|e| ServerError::bad_request(format!("坐标无效：{e}")))
}

/// Checks a free-text field's length (in characters) and trims it.
pub fn text_field(name: &str, value: &str, max: usize) -> Result<String> {
    let value = value.trim();
    if value.chars().count() > max {
        return Err(ServerError::bad_request(format!(
            "{name} 超过 {max} 个字符"
        )));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(ServerError::bad_request(format!("{name} 含有控制字符")));
    }
    Ok(value.to_owned())
}

/// Checks that the tenant exists (`not_found` otherwise).
pub fn require_tenant(conn: &Connection<'_>, tenant: &str) -> Result<()> {
    match crate::db::tenants::get(conn, tenant)? {
        Some(_) => Ok(()),
        None => Err(ServerError::not_found(format!("区县 {tenant}"))),
    }
}
