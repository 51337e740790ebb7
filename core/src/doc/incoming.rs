//! What a device pushes, decoded and checked before anything is applied to a document: the
//! first checks of the server's gate (docs/protocol.md "The gate", docs/security.md).
//!
//! [`Incoming::decode`] accepts only what a device's `save_after` writes, uncompressed change
//! chunks, and checks every change before any of them touches a document:
//! - the chunk splits and decodes strictly and its checksum matches ([`IncomingError::Corrupt`]);
//! - whole documents and deflate-compressed changes are refused ([`IncomingError::Corrupt`]):
//!   a device never writes them, and the server never inflates a device's bytes, so there is
//!   no decompression bomb and every limit counts the bytes that are really stored;
//! - the change is in Automerge's canonical encoding: decoding and re-encoding it gives the same
//!   hash ([`IncomingError::NotCanonical`]), so the snapshot saved after merging it loads again;
//! - operation counts per change and in all are bounded ([`IncomingError::TooLarge`]).
//!
//! [`Incoming::check_shape`] then checks the operations against the v1 layout
//! ([`super::layout`]): new objects only as map entries of `events` and `photos` (and, in a new
//! document, the three root maps), scalar fields only from the layout's field names with bounded
//! sizes, and no list, text, counter or mark operations ([`IncomingError::Shape`]). Writes to
//! objects that existed before (the header, old entries, receipts) are left to the gate's path
//! checks, which name them with their own codes.
//!
//! Invariant: nothing here panics on any input (Automerge's expansion of a change's operations,
//! which can panic on some malformed values, runs under `catch_unwind`), and nothing is applied
//! to a document until every check has passed.

use super::CaseDoc;
use super::chunks;
use super::error::DocError;
use super::header::{read_header, root_map};
use super::layout::*;
use automerge::legacy::{Key, ObjectId, OpId, OpType};
use automerge::{AutoCommit, Change, ChangeHash, ObjId, ObjType, ReadDoc, ScalarValue};
use std::collections::HashMap;
use thiserror::Error;

/// Largest JSON payload of one event, in bytes: a bound on the bytes stored, well above what
/// the payload limits allow (a report's description of 4,000 Chinese characters is 12 KB), so
/// an over-long text is refused by `workflow::limits` with its own limit in the message.
pub const MAX_PAYLOAD_BYTES: usize = 128 * 1024;
/// Largest value of any other scalar field (ids, codes, hex), in bytes.
pub const MAX_FIELD_BYTES: usize = 128;

/// Bounds on what one push may carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IncomingLimits {
    /// Most operations in one change.
    pub max_ops_per_change: usize,
    /// Most operations in the whole input.
    pub max_ops: usize,
    /// Most bytes a whole document push may inflate to ([`Incoming::decode_document`]).
    pub max_inflated_bytes: usize,
}

impl Default for IncomingLimits {
    fn default() -> Self {
        IncomingLimits {
            max_ops_per_change: 5_000,
            max_ops: 20_000,
            max_inflated_bytes: 256 * 1024,
        }
    }
}

/// Why pushed bytes were refused before being applied.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum IncomingError {
    /// Not a sequence of well-formed, uncompressed change chunks.
    #[error("{0}")]
    Corrupt(String),
    /// A change whose bytes are not Automerge's canonical encoding of its content.
    #[error("change {hash} is not in Automerge's canonical encoding")]
    NotCanonical {
        /// The change's hash as sent.
        hash: String,
    },
    /// Too many operations.
    #[error("{0}")]
    TooLarge(String),
    /// An operation outside the v1 layout.
    #[error("{path}: {reason}")]
    Shape {
        /// Where (`events/<id>/field`, or the object id when it has no path).
        path: String,
        /// What is wrong.
        reason: String,
    },
}

