//! 下派 on the server (docs/departments.md): the tenant's department tree — 二级 units and
//! their 三级 units / 作业班组, kept as the tenant file `department_units` (CSV `unit,parent`
//! by department code, [`gridcase_core::departments::DepartmentTree`]) — and the write path's
//! check of every pushed `sub_dispatch` against it.
//!
//! Invariants: the tree names only the tenant's own departments (codes resolve within the
//! tenant), so a 下派 to another tenant's unit is never to a child; a pushed `sub_dispatch`
//! is refused before anything is written unless its unit is a child of the actor's department
//! (`not_child_unit`) and its deadline is not later than the parent's handling deadline as the
//! case stood just before it, computed with the tenant's rules (`beyond_parent_deadline`).
//! The fold's own checks (state, department, deadline after the act) stay the fold's: an event
//! it would not apply is kept as a conflict like any other.

use super::gate::Rejection;
use super::projection::case_deadlines;
use super::rules::{TenantRules, kind};
use crate::db::sql::Connection;
use crate::db::{tenants, users};
use crate::deployment::Deployment;
use crate::error::Result;
use gridcase_core::departments::{DepartmentTree, check_sub_dispatch, handling_due};
use gridcase_core::protocol::ErrorCode;
use gridcase_core::workflow::{Event, EventKind, fold};

/// The file name the tree is imported from and kept under.
pub const FILE_NAME: &str = "department_units.csv";

/// Parses a tree file against the tenant's departments (by code).
pub fn parse(conn: &Connection<'_>, tenant: &str, text: &str) -> Result<DepartmentTree> {
    let departments = users::departments(conn, tenant)?;
    let by_code = |code: &str| {
        departments
            .iter()
            .find(|d| d.code.as_deref() == Some(code))
            .map(|d| d.id)
    };
    Ok(DepartmentTree::parse_csv(FILE_NAME, text, &by_code)?)
}

/// The tenant's tree (empty: every department is of the flat level).
pub fn load(conn: &Connection<'_>, tenant: &str) -> Result<DepartmentTree> {
    match tenants::file(conn, tenant, kind::DEPARTMENT_UNITS)? {
        Some((_, text)) => parse(conn, tenant, &text),
        None => Ok(DepartmentTree::default()),
    }
}

/// Replaces the tenant's tree with `text` (checked first; nothing is stored when it fails).
/// Returns the number of child units.
pub fn set(dep: &Deployment, tenant: &str, text: &str) -> Result<usize> {
    let now = dep.now().ms();
    let count = dep.db().write(|tx| {
        let tree = parse(tx, tenant, text)?;
        tenants::set_file(tx, tenant, kind::DEPARTMENT_UNITS, FILE_NAME, text, now)?;
        Ok(tree.pairs().count())
    })?;
    dep.forget_rules(tenant);
    Ok(count)
}

/// Checks every new `sub_dispatch` of a push (`events`: the candidate's, in fold order).
pub fn check(rules: &TenantRules, events: &[Event], new_events: &[Event]) -> Option<Rejection> {
    for ev in new_events {
        let EventKind::SubDispatch { unit, due, .. } = &ev.kind else {
            continue;
        };
        let before: Vec<&Event> = events.iter().take_while(|e| e.id != ev.id).collect();
        let state = fold(before);
        let parent_due = handling_due(&case_deadlines(rules, &state, ev.act_time()));
        if let Err(e) = check_sub_dispatch(&rules.units, ev.actor.org, *unit, *due, parent_due) {
            let code = match e.code() {
                "not_child_unit" => ErrorCode::NotChildUnit,
                _ => ErrorCode::BeyondParentDeadline,
            };
            return Some(Rejection {
                code,
                detail: format!("事件 {}：{e}", ev.id),
            });
        }
    }
    None
}
