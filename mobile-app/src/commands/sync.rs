//! The sync panel, and the server's evaluation figures (online only).

use crate::dto::SyncStatus;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::syncer;
use tauri::State;

/// The sync status.
#[tauri::command]
pub async fn sync_status(state: State<'_, AppState>) -> AppResult<SyncStatus> {
    let active = state.active()?;
    let a = active.clone();
    super::blocking(move || syncer::recount(&a)).await
}

/// Starts a sync round now.
#[tauri::command]
pub async fn sync_now(state: State<'_, AppState>) -> AppResult<SyncStatus> {
    let active = state.active()?;
    active
        .reference_due
        .store(true, std::sync::atomic::Ordering::Relaxed);
    active.kick.notify_one();
    Ok(active.update_status(|s| s.running = true))
}

/// Hides a quarantine notice (the rejected edits stay in the store).
#[tauri::command]
pub async fn quarantine_dismiss(state: State<'_, AppState>, id: i64) -> AppResult<SyncStatus> {
    let active = state.active()?;
    let a = active.clone();
    super::blocking(move || {
        a.with_store(|s| s.dismiss_quarantine(id))?;
        syncer::recount(&a)
    })
    .await
}

/// Sends a quarantined edit again (photos kept): the refused events are put back on the case
/// with fresh stamps where needed (`DeviceStore::resend_quarantine`), the notice is cleared and
/// a sync round starts.
#[tauri::command]
pub async fn quarantine_resend(state: State<'_, AppState>, id: i64) -> AppResult<SyncStatus> {
    let active = state.active()?;
    let a = active.clone();
    let status = super::blocking(move || {
        let local = gridcase_core::sync::runtime::now().ms();
        let case_id = a
            .with_store(|s| s.resend_quarantine(id, local))
            .map_err(|e| match e {
                gridcase_core::store::StoreError::NotFound { .. } => {
                    AppError::new("not_found", "该拒收提示不存在")
                }
                gridcase_core::store::StoreError::InvalidInput { reason, .. } => {
                    AppError::invalid(reason)
                }
                e => e.into(),
            })?;
        a.refresh_case(case_id)?;
        syncer::recount(&a)
    })
    .await?;
    active.kick.notify_one();
    Ok(status)
}

/// Checks an inclusive period of dates and returns the exclusive end the server takes (the day
/// after `to`).
pub(super) fn check_day_period(from: &str, to: &str) -> AppResult<String> {
    let parse = |d: &str| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok();
    let (Some(f), Some(t)) = (parse(from), parse(to)) else {
        return Err(AppError::invalid("日期格式应为 YYYY-MM-DD"));
    };
    if f > t {
        return Err(AppError::invalid("开始日期不能晚于结束日期"));
    }
    let end = t
        .succ_opt()
        .ok_or_else(|| AppError::invalid("结束日期无效"))?;
    Ok(end.format("%Y-%m-%d").to_string())
}

/// The evaluation tables (docs/evaluation.md): the three families, or one table by name.
fn check_level(level: &str) -> AppResult<String> {
    const TABLES: [&str; 10] = [
        "region",
        "department",
        "cell",
        "community",
        "street",
        "tenant",
        "inspector",
        "intake_operator",
        "shift_leader",
        "dispatcher",
    ];
    if TABLES.contains(&level) {
        Ok(level.to_owned())
    } else {
        Err(AppError::invalid(format!(
            "评价对象应为 {} 之一",
            TABLES.join("、")
        )))
    }
}

async fn get(active: &crate::state::Active, path: &str) -> AppResult<reqwest::Response> {
    super::server_get(active, path, "综合评价需要联网，当前无法连接服务器").await
}

/// The server's evaluation figures for a period (passed through as JSON).
#[tauri::command]
pub async fn evaluation(
    state: State<'_, AppState>,
    from: String,
    to: String,
    level: String,
) -> AppResult<serde_json::Value> {
    let active = state.active()?;
    let end = check_day_period(&from, &to)?;
    let level = check_level(&level)?;
    let response = get(
        &active,
        &format!("/v1/evaluation?from={from}&to={end}&level={level}"),
    )
    .await?;
    super::read_json(response, "评价数据").await
}

/// Publishes (发布) the evaluation of a period: the server freezes every table of it as a
/// versioned snapshot; a republish needs a reason (`republish_reason_required` otherwise).
/// Shift leaders and administrators only (the server refuses others with
/// `evaluation_publish_forbidden`). Returns the server's answer (the new version).
#[tauri::command]
pub async fn evaluation_publish(
    state: State<'_, AppState>,
    from: String,
    to: String,
    reason: Option<String>,
) -> AppResult<serde_json::Value> {
    let active = state.active()?;
    let end = check_day_period(&from, &to)?;
    let reason = reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    if let Some(r) = &reason
        && r.chars().count() > 500
    {
        return Err(AppError::invalid_field("reason", "发布原因不能超过 500 字"));
    }
    let body = serde_json::json!({ "from": from, "to": end, "reason": reason });
    let response = super::server_post(
        &active,
        "/v1/evaluation/publish",
        &body,
        "发布考核结果需要联网，当前无法连接服务器",
    )
    .await?;
    super::read_json(response, "发布结果").await
}

/// Downloads the evaluation export (XLSX or CSV) into the user's `exports/` directory and
/// returns the file's path.
#[tauri::command]
pub async fn evaluation_export(
    state: State<'_, AppState>,
    from: String,
    to: String,
    format: String,
    level: Option<String>,
) -> AppResult<String> {
    let active = state.active()?;
    let end = check_day_period(&from, &to)?;
    let level = check_level(level.as_deref().unwrap_or("street"))?;
    let ext = match format.as_str() {
        "xlsx" => "xlsx",
        "csv" => "csv",
        _ => return Err(AppError::invalid("导出格式应为 xlsx 或 csv")),
    };
    let response = get(
        &active,
        &format!("/v1/evaluation/export.{ext}?from={from}&to={end}&level={level}"),
    )
    .await?;
    let bytes = response
        .bytes()
        .await
        .map_err(|_| AppError::new("network", "下载中断"))?;
    let dir = active.dir.join("exports");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("综合评价_{level}_{from}_{to}.{ext}"));
    crate::photos::write_atomic(&path, &bytes)?;
    Ok(path.display().to_string())
}
