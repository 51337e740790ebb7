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
pub async fn my_surveys(state: State<'_, AppState>) -> AppResult<Vec<SurveyDto>> {
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

/// Queues "checked, nothing found" after the same gate the server applies.
pub fn mark_nothing_found(active: &Active, input: &SurveyMarkInput) -> AppResult<()> {
    let survey_id =
        SurveyId::parse(&input.survey_id).map_err(|_| AppError::invalid("普查任务编号无效"))?;
    let (cell, target) = parse_target(&input.cell, input.component_id.as_deref())?;
    let mark = gate(
        active,
        survey_id,
        cell,
        target,
        Finding::NothingFound,
        patrol::true_now_ms(active),
    )?;
    active.with_store(|s| s.survey_mark_add(survey_id, &mark))?;
    Ok(())
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
        mark_nothing_found(&a, &input)?;
        surveys_of(&a)
    })
    .await?;
    active.kick.notify_one();
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dto::DraftSurvey;
    use crate::state::SavedSession;
    use gridcase_core::model::{DeviceId, Role, UserId};
    use gridcase_core::patrol::Fix;
    use gridcase_core::store::PatrolItem;
    use gridcase_core::sync::runtime::Session;

    const CELL1: &str = "620102001001001";
    const CELL2: &str = "620102001001002";
    const CELL3: &str = "620102001001003";
    const K1: &str = "62010201101000001";
    const K2: &str = "62010201101000002";

    fn me() -> UserId {
        UserId::from_parts(1_790_000_000_000, [1; 10])
    }

    fn active(dir: &std::path::Path) -> Active {
        let saved = SavedSession {
            server_url: "http://127.0.0.1:9".into(),
            username: "insp01".into(),
            display_name: "张刚".into(),
            session: Session {
                token: "t".into(),
                device_id: DeviceId::from_parts(1, [3; 10]),
                actor_id: "00".repeat(16),
                user_id: me(),
                role: Role::Inspector,
                department: None,
                tenant: "620102".into(),
                cells: vec![CELL1.into(), CELL2.into()],
            },
        };
        Active::open(dir, saved).expect("active")
    }

    fn task() -> SurveyTaskWire {
        let g = |c: &str| GridCode::parse(c).expect("cell");
        let k = |c: &str| ComponentId::parse(c).expect("component");
        let now = gridcase_core::sync::runtime::now().0;
        SurveyTaskWire {
            id: SurveyId::from_parts(1_790_000_000_000, [9; 10]),
            title: "井盖专项普查".into(),
            categories: vec![],
            assignments: [
                (me(), [g(CELL1), g(CELL2)].into()),
                (
                    UserId::from_parts(1_790_000_000_000, [2; 10]),
                    [g(CELL3)].into(),
                ),
            ]
            .into(),
            components: [(g(CELL2), [k(K1), k(K2)].into())].into(),
            starts_at: now - 3_600_000,
            due_at: now + 86_400_000,
        }
    }

    #[test]
    fn survey_marks_are_gated_queued_and_folded_into_my_progress() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = active(dir.path());
        let t = task();
        let sid = t.id.to_string();
        a.with_store(|s| s.survey_cache_replace(std::slice::from_ref(&t), 1))
            .expect("cache");
        let list = surveys_of(&a).expect("list");
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].cells.len(), 2, "only my cells");
        assert!(
            list[0]
                .cells
                .iter()
                .all(|c| c.status == "pending" && !c.done)
        );
        assert_eq!(list[0].cells[1].components.len(), 2);

        let input = |cell: &str, k: Option<&str>| SurveyMarkInput {
            survey_id: sid.clone(),
            cell: cell.into(),
            component_id: k.map(str::to_owned),
        };
        // The gate the server applies, at once.
        let code = |r: AppResult<()>| r.expect_err("refused").code;
        assert_eq!(
            code(mark_nothing_found(&a, &input(CELL3, None))),
            "survey_not_assigned"
        );
        assert_eq!(
            code(mark_nothing_found(&a, &input(CELL1, Some(K1)))),
            "survey_unknown_component"
        );
        assert_eq!(
            code(mark_nothing_found(&a, &input("x", None))),
            "invalid_input"
        );
        let other = SurveyMarkInput {
            survey_id: SurveyId::from_parts(1, [1; 10]).to_string(),
            ..input(CELL1, None)
        };
        assert_eq!(code(mark_nothing_found(&a, &other)), "not_found");

        mark_nothing_found(&a, &input(CELL1, None)).expect("cell 1 clear");
        mark_nothing_found(&a, &input(CELL2, Some(K2))).expect("k2 clear");
        let link = DraftSurvey {
            survey_id: sid.clone(),
            cell: CELL2.into(),
            component_id: Some(K1.into()),
        };
        check_link(&a, &link).expect("link ok");
        let case = CaseId::from_parts(1_796_000_000_000, [4; 10]);
        mark_reported(&a, &link, case).expect("reported");
        let bad = DraftSurvey {
            cell: CELL3.into(),
            component_id: None,
            ..link.clone()
        };
        assert_eq!(
            check_link(&a, &bad).expect_err("bad").code,
            "survey_not_assigned"
        );

        let s = &surveys_of(&a).expect("list")[0];
        assert_eq!(
            (s.cells[0].status.as_str(), s.cells[0].done),
            ("clear", true)
        );
        assert_eq!((s.cells[1].status.as_str(), s.cells[1].found), ("found", 1));
        assert!(s.cells[1].done);
        assert_eq!((s.done, s.pending_marks, s.refused_marks), (2, 3, 0));

        // A mark the server refused no longer counts, and is shown as refused.
        let first = a
            .with_store(|st| st.survey_marks(t.id))
            .expect("marks")
            .remove(0);
        a.with_store(|st| {
            st.patrol_item_refused(PatrolItem::Mark(&first.mark.id), "survey_not_assigned")
        })
        .expect("refuse");
        let s = &surveys_of(&a).expect("list")[0];
        assert_eq!(s.cells[0].status, "pending");
        assert_eq!((s.done, s.pending_marks, s.refused_marks), (1, 2, 1));
    }

    #[test]
    fn duty_status_follows_sign_in_and_out() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = active(dir.path());
        let st = status_of(&a, None).expect("status");
        assert!(st.enabled && !st.on_duty);
        assert_eq!(st.points, 0);
        let t = now_s();
        let fix = |dt: i64, dx: f64| Fix {
            t: t + dt,
            lon: 103.83 + dx,
            lat: 36.06,
            accuracy_m: 5.0,
        };
        with_recorder(&a, |rec, s| {
            rec.sign_in(s, "in".into(), t * 1000, fix(0, 0.0))
                .map_err(|e| AppError::new(e.code(), e.to_string()))?;
            for i in 1..=10 {
                rec.offer(s, fix(10 * i, 0.0002 * i as f64))?;
            }
            Ok(())
        })
        .expect("walk");
        let st = status_of(&a, None).expect("status");
        assert!(st.on_duty);
        assert_eq!(st.since, Some(t * 1000));
        assert!(st.points >= 5, "{st:?}");
        assert!(st.metres > 100.0, "{st:?}");
        assert_eq!((st.pending_signs, st.pending_blocks), (1, 0));
        assert!(st.unsealed_points > 0);
        with_recorder(&a, |rec, s| {
            rec.sign_out(s, "out".into(), (t + 200) * 1000, 103.832, 36.06)
                .map_err(|e| AppError::new(e.code(), e.to_string()))
        })
        .expect("out");
        let st = status_of(&a, None).expect("status");
        assert!(!st.on_duty && st.since.is_none());
        assert_eq!(
            (st.pending_signs, st.pending_blocks, st.unsealed_points),
            (2, 1, 0)
        );
        // A recorder opened afresh (an app restart) agrees.
        *a.patrol.recorder_slot() = None;
        assert!(!status_of(&a, None).expect("status").on_duty);
    }
}
