//! Lists, case detail, workflow actions, the map, and the reference look-ups (place,
//! categories, departments).

use super::blocking;
use crate::actions::{self, ActContext};
use crate::contacts;
use crate::dto::{
    ActionInput, Assignee, CallerDto, CaseDetail, CaseList, CaseQuery, CategoryDto, DepartmentDto,
    DuplicateCandidate, LimitDto, MapCase, MapLayers, PhotoInfo, PlaceHit, Placement, Position,
    ReportDto, StageClock, TimelineEntry,
};
use crate::error::{AppError, AppResult};
use crate::index::{self, FIELD_QUEUES, SUPERVISOR_QUEUES, in_queue, light_str, to_row};
use crate::photos::role_label;
use crate::reference::Reference;
use crate::state::{Active, AppState};
use gridcase_core::codes::GridCode;
use gridcase_core::deadline::{DeadlineContext, deadlines};
use gridcase_core::model::{CaseId, EventId, Location, LocationSource, PhotoRole, Sha256};
use gridcase_core::sync::runtime::now;
use gridcase_core::workflow::{CaseState, Event, EventKind, fold};
use std::sync::Arc;
use std::time::Instant;
use tauri::State;

const MAX_PAGE: usize = 500;

/// The filtered, paged case list with queue counts.
#[tauri::command]
pub async fn list_cases(state: State<'_, AppState>, query: CaseQuery) -> AppResult<CaseList> {
    let active = state.active()?;
    blocking(move || Ok(list(&active, &query))).await
}

/// [`list_cases`] without Tauri (benchmarks and tests).
pub fn list(active: &Active, query: &CaseQuery) -> CaseList {
    let started = Instant::now();
    let reference = active.reference();
    let viewer = active.viewer();
    let queues: &[(&str, &str)] = if active.saved.mode() == "field" {
        &FIELD_QUEUES
    } else {
        &SUPERVISOR_QUEUES
    };
    let queue = query.queue.as_deref().unwrap_or(queues[0].0);
    let text = query
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let limit = query.limit.unwrap_or(100).clamp(1, MAX_PAGE);
    let offset = query.offset.unwrap_or(0);
    let unseen = active.unseen_cases();
    active.with_index(|idx| {
        let mut hits: Vec<&index::CaseSummary> = idx
            .iter()
            .filter(|s| in_queue(queue, &s.state, &viewer))
            .filter(|s| query.status.as_deref().is_none_or(|st| s.row.status == st))
            .filter(|s| {
                query
                    .light
                    .as_deref()
                    .is_none_or(|l| light_str(s.light).as_deref() == Some(l))
            })
            .filter(|s| text.is_none_or(|t| matches_text(s, t)))
            .collect();
        // The filters offer the values of the queue as searched, before the desk filters.
        let facets = crate::desk::facets(&hits, reference.as_deref());
        hits.retain(|s| crate::desk::matches_filters(s, query, reference.as_deref()));
        crate::desk::sort_hits(&mut hits, query.sort.as_deref());
        let total = hits.len();
        let rows = hits
            .into_iter()
            .skip(offset)
            .take(limit)
            .map(|s| {
                let mut row = to_row(s, reference.as_deref());
                row.is_new = unseen.contains(&s.row.case_id);
                row
            })
            .collect();
        let counts = idx.counts(queues, &viewer);
        CaseList {
            total,
            rows,
            counts,
            elapsed_ms: started.elapsed().as_secs_f64() * 1000.0,
            facets,
        }
    })
}

fn matches_text(s: &index::CaseSummary, t: &str) -> bool {
    let r = &s.row;
    [
        r.case_number.as_deref(),
        r.address.as_deref(),
        r.excerpt.as_deref(),
        r.cell.as_deref(),
        Some(r.case_id.to_string().as_str()),
    ]
    .iter()
    .flatten()
    .any(|f| f.contains(t))
}

fn parse_case(id: &str) -> AppResult<CaseId> {
    CaseId::parse(id.trim()).map_err(|e| AppError::invalid(format!("案件编号无效：{e}")))
}

