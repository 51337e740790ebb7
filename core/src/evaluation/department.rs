//! 部门评价: every department assignment made in the period (a dispatch or fast dispatch whose
//! act time falls in it), as it stands at the period end.
//!
//! An assignment runs from its dispatch to the next dispatch, approved send-back or reopen.
//! Not charged to the department (left out of 应处置数): an assignment it sent back with
//! approval (the dispatch was wrong), a case voided by the period end, a case parked (挂账)
//! at the period end in this assignment, and an assignment still handling at the period end
//! inside its limit (not yet due: 应处置 = fed back by the period end, or its limit ran out). 处置 = the department's latest handling round ended
//! with its feedback; 按期 = no handling round of the assignment late; 返工 = a failed check
//! in the assignment; 超期待处置 = still handling at the period end with the clock overdue;
//! 延期 = an extension approved in the assignment; 回访 figures (满意率, 回访率, 按时回访率) for a
//! closed public case count for its last assignment. 督办数 = 督办 addressed to the department
//! raised in the period; 督办按时回复率 = of those with a required reply time, the share replied
//! by it (counted once replied or past its time
//! by the period end). A row for every department of the tenant.

use super::case::CaseIndex;
use super::table::{CallbackCounts, Figure, Level, Row, finish};
use super::{Directory, EvalCase, EvaluationPolicy, Period};
use crate::model::DepartmentId;
use crate::workflow::{Addressee, EventKind, Status};
use std::collections::BTreeMap;

#[derive(Default, Clone, Copy)]
struct Counts {
    due: u64,
    handled: u64,
    ontime: u64,
    rework: u64,
    overdue_pending: u64,
    extended: u64,
    callback: CallbackCounts,
    /// 督办 addressed to the department, raised in the period.
    escalated: u64,
    /// Of those with a required reply time: replied by it.
    escalation_ontime: u64,
    /// 督办 with a required reply time.
    escalation_due: u64,
}

impl Counts {
    fn figures(&self) -> Vec<Figure> {
        let mut figures = vec![
            Figure::count("due", "应处置数", self.due),
            Figure::count("handled", "处置数", self.handled),
            Figure::count("ontime_handled", "按期处置数", self.ontime),
            Figure::count("late_handled", "超期处置数", self.handled - self.ontime),
            Figure::count("rework", "返工数", self.rework),
            Figure::count("overdue_pending", "超期待处置数", self.overdue_pending),
            Figure::count("extended", "延期数", self.extended),
            Figure::rate("handle_rate", "处置率", self.handled, self.due, false),
            Figure::rate(
                "ontime_handle_rate",
                "按期处置率",
                self.ontime,
                self.due,
                false,
            ),
            Figure::rate("rework_rate", "返工率", self.rework, self.due, true),
            Figure::rate(
                "overdue_pending_rate",
                "超期待处置率",
                self.overdue_pending,
                self.due,
                true,
            ),
            Figure::rate("extension_rate", "延期率", self.extended, self.due, true),
        ];
        figures.extend(self.callback.figures());
        figures.extend([
            Figure::count("escalated", "督办数", self.escalated),
            Figure::count(
                "escalation_reply_ontime",
                "督办按时回复数",
                self.escalation_ontime,
            ),
            Figure::rate(
                "escalation_reply_ontime_rate",
                "督办按时回复率",
                self.escalation_ontime,
                self.escalation_due,
                false,
            ),
        ]);
        figures
    }
}

/// What one assignment (starting at stay `start`) adds to its department's counts.
fn assignment_counts(idx: &CaseIndex<'_>, start: usize, period: Period) -> Option<Counts> {
    let s = idx.state();
    let span = idx.assignment(start);
    let is_current = start + span.len() == s.visits.len();
    if s.status == Status::Voided
        || idx.sent_back(start)
        || (is_current && s.status == Status::Parked)
    {
        return None;
    }
    let handling: Vec<_> = span
        .iter()
        .filter(|v| v.status == Status::InProgress)
        .collect();
    let last = handling.last()?;
    let handled = idx
        .exit(last)
        .is_some_and(|e| matches!(e.kind, EventKind::Feedback { .. }));
    let overdue_pending = idx.open_and_overdue(last);
    let inside_limit = idx
        .reading(last)
        .and_then(|r| r.deadline)
        .is_some_and(|d| d >= period.to);
    if !handled && last.exited_at.is_none() && inside_limit {
        // Still handling inside its limit at the period end: not yet due (issue 12, C2). With
        // no limit known it is due, as in the region tables.
        return None;
    }
    let ontime = handled && handling.iter().all(|v| idx.ended_on_time(v));
    let rework = span.iter().any(|v| {
        v.status == Status::AwaitingCheck
            && idx
                .exit(v)
                .is_some_and(|e| matches!(e.kind, EventKind::Check { passed: false, .. }))
    });
    let (from, to) = (span[0].entered_at, span.last().and_then(|v| v.exited_at));
    let extended = s.granted_between(from, to).next().is_some();
    // The 回访 of a closed public case is its last assignment's (the department whose handling
    // closed it).
    let mut callback = CallbackCounts::default();
    if is_current && s.status == Status::Closed {
        callback.add(idx.callback());
    }
    Some(Counts {
        due: 1,
        handled: u64::from(handled),
        ontime: u64::from(ontime),
        rework: u64::from(rework),
        overdue_pending: u64::from(overdue_pending),
        extended: u64::from(extended),
        callback,
        ..Counts::default()
    })
}

