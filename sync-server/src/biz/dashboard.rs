//! 综合看板 (dashboard) for leaders and shift leaders: the period's and one day's 上报/立案/派遣/
//! 结案, 按期结案率, overdue cases by department, 高发 categories, cells and streets, each against
//! the previous period, and every figure's cases (drill-down, [`drill`]).
//!
//! Invariants:
//! - every period figure comes from the evaluation's own computation: the cases are folded with
//!   [`evaluation::fold_period_in`] and the headline figures are the tenant row of the region
//!   table ([`Folded::report`]), the cell and street lists the cell and street tables, the
//!   department list the department table; categories, 派遣 and the drill-downs use the per-case
//!   facts those tables sum ([`region_facts`], [`assignment_facts`]). So the dashboard of a
//!   period equals `GET /v1/evaluation` of the same period by construction (tests compare them);
//! - 当前超期 per department is the one live figure: open cases of the department whose light
//!   is red in the queue projection now, i.e. exactly the queue filter `department=…&light=red`;
//! - only the caller's tenant is read; only 值班长, 领导 and 管理员 may see it
//!   (`dashboard_forbidden` otherwise).

use super::Caller;
use super::evaluation::{self, Folded, may_evaluate};
use super::isolation;
use super::rules::TenantRules;
use crate::db::cases::{self, CaseRow, QueuePage};
use crate::db::sql::params;
use crate::deployment::Deployment;
use crate::error::{Result, ServerError};
use chrono::{Datelike, NaiveDate};
use gridcase_core::codes::CategoryRef;
use gridcase_core::evaluation::{
    EvalCase, Figure, Level, Period, Row, Table, assignment_facts, region_facts,
};
use gridcase_core::model::{CaseId, Timestamp};
use gridcase_core::protocol::ErrorCode;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The query of `/v1/dashboard` (and of its drill-down): an explicit `from`/`to` (dates
/// `YYYY-MM-DD` at 00:00 Asia/Shanghai or Unix ms, `to` exclusive, as the evaluation takes), or
/// `period=month|quarter` (the current month or quarter up to the end of today), or
/// `month=YYYY-MM` / `quarter=YYYY-Qn` (a whole month or quarter).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct DashboardQuery {
    /// Period start.
    pub from: Option<String>,
    /// Period end (exclusive).
    pub to: Option<String>,
    /// `month` or `quarter` (to date).
    pub period: Option<String>,
    /// A whole month, `YYYY-MM`.
    pub month: Option<String>,
    /// A whole quarter, `YYYY-Qn`.
    pub quarter: Option<String>,
}

/// The periods a dashboard shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Periods {
    /// The period.
    pub current: Span,
    /// The previous period (trend): the same stretch one month / quarter earlier for calendar
    /// periods, the same length just before for an explicit `from`/`to`.
    pub previous: Span,
    /// One day: today when the period holds now, else the period's last day.
    pub day: Span,
}

/// A half-open period as it travels (Unix ms) with its inclusive dates for display.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Span {
    /// Start (Unix ms, inclusive).
    pub from: i64,
    /// End (Unix ms, exclusive).
    pub to: i64,
}

impl Span {
    fn period(self) -> Period {
        Period {
            from: Timestamp(self.from),
            to: Timestamp(self.to),
        }
    }
    fn of(p: Period) -> Span {
        Span {
            from: p.from.ms(),
            to: p.to.ms(),
        }
    }
}

fn bad(detail: impl std::fmt::Display) -> ServerError {
    ServerError::bad_request(detail)
}

fn midnight(d: NaiveDate) -> Timestamp {
    Timestamp::from_shanghai(d.and_hms_opt(0, 0, 0).expect("midnight"))
}

fn date_of(t: Timestamp) -> NaiveDate {
    t.to_shanghai().map(|d| d.date_naive()).unwrap_or_default()
}

fn first_of_month(y: i32, m: u32) -> Result<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, 1).ok_or_else(|| bad(format!("无效的月份：{y}-{m:02}")))
}

/// The first day of the month `months` after (or before) `d`'s month.
fn add_months(d: NaiveDate, months: i32) -> Result<NaiveDate> {
    let index = d.year() * 12 + d.month0() as i32 + months;
    first_of_month(index.div_euclid(12), index.rem_euclid(12) as u32 + 1)
}

