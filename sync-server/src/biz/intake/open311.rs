//! Open311 GeoReport v2 (docs/intake.md "Open311"): the services of a tenant (its category
//! catalog), service definitions, and public service requests created and read back.
//!
//! - `jurisdiction_id` is the tenant's 6-digit code and is required (one endpoint serves every
//!   county of the deployment).
//! - `POST` needs an `api_key` issued to that tenant (`gridcase-server intake open311-key`);
//!   only its SHA-256 is stored. A key of another tenant is refused like a wrong key (403).
//! - A request becomes a case reported by the system account with source `public_open311`;
//!   `service_request_id` is the case id. Only Open311 requests are readable through `GET`
//!   (the tenant's other cases never leave through this public interface).
//! - Status mapping: `closed` for the terminal statuses (closed, rejected, voided, merged),
//!   `open` for every other; `status_notes` carries the Chinese status label.

use super::{
    category_text, create_system_case, location, parse_category, require_tenant, text_field,
};
use crate::biz::auth::token_hash;
use crate::biz::contacts::{self, ContactInput};
use crate::biz::{isolation, projection};
use crate::db::{cases, docs, intake, users};
use crate::deployment::Deployment;
use crate::error::{Result, ServerError};
use gridcase_core::catalog::Catalog;
use gridcase_core::codes::{CategoryKind, CodeStandard, ComponentId};
use gridcase_core::model::{CaseId, LocationSource, SourceChannel, Timestamp, Urgency};
use gridcase_core::protocol::ErrorCode;
use gridcase_core::workflow::{ReportPayload, Status};
use serde::Serialize;

/// The `intake_links` channel of Open311 requests.
pub const CHANNEL: &str = "open311";
/// The default and largest span of `GET requests` (the spec's 90 days).
pub const MAX_SPAN_MS: i64 = 90 * 24 * 3_600_000;
/// At most this many requests per `GET requests` (the spec's 1,000).
pub const MAX_REQUESTS: usize = 1_000;

/// Most distinct ids in one `service_request_id` list (repeats count once); more is
/// `too_many_ids`.
pub const MAX_IDS: usize = 50;
/// What a public reporter is told after submitting.
pub const SERVICE_NOTICE: &str = "已受理登记，将派监督员现场核实后立案处置";

/// One service (a category of the tenant's catalog).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Service {
    /// `component-01001` / `matter-06010`.
    pub service_code: String,
    /// The category's name.
    pub service_name: String,
    /// What it covers.
    pub description: String,
    /// Always true: every service has attributes.
    pub metadata: bool,
    /// Always `realtime`: the request id is returned at once.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Code, name and class, comma separated.
    pub keywords: String,
    /// The 大类 name.
    pub group: String,
}

/// The Open311 service code of a category.
pub fn service_code(c: &gridcase_core::codes::CategoryRef) -> String {
    category_text(c).replace(':', "-")
}

fn service_of(c: &gridcase_core::catalog::Category) -> Service {
    let kind = match c.kind {
        CategoryKind::Component => "部件",
        CategoryKind::Matter => "事项",
    };
    Service {
        service_code: service_code(&c.reference()),
        service_name: c.name.clone(),
        description: c
            .filing_condition
            .clone()
            .unwrap_or_else(|| format!("{}类{}：{}", c.class_name, kind, c.name)),
        metadata: true,
        kind: "realtime",
        keywords: format!("{}, {}, {}", c.code.as_str(), c.name, c.class_name),
        group: c.class_name.clone(),
    }
}

/// The tenant's services: every current-standard and extension category (legacy codes are
/// mapped to current ones and not offered).
pub fn services(dep: &Deployment, jurisdiction: Option<&str>) -> Result<Vec<Service>> {
    let tenant = jurisdiction_of(dep, jurisdiction)?;
    let rules = dep.rules(&tenant)?;
    Ok(offered(&rules.catalog).map(service_of).collect())
}

fn offered(catalog: &Catalog) -> impl Iterator<Item = &gridcase_core::catalog::Category> {
    catalog
        .categories()
        .filter(|c| c.standard != CodeStandard::Legacy)
}

/// One value of a list attribute.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AttributeValue {
    /// The value sent back.
    pub key: String,
    /// Its label.
    pub name: String,
}

/// An attribute of a service definition.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Attribute {
    /// User input is needed.
    pub variable: bool,
    /// Sent back as `attribute[code]`.
    pub code: String,
    /// `string`, `singlevaluelist`, …
    pub datatype: String,
    /// Must be given.
    pub required: bool,
    /// Help for the input.
    pub datatype_description: Option<String>,
    /// Display order from 1.
    pub order: u32,
    /// What to enter.
    pub description: String,
    /// For list types.
    pub values: Vec<AttributeValue>,
}