impl IncomingError {
    /// The protocol error code (`bad_message`, `too_large`, `invalid_payload`).
    pub fn code(&self) -> &'static str {
        match self {
            IncomingError::Corrupt(_) | IncomingError::NotCanonical { .. } => "bad_message",
            IncomingError::TooLarge(_) => "too_large",
            IncomingError::Shape { .. } => "invalid_payload",
        }
    }

    fn shape(path: impl Into<String>, reason: impl Into<String>) -> IncomingError {
        IncomingError::Shape {
            path: path.into(),
            reason: reason.into(),
        }
    }
}

/// One change of a push, decoded, with its operations expanded.
struct Decoded {
    change: Change,
    expanded: automerge::ExpandedChange,
}

/// A push's changes, decoded and checked (see the module docs).
pub struct Incoming {
    changes: Vec<Decoded>,
    ops: usize,
    /// The document these changes were read from, for a whole document push
    /// ([`Incoming::decode_document`]); dropped when [`Incoming::retain`] removes a change.
    document: Option<AutoCommit>,
}

impl std::fmt::Debug for Incoming {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Incoming")
            .field("changes", &self.changes.len())
            .field("ops", &self.ops)
            .finish()
    }
}

/// A map entry a push creates under `events` or `photos`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreatedEntry {
    /// The change that created it.
    pub change: ChangeHash,
    /// That change's dependencies: the document state its author made it on.
    pub deps: Vec<ChangeHash>,
    /// The entry's key (an event id or a photo hash, as written).
    pub key: String,
}

/// What [`Incoming::check_shape`] found the push creates.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Created {
    /// New `events/<id>` entries.
    pub events: Vec<CreatedEntry>,
    /// New `photos/<sha256>` entries.
    pub photos: Vec<CreatedEntry>,
}

impl Incoming {
    /// Decodes `bytes` (concatenated change chunks) under `limits`; see the module docs.
    pub fn decode(bytes: &[u8], limits: IncomingLimits) -> Result<Incoming, IncomingError> {
        let mut changes = Vec::new();
        let mut ops = 0usize;
        for (i, (chunk_type, chunk)) in chunks::split(bytes)
            .map_err(IncomingError::Corrupt)?
            .into_iter()
            .enumerate()
        {
            let corrupt = |what: &str| IncomingError::Corrupt(format!("chunk {i}: {what}"));
            match chunk_type {
                chunks::CHANGE => {}
                chunks::DOCUMENT => {
                    return Err(corrupt("whole documents are not accepted; send changes"));
                }
                chunks::COMPRESSED_CHANGE => {
                    return Err(corrupt("compressed changes are not accepted"));
                }
                other => return Err(corrupt(&format!("chunk type {other} is not accepted"))),
            }
            let change = chunks::change(chunk).map_err(|e| corrupt(&e))?;
            changes.push(admit(change, i, limits, &mut ops)?);
        }
        Ok(Incoming {
            changes,
            ops,
            document: None,
        })
    }

