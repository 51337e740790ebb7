//! A case to and from its Automerge 0.12 document (DESIGN.md §4, layout in [`layout`]).
//!
//! One document per case. It holds the immutable report header, the workflow events as a map
//! keyed by event id, the photos referenced by hash and the server's receipt times. The case's
//! state is never stored: it is the workflow fold over [`CaseDoc::events`].
//!
//! Invariants:
//! - a [`CaseDoc`] always has a valid v1 header (checked on create, load and every merge);
//! - events are only ever added, never edited or removed; appending an id already present fails;
//! - reading never drops an event: an unknown type comes back as `EventKind::Unknown`, a
//!   malformed entry as a [`DocError::BadEvent`] naming its id;
//! - no bytes, however damaged, make this module panic; they give [`DocError::Corrupt`];
//! - changes carry the event's HLC time in seconds, never the wall clock, so the same inputs
//!   give the same document.

mod chunks;
mod decode;
mod error;
mod header;
mod incoming;
mod inspect;
pub mod layout;
mod read;
mod whole;

pub use decode::PhotoEntry;
pub use error::DocError;
pub use header::ImmutableFields;
pub use incoming::{
    Created, CreatedEntry, Incoming, IncomingError, IncomingLimits, MAX_FIELD_BYTES,
    MAX_PAYLOAD_BYTES,
};
pub use inspect::{ChangedPath, ChunkChange, PathChange, change_actors};
pub use layout::SCHEMA_VERSION;
pub use read::EventsRead;
pub use whole::is_document;

use crate::codes::CountyCode;
use crate::model::{CaseId, DeviceId, EventId, Timestamp};
use crate::workflow::{Event, EventKind};
use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ActorId, Author, AutoCommit, ChangeHash, ReadDoc, ScalarValue};
use header::{Header, read_header, root_map};
use layout::*;

/// One case's Automerge document with a validated header.
#[derive(Debug)]
pub struct CaseDoc {
    doc: AutoCommit,
    header: Header,
}

fn commit_options(message: &str, event: &Event) -> CommitOptions {
    CommitOptions::default()
        .with_message(message)
        .with_time(event.hlc.ms.div_euclid(1000))
}

impl CaseDoc {
    /// A new document for `case_id` in `tenant`, written by `actor`, holding the `report`
    /// event (`report` or `self_handle`) and its photos, built in one batched change.
    pub fn create(
        case_id: CaseId,
        tenant: CountyCode,
        actor: ActorId,
        report: &Event,
    ) -> Result<CaseDoc, DocError> {
        if !matches!(
            report.kind,
            EventKind::Report(_) | EventKind::SelfHandle { .. }
        ) {
            let type_name = report.kind.type_name().to_owned();
            return Err(DocError::NotAReport { type_name });
        }
        let id = report.id.to_string();
        let photos = report
            .kind
            .photos()
            .into_iter()
            .map(|p| (p.sha256.to_hex(), photo_entry(p, report)));
        let mut receipts = Vec::new();
        if let Some(r) = report.received_at {
            receipts.push((id.clone(), int_value(r.ms())));
        }
        let root = map([
            (SCHEMA_VERSION_KEY, uint_value(SCHEMA_VERSION)),
            (CASE_ID, str_value(&case_id.to_string())),
            (TENANT, str_value(&tenant.to_string())),
            (CREATED_AT, int_value(report.hlc.ms)),
            (CREATED_BY, str_value(&report.actor.user.to_string())),
            (REPORT_EVENT, str_value(&id)),
            (EVENTS, owned_map(vec![(id.clone(), event_entry(report))])),
            (PHOTOS, owned_map(photos.collect())),
            (RECEIPTS, owned_map(receipts)),
        ]);
        let mut doc = AutoCommit::new().with_actor(actor);
        doc.init_root_from_hydrate(&root)?;
        doc.commit_with(commit_options("create", report));
        let header = read_header(&doc)?;
        Ok(CaseDoc { doc, header })
    }

