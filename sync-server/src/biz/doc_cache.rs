//! The write path's document cache: parsed case documents kept between requests, so a push to
//! a case the server merged recently does not read and parse its stored bytes again
//! (docs/server.md "The write path").
//!
//! Invariants:
//! - an entry is keyed by (tenant, case) and only ever handed out for that key: one tenant's
//!   document is never served to another;
//! - an entry is handed out only when its heads equal the heads the caller read from the
//!   database in its own transaction, and the fingerprint (SHA-256) of the stored bytes it read
//!   there equals the entry's ([`DocCache::take`]). Heads name the whole change set, so a
//!   document written meanwhile by another server process (or a rolled-back write of this one)
//!   is a miss, never a stale answer; the fingerprint makes stored bytes damaged or replaced
//!   at rest a miss too, so the damage is met by the load (`document_unreadable`) instead of
//!   being hidden, and nothing is ever appended to a stored document that no longer loads;
//! - [`DocCache::take`] removes the entry: one request at a time owns a cached document (a
//!   concurrent request for the same case reads it from the database), and gives it back with
//!   [`DocCache::put`] after its commit;
//! - the entries' estimated sizes stay within the budget; the least recently used go first.

use automerge::ChangeHash;
use gridcase_core::doc::CaseDoc;
use gridcase_core::model::CaseId;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

type Key = (String, CaseId);

/// The SHA-256 of a document's stored bytes (`db::docs::stored_bytes`).
pub type Fingerprint = [u8; 32];

/// The fingerprint of stored bytes.
pub fn fingerprint(stored: &[u8]) -> Fingerprint {
    use sha2::Digest;
    sha2::Sha256::digest(stored).into()
}

struct Entry<D> {
    heads: Vec<ChangeHash>,
    stored: Fingerprint,
    doc: D,
    size: usize,
    used: u64,
}

struct Inner<D> {
    entries: HashMap<Key, Entry<D>>,
    /// Last use → key, oldest first.
    order: BTreeMap<u64, Key>,
    bytes: usize,
    tick: u64,
    hits: u64,
    misses: u64,
}

impl<D> Default for Inner<D> {
    fn default() -> Self {
        Inner {
            entries: HashMap::new(),
            order: BTreeMap::new(),
            bytes: 0,
            tick: 0,
            hits: 0,
            misses: 0,
        }
    }
}

/// A bounded cache of parsed case documents (see the module docs); `D` is the document type
/// (generic for the unit tests).
pub struct DocCache<D = CaseDoc> {
    budget: usize,
    inner: Mutex<Inner<D>>,
}

impl<D> std::fmt::Debug for DocCache<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let inner = self.lock();
        f.debug_struct("DocCache")
            .field("budget", &self.budget)
            .field("entries", &inner.entries.len())
            .field("bytes", &inner.bytes)
            .finish()
    }
}

/// Hits and misses so far (for tests and the load tool's notes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Lookups answered from the cache.
    pub hits: u64,
    /// Lookups that read the database.
    pub misses: u64,
    /// Entries held.
    pub entries: usize,
    /// Their estimated bytes.
    pub bytes: usize,
}

fn sorted(heads: &[ChangeHash]) -> Vec<ChangeHash> {
    let mut h = heads.to_vec();
    h.sort();
    h
}

/// The estimated memory of a parsed document whose stored form is `stored_bytes` long: about
/// 20 times its compressed bytes (measured: a ten-event case of 1,210 stored bytes takes about
/// 24 KB parsed), plus 4 KiB for the entry and its key.
pub fn estimate(stored_bytes: usize) -> usize {
    stored_bytes.saturating_mul(20).saturating_add(4096)
}

