//! The supervisor's patrol and survey commands (issue 16, docs/patrol.md, docs/ui.md "巡查"):
//! the 巡查考勤 report, one inspector-day's track for playback, the duty roster (排班) and
//! 专项普查 tasks with their progress and XLSX export — all online only, through the signed-in
//! user's server with their token ([`super::server_get`] and friends), returning the wire types
//! of `gridcase_core::protocol::patrol` as the server sent them.
//!
//! Invariants:
//! - every input from the UI is checked here before a byte goes out (dates, ids, roster shifts,
//!   the survey form), with a zh-CN message naming what is wrong; the server checks it all again;
//! - every answer is parsed into the core type, so a malformed answer is `bad_response`, never a
//!   half-read value passed to the screens;
//! - the role gate here only spares a pointless request: 值班长, 领导 and 管理员 read, 值班长 and
//!   管理员 change the roster and create surveys; the server decides in the end;
//! - the staff list and the cell components come from the device's reference data (offline).

use super::read_json;
use crate::error::{AppError, AppResult};
use crate::state::{Active, AppState};
use gridcase_core::codes::{CategoryCode, CategoryKind, GridCode};
use gridcase_core::model::{Role, SurveyId, UserId};
use gridcase_core::protocol::{PatrolReport, Roster, SurveyProgressWire, SurveyTaskWire, TrackDay};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use tauri::State;

/// The longest report period the server takes (days, `to` inclusive).
pub const MAX_REPORT_DAYS: i64 = 92;
/// The longest roster period read or written at once (days).
pub const MAX_ROSTER_DAYS: i64 = 62;
/// The most shifts in one roster save.
pub const MAX_SHIFTS: usize = 5_000;
/// The longest survey title (characters).
pub const MAX_TITLE_CHARS: usize = 100;
/// The most components listed for one cell by [`survey_cell_components`].
pub const MAX_COMPONENTS_PER_CELL: usize = 500;

const DAY_MS: i64 = 86_400_000;

/// An inspector the roster and the survey form can assign cells to.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct PatrolInspector {
    /// User id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The cells the reference data gives them (their usual beat).
    pub cells: Vec<String>,
}

/// One component of a cell, for the survey form's per-cell list.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct CellComponent {
    /// The component id (部件标识码).
    pub id: String,
    /// Its type's code.
    pub type_code: String,
    /// Its type's name (or the code when the catalogue lacks it).
    pub type_name: String,
}

fn may_read(role: Role) -> bool {
    matches!(role, Role::ShiftLeader | Role::Leader | Role::Admin)
}

fn may_edit(role: Role) -> bool {
    matches!(role, Role::ShiftLeader | Role::Admin)
}

fn gate(active: &Active, edit: bool) -> AppResult<()> {
    let role = active.saved.session.role;
    let ok = if edit { may_edit(role) } else { may_read(role) };
    if ok {
        Ok(())
    } else if edit {
        Err(AppError::new(
            "role_not_allowed",
            "只有值班长和管理员可以修改排班或创建专项普查",
        ))
    } else {
        Err(AppError::new(
            "role_not_allowed",
            "巡查考勤和专项普查仅对值班长、领导和管理员开放",
        ))
    }
}

fn parse_day(text: &str) -> AppResult<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|_| text.len() == 10)
        .ok_or_else(|| AppError::invalid(format!("日期“{text}”格式应为 YYYY-MM-DD")))
}

/// Checks an inclusive period of days no longer than `max_days`.
pub fn check_period(from: &str, to: &str, max_days: i64) -> AppResult<()> {
    let (f, t) = (parse_day(from)?, parse_day(to)?);
    if f > t {
        return Err(AppError::invalid("开始日期不能晚于结束日期"));
    }
    if (t - f).num_days() + 1 > max_days {
        return Err(AppError::invalid(format!("查询期间不能超过 {max_days} 天")));
    }
    Ok(())
}

fn parse_user(text: &str) -> AppResult<UserId> {
    UserId::parse(text).map_err(|_| AppError::invalid("监督员编号无效"))
}

fn parse_cell(text: &str) -> AppResult<GridCode> {
    GridCode::parse(text).map_err(|_| AppError::invalid(format!("网格编码“{text}”无效")))
}

