//! Reading the v1 layout back into typed values: scalars with their accepted Automerge types,
//! event entries and photo entries.
//!
//! Invariant: every function here returns a typed [`DocError`] naming the path or the event id
//! at fault; nothing panics on any value a peer could have written. Integers are accepted as
//! `Int` or `Uint` (JavaScript peers write `Int`); anything else of the wrong type is refused.
//! Entries are read one level deep ([`Entry`]): a field holding an object is an error, and no
//! object below an entry is ever walked, however deeply a peer nested it (no recursion).

use super::error::DocError;
use super::layout::*;
use crate::model::{
    Actor, DepartmentId, DeviceId, EventId, Hlc, PhotoRole, Role, Sha256, Timestamp, UserId,
};
use crate::workflow::{Event, EventKind};
use automerge::{AutoCommit, ObjId, ObjType, ReadDoc, ScalarValue, Value};
use std::collections::BTreeMap;

/// One entry of the `events` or `photos` map, read one level deep.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Entry {
    /// A map: each field's scalar, or `None` where the field holds an object (never walked).
    Map(BTreeMap<String, Option<ScalarValue>>),
    /// Anything but a map (a scalar, list or text where a map belongs).
    NotAMap,
}

impl Entry {
    /// Reads the entry `obj` of `doc` one level deep.
    pub(crate) fn read(doc: &AutoCommit, value: &Value<'_>, obj: &ObjId) -> Entry {
        if !matches!(value, Value::Object(ObjType::Map)) {
            return Entry::NotAMap;
        }
        let fields = doc
            .keys(obj)
            .map(|key| {
                let scalar = match doc.get(obj, key.as_str()) {
                    Ok(Some((Value::Scalar(s), _))) => Some(s.into_owned()),
                    _ => None,
                };
                (key, scalar)
            })
            .collect();
        Entry::Map(fields)
    }
}

type Map = BTreeMap<String, Option<ScalarValue>>;

/// A photo referenced by a case document (`photos/<sha256>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PhotoEntry {
    /// The blob's SHA-256 (the map key).
    pub sha256: Sha256,
    /// What the photo shows.
    pub role: PhotoRole,
    /// Size of the blob in bytes.
    pub size: u64,
    /// When it was taken, when known.
    pub taken_at: Option<Timestamp>,
    /// The event that first referenced it.
    pub event: EventId,
}

/// A scalar as an `i64` (`Int`, `Uint` within range, or `Timestamp`).
pub(crate) fn as_i64(v: &ScalarValue) -> Option<i64> {
    match v {
        ScalarValue::Int(i) | ScalarValue::Timestamp(i) => Some(*i),
        ScalarValue::Uint(u) => i64::try_from(*u).ok(),
        _ => None,
    }
}

/// A scalar as a `u64` (`Uint`, or a non-negative `Int`).
pub(crate) fn as_u64(v: &ScalarValue) -> Option<u64> {
    match v {
        ScalarValue::Uint(u) => Some(*u),
        ScalarValue::Int(i) => u64::try_from(*i).ok(),
        _ => None,
    }
}

/// A scalar as a string.
pub(crate) fn as_str(v: &ScalarValue) -> Option<&str> {
    match v {
        ScalarValue::Str(s) => Some(s.as_str()),
        _ => None,
    }
}

/// Parses a string field with `parse`, naming `path` on failure.
pub(crate) fn parse_str<T, E: std::fmt::Display>(
    v: &ScalarValue,
    path: &str,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Result<T, DocError> {
    let s = as_str(v).ok_or_else(|| DocError::bad_field(path, "expected a string"))?;
    parse(s).map_err(|e| DocError::bad_field(path, e.to_string()))
}

/// A field of an entry map as a scalar, or why not.
fn field<'a>(entry: &'a Map, key: &str) -> Result<&'a ScalarValue, String> {
    match entry.get(key) {
        Some(Some(s)) => Ok(s),
        Some(None) => Err(format!("`{key}` is an object, expected a scalar")),
        None => Err(format!("`{key}` is missing")),
    }
}