    /// Loads a saved document (a `save()`, optionally followed by `save_after` chunks) and
    /// checks its header. Empty, truncated or garbage bytes give [`DocError::Corrupt`].
    pub fn load(bytes: &[u8]) -> Result<CaseDoc, DocError> {
        if bytes.is_empty() {
            return Err(DocError::corrupt("no bytes"));
        }
        let doc = AutoCommit::load(bytes).map_err(DocError::corrupt)?;
        let header = read_header(&doc)?;
        Ok(CaseDoc { doc, header })
    }

    /// The case this document is about.
    pub fn case_id(&self) -> CaseId {
        self.header.case_id
    }

    /// The tenant (county) the case belongs to.
    pub fn tenant(&self) -> CountyCode {
        self.header.tenant
    }

    /// When the case was reported.
    pub fn created_at(&self) -> Timestamp {
        self.header.created_at
    }

    /// The Automerge actor new changes are written as.
    pub fn actor(&self) -> &ActorId {
        self.doc.get_actor()
    }

    /// Sets the actor for new changes: the device's server-issued actor id.
    pub fn set_actor(&mut self, actor: ActorId) {
        self.doc.set_actor(actor);
    }

    /// Records `device` as the Automerge 0.12 author of this actor's changes (written into the
    /// actor's first change in this document), keeping the actor id.
    pub fn set_author(&mut self, device: DeviceId) {
        let actor = self.doc.get_actor().clone();
        self.doc
            .set_author(Some(Author::from(device.as_bytes().to_vec())));
        self.doc.set_actor(actor);
    }

    /// Whether an event with this id is in the document.
    pub fn contains_event(&self, id: EventId) -> bool {
        root_map(&self.doc, EVENTS)
            .ok()
            .and_then(|events| self.doc.get(&events, id.to_string()).ok().flatten())
            .is_some()
    }

    /// Appends `event` and its photos in one change. Refuses an id already present and an
    /// event of unknown type (this build cannot write its payload). `received_at`, when set,
    /// is written to `receipts`.
    pub fn append(&mut self, event: &Event) -> Result<(), DocError> {
        if let EventKind::Unknown { type_name } = &event.kind {
            let reason = format!("cannot write an event of unknown type `{type_name}`");
            return Err(DocError::bad_event(event.id.to_string(), reason));
        }
        if self.contains_event(event.id) {
            return Err(DocError::DuplicateEvent { event_id: event.id });
        }
        let result = self.write_event(event);
        match result {
            Ok(()) => {
                self.doc
                    .commit_with(commit_options(event.kind.type_name(), event));
                Ok(())
            }
            Err(e) => {
                self.doc.rollback();
                Err(e)
            }
        }
    }

    fn write_event(&mut self, event: &Event) -> Result<(), DocError> {
        let (events, photos) = (root_map(&self.doc, EVENTS)?, root_map(&self.doc, PHOTOS)?);
        let id = event.id.to_string();
        self.doc
            .batch_create_object(&events, id.as_str(), &event_entry(event), false)?;
        for photo in event.kind.photos() {
            let key = photo.sha256.to_hex();
            if self.doc.get(&photos, key.as_str())?.is_none() {
                self.doc.batch_create_object(
                    &photos,
                    key.as_str(),
                    &photo_entry(photo, event),
                    false,
                )?;
            }
        }
        if let Some(r) = event.received_at {
            let receipts = root_map(&self.doc, RECEIPTS)?;
            self.doc
                .put(&receipts, id.as_str(), ScalarValue::Int(r.ms()))?;
        }
        Ok(())
    }

    /// Records when the server first received `event_id`. Idempotent: an existing receipt is
    /// kept and `Ok(false)` returned.
    pub fn set_receipt(&mut self, event_id: EventId, at: Timestamp) -> Result<bool, DocError> {
        if !self.contains_event(event_id) {
            return Err(DocError::NoSuchEvent { event_id });
        }
        let receipts = root_map(&self.doc, RECEIPTS)?;
        let key = event_id.to_string();
        if self.doc.get(&receipts, key.as_str())?.is_some() {
            return Ok(false);
        }
        self.doc
            .put(&receipts, key.as_str(), ScalarValue::Int(at.ms()))?;
        self.doc.commit_with(
            CommitOptions::default()
                .with_message("receipt")
                .with_time(at.ms().div_euclid(1000)),
        );
        Ok(true)
    }