/// A service definition.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ServiceDefinition {
    /// The service.
    pub service_code: String,
    /// Its attributes.
    pub attributes: Vec<Attribute>,
}

/// The definition of one service: `urgency` for every service, `component_id` for
/// component services.
pub fn definition(
    dep: &Deployment,
    jurisdiction: Option<&str>,
    code: &str,
) -> Result<ServiceDefinition> {
    let tenant = jurisdiction_of(dep, jurisdiction)?;
    let rules = dep.rules(&tenant)?;
    let category = parse_category(code, &rules.catalog)?;
    let mut attributes = vec![Attribute {
        variable: true,
        code: "urgency".into(),
        datatype: "singlevaluelist".into(),
        required: false,
        datatype_description: None,
        order: 1,
        description: "是否存在安全隐患、需要紧急处置".into(),
        values: vec![
            AttributeValue {
                key: "normal".into(),
                name: Urgency::Normal.label_zh().into(),
            },
            AttributeValue {
                key: "urgent".into(),
                name: Urgency::Urgent.label_zh().into(),
            },
        ],
    }];
    if category.kind == CategoryKind::Component {
        attributes.push(Attribute {
            variable: true,
            code: "component_id".into(),
            datatype: "string".into(),
            required: false,
            datatype_description: Some("17 位部件标识码（部件上的标牌），可不填".into()),
            order: 2,
            description: "部件标识码".into(),
            values: Vec::new(),
        });
    }
    Ok(ServiceDefinition {
        service_code: service_code(&category),
        attributes,
    })
}

/// The fields of a `POST requests`, as sent (form-encoded).
#[derive(Clone, Debug, Default)]
pub struct NewRequest {
    /// The api key.
    pub api_key: Option<String>,
    /// The tenant.
    pub jurisdiction_id: Option<String>,
    /// The service.
    pub service_code: Option<String>,
    /// WGS84.
    pub lat: Option<String>,
    /// WGS84.
    pub long: Option<String>,
    /// Address text.
    pub address_string: Option<String>,
    /// Reporter.
    pub email: Option<String>,
    /// Reporter.
    pub first_name: Option<String>,
    /// Reporter.
    pub last_name: Option<String>,
    /// Reporter.
    pub phone: Option<String>,
    /// Echoed back.
    pub account_id: Option<String>,
    /// Problem description.
    pub description: Option<String>,
    /// A link to a photo.
    pub media_url: Option<String>,
    /// `attribute[code]=value` pairs.
    pub attributes: Vec<(String, String)>,
}

/// The answer to a `POST requests`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Created {
    /// The case id.
    pub service_request_id: String,
    /// What happens next.
    pub service_notice: String,
    /// As sent.
    pub account_id: Option<String>,
}

