//! 区域评价: cells, communities, streets and the tenant, over the cases filed (立案) in the
//! period, as they stand at its end.
//!
//! 立案数 excludes cases parked (挂账) at the period end (the source's "立案数 − 挂账数"); 应结案数
//! also excludes voided cases and cases not yet due: still open at the period end with their
//! running clock inside its limit and no handling limit run out (issue 12, C2: a case filed on
//! the 30th does not drag its month's rates down); 按期结案 means closed with no handling round
//! late. 回访 figures (满意率 = 满意 ÷ 回访, 回访率, 按时回访率) cover the region's cases filed in the
//! period, closed at its end and from the public ([`CaseIndex::callback`]). A row exists
//! for every region of the tenant's cell table (with or without cases; a region outside it only
//! when it has cases), and 立案数分值 is scored on a fixed baseline per cell and month
//! ([`filed_score`]), not against the other rows.

use super::case::CaseIndex;
use super::table::{CallbackCounts, Figure, Level, Row, finish};
use super::{Directory, EvalCase, EvaluationPolicy, Period};
use crate::deadline::Clock;
use crate::model::{SourceChannel, Timestamp};
use crate::workflow::Status;
use std::collections::BTreeMap;

#[derive(Default, Clone, Copy)]
struct Counts {
    reported: u64,
    filed: u64,
    parked: u64,
    voided: u64,
    not_yet_due: u64,
    public_verified: u64,
    closed: u64,
    ontime_closed: u64,
    self_handled: u64,
    callback: CallbackCounts,
}

fn is_public(source: SourceChannel) -> bool {
    matches!(
        source,
        SourceChannel::PublicHotline | SourceChannel::PublicOpen311 | SourceChannel::PublicApp
    )
}

/// What one case adds to its region's counts.
fn case_counts(idx: &CaseIndex<'_>, period: Period) -> Counts {
    let s = idx.state();
    let mut c = Counts {
        reported: u64::from(period.holds(s.reported_at)),
        ..Counts::default()
    };
    c.self_handled = u64::from(s.visits.iter().any(|v| {
        v.status == Status::SelfHandledPendingReview
            && period.holds(v.exited_at)
            && idx.self_handle_approved()
    }));
    if !period.holds(s.filed_at) {
        return c;
    }
    c.filed = 1;
    match s.status {
        Status::Parked => c.parked = 1,
        Status::Voided => c.voided = 1,
        _ => {
            let public = s.report.as_ref().is_some_and(|r| is_public(r.source));
            c.public_verified = u64::from(public && s.verification == Some(true));
            c.not_yet_due = u64::from(s.status != Status::Closed && not_yet_due(idx, period));
            if s.status == Status::Closed {
                c.closed = 1;
                let late = idx
                    .case
                    .deadlines
                    .clocks
                    .iter()
                    .any(|r| r.clock == Clock::Handling && r.on_time() == Some(false));
                c.ontime_closed = u64::from(!late);
                c.callback.add(idx.callback());
            }
        }
    }
    c
}

/// What one case adds to the region figures of a period: the per-case facts the region tables
/// sum ([`case_counts`]), so a drill-down lists exactly the cases behind a figure (the
/// dashboard, biz::dashboard). Each fact is a 0/1 of the matching figure.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RegionFacts {
    /// 上报数: reported in the period.
    pub reported: bool,
    /// 立案数: filed in the period.
    pub filed: bool,
    /// 挂账数: filed in the period and parked at its end.
    pub parked: bool,
    /// 作废数: filed in the period and voided at its end.
    pub voided: bool,
    /// 应结案数: filed in the period, neither parked nor voided, and due by its end.
    pub due_close: bool,
    /// 结案数: filed in the period and closed at its end.
    pub closed: bool,
    /// 按期结案数: closed with no handling round late.
    pub ontime_closed: bool,
}

/// The region facts of one case for a period.
pub fn region_facts(case: &EvalCase, period: Period) -> RegionFacts {
    let c = case_counts(&case.index(), period);
    let effective = c.filed - c.parked;
    RegionFacts {
        reported: c.reported == 1,
        filed: c.filed == 1,
        parked: c.parked == 1,
        voided: c.voided == 1,
        due_close: effective - c.voided - c.not_yet_due == 1,
        closed: c.closed == 1,
        ontime_closed: c.ontime_closed == 1,
    }
}

/// Whether an open case filed in the period is still inside its limits at the period end: its
/// running clock has a deadline after the end and no handling limit has run out before it. A
/// case with no limit known, or with any handling run past its deadline, is due.
fn not_yet_due(idx: &CaseIndex<'_>, period: Period) -> bool {
    let clocks = &idx.case.deadlines;
    let running_in_time = clocks
        .current()
        .and_then(|c| c.deadline)
        .is_some_and(|d| d >= period.to);
    let handling_ran_out = clocks
        .clocks
        .iter()
        .any(|r| r.clock == Clock::Handling && r.deadline.is_some_and(|d| d < period.to));
    running_in_time && !handling_ran_out
}

impl Counts {
    fn add(&mut self, o: Counts) {
        self.reported += o.reported;
        self.filed += o.filed;
        self.parked += o.parked;
        self.voided += o.voided;
        self.not_yet_due += o.not_yet_due;
        self.public_verified += o.public_verified;
        self.closed += o.closed;
        self.ontime_closed += o.ontime_closed;
        self.self_handled += o.self_handled;
        self.callback.due += o.callback.due;
        self.callback.called += o.callback.called;
        self.callback.ontime += o.callback.ontime;
        self.callback.satisfied += o.callback.satisfied;
    }

