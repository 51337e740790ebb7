//! One case as evaluation sees it: its events up to the end of the period, their fold, and
//! every clock measured at the period's end; plus the questions every table asks of a case
//! (who made an act, which clock a stay ran and whether it ended on time, which department
//! held the case when).
//!
//! Invariant: an [`EvalCase`] built with [`EvalCase::as_of`] depends only on the case's events
//! and the period end, so a past period recomputed later gives the same figures unless events
//! acted inside it arrived since (an offline device's late upload), which then count.

use crate::calendar::WorkCalendar;
use crate::deadline::{
    ClockReading, DeadlineContext, DeadlinePolicy, Deadlines, Light, clock_of, deadlines,
};
use crate::model::{CaseId, DepartmentId, EventId, TimeLimit, Timestamp};
use crate::workflow::{CaseState, Event, EventKind, StageVisit, Status, fold};
use std::collections::HashMap;

/// A case folded as of a period's end.
#[derive(Clone, Debug)]
pub struct EvalCase {
    /// The case.
    pub case_id: CaseId,
    /// Its events acted before the period end, in fold order.
    pub events: Vec<Event>,
    /// Their fold.
    pub state: CaseState,
    /// Every clock, measured at the period end.
    pub deadlines: Deadlines,
}

/// The tenant rules the clocks need.
pub struct ClockRules<'a> {
    /// Stage limits.
    pub policy: &'a DeadlinePolicy,
    /// Work calendar.
    pub calendar: &'a WorkCalendar,
    /// Calendars per team, when the tenant has them.
    pub teams: Option<&'a crate::deadline::TeamCalendars>,
    /// The category's handling limit for a folded case (from the catalog).
    pub handling_limit: &'a dyn Fn(&CaseState) -> Option<TimeLimit>,
}

impl EvalCase {
    /// The case as it stood at `to`: only events whose act time is before `to` are folded,
    /// and the clocks are measured at `to`.
    pub fn as_of(case_id: CaseId, events: &[Event], to: Timestamp, rules: &ClockRules<'_>) -> Self {
        let mut kept: Vec<Event> = events
            .iter()
            .filter(|e| e.act_time() < to)
            .cloned()
            .collect();
        kept.sort_by_key(|e| e.order_key());
        let state = fold(&kept);
        let ctx = DeadlineContext {
            policy: rules.policy,
            calendar: rules.calendar,
            teams: rules.teams,
            category_limit: (rules.handling_limit)(&state),
            now: to,
        };
        let deadlines = deadlines(&state, &ctx);
        EvalCase {
            case_id,
            events: kept,
            state,
            deadlines,
        }
    }

    /// Looks events up by id.
    pub(crate) fn index(&self) -> CaseIndex<'_> {
        CaseIndex {
            case: self,
            events: self.events.iter().map(|e| (e.id, e)).collect(),
        }
    }
}

/// What a closed public-channel case adds to the 回访 figures.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct CallbackFacts {
    /// 应回访: called back, or its 回访 limit ran out by the period end.
    pub due: bool,
    /// 回访: called back by the period end.
    pub called: bool,
    /// 按时回访: the first callback came within the limit.
    pub ontime: bool,
    /// 满意: the first callback found the reporter satisfied.
    pub satisfied: bool,
}

/// A case with its events by id.
pub(crate) struct CaseIndex<'a> {
    pub case: &'a EvalCase,
    events: HashMap<EventId, &'a Event>,
}

