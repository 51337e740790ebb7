//! Deadlines and lights (green / yellow / red) for every clock of a case, counted on the
//! tenant's work calendar or in natural time as each limit says.
//!
//! Pure: the caller passes the folded state, the policy, the category's handling limit, the
//! calendar and `now`. Rules (WORKFLOW.md "Clocks"):
//! - a stage clock starts when the case enters the status that runs it and stops when it
//!   leaves; re-entering starts a new clock;
//! - the handling clock starts at dispatch and runs over every `InProgress` stay of the round;
//!   its limit is the dispatch's limit or the category's for the urgency, plus the approved
//!   extensions requested during that run (so an extension stays with the department and round
//!   that asked: after a send-back or reopen the next run starts without it) and before its
//!   deadline (a late request is listed in `late_extensions` and moves nothing); parked time
//!   does not count (the deadline moves by the parked stretch, measured on the same kind of
//!   time as the limit);
//! - after a failed check a new round starts, with the full limit or the remainder
//!   ([`ReworkTiming`]);
//! - acts are timed by the fold's act time (device HLC bounded by the server's receipt), so a
//!   report that waited for signal is not charged the wait (docs/ARCHITECTURE.md, clock skew).
//! - a superior's deadline (`external_deadline` of a handed-down report) caps the handling
//!   deadline: nothing moves it later;
//! - light: used fraction < `yellow_fraction` green, < 1 yellow, otherwise red.
//! - the 回访 clock ([`Deadlines::callback`]) runs for a closed public-channel case (hotline,
//!   public app, Open311: [`needs_callback`]) from its latest closing until its first callback;
//!   its limit is the policy's optional `callback` stage (no limit when the file sets none). It
//!   is kept apart from `clocks`: it does not colour the case's light (no handling stage runs).

mod policy;
mod teams;
#[cfg(test)]
mod tests;

pub use policy::{Clock, DeadlinePolicy, ReworkTiming, UrgencyLimits};
pub use teams::TeamCalendars;

use crate::calendar::WorkCalendar;
use crate::model::{EventId, TimeLimit, Timestamp};
use crate::workflow::{CaseState, Status};
use serde::{Deserialize, Serialize};

/// A deadline light.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Debug)]
#[serde(rename_all = "snake_case")]
pub enum Light {
    /// Within the limit.
    Green,
    /// Past the warning fraction.
    Yellow,
    /// Overdue.
    Red,
    /// No limit applies (no clock, or no handling limit known).
    None,
}

impl Light {
    /// The Chinese label.
    pub fn label_zh(self) -> &'static str {
        match self {
            Light::Green => "正常",
            Light::Yellow => "预警",
            Light::Red => "超期",
            Light::None => "无时限",
        }
    }
}

/// One run of one clock.
#[derive(Clone, PartialEq, Serialize, Deserialize, Debug)]
pub struct ClockReading {
    /// Which clock.
    pub clock: Clock,
    /// Handling round (rework count) it belongs to.
    pub round: u32,
    /// When it started.
    pub started_at: Timestamp,
    /// When it stopped (the case left the stage), None while running.
    pub ended_at: Option<Timestamp>,
    /// The limit applied (with extensions, for handling).
    pub limit: Option<TimeLimit>,
    /// The deadline instant, when a limit applies.
    pub deadline: Option<Timestamp>,
    /// Fraction of the limit used (at the end, or at `now` while running).
    pub used: f64,
    /// Light at the end, or now.
    pub light: Light,
    /// Approved extensions of this run requested after its deadline had passed: recorded,
    /// but they move no deadline (a late request never turns a late case on-time).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub late_extensions: Vec<EventId>,
    /// Clock time from the end of the run (or `now` while it runs) to the deadline, in
    /// milliseconds: positive is time left (or finished early by), negative is overdue by.
    /// Counted on the clock's calendar in working time when its limit is in working units
    /// ([`Self::working`]), in natural time otherwise; parked stretches already moved the
    /// deadline. `None` without a deadline. This is what a countdown shows ("剩余 3 工作时"),
    /// never `deadline - now`, which counts nights, weekends and holidays.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub margin_ms: Option<i64>,
    /// Whether [`Self::margin_ms`] counts working time (the limit is in working units).
    #[serde(default)]
    pub working: bool,
}

impl ClockReading {
    /// A run not yet measured (no fraction used, no light).
    fn new(
        clock: Clock,
        round: u32,
        started_at: Timestamp,
        ended_at: Option<Timestamp>,
        limit: Option<TimeLimit>,
        deadline: Option<Timestamp>,
    ) -> Self {
        let (used, light) = (0.0, Light::None);
        ClockReading {
            clock,
            round,
            started_at,
            ended_at,
            limit,
            deadline,
            used,
            light,
            late_extensions: Vec::new(),
            margin_ms: None,
            working: false,
        }
    }