fn text_field<T, E: std::fmt::Display>(
    entry: &Map,
    key: &str,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Result<T, String> {
    let s = as_str(field(entry, key)?).ok_or_else(|| format!("`{key}` is not a string"))?;
    parse(s).map_err(|e| format!("`{key}`: {e}"))
}

/// Decodes the entry `events/<key>`, with the server receipt from `receipts/<key>` if any.
pub(crate) fn decode_event(
    key: &str,
    entry: &Entry,
    received_at: Option<Timestamp>,
) -> Result<Event, DocError> {
    let bad = |reason: String| DocError::bad_event(key, reason);
    let id = EventId::parse(key).map_err(|e| bad(format!("key: {e}")))?;
    let Entry::Map(entry) = entry else {
        return Err(bad("entry is not a map".to_owned()));
    };
    let ms = as_i64(field(entry, HLC_MS).map_err(bad)?)
        .ok_or_else(|| bad("`hlc_ms`: not an integer".into()))?;
    let counter = as_u64(field(entry, HLC_COUNTER).map_err(bad)?)
        .and_then(|c| u32::try_from(c).ok())
        .ok_or_else(|| bad("`hlc_counter`: not a 32-bit unsigned integer".into()))?;
    let node = text_field(entry, HLC_NODE, |s| {
        if s.len() == 16 {
            u64::from_str_radix(s, 16).map_err(|e| e.to_string())
        } else {
            Err("expected 16 hex digits".to_owned())
        }
    })
    .map_err(bad)?;
    let user = text_field(entry, USER, UserId::parse).map_err(bad)?;
    let device = text_field(entry, DEVICE, DeviceId::parse).map_err(bad)?;
    let role = text_field(entry, ROLE, |s| Role::parse(s).ok_or("unknown role")).map_err(bad)?;
    let org = match entry.get(ORG) {
        None => None,
        Some(_) => Some(text_field(entry, ORG, DepartmentId::parse).map_err(bad)?),
    };
    let type_name = text_field(entry, TYPE, |s| Ok::<_, String>(s.to_owned())).map_err(bad)?;
    let payload = text_field(entry, PAYLOAD, |s| {
        serde_json::from_str::<serde_json::Value>(s)
    })
    .map_err(bad)?;
    let kind = EventKind::from_json(payload).map_err(|e| bad(format!("`payload`: {e}")))?;
    if kind.type_name() != type_name {
        return Err(bad(format!(
            "`type` is `{type_name}` but the payload is `{}`",
            kind.type_name()
        )));
    }
    Ok(Event {
        id,
        hlc: Hlc { ms, counter, node },
        actor: Actor {
            user,
            device,
            role,
            org,
        },
        received_at,
        kind,
    })
}

/// Decodes the entry `photos/<key>`.
pub(crate) fn decode_photo(key: &str, entry: &Entry) -> Result<PhotoEntry, DocError> {
    let path = format!("{PHOTOS}/{key}");
    let bad = |reason: String| DocError::bad_field(path.clone(), reason);
    let sha256 = Sha256::parse(key).map_err(|e| bad(e.to_string()))?;
    let Entry::Map(entry) = entry else {
        return Err(bad("entry is not a map".to_owned()));
    };
    let role = text_field(entry, PHOTO_ROLE, |s| {
        serde_json::from_value::<PhotoRole>(serde_json::Value::String(s.to_owned()))
    })
    .map_err(bad)?;
    let size = as_u64(field(entry, PHOTO_SIZE).map_err(bad)?)
        .ok_or_else(|| bad("`size`: not an unsigned integer".into()))?;
    let taken_at = match entry.get(PHOTO_TAKEN_AT) {
        None => None,
        Some(Some(s)) => Some(Timestamp(
            as_i64(s).ok_or_else(|| bad("`taken_at`: not an integer".into()))?,
        )),
        Some(None) => return Err(bad("`taken_at` is an object".into())),
    };
    let event = text_field(entry, PHOTO_EVENT, EventId::parse).map_err(bad)?;
    Ok(PhotoEntry {
        sha256,
        role,
        size,
        taken_at,
        event,
    })
}