impl<D> DocCache<D> {
    /// A cache holding at most about `budget` bytes (0: nothing is kept).
    pub fn new(budget: usize) -> DocCache<D> {
        DocCache {
            budget,
            inner: Mutex::new(Inner::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner<D>> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes the document of `case_id` in `tenant` out of the cache if its heads are `heads`
    /// and its stored bytes' fingerprint is `stored` (both read in the caller's transaction);
    /// an entry that differs is dropped.
    pub fn take(
        &self,
        tenant: &str,
        case_id: CaseId,
        heads: &[ChangeHash],
        stored: &Fingerprint,
    ) -> Option<D> {
        let mut inner = self.lock();
        let key = (tenant.to_owned(), case_id);
        let Some(entry) = inner.entries.remove(&key) else {
            inner.misses += 1;
            return None;
        };
        inner.order.remove(&entry.used);
        inner.bytes -= entry.size;
        if entry.heads == sorted(heads) && entry.stored == *stored {
            inner.hits += 1;
            Some(entry.doc)
        } else {
            inner.misses += 1;
            None
        }
    }

    /// Keeps `doc` (whose heads are `heads` and stored bytes' fingerprint `stored`, as just
    /// committed or read) for `tenant`, with an estimated size of `size` bytes; evicts the
    /// least recently used entries past the budget.
    pub fn put(
        &self,
        tenant: &str,
        case_id: CaseId,
        heads: &[ChangeHash],
        stored: Fingerprint,
        doc: D,
        size: usize,
    ) {
        if size > self.budget {
            return;
        }
        let mut inner = self.lock();
        let key = (tenant.to_owned(), case_id);
        if let Some(old) = inner.entries.remove(&key) {
            inner.order.remove(&old.used);
            inner.bytes -= old.size;
        }
        while inner.bytes + size > self.budget {
            let Some((_, oldest)) = inner.order.pop_first() else {
                break;
            };
            if let Some(evicted) = inner.entries.remove(&oldest) {
                inner.bytes -= evicted.size;
            }
        }
        inner.tick += 1;
        let used = inner.tick;
        inner.order.insert(used, key.clone());
        inner.bytes += size;
        inner.entries.insert(
            key,
            Entry {
                heads: sorted(heads),
                stored,
                doc,
                size,
                used,
            },
        );
    }

    /// Drops the entry of a case (its document was rewritten outside the write path).
    pub fn forget(&self, tenant: &str, case_id: CaseId) {
        let mut inner = self.lock();
        if let Some(old) = inner.entries.remove(&(tenant.to_owned(), case_id)) {
            inner.order.remove(&old.used);
            inner.bytes -= old.size;
        }
    }

    /// Hits, misses and size so far.
    pub fn stats(&self) -> CacheStats {
        let inner = self.lock();
        CacheStats {
            hits: inner.hits,
            misses: inner.misses,
            entries: inner.entries.len(),
            bytes: inner.bytes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(n: u8) -> ChangeHash {
        ChangeHash([n; 32])
    }

    fn case(n: u8) -> CaseId {
        CaseId::from_parts(1_765_000_000_000 + u64::from(n), [n; 10])
    }

    #[test]
    fn an_entry_is_served_only_for_its_tenant_case_and_heads() {
        let cache: DocCache<&str> = DocCache::new(10_000);
        let case = case(1);
        let (f, g) = (fingerprint(b"stored"), fingerprint(b"damaged"));
        cache.put("620102", case, &[h(1), h(2)], f, "doc", 100);
        assert_eq!(
            cache.take("620103", case, &[h(1), h(2)], &f),
            None,
            "another tenant"
        );
        assert_eq!(cache.take("620102", self::case(2), &[h(1), h(2)], &f), None);
        assert_eq!(
            cache.take("620102", case, &[h(2), h(1)], &f),
            Some("doc"),
            "any order"
        );
        assert_eq!(
            cache.take("620102", case, &[h(1), h(2)], &f),
            None,
            "taken out"
        );
        cache.put("620102", case, &[h(1)], f, "old", 100);
        assert_eq!(
            cache.take("620102", case, &[h(1), h(3)], &f),
            None,
            "other heads"
        );
        assert_eq!(
            cache.take("620102", case, &[h(1)], &f),
            None,
            "a stale entry is dropped"
        );
        cache.put("620102", case, &[h(1)], f, "doc", 100);
        assert_eq!(
            cache.take("620102", case, &[h(1)], &g),
            None,
            "other stored bytes"
        );
        let stats = cache.stats();
        assert_eq!((stats.hits, stats.entries, stats.bytes), (1, 0, 0));
    }

    #[test]
    fn the_least_recently_used_entries_go_past_the_budget() {
        let cache: DocCache<u32> = DocCache::new(300);
        let ids: Vec<CaseId> = (0..4).map(case).collect();
        for (n, id) in ids.iter().enumerate() {
            cache.put("620102", *id, &[h(1)], [0; 32], n as u32, 100);
        }
        let stats = cache.stats();
        assert_eq!((stats.entries, stats.bytes), (3, 300));
        let f = [0; 32];
        assert_eq!(
            cache.take("620102", ids[0], &[h(1)], &f),
            None,
            "the oldest went"
        );
        assert_eq!(cache.take("620102", ids[3], &[h(1)], &f), Some(3));
        cache.put("620102", ids[0], &[h(1)], f, 9, 1_000);
        assert_eq!(
            cache.take("620102", ids[0], &[h(1)], &f),
            None,
            "over the whole budget"
        );
    }
}
