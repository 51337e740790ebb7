//! 岗位评价: inspectors (监督员), intake operators (受理员), shift leaders (值班长) and
//! dispatchers (派遣员), over the stays that fell due in the period.
//!
//! An act is the event that ended a stay (accept, verify, file, dispatch, close, …) or began
//! the case (report); it counts for its actor in the role the event carries, and is on time
//! when the stay's clock ended within its limit. A timed stay falls due at the earlier of its
//! exit and its deadline ([`CaseIndex::charged_at`]) and is charged in the one period holding
//! that instant (issue 12, C2): a stay whose limit ran out in the period with nobody acting is
//! a late act of its assignee (核实/核查 tasks) or, for a stage no person holds (待受理 of a
//! public report, 待立案, 待派遣, 待派核查, 待结案), of the role's pool row [`POOL_ROW`]
//! (（未领取）, listed only when charged, with no score or grade); a stay still inside its limit
//! at the period end is not due; a late act whose limit ran out in an earlier period is not
//! charged again. A row for every person whose account has the role, and for anyone who acted
//! in it.

use super::case::CaseIndex;
use super::table::{Figure, Level, Row, finish, tier_score};
use super::{Directory, EvalCase, EvaluationPolicy, Period};
use crate::model::{Role, SourceChannel, UserId};
use crate::workflow::{Event, EventKind, StageVisit, Status};
use std::collections::{BTreeMap, BTreeSet};

