//! The per-case index facts computed from a projection (db::case_index), the rules fingerprint
//! that says when lights must be re-measured, the lazy fill of the index for documents stored
//! before it existed, and the in-memory cache of folded terminal cases for evaluation.
//!
//! Invariants:
//! - `next_light_at` is never earlier than needed and at most one second late: it is the first
//!   instant (to the second) at which the running clock's light differs from its light at the
//!   projection's `now` (lights only move green → yellow → red while a clock runs); a red clock
//!   that still needs its system escalation is due at once; a case without a running light has
//!   none.
//! - A cached [`EvalCase`] is used only for the same case revision and the same rules
//!   fingerprint, and only when every event of the case acted before the period end, its fold is
//!   terminal and all its clocks have ended: then [`EvalCase::as_of`] does not depend on the
//!   period end, so the cached value equals a fresh fold. The events of the other cases read
//!   are cached by case revision only (they are what the stored document holds at that
//!   revision); their fold as of the period end is always redone.

use super::projection;
use super::rules::{TenantRules, kind};
use crate::db::sql::Connection;
use crate::db::{case_index, docs};
use crate::deployment::Deployment;
use crate::error::Result;
use gridcase_core::deadline::Light;
use gridcase_core::evaluation::EvalCase;
use gridcase_core::model::{CaseId, Role, Timestamp};
use gridcase_core::workflow::{CaseState, Event, Status};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// How many folded cases the evaluation cache holds at most (it is emptied when full).
pub const CACHE_CAP: usize = 400_000;

/// Whether the lights pass handles a case with this status (as db::cases::running).
fn running_status(s: Status) -> bool {
    !matches!(
        s,
        Status::Closed
            | Status::Rejected
            | Status::Voided
            | Status::Merged
            | Status::Parked
            | Status::Draft
    )
}

/// The index facts of a projected case.
pub fn entry(
    rules: &TenantRules,
    state: &CaseState,
    events: &[Event],
    dl: &gridcase_core::deadline::Deadlines,
    now: Timestamp,
) -> case_index::Entry {
    let acts = events.iter().map(|e| e.act_time().ms());
    case_index::Entry {
        first_act: acts.clone().min(),
        last_act: acts.max(),
        // A closed public case still owed its 回访 is not settled: its 回访 clock can still run
        // out and count in a later period.
        terminal: state.status.is_terminal()
            && dl.callback.as_ref().is_none_or(|c| c.ended_at.is_some()),
        next_light_at: next_light_at(rules, state, dl, now),
    }
}

