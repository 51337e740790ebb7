//! `GET /v1/feed`: the cases changed in the caller's scope since a cursor, in feed order.
//!
//! When the page is the last one (`more == false`) the returned cursor is the tenant's current
//! sequence, not the last entry's: changes outside the caller's scope are skipped for good, so
//! an idle device's next request scans nothing. A cursor ahead of the tenant's sequence (the
//! server was restored from a backup) restarts the feed from 0.

use super::Caller;
use crate::db::{cases, tenants};
use crate::deployment::Deployment;
use crate::error::Result;
use gridcase_core::model::CaseId;
use gridcase_core::protocol::{FeedEntry, FeedPage, FeedRow};

/// One page of the feed after `cursor`, at most `limit` entries (capped by the limits).
pub fn page(
    dep: &Deployment,
    caller: &Caller,
    cursor: u64,
    limit: Option<u32>,
) -> Result<FeedPage> {
    let max = dep.config().limits.max_feed_page;
    let limit = limit.unwrap_or(max).clamp(1, max) as i64;
    let tenant = caller.tenant_code();
    let principals = caller.principals();
    let cursor = i64::try_from(cursor).unwrap_or(i64::MAX);
    let (items, tenant_seq, cursor) = dep.db().read(|tx| {
        let tenant_seq = tenants::current_seq(tx, &tenant)?;
        // A cursor ahead of the server means the server was restored from a backup: the device
        // must see everything again, not wait for the sequence to catch up.
        let cursor = if cursor > tenant_seq { 0 } else { cursor };
        let items = cases::feed(tx, &tenant, cursor, limit + 1, principals.as_deref())?;
        Ok((items, tenant_seq, cursor))
    })?;
    let more = items.len() as i64 > limit;
    let mut entries = Vec::with_capacity(items.len());
    for item in items.into_iter().take(limit as usize) {
        let case_id = CaseId::parse(&item.row.case_id)
            .map_err(|e| crate::error::ServerError::Internal(e.to_string()))?;
        entries.push(FeedEntry {
            case_id,
            seq: item.row.seq as u64,
            heads: item.heads.iter().map(|h| hex::encode(h.0)).collect(),
            row: FeedRow {
                status: item.row.status,
                category: item.row.category,
                cell: item.row.cell,
                department: item.row.department,
                case_number: item.row.case_number,
                light: item.row.light,
                deadline: item.row.deadline,
                conflicts: item.row.conflicts.max(0) as u32,
                updated_at: item.row.updated_at,
            },
        });
    }
    let next = if more {
        entries.last().map_or(cursor, |e| e.seq as i64)
    } else {
        tenant_seq.max(cursor)
    };
    Ok(FeedPage {
        entries,
        cursor: next.max(0) as u64,
        more,
    })
}