fn load_events(active: &Active, id: CaseId) -> AppResult<Vec<Event>> {
    let doc = active.with_store(|s| s.load_case(id))?;
    doc.events()
        .map_err(|e| AppError::new("invalid_data", format!("案件数据无法读取：{e}")))
}

/// One case in detail.
#[tauri::command]
pub async fn case_detail(state: State<'_, AppState>, case_id: String) -> AppResult<CaseDetail> {
    let active = state.active()?;
    let id = parse_case(&case_id)?;
    let contact = contacts::fetch(&active, &case_id).await;
    blocking(move || detail(&active, id, contact.as_ref())).await
}

fn timeline_summary(kind: &EventKind, r: Option<&Reference>) -> String {
    let user = |u| {
        r.and_then(|x| x.user_name(u))
            .map_or_else(|| "（未知人员）".to_owned(), str::to_owned)
    };
    let dept = |d| {
        r.and_then(|x| x.department_name(d))
            .map_or_else(|| "（未知部门）".to_owned(), str::to_owned)
    };
    match kind {
        EventKind::Report(p) => p.description.clone(),
        EventKind::SelfHandle { report, .. } => report.description.clone(),
        EventKind::RequestVerification { assignee } | EventKind::RequestCheck { assignee } => {
            format!("指派：{}", user(assignee))
        }
        EventKind::Verify {
            confirmed, note, ..
        } => format!(
            "{}{}",
            if *confirmed { "属实" } else { "不属实" },
            sep(note)
        ),
        EventKind::Check { passed, note, .. } => {
            format!(
                "{}{}",
                if *passed {
                    "核查通过"
                } else {
                    "核查未通过"
                },
                sep(note)
            )
        }
        EventKind::Dispatch {
            department,
            limit,
            basis,
        }
        | EventKind::FastDispatch {
            department,
            limit,
            basis,
        } => match (limit, basis) {
            (Some(l), Some(b)) => format!(
                "派至 {}，时限 {} {}（依据：{}）",
                dept(department),
                l.value,
                l.unit.label_zh(),
                b.label_zh()
            ),
            (Some(l), None) => format!(
                "派至 {}，时限 {} {}",
                dept(department),
                l.value,
                l.unit.label_zh()
            ),
            (None, _) => format!("派至 {}（按类别时限）", dept(department)),
        },
        EventKind::MergeInto { target } => format!("并入案件 {target}"),
        EventKind::MergeFrom { source, reporter } => format!(
            "合并重复案件 {source}（上报人：{}）",
            reporter
                .reporter
                .clone()
                .or_else(|| user(&reporter.actor.user).into())
                .unwrap_or_default()
        ),
        EventKind::AssignNumber { number } => format!("案卷号 {number}"),
        EventKind::RequestExtension { requested, reason } => {
            format!(
                "申请延期 {} {}：{reason}",
                requested.value,
                requested.unit.label_zh()
            )
        }
        EventKind::ApproveExtension { granted } => {
            format!("批准延期 {} {}", granted.value, granted.unit.label_zh())
        }
        EventKind::Feedback { result, .. } => result.clone(),
        EventKind::Callback { satisfied, note } => {
            format!(
                "{}{}",
                if *satisfied { "满意" } else { "不满意" },
                sep(note)
            )
        }
        EventKind::Escalate {
            level,
            reason,
            reply_by,
            ..
        } => match reply_by {
            Some(t) => format!(
                "{level} 级督办：{reason}（要求 {} 前回复）",
                crate::alerts::format_time(*t)
            ),
            None => format!("{level} 级督办：{reason}"),
        },
        EventKind::EscalationReply { text, .. } => format!("督办回复：{text}"),
        EventKind::Instruct { text, .. } => format!("批示：{text}"),
        EventKind::AcknowledgeInstruction { note, .. } => format!("已签收批示{}", sep(note)),
        EventKind::Urge { reason } => format!("催办：{reason}"),
        EventKind::SignFor { note } => format!("已签收{}", sep(note)),
        EventKind::SubDispatch { unit, due, note } => format!(
            "下派至 {}，时限 {}{}",
            dept(unit),
            crate::alerts::format_time(*due),
            sep(note)
        ),
        EventKind::SubFeedback { result, .. } => format!("下级反馈：{result}"),
        EventKind::Comment { text } => text.clone(),
        EventKind::File {
            note,
            condition: Some(c),
        } => format!("立案条件 {c}{}", sep(note)),
        EventKind::File { note, .. } | EventKind::Close { note } => note.clone(),
        EventKind::Reject { reason }
        | EventKind::Void { reason }
        | EventKind::Reopen { reason }
        | EventKind::RequestSendback { reason }
        | EventKind::RequestPark { reason, .. }
        | EventKind::DenyExtension { reason }
        | EventKind::DenySendback { reason }
        | EventKind::DenyPark { reason }
        | EventKind::DenySelfHandle { reason } => reason.clone(),
        EventKind::AddPhoto { .. } => "补充照片".into(),
        EventKind::Unknown { type_name } => format!("本版本不认识的操作：{type_name}"),
        EventKind::Accept
        | EventKind::ApproveSendback
        | EventKind::ApprovePark
        | EventKind::Resume
        | EventKind::ApproveSelfHandle => String::new(),
    }
}

