//! The folded state of a case: everything later parts (deadlines, the server's queue, the app,
//! evaluation) read. Built only by [`super::fold`]; never stored as mutable fields.

use super::conflict::Conflict;
use super::event::{MergedReporter, ReportPayload};
use super::status::Status;
use crate::codes::{CategoryRef, GridCode};
use crate::model::{
    Actor, CaseId, DepartmentId, EventId, Hlc, PhotoRef, Role, TimeLimit, Timestamp, Urgency,
    UserId,
};
use serde::{Deserialize, Serialize};

/// One stay of the case in one status: when it entered and left, and by which events.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Debug)]
pub struct StageVisit {
    /// The status.
    pub status: Status,
    /// Act time of the event that entered it.
    pub entered_at: Timestamp,
    /// The event that entered it.
    pub entered_by: EventId,
    /// When the centre could first see the entry: the entering event's server receipt time
    /// when later than its act time. Stage clocks start here, so the next actor is not charged
    /// for the time a report waited for signal.
    pub available_at: Timestamp,
    /// Act time of the event that left it (None while the case is still here).
    pub exited_at: Option<Timestamp>,
    /// The event that left it.
    pub exited_by: Option<EventId>,
    /// The handling round (rework count) at entry.
    pub round: u32,
}

/// An approval decision on a request.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Debug)]
pub struct Decision {
    /// Approved or denied.
    pub approved: bool,
    /// Act time of the decision.
    pub at: Timestamp,
    /// The deciding event.
    pub by: EventId,
}

/// An extension (延期) request and its outcome.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Debug)]
pub struct Extension {
    /// The request event.
    pub requested_by: EventId,
    /// Act time of the request.
    pub requested_at: Timestamp,
    /// Time asked for.
    pub requested: TimeLimit,
    /// Why.
    pub reason: String,
    /// The handling round it belongs to.
    pub round: u32,
    /// Time granted, when approved.
    pub granted: Option<TimeLimit>,
    /// The decision, once made.
    pub decision: Option<Decision>,
    /// The case left handling before a decision.
    pub lapsed: bool,
}

/// An open send-back (回退) or parking (挂账) request.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Debug)]
pub struct PendingRequest {
    /// The request event.
    pub event: EventId,
    /// Act time of the request.
    pub at: Timestamp,
    /// Why.
    pub reason: String,
    /// For parking: when it is expected to be solvable.
    pub expected: Option<Timestamp>,
}

/// A stretch of time the case was parked (clock stopped).
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Debug)]
pub struct ParkedInterval {
    /// Parking approved at.
    pub from: Timestamp,
    /// Resumed at (None while still parked).
    pub to: Option<Timestamp>,
}

/// A dispatch to a department.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Debug)]
pub struct DispatchRecord {
    /// The event.
    pub event: EventId,
    /// The department.
    pub department: DepartmentId,
    /// Act time.
    pub at: Timestamp,
    /// Handling limit recorded at dispatch (with `basis`), or an older build's override.
    pub limit: Option<TimeLimit>,
    /// Where the limit came from, as recorded by the dispatch event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<crate::model::LimitBasis>,
    /// Fast track (快速立案派遣).
    pub fast: bool,
    /// The department's 签收 of this dispatch, once given (older builds: never).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed: Option<Answer>,
}

/// A field check (核查) result.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Debug)]
pub struct CheckRecord {
    /// Passed or failed (返工).
    pub passed: bool,
    /// Act time.
    pub at: Timestamp,
    /// The inspector.
    pub by: UserId,
}

/// Who must answer a 督办 or acknowledge a 批示: a department's users, or everyone acting in a
/// centre role.
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Debug)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Addressee {
    /// The users of this department.
    Department(DepartmentId),
    /// Everyone acting in this role.
    Role(Role),
}

impl Addressee {
    /// Resolves an event's optional target: the department named, else the role named, else
    /// the case's department (`None` while the case has no department).
    pub fn resolve(
        department: Option<DepartmentId>,
        role: Option<Role>,
        case_department: Option<DepartmentId>,
    ) -> Option<Addressee> {
        department
            .map(Addressee::Department)
            .or(role.map(Addressee::Role))
            .or(case_department.map(Addressee::Department))
    }