/// A calendar period of `months` months starting at `start`, cut at `end_cap`, with its
/// previous period ([`previous_of`]).
fn calendar(start: NaiveDate, months: i32, end_cap: Option<Timestamp>) -> Result<(Period, Period)> {
    let from = midnight(start);
    let full_to = midnight(add_months(start, months)?);
    let to = end_cap.map_or(full_to, |cap| cap.min(full_to));
    if to <= from {
        return Err(bad("统计周期尚未开始"));
    }
    let p = Period { from, to };
    Ok((p, previous_of(p)?))
}

/// `d` moved by `months` calendar months, its day clamped to the target month's length.
fn shift_date(d: NaiveDate, months: i32) -> Result<NaiveDate> {
    let first = add_months(d, months)?;
    let last = add_months(first, 1)?.pred_opt().unwrap_or(first);
    Ok(first.with_day(d.day().min(last.day())).unwrap_or(first))
}

/// The previous period of an explicit one: when it starts on the 1st of a month at 00:00, the
/// same stretch one month earlier (three for a quarter-long period starting a quarter), e.g.
/// 12-01 – 12-08 → 11-01 – 11-08 and 11-01 – 12-01 → 10-01 – 11-01; otherwise the same length
/// just before.
fn previous_of(p: Period) -> Result<Period> {
    let (d0, d1) = (date_of(p.from), date_of(p.to));
    let aligned = d0.day() == 1 && midnight(d0) == p.from && midnight(d1) == p.to;
    if aligned {
        let months = if d0.month0() % 3 == 0 && p.to.ms() - p.from.ms() > 32 * Timestamp::DAY_MS {
            3
        } else {
            1
        };
        let from = midnight(shift_date(d0, -months)?);
        let to = midnight(shift_date(d1, -months)?).min(p.from);
        if to > from {
            return Ok(Period { from, to });
        }
    }
    let len = p.to.ms() - p.from.ms();
    Ok(Period {
        from: Timestamp(p.from.ms() - len),
        to: p.from,
    })
}

impl DashboardQuery {
    /// The periods asked for, with `now` for `period=month|quarter`.
    pub fn periods(&self, now: Timestamp) -> Result<Periods> {
        let today = date_of(now);
        let end_of_today = midnight(today.succ_opt().unwrap_or(today));
        let (current, previous) = if let Some(m) = &self.month {
            let (y, mo) = m
                .split_once('-')
                .and_then(|(y, mo)| Some((y.parse().ok()?, mo.parse().ok()?)))
                .ok_or_else(|| bad(format!("month 应为 YYYY-MM：{m}")))?;
            calendar(first_of_month(y, mo)?, 1, None)?
        } else if let Some(q) = &self.quarter {
            let (y, n) = q
                .split_once("-Q")
                .and_then(|(y, n)| Some((y.parse::<i32>().ok()?, n.parse::<u32>().ok()?)))
                .filter(|(_, n)| (1..=4).contains(n))
                .ok_or_else(|| bad(format!("quarter 应为 YYYY-Qn（n 为 1–4）：{q}")))?;
            calendar(first_of_month(y, (n - 1) * 3 + 1)?, 3, None)?
        } else if self.from.is_some() || self.to.is_some() {
            let req = evaluation::EvaluationQuery {
                from: self.from.clone(),
                to: self.to.clone(),
                ..Default::default()
            }
            .check()?;
            (req.period, previous_of(req.period)?)
        } else {
            match self.period.as_deref().unwrap_or("month") {
                "month" => calendar(
                    first_of_month(today.year(), today.month())?,
                    1,
                    Some(end_of_today),
                )?,
                "quarter" => calendar(
                    first_of_month(today.year(), today.month0() / 3 * 3 + 1)?,
                    3,
                    Some(end_of_today),
                )?,
                other => return Err(bad(format!("period 应为 month 或 quarter：{other}"))),
            }
        };
        // The day: today while the period holds now, else the period's last day.
        let last = if current.contains(now) {
            today
        } else {
            date_of(Timestamp(current.to.ms() - 1))
        };
        let day_from = midnight(last).max(current.from);
        let day_to = midnight(last.succ_opt().unwrap_or(last)).min(current.to);
        Ok(Periods {
            current: Span::of(current),
            previous: Span::of(previous),
            day: Span {
                from: day_from.ms(),
                to: day_to.ms(),
            },
        })
    }
}

