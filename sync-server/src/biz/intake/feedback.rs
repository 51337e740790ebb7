//! 办结反馈: the answer to a superior platform for the cases it handed down (issue 12, item 6).
//! For every superior case of the tenant (`intake_links`, channel `superior`) imported in a
//! window: the superior's id, our case id and number, the status, whether it is closed and
//! when, the superior's deadline and whether the case was closed by it, the handling result
//! text (the last feedback's), and the SHA-256 of the after-photos (处置后) — the photos
//! themselves stay on the server; the superior asks for them by hash through its own channel.
//!
//! Invariants: the caller's tenant only; intake operators, shift leaders, leaders and
//! administrators only (the answer names cases and their results); a case document that cannot
//! be read is listed with status `unreadable` instead of stopping the export (one bad document
//! never stops anything else).

use super::superior::CHANNEL;
use crate::biz::isolation;
use crate::db::{docs, intake};
use crate::deployment::Deployment;
use crate::error::{Result, ServerError};
use gridcase_core::model::{CaseId, PhotoRole, Role, Timestamp};
use gridcase_core::protocol::ErrorCode;
use gridcase_core::workflow::{EventKind, Status, fold};
use serde::Serialize;

/// The `format` of the answer.
pub const FORMAT: &str = "gridcase-superior-feedback";
/// At most this many cases per answer.
pub const MAX_CASES: usize = 10_000;

/// The answer for one handed-down case.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CaseFeedback {
    /// The superior platform's id.
    pub external_id: String,
    /// Our case id.
    pub case_id: String,
    /// Our case number (案卷号), once filed.
    pub case_number: Option<String>,
    /// The status (`closed`, `in_progress`, …, or `unreadable`).
    pub status: String,
    /// Its Chinese label.
    pub status_label: String,
    /// Whether the case is closed (办结).
    pub closed: bool,
    /// When it was closed (Unix ms), if it is.
    pub closed_at: Option<i64>,
    /// The superior's deadline (Unix ms).
    pub deadline: Option<i64>,
    /// Closed by the superior's deadline (None while open or without a deadline).
    pub on_time: Option<bool>,
    /// The handling result (the last 处置反馈's text).
    pub result: Option<String>,
    /// Hex SHA-256 of every after-photo (处置后), in order.
    pub after_photos: Vec<String>,
}

/// The whole answer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FeedbackExport {
    /// Always [`FORMAT`].
    pub format: &'static str,
    /// The tenant.
    pub tenant: String,
    /// When the answer was made (Unix ms).
    pub generated_at: i64,
    /// The cases, newest import first.
    pub cases: Vec<CaseFeedback>,
}

/// Whether `role` may read the answer.
pub fn may_read(role: Role) -> bool {
    matches!(
        role,
        Role::IntakeOperator | Role::ShiftLeader | Role::Leader | Role::Admin
    )
}

/// The answer for the superior cases of `tenant` imported in `[from, to]` (Unix ms).
pub fn export(
    dep: &Deployment,
    tenant: &str,
    role: Role,
    from: i64,
    to: i64,
) -> Result<FeedbackExport> {
    if !may_read(role) {
        return Err(ServerError::api(
            ErrorCode::Forbidden,
            "办结反馈仅限受理员、值班长、领导和管理员",
        ));
    }
    if to < from {
        return Err(ServerError::bad_request("结束时间早于开始时间"));
    }
    let mut skipped = Vec::new();
    let cases = dep.db().read(|tx| {
        let links = intake::links(tx, tenant, CHANNEL, from, to, MAX_CASES)?;
        let mut out = Vec::with_capacity(links.len());
        for link in links {
            out.push(answer(tx, &link, &mut skipped)?);
        }
        Ok(out)
    })?;
    // Unreadable documents are listed in the answer and recorded for the administrator, as
    // every other reader of case documents does.
    isolation::report(dep, "superior_feedback", &skipped);
    Ok(FeedbackExport {
        format: FORMAT,
        tenant: tenant.to_owned(),
        generated_at: dep.now().ms(),
        cases,
    })
}

fn answer(
    tx: &crate::db::Connection<'_>,
    link: &intake::Link,
    skipped: &mut Vec<crate::error::Unreadable>,
) -> Result<CaseFeedback> {
    let unreadable = |case_id: &str| CaseFeedback {
        external_id: link.external_id.clone(),
        case_id: case_id.to_owned(),
        case_number: None,
        status: "unreadable".into(),
        status_label: "案卷暂不可读".into(),
        closed: false,
        closed_at: None,
        deadline: None,
        on_time: None,
        result: None,
        after_photos: Vec::new(),
    };
    let Ok(id) = CaseId::parse(&link.case_id) else {
        return Ok(unreadable(&link.case_id));
    };
    let read = docs::load(tx, id).and_then(|doc| isolation::read_events(&doc));
    let Some(read) = isolation::skip(read, skipped)? else {
        return Ok(unreadable(&link.case_id));
    };
    let state = fold(&read.events);
    let closed = state.status == Status::Closed;
    let closed_at = closed.then_some(state.closed_at).flatten();
    let deadline = state.report.as_ref().and_then(|r| r.external_deadline);
    let on_time = match (closed_at, deadline) {
        (Some(c), Some(d)) => Some(c <= d),
        _ => None,
    };
    let applied: Vec<_> = read
        .events
        .iter()
        .filter(|e| !state.conflicts.iter().any(|c| c.event == e.id))
        .collect();
    let result = applied.iter().rev().find_map(|e| match &e.kind {
        EventKind::Feedback { result, .. } => Some(result.clone()),
        EventKind::SelfHandle { note, .. } => Some(note.clone()),
        _ => None,
    });
    let after_photos = applied
        .iter()
        .flat_map(|e| e.kind.photos())
        .filter(|p| p.role == PhotoRole::After)
        .map(|p| p.sha256.to_hex())
        .collect();
    Ok(CaseFeedback {
        external_id: link.external_id.clone(),
        case_id: link.case_id.clone(),
        case_number: state.case_number.clone(),
        status: state.status.as_str().to_owned(),
        status_label: state.status.label_zh().to_owned(),
        closed,
        closed_at: closed_at.map(Timestamp::ms),
        deadline: deadline.map(Timestamp::ms),
        on_time,
        result,
        after_photos,
    })
}