impl<'a> CaseIndex<'a> {
    pub fn state(&self) -> &'a CaseState {
        &self.case.state
    }

    pub fn event(&self, id: EventId) -> Option<&'a Event> {
        self.events.get(&id).copied()
    }

    /// The event that ended a stay, if it has ended.
    pub fn exit(&self, v: &StageVisit) -> Option<&'a Event> {
        v.exited_by.and_then(|id| self.event(id))
    }

    /// The event that began a stay.
    pub fn entry(&self, v: &StageVisit) -> Option<&'a Event> {
        self.event(v.entered_by)
    }

    /// The clock run of a stay: for handling, the round's; otherwise the run that started
    /// when the stay became available.
    pub fn reading(&self, v: &StageVisit) -> Option<&'a ClockReading> {
        let clock = clock_of(v.status)?;
        let runs = self.case.deadlines.clocks.iter();
        if clock == crate::deadline::Clock::Handling {
            // A round spans several stays (parked, resumed): the latest run of the round that
            // started by this stay.
            runs.filter(|c| c.clock == clock && c.round == v.round)
                .rfind(|c| c.started_at <= v.available_at)
        } else {
            runs.filter(|c| c.clock == clock && c.round == v.round)
                .find(|c| c.started_at == v.available_at)
        }
    }

    /// Whether the stay's clock ended within its limit (a stay with no limit counts as on
    /// time; a stay still running is not on time).
    pub fn ended_on_time(&self, v: &StageVisit) -> bool {
        v.exited_at.is_some() && self.reading(v).and_then(|r| r.on_time()) != Some(false)
    }

    /// The instant a stay falls due for the position tables (issue 12, C2): the earlier of its
    /// exit and its deadline; a stay still open with no deadline never falls due. A stay is
    /// charged in the one period holding this instant: an act made in time in the period of
    /// the act, an overdue stay in the period its limit ran out (to whoever held it then, or
    /// to the pool), so an act made late in a later period is not charged a second time.
    pub fn charged_at(&self, v: &StageVisit) -> Option<Timestamp> {
        let deadline = self.reading(v).and_then(|r| r.deadline);
        match (v.exited_at, deadline) {
            (Some(e), Some(d)) => Some(e.min(d)),
            (Some(e), None) => Some(e),
            (None, d) => d,
        }
    }

    /// The case's 回访 at the period end: None unless it is closed and needs a callback (a
    /// public-channel case). Due when called back or when its 回访 limit ran out by the period
    /// end (or no limit is set); on time when the first callback came by the deadline (or no
    /// limit is set); satisfied per that first callback.
    pub fn callback(&self) -> Option<CallbackFacts> {
        let run = self.case.deadlines.callback.as_ref()?;
        let called = run.ended_at.is_some();
        let first = run
            .ended_at
            .and_then(|at| self.case.state.callbacks.iter().find(|c| c.at == at));
        Some(CallbackFacts {
            due: called || run.deadline.is_none() || run.light == Light::Red,
            called,
            ontime: called && run.on_time() != Some(false),
            satisfied: first.is_some_and(|c| c.satisfied),
        })
    }

    /// Whether the stay is still running at the period end and its clock is overdue.
    pub fn open_and_overdue(&self, v: &StageVisit) -> bool {
        v.exited_at.is_none() && self.reading(v).is_some_and(|r| r.light == Light::Red)
    }

    /// The stays of one department assignment: from the stay entered by the dispatch at
    /// `visit_index` up to (not including) the next stay entered by another dispatch or by a
    /// send-back/reopen leaving the department.
    pub fn assignment(&self, start: usize) -> &'a [StageVisit] {
        let visits = &self.case.state.visits;
        let mut end = start + 1;
        while end < visits.len() {
            let v = &visits[end];
            let leaves = matches!(
                self.entry(v).map(|e| &e.kind),
                Some(
                    EventKind::Dispatch { .. }
                        | EventKind::FastDispatch { .. }
                        | EventKind::ApproveSendback
                        | EventKind::Reopen { .. }
                )
            );
            if leaves {
                break;
            }
            end += 1;
        }
        &visits[start..end]
    }

    /// Whether an assignment ended by an approved send-back.
    pub fn sent_back(&self, start: usize) -> bool {
        let span = self.assignment(start);
        let next = self.case.state.visits.get(start + span.len());
        next.and_then(|v| self.entry(v))
            .is_some_and(|e| matches!(e.kind, EventKind::ApproveSendback))
    }

    /// The departments and stay indices of every dispatch (fast or not).
    pub fn dispatches(&self) -> Vec<(usize, DepartmentId, &'a Event)> {
        self.case
            .state
            .visits
            .iter()
            .enumerate()
            .filter_map(|(i, v)| {
                let e = self.entry(v)?;
                match &e.kind {
                    EventKind::Dispatch { department, .. }
                    | EventKind::FastDispatch { department, .. } => Some((i, *department, e)),
                    _ => None,
                }
            })
            .collect()
    }

    /// Whether the case was approved as self-handled (自行处置审核通过).
    pub fn self_handle_approved(&self) -> bool {
        self.case.state.visits.iter().any(|v| {
            v.status == Status::SelfHandledPendingReview
                && self
                    .exit(v)
                    .is_some_and(|e| matches!(e.kind, EventKind::ApproveSelfHandle))
        })
    }
}
