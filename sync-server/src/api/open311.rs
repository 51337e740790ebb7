//! Open311 GeoReport v2 over HTTP, under `/open311/v2` (docs/intake.md "Open311"): the
//! format is the path's suffix (`.json` or `.xml`, as the spec says), errors are the spec's
//! array of `{code, description}` (`<errors><error>…` in XML) with HTTP 400 / 403 / 404 / 500.
//! XML is written here by hand: schemaless, no namespace, UTF-8 with the declaration, every
//! text escaped; JSON is the Spark-convention mapping of the same elements.

use super::{AppState, blocking};
use crate::biz::intake::open311::{
    self, Created, NewRequest, RequestQuery, RequestView, Service, ServiceDefinition,
};
use crate::error::ServerError;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use gridcase_core::protocol::ErrorCode;
use std::collections::HashMap;

/// The Open311 routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/open311/v2/{file}", get(get_root).post(post_requests))
        .route("/open311/v2/services/{file}", get(get_definition))
        .route("/open311/v2/requests/{file}", get(get_request))
}

/// A response format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Json,
    Xml,
}

/// Splits `name.json` / `name.xml`; anything else is answered in XML (the required format).
fn split_format(file: &str) -> (String, Result<Format, String>) {
    match file.rsplit_once('.') {
        Some((name, "json")) => (name.to_owned(), Ok(Format::Json)),
        Some((name, "xml")) => (name.to_owned(), Ok(Format::Xml)),
        Some((name, other)) => (
            name.to_owned(),
            Err(format!("不支持的格式 .{other}，请用 .json 或 .xml")),
        ),
        None => (
            file.to_owned(),
            Err("缺少格式后缀 .json 或 .xml".to_owned()),
        ),
    }
}

