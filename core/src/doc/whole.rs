//! A new case pushed as one whole document (`save()`: one compressed document chunk) instead of
//! a list of change chunks (docs/protocol.md "Sync", the `whole` push).
//!
//! A document's columns may be deflate-compressed, so before Automerge sees the bytes this
//! module parses the document chunk's column tables itself and inflates every compressed column
//! into a bounded buffer: a document whose columns would inflate past the limit (a
//! decompression bomb) is refused as [`IncomingError::TooLarge`] without ever being inflated
//! further than the limit. Only then is the document loaded (under `catch_unwind`, its heads
//! verified), and its changes go through the checks of a change-list push ([`Incoming`]):
//! operation counts and the v1 layout (they are Automerge's own encoding of the loaded
//! document, so the re-encode check of pushed chunks has nothing to find, and they are never
//! applied: the loaded document is the candidate).
//!
//! Invariants: exactly one chunk, of the document type; nothing here panics on any input; the
//! memory used for inflating is bounded by the caller's limit (plus one read buffer).

use super::chunks;
use super::incoming::{Incoming, IncomingError, IncomingLimits};
use automerge::AutoCommit;
use std::io::Read;

/// Bit of a column specification that says its data is deflate-compressed.
const DEFLATE_BIT: u32 = 0b1000;

/// A cursor over a document chunk's bytes.
struct Cursor<'a> {
    bytes: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn uleb(&mut self) -> Result<u64, String> {
        let mut value = 0u64;
        for (i, b) in self.bytes.iter().enumerate().take(10) {
            let low = u64::from(b & 0x7f);
            value |= low
                .checked_shl(7 * i as u32)
                .ok_or_else(|| "bad LEB128 number".to_owned())?;
            if b & 0x80 == 0 {
                self.bytes = &self.bytes[i + 1..];
                return Ok(value);
            }
        }
        Err("bad or truncated LEB128 number".to_owned())
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8], String> {
        let n = usize::try_from(n).map_err(|_| "length out of range".to_owned())?;
        if n > self.bytes.len() {
            return Err("truncated document".to_owned());
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    /// A column table: `(deflated, length)` of each column.
    fn columns(&mut self) -> Result<Vec<(bool, u64)>, String> {
        let count = self.uleb()?;
        let mut out = Vec::new();
        for _ in 0..count {
            let spec = self.uleb()?;
            let len = self.uleb()?;
            let spec = u32::try_from(spec).map_err(|_| "bad column specification".to_owned())?;
            out.push((spec & DEFLATE_BIT != 0, len));
        }
        Ok(out)
    }
}

/// The size of a document chunk's data once its compressed columns are inflated, as long as
/// it is at most `limit`; `Err(TooLarge)` as soon as it would pass it (the inflating stops
/// there), `Err(Corrupt)` for a chunk whose tables do not parse or whose columns do not inflate.
pub(crate) fn inflated_size(chunk: &[u8], limit: usize) -> Result<usize, IncomingError> {
    let corrupt = |e: String| IncomingError::Corrupt(format!("document: {e}"));
    let too_large = || IncomingError::TooLarge(format!("文档解压后超过 {limit} 字节的上限"));
    let parts = chunks::split(chunk).map_err(IncomingError::Corrupt)?;
    let [(chunks::DOCUMENT, whole)] = parts.as_slice() else {
        return Err(corrupt("not one document chunk".to_owned()));
    };
    // The chunk's data after `magic(4) checksum(4) type(1) uleb(len)`.
    let mut header = Cursor { bytes: &whole[9..] };
    header.uleb().map_err(corrupt)?;
    let mut c = header;
    let actors = c.uleb().map_err(corrupt)?;
    for _ in 0..actors {
        let len = c.uleb().map_err(corrupt)?;
        c.take(len).map_err(corrupt)?;
    }
    let heads = c.uleb().map_err(corrupt)?;
    c.take(heads.saturating_mul(32)).map_err(corrupt)?;
    let change_columns = c.columns().map_err(corrupt)?;
    let op_columns = c.columns().map_err(corrupt)?;
    let prefix = whole.len() - c.bytes.len();
    let mut total = prefix;
    for (deflated, len) in change_columns.into_iter().chain(op_columns) {
        let data = c.take(len).map_err(corrupt)?;
        let size = if deflated {
            let left = limit.saturating_sub(total);
            let mut sink = Vec::new();
            flate2::read::DeflateDecoder::new(data)
                .take(left as u64 + 1)
                .read_to_end(&mut sink)
                .map_err(|e| corrupt(format!("a column does not inflate: {e}")))?;
            sink.len()
        } else {
            data.len()
        };
        total = total.saturating_add(size);
        if total > limit {
            return Err(too_large());
        }
    }
    total = total.saturating_add(c.bytes.len());
    if total > limit {
        return Err(too_large());
    }
    Ok(total)
}

impl Incoming {
    /// Decodes a whole document push: one document chunk whose inflated size is at most
    /// `limits.max_inflated_bytes`, loaded by Automerge, with every change of it counted and
    /// decoded as [`Incoming::decode`] does for pushed changes. The loaded
    /// document is kept: [`super::CaseDoc::from_incoming`] uses it instead of applying the
    /// changes again. Returns the decoded push and the document's inflated size.
    pub fn decode_document(
        bytes: &[u8],
        limits: IncomingLimits,
    ) -> Result<(Incoming, usize), IncomingError> {
        let inflated = inflated_size(bytes, limits.max_inflated_bytes)?;
        let loaded = std::panic::catch_unwind(|| AutoCommit::load(bytes));
        let mut doc = match loaded {
            Ok(Ok(doc)) => doc,
            Ok(Err(e)) => return Err(IncomingError::Corrupt(format!("document: {e}"))),
            Err(_) => {
                return Err(IncomingError::Corrupt(
                    "document: Automerge failed while loading it".to_owned(),
                ));
            }
        };
        let changes =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| doc.get_changes(&[])))
                .map_err(|_| {
                    IncomingError::Corrupt("document: its changes could not be read".to_owned())
                })?;
        let mut incoming = Incoming::from_changes(changes, limits)?;
        incoming.set_document(doc);
        Ok((incoming, inflated))
    }
}