fn non_empty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Checks the api key against the jurisdiction (403 `forbidden` when missing, unknown,
/// revoked or another tenant's).
fn check_key(dep: &Deployment, tenant: &str, key: Option<&str>) -> Result<()> {
    let refused = || ServerError::api(ErrorCode::Forbidden, "api_key 缺失或无效");
    let key = key.ok_or_else(refused)?;
    let hash = token_hash(key);
    match dep.db().read(|tx| intake::key_tenant(tx, &hash))? {
        Some(t) if t == tenant => Ok(()),
        _ => Err(refused()),
    }
}

fn parse_coordinate(name: &str, v: Option<&str>) -> Result<f64> {
    let v = v.ok_or_else(|| {
        ServerError::bad_request(format!(
            "缺少 {name}：本平台按经纬度（WGS84）定位，须同时提供 lat 与 long"
        ))
    })?;
    v.parse::<f64>()
        .map_err(|_| ServerError::bad_request(format!("{name} 不是数字：{v:?}")))
}

/// Creates a public report from a `POST requests`.
pub fn create(dep: &Deployment, req: &NewRequest) -> Result<Created> {
    let tenant = jurisdiction_of(dep, non_empty(&req.jurisdiction_id))?;
    check_key(dep, &tenant, non_empty(&req.api_key))?;
    let rules = dep.rules(&tenant)?;
    let code = non_empty(&req.service_code)
        .ok_or_else(|| ServerError::bad_request("缺少 service_code"))?;
    let category = parse_category(code, &rules.catalog)?;
    let lat = parse_coordinate("lat", non_empty(&req.lat))?;
    let lon = parse_coordinate("long", non_empty(&req.long))?;
    let loc = location(lon, lat, LocationSource::Manual)?;
    let mut urgency = Urgency::Normal;
    let mut component = None;
    for (code, value) in &req.attributes {
        match (code.as_str(), value.trim()) {
            ("urgency", "urgent") => urgency = Urgency::Urgent,
            ("urgency", "normal" | "") => urgency = Urgency::Normal,
            ("urgency", other) => {
                return Err(ServerError::bad_request(format!(
                    "attribute[urgency] 只能是 normal 或 urgent，收到 {other:?}"
                )));
            }
            ("component_id", "") => {}
            ("component_id", v) if category.kind == CategoryKind::Component => {
                component = Some(
                    ComponentId::parse(v)
                        .map_err(|e| ServerError::bad_request(format!("component_id：{e}")))?,
                );
            }
            (other, _) => {
                return Err(ServerError::bad_request(format!(
                    "服务 {code} 没有属性 {other}"
                )));
            }
        }
    }
    let description = text_field(
        "description",
        non_empty(&req.description).unwrap_or(""),
        super::MAX_DESCRIPTION_CHARS,
    )?;
    let address = text_field(
        "address_string",
        non_empty(&req.address_string).unwrap_or(""),
        super::MAX_SHORT_CHARS,
    )?;
    let name = [non_empty(&req.last_name), non_empty(&req.first_name)]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("");
    // The citizen's contact goes to `case_contacts`, never into the case document
    // (docs/security/privacy.md).
    let contact = ContactInput {
        name: Some(name),
        phone: non_empty(&req.phone).map(str::to_owned),
        email: non_empty(&req.email).map(str::to_owned),
        wants_callback: false,
    }
    .validate()?;
    let media_url = non_empty(&req.media_url)
        .map(|u| text_field("media_url", u, 1_000))
        .transpose()?;
    if let Some(u) = &media_url
        && !(u.starts_with("https://") || u.starts_with("http://"))
    {
        return Err(ServerError::bad_request("media_url 须为 http(s) 地址"));
    }
    let description = if description.is_empty() {
        rules
            .catalog
            .get(&category)
            .map(|c| c.name.clone())
            .unwrap_or_default()
    } else {
        description
    };
    let report = ReportPayload {
        source: SourceChannel::PublicOpen311,
        category,
        location: loc,
        cell: rules.cell_at(loc.lon, loc.lat),
        component,
        address,
        description,
        urgency,
        photos: Vec::new(),
        reporter: None,
        external_id: None,
        external_deadline: None,
        verification_waived: None,
    };
    let now = dep.now();
    let case_id = dep.db().write(|tx| {
        let p = create_system_case(tx, dep, &tenant, report, now)?;
        if let Some(c) = &contact {
            contacts::put_for_channel(tx, &tenant, &p.row.case_id, CHANNEL, c, now.ms())?;
        }
        intake::add_link(
            tx,
            &tenant,
            CHANNEL,
            &p.row.case_id,
            &p.row.case_id,
            media_url.as_deref(),
            now.ms(),
        )?;
        Ok(p.row.case_id)
    })?;
    tracing::info!(tenant = %tenant, case = %case_id, "open311 request created");
    Ok(Created {
        service_request_id: case_id,
        service_notice: SERVICE_NOTICE.into(),
        account_id: non_empty(&req.account_id).map(str::to_owned),
    })
}

/// A service request as `GET requests` shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RequestView {
    /// The case id.
    pub service_request_id: String,
    /// `open` / `closed`.
    pub status: &'static str,
    /// The status label (and the case it was merged into).
    pub status_notes: Option<String>,
    /// The category's name.
    pub service_name: String,
    /// The service code.
    pub service_code: String,
    /// The description.
    pub description: Option<String>,
    /// The department handling it.
    pub agency_responsible: Option<String>,
    /// What happens next (open requests).
    pub service_notice: Option<String>,
    /// Reported at (w3 format, +08:00).
    pub requested_datetime: String,
    /// Last change (w3 format).
    pub updated_datetime: String,
    /// The handling deadline, while a department handles it.
    pub expected_datetime: Option<String>,
    /// Address text.
    pub address: Option<String>,
    /// Not used.
    pub address_id: Option<String>,
    /// Not used.
    pub zipcode: Option<String>,
    /// WGS84 (after any correction by the verifying inspector).
    pub lat: f64,
    /// WGS84.
    #[serde(rename = "long")]
    pub lon: f64,
    /// As sent.
    pub media_url: Option<String>,
}