fn respond(format: Format, json: serde_json::Value, xml: String) -> Response {
    match format {
        Format::Json => (
            [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
            json.to_string(),
        )
            .into_response(),
        Format::Xml => ([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], xml).into_response(),
    }
}

/// The HTTP status of an error the way the spec wants it: 404 for what does not exist, 403
/// for the api key, 500 for our own failures, 400 for everything else.
fn open311_status(code: ErrorCode) -> u16 {
    match code {
        ErrorCode::NotFound => 404,
        ErrorCode::Forbidden | ErrorCode::Unauthorized => 403,
        ErrorCode::Internal
        | ErrorCode::DocumentUnreadable
        | ErrorCode::StorageFull
        | ErrorCode::ServerBusy
        | ErrorCode::ObjectStoreUnavailable
        | ErrorCode::RequestTimeout => code.http_status(),
        _ => 400,
    }
}

fn error_response(format: Format, e: &ServerError) -> Response {
    let code = e.code();
    if code == ErrorCode::Internal {
        tracing::error!(error = %e, "open311 internal error");
    }
    let status = open311_status(code);
    let description = format!("{}（{}）", e.to_api().message, code.as_str());
    let json = serde_json::json!([{ "code": status, "description": description }]);
    let mut x = Xml::new();
    x.open("errors");
    x.open("error");
    x.leaf("code", Some(&status.to_string()));
    x.leaf("description", Some(&description));
    x.close("error");
    x.close("errors");
    let mut r = respond(format, json, x.finish());
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    r
}

fn bad_format(detail: String) -> Response {
    error_response(Format::Xml, &ServerError::bad_request(detail))
}

/// `GET /open311/v2/services.{fmt}` and `GET /open311/v2/requests.{fmt}`.
async fn get_root(
    State(dep): State<AppState>,
    Path(file): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let (name, format) = split_format(&file);
    let format = match format {
        Ok(f) => f,
        Err(e) => return bad_format(e),
    };
    let jurisdiction = q.get("jurisdiction_id").cloned();
    match name.as_str() {
        "services" => {
            match blocking(&dep, move |d| open311::services(d, jurisdiction.as_deref())).await {
                Ok(list) => respond(format, serde_json::json!(list), services_xml(&list)),
                Err(e) => error_response(format, &e.0),
            }
        }
        "requests" => {
            let query = RequestQuery {
                jurisdiction_id: jurisdiction,
                service_request_id: q.get("service_request_id").cloned(),
                service_code: q.get("service_code").cloned(),
                start_date: q.get("start_date").cloned(),
                end_date: q.get("end_date").cloned(),
                status: q.get("status").cloned(),
            };
            match blocking(&dep, move |d| open311::list(d, &query)).await {
                Ok(list) => respond(format, serde_json::json!(list), requests_xml(&list)),
                Err(e) => error_response(format, &e.0),
            }
        }
        _ => error_response(format, &ServerError::not_found(format!("资源 {name}"))),
    }
}

/// `GET /open311/v2/services/{code}.{fmt}`.
async fn get_definition(
    State(dep): State<AppState>,
    Path(file): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let (code, format) = split_format(&file);
    let format = match format {
        Ok(f) => f,
        Err(e) => return bad_format(e),
    };
    let jurisdiction = q.get("jurisdiction_id").cloned();
    match blocking(&dep, move |d| {
        open311::definition(d, jurisdiction.as_deref(), &code)
    })
    .await
    {
        Ok(def) => respond(format, serde_json::json!(def), definition_xml(&def)),
        Err(e) => error_response(format, &e.0),
    }
}

/// `GET /open311/v2/requests/{id}.{fmt}`.
async fn get_request(
    State(dep): State<AppState>,
    Path(file): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let (id, format) = split_format(&file);
    let format = match format {
        Ok(f) => f,
        Err(e) => return bad_format(e),
    };
    let jurisdiction = q.get("jurisdiction_id").cloned();
    match blocking(&dep, move |d| open311::get(d, jurisdiction.as_deref(), &id)).await {
        Ok(r) => {
            let list = vec![r];
            respond(format, serde_json::json!(list), requests_xml(&list))
        }
        Err(e) => error_response(format, &e.0),
    }
}

/// `POST /open311/v2/requests.{fmt}` (form-encoded body).
async fn post_requests(
    State(dep): State<AppState>,
    Path(file): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let (name, format) = split_format(&file);
    let format = match format {
        Ok(f) => f,
        Err(e) => return bad_format(e),
    };
    if name != "requests" {
        return error_response(format, &ServerError::not_found(format!("资源 {name}")));
    }
    let pairs: Vec<(String, String)> = match form_pairs(&body) {
        Ok(p) => p,
        Err(e) => return error_response(format, &ServerError::bad_request(e)),
    };
    let mut req = NewRequest::default();
    for (k, v) in pairs {
        let slot = match k.as_str() {
            "api_key" => &mut req.api_key,
            "jurisdiction_id" => &mut req.jurisdiction_id,
            "service_code" => &mut req.service_code,
            "lat" => &mut req.lat,
            "long" => &mut req.long,
            "address_string" => &mut req.address_string,
            "email" => &mut req.email,
            "first_name" => &mut req.first_name,
            "last_name" => &mut req.last_name,
            "phone" => &mut req.phone,
            "account_id" => &mut req.account_id,
            "description" => &mut req.description,
            "media_url" => &mut req.media_url,
            // Accepted by the spec, not used here.
            "address_id" | "device_id" => continue,
            other => {
                if let Some(code) = other
                    .strip_prefix("attribute[")
                    .and_then(|r| r.strip_suffix(']'))
                {
                    req.attributes.push((code.to_owned(), v));
                    continue;
                }
                return error_response(
                    format,
                    &ServerError::bad_request(format!("未知参数 {other}")),
                );
            }
        };
        *slot = Some(v);
    }
    match blocking(&dep, move |d| open311::create(d, &req)).await {
        Ok(created) => {
            let list = vec![created];
            respond(format, serde_json::json!(list), created_xml(&list))
        }
        Err(e) => error_response(format, &e.0),
    }
}

/// Decodes `application/x-www-form-urlencoded` into ordered pairs.
fn form_pairs(body: &[u8]) -> Result<Vec<(String, String)>, String> {
    let text = std::str::from_utf8(body).map_err(|_| "请求体须为 UTF-8".to_owned())?;
    let mut out = Vec::new();
    for part in text.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        out.push((decode_component(k)?, decode_component(v)?));
    }
    Ok(out)
}

fn decode_component(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| format!("无效的百分号编码：{s}"))?;
                out.push(hex);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| "参数须为 UTF-8".to_owned())
}

/// Whether XML 1.0 can carry `c` (its `Char` production; Rust strings hold no surrogates).
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// A minimal XML writer for the GeoReport shapes; text is escaped and stripped of characters
/// XML 1.0 cannot carry, so any stored text gives a well-formed document.
struct Xml(String);

impl Xml {
    fn new() -> Xml {
        Xml("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n".to_owned())
    }

    fn open(&mut self, tag: &str) {
        self.0.push('<');
        self.0.push_str(tag);
        self.0.push('>');
    }

    fn close(&mut self, tag: &str) {
        self.0.push_str("</");
        self.0.push_str(tag);
        self.0.push('>');
    }

    /// `<tag>text</tag>`, or `<tag/>` for `None`.
    fn leaf(&mut self, tag: &str, text: Option<&str>) {
        match text {
            None => {
                self.0.push('<');
                self.0.push_str(tag);
                self.0.push_str("/>");
            }
            Some(t) => {
                self.open(tag);
                for c in t.chars() {
                    match c {
                        '&' => self.0.push_str("&amp;"),
                        '<' => self.0.push_str("&lt;"),
                        '>' => self.0.push_str("&gt;"),
                        '"' => self.0.push_str("&quot;"),
                        '\'' => self.0.push_str("&apos;"),
                        // Kept as a reference: a literal CR would be read back as LF.
                        '\r' => self.0.push_str("&#13;"),
                        c if xml_char(c) => self.0.push(c),
                        // Control characters, U+FFFE and U+FFFF cannot appear in XML 1.0 at
                        // all (not even as references): dropped.
                        _ => {}
                    }
                }
                self.close(tag);
            }
        }
    }