    /// Whether `actor` is (one of) the addressee(s).
    pub fn includes(&self, actor: &Actor) -> bool {
        match self {
            Addressee::Department(d) => actor.role == Role::Department && actor.org == Some(*d),
            Addressee::Role(r) => actor.role == *r && *r != Role::Department,
        }
    }
}

/// An answer to a 督办 or an acknowledgement of a 批示.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Debug)]
pub struct Answer {
    /// The answering event.
    pub event: EventId,
    /// Act time.
    pub at: Timestamp,
    /// Who answered.
    pub by: Actor,
    /// The answer text (may be empty for an acknowledgement).
    pub text: String,
}

/// A supervision (督办) escalation.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Debug)]
pub struct Escalation {
    /// Level.
    pub level: u8,
    /// Act time.
    pub at: Timestamp,
    /// Why.
    pub reason: String,
    /// Who escalated (system, leader or shift leader).
    pub by: Actor,
    /// The `escalate` event.
    #[serde(default)]
    pub event: Option<EventId>,
    /// Who must reply (`None`: nobody named and the case had no department).
    #[serde(default)]
    pub addressee: Option<Addressee>,
    /// The reply is due by.
    #[serde(default)]
    pub reply_by: Option<Timestamp>,
    /// The reply, once given.
    #[serde(default)]
    pub reply: Option<Answer>,
}

impl Escalation {
    /// Whether a reply is still awaited.
    pub fn awaiting_reply(&self) -> bool {
        self.addressee.is_some() && self.reply.is_none()
    }

    /// Whether the reply came (or, with `now`, is still within) the required time; `None`
    /// when no reply time was set or the answer is still awaited and not yet late.
    pub fn replied_on_time(&self, now: Timestamp) -> Option<bool> {
        let due = self.reply_by?;
        match &self.reply {
            Some(r) => Some(r.at <= due),
            None if now > due => Some(false),
            None => None,
        }
    }
}

/// A leader's instruction (批示).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Debug)]
pub struct Instruction {
    /// The `instruct` event.
    pub event: EventId,
    /// Act time.
    pub at: Timestamp,
    /// The leader.
    pub by: Actor,
    /// The instruction.
    pub text: String,
    /// Who must acknowledge it.
    pub addressee: Option<Addressee>,
    /// The acknowledgement (签收), once given.
    pub acknowledged: Option<Answer>,
}

/// The centre urging the department (催办).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Debug)]
pub struct Urge {
    /// The `urge` event.
    pub event: EventId,
    /// Act time.
    pub at: Timestamp,
    /// Who urged.
    pub by: Actor,
    /// Why.
    pub reason: String,
    /// The department urged (the case's at the time).
    pub addressee: Option<Addressee>,
}

/// A 下派 (sub-dispatch): the case's department (a 二级 unit) gave the task to one of its child
/// units (三级 unit or 作业班组), which signs for it (签收) and reports back (下级反馈). The
/// parent stays the case's department: it answers to the centre and is evaluated as before.
#[derive(Clone, PartialEq, Serialize, Deserialize, Debug)]
pub struct SubTask {
    /// The `sub_dispatch` event.
    pub event: EventId,
    /// The child unit.
    pub unit: DepartmentId,
    /// The parent department's user who gave it.
    pub by: Actor,
    /// Act time of the 下派.
    pub at: Timestamp,
    /// The child's deadline as given (the child's clock never runs past the parent's
    /// deadline: [`SubTask::effective_due`]).
    pub due: Timestamp,
    /// Instructions.
    pub note: String,
    /// The handling round (rework count) it belongs to.
    pub round: u32,
    /// The child's 签收.
    pub signed: Option<Answer>,
    /// The child's 下级反馈 (its result text), with the after photos.
    pub feedback: Option<Answer>,
    /// Photos of the 下级反馈.
    #[serde(default)]
    pub photos: Vec<PhotoRef>,
    /// The case left handling (parent's 处置反馈, 回退, 作废…) before the child reported.
    pub lapsed: bool,
}

impl SubTask {
    /// Whether the child still has to act on it (not reported, not lapsed).
    pub fn is_open(&self) -> bool {
        self.feedback.is_none() && !self.lapsed
    }