/// The Open311 status of a workflow status: `closed` for the terminal ones.
pub fn open311_status(status: Status) -> &'static str {
    if status.is_terminal() {
        "closed"
    } else {
        "open"
    }
}

/// A time in the w3 format (Asia/Shanghai offset).
pub fn w3(t: Timestamp) -> String {
    t.to_shanghai()
        .map(|d| d.format("%Y-%m-%dT%H:%M:%S%:z").to_string())
        .unwrap_or_default()
}

/// Parses a w3 (RFC 3339) time.
pub fn parse_w3(name: &str, text: &str) -> Result<Timestamp> {
    chrono::DateTime::parse_from_rfc3339(text.trim())
        .map(|d| Timestamp(d.timestamp_millis()))
        .map_err(|_| {
            ServerError::bad_request(format!(
                "{name} 须为 W3C 时间，如 2026-11-01T00:00:00+08:00"
            ))
        })
}

fn view(dep: &Deployment, tenant: &str, link: &intake::Link) -> Result<Option<RequestView>> {
    let case_id = CaseId::parse(&link.case_id).map_err(|e| ServerError::Internal(e.to_string()))?;
    let rules = dep.rules(tenant)?;
    let (row, doc, depts) = match dep.db().read(|tx| {
        let Some(row) = cases::get(tx, tenant, case_id)? else {
            return Ok(None);
        };
        Ok(Some((
            row,
            docs::load(tx, case_id)?,
            users::departments(tx, tenant)?,
        )))
    })? {
        Some(x) => x,
        None => return Ok(None),
    };
    let p = projection::project(&rules, &doc, dep.now())?;
    let Some(report) = p.state.report.as_ref() else {
        return Ok(None);
    };
    let status = p.state.status;
    let notes = match p.state.merged_into {
        Some(target) => format!("{}（已并入 {target}）", status.label_zh()),
        None => status.label_zh().to_owned(),
    };
    let agency = p
        .state
        .department
        .and_then(|d| depts.iter().find(|r| r.id == d).map(|r| r.name.clone()));
    let expected = (status == Status::InProgress && row.clock.as_deref() == Some("handling"))
        .then_some(row.deadline)
        .flatten()
        .map(|ms| w3(Timestamp(ms)));
    Ok(Some(RequestView {
        service_request_id: link.case_id.clone(),
        status: open311_status(status),
        status_notes: Some(notes),
        service_name: rules
            .catalog
            .get(&report.category)
            .map(|c| c.name.clone())
            .unwrap_or_default(),
        service_code: service_code(&report.category),
        description: Some(report.description.clone()),
        agency_responsible: agency,
        service_notice: (!status.is_terminal()).then(|| SERVICE_NOTICE.to_owned()),
        requested_datetime: w3(p.state.reported_at.unwrap_or(doc.created_at())),
        updated_datetime: w3(Timestamp(row.updated_at)),
        expected_datetime: expected,
        address: Some(report.address.clone()).filter(|a| !a.is_empty()),
        address_id: None,
        zipcode: None,
        lat: report.location.lat,
        lon: report.location.lon,
        media_url: link.media_url.clone(),
    }))
}

/// The filters of `GET requests`.
#[derive(Clone, Debug, Default)]
pub struct RequestQuery {
    /// The tenant.
    pub jurisdiction_id: Option<String>,
    /// Comma-separated ids (overrides every other filter).
    pub service_request_id: Option<String>,
    /// Comma-separated service codes.
    pub service_code: Option<String>,
    /// W3 time.
    pub start_date: Option<String>,
    /// W3 time.
    pub end_date: Option<String>,
    /// Comma-separated `open` / `closed`.
    pub status: Option<String>,
}

