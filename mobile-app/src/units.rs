//! 签收 and 下派 on the device (docs/departments.md): the tenant's department tree from the
//! reference data (each department's optional parent), the parent's handling deadline a 下派
//! must stay within, the child units a department may choose from, and the 下派 tasks of a
//! case as the detail view shows them.
//!
//! Invariants: the checks are core's (`departments::check_sub_dispatch`) over the same tree and
//! deadline the server computes, so the form refuses what the server's write path would
//! refuse; without reference data nothing is offered (no child units, no deadline).

use crate::dto::{DepartmentDto, SubTaskDto};
use crate::index::Viewer;
use crate::reference::Reference;
use gridcase_core::deadline::{DeadlineContext, deadlines};
use gridcase_core::departments::{DepartmentTree, handling_due};
use gridcase_core::model::{DepartmentId, Role, Timestamp};
use gridcase_core::workflow::CaseState;

/// The tree the reference data describes (empty when it names none, or names an invalid one).
pub fn tree(reference: Option<&Reference>) -> DepartmentTree {
    let Some(r) = reference else {
        return DepartmentTree::default();
    };
    let pairs = r
        .bundle
        .departments
        .iter()
        .filter_map(|d| d.parent.map(|p| (d.id, p)));
    DepartmentTree::from_pairs(pairs).unwrap_or_default()
}

/// The case's handling deadline (the parent's), computed as the index computes clocks.
pub fn parent_due(
    reference: Option<&Reference>,
    state: &CaseState,
    now: Timestamp,
) -> Option<Timestamp> {
    let r = reference?;
    let category_limit = state
        .category()
        .and_then(|c| r.catalog.get(c))
        .and_then(|c| c.limit(state.urgency()));
    let ctx = DeadlineContext {
        policy: &r.policy,
        calendar: &r.calendar,
        teams: r.teams.as_ref(),
        category_limit,
        now,
    };
    handling_due(&deadlines(state, &ctx))
}

/// The child units of `org`, by name (what the 下派 form offers).
pub fn child_units(reference: Option<&Reference>, org: Option<DepartmentId>) -> Vec<DepartmentDto> {
    let (Some(r), Some(org)) = (reference, org) else {
        return Vec::new();
    };
    let mut out: Vec<DepartmentDto> = tree(reference)
        .children_of(org)
        .into_iter()
        .map(|id| DepartmentDto {
            id: id.to_string(),
            name: r.department_name(&id).unwrap_or("未知单位").to_owned(),
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// Whether the viewer's unit holds the case's open 下派 (it is in their 我的任务).
pub fn open_for(state: &CaseState, viewer: &Viewer) -> bool {
    viewer.role == Role::Department
        && state
            .open_sub_task()
            .is_some_and(|t| viewer.department == Some(t.unit))
}

/// The case's 下派 tasks, oldest first.
pub fn sub_tasks(
    state: &CaseState,
    reference: Option<&Reference>,
    viewer: &Viewer,
    now: Timestamp,
) -> Vec<SubTaskDto> {
    let due = parent_due(reference, state, now);
    let user = |u| reference.and_then(|r| r.user_name(&u)).map(str::to_owned);
    state
        .sub_tasks
        .iter()
        .map(|t| SubTaskDto {
            event_id: t.event.to_string(),
            unit: t.unit.to_string(),
            unit_name: reference
                .and_then(|r| r.department_name(&t.unit))
                .map(str::to_owned),
            by_name: user(t.by.user),
            at: t.at.0,
            due_at: t.effective_due(due).0,
            note: t.note.clone(),
            signed_at: t.signed.as_ref().map(|a| a.at.0),
            signed_by: t.signed.as_ref().and_then(|a| user(a.by.user)),
            result: t.feedback.as_ref().map(|a| a.text.clone()),
            reported_at: t.feedback.as_ref().map(|a| a.at.0),
            on_time: t.on_time(due, now),
            lapsed: t.lapsed,
            mine: viewer.role == Role::Department && viewer.department == Some(t.unit),
        })
        .collect()
}