/// One headline figure: its value in the period, on the day and in the previous period.
#[derive(Clone, Debug, Serialize)]
pub struct Headline {
    /// `reported`, `filed`, `dispatched`, `due_close`, `closed`, `ontime_closed`,
    /// `ontime_close_rate`.
    pub key: &'static str,
    /// The Chinese label.
    pub label: &'static str,
    /// `count` or `rate`.
    pub kind: &'static str,
    /// The period's value (a rate 0–1; None for a rate with no denominator).
    pub value: Option<f64>,
    /// A rate's numerator and denominator in the period.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub numerator: Option<u64>,
    /// See `numerator`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub denominator: Option<u64>,
    /// The day's value.
    pub day: Option<f64>,
    /// The previous period's value.
    pub previous: Option<f64>,
}

/// A department's line.
#[derive(Clone, Debug, Serialize)]
pub struct DepartmentLine {
    /// Department id.
    pub id: String,
    /// Name.
    pub name: String,
    /// 应处置数 (evaluation, period).
    pub due: u64,
    /// 处置数.
    pub handled: u64,
    /// 按期处置率 (0–1), None without 应处置.
    pub ontime_handle_rate: Option<f64>,
    /// 超期待处置数 (evaluation, period).
    pub overdue_pending: u64,
    /// 当前超期: open cases of the department with a red light now (queue projection).
    pub overdue_now: u64,
    /// 综合指标值 of the department table.
    pub score: Option<f64>,
    /// 等级.
    pub grade: Option<String>,
}

/// A 高发 line (category, cell or street).
#[derive(Clone, Debug, Serialize)]
pub struct HotLine {
    /// `component:01001`, a cell or a street code.
    pub id: String,
    /// Name (category: 小类名称; cell/street: name from the cell table).
    pub name: String,
    /// For a category, its class (大类) name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    /// 立案数 in the period.
    pub filed: u64,
    /// 结案数 in the period (of those filed).
    pub closed: u64,
    /// 按期结案数.
    pub ontime_closed: u64,
    /// 应结案数.
    pub due_close: u64,
    /// 立案数 in the previous period.
    pub previous_filed: u64,
}

/// The dashboard of one period.
#[derive(Clone, Debug, Serialize)]
pub struct Dashboard {
    /// Tenant code.
    pub tenant: String,
    /// Tenant name.
    pub tenant_name: String,
    /// The periods.
    pub periods: Periods,
    /// The headline figures.
    pub figures: Vec<Headline>,
    /// Every department of the tenant (most 当前超期 first).
    pub departments: Vec<DepartmentLine>,
    /// Categories with cases filed in the period or the previous one (most filed first).
    pub categories: Vec<HotLine>,
    /// Cells (most filed first; cells with none left out).
    pub cells: Vec<HotLine>,
    /// Streets (most filed first).
    pub streets: Vec<HotLine>,
    /// Cases left out because their document does not read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unreadable_cases: Vec<String>,
    /// The period's whole department table (the report's 部门考核 sheet).
    #[serde(skip)]
    pub department_table: Table,
}

/// Refuses roles that may not see the dashboard or reports (`dashboard_forbidden`).
pub fn check_may_view(caller: &Caller) -> Result<()> {
    if may_evaluate(caller.role) {
        Ok(())
    } else {
        Err(ServerError::api(
            ErrorCode::DashboardForbidden,
            format!("当前岗位为{}", caller.role.label_zh()),
        ))
    }
}

fn fold(dep: &Deployment, tenant: &str, rules: &TenantRules, period: Period) -> Result<Folded> {
    let mut skipped = Vec::new();
    let folded = dep.db().read(|tx| {
        evaluation::fold_period_in(tx, tenant, rules, period, dep.eval_cache(), &mut skipped)
    })?;
    isolation::report(dep, "dashboard", &skipped);
    Ok(folded)
}

fn figure<'a>(row: &'a Row, key: &str) -> Option<&'a Figure> {
    row.figures.iter().find(|f| f.key == key)
}

fn count(row: &Row, key: &str) -> u64 {
    figure(row, key).and_then(|f| f.value).unwrap_or(0.0) as u64
}

/// The tenant row of the region table.
fn tenant_row(folded: &Folded, period: Period) -> Row {
    let mut t = folded.report(Level::Tenant, period).table;
    t.rows.remove(0)
}

/// What one period gives: the tenant row, 派遣 count and per-key category counts.
struct PeriodFigures {
    row: Row,
    dispatched: u64,
}

fn period_figures(folded: &Folded, period: Period) -> PeriodFigures {
    let dispatched = folded
        .cases
        .iter()
        .map(|c| assignment_facts(c, period).len() as u64)
        .sum();
    PeriodFigures {
        row: tenant_row(folded, period),
        dispatched,
    }
}

