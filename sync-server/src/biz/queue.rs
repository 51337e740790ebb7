//! The desktop app's queue API: filtered, paged lists for centre roles, and one case in detail
//! (row, folded state, every clock) for anyone whose scope includes it.

use super::Caller;
use super::projection;
use crate::db::cases::{self, CaseRow, QueueFilter, QueuePage};
use crate::db::docs;
use crate::deployment::Deployment;
use crate::error::{Result, ServerError};
use gridcase_core::deadline::Deadlines;
use gridcase_core::model::CaseId;
use gridcase_core::protocol::ErrorCode;
use gridcase_core::workflow::{CaseState, Event};
use serde::Serialize;

/// The queue (centre roles only).
pub fn list(dep: &Deployment, caller: &Caller, filter: &QueueFilter) -> Result<QueuePage> {
    if !caller.sees_whole_tenant() {
        return Err(ServerError::api(
            ErrorCode::Forbidden,
            "案件队列仅对中心岗位开放",
        ));
    }
    let tenant = caller.tenant_code();
    dep.db().read(|tx| cases::queue(tx, &tenant, filter))
}

/// One case in detail.
#[derive(Debug, Serialize)]
pub struct CaseDetail {
    /// The queue row.
    pub row: CaseRow,
    /// The folded state.
    pub state: CaseState,
    /// Every clock, computed now.
    pub deadlines: Deadlines,
    /// The events in fold order.
    pub events: Vec<Event>,
}

/// A case in the caller's scope; another tenant's case or one outside the scope is `not_found`;
/// a case whose stored document does not read is `document_unreadable` (and reported).
pub fn detail(dep: &Deployment, caller: &Caller, case_id: CaseId) -> Result<CaseDetail> {
    super::isolation::reported(dep, "case_detail", read_detail(dep, caller, case_id))
}

fn read_detail(dep: &Deployment, caller: &Caller, case_id: CaseId) -> Result<CaseDetail> {
    let tenant = caller.tenant_code();
    let principals = caller.principals();
    let (row, doc) = dep.db().read(|tx| {
        let row =
            cases::get(tx, &tenant, case_id)?.ok_or_else(|| ServerError::not_found("案件"))?;
        if let Some(p) = &principals
            && !cases::in_scope(tx, case_id, p)?
        {
            return Err(ServerError::not_found("案件"));
        }
        Ok((row, docs::load(tx, case_id)?))
    })?;
    let rules = dep.rules(&tenant)?;
    let mut p = projection::project(&rules, &doc, dep.now())?;
    // Contact text of documents written before contacts moved out of them.
    super::contacts::redact(caller.role, &mut p.state, &mut p.events);
    Ok(CaseDetail {
        row,
        state: p.state,
        deadlines: p.deadlines,
        events: p.events,
    })
}