/// Named counters of one person.
#[derive(Default, Clone)]
struct Tally(BTreeMap<&'static str, u64>);

impl Tally {
    fn inc(&mut self, key: &'static str) {
        *self.0.entry(key).or_default() += 1;
    }
    fn inc_if(&mut self, cond: bool, key: &'static str) {
        if cond {
            self.inc(key);
        }
    }
    fn get(&self, key: &str) -> u64 {
        self.0.get(key).copied().unwrap_or(0)
    }
}

/// The tallies of a table: one per person, and the pool's (stays nobody took on).
#[derive(Default)]
struct Tallies {
    people: BTreeMap<UserId, Tally>,
    pool: Tally,
}

impl Tallies {
    fn entry(&mut self, user: UserId) -> &mut Tally {
        self.people.entry(user).or_default()
    }
}

/// The id of the pool row (（未领取）): overdue stays of a stage no person held.
pub const POOL_ROW: &str = "pool";

fn role_of(level: Level) -> Role {
    match level {
        Level::Inspector => Role::Inspector,
        Level::IntakeOperator => Role::IntakeOperator,
        Level::ShiftLeader => Role::ShiftLeader,
        _ => Role::Dispatcher,
    }
}

/// The user of an act made in `role`.
fn by(e: Option<&Event>, role: Role) -> Option<UserId> {
    e.filter(|e| e.actor.role == role).map(|e| e.actor.user)
}

/// Whether the stay falls due in the period (see [`CaseIndex::charged_at`]).
fn charged(idx: &CaseIndex<'_>, v: &StageVisit, period: Period) -> bool {
    period.holds(idx.charged_at(v))
}

/// Whether a stay is still open at the period end and falls due in it: its limit ran out
/// within the period and nobody acted (charged to the assignee or the pool).
fn open_charged(idx: &CaseIndex<'_>, v: &StageVisit, period: Period) -> bool {
    v.exited_at.is_none() && charged(idx, v, period)
}

fn is_public(s: &crate::workflow::CaseState) -> bool {
    s.report.as_ref().is_some_and(|r| {
        matches!(
            r.source,
            SourceChannel::PublicHotline | SourceChannel::PublicOpen311 | SourceChannel::PublicApp
        )
    })
}

fn inspector_acts(idx: &CaseIndex<'_>, period: Period, out: &mut Tallies) {
    let s = idx.state();
    if let Some(a) = s.reported_by.filter(|a| a.role == Role::Inspector)
        && period.holds(s.reported_at)
    {
        let t = out.entry(a.user);
        t.inc("reports");
        t.inc_if(
            s.filed_at.is_some() || idx.self_handle_approved(),
            "valid_reports",
        );
        t.inc_if(s.self_handled, "self_handled");
    }
    for v in &s.visits {
        let (due, ontime) = match v.status {
            Status::AwaitingVerification => ("verify_due", "ontime_verified"),
            Status::AwaitingCheck => ("check_due", "ontime_checked"),
            _ => continue,
        };
        if !charged(idx, v, period) {
            continue;
        }
        let done = idx
            .exit(v)
            .filter(|e| matches!(e.kind, EventKind::Verify { .. } | EventKind::Check { .. }));
        if let Some(user) = by(done, Role::Inspector) {
            let t = out.entry(user);
            t.inc(due);
            t.inc_if(idx.ended_on_time(v), ontime);
        } else if v.exited_at.is_none() {
            // The task's limit ran out in the period and it is still undone: a late act of
            // its assignee.
            let assignee = idx.entry(v).and_then(|e| match e.kind {
                EventKind::RequestVerification { assignee }
                | EventKind::RequestCheck { assignee } => Some(assignee),
                _ => None,
            });
            match assignee {
                Some(user) => out.entry(user).inc(due),
                None => out.pool.inc(due),
            }
        }
    }
}

/// 漏报: cases filed in the period in an inspector's cells that the patrol tracks show they
/// walked past ([`Directory::patrol_missed`]); without tracks, those that came from the public
/// and were confirmed in the field.
fn missed(cases: &[EvalCase], dir: &Directory, period: Period, out: &mut Tallies) {
    for (user, person) in dir.people.iter().filter(|(_, p)| p.role == Role::Inspector) {
        let exact = dir.patrol_missed.as_ref().map(|m| m.get(user));
        let t = out.entry(*user);
        for case in cases {
            let s = &case.state;
            let in_cells = s.cell().is_some_and(|c| person.cells.contains(&c));
            if !in_cells || !period.holds(s.filed_at) {
                continue;
            }
            t.inc("cell_filed");
            let missed = match exact {
                Some(found) => found.is_some_and(|f| f.contains(&case.case_id)),
                None => is_public(s) && s.verification == Some(true),
            };
            t.inc_if(missed, "missed");
        }
    }
}

fn intake_acts(idx: &CaseIndex<'_>, period: Period, out: &mut Tallies) {
    let s = idx.state();
    let role = Role::IntakeOperator;
    let mut took_in = BTreeSet::new();
    for v in &s.visits {
        let entry = idx.entry(v);
        if matches!(entry.map(|e| &e.kind), Some(EventKind::Report(_)))
            && period.contains(v.entered_at)
            && let Some(u) = by(entry, role)
        {
            took_in.insert(u);
        }
        let exit = idx.exit(v);
        let kind = exit.map(|e| &e.kind);
        if period.holds(v.exited_at)
            && let Some(user) = by(exit, role)
            && matches!(
                kind,
                Some(
                    EventKind::Accept
                        | EventKind::RequestVerification { .. }
                        | EventKind::MergeInto { .. }
                )
            )
        {
            took_in.insert(user);
        }
        if !charged(idx, v, period) {
            continue;
        }
        if open_charged(idx, v, period) {
            // Overdue and untaken at the period end: the pool's. A public report waiting in
            // 待受理 is due its 核实派发; an inspector's report has no timed intake figure.
            match v.status {
                Status::Reported if is_public(s) => {
                    out.pool.inc("verify_dispatched");
                }
                Status::FeedbackReceived => out.pool.inc("check_dispatched"),
                _ => {}
            }
            continue;
        }
        let Some(user) = by(exit, role) else { continue };
        let t = out.entry(user);
        match kind {
            Some(EventKind::RequestVerification { .. }) => {
                t.inc("verify_dispatched");
                t.inc_if(idx.ended_on_time(v), "ontime_verify_dispatched");
            }
            Some(EventKind::RequestCheck { .. }) => {
                t.inc("check_dispatched");
                t.inc_if(idx.ended_on_time(v), "ontime_check_dispatched");
            }
            _ => {}
        }
    }
    for u in took_in {
        out.entry(u).inc("intake");
    }
}

fn shift_leader_acts(idx: &CaseIndex<'_>, period: Period, out: &mut Tallies) {
    let s = idx.state();
    for v in s.visits.iter().filter(|v| charged(idx, v, period)) {
        if v.exited_at.is_none() {
            match v.status {
                Status::AwaitingFiling => out.pool.inc("filed"),
                Status::AwaitingClose => out.pool.inc("closed"),
                _ => {}
            }
            continue;
        }
        let exit = idx.exit(v);
        let Some(user) = by(exit, Role::ShiftLeader) else {
            continue;
        };
        let t = out.entry(user);
        match exit.map(|e| &e.kind) {
            Some(EventKind::File { .. } | EventKind::FastDispatch { .. }) => {
                t.inc("filed");
                t.inc_if(idx.ended_on_time(v), "ontime_filed");
                t.inc_if(s.status == Status::Voided, "voided");
            }
            Some(EventKind::Close { .. }) => {
                t.inc("closed");
                t.inc_if(idx.ended_on_time(v), "ontime_closed");
            }
            _ => {}
        }
    }
}

fn dispatcher_acts(
    idx: &CaseIndex<'_>,
    period: Period,
    policy: &EvaluationPolicy,
    out: &mut Tallies,
) {
    let s = idx.state();
    for (i, v) in s.visits.iter().enumerate() {
        if !charged(idx, v, period) {
            continue;
        }
        if v.exited_at.is_none() {
            if v.status == Status::AwaitingDispatch {
                out.pool.inc("dispatched");
            }
            continue;
        }
        let exit = idx.exit(v);
        let Some(user) = by(exit, Role::Dispatcher) else {
            continue;
        };
        if !matches!(
            exit.map(|e| &e.kind),
            Some(EventKind::Dispatch { .. } | EventKind::FastDispatch { .. })
        ) {
            continue;
        }
        let t = out.entry(user);
        t.inc("dispatched");
        t.inc_if(idx.ended_on_time(v), "ontime_dispatched");
        let reworked = policy.rework_makes_dispatch_inaccurate
            && idx.assignment(i + 1).iter().any(|w| {
                w.status == Status::AwaitingCheck
                    && idx
                        .exit(w)
                        .is_some_and(|e| matches!(e.kind, EventKind::Check { passed: false, .. }))
            });
        t.inc_if(idx.sent_back(i + 1) || reworked, "inaccurate");
    }
}

fn figures(level: Level, t: &Tally, policy: &EvaluationPolicy, tier_scale: f64) -> Vec<Figure> {
    let g = |k| t.get(k);
    match level {
        Level::Inspector => vec![
            Figure::count("reports", "上报数", g("reports")),
            Figure::count("valid_reports", "有效上报数", g("valid_reports")),
            Figure::rate(
                "valid_report_rate",
                "有效上报率",
                g("valid_reports"),
                g("reports"),
                false,
            ),
            Figure::count("verify_due", "应核实数", g("verify_due")),
            Figure::count("ontime_verified", "按时核实数", g("ontime_verified")),
            Figure::rate(
                "ontime_verify_rate",
                "按时核实率",
                g("ontime_verified"),
                g("verify_due"),
                false,
            ),
            Figure::count("check_due", "应核查数", g("check_due")),
            Figure::count("ontime_checked", "按时核查数", g("ontime_checked")),
            Figure::rate(
                "ontime_check_rate",
                "按时核查率",
                g("ontime_checked"),
                g("check_due"),
                false,
            ),
            Figure::count("cell_filed", "责任网格立案数", g("cell_filed")),
            Figure::count("missed", "漏报数", g("missed")),
            Figure::rate("missed_rate", "漏报率", g("missed"), g("cell_filed"), true),
            Figure::count("self_handled", "自行处置数", g("self_handled")),
        ],
        Level::IntakeOperator => vec![
            Figure::count("intake", "受理数", g("intake")),
            Figure::score(
                "intake_score",
                "受理数分值",
                tier_score(&policy.intake_tiers, g("intake"), tier_scale),
            ),
            Figure::count("verify_dispatched", "核实派发数", g("verify_dispatched")),
            Figure::count(
                "ontime_verify_dispatched",
                "核实按时派发数",
                g("ontime_verify_dispatched"),
            ),
            Figure::rate(
                "ontime_verify_dispatch_rate",
                "核实按时派发率",
                g("ontime_verify_dispatched"),
                g("verify_dispatched"),
                false,
            ),
            Figure::count("check_dispatched", "核查派发数", g("check_dispatched")),
            Figure::count(
                "ontime_check_dispatched",
                "核查按时派发数",
                g("ontime_check_dispatched"),
            ),
            Figure::rate(
                "ontime_check_dispatch_rate",
                "核查按时派发率",
                g("ontime_check_dispatched"),
                g("check_dispatched"),
                false,
            ),
        ],
        Level::ShiftLeader => {
            let accurate = g("filed") - g("voided");
            vec![
                Figure::count("filed", "立案数", g("filed")),
                Figure::count("ontime_filed", "按时立案数", g("ontime_filed")),
                Figure::rate(
                    "ontime_file_rate",
                    "按时立案率",
                    g("ontime_filed"),
                    g("filed"),
                    false,
                ),
                Figure::count("voided", "作废数", g("voided")),
                Figure::count("accurate_filed", "准确立案数", accurate),
                Figure::rate(
                    "accurate_file_rate",
                    "准确立案率",
                    accurate,
                    g("filed"),
                    false,
                ),
                Figure::count("closed", "应结案数", g("closed")),
                Figure::count("ontime_closed", "按时结案数", g("ontime_closed")),
                Figure::rate(
                    "ontime_close_rate",
                    "按时结案率",
                    g("ontime_closed"),
                    g("closed"),
                    false,
                ),
            ]
        }
        _ => {
            let accurate = g("dispatched") - g("inaccurate");
            vec![
                Figure::count("dispatched", "应派遣数", g("dispatched")),
                Figure::score(
                    "dispatch_score",
                    "派遣数分值",
                    tier_score(&policy.dispatch_tiers, g("dispatched"), tier_scale),
                ),
                Figure::count("ontime_dispatched", "按时派遣数", g("ontime_dispatched")),
                Figure::rate(
                    "ontime_dispatch_rate",
                    "按时派遣率",
                    g("ontime_dispatched"),
                    g("dispatched"),
                    false,
                ),
                Figure::count("inaccurate", "返工数", g("inaccurate")),
                Figure::count("accurate_dispatched", "准确派遣数", accurate),
                Figure::rate(
                    "accurate_dispatch_rate",
                    "准确派遣率",
                    accurate,
                    g("dispatched"),
                    false,
                ),
            ]
        }
    }
}

pub(super) fn evaluate(
    level: Level,
    cases: &[EvalCase],
    dir: &Directory,
    period: Period,
    policy: &EvaluationPolicy,
) -> super::Table {
    let role = role_of(level);
    let tier_scale = policy.tier_scale(period.from, period.to);
    let mut tallies = Tallies {
        people: dir
            .people
            .iter()
            .filter(|(_, p)| p.role == role)
            .map(|(u, _)| (*u, Tally::default()))
            .collect(),
        pool: Tally::default(),
    };
    if level == Level::Inspector {
        missed(cases, dir, period, &mut tallies);
    }
    for case in cases {
        let idx = case.index();
        match level {
            Level::Inspector => inspector_acts(&idx, period, &mut tallies),
            Level::IntakeOperator => intake_acts(&idx, period, &mut tallies),
            Level::ShiftLeader => shift_leader_acts(&idx, period, &mut tallies),
            _ => dispatcher_acts(&idx, period, policy, &mut tallies),
        }
    }
    let mut rows: Vec<Row> = tallies
        .people
        .iter()
        .map(|(user, t)| Row {
            id: user.to_string(),
            name: dir
                .people
                .get(user)
                .map_or_else(|| user.to_string(), |p| p.name.clone()),
            figures: figures(level, t, policy, tier_scale),
            score: None,
            grade: None,
        })
        .collect();
    let pool = !tallies.pool.0.is_empty();
    if pool {
        rows.push(Row {
            id: POOL_ROW.to_owned(),
            name: "（未领取）".to_owned(),
            figures: figures(level, &tallies.pool, policy, tier_scale),
            score: None,
            grade: None,
        });
    }
    let mut table = finish(
        level,
        period.from,
        period.to,
        rows,
        figures(level, &Tally::default(), policy, tier_scale),
        policy,
    );
    // The pool is nobody's performance: its counts and rates are shown, with no composite
    // score or grade.
    if let Some(row) = table.rows.iter_mut().find(|r| r.id == POOL_ROW) {
        row.score = None;
        row.grade = None;
    }
    table
}
