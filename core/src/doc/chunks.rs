//! Strict parsing of concatenated Automerge chunks for [`super::CaseDoc::load_incremental`].
//!
//! `Automerge::load_incremental` keeps whatever prefix of the input it could parse and only logs
//! the rest away; for a case store that would lose data silently. This module splits the input
//! into chunks itself (`magic(4) checksum(4) type(1) uleb128(len) data(len)`) and decodes all of
//! them before anything is applied, so a truncated or damaged input fails as a whole. Loose
//! changes must also be in Automerge's canonical encoding ([`canonical`]): the fuzzer found
//! non-canonical changes that reach an `unwrap` inside Automerge when applied.
//! [`split`] and [`change`] are also the first steps of the server's gate
//! ([`super::incoming::Incoming::decode`]), which accepts fewer chunk types.

use super::error::DocError;
use automerge::{AutoCommit, Change};

const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
/// Chunk type of a whole document.
pub(crate) const DOCUMENT: u8 = 0;
/// Chunk type of an uncompressed change.
pub(crate) const CHANGE: u8 = 1;
/// Chunk type of a deflate-compressed change.
pub(crate) const COMPRESSED_CHANGE: u8 = 2;

/// The decoded content of an input: whole documents (to merge) and loose changes (to apply).
pub(crate) struct Decoded {
    pub(crate) documents: Vec<AutoCommit>,
    pub(crate) changes: Vec<Change>,
}

/// Reads an unsigned LEB128 number; `None` when it runs off the end or past 64 bits.
fn uleb128(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for (i, b) in bytes.iter().enumerate().take(10) {
        let low = u64::from(b & 0x7f);
        value |= low.checked_shl(7 * i as u32)?;
        if b & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

/// Splits `bytes` into `(chunk type, whole chunk bytes)` pairs without decoding them; the error
/// names the chunk ("chunk 3: truncated").
pub(crate) fn split(mut bytes: &[u8]) -> Result<Vec<(u8, &[u8])>, String> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let offset_err = |what: &str| format!("chunk {}: {what}", out.len());
        if bytes.len() < 9 || bytes[..4] != MAGIC {
            return Err(offset_err("no chunk header (bad magic bytes or truncated)"));
        }
        let chunk_type = bytes[8];
        let (len, len_size) = uleb128(&bytes[9..]).ok_or_else(|| offset_err("bad length field"))?;
        let total = usize::try_from(len)
            .ok()
            .and_then(|l| l.checked_add(9 + len_size))
            .filter(|t| *t <= bytes.len())
            .ok_or_else(|| offset_err("truncated"))?;
        out.push((chunk_type, &bytes[..total]));
        bytes = &bytes[total..];
    }
    Ok(out)
}

/// Parses one change chunk (compressed or not) and checks its checksum against its hash.
pub(crate) fn change(chunk: &[u8]) -> Result<Change, String> {
    let change = Change::try_from(chunk).map_err(|e| e.to_string())?;
    if change.hash().0[..4] != chunk[4..8] {
        return Err("bad checksum".to_owned());
    }
    Ok(change)
}

/// Why a change is not in Automerge's canonical encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NotCanonical {
    /// Its operations do not decode.
    Undecodable,
    /// Its decoded operations cannot be encoded again.
    NotReencodable,
    /// Encoding them again gives other bytes or another hash.
    Differs,
}

impl std::fmt::Display for NotCanonical {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            NotCanonical::Undecodable => "undecodable operations",
            NotCanonical::NotReencodable => "operations cannot be re-encoded",
            NotCanonical::Differs => "not in Automerge's canonical encoding",
        })
    }
}

/// Decodes a change's operations and encodes them again: the decoded change only when that
/// gives the same bytes and hash. A valid but non-canonical change (e.g. an unused actor in its
/// table) can otherwise reach an `unwrap` inside Automerge when applied, or be stored in a form
/// that never loads again. Automerge's own panics on malformed values are caught here.
pub(crate) fn canonical(change: &Change) -> Result<automerge::ExpandedChange, NotCanonical> {
    fn guarded<T>(f: impl FnOnce() -> T) -> Option<T> {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).ok()
    }
    let expanded = guarded(|| change.decode()).ok_or(NotCanonical::Undecodable)?;
    let again = guarded(|| Change::from(expanded.clone())).ok_or(NotCanonical::NotReencodable)?;
    if again.hash() != change.hash() || again.raw_bytes() != change.raw_bytes() {
        return Err(NotCanonical::Differs);
    }
    Ok(expanded)
}

/// Decodes every chunk of `bytes`; fails on the first bad one and applies nothing.
pub(crate) fn decode(bytes: &[u8]) -> Result<Decoded, DocError> {
    let mut decoded = Decoded {
        documents: Vec::new(),
        changes: Vec::new(),
    };
    for (i, (chunk_type, chunk)) in split(bytes)
        .map_err(DocError::corrupt)?
        .into_iter()
        .enumerate()
    {
        match chunk_type {
            DOCUMENT => {
                let doc = AutoCommit::load(chunk)
                    .map_err(|e| DocError::corrupt(format!("chunk {i}: {e}")))?;
                decoded.documents.push(doc);
            }
            CHANGE | COMPRESSED_CHANGE => {
                let change =
                    change(chunk).map_err(|e| DocError::corrupt(format!("chunk {i}: {e}")))?;
                canonical(&change).map_err(|e| DocError::corrupt(format!("chunk {i}: {e}")))?;
                decoded.changes.push(change);
            }
            other => {
                return Err(DocError::corrupt(format!(
                    "chunk {i}: chunk type {other} is not accepted (documents and changes only)"
                )));
            }
        }
    }
    Ok(decoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leb128_reads_and_refuses_overlong() {
        assert_eq!(uleb128(&[0x05]), Some((5, 1)));
        assert_eq!(uleb128(&[0xe5, 0x8e, 0x26]), Some((624_485, 3)));
        assert_eq!(uleb128(&[0x80]), None);
        assert_eq!(uleb128(&[0xff; 11]), None);
    }

    #[test]
    fn garbage_and_truncation_are_corrupt() {
        assert!(matches!(decode(b"hello"), Err(DocError::Corrupt { .. })));
        let mut header = MAGIC.to_vec();
        header.extend([0, 0, 0, 0, CHANGE, 50, 1, 2]);
        assert!(matches!(decode(&header), Err(DocError::Corrupt { .. })));
        assert!(decode(&[]).map(|d| d.changes.is_empty()).unwrap_or(false));
    }
}
