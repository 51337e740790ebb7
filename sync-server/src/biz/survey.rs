//! 专项普查 on the server (issue 16, docs/patrol.md "Server"): tasks created by the centre,
//! marks pushed by inspectors, progress computed with `gridcase_core::survey`, and the
//! workbook (biz::survey_export).
//!
//! Invariants:
//! - 值班长 and 管理员 create tasks; a task is checked before it is stored (title, at least one
//!   category, cells of the tenant's grid each given to one inspector, the assigned users are
//!   the tenant's enabled 监督员, components only for cells of the task, due after start,
//!   bounded sizes); the id comes from the creating device, so the same task again is
//!   acknowledged and a different one under a used id is `survey_invalid`;
//! - only 监督员 push marks, always as themselves; each mark passes `SurveyTask::check`
//!   (`survey_not_assigned`, `survey_unknown_component`, `survey_not_started`) and is keyed by
//!   the device's id (same mark again: accepted, counted once; a different mark under a used
//!   id: `track_conflict`);
//! - a `Reported(case)` mark may arrive before its case syncs (the device sends marks and cases
//!   on separate outboxes): a case id the server does not hold yet is accepted; a case held by
//!   another tenant is refused (`survey_invalid`) — it can never become this tenant's;
//! - everything is read and written within the caller's tenant; another tenant's task is
//!   `not_found`.

use super::Caller;
use crate::db::sql::Connection;
use crate::db::{survey as db, tenants, users};
use crate::deployment::Deployment;
use crate::error::{Result, ServerError};
use gridcase_core::codes::GridCode;
use gridcase_core::model::{Role, SurveyId, Timestamp, UserId};
use gridcase_core::protocol::{
    ErrorCode, SurveyCellWire, SurveyInspectorWire, SurveyMarkWire, SurveyMarksAck,
    SurveyMarksPush, SurveyProgressWire, SurveyTaskWire,
};
use gridcase_core::survey::{Finding, Status, SurveyError, SurveyMark, SurveyTask};
use std::collections::{BTreeMap, BTreeSet};

/// The longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 100;
/// The most categories of a task.
pub const MAX_CATEGORIES: usize = 50;
/// The most cells of a task.
pub const MAX_CELLS: usize = 5_000;
/// The most listed components of a task.
pub const MAX_COMPONENTS: usize = 20_000;
/// The most marks of one push.
pub const MAX_MARKS: usize = 500;
/// How far ahead of the server's clock a mark's time may be.
const CLOCK_SLACK_MS: i64 = super::patrol::CLOCK_SLACK_MS;

fn invalid(detail: impl std::fmt::Display) -> ServerError {
    ServerError::api(ErrorCode::SurveyInvalid, detail)
}

fn refuse_role(caller: &Caller, what: &str) -> ServerError {
    ServerError::api(
        ErrorCode::RoleNotAllowed,
        format!("{what}：当前岗位为{}", caller.role.label_zh()),
    )
}

fn may_read_all(role: Role) -> bool {
    matches!(role, Role::ShiftLeader | Role::Leader | Role::Admin)
}

/// The core task of a wire task.
pub fn core_task(w: &SurveyTaskWire) -> SurveyTask {
    SurveyTask {
        id: w.id,
        title: w.title.clone(),
        categories: w.categories.clone(),
        assignments: w.assignments.clone(),
        components: w.components.clone(),
        starts_at: Timestamp(w.starts_at),
        due_at: Timestamp(w.due_at),
    }
}

fn check_task(
    conn: &Connection<'_>,
    dep: &Deployment,
    tenant: &str,
    w: &SurveyTaskWire,
) -> Result<()> {
    let title = w.title.trim();
    if title.is_empty() || w.title.chars().count() > MAX_TITLE_CHARS {
        return Err(invalid(format!("标题须为 1–{MAX_TITLE_CHARS} 个字")));
    }
    if w.categories.is_empty() || w.categories.len() > MAX_CATEGORIES {
        return Err(invalid(format!("须指定 1–{MAX_CATEGORIES} 个类别")));
    }
    if w.due_at <= w.starts_at {
        return Err(invalid("截止时间须晚于开始时间"));
    }
    if w.assignments.is_empty() || w.assignments.values().any(BTreeSet::is_empty) {
        return Err(invalid("须为每名监督员分配至少一个网格"));
    }
    let cells: usize = w.assignments.values().map(BTreeSet::len).sum();
    if cells > MAX_CELLS {
        return Err(invalid(format!("网格最多 {MAX_CELLS} 个")));
    }
    let mut seen = BTreeSet::new();
    for c in w.assignments.values().flatten() {
        if !seen.insert(*c) {
            return Err(invalid(format!("网格 {c} 分配给了多名监督员")));
        }
    }
    let components: usize = w.components.values().map(BTreeSet::len).sum();
    if components > MAX_COMPONENTS {
        return Err(invalid(format!("部件最多 {MAX_COMPONENTS} 个")));
    }
    if let Some(c) = w.components.keys().find(|c| !seen.contains(c)) {
        return Err(invalid(format!("部件所在网格 {c} 不在本次普查范围内")));
    }
    let rules = dep.rules(tenant)?;
    let mut known: BTreeSet<GridCode> = tenants::cells(conn, tenant)?
        .iter()
        .filter_map(|(c, _)| GridCode::parse(c).ok())
        .collect();
    if let Some(g) = rules.grid.as_ref() {
        known.extend(g.cells().iter().map(|c| c.code));
    }
    if let Some(c) = seen.iter().find(|c| !known.contains(c)) {
        return Err(invalid(format!("网格 {c} 不属于本区县")));
    }
    for u in w.assignments.keys() {
        match users::get(conn, *u)? {
            Some(row) if row.tenant == tenant && row.role == Role::Inspector && !row.disabled => {}
            _ => return Err(invalid(format!("{u} 不是本区县在用的监督员"))),
        }
    }
    Ok(())
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| ServerError::Internal(e.to_string()))
}