    fn finish(self) -> String {
        self.0
    }
}

fn services_xml(list: &[Service]) -> String {
    let mut x = Xml::new();
    x.open("services");
    for s in list {
        x.open("service");
        x.leaf("service_code", Some(&s.service_code));
        x.leaf("service_name", Some(&s.service_name));
        x.leaf("description", Some(&s.description));
        x.leaf("metadata", Some(if s.metadata { "true" } else { "false" }));
        x.leaf("type", Some(s.kind));
        x.leaf("keywords", Some(&s.keywords));
        x.leaf("group", Some(&s.group));
        x.close("service");
    }
    x.close("services");
    x.finish()
}

fn definition_xml(d: &ServiceDefinition) -> String {
    let mut x = Xml::new();
    x.open("service_definition");
    x.leaf("service_code", Some(&d.service_code));
    x.open("attributes");
    for a in &d.attributes {
        x.open("attribute");
        x.leaf("variable", Some(if a.variable { "true" } else { "false" }));
        x.leaf("code", Some(&a.code));
        x.leaf("datatype", Some(&a.datatype));
        x.leaf("required", Some(if a.required { "true" } else { "false" }));
        x.leaf("datatype_description", a.datatype_description.as_deref());
        x.leaf("order", Some(&a.order.to_string()));
        x.leaf("description", Some(&a.description));
        x.open("values");
        for v in &a.values {
            x.open("value");
            x.leaf("key", Some(&v.key));
            x.leaf("name", Some(&v.name));
            x.close("value");
        }
        x.close("values");
        x.close("attribute");
    }
    x.close("attributes");
    x.close("service_definition");
    x.finish()
}

fn created_xml(list: &[Created]) -> String {
    let mut x = Xml::new();
    x.open("service_requests");
    for c in list {
        x.open("request");
        x.leaf("service_request_id", Some(&c.service_request_id));
        x.leaf("service_notice", Some(&c.service_notice));
        x.leaf("account_id", c.account_id.as_deref());
        x.close("request");
    }
    x.close("service_requests");
    x.finish()
}

fn requests_xml(list: &[RequestView]) -> String {
    let mut x = Xml::new();
    x.open("service_requests");
    for r in list {
        x.open("request");
        x.leaf("service_request_id", Some(&r.service_request_id));
        x.leaf("status", Some(r.status));
        x.leaf("status_notes", r.status_notes.as_deref());
        x.leaf("service_name", Some(&r.service_name));
        x.leaf("service_code", Some(&r.service_code));
        x.leaf("description", r.description.as_deref());
        x.leaf("agency_responsible", r.agency_responsible.as_deref());
        x.leaf("service_notice", r.service_notice.as_deref());
        x.leaf("requested_datetime", Some(&r.requested_datetime));
        x.leaf("updated_datetime", Some(&r.updated_datetime));
        x.leaf("expected_datetime", r.expected_datetime.as_deref());
        x.leaf("address", r.address.as_deref());
        x.leaf("address_id", r.address_id.as_deref());
        x.leaf("zipcode", r.zipcode.as_deref());
        x.leaf("lat", Some(&r.lat.to_string()));
        x.leaf("long", Some(&r.lon.to_string()));
        x.leaf("media_url", r.media_url.as_deref());
        x.close("request");
    }
    x.close("service_requests");
    x.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_decoding_and_xml_escaping() {
        let pairs = form_pairs(b"a=1+2&b=%E4%BA%95%E7%9B%96&attribute%5Burgency%5D=urgent")
            .expect("decodes");
        assert_eq!(pairs[0], ("a".into(), "1 2".into()));
        assert_eq!(pairs[1], ("b".into(), "井盖".into()));
        assert_eq!(pairs[2], ("attribute[urgency]".into(), "urgent".into()));
        assert!(form_pairs(b"a=%zz").is_err());
        let mut x = Xml::new();
        x.leaf("d", Some("<a & 'b'>"));
        assert!(x.finish().ends_with("<d>&lt;a &amp; &apos;b&apos;&gt;</d>"));
        let mut x = Xml::new();
        x.leaf("d", Some("a\u{0}b\u{1b}c\u{fffe}\td\r\n井"));
        let doc = x.finish();
        assert!(doc.ends_with("<d>abc\td&#13;\n井</d>"), "{doc}");
        let parsed = roxmltree::Document::parse(&doc).expect("well-formed");
        assert_eq!(parsed.root_element().text(), Some("abc\td\r\n井"));
    }
}
