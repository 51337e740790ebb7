//! Evaluation (综合评价) for the caller's tenant: reads every case document of the tenant,
//! folds each as of the period end with the tenant's rules, and hands them with the tenant's
//! cells, departments and people to the pure [`gridcase_core::evaluation`].
//!
//! Invariants: only the caller's tenant is read (every query is keyed by the caller's tenant);
//! only the shift leader (值班长), leaders (领导) and administrators may evaluate — the figures
//! rate named colleagues, so intake operators, dispatchers, inspectors and departments are
//! refused with `evaluation_forbidden`; a tenant without its own `evaluation` file uses the
//! shipped default policy.
//!
//! [`fold_period_in`] and [`Folded::report`] are the one way figures are computed: the live
//! read ([`report`]) and publishing (biz::evaluation_publish, which folds once and computes all
//! nine tables for its snapshot) both go through them. [`fold_period_in`] reads only the cases
//! that can count in the period (the per-case index, db::case_index) and reuses cached folds of
//! settled cases; it gives the same tables as [`fold_in`], the full fold of every case of the
//! tenant, which stays as the reference (tests compare both).

use super::Caller;
use super::isolation;
use super::rules::{TenantRules, kind};
use crate::db::sql::Connection;
use crate::db::{docs, tenants, users};
use crate::deployment::Deployment;
use crate::error::{Result, ServerError};
use chrono::NaiveDate;
use gridcase_core::codes::GridCode;
use gridcase_core::evaluation::{
    CellNames, ClockRules, DEFAULT_POLICY, Directory, EvalCase, EvaluationPolicy, Level, Period,
    Person, Table, evaluate,
};
use gridcase_core::model::{Role, Timestamp};
use gridcase_core::protocol::ErrorCode;
use gridcase_core::workflow::CaseState;
use serde::{Deserialize, Serialize};

/// What the caller asks for (the query string of `/v1/evaluation`).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct EvaluationQuery {
    /// Period start: a date `YYYY-MM-DD` (00:00 Asia/Shanghai) or Unix milliseconds.
    pub from: Option<String>,
    /// Period end, exclusive, in the same forms.
    pub to: Option<String>,
    /// `region`, `department` or `position`, or a level name (`cell`, …, `dispatcher`).
    pub level: Option<String>,
    /// With `level=region`: `cell`, `community`, `street` (default) or `tenant`.
    pub region: Option<String>,
    /// With `level=position`: `inspector`, `intake_operator`, `shift_leader`, `dispatcher`.
    pub position: Option<String>,
}

/// A checked request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EvaluationRequest {
    /// The table.
    pub level: Level,
    /// The period.
    pub period: Period,
}

/// The figures of one table for the caller's tenant.
#[derive(Clone, Debug, Serialize)]
pub struct EvaluationReport {
    /// The tenant code.
    pub tenant: String,
    /// The tenant name.
    pub tenant_name: String,
    /// `region`, `department` or `position`.
    pub family: &'static str,
    /// The Chinese title of the table.
    pub title: &'static str,
    /// Cases left out because their stored document does not read (reported to the
    /// administrator; docs/security/isolation.md). Absent when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unreadable_cases: Vec<String>,
    /// The table: level, from, to (Unix ms), columns, rows.
    #[serde(flatten)]
    pub table: Table,
}

/// Whether a role may see evaluations.
pub fn may_evaluate(role: Role) -> bool {
    match role {
        Role::ShiftLeader | Role::Leader | Role::Admin => true,
        Role::Inspector
        | Role::IntakeOperator
        | Role::Dispatcher
        | Role::Department
        | Role::System => false,
    }
}

fn bad(detail: impl std::fmt::Display) -> ServerError {
    ServerError::bad_request(detail)
}