    /// Checks changes read from a whole document like pushed change chunks (operation counts),
    /// and decodes their operations for the layout checks. They are not re-encoded: Automerge
    /// itself encoded them from the document it loaded (and verified their hashes against the
    /// document's heads), so they are its canonical form by construction, and they are never
    /// applied (the loaded document is used); the re-encode check guards change chunks as a
    /// device wrote them.
    pub(crate) fn from_changes(
        list: Vec<Change>,
        limits: IncomingLimits,
    ) -> Result<Incoming, IncomingError> {
        let mut ops = 0usize;
        let changes = list
            .into_iter()
            .enumerate()
            .map(|(i, change)| {
                count(&change, limits, &mut ops)?;
                let expanded =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| change.decode()))
                        .map_err(|_| IncomingError::Corrupt(format!("change {i}: undecodable")))?;
                Ok(Decoded { change, expanded })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Incoming {
            changes,
            ops,
            document: None,
        })
    }

    /// Keeps the document the changes were read from (see [`Incoming::decode_document`]).
    pub(crate) fn set_document(&mut self, doc: AutoCommit) {
        self.document = Some(doc);
    }

    /// Whether this push came as a whole document.
    pub fn is_document(&self) -> bool {
        self.document.is_some()
    }

    /// The number of changes.
    pub fn len(&self) -> usize {
        self.changes.len()
    }

    /// Whether there are no changes.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// The number of operations in all changes.
    pub fn ops(&self) -> usize {
        self.ops
    }

    /// The hash and actor of each change.
    pub fn changes(&self) -> impl Iterator<Item = (ChangeHash, &automerge::ActorId)> {
        self.changes
            .iter()
            .map(|d| (d.change.hash(), d.change.actor_id()))
    }

    /// Keeps only the changes `keep` says yes to (the ones the server lacks).
    pub fn retain(&mut self, mut keep: impl FnMut(&ChangeHash) -> bool) {
        let before = self.changes.len();
        self.changes.retain(|d| keep(&d.change.hash()));
        if self.changes.len() != before {
            self.document = None;
        }
        self.ops = self.changes.iter().map(|d| d.change.len()).sum();
    }

    /// Checks every operation against the v1 layout, given the document the changes will be
    /// applied to (`None` for a case the server has never seen), and lists the entries the
    /// push creates.
    pub fn check_shape(&self, existing: Option<&CaseDoc>) -> Result<Created, IncomingError> {
        let mut kinds: HashMap<OpId, Obj> = HashMap::new();
        if let Some(doc) = existing {
            for (key, kind) in [
                (EVENTS, Obj::Events),
                (PHOTOS, Obj::Photos),
                (RECEIPTS, Obj::Receipts),
            ] {
                if let Ok(ObjId::Id(counter, actor, _)) = root_map(&doc.doc, key) {
                    kinds.insert(OpId(counter, actor), kind);
                }
            }
        }
        // Every object the push makes: (its parent, its key, its type, the change index).
        let mut makes: Vec<(OpId, &ObjectId, &Key, ObjType, usize)> = Vec::new();
        for (ci, d) in self.changes.iter().enumerate() {
            let start = d.expanded.start_op.get();
            for (oi, op) in d.expanded.operations.iter().enumerate() {
                if let OpType::Make(obj_type) = op.action {
                    let id = OpId(start + oi as u64, d.expanded.actor_id.clone());
                    makes.push((id, &op.obj, &op.key, obj_type, ci));
                }
            }
        }
        let mut created = Created::default();
        // Parents before children: at most three levels are allowed (root map, entry), so
        // three passes resolve every allowed object; anything left is nested too deep.
        let mut pending: Vec<usize> = (0..makes.len()).collect();
        for _ in 0..3 {
            let mut next = Vec::new();
            for i in pending {
                let (id, parent, key, obj_type, ci) = &makes[i];
                let parent_kind = match parent {
                    ObjectId::Root => Some(Obj::Root),
                    ObjectId::Id(p) => kinds.get(p).copied(),
                };
                let Some(parent_kind) = parent_kind else {
                    next.push(i);
                    continue;
                };
                let key = match key {
                    Key::Map(k) => k.to_string(),
                    Key::Seq(_) => return Err(IncomingError::shape("(list)", "不允许列表操作")),
                };
                if *obj_type != ObjType::Map {
                    return Err(IncomingError::shape(
                        path_of(parent_kind, &key),
                        "只允许映射对象（不允许列表、文本或表）",
                    ));
                }
                let kind = match (parent_kind, key.as_str()) {
                    (Obj::Root, EVENTS) if existing.is_none() => Obj::Events,
                    (Obj::Root, PHOTOS) if existing.is_none() => Obj::Photos,
                    (Obj::Root, RECEIPTS) if existing.is_none() => Obj::Receipts,
                    // Left to the path checks, which refuse root writes of an existing case.
                    (Obj::Root, _) => Obj::Other,
                    (Obj::Events, _) => Obj::EventEntry,
                    (Obj::Photos, _) => Obj::PhotoEntry,
                    (kind, _) => {
                        return Err(IncomingError::shape(
                            path_of(kind, &key),
                            "不允许嵌套对象（事件和照片条目只含固定的标量字段）",
                        ));
                    }
                };
                let d = &self.changes[*ci];
                let entry = || CreatedEntry {
                    change: d.change.hash(),
                    deps: d.change.deps().to_vec(),
                    key: key.clone(),
                };
                match kind {
                    Obj::EventEntry => created.events.push(entry()),
                    Obj::PhotoEntry => created.photos.push(entry()),
                    _ => {}
                }
                kinds.insert(id.clone(), kind);
            }
            pending = next;
            if pending.is_empty() {
                break;
            }
        }
        if let Some(&i) = pending.first() {
            return Err(IncomingError::shape(
                format!("object {}@{}", makes[i].0.0, makes[i].0.1),
                "对象的上级不存在或嵌套过深",
            ));
        }
        for d in &self.changes {
            for op in &d.expanded.operations {
                let target = match &op.obj {
                    ObjectId::Root => Some(Obj::Root),
                    ObjectId::Id(p) => kinds.get(p).copied(),
                };
                check_op(op, target)?;
            }
        }
        Ok(created)
    }
}