fn sep(note: &str) -> String {
    if note.trim().is_empty() {
        String::new()
    } else {
        format!("：{note}")
    }
}

/// The caller shown in a case detail: from the contact API (or the device's queue) for the
/// roles that deal with citizens, else — offline — from the contact text an older document
/// carries; for every other role, nothing.
fn caller_of(
    active: &Active,
    report: &gridcase_core::workflow::ReportPayload,
    contact: Option<&contacts::ServerContacts>,
) -> Option<CallerDto> {
    if !contacts::may_see(active.saved.session.role) {
        return None;
    }
    let legacy = |c: &String| {
        let (name, phone) = match c.rsplit_once(' ') {
            Some((n, p)) if p.chars().all(|ch| ch.is_ascii_digit() || ch == '-') => {
                (Some(n.to_owned()), Some(p.to_owned()))
            }
            _ if c.chars().all(|ch| ch.is_ascii_digit() || ch == '-') => (None, Some(c.clone())),
            _ => (Some(c.clone()), None),
        };
        CallerDto {
            name,
            phone,
            email: None,
        }
    };
    match contact {
        Some(c) => c
            .contacts
            .first()
            .map(|x| CallerDto {
                name: x.name.clone(),
                phone: x.phone.clone(),
                email: x.email.clone(),
            })
            .or_else(|| c.legacy.first().map(legacy)),
        None => report.reporter.as_ref().map(legacy),
    }
}