    /// The fields that never change after creation, for the server's gate to compare.
    pub fn immutable_fields(&self) -> Result<ImmutableFields, DocError> {
        header::immutable_fields(&self.doc, &self.header)
    }

    /// The document's current heads.
    pub fn heads(&mut self) -> Vec<ChangeHash> {
        self.doc.get_heads()
    }

    /// The whole document, compressed.
    pub fn save(&mut self) -> Vec<u8> {
        self.doc.save()
    }

    /// The changes that are not ancestors of `heads` (what a store persisted last), as
    /// concatenated change chunks. Use this, never `save_incremental`, after a load.
    pub fn save_after(&mut self, heads: &[ChangeHash]) -> Vec<u8> {
        self.doc.save_after(heads)
    }

    /// Applies saved documents and/or change chunks. The input is decoded as a whole first: a
    /// truncated, damaged or non-canonical input is [`DocError::Corrupt`] and applies nothing.
    /// A document of another case is refused. On any error after decoding (the changes break
    /// the header, Automerge itself failed or panicked while applying them, or the result does
    /// not save to bytes that load again) the caller must drop this in-memory document (nothing
    /// of it was persisted). Costs one save and one load of the whole document (not measured
    /// here; PLATFORM-NOTES measured a load of a ten-event case at about 85 µs).
    pub fn load_incremental(&mut self, bytes: &[u8]) -> Result<(), DocError> {
        let decoded = chunks::decode(bytes)?;
        for doc in &decoded.documents {
            self.check_same_case(&read_header(doc)?)?;
        }
        let applied = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            for mut doc in decoded.documents {
                self.doc.merge(&mut doc)?;
            }
            self.doc
                .apply_changes(decoded.changes)
                .map_err(DocError::corrupt)
        }));
        match applied {
            Ok(result) => result?,
            Err(_) => {
                return Err(DocError::corrupt(
                    "Automerge failed while applying the input",
                ));
            }
        }
        self.revalidate()?;
        // Some well-formed, canonical changes apply but leave a document whose saved form
        // does not load ("max_op is lower than start_op"; found by the case_doc fuzz target):
        // what the store would persist must load again.
        self.check_round_trip()
    }

    /// Merges another replica of the same case into this one; returns the new change hashes.
    /// If the other replica rewrote the header the error says so and this in-memory document
    /// must be dropped (the store merges into a copy inside its transaction).
    pub fn merge(&mut self, other: &mut CaseDoc) -> Result<Vec<ChangeHash>, DocError> {
        self.check_same_case(&other.header)?;
        let hashes = self.doc.merge(&mut other.doc)?;
        self.revalidate()?;
        Ok(hashes)
    }

    /// An independent copy with a fresh random actor (set the real one with [`Self::set_actor`]).
    pub fn fork(&mut self) -> CaseDoc {
        CaseDoc {
            doc: self.doc.fork(),
            header: self.header.clone(),
        }
    }

    /// The Automerge sync protocol over this document, for the sync engine. Changes received
    /// this way bypass [`Self::append`]'s checks; the server's gate is what validates them.
    pub fn sync(&mut self) -> impl automerge::sync::SyncDoc + '_ {
        self.doc.sync()
    }

    fn check_same_case(&self, other: &Header) -> Result<(), DocError> {
        if other.case_id == self.header.case_id {
            Ok(())
        } else {
            let (ours, theirs) = (self.header.case_id.to_string(), other.case_id.to_string());
            Err(DocError::CaseMismatch { ours, theirs })
        }
    }

    fn revalidate(&mut self) -> Result<(), DocError> {
        let header = read_header(&self.doc)?;
        if header != self.header {
            return Err(DocError::bad_field(
                "(header)",
                "a merged change rewrote the header",
            ));
        }
        Ok(())
    }
}