const HEADLINES: [(&str, &str); 7] = [
    ("reported", "上报数"),
    ("filed", "立案数"),
    ("dispatched", "派遣数"),
    ("due_close", "应结案数"),
    ("closed", "结案数"),
    ("ontime_closed", "按期结案数"),
    ("ontime_close_rate", "按期结案率"),
];

fn headline_value(p: &PeriodFigures, key: &str) -> Option<f64> {
    if key == "dispatched" {
        return Some(p.dispatched as f64);
    }
    figure(&p.row, key).and_then(|f| f.value)
}

fn category_key(c: &CategoryRef) -> String {
    super::intake::category_text(c)
}

/// Per category: (filed, closed, ontime_closed, due_close) of the cases filed in the period.
fn by_category(cases: &[EvalCase], period: Period) -> BTreeMap<String, [u64; 4]> {
    let mut out: BTreeMap<String, [u64; 4]> = BTreeMap::new();
    for c in cases {
        let f = region_facts(c, period);
        if !f.filed {
            continue;
        }
        let Some(cat) = c.state.category() else {
            continue;
        };
        let e = out.entry(category_key(cat)).or_default();
        e[0] += 1;
        e[1] += u64::from(f.closed);
        e[2] += u64::from(f.ontime_closed);
        e[3] += u64::from(f.due_close);
    }
    out
}

fn hot_lines(table: &Table, previous: &Table) -> Vec<HotLine> {
    let prev: BTreeMap<&str, u64> = previous
        .rows
        .iter()
        .map(|r| (r.id.as_str(), count(r, "filed")))
        .collect();
    let mut lines: Vec<HotLine> = table
        .rows
        .iter()
        .map(|r| HotLine {
            id: r.id.clone(),
            name: r.name.clone(),
            class: None,
            filed: count(r, "filed"),
            closed: count(r, "closed"),
            ontime_closed: count(r, "ontime_closed"),
            due_close: count(r, "due_close"),
            previous_filed: prev.get(r.id.as_str()).copied().unwrap_or(0),
        })
        .collect();
    lines.sort_by(|a, b| b.filed.cmp(&a.filed).then_with(|| a.id.cmp(&b.id)));
    lines
}