fn task_of(text: &str) -> Result<SurveyTaskWire> {
    serde_json::from_str(text).map_err(|e| ServerError::Internal(format!("stored survey: {e}")))
}

/// `POST /v1/surveys` (值班长, 管理员): stores a new task.
pub fn create(dep: &Deployment, caller: &Caller, w: &SurveyTaskWire) -> Result<SurveyTaskWire> {
    if !matches!(caller.role, Role::ShiftLeader | Role::Admin) {
        return Err(refuse_role(caller, "仅值班长和管理员创建专项普查"));
    }
    let tenant = caller.tenant_code();
    let text = to_json(w)?;
    let id = w.id.to_string();
    let now = dep.now().ms();
    let by = caller.user.to_string();
    dep.db().write(|tx| {
        if let Some(old) = db::task(tx, &tenant, &id)? {
            return if task_of(&old)? == *w {
                Ok(w.clone())
            } else {
                Err(invalid("该普查编号已用于不同的任务"))
            };
        }
        check_task(tx, dep, &tenant, w)?;
        db::insert_task(
            tx,
            &db::NewTask {
                tenant: &tenant,
                id: &id,
                title: w.title.trim(),
                task: &text,
                starts_at: w.starts_at,
                due_at: w.due_at,
                created_by: &by,
                now,
            },
        )?;
        Ok(w.clone())
    })
}

/// `GET /v1/surveys`: the tasks the caller may see (an inspector: those assigning it cells).
pub fn list(dep: &Deployment, caller: &Caller) -> Result<Vec<SurveyTaskWire>> {
    let own_only = match caller.role {
        r if may_read_all(r) => false,
        Role::Inspector => true,
        _ => return Err(refuse_role(caller, "专项普查")),
    };
    let rows = dep.db().read(|tx| db::tasks(tx, &caller.tenant_code()))?;
    let mut out = Vec::new();
    for r in rows {
        let t = task_of(&r)?;
        if !own_only || t.assignments.contains_key(&caller.user) {
            out.push(t);
        }
    }
    Ok(out)
}

fn load(conn: &Connection<'_>, tenant: &str, id: SurveyId) -> Result<SurveyTaskWire> {
    match db::task(conn, tenant, &id.to_string())? {
        Some(text) => task_of(&text),
        None => Err(ServerError::not_found("专项普查任务")),
    }
}

/// `POST /v1/surveys/{id}/marks` (监督员): stores the marks the gate accepts.
pub fn push_marks(
    dep: &Deployment,
    caller: &Caller,
    id: SurveyId,
    push: &SurveyMarksPush,
) -> Result<SurveyMarksAck> {
    if caller.role != Role::Inspector {
        return Err(refuse_role(caller, "仅监督员提交普查结果"));
    }
    if push.marks.len() > MAX_MARKS {
        return Err(ServerError::api(
            ErrorCode::TooLarge,
            format!("一次最多 {MAX_MARKS} 条"),
        ));
    }
    let tenant = caller.tenant_code();
    let now = dep.now().ms();
    let survey = id.to_string();
    let inspector = caller.user.to_string();
    dep.db().write(|tx| {
        let w = load(tx, &tenant, id)?;
        if !w.assignments.contains_key(&caller.user) {
            return Err(ServerError::api(
                ErrorCode::SurveyNotAssigned,
                "本次普查未分配给您",
            ));
        }
        let task = core_task(&w);
        let mut ack = SurveyMarksAck::default();
        for (i, m) in push.marks.iter().enumerate() {
            match mark_one(tx, &tenant, &task, caller.user, m, now)? {
                Ok(Some(row)) => {
                    let case = match m.finding {
                        Finding::Reported(c) => Some(c.to_string()),
                        Finding::NothingFound => None,
                    };
                    let row = db::MarkRow {
                        survey: survey.clone(),
                        inspector: inspector.clone(),
                        ..row
                    };
                    db::insert_mark(tx, &tenant, &row, case.as_deref(), m.at, now)?;
                    ack.accepted += 1;
                }
                Ok(None) => ack.accepted += 1,
                Err(code) => ack.refused.push((i as u32, code.as_str().to_owned())),
            }
        }
        Ok(ack)
    })
}