    /// Whether the stage ended within its limit (None while running or with no limit).
    pub fn on_time(&self) -> Option<bool> {
        match (self.ended_at, self.deadline) {
            (Some(end), Some(deadline)) => Some(end <= deadline),
            _ => None,
        }
    }
}

/// Every clock of a case: finished ones and the running one.
#[derive(Clone, PartialEq, Serialize, Deserialize, Debug, Default)]
pub struct Deadlines {
    /// Every clock run, in order of start.
    pub clocks: Vec<ClockReading>,
    /// The 回访 clock of the case's current close, when it is closed and needs a callback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback: Option<ClockReading>,
}

impl Deadlines {
    /// The running clock, if the case is in a timed stage.
    pub fn current(&self) -> Option<&ClockReading> {
        self.clocks.iter().rev().find(|c| c.ended_at.is_none())
    }

    /// The case's light: the running clock's, or `None`.
    pub fn light(&self) -> Light {
        self.current().map_or(Light::None, |c| c.light)
    }

    /// For a closed case: whether it was closed on time (按期结案: no handling round ended
    /// late, as the evaluation counts it), `None` when no handling round had a limit.
    pub fn handled_on_time(&self) -> Option<bool> {
        let mut timed = self
            .clocks
            .iter()
            .filter(|c| c.clock == Clock::Handling && c.deadline.is_some())
            .peekable();
        timed.peek()?;
        Some(timed.all(|c| c.on_time() != Some(false)))
    }
}

/// The stage clock run by a status, if any.
pub fn clock_of(status: Status) -> Option<Clock> {
    match status {
        Status::Reported => Some(Clock::Accept),
        Status::AwaitingVerification => Some(Clock::Verify),
        Status::AwaitingFiling => Some(Clock::File),
        Status::AwaitingDispatch => Some(Clock::Dispatch),
        Status::InProgress => Some(Clock::Handling),
        Status::FeedbackReceived => Some(Clock::CheckDispatch),
        Status::AwaitingCheck => Some(Clock::Check),
        Status::AwaitingClose => Some(Clock::Close),
        Status::SelfHandledPendingReview => Some(Clock::Review),
        Status::Draft
        | Status::Parked
        | Status::Closed
        | Status::Rejected
        | Status::Voided
        | Status::Merged => None,
    }
}

/// What the deadline computation needs besides the case.
#[derive(Clone, Copy)]
pub struct DeadlineContext<'a> {
    /// The tenant's policy.
    pub policy: &'a DeadlinePolicy,
    /// The tenant's calendar (for every clock its team calendars do not assign).
    pub calendar: &'a WorkCalendar,
    /// The tenant's calendars per team, when it has them.
    pub teams: Option<&'a TeamCalendars>,
    /// The category's handling limit for the case's urgency (from the catalog), if known.
    pub category_limit: Option<TimeLimit>,
    /// The current time.
    pub now: Timestamp,
}

impl<'a> DeadlineContext<'a> {
    /// This context counting on the calendar of `clock` (of `department`'s team for the
    /// handling clock).
    fn for_clock(&self, clock: Clock, department: Option<crate::model::DepartmentId>) -> Self {
        let calendar = self
            .teams
            .and_then(|t| t.for_clock(clock, department))
            .unwrap_or(self.calendar);
        DeadlineContext { calendar, ..*self }
    }
}

/// Computes every clock of the case.
pub fn deadlines(state: &CaseState, ctx: &DeadlineContext<'_>) -> Deadlines {
    let mut clocks = Vec::new();
    let mut i = 0;
    let mut carried_remainder: Option<i64> = None;
    while i < state.visits.len() {
        let visit = &state.visits[i];
        match clock_of(visit.status) {
            Some(Clock::Handling) => {
                let (reading, next, remainder) = handling_round(state, i, ctx, carried_remainder);
                carried_remainder = remainder;
                clocks.push(reading);
                i = next;
                continue;
            }
            Some(clock) => {
                let ctx = &ctx.for_clock(clock, None);
                let limit = ctx.policy.stage_limit(clock, state.urgency());
                let start = visit.available_at;
                let deadline = limit.and_then(|l| ctx.calendar.add_limit(start, l));
                let run =
                    ClockReading::new(clock, visit.round, start, visit.exited_at, limit, deadline);
                let working = limit.is_none_or(|l| l.unit.is_working());
                clocks.push(measured(run, &[], ctx, working));
            }
            None => {}
        }
        i += 1;
    }
    let callback = callback_run(state, ctx);
    Deadlines { clocks, callback }
}