    /// The child's deadline: the one given, never later than the parent's handling deadline
    /// (`parent_due`; `None`: no limit known, the given one stands).
    pub fn effective_due(&self, parent_due: Option<Timestamp>) -> Timestamp {
        parent_due.map_or(self.due, |p| p.min(self.due))
    }

    /// Whether the child reported by its deadline (`None` while open and not yet late at
    /// `now`).
    pub fn on_time(&self, parent_due: Option<Timestamp>, now: Timestamp) -> Option<bool> {
        let due = self.effective_due(parent_due);
        match &self.feedback {
            Some(f) => Some(f.at <= due),
            None if !self.lapsed && now > due => Some(false),
            None => None,
        }
    }
}

/// A hotline call-back (回访).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Debug)]
pub struct CallbackRecord {
    /// Whether the reporter was satisfied.
    pub satisfied: bool,
    /// Act time.
    pub at: Timestamp,
}

/// A duplicate merged into this case (合并), with its reporter.
#[derive(Clone, PartialEq, Serialize, Deserialize, Debug)]
pub struct MergedDuplicate {
    /// The duplicate case.
    pub case: CaseId,
    /// Its reporter.
    pub reporter: MergedReporter,
    /// Act time of the merge.
    pub at: Timestamp,
    /// The `merge_from` event.
    pub by: EventId,
}

/// One reporter of a case: its own, or one of a duplicate merged into it.
#[derive(Clone, PartialEq, Serialize, Deserialize, Debug)]
pub struct Reporter {
    /// The reporting actor.
    pub actor: Actor,
    /// The channel.
    pub source: crate::model::SourceChannel,
    /// The citizen's name or contact (public reports).
    pub reporter: Option<String>,
    /// Act time of the report.
    pub reported_at: Timestamp,
    /// The duplicate it came from (`None` for the case's own report).
    pub merged_from: Option<CaseId>,
}

/// The state of a case, folded from its events.
#[derive(Clone, PartialEq, Serialize, Deserialize, Debug, Default)]
pub struct CaseState {
    /// Current status.
    pub status: Status,
    /// The report, with corrections from verification applied.
    pub report: Option<ReportPayload>,
    /// Who reported (or self-handled).
    pub reported_by: Option<Actor>,
    /// Act time of the report.
    pub reported_at: Option<Timestamp>,
    /// The case arrived already fixed (自行处置).
    pub self_handled: bool,
    /// Verification result (核实): confirmed or not found.
    pub verification: Option<bool>,
    /// The inspector the verification task is given to.
    pub verify_assignee: Option<UserId>,
    /// The inspector the check task is given to.
    pub check_assignee: Option<UserId>,
    /// The department currently responsible.
    pub department: Option<DepartmentId>,
    /// Every dispatch, in order.
    pub dispatches: Vec<DispatchRecord>,
    /// Filed (立案) at.
    pub filed_at: Option<Timestamp>,
    /// The 立案条件 code the case was filed under, when the filing named one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filing_condition: Option<String>,
    /// Closed (结案) at (the last close after any reopen).
    pub closed_at: Option<Timestamp>,
    /// The human case number (案卷号) from the server.
    pub case_number: Option<String>,
    /// The case this one was merged into.
    pub merged_into: Option<CaseId>,
    /// Duplicates merged into this case, in fold order (each keeps its reporter).
    #[serde(default)]
    pub merged_from: Vec<MergedDuplicate>,
    /// Failed checks (返工).
    pub rework_count: u32,
    /// Every check result.
    pub checks: Vec<CheckRecord>,
    /// Every extension request.
    pub extensions: Vec<Extension>,
    /// The open send-back request.
    pub sendback_request: Option<PendingRequest>,
    /// Approved send-backs.
    pub sendback_count: u32,
    /// The open parking request.
    pub park_request: Option<PendingRequest>,
    /// Parked intervals.
    pub parked: Vec<ParkedInterval>,
    /// Escalations (督办), with their replies.
    pub escalations: Vec<Escalation>,
    /// Leaders' instructions (批示), with their acknowledgements.
    #[serde(default)]
    pub instructions: Vec<Instruction>,
    /// The centre's urgings (催办).
    #[serde(default)]
    pub urges: Vec<Urge>,
    /// 下派 of the case's department to its child units, in order.
    #[serde(default)]
    pub sub_tasks: Vec<SubTask>,
    /// Call-backs.
    pub callbacks: Vec<CallbackRecord>,
    /// Times reopened.
    pub reopen_count: u32,
    /// Every stay in every status, in order.
    pub visits: Vec<StageVisit>,
    /// Events kept but not applied.
    pub conflicts: Vec<Conflict>,
    /// Photos of applied events, in order.
    pub photos: Vec<PhotoRef>,
    /// Number of applied events.
    pub applied: usize,
    /// Act time of the last applied event.
    pub updated_at: Option<Timestamp>,
    /// The highest HLC among all events (applied or not).
    pub last_hlc: Option<Hlc>,
}

