//! The case queue projection: a case's row (status, stage, category, cell, department,
//! deadline and light, case number, texts, counts), its scope principals and the photos it
//! references, and its index facts (db::case_index), all computed from the workflow fold of its events with the tenant's rules, and
//! written in the caller's transaction.

use super::rules::TenantRules;
use super::scope::case_principals;
use crate::db::cases::{self, CaseRow};
use crate::db::sql::{Connection, params};
use crate::error::Result;
use gridcase_core::codes::CategoryKind;
use gridcase_core::deadline::{DeadlineContext, Deadlines, Light, deadlines};
use gridcase_core::doc::CaseDoc;
use gridcase_core::model::{CaseId, Timestamp, Urgency};
use gridcase_core::workflow::{CaseState, Event, fold};

/// A case as the server projects it.
#[derive(Clone, Debug)]
pub struct Projected {
    /// The queue row (its `seq` is set when written).
    pub row: CaseRow,
    /// Scope principals.
    pub principals: Vec<String>,
    /// Photos referenced (hex SHA-256).
    pub photos: Vec<String>,
    /// The folded state.
    pub state: CaseState,
    /// Every clock.
    pub deadlines: Deadlines,
    /// The events, in fold order.
    pub events: Vec<Event>,
    /// The case's index facts (act-time span, terminal, next light change).
    pub index: crate::db::case_index::Entry,
}

fn light_str(light: Light) -> &'static str {
    match light {
        Light::Green => "green",
        Light::Yellow => "yellow",
        Light::Red => "red",
        Light::None => "none",
    }
}

/// The deadlines of a folded case at `now`.
pub fn case_deadlines(rules: &TenantRules, state: &CaseState, now: Timestamp) -> Deadlines {
    let category_limit = state
        .category()
        .and_then(|c| rules.catalog.handling_limit(c, state.urgency()));
    let ctx = DeadlineContext {
        policy: &rules.policy,
        calendar: &rules.calendar,
        teams: rules.teams.as_ref(),
        category_limit,
        now,
    };
    deadlines(state, &ctx)
}

/// A case's events read and folded once, handed to [`project_folded`] by a caller that already
/// holds them (the write path folds a case once per request).
#[derive(Clone, Debug)]
pub struct Folded {
    /// The document's events, in fold order.
    pub events: Vec<Event>,
    /// How many event entries did not decode.
    pub problems: usize,
    /// `fold(&events)`.
    pub state: CaseState,
}

impl Folded {
    /// Folds `events`.
    pub fn new(events: Vec<Event>, problems: usize) -> Folded {
        let state = fold(&events);
        Folded {
            events,
            problems,
            state,
        }
    }
}

/// Projects a case document (reads and folds its events).
pub fn project(rules: &TenantRules, doc: &CaseDoc, now: Timestamp) -> Result<Projected> {
    let read = super::isolation::read_events(doc)?;
    project_folded(
        rules,
        doc,
        Folded::new(read.events, read.problems.len()),
        now,
    )
}

/// Projects a case document whose events the caller already read and folded (they must be the
/// document's current ones).
pub fn project_folded(
    rules: &TenantRules,
    doc: &CaseDoc,
    folded: Folded,
    now: Timestamp,
) -> Result<Projected> {
    let Folded {
        events,
        problems,
        state,
    } = folded;
    let dl = case_deadlines(rules, &state, now);
    let current = dl.current();
    let report = state.report.as_ref();
    let row = CaseRow {
        case_id: doc.case_id().to_string(),
        tenant: doc.tenant().to_string(),
        seq: 0,
        status: state.status.as_str().to_owned(),
        stage: serde_json::to_value(state.status.stage())
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        category: report.map(|r| {
            let kind = match r.category.kind {
                CategoryKind::Component => "component",
                CategoryKind::Matter => "matter",
            };
            format!("{kind}:{}", r.category.code.as_str())
        }),
        cell: state.cell().map(|c| c.to_string()),
        department: state.department.map(|d| d.to_string()),
        urgency: match state.urgency() {
            Urgency::Urgent => "urgent",
            Urgency::Normal => "normal",
        }
        .to_owned(),
        light: light_str(dl.light()).to_owned(),
        clock: current.map(|c| c.clock.as_str().to_owned()),
        deadline: current.and_then(|c| c.deadline).map(Timestamp::ms),
        case_number: state.case_number.clone(),
        reporter: state.reported_by.map(|a| a.user.to_string()),
        address: report.map(|r| r.address.clone()),
        description: report.map(|r| r.description.clone()),
        conflicts: (state.conflicts.len() + problems) as i64,
        escalation: i64::from(state.escalation_level()),
        blobs_missing: 0,
        created_at: doc.created_at().ms(),
        updated_at: state.updated_at.unwrap_or(doc.created_at()).ms(),
    };
    let principals = case_principals(&state, &events);
    let photos = super::isolation::photos(doc)?
        .into_iter()
        .map(|p| p.sha256.to_hex())
        .collect();
    let index = super::case_index::entry(rules, &state, &events, &dl, now);
    Ok(Projected {
        row,
        principals,
        photos,
        state,
        deadlines: dl,
        events,
        index,
    })
}

/// Writes the row with feed position `seq`, the scope and the blob references.
pub fn write(conn: &Connection<'_>, p: &mut Projected, seq: i64) -> Result<()> {
    p.row.seq = seq;
    let case_id = CaseId::parse(&p.row.case_id)
        .map_err(|e| crate::error::ServerError::Internal(e.to_string()))?;
    cases::upsert(conn, &p.row)?;
    crate::db::case_index::upsert(conn, &p.row.tenant, &p.row.case_id, &p.index)?;
    cases::set_scope(conn, case_id, &p.principals)?;
    cases::set_blob_refs(conn, &p.row.tenant, case_id, &p.photos)?;
    conn.execute(
        "UPDATE cases SET blobs_missing = (
            SELECT count(*) FROM blob_refs r
            LEFT JOIN blobs b ON b.tenant = r.tenant AND b.sha256 = r.sha256 AND b.complete = 1
            WHERE r.case_id = ?1 AND b.sha256 IS NULL)
         WHERE case_id = ?1",
        params![p.row.case_id],
    )?;
    Ok(())
}