/// When the running light of the case next changes (see the module invariants).
fn next_light_at(
    rules: &TenantRules,
    state: &CaseState,
    dl: &gridcase_core::deadline::Deadlines,
    now: Timestamp,
) -> Option<i64> {
    if !running_status(state.status) {
        return None;
    }
    let current = dl.current()?;
    let deadline = current.deadline?.ms();
    match current.light {
        Light::None => None,
        Light::Red => {
            let escalated = state
                .escalations
                .iter()
                .any(|e| e.by.role == Role::System && e.at >= current.started_at);
            (!escalated).then_some(now.ms())
        }
        Light::Yellow => Some(deadline.saturating_add(1).max(now.ms())),
        Light::Green => {
            // Red from deadline + 1 ms; yellow somewhere before: bisect to the second.
            let light_at = |t: i64| projection::case_deadlines(rules, state, Timestamp(t)).light();
            let (mut lo, mut hi) = (now.ms(), deadline.saturating_add(1).max(now.ms()));
            while hi - lo > 1000 {
                let mid = lo + (hi - lo) / 2;
                if light_at(mid) == Light::Green {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            Some(hi)
        }
    }
}

/// A fingerprint of the rules that move deadlines (calendars, stage limits, catalog, team
/// calendars and the departments they name).
pub fn rules_fingerprint(conn: &Connection<'_>, tenant: &str) -> Result<String> {
    let mut h = Sha256::new();
    for k in [
        kind::CALENDAR,
        kind::TEAM_CALENDARS,
        kind::POLICY,
        kind::CATALOG_RULES,
        kind::CATALOG_EXTENSIONS,
    ] {
        h.update(k.as_bytes());
        h.update([0]);
        if let Some((name, text)) = crate::db::tenants::file(conn, tenant, k)? {
            h.update(name.as_bytes());
            h.update([0]);
            h.update(text.as_bytes());
        }
        h.update([1]);
    }
    for d in crate::db::users::departments(conn, tenant)? {
        h.update(format!("{}\0{:?}\0", d.id, d.code).as_bytes());
    }
    Ok(hex::encode(h.finalize()))
}

/// Fills the index rows of the tenant's documents stored before the index existed (a document
/// that does not read is left out and reported; it is read again by evaluation while it has no
/// row), then records the tenant as covered. Cheap when already covered.
pub fn ensure_spans(dep: &Deployment, tenant: &str) -> Result<()> {
    if dep.db().read(|tx| case_index::spans_built(tx, tenant))? {
        return Ok(());
    }
    let rules = dep.rules(tenant)?;
    let now = dep.now();
    let ids = dep.db().read(|tx| case_index::unindexed(tx, tenant))?;
    for batch in ids.chunks(500) {
        let mut skipped = Vec::new();
        dep.db().write(|tx| {
            for id in batch {
                let p = docs::load(tx, *id).and_then(|doc| projection::project(&rules, &doc, now));
                if let Some(p) = super::isolation::skip(p, &mut skipped)? {
                    let e = entry(&rules, &p.state, &p.events, &p.deadlines, now);
                    case_index::upsert(tx, tenant, &p.row.case_id, &e)?;
                }
            }
            Ok(())
        })?;
        super::isolation::report(dep, "case_index", &skipped);
    }
    dep.db().write(|tx| case_index::set_spans_built(tx, tenant))
}

/// Folded settled cases by id, with the revision and rules fingerprint they were folded at;
/// and the events of the other cases read, by id with the revision they were read at (events
/// do not depend on the rules nor the period: only their fold as of the period end is redone).
#[derive(Default)]
pub struct EvalCache {
    cases: Mutex<HashMap<CaseId, SettledFold>>,
    events: Mutex<HashMap<CaseId, ReadEvents>>,
}

/// A settled case's fold with the revision and rules fingerprint it was made at.
type SettledFold = (i64, Arc<str>, Arc<EvalCase>);
/// A case's events with the revision they were read at.
type ReadEvents = (i64, Arc<Vec<Event>>);

impl std::fmt::Debug for EvalCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EvalCache({} cases)", self.len())
    }
}

impl EvalCache {
    /// The cached fold of a case at revision `rev` under rules `fp`.
    pub fn get(&self, id: CaseId, rev: i64, fp: &str) -> Option<Arc<EvalCase>> {
        let map = self.cases.lock().unwrap_or_else(|p| p.into_inner());
        map.get(&id)
            .filter(|(r, f, _)| *r == rev && &**f == fp)
            .map(|(_, _, c)| c.clone())
    }

    /// Keeps a fold (the caller checked that it does not depend on the period end).
    pub fn put(&self, id: CaseId, rev: i64, fp: Arc<str>, case: Arc<EvalCase>) {
        let mut map = self.cases.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= CACHE_CAP {
            map.clear();
        }
        map.insert(id, (rev, fp, case));
    }

    /// The cached events of a case at revision `rev`.
    pub fn events(&self, id: CaseId, rev: i64) -> Option<Arc<Vec<Event>>> {
        let map = self.events.lock().unwrap_or_else(|p| p.into_inner());
        map.get(&id)
            .filter(|(r, _)| *r == rev)
            .map(|(_, e)| e.clone())
    }

    /// Keeps the events of a case read at revision `rev`.
    pub fn put_events(&self, id: CaseId, rev: i64, events: Arc<Vec<Event>>) {
        let mut map = self.events.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= CACHE_CAP {
            map.clear();
        }
        map.insert(id, (rev, events));
    }

    /// How many folds and event lists are held.
    pub fn len(&self) -> usize {
        self.cases.lock().unwrap_or_else(|p| p.into_inner()).len()
            + self.events.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Whether none is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops every fold (benchmarks measure a cold cache with it).
    pub fn clear(&self) {
        self.cases.lock().unwrap_or_else(|p| p.into_inner()).clear();
        self.events
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}

/// Whether a fold as of some period end does not depend on that end: terminal, and every
/// clock ended (the 回访 clock of a closed public case included).
pub fn period_independent(case: &EvalCase) -> bool {
    case.state.status.is_terminal()
        && case.deadlines.clocks.iter().all(|c| c.ended_at.is_some())
        && case
            .deadlines
            .callback
            .as_ref()
            .is_none_or(|c| c.ended_at.is_some())
}