/// 当前超期 per department: the queue projection's open cases with a red light, by department
/// (the queue filter `department=…&light=red`; index `cases_light`).
fn overdue_now(dep: &Deployment, tenant: &str) -> Result<BTreeMap<String, u64>> {
    dep.db().read(|tx| {
        let mut stmt = tx.prepare(
            "SELECT department, count(*) FROM cases
             WHERE tenant = ?1 AND light = 'red' AND department IS NOT NULL
             GROUP BY department",
        )?;
        let rows = stmt.query_map(params![tenant], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    })
}

/// What the dashboard takes from the previous period (computed on its own thread).
struct PreviousSide {
    figures: PeriodFigures,
    categories: BTreeMap<String, [u64; 4]>,
    cells: Table,
    streets: Table,
    unreadable: Vec<String>,
}

/// The dashboard for the caller's tenant.
pub fn dashboard(dep: &Deployment, caller: &Caller, q: &DashboardQuery) -> Result<Dashboard> {
    check_may_view(caller)?;
    let periods = q.periods(dep.now())?;
    compute(dep, &caller.tenant_code(), periods)
}

/// The dashboard of a tenant for `periods` (no role check: [`dashboard`] and the reports check).
pub fn compute(dep: &Deployment, tenant: &str, periods: Periods) -> Result<Dashboard> {
    let rules = dep.rules(tenant)?;
    super::case_index::ensure_spans(dep, tenant)?;
    let (cur_p, prev_p, day_p) = (
        periods.current.period(),
        periods.previous.period(),
        periods.day.period(),
    );
    // The previous period is folded and summed on a second thread while this one folds the
    // period: the two are independent (each its own read transaction, as before), and a cold
    // fold is most of a dashboard's time (docs/performance.md, 综合看板).
    let (cur, prev) = std::thread::scope(|s| {
        let prev = s.spawn(|| -> Result<PreviousSide> {
            let prev = fold(dep, tenant, &rules, prev_p)?;
            Ok(PreviousSide {
                figures: period_figures(&prev, prev_p),
                categories: by_category(&prev.cases, prev_p),
                cells: prev.report(Level::Cell, prev_p).table,
                streets: prev.report(Level::Street, prev_p).table,
                unreadable: prev.unreadable,
            })
        });
        let cur = fold(dep, tenant, &rules, cur_p);
        let prev = prev
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (cur, prev)
    });
    let (cur, prev) = (cur?, prev?);
    // The day usually ends where the period ends (the period's last day, or today in a
    // period cut at the end of today): then the period's fold is the day's — the same cases
    // as of the same instant, a superset of the day's candidates, which count nowhere on the
    // day (fold_period_in equals the full fold) — and folding again would only repeat the
    // work (every running case refolded).
    let day_own;
    let day: &Folded = if day_p.to == cur_p.to {
        &cur
    } else {
        day_own = fold(dep, tenant, &rules, day_p)?;
        &day_own
    };
    let (cur_f, day_f) = (period_figures(&cur, cur_p), period_figures(day, day_p));
    let prev_f = &prev.figures;
    let figures = HEADLINES
        .iter()
        .map(|(key, label)| {
            let rate = *key == "ontime_close_rate";
            let f = figure(&cur_f.row, key);
            Headline {
                key,
                label,
                kind: if rate { "rate" } else { "count" },
                value: headline_value(&cur_f, key),
                numerator: f.and_then(|f| f.numerator),
                denominator: f.and_then(|f| f.denominator),
                day: headline_value(&day_f, key),
                previous: headline_value(prev_f, key),
            }
        })
        .collect();

    let now_red = overdue_now(dep, tenant)?;
    let dept_table = cur.report(Level::Department, cur_p).table;
    let mut departments: Vec<DepartmentLine> = dept_table
        .rows
        .iter()
        .map(|r| DepartmentLine {
            id: r.id.clone(),
            name: r.name.clone(),
            due: count(r, "due"),
            handled: count(r, "handled"),
            ontime_handle_rate: figure(r, "ontime_handle_rate").and_then(|f| f.value),
            overdue_pending: count(r, "overdue_pending"),
            overdue_now: now_red.get(&r.id).copied().unwrap_or(0),
            score: r.score,
            grade: r.grade.clone(),
        })
        .collect();
    departments.sort_by(|a, b| {
        (b.overdue_now, b.overdue_pending)
            .cmp(&(a.overdue_now, a.overdue_pending))
            .then_with(|| a.name.cmp(&b.name))
    });

    let cur_cat = by_category(&cur.cases, cur_p);
    let prev_cat = &prev.categories;
    let mut categories: Vec<HotLine> = cur_cat
        .keys()
        .chain(prev_cat.keys())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|key| {
            let c = cur_cat.get(key).copied().unwrap_or_default();
            let reference = key.split_once(':').and_then(|(kind, code)| {
                let kind = match kind {
                    "component" => gridcase_core::codes::CategoryKind::Component,
                    "matter" => gridcase_core::codes::CategoryKind::Matter,
                    _ => return None,
                };
                Some(CategoryRef {
                    kind,
                    code: gridcase_core::codes::CategoryCode::parse(code).ok()?,
                })
            });
            let cat = reference.as_ref().and_then(|r| rules.catalog.get(r));
            HotLine {
                id: key.clone(),
                name: cat.map_or_else(|| key.clone(), |c| c.name.clone()),
                class: cat.map(|c| c.class_name.clone()),
                filed: c[0],
                closed: c[1],
                ontime_closed: c[2],
                due_close: c[3],
                previous_filed: prev_cat.get(key).map_or(0, |p| p[0]),
            }
        })
        .collect();
    categories.sort_by(|a, b| b.filed.cmp(&a.filed).then_with(|| a.id.cmp(&b.id)));

    let mut cells = hot_lines(&cur.report(Level::Cell, cur_p).table, &prev.cells);
    cells.retain(|c| c.filed + c.previous_filed > 0);
    let streets = hot_lines(&cur.report(Level::Street, cur_p).table, &prev.streets);
    let mut unreadable = cur.unreadable.clone();
    unreadable.extend(prev.unreadable.iter().cloned());
    unreadable.sort();
    unreadable.dedup();
    Ok(Dashboard {
        tenant: cur.dir.tenant.0.clone(),
        tenant_name: cur.dir.tenant.1.clone(),
        periods,
        figures,
        departments,
        categories,
        cells,
        streets,
        unreadable_cases: unreadable,
        department_table: dept_table,
    })
}