/// Counts a change's operations against the limits (`ops`: the count so far).
fn count(change: &Change, limits: IncomingLimits, ops: &mut usize) -> Result<(), IncomingError> {
    if change.len() > limits.max_ops_per_change {
        return Err(IncomingError::TooLarge(format!(
            "一个变更含 {} 个操作，上限 {}",
            change.len(),
            limits.max_ops_per_change
        )));
    }
    *ops += change.len();
    if *ops > limits.max_ops {
        return Err(IncomingError::TooLarge(format!(
            "操作总数超过上限 {}",
            limits.max_ops
        )));
    }
    Ok(())
}

/// One decoded change against the limits and Automerge's canonical encoding; `i` names it in
/// errors, `ops` counts the operations so far.
fn admit(
    change: Change,
    i: usize,
    limits: IncomingLimits,
    ops: &mut usize,
) -> Result<Decoded, IncomingError> {
    let corrupt = |what: &str| IncomingError::Corrupt(format!("chunk {i}: {what}"));
    count(&change, limits, ops)?;
    let expanded = match chunks::canonical(&change) {
        Ok(expanded) => expanded,
        Err(chunks::NotCanonical::Differs) => {
            return Err(IncomingError::NotCanonical {
                hash: change.hash().to_string(),
            });
        }
        Err(other) => return Err(corrupt(&other.to_string())),
    };
    Ok(Decoded { change, expanded })
}

/// What an object is in the v1 layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Obj {
    Root,
    Events,
    Photos,
    Receipts,
    EventEntry,
    PhotoEntry,
    /// A map made at the root of an existing case (refused later by the path checks).
    Other,
}

fn path_of(kind: Obj, key: &str) -> String {
    match kind {
        Obj::Root => key.to_owned(),
        Obj::Events => format!("{EVENTS}/{key}"),
        Obj::Photos => format!("{PHOTOS}/{key}"),
        Obj::Receipts => format!("{RECEIPTS}/{key}"),
        Obj::EventEntry => format!("{EVENTS}/…/{key}"),
        Obj::PhotoEntry => format!("{PHOTOS}/…/{key}"),
        Obj::Other => format!("…/{key}"),
    }
}

const EVENT_FIELDS: [&str; 9] = [
    HLC_MS,
    HLC_COUNTER,
    HLC_NODE,
    USER,
    DEVICE,
    ROLE,
    ORG,
    TYPE,
    PAYLOAD,
];
const PHOTO_FIELDS: [&str; 4] = [PHOTO_ROLE, PHOTO_SIZE, PHOTO_TAKEN_AT, PHOTO_EVENT];

