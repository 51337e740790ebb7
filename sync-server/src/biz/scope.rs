//! Who besides the centre may see a case (docs/protocol.md "Scope"): the inspectors of its cell,
//! its reporter (and the reporters of duplicates merged into it), every inspector ever given
//! its verification or check task, every department it was ever dispatched to, and every
//! child unit its department gave it to (下派, docs/departments.md). Centre
//! roles see the whole tenant.
//!
//! The principals are recomputed from the events on every merge and stored in `case_scope`; a
//! caller's own principals come from [`super::Caller::principals`].

use super::Caller;
use gridcase_core::model::Role;
use gridcase_core::workflow::{CaseState, Event, EventKind};
use std::collections::BTreeSet;

/// The principals (`cell:<code>`, `user:<id>`, `dept:<id>`) that may see a case.
pub fn case_principals(state: &CaseState, events: &[Event]) -> Vec<String> {
    let mut p = BTreeSet::new();
    if let Some(cell) = state.cell() {
        p.insert(format!("cell:{cell}"));
    }
    if let Some(reporter) = &state.reported_by {
        p.insert(format!("user:{}", reporter.user));
    }
    for d in &state.dispatches {
        p.insert(format!("dept:{}", d.department));
    }
    if let Some(d) = state.department {
        p.insert(format!("dept:{d}"));
    }
    // A child unit given the task by 下派 sees the case (and keeps seeing it).
    for t in &state.sub_tasks {
        p.insert(format!("dept:{}", t.unit));
    }
    for ev in events {
        match &ev.kind {
            EventKind::RequestVerification { assignee } | EventKind::RequestCheck { assignee } => {
                p.insert(format!("user:{assignee}"));
            }
            // The reporter of a duplicate merged into this case follows it here.
            EventKind::MergeFrom { reporter, .. } => {
                p.insert(format!("user:{}", ev.actor.user));
                if reporter.actor.role != Role::System {
                    p.insert(format!("user:{}", reporter.actor.user));
                }
            }
            // Whoever wrote to the case keeps seeing it (a reporter, a department user).
            _ if ev.actor.role != Role::System => {
                p.insert(format!("user:{}", ev.actor.user));
            }
            _ => {}
        }
    }
    p.into_iter().collect()
}

/// Whether the caller may see a case with these principals.
pub fn may_see(caller: &Caller, principals: &[String]) -> bool {
    match caller.principals() {
        None => true,
        Some(mine) => mine.iter().any(|m| principals.contains(m)),
    }
}

/// Whether a brand new case may be created by the caller: its cell is one of the inspector's,
/// or the reporter is the caller, or the caller is a centre role.
pub fn may_create(caller: &Caller, state: &CaseState) -> bool {
    if caller.sees_whole_tenant() {
        return true;
    }
    let reporter_is_caller = state.reported_by.is_some_and(|a| a.user == caller.user);
    let cell_is_mine = state
        .cell()
        .is_some_and(|c| caller.cells.contains(&c.to_string()));
    reporter_is_caller || cell_is_mine
}
