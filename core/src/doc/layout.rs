//! The v1 document layout: key names and the encoding of events and photos as Automerge values.
//!
//! ```text
//! ROOT {
//!   schema_version: Uint 1
//!   case_id:        Str   UUIDv7 of the case
//!   tenant:         Str   6-digit county code
//!   created_at:     Int   Unix ms of the report (its HLC time)
//!   created_by:     Str   user id of the reporter
//!   report_event:   Str   id of the event that created the case
//!   events:   Map { <event id>: Map { hlc_ms Int, hlc_counter Uint, hlc_node Str (16 hex),
//!                                      user Str, device Str, role Str, type Str,
//!                                      payload Str (JSON of EventKind::to_json) } }
//!   photos:   Map { <sha256 hex>: Map { role Str, size Uint, taken_at Int?, event Str } }
//!   receipts: Map { <event id>: Int (Unix ms the server first received it) }
//! }
//! ```
//!
//! Invariants: everything but `receipts` is written once and never changed (the server's gate
//! refuses a change that edits it); a new field is added, never repurposed; a breaking change
//! bumps [`SCHEMA_VERSION`] and keeps a golden fixture of the old version. `hlc_node` is hex text
//! because a u64 does not survive a JavaScript number.

use crate::model::PhotoRef;
use crate::workflow::Event;
use automerge::ScalarValue;
use automerge::hydrate::{Map, MapValue, Value};

/// The schema version this build writes and reads.
pub const SCHEMA_VERSION: u64 = 1;

pub(crate) const SCHEMA_VERSION_KEY: &str = "schema_version";
pub(crate) const CASE_ID: &str = "case_id";
pub(crate) const TENANT: &str = "tenant";
pub(crate) const CREATED_AT: &str = "created_at";
pub(crate) const CREATED_BY: &str = "created_by";
pub(crate) const REPORT_EVENT: &str = "report_event";
pub(crate) const EVENTS: &str = "events";
pub(crate) const PHOTOS: &str = "photos";
pub(crate) const RECEIPTS: &str = "receipts";

pub(crate) const HLC_MS: &str = "hlc_ms";
pub(crate) const HLC_COUNTER: &str = "hlc_counter";
pub(crate) const HLC_NODE: &str = "hlc_node";
pub(crate) const USER: &str = "user";
pub(crate) const DEVICE: &str = "device";
pub(crate) const ROLE: &str = "role";
/// Optional: the department a department user acts for.
pub(crate) const ORG: &str = "org";
pub(crate) const TYPE: &str = "type";
pub(crate) const PAYLOAD: &str = "payload";

pub(crate) const PHOTO_ROLE: &str = "role";
pub(crate) const PHOTO_SIZE: &str = "size";
pub(crate) const PHOTO_TAKEN_AT: &str = "taken_at";
pub(crate) const PHOTO_EVENT: &str = "event";

/// A hydrate map from `(key, value)` pairs.
pub(crate) fn map<I: IntoIterator<Item = (&'static str, Value)>>(entries: I) -> Map {
    let mut m = Map::default();
    for (key, value) in entries {
        m.insert(
            key.to_owned(),
            MapValue {
                value,
                conflict: false,
            },
        );
    }
    m
}

/// A hydrate map value keyed by runtime strings (event ids, hashes).
pub(crate) fn owned_map(entries: Vec<(String, Value)>) -> Value {
    let mut m = Map::default();
    for (key, value) in entries {
        m.insert(
            key,
            MapValue {
                value,
                conflict: false,
            },
        );
    }
    Value::Map(m)
}

pub(crate) fn str_value(s: &str) -> Value {
    Value::Scalar(ScalarValue::Str(s.into()))
}

pub(crate) fn int_value(i: i64) -> Value {
    Value::Scalar(ScalarValue::Int(i))
}

pub(crate) fn uint_value(u: u64) -> Value {
    Value::Scalar(ScalarValue::Uint(u))
}

/// An event as its `events/<id>` entry. The server receipt (`received_at`) goes to `receipts`.
pub(crate) fn event_entry(event: &Event) -> Value {
    let payload = event.kind.to_json().to_string();
    let mut entry = map([
        (HLC_MS, int_value(event.hlc.ms)),
        (HLC_COUNTER, uint_value(u64::from(event.hlc.counter))),
        (HLC_NODE, str_value(&format!("{:016x}", event.hlc.node))),
        (USER, str_value(&event.actor.user.to_string())),
        (DEVICE, str_value(&event.actor.device.to_string())),
        (ROLE, str_value(event.actor.role.as_str())),
        (TYPE, str_value(event.kind.type_name())),
        (PAYLOAD, str_value(&payload)),
    ]);
    if let Some(org) = event.actor.org {
        entry.insert(
            ORG.to_owned(),
            MapValue {
                value: str_value(&org.to_string()),
                conflict: false,
            },
        );
    }
    Value::Map(entry)
}

/// A photo reference as its `photos/<sha256>` entry, naming the event that brought it.
pub(crate) fn photo_entry(photo: &PhotoRef, event: &Event) -> Value {
    let role = serde_json::to_value(photo.role)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let mut entries = vec![
        (PHOTO_ROLE, str_value(&role)),
        (PHOTO_SIZE, uint_value(photo.size)),
        (PHOTO_EVENT, str_value(&event.id.to_string())),
    ];
    if let Some(t) = photo.taken_at {
        entries.push((PHOTO_TAKEN_AT, int_value(t.ms())));
    }
    Value::Map(map(entries))
}