/// Checks a roster before it is saved: each shift's day well formed, its end after its start and
/// at most 24 h later, within a day of its day, at least one cell, and one shift per inspector
/// and day.
pub fn check_roster(roster: &Roster) -> AppResult<()> {
    if roster.shifts.len() > MAX_SHIFTS {
        return Err(AppError::invalid(format!(
            "一次最多保存 {MAX_SHIFTS} 个班次"
        )));
    }
    let mut seen = BTreeSet::new();
    for s in &roster.shifts {
        let day = parse_day(&s.day)?;
        if s.end <= s.start {
            return Err(AppError::invalid(format!(
                "{} 的班次结束时间须晚于开始时间",
                s.day
            )));
        }
        if s.end - s.start > DAY_MS {
            return Err(AppError::invalid(format!(
                "{} 的班次不能超过 24 小时",
                s.day
            )));
        }
        // The day's midnight in the tenant's zone is within ±14 h of UTC midnight; a shift must
        // start on its day (give or take that), not weeks away from it.
        let midnight = day
            .and_hms_opt(0, 0, 0)
            .map(|d| d.and_utc().timestamp_millis())
            .ok_or_else(|| AppError::invalid("日期无效"))?;
        if s.start < midnight - 14 * 3_600_000 || s.start > midnight + DAY_MS + 14 * 3_600_000 {
            return Err(AppError::invalid(format!(
                "{} 的班次开始时间不在当天",
                s.day
            )));
        }
        if s.cells.is_empty() {
            return Err(AppError::invalid(format!("{} 的班次没有选择网格", s.day)));
        }
        if !seen.insert((s.inspector, s.day.clone())) {
            return Err(AppError::invalid(format!(
                "同一监督员在 {} 只能有一个班次",
                s.day
            )));
        }
    }
    Ok(())
}

/// Checks a new survey task: a title, at least one category, every assigned inspector with at
/// least one cell and no cell given to two inspectors, components only for assigned cells, and
/// the due time after the start.
pub fn check_survey(task: &SurveyTaskWire) -> AppResult<()> {
    let title = task.title.trim();
    if title.is_empty() {
        return Err(AppError::invalid_field("title", "请填写普查名称"));
    }
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err(AppError::invalid_field(
            "title",
            format!("普查名称不能超过 {MAX_TITLE_CHARS} 字"),
        ));
    }
    if task.categories.is_empty() {
        return Err(AppError::invalid_field(
            "categories",
            "请至少选择一个普查类别",
        ));
    }
    if task.assignments.is_empty() {
        return Err(AppError::invalid_field(
            "assignments",
            "请至少为一名监督员分配网格",
        ));
    }
    let mut owner: BTreeMap<GridCode, UserId> = BTreeMap::new();
    for (inspector, cells) in &task.assignments {
        if cells.is_empty() {
            return Err(AppError::invalid_field(
                "assignments",
                "每名监督员至少分配一个网格",
            ));
        }
        for c in cells {
            if owner
                .insert(*c, *inspector)
                .is_some_and(|o| o != *inspector)
            {
                return Err(AppError::invalid_field(
                    "assignments",
                    format!("网格 {c} 分配给了两名监督员"),
                ));
            }
        }
    }
    for cell in task.components.keys() {
        if !owner.contains_key(cell) {
            return Err(AppError::invalid_field(
                "components",
                format!("网格 {cell} 列出了部件但未分配给任何监督员"),
            ));
        }
    }
    if task.due_at <= task.starts_at {
        return Err(AppError::invalid_field("due", "截止时间须晚于开始时间"));
    }
    Ok(())
}

/// The export's file name: the title's letters, digits and CJK characters (nothing a path could
/// use), then the start of the id.
pub fn export_name(title: &str, id: &SurveyId) -> String {
    let clean: String = title
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '-' || *c == '_')
        .take(40)
        .collect();
    let short: String = id
        .to_string()
        .chars()
        .filter(|c| *c != '-')
        .take(8)
        .collect();
    if clean.is_empty() {
        format!("专项普查_{short}.xlsx")
    } else {
        format!("专项普查_{clean}_{short}.xlsx")
    }
}

const OFFLINE_PATROL: &str = "巡查考勤需要联网，当前无法连接服务器";
const OFFLINE_ROSTER: &str = "排班需要联网，当前无法连接服务器";
const OFFLINE_SURVEY: &str = "专项普查需要联网，当前无法连接服务器";

