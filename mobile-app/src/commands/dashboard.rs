//! 综合看板 and 月报/季报 (online only): the server's dashboard of a period, the cases behind one
//! of its figures, and the monthly / quarterly workbook saved into the user's `exports/`
//! directory (as the evaluation export). Inputs are checked here before anything is sent; the
//! server checks the role again (`dashboard_forbidden` for roles other than 值班长, 领导, 管理员).

use super::sync::check_day_period;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use tauri::State;

const OFFLINE: &str = "综合看板需要联网，当前无法连接服务器";

/// The figures a drill-down may ask for (biz::dashboard::DrillQuery on the server).
const FIGURES: [&str; 10] = [
    "reported",
    "filed",
    "dispatched",
    "due_close",
    "closed",
    "ontime_closed",
    "ontime_close_rate",
    "due",
    "overdue_pending",
    "overdue_now",
];

fn digits(s: &str, lens: &[usize]) -> bool {
    lens.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

/// Checks a drill-down and builds its query string (after the period).
fn drill_query(
    scope: &str,
    figure: &str,
    category: Option<&str>,
    cell: Option<&str>,
    street: Option<&str>,
    department: Option<&str>,
    offset: Option<i64>,
) -> AppResult<String> {
    if !["current", "previous", "day"].contains(&scope) {
        return Err(AppError::invalid("范围应为 current、previous 或 day"));
    }
    if !FIGURES.contains(&figure) {
        return Err(AppError::invalid(format!("未知的指标：{figure}")));
    }
    let mut q = format!("&scope={scope}&figure={figure}");
    if let Some(c) = category {
        let ok = c
            .split_once(':')
            .is_some_and(|(k, code)| ["component", "matter"].contains(&k) && digits(code, &[4, 5]));
        if !ok {
            return Err(AppError::invalid(format!("类别编码格式错误：{c}")));
        }
        q.push_str(&format!("&category={c}"));
    }
    if let Some(c) = cell {
        if !digits(c, &[15]) {
            return Err(AppError::invalid(format!("网格编码格式错误：{c}")));
        }
        q.push_str(&format!("&cell={c}"));
    }
    if let Some(s) = street {
        if !digits(s, &[9]) {
            return Err(AppError::invalid(format!("街道编码格式错误：{s}")));
        }
        q.push_str(&format!("&street={s}"));
    }
    if let Some(d) = department {
        if d.is_empty()
            || d.len() > 64
            || !d.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err(AppError::invalid("部门编号格式错误"));
        }
        q.push_str(&format!("&department={d}"));
    }
    q.push_str(&format!("&limit=200&offset={}", offset.unwrap_or(0).max(0)));
    Ok(q)
}

/// The dashboard of an inclusive period of dates (`YYYY-MM-DD`), passed through as JSON.
#[tauri::command]
pub async fn dashboard(
    state: State<'_, AppState>,
    from: String,
    to: String,
) -> AppResult<serde_json::Value> {
    let active = state.active()?;
    let end = check_day_period(&from, &to)?;
    let response = super::server_get(
        &active,
        &format!("/v1/dashboard?from={from}&to={end}"),
        OFFLINE,
    )
    .await?;
    super::read_json(response, "看板数据").await
}

/// The cases behind one dashboard figure (a queue page: `{total, rows}`), up to 200.
#[allow(clippy::too_many_arguments)]
#[tauri::command]
pub async fn dashboard_cases(
    state: State<'_, AppState>,
    from: String,
    to: String,
    scope: String,
    figure: String,
    category: Option<String>,
    cell: Option<String>,
    street: Option<String>,
    department: Option<String>,
    offset: Option<i64>,
) -> AppResult<serde_json::Value> {
    let active = state.active()?;
    let end = check_day_period(&from, &to)?;
    let rest = drill_query(
        &scope,
        &figure,
        category.as_deref(),
        cell.as_deref(),
        street.as_deref(),
        department.as_deref(),
        offset,
    )?;
    let response = super::server_get(
        &active,
        &format!("/v1/dashboard/cases?from={from}&to={end}{rest}"),
        OFFLINE,
    )
    .await?;
    super::read_json(response, "看板数据").await
}

