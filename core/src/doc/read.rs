//! Reading a case document: events (strictly or leniently), photos. Nothing is dropped: an
//! unknown event type decodes to `EventKind::Unknown`, a malformed entry to a
//! [`DocError::BadEvent`] naming its id.
//!
//! Invariant: reading walks at most two levels below a root map (entry, then its fields), with
//! no recursion, so a document holding an object nested thousands of levels deep is read in
//! bounded stack and reported as a malformed entry, never a stack overflow.

use super::decode::Entry;
use super::layout::{EVENTS, PHOTOS, RECEIPTS};
use super::{CaseDoc, DocError, PhotoEntry, decode, header::root_map};
use crate::model::Timestamp;
use crate::workflow::Event;
use automerge::{ReadDoc, ScalarValue, Value};
use std::collections::HashMap;

/// The events of a document read leniently: every decodable event plus one error per entry that
/// is not (so a list view can still show the case and count its problems).
#[derive(Clone, Debug, Default)]
pub struct EventsRead {
    /// The decoded events, sorted by (HLC, actor, id).
    pub events: Vec<Event>,
    /// One [`DocError::BadEvent`] per malformed entry, sorted by entry key.
    pub problems: Vec<DocError>,
}

impl CaseDoc {
    /// Every event, strictly: the first malformed entry is an error naming its id.
    pub fn events(&self) -> Result<Vec<Event>, DocError> {
        let read = self.read_events()?;
        match read.problems.into_iter().next() {
            Some(problem) => Err(problem),
            None => Ok(read.events),
        }
    }

    /// Every event, leniently: decodable events plus one error per malformed entry.
    pub fn read_events(&self) -> Result<EventsRead, DocError> {
        let receipts = self.scalar_map(RECEIPTS)?;
        let mut read = EventsRead::default();
        for (key, entry) in self.entries(EVENTS)? {
            let receipt = match receipts.get(&key) {
                None => Ok(None),
                Some(Some(s)) => decode::as_i64(s).map(|ms| Some(Timestamp(ms))).ok_or(()),
                Some(None) => Err(()),
            };
            let decoded = receipt
                .map_err(|()| DocError::bad_event(key.clone(), "its receipt is not an integer"))
                .and_then(|receipt| decode::decode_event(&key, &entry, receipt));
            match decoded {
                Ok(event) => read.events.push(event),
                Err(problem) => read.problems.push(problem),
            }
        }
        read.events.sort_by_key(Event::order_key);
        Ok(read)
    }

    /// The entries of the root map `key`, sorted by key, each read one level deep.
    fn entries(&self, key: &str) -> Result<Vec<(String, Entry)>, DocError> {
        let obj = root_map(&self.doc, key)?;
        let mut out = Vec::new();
        for k in self.doc.keys(&obj) {
            if let Ok(Some((value, id))) = self.doc.get(&obj, k.as_str()) {
                let entry = Entry::read(&self.doc, &value, &id);
                out.push((k, entry));
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    /// The root map `key` whose values are scalars: `None` where a value is an object.
    fn scalar_map(&self, key: &str) -> Result<HashMap<String, Option<ScalarValue>>, DocError> {
        let obj = root_map(&self.doc, key)?;
        let mut out = HashMap::new();
        for k in self.doc.keys(&obj) {
            let value = match self.doc.get(&obj, k.as_str()) {
                Ok(Some((Value::Scalar(s), _))) => Some(s.into_owned()),
                _ => None,
            };
            out.insert(k, value);
        }
        Ok(out)
    }

    /// The photos the case references, sorted by hash.
    pub fn photos(&self) -> Result<Vec<PhotoEntry>, DocError> {
        let mut photos = self
            .entries(PHOTOS)?
            .iter()
            .map(|(key, entry)| decode::decode_photo(key, entry))
            .collect::<Result<Vec<_>, _>>()?;
        photos.sort_by_key(|p| p.sha256);
        Ok(photos)
    }
}
