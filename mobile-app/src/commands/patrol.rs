//! 签到/签退 and 专项普查 for inspectors (issue 16, docs/app.md "Patrol"): the duty panel's
//! status, sign-in and sign-out with the source's position, the survey tasks assigned to the user
//! with this device's progress, and "checked, nothing found" marks. Everything works offline:
//! it lands in the device store and the sync loop sends it after the case round.

use super::blocking;
use crate::dto::{PatrolStatusDto, SurveyCellDto, SurveyComponentDto, SurveyDto, SurveyMarkInput};
use crate::error::{AppError, AppResult};
use crate::patrol::{self, now_s, require_inspector, with_recorder};
use crate::state::{Active, AppState};
use gridcase_core::codes::{ComponentId, GridCode};
use gridcase_core::model::{CaseId, SurveyId, Timestamp};
use gridcase_core::patrol::day_figures;
use gridcase_core::protocol::{SignKindWire, SurveyMarkWire, SurveyTaskWire};
use gridcase_core::survey::{Finding, Status, SurveyMark, SurveyTask, Target};
use std::sync::Arc;
use tauri::State;

/// The panel's figures now.
pub fn status_of(
    active: &Active,
    configured: Option<&crate::dto::Position>,
) -> AppResult<PatrolStatusDto> {
    let enabled = active.saved.session.role == gridcase_core::model::Role::Inspector;
    let source = active.patrol.source_kind(configured).as_str().to_owned();
    with_recorder(active, |rec, s| {
        let day = rec.day_of(now_s());
        let fig = day_figures(s, &day)?;
        let counts = s.patrol_counts()?;
        let since = s
            .patrol_last_sign()?
            .filter(|x| x.kind == SignKindWire::In)
            .map(|x| x.at);
        Ok(PatrolStatusDto {
            enabled,
            on_duty: rec.on_duty(),
            since,
            day,
            points: fig.points,
            metres: fig.metres,
            source,
            pending_blocks: counts.pending_blocks,
            pending_signs: counts.pending_signs,
            pending_marks: counts.pending_marks,
            unsealed_points: counts.unsealed_points,
            refused_blocks: counts.refused_blocks,
            refused_signs: counts.refused_signs,
            refused_marks: counts.refused_marks,
        })
    })
}

/// The duty panel.
#[tauri::command]
pub async fn patrol_status(state: State<'_, AppState>) -> AppResult<PatrolStatusDto> {
    let active = state.active()?;
    let configured = state.configured_position.clone();
    blocking(move || status_of(&active, configured.as_ref())).await
}

fn new_id() -> String {
    gridcase_core::patrol::recorder::new_item_id()
}

/// 签到: records the event with the source's position and starts recording.
#[tauri::command]
pub async fn patrol_sign_in<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
) -> AppResult<PatrolStatusDto> {
    let active = state.active()?;
    require_inspector(&active)?;
    let configured = state.configured_position.clone();
    let (a, app2, conf) = (active.clone(), app.clone(), configured.clone());
    let status = blocking(move || {
        let at = patrol::true_now_ms(&a);
        let fix = patrol::position_now(&app2, &a, conf.as_ref(), at.div_euclid(1000))?;
        with_recorder(&a, |rec, s| {
            rec.sign_in(s, new_id(), at, fix)
                .map_err(|e| AppError::new(e.code(), e.to_string()))
        })?;
        status_of(&a, conf.as_ref())
    })
    .await?;
    patrol::start_source(&app, &active, configured);
    active.kick.notify_one();
    Ok(status)
}

/// 签退: closes the track, records the event with the source's position, seals the day's
/// points for the next sync.
#[tauri::command]
pub async fn patrol_sign_out<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
) -> AppResult<PatrolStatusDto> {
    let active = state.active()?;
    require_inspector(&active)?;
    let configured = state.configured_position.clone();
    let a = active.clone();
    let status = blocking(move || {
        let since = a
            .with_store(|s| s.patrol_last_sign())?
            .map_or(now_s(), |x| x.at.div_euclid(1000));
        let fix = patrol::position_now(&app, &a, configured.as_ref(), since)?;
        let at = patrol::true_now_ms(&a);
        with_recorder(&a, |rec, s| {
            rec.sign_out(s, new_id(), at, fix.lon, fix.lat)
                .map_err(|e| AppError::new(e.code(), e.to_string()))
        })?;
        patrol::end_shift(&a);
        status_of(&a, configured.as_ref())
    })
    .await?;
    active.kick.notify_one();
    Ok(status)
}