/// Builds the detail view of a case; `contact` is what [`contacts::fetch`] found.
pub fn detail(
    active: &Active,
    id: CaseId,
    contact: Option<&contacts::ServerContacts>,
) -> AppResult<CaseDetail> {
    let reference = active.reference();
    let r = reference.as_deref();
    let mut events = load_events(active, id)?;
    if !contacts::may_see(active.saved.session.role) {
        contacts::redact_events(&mut events);
    }
    events.sort_by_key(|e| e.order_key());
    let state = fold(&events);
    // Refresh the case's index entry from the events just read (no second load of the case).
    let stored = active.with_store(|s| s.case_row(id))?;
    let summary = index::summary_of(stored, state.clone(), r, now());
    let mut row = to_row(&summary, r);
    active.with_index(|idx| idx.insert(summary));
    // Opening the case is seeing what was new on it.
    active.alerts_seen(id);
    row.is_new = false;
    let supervision = crate::alerts::supervision_items(&state, &active.viewer(), r);
    let report = state.report.as_ref().map(|p| ReportDto {
        description: p.description.clone(),
        lon: p.location.lon,
        lat: p.location.lat,
        accuracy_m: p.location.accuracy_m,
        location_source: format!("{:?}", p.location.source).to_lowercase(),
        category_name: r
            .and_then(|x| x.category_name(&p.category))
            .map(str::to_owned),
        source_label: p.source.label_zh().to_owned(),
        reporter_name: state
            .reported_by
            .and_then(|a| r.and_then(|x| x.user_name(&a.user)))
            .map(str::to_owned),
        caller: caller_of(active, p, contact),
    });
    let mut photos: Vec<PhotoInfo> = Vec::new();
    for e in &events {
        for p in e.kind.photos() {
            if photos.iter().any(|x| x.sha256 == p.sha256.to_string()) {
                continue;
            }
            let pin = state
                .report
                .as_ref()
                .map(|r| (r.location.lon, r.location.lat));
            let (warnings, distance_m) = crate::desk::photo_warnings(p, state.reported_at, pin);
            photos.push(PhotoInfo {
                sha256: p.sha256.to_string(),
                role: format!("{:?}", p.role).to_lowercase(),
                role_label: role_label(p.role).to_owned(),
                thumb_url: active.photos.local_url(&p.sha256),
                taken_at: p.taken_at.map(|t| t.0),
                lon: p.location.map(|l| l.lon),
                lat: p.location.map(|l| l.lat),
                distance_m,
                warnings,
            });
        }
    }
    let timeline = events
        .iter()
        .map(|e| TimelineEntry {
            event_id: e.id.to_string(),
            kind: e.kind.type_name().to_owned(),
            label: actions::event_label(e.kind.type_name()).to_owned(),
            actor_name: r
                .and_then(|x| x.user_name(&e.actor.user))
                .map(str::to_owned),
            role_label: e.actor.role.label_zh().to_owned(),
            at: e.act_time().0,
            summary: timeline_summary(&e.kind, r),
            conflict: state
                .conflicts
                .iter()
                .find(|c| c.event == e.id)
                .map(|c| c.reason.label_zh()),
        })
        .collect();
    let clocks = clocks_of(&state, r);
    let any_department = r.and_then(|x| x.bundle.departments.first().map(|d| d.id));
    let standard_limit = r.and_then(|x| x.standard_limit(&state));
    let parent_due = crate::units::parent_due(r, &state, now());
    let ctx = ActContext {
        actor: active.saved.actor(),
        any_department,
        photos: &[],
        standard_limit: standard_limit.clone(),
        corrected: None,
        open_escalation: None,
        open_instruction: None,
        now: now(),
        units: crate::units::tree(r),
        parent_due,
    }
    .with_open_items(&state);
    let probe = EventId::from_parts(u64::try_from(now().0).unwrap_or(0), [0xff; 10]);
    let mut actions = actions::available(&events, &ctx, probe);
    let suggestion = match (state.category(), state.cell(), r) {
        (Some(c), Some(cell), Some(x)) => x.suggest_for(
            c,
            &cell,
            state.report.as_ref().and_then(|r| r.component.as_ref()),
        ),
        _ => None,
    };
    let assignees = r
        .map(|x| {
            x.inspectors_for(state.cell().map(|c| c.to_string()).as_deref())
                .into_iter()
                .map(|u| Assignee {
                    user_id: u.id.to_string(),
                    display_name: u.display_name.clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    let duplicates = duplicates_of(active, id, &state, r);
    // 合并到重复案件 is offered only when there is a candidate to merge into (issue 15).
    if duplicates.is_empty() {
        actions.retain(|a| a.kind != "merge_into");
    }
    let standard_limit = standard_limit.map(|(l, b)| LimitDto {
        value: l.value,
        unit: l.unit.as_str().to_owned(),
        text: format!("{} {}", l.value, l.unit.label_zh()),
        basis: b.label_zh(),
    });
    let conditions = r.map(|x| x.conditions(&state)).unwrap_or_default();
    let filing_condition = r.and_then(|x| x.filing_condition(&state));
    Ok(CaseDetail {
        row,
        report,
        photos,
        timeline,
        clocks,
        actions,
        suggestion,
        duplicates,
        assignees,
        standard_limit,
        conditions,
        filing_condition,
        supervision,
        signed_at: state
            .current_dispatch()
            .and_then(|d| d.signed.as_ref())
            .map(|a| a.at.0),
        signed_by: state
            .current_dispatch()
            .and_then(|d| d.signed.as_ref())
            .and_then(|a| r.and_then(|x| x.user_name(&a.by.user)))
            .map(str::to_owned),
        sub_tasks: crate::units::sub_tasks(&state, r, &active.viewer(), now()),
        child_units: crate::units::child_units(r, active.saved.session.department),
        parent_due: parent_due.map(|t| t.0),
    })
}

fn clocks_of(state: &CaseState, r: Option<&Reference>) -> Vec<StageClock> {
    let Some(x) = r else {
        return Vec::new();
    };
    let ctx = DeadlineContext {
        policy: &x.policy,
        calendar: &x.calendar,
        teams: x.teams.as_ref(),
        category_limit: state
            .category()
            .and_then(|c| x.catalog.get(c))
            .and_then(|c| c.limit(state.urgency())),
        now: now(),
    };
    deadlines(state, &ctx)
        .clocks
        .iter()
        .map(|c| StageClock {
            stage: c.clock.as_str().to_owned(),
            label: c.clock.label_zh().to_owned(),
            started_at: c.started_at.0,
            due_at: c.deadline.map(|t| t.0),
            light: light_str(Some(c.light)),
            done: c.ended_at.is_some(),
            on_time: c.on_time(),
            margin_ms: c.margin_ms,
            working: c.working,
        })
        .collect()
}

/// Open cases that may be the same problem (core's duplicate detection with the default
/// thresholds: same category, within 50 m and 72 h), for a case still at intake.
fn duplicates_of(
    active: &Active,
    id: CaseId,
    state: &CaseState,
    r: Option<&Reference>,
) -> Vec<DuplicateCandidate> {
    use gridcase_core::dedup::{DedupPolicy, ReportPoint, candidates};
    use gridcase_core::workflow::Status;
    if !matches!(state.status, Status::Reported | Status::AwaitingFiling) {
        return Vec::new();
    }
    let Some(probe) = ReportPoint::of(id, state) else {
        return Vec::new();
    };
    active.with_index(|idx| {
        let open: Vec<ReportPoint> = idx
            .iter()
            .filter(|s| !s.state.status.is_terminal())
            .filter_map(|s| ReportPoint::of(s.row.case_id, &s.state))
            .collect();
        candidates(&probe, &open, &DedupPolicy::default())
            .into_iter()
            .filter_map(|c| {
                let s = idx.get(&c.case_id)?;
                Some(DuplicateCandidate {
                    case_id: c.case_id.to_string(),
                    case_number: s.row.case_number.clone(),
                    distance_m: (c.distance_m * 10.0).round() / 10.0,
                    category_name: s
                        .state
                        .category()
                        .and_then(|k| r.and_then(|x| x.category_name(k)))
                        .map(str::to_owned),
                    status_label: s.row.status_label.clone(),
                    created_at: s.row.created_at.0,
                    score: c.score,
                })
            })
            .collect()
    })
}

/// A case photo as a data URL: the local copy, else downloaded from the server (and kept).
#[tauri::command]
pub async fn case_photo(state: State<'_, AppState>, sha256: String) -> AppResult<String> {
    let active = state.active()?;
    let sha = Sha256::parse(sha256.trim()).map_err(|_| AppError::invalid("照片编号无效"))?;
    if let Some(url) = active.photos.local_url(&sha) {
        return Ok(url);
    }
    let path = format!("/v1/blobs/{sha}");
    let response = super::server_get(&active, &path, "离线状态，照片暂不可查看")
        .await
        .map_err(|e| match e.code.as_str() {
            "network" => e,
            _ => AppError::new("photo_unavailable", "照片尚未上传到服务器，稍后再试"),
        })?;
    let bytes = response
        .bytes()
        .await
        .map_err(|_| AppError::new("network", "照片下载中断"))?;
    active.photos.keep_fetched(&sha, &bytes)?;
    Ok(crate::photos::data_url(&bytes))
}

/// Appends a workflow action to a case, durably, and returns the case again.
#[tauri::command]
pub async fn act<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
    case_id: String,
    input: ActionInput,
) -> AppResult<CaseDetail> {
    let active = state.active()?;
    let id = parse_case(&case_id)?;
    let contact = contacts::fetch(&active, &case_id).await;
    let a = active.clone();
    let (detail, status) = blocking(move || {
        apply_action(&a, id, &input)?;
        Ok((
            detail(&a, id, contact.as_ref())?,
            crate::syncer::recount(&a)?,
        ))
    })
    .await?;
    crate::syncer::emit(&app, &status);
    active.kick.notify_one();
    Ok(detail)
}

/// A 核实's corrected position (both coordinates or neither), validated, with the cell the
/// device's grid puts it in (`None` outside every cell or without reference data).
fn corrected_location(
    input: &ActionInput,
    r: Option<&Reference>,
) -> AppResult<Option<(Location, Option<GridCode>)>> {
    match (input.corrected_lon, input.corrected_lat) {
        (None, None) => Ok(None),
        (Some(lon), Some(lat)) => {
            if input.kind != "verify" {
                return Err(AppError::invalid("只有核实可以更正位置"));
            }
            let l = Location::new(lon, lat, input.corrected_accuracy_m, LocationSource::Gps)
                .map_err(|e| AppError::invalid(format!("更正的位置无效：{e}")))?;
            Ok(Some((l, r.and_then(|x| x.cell_at(lon, lat)))))
        }
        _ => Err(AppError::invalid("更正位置须同时给出经度和纬度")),
    }
}

/// One action on several cases (批量受理 / 派遣 / 结案), each through [`apply_action`]; returns
/// what happened to each (crate::desk::act_batch).
#[tauri::command]
pub async fn act_batch<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
    batch: crate::dto::BatchInput,
) -> AppResult<Vec<crate::dto::BatchItem>> {
    let active = state.active()?;
    let a = active.clone();
    let (items, status) = blocking(move || {
        let items = crate::desk::act_batch(&a, &batch.case_ids, &batch.input)?;
        Ok((items, crate::syncer::recount(&a)?))
    })
    .await?;
    crate::syncer::emit(&app, &status);
    active.kick.notify_one();
    Ok(items)
}

/// Validates and appends one action (the body of [`act`], which then calls [`detail`]; that
/// refreshes the case's index entry).
pub fn apply_action(active: &Active, id: CaseId, input: &ActionInput) -> AppResult<Event> {
    let role = match input.kind.as_str() {
        "verify" => PhotoRole::Verify,
        "check" => PhotoRole::Check,
        _ => PhotoRole::After,
    };
    let shas = input.photos.clone().unwrap_or_default();
    if !shas.is_empty() && !actions::takes_photos(&input.kind) {
        return Err(AppError::invalid("此操作不带照片"));
    }
    if shas.len() > crate::draft::MAX_PHOTOS {
        return Err(AppError::invalid("照片不能超过 9 张"));
    }
    let mut refs = Vec::new();
    let mut files = Vec::new();
    for sha in &shas {
        let (r, path) = active.photos.photo_ref(sha, role)?;
        files.push((r.sha256, path, r.size));
        refs.push(r);
    }
    if input.kind == "feedback" && refs.is_empty() {
        return Err(AppError::invalid("处置反馈需要处置后的照片"));
    }
    let events = load_events(active, id)?;
    let reference = active.reference();
    let r = reference.as_deref();
    let corrected = corrected_location(input, r)?;
    let folded = fold(&events);
    let ctx = ActContext {
        actor: active.saved.actor(),
        any_department: None,
        photos: &refs,
        standard_limit: r.and_then(|x| x.standard_limit(&folded)),
        corrected,
        open_escalation: None,
        open_instruction: None,
        now: now(),
        units: crate::units::tree(r),
        parent_due: crate::units::parent_due(r, &folded, now()),
    }
    .with_open_items(&folded);
    // Approving an extension without hours grants what was asked for.
    let mut input = input.clone();
    if input.kind == "approve_extension" && input.limit_hours.is_none() {
        let pending = fold(&events).pending_extension().map(|e| e.requested);
        input.limit_hours = pending.map(|l| match l.unit {
            gridcase_core::model::LimitUnit::WorkingDays
            | gridcase_core::model::LimitUnit::NaturalDays => l.value.saturating_mul(24),
            gridcase_core::model::LimitUnit::WorkingMinutes
            | gridcase_core::model::LimitUnit::NaturalMinutes => l.value.div_ceil(60),
            _ => l.value,
        });
    }
    let kind = actions::to_event_kind(&input, &ctx)?;
    let event = active.event(kind)?;
    let mut all: Vec<&Event> = events.iter().collect();
    all.push(&event);
    let folded = fold(all);
    if let Some(c) = folded.conflicts.iter().find(|c| c.event == event.id) {
        return Err(AppError::new(
            "workflow_conflict",
            format!("当前不能执行此操作：{}", c.reason.label_zh()),
        ));
    }
    // Merging a duplicate also records, on the case that absorbs it, who reported the
    // duplicate (`merge_from`), so that case keeps both reporters.
    let merge_from = match &event.kind {
        EventKind::MergeInto { target } => Some((*target, merge_from_event(active, id, &folded)?)),
        _ => None,
    };
    active.with_store(|s| -> AppResult<()> {
        for (sha, path, size) in files {
            s.enqueue_blob(sha, gridcase_core::store::BlobSource::Path(path), size)?;
        }
        s.append_event(id, &event)?;
        if let Some((target, e)) = &merge_from {
            s.append_event(*target, e)?;
        }
        Ok(())
    })?;
    // The acted-on case's index entry is refreshed by `detail`, which `act` calls next.
    if let Some((target, _)) = merge_from {
        active.refresh_case(target)?;
    }
    Ok(event)
}

/// The `merge_from` event for the case a duplicate (`source`, folded as `duplicate`) is merged
/// into.
fn merge_from_event(active: &Active, source: CaseId, duplicate: &CaseState) -> AppResult<Event> {
    let (Some(actor), Some(report), Some(at)) = (
        duplicate.reported_by,
        duplicate.report.as_ref(),
        duplicate.reported_at,
    ) else {
        return Err(AppError::invalid("该案件没有上报记录，不能合并"));
    };
    active.event(EventKind::MergeFrom {
        source,
        reporter: gridcase_core::workflow::MergedReporter {
            actor,
            source: report.source,
            // A citizen's contact stays out of documents (crate::contacts).
            reporter: None,
            external_id: report.external_id.clone(),
            reported_at: at,
        },
    })
}

/// Where a point is on the tenant's grid.
#[tauri::command]
pub async fn locate(state: State<'_, AppState>, lon: f64, lat: f64) -> AppResult<Placement> {
    let active = state.active()?;
    gridcase_core::model::Location::new(
        lon,
        lat,
        None,
        gridcase_core::model::LocationSource::Manual,
    )
    .map_err(|e| AppError::invalid(format!("位置无效：{e}")))?;
    let reference = active.reference().ok_or_else(|| {
        AppError::new(
            "reference_missing",
            "尚未下载辖区基础数据，请联网后重新登录",
        )
    })?;
    blocking(move || Ok(reference.locate(lon, lat))).await
}

/// Offline place search (地名搜索): roads, places, communities, streets, cell codes and
/// component ids by Chinese text, 拼音首字母 or code, ranked by match then by distance to the
/// map centre (`lon`, `lat`).
#[tauri::command]
pub async fn place_search(
    state: State<'_, AppState>,
    query: String,
    lon: Option<f64>,
    lat: Option<f64>,
    limit: Option<usize>,
) -> AppResult<Vec<PlaceHit>> {
    let active = state.active()?;
    let reference = active
        .reference()
        .ok_or_else(|| AppError::new("reference_missing", "尚未下载辖区基础数据"))?;
    if query.chars().count() > gridcase_core::grid::MAX_QUERY_CHARS {
        return Err(AppError::invalid("搜索词过长"));
    }
    let centre = lon.zip(lat);
    let limit = limit.unwrap_or(20);
    blocking(move || Ok(reference.search_places(&query, centre, limit))).await
}

/// Categories by name or code.
#[tauri::command]
pub async fn categories_search(
    state: State<'_, AppState>,
    query: String,
    kind: Option<String>,
) -> AppResult<Vec<CategoryDto>> {
    let active = state.active()?;
    let reference = active
        .reference()
        .ok_or_else(|| AppError::new("reference_missing", "尚未下载辖区基础数据"))?;
    if query.chars().count() > 50 {
        return Err(AppError::invalid("搜索词过长"));
    }
    Ok(reference.search_categories(&query, kind.as_deref()))
}

/// The user's recently used categories.
#[tauri::command]
pub async fn categories_recent(state: State<'_, AppState>) -> AppResult<Vec<CategoryDto>> {
    let active = state.active()?;
    Ok(crate::recent::read(&active.dir))
}

/// The device's position: a configured one (`GRIDCASE_POSITION`, for kiosks and tests) first;
/// on tablets the platform's location service (tauri-plugin-geolocation); on desktop none (the
/// UI then takes the photo's EXIF position or a map pin — the plugin returns zeros there).
#[tauri::command]
pub async fn current_position<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
) -> AppResult<Option<Position>> {
    if let Some(p) = state.configured_position.clone() {
        return Ok(Some(p));
    }
    #[cfg(mobile)]
    {
        use tauri_plugin_geolocation::{GeolocationExt, PositionOptions};
        let options = PositionOptions {
            enable_high_accuracy: true,
            timeout: 15_000,
            maximum_age: 0,
        };
        let p = app
            .geolocation()
            .get_current_position(Some(options))
            .map_err(|e| AppError::new("position_unavailable", format!("无法获取定位：{e}")))?;
        return Ok(Some(Position {
            lon: p.coords.longitude,
            lat: p.coords.latitude,
            accuracy_m: Some(p.coords.accuracy),
            source: "gps".into(),
        }));
    }
    #[cfg(not(mobile))]
    {
        let _ = &app;
        Ok(None)
    }
}

/// The tenant's departments.
#[tauri::command]
pub async fn departments(state: State<'_, AppState>) -> AppResult<Vec<DepartmentDto>> {
    let active = state.active()?;
    Ok(active
        .reference()
        .map(|r| {
            r.bundle
                .departments
                .iter()
                .map(|d| DepartmentDto {
                    id: d.id.to_string(),
                    name: d.name.clone(),
                })
                .collect()
        })
        .unwrap_or_default())
}

/// Cells (mine in field mode, all in supervisor mode) and open cases, for the map.
#[tauri::command]
pub async fn map_layers(state: State<'_, AppState>) -> AppResult<MapLayers> {
    let active = state.active()?;
    blocking(move || Ok(map(&active))).await
}

fn map(active: &Active) -> MapLayers {
    let reference: Option<Arc<Reference>> = active.reference();
    let field = active.saved.mode() == "field";
    let viewer = active.viewer();
    let (cases, open_per_cell) = active.with_index(|idx| {
        let mut per_cell = std::collections::HashMap::<String, usize>::new();
        let mut cases = Vec::new();
        for s in idx.iter() {
            if s.state.status.is_terminal() {
                continue;
            }
            if field
                && !(in_queue("my_tasks", &s.state, &viewer)
                    || in_queue("my_reports", &s.state, &viewer))
            {
                continue;
            }
            if let Some(c) = &s.row.cell {
                *per_cell.entry(c.clone()).or_default() += 1;
            }
            if let Some(p) = &s.state.report {
                cases.push(MapCase {
                    case_id: s.row.case_id.to_string(),
                    lon: p.location.lon,
                    lat: p.location.lat,
                    light: light_str(s.light),
                    status_label: s.row.status_label.clone(),
                    case_number: s.row.case_number.clone(),
                });
            }
        }
        (cases, per_cell)
    });
    let mut features = Vec::new();
    if let Some(r) = &reference {
        let mine: std::collections::HashSet<&str> = active
            .saved
            .session
            .cells
            .iter()
            .map(String::as_str)
            .collect();
        for cell in r.grid.cells() {
            let code = cell.code.to_string();
            if field && !mine.is_empty() && !mine.contains(code.as_str()) {
                continue;
            }
            let ring: Vec<[f64; 2]> = cell
                .polygon
                .exterior()
                .coords()
                .map(|c| [(c.x * 1e6).round() / 1e6, (c.y * 1e6).round() / 1e6])
                .collect();
            features.push(serde_json::json!({
                "type": "Feature",
                "properties": {
                    "code": code,
                    "community": cell.community,
                    "street": cell.street,
                    "openCases": open_per_cell.get(&code).copied().unwrap_or(0),
                },
                "geometry": { "type": "Polygon", "coordinates": [ring] },
            }));
        }
    }
    MapLayers {
        cells: serde_json::json!({ "type": "FeatureCollection", "features": features }),
        cases,
    }
}