/// A date (00:00 Asia/Shanghai) or Unix milliseconds.
fn parse_instant(name: &str, text: &str) -> Result<Timestamp> {
    if let Ok(ms) = text.parse::<i64>() {
        return Ok(Timestamp(ms));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(Timestamp::from_shanghai)
        .ok_or_else(|| bad(format!("{name} 应为日期 YYYY-MM-DD 或毫秒时间戳：{text}")))
}

impl EvaluationQuery {
    /// Checks the query.
    pub fn check(&self) -> Result<EvaluationRequest> {
        let from = parse_instant(
            "from",
            self.from.as_deref().ok_or_else(|| bad("缺少 from"))?,
        )?;
        let to = parse_instant("to", self.to.as_deref().ok_or_else(|| bad("缺少 to"))?)?;
        if to <= from {
            return Err(bad("to 必须晚于 from"));
        }
        let family = self.level.as_deref().unwrap_or("region");
        let level = match family {
            "region" => {
                let r = self.region.as_deref().unwrap_or("street");
                Level::parse(r)
                    .filter(|l| l.family() == "region")
                    .ok_or_else(|| bad(format!("region 应为 cell/community/street/tenant：{r}")))?
            }
            "department" => Level::Department,
            "position" => {
                let p = self
                    .position
                    .as_deref()
                    .ok_or_else(|| bad("缺少 position"))?;
                Level::parse(p)
                    .filter(|l| l.family() == "position")
                    .ok_or_else(|| {
                        bad(format!(
                            "position 应为 inspector/intake_operator/shift_leader/dispatcher：{p}"
                        ))
                    })?
            }
            other => Level::parse(other).ok_or_else(|| bad(format!("未知的 level：{other}")))?,
        };
        Ok(EvaluationRequest {
            level,
            period: Period { from, to },
        })
    }
}

/// The tenant's evaluation policy (its file, or the default).
pub fn tenant_policy(conn: &Connection<'_>, tenant: &str) -> Result<EvaluationPolicy> {
    Ok(match tenants::file(conn, tenant, kind::EVALUATION)? {
        Some((name, text)) => EvaluationPolicy::parse_toml(&name, &text)?,
        None => EvaluationPolicy::parse_toml("evaluation/default.toml", DEFAULT_POLICY)?,
    })
}

/// The tenant's cells, departments and people.
fn directory(conn: &Connection<'_>, tenant: &str) -> Result<Directory> {
    let tenant_name = tenants::get(conn, tenant)?
        .map(|t| t.name)
        .unwrap_or_default();
    let mut dir = Directory {
        tenant: (tenant.to_owned(), tenant_name),
        ..Directory::default()
    };
    for (code, name) in tenants::cells(conn, tenant)? {
        let Ok(cell) = GridCode::parse(&code) else {
            continue;
        };
        // The import names a cell "street community".
        let (street, community) = name.split_once(' ').unwrap_or(("", name.as_str()));
        dir.cells.insert(
            cell,
            CellNames {
                cell: String::new(),
                community: community.to_owned(),
                street: street.to_owned(),
            },
        );
    }
    for d in users::departments(conn, tenant)? {
        dir.departments.insert(d.id, d.name);
    }
    for u in users::list(conn, tenant)? {
        let cells = users::cells(conn, u.id)?
            .iter()
            .filter_map(|c| GridCode::parse(c).ok())
            .collect();
        dir.people.insert(
            u.id,
            Person {
                name: u.display_name,
                role: u.role,
                cells,
            },
        );
    }
    Ok(dir)
}

/// Refuses roles that may not see evaluations (`evaluation_forbidden`).
pub fn check_may_evaluate(caller: &Caller) -> Result<()> {
    if may_evaluate(caller.role) {
        Ok(())
    } else {
        Err(ServerError::api(
            ErrorCode::EvaluationForbidden,
            format!("当前岗位为{}", caller.role.label_zh()),
        ))
    }
}

/// The inputs of every table of one period, read in one transaction: the tenant's evaluation
/// policy, its directory, and its cases folded as of the period end.
pub struct Folded {
    /// The evaluation policy in force.
    pub policy: EvaluationPolicy,
    /// Cells, departments and people.
    pub dir: Directory,
    /// The cases as of the period end.
    pub cases: Vec<EvalCase>,
    /// Cases left out because their document does not read.
    pub unreadable: Vec<String>,
}

impl Folded {
    /// One table of the period.
    pub fn report(&self, level: Level, period: Period) -> EvaluationReport {
        let table = evaluate(level, &self.cases, &self.dir, period, &self.policy);
        EvaluationReport {
            tenant: self.dir.tenant.0.clone(),
            tenant_name: self.dir.tenant.1.clone(),
            family: level.family(),
            title: level.label_zh(),
            unreadable_cases: self.unreadable.clone(),
            table,
        }
    }
}

/// Reads and folds the tenant's cases as of `to` with `rules`, inside the caller's read
/// transaction; unreadable documents go to `skipped` (report them with
/// [`isolation::report`] after the transaction).
pub fn fold_in(
    tx: &Connection<'_>,
    tenant: &str,
    rules: &TenantRules,
    to: Timestamp,
    skipped: &mut Vec<crate::error::Unreadable>,
) -> Result<Folded> {
    fold_with(tx, tenant, rules, to, skipped, |clock_rules, skipped| {
        let mut cases = Vec::new();
        for id in docs::tenant_case_ids(tx, tenant)? {
            let read = docs::load(tx, id).and_then(|doc| isolation::read_events(&doc));
            if let Some(read) = isolation::skip(read, skipped)? {
                cases.push(EvalCase::as_of(id, &read.events, to, clock_rules));
            }
        }
        Ok(cases)
    })
}

/// What both folds share: the tenant's clock rules (the category's handling limit for
/// dispatches that recorded none), evaluation policy and directory around `fold`, which reads
/// the cases; the documents it could not read (pushed onto `skipped`) are named in the result.
/// Once the tenant has recorded patrol tracks (any block before `to`), the directory carries
/// exact 漏报 from them (biz::patrol::missed_for_evaluation) in place of the approximation.
fn fold_with(
    tx: &Connection<'_>,
    tenant: &str,
    rules: &TenantRules,
    to: Timestamp,
    skipped: &mut Vec<crate::error::Unreadable>,
    fold: impl FnOnce(&ClockRules<'_>, &mut Vec<crate::error::Unreadable>) -> Result<Vec<EvalCase>>,
) -> Result<Folded> {
    let handling = |s: &CaseState| {
        s.category()
            .and_then(|c| rules.catalog.handling_limit(c, s.urgency()))
    };
    let clock_rules = ClockRules {
        policy: &rules.policy,
        calendar: &rules.calendar,
        teams: rules.teams.as_ref(),
        handling_limit: &handling,
    };
    let policy = tenant_policy(tx, tenant)?;
    let mut dir = directory(tx, tenant)?;
    let first_skipped = skipped.len();
    let cases = fold(&clock_rules, skipped)?;
    dir.patrol_missed = super::patrol::missed_for_evaluation(
        tx,
        tenant,
        to,
        cases.iter().map(|c| (c.case_id, &c.state)),
    )?;
    let unreadable = skipped[first_skipped..]
        .iter()
        .map(|u| u.case_id.to_string())
        .collect();
    Ok(Folded {
        policy,
        dir,
        cases,
        unreadable,
    })
}

/// Reads and folds only the tenant's cases that can count in `period`, with the same result
/// as [`fold_in`] as of `period.to` (the same tables, byte for byte): the per-case index
/// (db::case_index) leaves out cases with no event acted before the period end (their fold is
/// empty and counts nowhere) and terminal cases whose every event acted before the period start
/// (no act, filing, dispatch or open stay falls in the period); terminal cases whose every event
/// acted before the period end come from `cache` when their revision and the rules are
/// unchanged (biz::case_index). Falls back to [`fold_in`] while the tenant's index does not yet
/// cover its older documents ([`super::case_index::ensure_spans`] fills it).
pub fn fold_period_in(
    tx: &Connection<'_>,
    tenant: &str,
    rules: &TenantRules,
    period: Period,
    cache: &super::case_index::EvalCache,
    skipped: &mut Vec<crate::error::Unreadable>,
) -> Result<Folded> {
    if !crate::db::case_index::spans_built(tx, tenant)? {
        return fold_in(tx, tenant, rules, period.to, skipped);
    }
    let fp: std::sync::Arc<str> = super::case_index::rules_fingerprint(tx, tenant)?.into();
    let to = period.to;
    fold_with(tx, tenant, rules, to, skipped, |clock_rules, skipped| {
        let mut cases = Vec::new();
        let candidates =
            crate::db::case_index::candidates(tx, tenant, period.from.ms(), period.to.ms())?;
        for c in candidates {
            let settled = c.terminal && c.last_act < to.ms();
            if settled && let Some(hit) = cache.get(c.case_id, c.rev, &fp) {
                cases.push((*hit).clone());
                continue;
            }
            let events = match cache.events(c.case_id, c.rev) {
                Some(events) => Some(events),
                None => {
                    let read =
                        docs::load(tx, c.case_id).and_then(|doc| isolation::read_events(&doc));
                    isolation::skip(read, skipped)?.map(|read| std::sync::Arc::new(read.events))
                }
            };
            if let Some(events) = events {
                let case = EvalCase::as_of(c.case_id, &events, to, clock_rules);
                if settled && super::case_index::period_independent(&case) {
                    cache.put(
                        c.case_id,
                        c.rev,
                        fp.clone(),
                        std::sync::Arc::new(case.clone()),
                    );
                } else {
                    cache.put_events(c.case_id, c.rev, events);
                }
                cases.push(case);
            }
        }
        Ok(cases)
    })
}

/// Evaluates one table for the caller's tenant (a live recomputation).
pub fn report(
    dep: &Deployment,
    caller: &Caller,
    req: EvaluationRequest,
) -> Result<EvaluationReport> {
    check_may_evaluate(caller)?;
    let tenant = caller.tenant_code();
    let rules: std::sync::Arc<TenantRules> = dep.rules(&tenant)?;
    super::case_index::ensure_spans(dep, &tenant)?;
    let mut skipped = Vec::new();
    let folded = dep.db().read(|tx| {
        fold_period_in(
            tx,
            &tenant,
            &rules,
            req.period,
            dep.eval_cache(),
            &mut skipped,
        )
    })?;
    isolation::report(dep, "evaluation", &skipped);
    Ok(folded.report(req.level, req.period))
}