fn scalar_bytes(v: &ScalarValue) -> usize {
    match v {
        ScalarValue::Str(s) => s.len(),
        ScalarValue::Bytes(b) => b.len(),
        ScalarValue::Unknown { bytes, .. } => bytes.len(),
        _ => 0,
    }
}

/// One operation against the layout; `target` is what its object is (`None`: an object that
/// existed before this push, left to the path checks).
fn check_op(op: &automerge::legacy::Op, target: Option<Obj>) -> Result<(), IncomingError> {
    let key = match &op.key {
        Key::Map(k) => k.as_str(),
        Key::Seq(_) => return Err(IncomingError::shape("(list)", "不允许列表操作")),
    };
    if op.insert {
        return Err(IncomingError::shape(key, "不允许列表插入"));
    }
    let value = match &op.action {
        OpType::Make(_) | OpType::Delete => return Ok(()),
        OpType::Increment(_) => return Err(IncomingError::shape(key, "不允许计数器操作")),
        OpType::MarkBegin(_) | OpType::MarkEnd(_) => {
            return Err(IncomingError::shape(key, "不允许文本标记"));
        }
        OpType::Put(v) => v,
    };
    let size = scalar_bytes(value);
    match target {
        Some(kind @ (Obj::Events | Obj::Photos)) => Err(IncomingError::shape(
            path_of(kind, key),
            "条目必须是映射对象，不能是标量",
        )),
        Some(Obj::EventEntry) => {
            if !EVENT_FIELDS.contains(&key) {
                return Err(IncomingError::shape(
                    path_of(Obj::EventEntry, key),
                    "事件条目中没有此字段",
                ));
            }
            let max = if key == PAYLOAD {
                MAX_PAYLOAD_BYTES
            } else {
                MAX_FIELD_BYTES
            };
            if size > max {
                return Err(IncomingError::shape(
                    path_of(Obj::EventEntry, key),
                    format!("{size} 字节，上限 {max} 字节"),
                ));
            }
            Ok(())
        }
        Some(Obj::PhotoEntry) => {
            if !PHOTO_FIELDS.contains(&key) {
                return Err(IncomingError::shape(
                    path_of(Obj::PhotoEntry, key),
                    "照片条目中没有此字段",
                ));
            }
            if size > MAX_FIELD_BYTES {
                return Err(IncomingError::shape(
                    path_of(Obj::PhotoEntry, key),
                    format!("{size} 字节，上限 {MAX_FIELD_BYTES} 字节"),
                ));
            }
            Ok(())
        }
        Some(kind) if size > MAX_FIELD_BYTES => Err(IncomingError::shape(
            path_of(kind, key),
            format!("{size} 字节，上限 {MAX_FIELD_BYTES} 字节"),
        )),
        Some(_) | None => Ok(()),
    }
}

impl CaseDoc {
    /// Builds a document for a case the server has never seen from checked changes; the
    /// result must have a valid v1 header.
    pub fn from_incoming(incoming: Incoming) -> Result<CaseDoc, DocError> {
        let doc = match incoming.document {
            Some(doc) => doc,
            None => {
                let mut doc = AutoCommit::new();
                let changes: Vec<Change> = incoming.changes.into_iter().map(|d| d.change).collect();
                doc.apply_changes(changes).map_err(DocError::corrupt)?;
                doc
            }
        };
        let header = read_header(&doc)?;
        Ok(CaseDoc { doc, header })
    }

    /// Applies checked changes to this document; if they break the header the error says so
    /// and this in-memory document must be dropped.
    pub fn apply_incoming(&mut self, incoming: Incoming) -> Result<(), DocError> {
        let changes: Vec<Change> = incoming.changes.into_iter().map(|d| d.change).collect();
        self.doc.apply_changes(changes).map_err(DocError::corrupt)?;
        self.revalidate()
    }