/// Every assignment of a case dispatched in the period, with what it adds to its department
/// (None when it is not charged: see the module doc).
fn assignments(idx: &CaseIndex<'_>, period: Period) -> Vec<(DepartmentId, Option<Counts>)> {
    idx.dispatches()
        .into_iter()
        .filter(|(start, _, _)| period.contains(idx.state().visits[*start].entered_at))
        .map(|(start, dept, _)| (dept, assignment_counts(idx, start, period)))
        .collect()
}

/// What one assignment dispatched in the period adds to its department's figures: the facts
/// the department table sums, so a drill-down lists exactly the cases behind a figure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AssignmentFacts {
    /// The department dispatched to.
    pub department: DepartmentId,
    /// 应处置: charged to the department.
    pub due: bool,
    /// 处置: fed back.
    pub handled: bool,
    /// 按期处置.
    pub ontime: bool,
    /// 超期待处置: still handling at the period end with the clock overdue.
    pub overdue_pending: bool,
}

/// The assignments of one case dispatched in the period (派遣 acts), in order.
pub fn assignment_facts(case: &EvalCase, period: Period) -> Vec<AssignmentFacts> {
    assignments(&case.index(), period)
        .into_iter()
        .map(|(department, c)| {
            let c = c.unwrap_or_default();
            AssignmentFacts {
                department,
                due: c.due == 1,
                handled: c.handled == 1,
                ontime: c.ontime == 1,
                overdue_pending: c.overdue_pending == 1,
            }
        })
        .collect()
}

pub(super) fn evaluate(
    cases: &[EvalCase],
    dir: &Directory,
    period: Period,
    policy: &EvaluationPolicy,
) -> super::Table {
    let mut depts: BTreeMap<DepartmentId, Counts> = dir
        .departments
        .keys()
        .map(|d| (*d, Counts::default()))
        .collect();
    for case in cases {
        // 督办 counts for the department it was addressed to, in the period it was raised; a
        // reply is on time when it came by the required time (one still awaited at the period
        // end and past it is late).
        for e in &case.state.escalations {
            let Some(Addressee::Department(d)) = e.addressee else {
                continue;
            };
            if !period.contains(e.at) {
                continue;
            }
            let entry = depts.entry(d).or_default();
            entry.escalated += 1;
            if let Some(due) = e.reply_by {
                // Due in the figure once replied or past its time by the period end.
                let reply = e.reply.as_ref().filter(|r| r.at < period.to);
                if reply.is_some() || due < period.to {
                    entry.escalation_due += 1;
                    entry.escalation_ontime += u64::from(reply.is_some_and(|r| r.at <= due));
                }
            }
        }
        for (dept, counts) in assignments(&case.index(), period) {
            let entry = depts.entry(dept).or_default();
            if let Some(c) = counts {
                entry.due += c.due;
                entry.handled += c.handled;
                entry.ontime += c.ontime;
                entry.rework += c.rework;
                entry.overdue_pending += c.overdue_pending;
                entry.extended += c.extended;
                entry.callback.due += c.callback.due;
                entry.callback.called += c.callback.called;
                entry.callback.ontime += c.callback.ontime;
                entry.callback.satisfied += c.callback.satisfied;
            }
        }
    }
    let rows = depts
        .into_iter()
        .map(|(id, c)| Row {
            id: id.to_string(),
            name: dir
                .departments
                .get(&id)
                .cloned()
                .unwrap_or_else(|| id.to_string()),
            figures: c.figures(),
            score: None,
            grade: None,
        })
        .collect();
    finish(
        Level::Department,
        period.from,
        period.to,
        rows,
        Counts::default().figures(),
        policy,
    )
}