/// Whether a case needs a call-back (回访) once closed: it came from the public (hotline,
/// public app, Open311), whose reporter is called back.
pub fn needs_callback(state: &CaseState) -> bool {
    state.report.as_ref().is_some_and(|r| {
        matches!(
            r.source,
            crate::model::SourceChannel::PublicHotline
                | crate::model::SourceChannel::PublicApp
                | crate::model::SourceChannel::PublicOpen311
        )
    })
}

/// The 回访 clock: from the start of the case's current closed stay to the first callback in
/// it; None unless the case is closed and needs a callback.
fn callback_run(state: &CaseState, ctx: &DeadlineContext<'_>) -> Option<ClockReading> {
    if state.status != Status::Closed || !needs_callback(state) {
        return None;
    }
    let stay = state.visits.last().filter(|v| v.status == Status::Closed)?;
    let start = stay.entered_at;
    let ended_at = state
        .callbacks
        .iter()
        .map(|c| c.at)
        .filter(|at| *at >= start)
        .min();
    let ctx = &ctx.for_clock(Clock::Callback, None);
    let limit = ctx.policy.stage_limit(Clock::Callback, state.urgency());
    let deadline = limit.and_then(|l| ctx.calendar.add_limit(start, l));
    let run = ClockReading::new(
        Clock::Callback,
        stay.round,
        start,
        ended_at,
        limit,
        deadline,
    );
    let working = limit.is_none_or(|l| l.unit.is_working());
    Some(measured(run, &[], ctx, working))
}

/// The handling clock of the round starting at visit `start`; returns the reading, the index
/// of the first visit after the round, and for `Remainder` timing the time left at feedback.
fn handling_round(
    state: &CaseState,
    start: usize,
    ctx: &DeadlineContext<'_>,
    carried: Option<i64>,
) -> (ClockReading, usize, Option<i64>) {
    let first = &state.visits[start];
    let round = first.round;
    // The round runs over InProgress and Parked stays until it leaves both.
    let mut end = start;
    while end + 1 < state.visits.len()
        && matches!(
            state.visits[end].status,
            Status::InProgress | Status::Parked
        )
        && matches!(
            state.visits[end + 1].status,
            Status::InProgress | Status::Parked
        )
        && state.visits[end + 1].round == round
    {
        end += 1;
    }
    let ended_at = state.visits[end].exited_at;
    let started_at = first.available_at;
    let after_rework = start > 0 && state.visits[start - 1].status == Status::AwaitingCheck;
    let parked: Vec<(Timestamp, Timestamp)> = state.visits[start..=end]
        .iter()
        .filter(|v| v.status == Status::Parked)
        .map(|v| (v.entered_at, v.exited_at.unwrap_or(ctx.now)))
        .collect();
    let dispatch = state
        .dispatches
        .iter()
        .rev()
        .find(|d| d.at <= first.entered_at);
    let ctx = &ctx.for_clock(Clock::Handling, dispatch.map(|d| d.department));
    let dispatch_limit = dispatch.and_then(|d| d.limit);
    let base = dispatch_limit.or(ctx.category_limit);
    let working = base.is_none_or(|l| l.unit.is_working());
    let mut deadline = match (base, carried, ctx.policy.rework) {
        (Some(_), Some(left), ReworkTiming::Remainder) if after_rework => {
            add_clock_ms(ctx, started_at, left, working)
        }
        (Some(b), _, _) => ctx.calendar.add_limit(started_at, b),
        (None, _, _) => None,
    };
    // Extensions granted for this run (requested during it: an extension belongs to the
    // department and round that asked, never to the next department after a send-back or
    // reopen), and parked stretches, in time order. An extension requested after the deadline
    // then in force is late: recorded, but it moves nothing.
    let granted = state
        .granted_between(first.entered_at, ended_at)
        .filter(|(e, _)| e.round == round)
        .map(|(e, g)| (e.requested_at, Step::Extend(e.requested_by, g)));
    let mut steps: Vec<(Timestamp, Step)> = parked
        .iter()
        .map(|&(from, to)| (from, Step::Park(to)))
        .chain(granted)
        .collect();
    steps.sort_by_key(|(t, _)| *t);
    let mut counted = Vec::new();
    let mut late_extensions = Vec::new();
    for (t, step) in steps {
        let Some(d) = deadline else { break };
        match step {
            Step::Park(to) if t < d => {
                let stopped = clock_ms(ctx, t, to, working);
                deadline = add_clock_ms(ctx, d, stopped, working);
            }
            Step::Park(_) => {}
            Step::Extend(_, g) if t <= d => {
                deadline = ctx.calendar.add_limit(d, g);
                counted.push(g);
            }
            Step::Extend(id, _) => late_extensions.push(id),
        }
    }
    // A superior platform's deadline (上级交办时限) is a hard cap: no limit, extension or
    // parked stretch takes the handling clock past it (issue 12, item 6).
    if let Some(cap) = state.report.as_ref().and_then(|r| r.external_deadline) {
        deadline = Some(deadline.map_or(cap, |d| d.min(cap)));
    }
    let remainder = match (deadline, ended_at) {
        (Some(d), Some(e)) => {
            Some((clock_ms(ctx, e, d, working) - parked_ms_after(ctx, &parked, e, working)).max(0))
        }
        _ => None,
    };
    let limit = base.map(|b| with_extensions(b, &counted));
    let mut run = ClockReading::new(
        Clock::Handling,
        round,
        started_at,
        ended_at,
        limit,
        deadline,
    );
    run.late_extensions = late_extensions;
    let reading = measured(run, &parked, ctx, working);
    // Skip the visits of this round; the next visit (if any) is where the round ended.
    (reading, end + 1, remainder)
}