    /// The keys of the `events` map as the document was at `heads` (the events its author
    /// could see when making a change with these dependencies).
    pub fn event_keys_at(&self, heads: &[ChangeHash]) -> Vec<String> {
        match root_map(&self.doc, EVENTS) {
            Ok(events) if !heads.is_empty() => self.doc.keys_at(&events, heads).collect(),
            _ => Vec::new(),
        }
    }

    /// Saves the whole document and loads it back: `Ok` only if the saved form loads to the
    /// same heads (what the server checks before it stores a merged document).
    pub fn check_round_trip(&mut self) -> Result<(), DocError> {
        self.round_trip(None).map(|_| ())
    }

    /// [`Self::check_round_trip`] returning the saved bytes (what the store may keep as the
    /// snapshot). `loaded_from`: bytes this very document was loaded from, untouched since;
    /// when the save gives exactly them, the load that made this document already proved the
    /// round trip and it is not loaded again.
    pub fn round_trip(&mut self, loaded_from: Option<&[u8]>) -> Result<Vec<u8>, DocError> {
        let bytes = self.save();
        if loaded_from == Some(bytes.as_slice()) {
            return Ok(bytes);
        }
        let mut back = CaseDoc::load(&bytes)?;
        if back.heads() == self.heads() {
            Ok(bytes)
        } else {
            Err(DocError::corrupt(
                "the saved document loads back with other heads",
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;

    /// A document with one change in it, and that change's chunk as `save_after` writes it.
    fn one_change() -> (AutoCommit, Vec<u8>) {
        let mut doc = AutoCommit::new();
        doc.put(automerge::ROOT, "k", "v").expect("put");
        let chunk = doc.save_after(&[]);
        (doc, chunk)
    }

    #[test]
    fn uncompressed_changes_decode_and_count_their_operations() {
        let (_, chunk) = one_change();
        let incoming = Incoming::decode(&chunk, IncomingLimits::default()).expect("decode");
        assert_eq!((incoming.len(), incoming.ops()), (1, 1));
        let empty = Incoming::decode(&[], IncomingLimits::default()).expect("empty");
        assert!(empty.is_empty());
    }

    #[test]
    fn documents_compressed_changes_and_garbage_are_refused_before_decoding() {
        let (mut doc, chunk) = one_change();
        let whole = doc.save();
        let err = Incoming::decode(&whole, IncomingLimits::default()).expect_err("document");
        assert!(err.to_string().contains("whole documents"), "{err}");
        let mut compressed = chunk.clone();
        compressed[8] = chunks::COMPRESSED_CHANGE;
        let err = Incoming::decode(&compressed, IncomingLimits::default()).expect_err("deflate");
        assert!(err.to_string().contains("compressed"), "{err}");
        let mut truncated = chunk.clone();
        truncated.pop();
        let err = Incoming::decode(&truncated, IncomingLimits::default()).expect_err("short");
        assert_eq!(err.code(), "bad_message");
        let mut flipped = chunk;
        flipped[5] ^= 0xff;
        let err = Incoming::decode(&flipped, IncomingLimits::default()).expect_err("checksum");
        assert!(err.to_string().contains("chunk 0"), "{err}");
    }

    #[test]
    fn operation_limits_are_enforced_per_change_and_in_all() {
        let (_, chunk) = one_change();
        let mut two = chunk.clone();
        two.extend(&chunk);
        let tight = IncomingLimits {
            max_ops_per_change: 1,
            max_ops: 1,
            ..IncomingLimits::default()
        };
        assert!(Incoming::decode(&chunk, tight).is_ok());
        assert_eq!(
            Incoming::decode(&two, tight).expect_err("total").code(),
            "too_large"
        );
        let none = IncomingLimits {
            max_ops_per_change: 0,
            max_ops: 10,
            ..IncomingLimits::default()
        };
        assert_eq!(
            Incoming::decode(&chunk, none)
                .expect_err("per change")
                .code(),
            "too_large"
        );
    }
}