/// Whether `bytes` start like a whole document (a document chunk) rather than change chunks.
pub fn is_document(bytes: &[u8]) -> bool {
    chunks::split(bytes)
        .ok()
        .and_then(|parts| parts.first().map(|(t, _)| *t == chunks::DOCUMENT))
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;

    fn doc_with(value: &str) -> Vec<u8> {
        let mut doc = AutoCommit::new();
        doc.put(automerge::ROOT, "k", value).expect("put");
        doc.commit();
        doc.save()
    }

    #[test]
    fn a_document_inflates_within_the_limit_and_its_changes_decode() {
        let bytes = doc_with(&"x".repeat(2_000));
        let size = inflated_size(&bytes, 1 << 20).expect("within");
        assert!(size > bytes.len(), "{size} > {}", bytes.len());
        let (incoming, _) =
            Incoming::decode_document(&bytes, IncomingLimits::default()).expect("ok");
        assert_eq!((incoming.len(), incoming.ops()), (1, 1));
        assert!(is_document(&bytes));
    }

    #[test]
    fn a_column_that_inflates_past_the_limit_is_too_large() {
        let bytes = doc_with(&"x".repeat(200_000));
        assert!(bytes.len() < 10_000, "compressed to {}", bytes.len());
        let err = inflated_size(&bytes, 64 * 1024).expect_err("bomb");
        assert_eq!(err.code(), "too_large");
    }

    #[test]
    fn change_chunks_garbage_and_two_documents_are_refused() {
        let mut doc = AutoCommit::new();
        doc.put(automerge::ROOT, "k", "v").expect("put");
        let changes = doc.save_after(&[]);
        assert!(!is_document(&changes));
        for bad in [changes.clone(), b"garbage".to_vec(), Vec::new()] {
            let err =
                Incoming::decode_document(&bad, IncomingLimits::default()).expect_err("refused");
            assert_eq!(err.code(), "bad_message", "{err}");
        }
        let one = doc.save();
        let mut two = one.clone();
        two.extend(&one);
        let err = Incoming::decode_document(&two, IncomingLimits::default()).expect_err("two");
        assert_eq!(err.code(), "bad_message");
        let mut cut = one.clone();
        cut.truncate(one.len() - 3);
        assert!(Incoming::decode_document(&cut, IncomingLimits::default()).is_err());
    }
}