impl CaseState {
    /// The case's urgency (一般 until reported).
    pub fn urgency(&self) -> Urgency {
        self.report.as_ref().map_or(Urgency::Normal, |r| r.urgency)
    }

    /// The category.
    pub fn category(&self) -> Option<&CategoryRef> {
        self.report.as_ref().map(|r| &r.category)
    }

    /// The grid cell.
    pub fn cell(&self) -> Option<GridCode> {
        self.report.as_ref().and_then(|r| r.cell)
    }

    /// The open extension request, if any.
    pub fn pending_extension(&self) -> Option<&Extension> {
        self.extensions
            .iter()
            .find(|e| e.decision.is_none() && !e.lapsed)
    }

    /// The current stay.
    pub fn current_visit(&self) -> Option<&StageVisit> {
        self.visits.last()
    }

    /// Approved extensions requested within `[from, to]` (`to` None: still open), with the
    /// time each granted: the extensions of one department's stint or one handling run.
    pub fn granted_between(
        &self,
        from: Timestamp,
        to: Option<Timestamp>,
    ) -> impl Iterator<Item = (&Extension, TimeLimit)> {
        self.extensions
            .iter()
            .filter(move |e| e.requested_at >= from && to.is_none_or(|t| e.requested_at <= t))
            .filter_map(|e| e.granted.map(|g| (e, g)))
    }

    /// The highest escalation level so far (0 = none).
    pub fn escalation_level(&self) -> u8 {
        self.escalations.iter().map(|e| e.level).max().unwrap_or(0)
    }

    /// 督办 still awaiting their addressee's reply.
    pub fn escalations_awaiting_reply(&self) -> impl Iterator<Item = &Escalation> {
        self.escalations.iter().filter(|e| e.awaiting_reply())
    }

    /// 批示 not yet acknowledged by their addressee.
    pub fn instructions_pending(&self) -> impl Iterator<Item = &Instruction> {
        self.instructions
            .iter()
            .filter(|i| i.addressee.is_some() && i.acknowledged.is_none())
    }

    /// The 下派 the child unit still has to act on, if any (at most one is open).
    pub fn open_sub_task(&self) -> Option<&SubTask> {
        self.sub_tasks.iter().rev().find(|t| t.is_open())
    }

    /// The current dispatch (the last one while the case has a department).
    pub fn current_dispatch(&self) -> Option<&DispatchRecord> {
        self.department.and(self.dispatches.last())
    }

    /// Every reporter: the case's own first, then those of the duplicates merged into it.
    pub fn reporters(&self) -> Vec<Reporter> {
        let own = match (&self.reported_by, &self.report, self.reported_at) {
            (Some(actor), Some(report), Some(at)) => Some(Reporter {
                actor: *actor,
                source: report.source,
                reporter: report.reporter.clone(),
                reported_at: at,
                merged_from: None,
            }),
            _ => None,
        };
        own.into_iter()
            .chain(self.merged_from.iter().map(|m| Reporter {
                actor: m.reporter.actor,
                source: m.reporter.source,
                reporter: m.reporter.reporter.clone(),
                reported_at: m.reporter.reported_at,
                merged_from: Some(m.case),
            }))
            .collect()
    }

    /// Whether the case has any flagged conflict.
    pub fn has_conflicts(&self) -> bool {
        !self.conflicts.is_empty()
    }
}