/// The query of the drill-down `/v1/dashboard/cases`: the period (as [`DashboardQuery`]),
/// `scope=current|previous|day` (default current), the figure, an optional narrowing
/// (category, cell, street or department) and paging.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct DrillQuery {
    /// The period.
    #[serde(flatten)]
    pub period: DashboardQuery,
    /// `current` (default), `previous` or `day`.
    pub scope: Option<String>,
    /// A headline key, or `overdue_pending` / `overdue_now` (with `department`), or
    /// `due` (a department's 应处置).
    pub figure: String,
    /// A category `component:01001`.
    pub category: Option<String>,
    /// A cell code.
    pub cell: Option<String>,
    /// A street code (9 digits).
    pub street: Option<String>,
    /// A department id.
    pub department: Option<String>,
    /// Page size (default 50, at most 500).
    pub limit: Option<i64>,
    /// Rows to skip.
    pub offset: Option<i64>,
}

/// Whether a case counts for a drill figure (with its narrowing) in `period`.
fn counts_for(c: &EvalCase, q: &DrillQuery, period: Period) -> Result<bool> {
    let region = region_facts(c, period);
    let dept = q.department.as_deref();
    let assignments = || {
        assignment_facts(c, period)
            .into_iter()
            .filter(move |a| dept.is_none_or(|d| a.department.to_string() == d))
    };
    let hit = match q.figure.as_str() {
        "reported" => region.reported,
        "filed" => region.filed,
        "due_close" | "ontime_close_rate" => region.due_close,
        "closed" => region.closed,
        "ontime_closed" => region.ontime_closed,
        "dispatched" => assignments().next().is_some(),
        "due" => assignments().any(|a| a.due),
        "overdue_pending" => assignments().any(|a| a.overdue_pending),
        other => return Err(bad(format!("未知的指标：{other}"))),
    };
    if !hit {
        return Ok(false);
    }
    if let Some(cat) = &q.category
        && c.state.category().map(category_key).as_deref() != Some(cat.as_str())
    {
        return Ok(false);
    }
    let cell = c.state.cell();
    if let Some(want) = &q.cell
        && cell.map(|g| g.to_string()).as_deref() != Some(want.as_str())
    {
        return Ok(false);
    }
    if let Some(want) = &q.street
        && cell.map(|g| g.street_code()).as_deref() != Some(want.as_str())
    {
        return Ok(false);
    }
    Ok(true)
}

/// The cases behind one dashboard figure, as queue rows (most recently reported first).
pub fn drill(dep: &Deployment, caller: &Caller, q: &DrillQuery) -> Result<QueuePage> {
    check_may_view(caller)?;
    let tenant = caller.tenant_code();
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    let offset = q.offset.unwrap_or(0).max(0);
    if q.figure == "overdue_now" {
        let filter = cases::QueueFilter {
            department: Some(
                q.department
                    .clone()
                    .ok_or_else(|| bad("overdue_now 需要 department"))?,
            ),
            light: Some("red".into()),
            limit: Some(limit),
            offset: Some(offset),
            ..Default::default()
        };
        return dep.db().read(|tx| cases::queue(tx, &tenant, &filter));
    }
    const FIGURES: [&str; 9] = [
        "reported",
        "filed",
        "due_close",
        "ontime_close_rate",
        "closed",
        "ontime_closed",
        "dispatched",
        "due",
        "overdue_pending",
    ];
    if !FIGURES.contains(&q.figure.as_str()) {
        return Err(bad(format!("未知的指标：{}", q.figure)));
    }
    let periods = q.period.periods(dep.now())?;
    let span = match q.scope.as_deref().unwrap_or("current") {
        "current" => periods.current,
        "previous" => periods.previous,
        "day" => periods.day,
        other => return Err(bad(format!("scope 应为 current/previous/day：{other}"))),
    };
    let period = span.period();
    let rules = dep.rules(&tenant)?;
    super::case_index::ensure_spans(dep, &tenant)?;
    let folded = fold(dep, &tenant, &rules, period)?;
    let mut hits: Vec<(Timestamp, CaseId)> = Vec::new();
    for c in &folded.cases {
        if counts_for(c, q, period)? {
            hits.push((c.state.reported_at.unwrap_or(Timestamp(0)), c.case_id));
        }
    }
    hits.sort_unstable();
    hits.reverse();
    let total = hits.len() as i64;
    let page: Vec<CaseId> = hits
        .into_iter()
        .skip(offset as usize)
        .take(limit as usize)
        .map(|(_, id)| id)
        .collect();
    let rows: Vec<CaseRow> = dep.db().read(|tx| {
        let mut rows = Vec::with_capacity(page.len());
        for id in &page {
            if let Some(row) = cases::get(tx, &tenant, *id)? {
                rows.push(row);
            }
        }
        Ok(rows)
    })?;
    Ok(QueuePage { total, rows })
}
