//! The document's header: the root fields written once at creation, read and validated on every
//! load, and handed to the server's gate as [`ImmutableFields`] to compare before and after a
//! change.
//!
//! Invariant: a document that passes [`read_header`] has a supported `schema_version`, a valid
//! case id, tenant, creation time, creator and report event id, and `events`, `photos` and
//! `receipts` maps. A field with concurrent conflicting values is refused: nobody may write
//! these fields after creation, so a conflict means someone did.

use super::decode::{as_i64, as_u64, decode_event, parse_str};
use super::error::DocError;
use super::layout::*;
use crate::codes::CountyCode;
use crate::model::{CaseId, EventId, Timestamp, UserId};
use crate::workflow::Event;
use automerge::{AutoCommit, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value};

/// The fields of a case document that never change after creation. The server's gate compares
/// them before and after applying a device's change; event entries are immutable too (the gate
/// checks that every event before the change is still there, equal, after it).
#[derive(Clone, Debug, PartialEq)]
pub struct ImmutableFields {
    /// The document's schema version.
    pub schema_version: u64,
    /// The case.
    pub case_id: CaseId,
    /// The tenant (county) the case belongs to.
    pub tenant: CountyCode,
    /// When the case was reported (the report's HLC time).
    pub created_at: Timestamp,
    /// Who reported it.
    pub created_by: UserId,
    /// The event that created the case, as written (without its server receipt).
    pub report: Event,
}

/// The validated header fields, cached by [`super::CaseDoc`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) case_id: CaseId,
    pub(crate) tenant: CountyCode,
    pub(crate) created_at: Timestamp,
    pub(crate) created_by: UserId,
    pub(crate) report_event: EventId,
}

/// The single value of a root scalar field; `None` when missing.
fn root_scalar(doc: &AutoCommit, key: &str) -> Result<Option<ScalarValue>, DocError> {
    let all = doc
        .get_all(ROOT, key)
        .map_err(|e| DocError::bad_field(key, e.to_string()))?;
    match all.as_slice() {
        [] => Ok(None),
        [(Value::Scalar(s), _)] => Ok(Some(s.clone().into_owned())),
        [(Value::Object(_), _)] => Err(DocError::bad_field(
            key,
            "expected a scalar, found an object",
        )),
        _ => Err(DocError::bad_field(
            key,
            "conflicting values: the field was written twice",
        )),
    }
}

fn required(doc: &AutoCommit, key: &str) -> Result<ScalarValue, DocError> {
    root_scalar(doc, key)?.ok_or_else(|| DocError::bad_field(key, "missing"))
}

/// The object id of the root map `key`.
pub(crate) fn root_map(doc: &AutoCommit, key: &str) -> Result<ObjId, DocError> {
    match doc.get(ROOT, key) {
        Ok(Some((Value::Object(ObjType::Map), id))) => Ok(id),
        Ok(Some(_)) => Err(DocError::bad_field(key, "expected a map")),
        Ok(None) => Err(DocError::bad_field(key, "missing")),
        Err(e) => Err(DocError::bad_field(key, e.to_string())),
    }
}

/// Checks `schema_version` first (so a newer document says so rather than failing on a field),
/// then every header field and the three maps.
pub(crate) fn read_header(doc: &AutoCommit) -> Result<Header, DocError> {
    match root_scalar(doc, SCHEMA_VERSION_KEY)? {
        None => return Err(DocError::UnknownSchema { found: None }),
        Some(v) => match as_u64(&v) {
            Some(SCHEMA_VERSION) => {}
            Some(other) => return Err(DocError::UnknownSchema { found: Some(other) }),
            None => {
                return Err(DocError::bad_field(
                    SCHEMA_VERSION_KEY,
                    "expected an unsigned integer",
                ));
            }
        },
    }
    let header = Header {
        case_id: parse_str(&required(doc, CASE_ID)?, CASE_ID, CaseId::parse)?,
        tenant: parse_str(&required(doc, TENANT)?, TENANT, CountyCode::parse)?,
        created_at: Timestamp(
            as_i64(&required(doc, CREATED_AT)?)
                .ok_or_else(|| DocError::bad_field(CREATED_AT, "expected an integer"))?,
        ),
        created_by: parse_str(&required(doc, CREATED_BY)?, CREATED_BY, UserId::parse)?,
        report_event: parse_str(&required(doc, REPORT_EVENT)?, REPORT_EVENT, EventId::parse)?,
    };
    for key in [EVENTS, PHOTOS, RECEIPTS] {
        root_map(doc, key)?;
    }
    Ok(header)
}

/// The immutable fields, with the report event decoded from its entry.
pub(crate) fn immutable_fields(
    doc: &AutoCommit,
    header: &Header,
) -> Result<ImmutableFields, DocError> {
    let events = root_map(doc, EVENTS)?;
    let key = header.report_event.to_string();
    let missing = || DocError::bad_field(format!("{EVENTS}/{key}"), "the report event is missing");
    let (value, entry_id) = match doc.get(&events, key.as_str()) {
        Ok(Some((value @ Value::Object(_), id))) => (value, id),
        _ => return Err(missing()),
    };
    let entry = super::decode::Entry::read(doc, &value, &entry_id);
    Ok(ImmutableFields {
        schema_version: SCHEMA_VERSION,
        case_id: header.case_id,
        tenant: header.tenant,
        created_at: header.created_at,
        created_by: header.created_by,
        report: decode_event(&key, &entry, None)?,
    })
}