/// What happens on a handling run's timeline besides the clock running.
enum Step {
    /// A parked stretch starts (its end).
    Park(Timestamp),
    /// An approved extension was requested (request event, time granted).
    Extend(EventId, TimeLimit),
}

fn parked_ms_after(
    ctx: &DeadlineContext<'_>,
    parked: &[(Timestamp, Timestamp)],
    after: Timestamp,
    working: bool,
) -> i64 {
    parked
        .iter()
        .filter(|(f, _)| *f >= after)
        .map(|(f, t)| clock_ms(ctx, *f, *t, working))
        .sum()
}

/// The limit text with extensions, when they share its unit (for display); otherwise the base.
fn with_extensions(base: TimeLimit, extensions: &[TimeLimit]) -> TimeLimit {
    if extensions.iter().all(|e| e.unit == base.unit) {
        TimeLimit::new(
            base.value + extensions.iter().map(|e| e.value).sum::<u32>(),
            base.unit,
        )
    } else {
        base
    }
}

/// Milliseconds of clock time between two instants: working time or natural time.
fn clock_ms(ctx: &DeadlineContext<'_>, a: Timestamp, b: Timestamp, working: bool) -> i64 {
    if working {
        ctx.calendar.working_ms_between(a, b)
    } else {
        (b.0 - a.0).max(0)
    }
}

fn add_clock_ms(
    ctx: &DeadlineContext<'_>,
    t: Timestamp,
    ms: i64,
    working: bool,
) -> Option<Timestamp> {
    if working {
        let minutes = (ms + Timestamp::MINUTE_MS - 1) / Timestamp::MINUTE_MS;
        ctx.calendar.add_working_minutes(t, minutes)
    } else {
        Some(Timestamp(t.0.saturating_add(ms)))
    }
}

/// Fills in `used` and `light` of a clock run, measuring on working or natural time and leaving
/// out the parked stretches.
fn measured(
    mut run: ClockReading,
    parked: &[(Timestamp, Timestamp)],
    ctx: &DeadlineContext<'_>,
    working: bool,
) -> ClockReading {
    let (started_at, deadline) = (run.started_at, run.deadline);
    let at = run.ended_at.unwrap_or(ctx.now).max(started_at);
    let stopped: i64 = parked
        .iter()
        .map(|(f, t)| clock_ms(ctx, *f, (*t).min(at), working))
        .sum();
    let (used, light) = match deadline {
        None => (0.0, Light::None),
        Some(d) => {
            let stopped_before_deadline: i64 = parked
                .iter()
                .map(|(f, t)| clock_ms(ctx, *f, (*t).min(d), working))
                .sum();
            let budget = (clock_ms(ctx, started_at, d, working) - stopped_before_deadline).max(0);
            let spent = (clock_ms(ctx, started_at, at, working) - stopped).max(0);
            let used = if budget == 0 {
                if spent > 0 || at > d { 1.0 } else { 0.0 }
            } else {
                spent as f64 / budget as f64
            };
            let light = if at > d {
                Light::Red
            } else if used >= ctx.policy.yellow_fraction {
                Light::Yellow
            } else {
                Light::Green
            };
            (used, light)
        }
    };
    run.used = used;
    run.light = light;
    run.working = working;
    run.margin_ms = deadline.map(|d| {
        if at <= d {
            clock_ms(ctx, at, d, working)
        } else {
            -clock_ms(ctx, d, at, working)
        }
    });
    run
}
