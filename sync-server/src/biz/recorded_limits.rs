//! The gate's check of a handling limit a dispatch records from the standards table (issue 12,
//! item 2): a dispatcher's tablet writes the limit with its basis, and an attacker holding one
//! could record any value under a "standard" basis to hide an override (which needs a reason).
//! So a new `dispatch` / `fast_dispatch` whose basis is `standard` with a version must give the
//! limit that version of the tenant's table gives the case (its category, urgency, the
//! 立案条件 it was filed under, and the recorded area grade), else the push is refused
//! (`invalid_payload`).
//!
//! Invariants: only the caller's tenant's versions are read; every stored version stays
//! readable (`standards_versions` is append-only), so a tablet that was offline with an older
//! table is checked against that table; a `category` basis is recorded with a hash of the
//! reference data the server does not keep per version, so it is not checked here (stated in
//! docs/evaluation.md); overrides carry their reason and are not checked against any table.

use super::gate::Rejection;
use crate::db::sql::Connection;
use crate::db::standards;
use crate::error::Result;
use gridcase_core::model::LimitBasis;
use gridcase_core::protocol::ErrorCode;
use gridcase_core::workflow::{Event, EventKind, fold};

fn refuse(ev: &Event, why: String) -> Option<Rejection> {
    Some(Rejection {
        code: ErrorCode::InvalidPayload,
        detail: format!("事件 {}：{why}", ev.id),
    })
}

/// Checks every new dispatch of a push whose limit claims a standards row.
pub fn check(
    conn: &Connection<'_>,
    tenant: &str,
    events: &[Event],
    new_events: &[Event],
) -> Result<Option<Rejection>> {
    for ev in new_events {
        let (limit, basis) = match &ev.kind {
            EventKind::Dispatch { limit, basis, .. }
            | EventKind::FastDispatch { limit, basis, .. } => (limit, basis),
            _ => continue,
        };
        let (
            Some(limit),
            Some(LimitBasis::Standard {
                grade,
                rules_version: Some(version),
                ..
            }),
        ) = (limit, basis)
        else {
            continue;
        };
        let Ok(v) = version.parse::<u32>() else {
            return Ok(refuse(ev, format!("标准版本 {version:?} 无效")));
        };
        let Some(release) = standards::get(conn, tenant, Some(v))? else {
            return Ok(refuse(
                ev,
                format!("本租户没有第 {v} 版立案、处置和结案标准"),
            ));
        };
        let before: Vec<&Event> = events.iter().take_while(|e| e.id != ev.id).collect();
        let state = fold(before);
        let Some(category) = state.category() else {
            return Ok(refuse(ev, "案件没有类别，不能按标准记录时限".into()));
        };
        let expected = release.recorded_limit(
            category,
            state.filing_condition.as_deref(),
            state.urgency(),
            grade.as_deref(),
        );
        let matches = expected.is_some_and(|(l, b)| l == *limit && Some(&b) == basis.as_ref());
        if !matches {
            return Ok(refuse(
                ev,
                format!(
                    "记录的处置时限 {limit} 与第 {v} 版标准对本案的规定不符；调整时限须注明理由"
                ),
            ));
        }
    }
    Ok(None)
}