fn split(v: &Option<String>) -> Vec<String> {
    non_empty(v)
        .map(|s| {
            s.split(',')
                .map(|x| x.trim().to_owned())
                .filter(|x| !x.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// `GET requests`: the tenant's Open311 requests, newest first.
pub fn list(dep: &Deployment, q: &RequestQuery) -> Result<Vec<RequestView>> {
    let tenant = jurisdiction_of(dep, non_empty(&q.jurisdiction_id))?;
    let mut ids = split(&q.service_request_id);
    let mut seen = std::collections::HashSet::new();
    ids.retain(|id| seen.insert(id.clone()));
    if ids.len() > MAX_IDS {
        return Err(ServerError::api(
            ErrorCode::TooManyIds,
            format!(
                "service_request_id 最多 {MAX_IDS} 个不同的编号，收到 {} 个",
                ids.len()
            ),
        ));
    }
    if !ids.is_empty() {
        let mut out = Vec::new();
        let mut skipped = Vec::new();
        for id in &ids {
            if let Some(link) = dep
                .db()
                .read(|tx| intake::link_row(tx, &tenant, CHANNEL, id))?
                && let Some(Some(v)) = isolation::skip(view(dep, &tenant, &link), &mut skipped)?
            {
                out.push(v);
            }
        }
        isolation::report(dep, "open311", &skipped);
        return Ok(out);
    }
    let statuses = split(&q.status);
    if let Some(bad) = statuses.iter().find(|s| *s != "open" && *s != "closed") {
        return Err(ServerError::bad_request(format!(
            "status 只能是 open 或 closed，收到 {bad:?}"
        )));
    }
    let codes = split(&q.service_code);
    let now = dep.now().ms();
    let end = non_empty(&q.end_date)
        .map(|t| parse_w3("end_date", t))
        .transpose()?;
    let start = non_empty(&q.start_date)
        .map(|t| parse_w3("start_date", t))
        .transpose()?;
    let (from, to) = match (start, end) {
        (Some(s), Some(e)) => (s.ms(), e.ms()),
        (Some(s), None) => (s.ms(), s.ms().saturating_add(MAX_SPAN_MS).min(now)),
        (None, Some(e)) => (e.ms() - MAX_SPAN_MS, e.ms()),
        (None, None) => (now - MAX_SPAN_MS, now),
    };
    if to < from {
        return Err(ServerError::bad_request("end_date 早于 start_date"));
    }
    if to - from > MAX_SPAN_MS {
        return Err(ServerError::bad_request(
            "start_date 与 end_date 相隔不得超过 90 天",
        ));
    }
    let links = dep
        .db()
        .read(|tx| intake::links(tx, &tenant, CHANNEL, from, to, MAX_REQUESTS))?;
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    for link in &links {
        // A request whose case does not read is left out (and reported), the others served.
        let Some(Some(v)) = isolation::skip(view(dep, &tenant, link), &mut skipped)? else {
            continue;
        };
        if !statuses.is_empty() && !statuses.iter().any(|s| s == v.status) {
            continue;
        }
        if !codes.is_empty() && !codes.contains(&v.service_code) {
            continue;
        }
        out.push(v);
    }
    isolation::report(dep, "open311", &skipped);
    Ok(out)
}

/// `GET requests/{id}`: one Open311 request of the tenant (`not_found` for any other id).
pub fn get(dep: &Deployment, jurisdiction: Option<&str>, id: &str) -> Result<RequestView> {
    let tenant = jurisdiction_of(dep, jurisdiction)?;
    let link = dep
        .db()
        .read(|tx| intake::link_row(tx, &tenant, CHANNEL, id))?
        .ok_or_else(|| ServerError::not_found(format!("服务请求 {id}")))?;
    isolation::reported(dep, "open311", view(dep, &tenant, &link))?
        .ok_or_else(|| ServerError::not_found(format!("服务请求 {id}")))
}

/// The tenant named by `jurisdiction_id` (400 when missing, 404 when unknown).
pub fn jurisdiction_of(dep: &Deployment, jurisdiction: Option<&str>) -> Result<String> {
    let j = jurisdiction
        .map(str::trim)
        .filter(|j| !j.is_empty())
        .ok_or_else(|| ServerError::bad_request("缺少 jurisdiction_id（区县代码）"))?;
    if j.len() != 6 || !j.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ServerError::not_found(format!("jurisdiction_id {j}")));
    }
    dep.db().read(|tx| require_tenant(tx, j))?;
    Ok(j.to_owned())
}

/// Issues a new api key for a tenant (printed once; only its SHA-256 is stored).
pub fn issue_key(dep: &Deployment, tenant: &str, label: &str) -> Result<String> {
    let key = super::new_secret();
    let hash = token_hash(&key);
    let now = dep.now().ms();
    dep.db().write(|tx| {
        require_tenant(tx, tenant)?;
        intake::add_key(tx, tenant, &hash, label, now)
    })?;
    Ok(key)
}

/// Revokes a tenant's keys with this label.
pub fn revoke_keys(dep: &Deployment, tenant: &str, label: &str) -> Result<usize> {
    let now = dep.now().ms();
    dep.db()
        .write(|tx| intake::revoke_keys(tx, tenant, label, now))
}