/// `YYYY-MM` → its file tag; `YYYY-Qn` likewise.
fn check_month(month: &str) -> AppResult<()> {
    let ok = month.split_once('-').is_some_and(|(y, m)| {
        digits(y, &[4]) && digits(m, &[2]) && (1..=12).contains(&m.parse::<u32>().unwrap_or(0))
    });
    if ok {
        Ok(())
    } else {
        Err(AppError::invalid("月份格式应为 YYYY-MM"))
    }
}

fn check_quarter(quarter: &str) -> AppResult<()> {
    let ok = quarter
        .split_once("-Q")
        .is_some_and(|(y, q)| digits(y, &[4]) && ["1", "2", "3", "4"].contains(&q));
    if ok {
        Ok(())
    } else {
        Err(AppError::invalid("季度格式应为 YYYY-Qn（n 为 1–4）"))
    }
}

async fn save_report(active: &crate::state::Active, path: &str, name: String) -> AppResult<String> {
    let response = super::server_get(active, path, "下载报表需要联网，当前无法连接服务器").await?;
    let bytes = response
        .bytes()
        .await
        .map_err(|_| AppError::new("network", "下载中断"))?;
    let dir = active.dir.join("exports");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(name);
    crate::photos::write_atomic(&path, &bytes)?;
    Ok(path.display().to_string())
}

/// Downloads the 月报 of `month` (`YYYY-MM`) as XLSX into `exports/`; returns the saved path.
#[tauri::command]
pub async fn monthly_report(state: State<'_, AppState>, month: String) -> AppResult<String> {
    let active = state.active()?;
    check_month(&month)?;
    save_report(
        &active,
        &format!("/v1/reports/monthly.xlsx?month={month}"),
        format!("月报_{month}.xlsx"),
    )
    .await
}

/// Downloads the 季报 of `quarter` (`YYYY-Qn`) as XLSX into `exports/`; returns the saved path.
#[tauri::command]
pub async fn quarterly_report(state: State<'_, AppState>, quarter: String) -> AppResult<String> {
    let active = state.active()?;
    check_quarter(&quarter)?;
    save_report(
        &active,
        &format!("/v1/reports/quarterly.xlsx?quarter={quarter}"),
        format!("季报_{quarter}.xlsx"),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drill_queries_are_checked_before_sending() {
        let q = drill_query(
            "current",
            "filed",
            Some("component:01001"),
            None,
            None,
            None,
            None,
        )
        .expect("ok");
        assert_eq!(
            q,
            "&scope=current&figure=filed&category=component:01001&limit=200&offset=0"
        );
        let q = drill_query(
            "day",
            "overdue_now",
            None,
            None,
            None,
            Some("a1b2-c3"),
            Some(200),
        )
        .expect("ok");
        assert!(
            q.ends_with("&department=a1b2-c3&limit=200&offset=200"),
            "{q}"
        );
        for bad in [
            drill_query("today", "filed", None, None, None, None, None),
            drill_query("current", "everything", None, None, None, None, None),
            drill_query(
                "current",
                "filed",
                Some("component:01001&x=1"),
                None,
                None,
                None,
                None,
            ),
            drill_query(
                "current",
                "filed",
                None,
                Some("62010200100100"),
                None,
                None,
                None,
            ),
            drill_query(
                "current",
                "filed",
                None,
                None,
                Some("62010200a"),
                None,
                None,
            ),
            drill_query("current", "filed", None, None, None, Some("a&b"), None),
        ] {
            assert_eq!(bad.expect_err("refused").code, "invalid_input");
        }
    }

    #[test]
    fn report_periods_are_checked() {
        assert!(check_month("2026-11").is_ok());
        assert!(check_month("2026-13").is_err());
        assert!(check_month("2026-1").is_err());
        assert!(check_month("2026-11&x").is_err());
        assert!(check_quarter("2026-Q4").is_ok());
        assert!(check_quarter("2026-Q5").is_err());
        assert!(check_quarter("26-Q1").is_err());
    }
}
