//! Reading a case document: events (strictly or leniently), photos. Nothing is dropped: an
//! unknown event type decodes to `EventKind::Unknown`, a malformed entry to a
//! [`DocError::BadEvent`] naming its id.

use super::layout::{EVENTS, PHOTOS, RECEIPTS};
use super::{CaseDoc, DocError, PhotoEntry, decode, header::root_map};
use crate::model::Timestamp;
use crate::workflow::Event;
use automerge::ReadDoc;
use automerge::hydrate::Value as HValue;
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
        let receipts = self.hydrate_map(RECEIPTS)?;
        let mut read = EventsRead::default();
        let mut entries: Vec<_> = self.hydrate_map(EVENTS)?.into_iter().collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        for (key, entry) in entries {
            let receipt = match receipts.get(&key) {
                None => Ok(None),
                Some(HValue::Scalar(s)) => {
                    decode::as_i64(s).map(|ms| Some(Timestamp(ms))).ok_or(())
                }
                Some(_) => Err(()),
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

    fn hydrate_map(&self, key: &str) -> Result<HashMap<String, HValue>, DocError> {
        let obj = root_map(&self.doc, key)?;
        match self.doc.hydrate(&obj, None)? {
            HValue::Map(m) => Ok(m
                .iter()
                .map(|(k, v)| (k.clone(), v.value.clone()))
                .collect()),
            _ => Err(DocError::bad_field(key, "expected a map")),
        }
    }

    /// The photos the case references, sorted by hash.
    pub fn photos(&self) -> Result<Vec<PhotoEntry>, DocError> {
        let mut photos = self
            .hydrate_map(PHOTOS)?
            .iter()
            .map(|(key, entry)| decode::decode_photo(key, entry))
            .collect::<Result<Vec<_>, _>>()?;
        photos.sort_by_key(|p| p.sha256);
        Ok(photos)
    }
}