    fn active(&self) -> bool {
        self.reported + self.filed + self.self_handled > 0
    }

    fn figures(&self, filed_score: Option<f64>) -> Vec<Figure> {
        let effective = self.filed - self.parked;
        let due = effective - self.voided - self.not_yet_due;
        let mut figures = vec![
            Figure::count("reported", "上报数", self.reported),
            Figure::count("filed", "立案数", self.filed),
            Figure::count("parked", "挂账数", self.parked),
            Figure::count("voided", "作废数", self.voided),
            Figure::count("effective_filed", "有效立案数", effective),
            match filed_score {
                Some(score) => Figure::score("filed_score", "立案数分值", score),
                None => Figure::no_score("filed_score", "立案数分值"),
            },
            Figure::count("public_verified", "监督举报核实数", self.public_verified),
            Figure::rate(
                "report_rate",
                "监督举报率",
                self.public_verified,
                effective,
                true,
            ),
            Figure::count("due_close", "应结案数", due),
            Figure::count("closed", "结案数", self.closed),
            Figure::count("ontime_closed", "按期结案数", self.ontime_closed),
            Figure::rate("close_rate", "结案率", self.closed, due, false),
            Figure::rate(
                "ontime_close_rate",
                "按期结案率",
                self.ontime_closed,
                due,
                false,
            ),
            Figure::count("self_handled", "自行处置数", self.self_handled),
        ];
        figures.extend(self.callback.figures());
        figures
    }
}

/// The region key and name of a case at `level`; None when the case has no cell (it then
/// counts only for the tenant).
fn region_of(level: Level, idx: &CaseIndex<'_>, dir: &Directory) -> Option<(String, String)> {
    if level == Level::Tenant {
        return Some(dir.tenant.clone());
    }
    Some(region_of_cell(level, idx.state().cell()?, dir))
}

/// The key and name of the region holding `cell` at a cell, community or street level.
fn region_of_cell(level: Level, cell: crate::codes::GridCode, dir: &Directory) -> (String, String) {
    let names = dir.cells.get(&cell).cloned().unwrap_or_default();
    let pick = |code: String, name: &str| {
        let name = if name.is_empty() {
            code.clone()
        } else {
            name.to_owned()
        };
        (code, name)
    };
    match level {
        Level::Cell => pick(cell.to_string(), &names.cell),
        Level::Community => pick(cell.community_code(), &names.community),
        _ => pick(cell.street_code(), &names.street),
    }
}

/// 立案数分值 on a fixed baseline (issue 12, C8): effective filings per cell per 30 days,
/// scored 100 at none and falling linearly to 0 at the policy's `filed_score_zero`; `None` when
/// the region's cell count is unknown (no cell table). Unlike a min–max among the rows, a
/// region's score does not depend on the other rows, and one case moves it by a small step.
fn filed_score(
    effective: u64,
    cells: usize,
    period: Period,
    policy: &EvaluationPolicy,
) -> Option<f64> {
    if cells == 0 {
        return None;
    }
    let months = (period.to.0 - period.from.0).max(1) as f64 / (30.0 * Timestamp::DAY_MS as f64);
    let density = effective as f64 / cells as f64 / months;
    Some(100.0 * (1.0 - density / policy.filed_score_zero).max(0.0))
}

pub(super) fn evaluate(
    level: Level,
    cases: &[EvalCase],
    dir: &Directory,
    period: Period,
    policy: &EvaluationPolicy,
) -> super::Table {
    // Every region of the cell table is listed, with or without cases; `cells` counts the
    // cells of each (the basis of 立案数分值).
    let mut regions: BTreeMap<String, (String, Counts)> = BTreeMap::new();
    let mut cells: BTreeMap<String, usize> = BTreeMap::new();
    if level == Level::Tenant {
        regions.insert(
            dir.tenant.0.clone(),
            (dir.tenant.1.clone(), Counts::default()),
        );
        cells.insert(dir.tenant.0.clone(), dir.cells.len());
    } else {
        for cell in dir.cells.keys() {
            let (key, name) = region_of_cell(level, *cell, dir);
            *cells.entry(key.clone()).or_default() += 1;
            regions.entry(key).or_insert((name, Counts::default()));
        }
    }
    for case in cases {
        let idx = case.index();
        let Some((key, name)) = region_of(level, &idx, dir) else {
            continue;
        };
        let counts = case_counts(&idx, period);
        let entry = regions.entry(key).or_insert((name, Counts::default()));
        entry.1.add(counts);
    }
    // A region outside the cell table (a case's cell missing from it) is listed only when it
    // has cases in the period, with no 立案数分值 (its size is unknown).
    regions.retain(|key, (_, c)| cells.contains_key(key) || c.active());
    let rows = regions
        .into_iter()
        .map(|(id, (name, c))| {
            let score = filed_score(
                c.filed - c.parked,
                cells.get(&id).copied().unwrap_or(0),
                period,
                policy,
            );
            Row {
                id,
                name,
                figures: c.figures(score),
                score: None,
                grade: None,
            }
        })
        .collect();
    finish(
        level,
        period.from,
        period.to,
        rows,
        Counts::default().figures(Some(100.0)),
        policy,
    )
}