/// The inspectors of the tenant (from the reference data, by name), for the roster and the
/// survey form.
#[tauri::command]
pub async fn patrol_inspectors(state: State<'_, AppState>) -> AppResult<Vec<PatrolInspector>> {
    let active = state.active()?;
    let reference = active
        .reference()
        .ok_or_else(|| AppError::new("reference_missing", "基础数据尚未下载，请联网后重新登录"))?;
    let mut out: Vec<PatrolInspector> = reference
        .bundle
        .users
        .iter()
        .filter(|u| u.role == Role::Inspector)
        .map(|u| PatrolInspector {
            id: u.id.to_string(),
            name: u.display_name.clone(),
            cells: u.cells.clone(),
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
    Ok(out)
}

/// The 巡查考勤 report of an inclusive period (`GET /v1/patrol/report`).
#[tauri::command]
pub async fn patrol_report(
    state: State<'_, AppState>,
    from: String,
    to: String,
) -> AppResult<PatrolReport> {
    let active = state.active()?;
    gate(&active, false)?;
    check_period(&from, &to, MAX_REPORT_DAYS)?;
    let response = super::server_get(
        &active,
        &format!("/v1/patrol/report?from={from}&to={to}"),
        OFFLINE_PATROL,
    )
    .await?;
    read_json(response, "巡查考勤数据").await
}

/// One inspector-day's points and sign events for playback (`GET /v1/patrol/track`).
#[tauri::command]
pub async fn patrol_track(
    state: State<'_, AppState>,
    inspector: String,
    day: String,
) -> AppResult<TrackDay> {
    let active = state.active()?;
    gate(&active, false)?;
    let inspector = parse_user(&inspector)?;
    parse_day(&day)?;
    let response = super::server_get(
        &active,
        &format!("/v1/patrol/track?inspector={inspector}&day={day}"),
        OFFLINE_PATROL,
    )
    .await?;
    read_json(response, "巡查轨迹").await
}

/// The roster of an inclusive period (`GET /v1/patrol/roster`).
#[tauri::command]
pub async fn patrol_roster(
    state: State<'_, AppState>,
    from: String,
    to: String,
) -> AppResult<Roster> {
    let active = state.active()?;
    gate(&active, false)?;
    check_period(&from, &to, MAX_ROSTER_DAYS)?;
    let response = super::server_get(
        &active,
        &format!("/v1/patrol/roster?from={from}&to={to}"),
        OFFLINE_ROSTER,
    )
    .await?;
    read_json(response, "排班数据").await
}

/// Saves the shifts of the days they name, replacing what those days held
/// (`PUT /v1/patrol/roster`).
#[tauri::command]
pub async fn patrol_roster_save(state: State<'_, AppState>, roster: Roster) -> AppResult<()> {
    let active = state.active()?;
    gate(&active, true)?;
    check_roster(&roster)?;
    let body = serde_json::to_value(&roster).map_err(AppError::internal)?;
    super::server_put(&active, "/v1/patrol/roster", &body, OFFLINE_ROSTER).await?;
    Ok(())
}

/// The listing of `GET /v1/surveys`: `{"surveys": [...]}` (docs/patrol.md "Protocol"); a bare
/// array is read too.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum SurveyListing {
    Wrapped { surveys: Vec<SurveyTaskWire> },
    Bare(Vec<SurveyTaskWire>),
}

/// The 专项普查 tasks the user may see (`GET /v1/surveys`).
#[tauri::command]
pub async fn survey_list(state: State<'_, AppState>) -> AppResult<Vec<SurveyTaskWire>> {
    let active = state.active()?;
    gate(&active, false)?;
    let response = super::server_get(&active, "/v1/surveys", OFFLINE_SURVEY).await?;
    Ok(match read_json(response, "专项普查列表").await? {
        SurveyListing::Wrapped { surveys } | SurveyListing::Bare(surveys) => surveys,
    })
}

/// Creates a 专项普查 task (`POST /v1/surveys`). The id comes from the form, which keeps it
/// until the task is created, so sending the same form again cannot make a second task.
#[tauri::command]
pub async fn survey_create(
    state: State<'_, AppState>,
    task: SurveyTaskWire,
) -> AppResult<SurveyTaskWire> {
    let active = state.active()?;
    gate(&active, true)?;
    let task = SurveyTaskWire {
        title: task.title.trim().to_owned(),
        ..task
    };
    check_survey(&task)?;
    let body = serde_json::to_value(&task).map_err(AppError::internal)?;
    super::server_post(&active, "/v1/surveys", &body, OFFLINE_SURVEY).await?;
    Ok(task)
}

/// A task's progress per cell and inspector (`GET /v1/surveys/{id}/progress`).
#[tauri::command]
pub async fn survey_progress(
    state: State<'_, AppState>,
    id: String,
) -> AppResult<SurveyProgressWire> {
    let active = state.active()?;
    gate(&active, false)?;
    let id = SurveyId::parse(&id).map_err(|_| AppError::invalid("普查任务编号无效"))?;
    let response = super::server_get(
        &active,
        &format!("/v1/surveys/{id}/progress"),
        OFFLINE_SURVEY,
    )
    .await?;
    read_json(response, "普查进度").await
}

/// Downloads a task's result as XLSX (`GET /v1/surveys/{id}/export.xlsx`) into the user's
/// `exports/` directory and returns the file's path.
#[tauri::command]
pub async fn survey_export(
    state: State<'_, AppState>,
    id: String,
    title: String,
) -> AppResult<String> {
    let active = state.active()?;
    gate(&active, false)?;
    let id = SurveyId::parse(&id).map_err(|_| AppError::invalid("普查任务编号无效"))?;
    let response = super::server_get(
        &active,
        &format!("/v1/surveys/{id}/export.xlsx"),
        OFFLINE_SURVEY,
    )
    .await?;
    let bytes = response
        .bytes()
        .await
        .map_err(|_| AppError::new("network", "下载中断"))?;
    // An XLSX is a ZIP: anything else (an HTML error page from a proxy) is not saved as one.
    if !bytes.starts_with(b"PK\x03\x04") {
        return Err(AppError::new("bad_response", "服务器返回的不是 XLSX 文件"));
    }
    let dir = active.dir.join("exports");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(export_name(&title, &id));
    crate::photos::write_atomic(&path, &bytes)?;
    Ok(path.display().to_string())
}

/// The components of the given cells whose type is one of `types` (component category codes),
/// from the device's inventory, by cell then id; at most [`MAX_COMPONENTS_PER_CELL`] per cell.
#[tauri::command]
pub async fn survey_cell_components(
    state: State<'_, AppState>,
    cells: Vec<String>,
    types: Vec<String>,
) -> AppResult<BTreeMap<String, Vec<CellComponent>>> {
    let active = state.active()?;
    let wanted_cells: BTreeSet<GridCode> = cells
        .iter()
        .map(|c| parse_cell(c))
        .collect::<AppResult<_>>()?;
    let wanted_types: BTreeSet<CategoryCode> = types
        .iter()
        .map(|t| {
            CategoryCode::parse(t).map_err(|_| AppError::invalid(format!("类别代码“{t}”无效")))
        })
        .collect::<AppResult<_>>()?;
    super::blocking(move || {
        let mut out: BTreeMap<String, Vec<CellComponent>> = BTreeMap::new();
        let Some(r) = active.reference() else {
            return Ok(out);
        };
        for c in r.components.components() {
            if !wanted_types.contains(&c.type_code) {
                continue;
            }
            let cell = c.cell.or_else(|| r.cell_at(c.lon, c.lat));
            let Some(cell) = cell.filter(|x| wanted_cells.contains(x)) else {
                continue;
            };
            let list = out.entry(cell.to_string()).or_default();
            if list.len() >= MAX_COMPONENTS_PER_CELL {
                continue;
            }
            let type_ref = gridcase_core::codes::CategoryRef {
                kind: CategoryKind::Component,
                code: c.type_code.clone(),
            };
            list.push(CellComponent {
                id: c.id.to_string(),
                type_code: c.type_code.to_string(),
                type_name: r
                    .category_name(&type_ref)
                    .map_or_else(|| c.type_code.to_string(), str::to_owned),
            });
        }
        for list in out.values_mut() {
            list.sort_by(|a, b| a.id.cmp(&b.id));
        }
        Ok(out)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use gridcase_core::codes::{CategoryRef, ComponentId};
    use gridcase_core::protocol::RosterShift;

    const H: i64 = 3_600_000;

    fn user(n: u8) -> UserId {
        UserId::from_parts(1_780_000_000_000, [n; 10])
    }

    fn cell(seq: u16) -> GridCode {
        GridCode::parse(&format!("620102001001{seq:03}")).unwrap()
    }

    /// 2026-12-07 00:00 Asia/Shanghai.
    const DEC7: i64 = 1_796_601_600_000 - 8 * H;

    fn shift(n: u8, day: &str, start: i64, end: i64, cells: &[u16]) -> RosterShift {
        RosterShift {
            inspector: user(n),
            day: day.into(),
            start,
            end,
            cells: cells.iter().map(|c| cell(*c)).collect(),
        }
    }

    #[test]
    fn periods_are_checked() {
        assert!(check_period("2026-12-01", "2026-12-31", MAX_REPORT_DAYS).is_ok());
        assert!(check_period("2026-12-07", "2026-12-07", MAX_REPORT_DAYS).is_ok());
        let e = check_period("2026-12-08", "2026-12-07", 92).unwrap_err();
        assert_eq!(e.message, "开始日期不能晚于结束日期");
        assert!(check_period("2026-1-07", "2026-12-07", 92).is_err());
        assert!(check_period("2026-02-30", "2026-03-01", 92).is_err());
        // 92 days inclusive pass, 93 do not.
        assert!(check_period("2026-01-01", "2026-04-02", 92).is_ok());
        let e = check_period("2026-01-01", "2026-04-03", 92).unwrap_err();
        assert_eq!(e.code, "invalid_input");
        assert!(e.message.contains("92"));
    }

    #[test]
    fn a_roster_is_checked_before_it_is_sent() {
        let ok = Roster {
            shifts: vec![
                shift(1, "2026-12-07", DEC7 + 8 * H, DEC7 + 17 * H, &[1, 2]),
                shift(2, "2026-12-07", DEC7 + 8 * H, DEC7 + 17 * H, &[3]),
                shift(1, "2026-12-08", DEC7 + 32 * H, DEC7 + 41 * H, &[1]),
            ],
        };
        assert!(check_roster(&ok).is_ok());
        let backwards = Roster {
            shifts: vec![shift(1, "2026-12-07", DEC7 + 17 * H, DEC7 + 8 * H, &[1])],
        };
        assert!(
            check_roster(&backwards)
                .unwrap_err()
                .message
                .contains("晚于")
        );
        let long = Roster {
            shifts: vec![shift(1, "2026-12-07", DEC7, DEC7 + 25 * H, &[1])],
        };
        assert!(check_roster(&long).unwrap_err().message.contains("24"));
        let empty = Roster {
            shifts: vec![shift(1, "2026-12-07", DEC7 + 8 * H, DEC7 + 9 * H, &[])],
        };
        assert!(check_roster(&empty).unwrap_err().message.contains("网格"));
        let twice = Roster {
            shifts: vec![
                shift(1, "2026-12-07", DEC7 + 8 * H, DEC7 + 9 * H, &[1]),
                shift(1, "2026-12-07", DEC7 + 10 * H, DEC7 + 11 * H, &[1]),
            ],
        };
        assert!(
            check_roster(&twice)
                .unwrap_err()
                .message
                .contains("一个班次")
        );
        let elsewhere = Roster {
            shifts: vec![shift(
                1,
                "2026-12-07",
                DEC7 + 30 * 24 * H,
                DEC7 + 30 * 24 * H + H,
                &[1],
            )],
        };
        assert!(
            check_roster(&elsewhere)
                .unwrap_err()
                .message
                .contains("不在当天")
        );
        let bad_day = Roster {
            shifts: vec![shift(1, "07.12.2026", DEC7 + 8 * H, DEC7 + 9 * H, &[1])],
        };
        assert!(check_roster(&bad_day).is_err());
    }

    fn task() -> SurveyTaskWire {
        SurveyTaskWire {
            id: SurveyId::from_parts(1_780_000_000_000, [3; 10]),
            title: "城关区井盖专项普查".into(),
            categories: vec![CategoryRef {
                kind: CategoryKind::Component,
                code: CategoryCode::parse("01101").unwrap(),
            }],
            assignments: [
                (user(1), [cell(1), cell(2)].into()),
                (user(2), [cell(3)].into()),
            ]
            .into(),
            components: [(
                cell(1),
                [ComponentId::parse("62010201101000001").unwrap()].into(),
            )]
            .into(),
            starts_at: DEC7,
            due_at: DEC7 + 7 * 24 * H,
        }
    }

    #[test]
    fn a_survey_is_checked_before_it_is_sent() {
        assert!(check_survey(&task()).is_ok());
        let e = check_survey(&SurveyTaskWire {
            title: "  ".into(),
            ..task()
        })
        .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("title"));
        let e = check_survey(&SurveyTaskWire {
            title: "井".repeat(101),
            ..task()
        })
        .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("title"));
        let e = check_survey(&SurveyTaskWire {
            categories: vec![],
            ..task()
        })
        .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("categories"));
        let e = check_survey(&SurveyTaskWire {
            assignments: BTreeMap::new(),
            ..task()
        })
        .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("assignments"));
        let mut shared = task();
        shared.assignments.insert(user(3), [cell(3)].into());
        let e = check_survey(&shared).unwrap_err();
        assert!(e.message.contains("两名监督员"), "{}", e.message);
        let mut idle = task();
        idle.assignments.insert(user(3), BTreeSet::new());
        assert_eq!(
            check_survey(&idle).unwrap_err().field.as_deref(),
            Some("assignments")
        );
        let mut stray = task();
        stray.components.insert(cell(9), BTreeSet::new());
        assert_eq!(
            check_survey(&stray).unwrap_err().field.as_deref(),
            Some("components")
        );
        let e = check_survey(&SurveyTaskWire {
            due_at: DEC7,
            ..task()
        })
        .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("due"));
    }

    #[test]
    fn the_export_name_cannot_leave_the_directory() {
        let id = SurveyId::from_parts(1_780_000_000_000, [3; 10]);
        let name = export_name("../../etc/城关区 井盖/普查", &id);
        assert!(!name.contains('/') && !name.contains(".."), "{name}");
        assert!(name.starts_with("专项普查_etc城关区井盖普查_"), "{name}");
        assert!(name.ends_with(".xlsx"));
        assert!(export_name("///", &id).starts_with("专项普查_"));
    }

    #[test]
    fn roles_are_gated() {
        for r in [Role::ShiftLeader, Role::Leader, Role::Admin] {
            assert!(may_read(r));
        }
        assert!(may_edit(Role::ShiftLeader) && may_edit(Role::Admin));
        assert!(!may_edit(Role::Leader));
        for r in [
            Role::Inspector,
            Role::Dispatcher,
            Role::IntakeOperator,
            Role::Department,
        ] {
            assert!(!may_read(r) && !may_edit(r));
        }
    }

    #[test]
    fn the_survey_listing_reads_wrapped_or_bare() {
        let wire = serde_json::to_value(task()).unwrap();
        for text in [
            serde_json::json!({ "surveys": [wire.clone()] }),
            serde_json::json!([wire]),
        ] {
            let l: SurveyListing = serde_json::from_value(text).unwrap();
            let (SurveyListing::Wrapped { surveys } | SurveyListing::Bare(surveys)) = l;
            assert_eq!(surveys, vec![task()]);
        }
        assert!(serde_json::from_str::<SurveyListing>(r#"{"tasks":[]}"#).is_err());
    }

    #[test]
    fn wire_json_from_the_server_reads_into_the_core_types() {
        // The shapes the screens receive (snake_case, as core serialises them).
        let text = r#"{"from":"2026-12-01","to":"2026-12-07","inspectors":[{"inspector":"0190a1b2-0000-7000-8000-000000000001","name":"李明","coverage_rate":0.75,"metres":5200.5,"scheduled_s":28800,"on_duty_s":27000,"duty_rate":0.9375,"days":[{"day":"2026-12-07","cells":[{"cell":"620102001001001","assigned":true,"visited":true,"metres":1200.0,"seconds":3600}],"metres":1200.0,"outside":[[1796600000,1796600300]],"scheduled_s":28800,"on_duty_s":27000,"late_s":600,"early_leave_s":0,"missing_sign_out":false,"signed_outside":true}],"missed":[{"case_id":"0190a1b2-0000-7000-8000-000000000002","case_number":null,"distance_m":12.0,"segment":[1796600000,1796600060]}]}]}"#;
        let r: PatrolReport = serde_json::from_str(text).unwrap();
        assert_eq!(r.inspectors[0].days[0].late_s, 600);
        let survey = serde_json::to_string(&task()).unwrap();
        assert!(
            survey.contains(r#""categories":[{"kind":"component","code":"01101"}]"#),
            "{survey}"
        );
    }
}