fn task_of(w: &SurveyTaskWire) -> SurveyTask {
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

fn status_str(s: Status) -> (&'static str, u32) {
    match s {
        Status::Pending => ("pending", 0),
        Status::Clear => ("clear", 0),
        Status::Found(n) => ("found", n),
    }
}

/// The user's survey tasks with this device's progress.
pub fn surveys_of(active: &Active) -> AppResult<Vec<SurveyDto>> {
    let me = active.saved.session.user_id;
    let reference = active.reference();
    let (tasks, marks) = active.with_store(|s| -> AppResult<_> {
        let tasks = s.survey_tasks()?;
        let mut marks = Vec::new();
        for t in &tasks {
            marks.push(s.survey_marks(t.id)?);
        }
        Ok((tasks, marks))
    })?;
    let mut out = Vec::new();
    for (w, rows) in tasks.iter().zip(marks) {
        let Some(mine) = w.assignments.get(&me) else {
            continue;
        };
        let task = task_of(w);
        // Refused marks are not counted: the server did not take them.
        let accepted: Vec<SurveyMark> = rows
            .iter()
            .filter(|r| r.state != gridcase_core::store::OutboxState::Refused)
            .map(|r| SurveyMark {
                inspector: me,
                cell: r.mark.cell,
                target: r.mark.target,
                finding: r.mark.finding,
                at: Timestamp(r.mark.at),
            })
            .collect();
        let progress = task.progress(&accepted);
        let cells: Vec<SurveyCellDto> = mine
            .iter()
            .map(|cell| {
                let p = progress.cells.get(cell).cloned().unwrap_or_default();
                let (status, found) = status_str(p.status);
                let community = reference.as_ref().and_then(|r| {
                    r.grid
                        .cells()
                        .iter()
                        .find(|c| c.code == *cell)
                        .map(|c| c.community.clone())
                });
                SurveyCellDto {
                    cell: cell.to_string(),
                    community,
                    status: status.into(),
                    found,
                    done: p.done,
                    components: p
                        .components
                        .iter()
                        .map(|(id, s)| SurveyComponentDto {
                            id: id.to_string(),
                            status: status_str(*s).0.into(),
                        })
                        .collect(),
                }
            })
            .collect();
        let categories = w
            .categories
            .iter()
            .map(|c| {
                reference
                    .as_ref()
                    .and_then(|r| r.category_name(c).map(str::to_owned))
                    .unwrap_or_else(|| c.code.to_string())
            })
            .collect();
        out.push(SurveyDto {
            id: w.id.to_string(),
            title: w.title.clone(),
            categories,
            starts_at: w.starts_at,
            due_at: w.due_at,
            done: cells.iter().filter(|c| c.done).count() as u32,
            cells,
            pending_marks: rows
                .iter()
                .filter(|r| r.state == gridcase_core::store::OutboxState::Pending)
                .count() as u32,
            refused_marks: rows
                .iter()
                .filter(|r| r.state == gridcase_core::store::OutboxState::Refused)
                .count() as u32,
        });
    }
    Ok(out)
}

/// The 专项普查 tasks assigned to the user (cached; refreshed by the sync loop).
#[tauri::command]
pub async fn survey_list(state: State<'_, AppState>) -> AppResult<Vec<SurveyDto>> {
    let active = state.active()?;
    require_inspector(&active)?;
    blocking(move || surveys_of(&active)).await
}

/// Checks a mark against the cached task as the server will (assigned cell, listed
/// component, started), so the user hears at once rather than after a sync.
fn gate(
    active: &Active,
    survey_id: SurveyId,
    cell: GridCode,
    target: Target,
    finding: Finding,
    at: i64,
) -> AppResult<SurveyMarkWire> {
    let task = active
        .with_store(|s| s.survey_task(survey_id))?
        .ok_or_else(|| AppError::new("not_found", "该普查任务不存在或已撤回"))?;
    let mark = SurveyMark {
        inspector: active.saved.session.user_id,
        cell,
        target,
        finding,
        at: Timestamp(at),
    };
    task_of(&task)
        .check(&mark)
        .map_err(|e| AppError::new(e.code(), e.to_string()))?;
    Ok(SurveyMarkWire {
        id: new_id(),
        cell,
        target,
        finding,
        at,
    })
}

fn parse_target(cell: &str, component: Option<&str>) -> AppResult<(GridCode, Target)> {
    let cell = GridCode::parse(cell).map_err(|_| AppError::invalid("网格编码无效"))?;
    let target = match component {
        Some(c) => {
            Target::Component(ComponentId::parse(c).map_err(|_| AppError::invalid("部件编码无效"))?)
        }
        None => Target::Cell,
    };
    Ok((cell, target))
}

/// Queues the mark `Reported(case)` for a report made from a survey (called when the report is
/// saved).
pub fn mark_reported(
    active: &Active,
    survey: &crate::dto::DraftSurvey,
    case_id: CaseId,
) -> AppResult<()> {
    let survey_id =
        SurveyId::parse(&survey.survey_id).map_err(|_| AppError::invalid("普查任务编号无效"))?;
    let (cell, target) = parse_target(&survey.cell, survey.component_id.as_deref())?;
    let mark = gate(
        active,
        survey_id,
        cell,
        target,
        Finding::Reported(case_id),
        patrol::true_now_ms(active),
    )?;
    active.with_store(|s| s.survey_mark_add(survey_id, &mark))?;
    Ok(())
}

/// Checks a survey link before the report is saved (so a bad link never leaves a case without
/// its mark).
pub fn check_link(active: &Active, survey: &crate::dto::DraftSurvey) -> AppResult<()> {
    let survey_id =
        SurveyId::parse(&survey.survey_id).map_err(|_| AppError::invalid("普查任务编号无效"))?;
    let (cell, target) = parse_target(&survey.cell, survey.component_id.as_deref())?;
    let probe = CaseId::from_parts(0, [0; 10]);
    gate(
        active,
        survey_id,
        cell,
        target,
        Finding::Reported(probe),
        gridcase_core::sync::runtime::now().0,
    )
    .map(|_| ())
}

/// "Checked, nothing found" for a cell or one of its components.
#[tauri::command]
pub async fn survey_mark(
    state: State<'_, AppState>,
    input: SurveyMarkInput,
) -> AppResult<Vec<SurveyDto>> {
    let active: Arc<Active> = state.active()?;
    require_inspector(&active)?;
    let a = active.clone();
    let list = blocking(move || {
        let survey_id =
            SurveyId::parse(&input.survey_id).map_err(|_| AppError::invalid("普查任务编号无效"))?;
        let (cell, target) = parse_target(&input.cell, input.component_id.as_deref())?;
        let mark = gate(
            &a,
            survey_id,
            cell,
            target,
            Finding::NothingFound,
            patrol::true_now_ms(&a),
        )?;
        a.with_store(|s| s.survey_mark_add(survey_id, &mark))?;
        surveys_of(&a)
    })
    .await?;
    active.kick.notify_one();
    Ok(list)
}