/// One mark: `Ok(Some(row))` to store, `Ok(None)` when stored before, `Err(code)` refused;
/// the outer error is the database's.
fn mark_one(
    tx: &Connection<'_>,
    tenant: &str,
    task: &SurveyTask,
    inspector: UserId,
    m: &SurveyMarkWire,
    now: i64,
) -> Result<std::result::Result<Option<db::MarkRow>, ErrorCode>> {
    if uuid::Uuid::try_parse(&m.id).is_err() {
        return Ok(Err(ErrorCode::InvalidId));
    }
    let id = m.id.to_ascii_lowercase();
    let m = SurveyMarkWire {
        id: id.clone(),
        ..m.clone()
    };
    if let Some(old) = db::mark(tx, tenant, &id)? {
        let same = old.survey == task.id.to_string()
            && old.inspector == inspector.to_string()
            && serde_json::from_str::<SurveyMarkWire>(&old.mark).is_ok_and(|o| o == m);
        return Ok(if same {
            Ok(None)
        } else {
            Err(ErrorCode::TrackConflict)
        });
    }
    if m.at > now + CLOCK_SLACK_MS {
        return Ok(Err(ErrorCode::HlcInFuture));
    }
    let mark = SurveyMark {
        inspector,
        cell: m.cell,
        target: m.target,
        finding: m.finding,
        at: Timestamp(m.at),
    };
    if let Err(e) = task.check(&mark) {
        return Ok(Err(match e {
            SurveyError::NotAssigned => ErrorCode::SurveyNotAssigned,
            SurveyError::UnknownComponent => ErrorCode::SurveyUnknownComponent,
            SurveyError::TooEarly => ErrorCode::SurveyNotStarted,
        }));
    }
    if let Finding::Reported(case) = m.finding
        && let Some(owner) = db::case_tenant(tx, &case.to_string())?
        && owner != tenant
    {
        return Ok(Err(ErrorCode::SurveyInvalid));
    }
    Ok(Ok(Some(db::MarkRow {
        id,
        survey: String::new(),
        inspector: String::new(),
        mark: to_json(&m)?,
    })))
}

/// The wire name of a status.
pub fn status_text(s: Status) -> &'static str {
    match s {
        Status::Pending => "pending",
        Status::Clear => "clear",
        Status::Found(_) => "found",
    }
}

/// `GET /v1/surveys/{id}/progress` (值班长, 领导, 管理员; an inspector sees its own cells).
pub fn progress(dep: &Deployment, caller: &Caller, id: SurveyId) -> Result<SurveyProgressWire> {
    let own_only = match caller.role {
        r if may_read_all(r) => false,
        Role::Inspector => true,
        _ => return Err(refuse_role(caller, "专项普查进度")),
    };
    let tenant = caller.tenant_code();
    let (w, marks, names) = dep.db().read(|tx| {
        let w = load(tx, &tenant, id)?;
        let mut marks = Vec::new();
        for r in db::marks(tx, &tenant, &id.to_string())? {
            let m: SurveyMarkWire = serde_json::from_str(&r.mark)
                .map_err(|e| ServerError::Internal(format!("stored mark {}: {e}", r.id)))?;
            let inspector =
                UserId::parse(&r.inspector).map_err(|e| ServerError::Internal(e.to_string()))?;
            marks.push(SurveyMark {
                inspector,
                cell: m.cell,
                target: m.target,
                finding: m.finding,
                at: Timestamp(m.at),
            });
        }
        let mut names = BTreeMap::new();
        for u in w.assignments.keys() {
            if let Some(row) = users::get(tx, *u)? {
                names.insert(*u, row.display_name);
            }
        }
        Ok((w, marks, names))
    })?;
    if own_only && !w.assignments.contains_key(&caller.user) {
        return Err(ServerError::not_found("专项普查任务"));
    }
    let task = core_task(&w);
    let p = task.progress(&marks);
    let owner: BTreeMap<GridCode, UserId> = w
        .assignments
        .iter()
        .flat_map(|(u, cells)| cells.iter().map(move |c| (*c, *u)))
        .collect();
    let cells = p
        .cells
        .iter()
        .filter_map(|(c, cp)| {
            let inspector = *owner.get(c)?;
            (!own_only || inspector == caller.user).then(|| SurveyCellWire {
                cell: *c,
                inspector,
                status: status_text(cp.status).to_owned(),
                found: match cp.status {
                    Status::Found(n) => n,
                    _ => 0,
                },
                done: cp.done,
            })
        })
        .collect();
    let inspectors = p
        .inspectors
        .iter()
        .filter(|(u, _)| !own_only || **u == caller.user)
        .map(|(u, ip)| SurveyInspectorWire {
            inspector: *u,
            name: names.get(u).cloned().unwrap_or_default(),
            cells: ip.cells,
            done: ip.done,
            reported: ip.reported,
            clear: ip.clear_marks,
        })
        .collect();
    Ok(SurveyProgressWire {
        task: w,
        rate: p.rate,
        cases: p.reported,
        cells,
        inspectors,
    })
}
