//! Workflow events: what happened to a case, who did it, when (HLC), and the payload.
//!
//! Events are immutable once written; a case's state is a fold over them (see [`super::fold`]).
//! The wire/document name of every type is its `snake_case` tag ([`EventKind::type_name`]). An
//! event whose type this build does not know is kept as [`EventKind::Unknown`] and flagged by the
//! fold, never dropped.

use crate::codes::{CategoryRef, ComponentId, GridCode};
use crate::model::{
    Actor, CaseId, DepartmentId, EventId, Hlc, LimitBasis, Location, PhotoRef, Role, SourceChannel,
    TimeLimit, Timestamp, Urgency, UserId,
};
use serde::{Deserialize, Serialize};

/// One workflow event.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct Event {
    /// Unique id (UUIDv7 minted by the device).
    pub id: EventId,
    /// Hybrid logical clock stamp from the device that made it.
    pub hlc: Hlc,
    /// Who made it.
    pub actor: Actor,
    /// When the server first received it, once known (bounds the act time; see `deadline`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_at: Option<Timestamp>,
    /// What happened.
    pub kind: EventKind,
}

impl Event {
    /// The sort key of the fold: (HLC, actor, event id).
    pub fn order_key(&self) -> (Hlc, Actor, EventId) {
        (self.hlc, self.actor, self.id)
    }

    /// The time of the act: the device's HLC time, never later than the server's receipt.
    pub fn act_time(&self) -> Timestamp {
        let t = Timestamp(self.hlc.ms);
        match self.received_at {
            Some(r) if r < t => r,
            _ => t,
        }
    }
}

/// What a report says about the problem (上报).
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct ReportPayload {
    /// The channel it came in by.
    pub source: SourceChannel,
    /// Component or matter category.
    pub category: CategoryRef,
    /// Where the problem is.
    pub location: Location,
    /// The unit grid cell, when resolved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cell: Option<GridCode>,
    /// The component instance concerned (component problems).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component: Option<ComponentId>,
    /// Address text (位置描述).
    pub address: String,
    /// Problem description (问题描述).
    pub description: String,
    /// 紧急 / 一般.
    pub urgency: Urgency,
    /// Photos of the problem.
    #[serde(default)]
    pub photos: Vec<PhotoRef>,
    /// The reporting citizen's name or contact for public reports (inspectors are the actor).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporter: Option<String>,
    /// The id in the system it came from (Open311 request, superior platform, camera alert).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// A deadline set by a superior platform for handed-down cases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_deadline: Option<Timestamp>,
    /// Set only by the server's intake channels when the tenant lets this channel and category
    /// be filed without field verification because the evidence suffices (a video snapshot, a
    /// superior's order): the rule that allowed it (`video_analytics:matter:06010`). The gate
    /// refuses it from any device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_waived: Option<String>,
}

/// The reporter of a duplicate, copied into the case that absorbs it (`merge_from`).
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct MergedReporter {
    /// The actor of the duplicate's report (an inspector, an intake operator or the system).
    pub actor: Actor,
    /// The channel the duplicate came in by.
    pub source: SourceChannel,
    /// The citizen's name or contact of a public report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporter: Option<String>,
    /// The duplicate's id in the system it came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Act time of the duplicate's report.
    pub reported_at: Timestamp,
}

/// The event types of WORKFLOW.md, with their payloads.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// 上报: creates the case.
    Report(ReportPayload),
    /// 受理: an intake operator accepts a patrol report for filing.
    Accept,
    /// 派核实: send a field verification task.
    RequestVerification {
        /// The inspector who must verify.
        assignee: UserId,
    },
    /// 核实: the assigned inspector's result.
    Verify {
        /// Whether the problem was found.
        confirmed: bool,
        /// Verification photos.
        #[serde(default)]
        photos: Vec<PhotoRef>,
        /// A corrected position.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        location: Option<Location>,
        /// The unit grid cell of the corrected position, as the verifying device resolved it
        /// (with `location` only; `None` with a location: outside every cell).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cell: Option<GridCode>,
        /// A corrected category.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        category: Option<CategoryRef>,
        /// Free text.
        #[serde(default)]
        note: String,
    },
    /// 合并: this report duplicates another case.
    MergeInto {
        /// The case that absorbs this one.
        target: CaseId,
    },
    /// 合并（并入方）: the duplicate `source` was merged into this case; its reporter is kept
    /// here, so the case that absorbs a duplicate lists both reporters. Appended by the intake
    /// operator together with the `merge_into` on the duplicate.
    MergeFrom {
        /// The duplicate case (which carries the matching `merge_into`).
        source: CaseId,
        /// Who reported the duplicate.
        reporter: MergedReporter,
    },
    /// 立案.
    File {
        /// Free text (filing condition met).
        #[serde(default)]
        note: String,
        /// The 立案条件 (condition code of the standards table) the case was filed under.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        condition: Option<String>,
    },
    /// The server's human case number (案卷号), allocated at filing; system only.
    AssignNumber {
        /// The number, e.g. "620102-20261127-00042".
        number: String,
    },
    /// 不予立案.
    Reject {
        /// Why.
        reason: String,
    },
    /// 快速立案派遣: file and dispatch an urgent case in one step.
    FastDispatch {
        /// The responsible department.
        department: DepartmentId,
        /// The handling limit in force for this dispatch, recorded when set. Without `basis`
        /// (events of older builds) it is the dispatcher's override; `None`: the category's
        /// limit in the rules of the day applies.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        limit: Option<TimeLimit>,
        /// Where `limit` came from (category, standards row, or the dispatcher's override with
        /// its reason); only with a `limit`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        basis: Option<LimitBasis>,
    },
    /// 派遣.
    Dispatch {
        /// The responsible department.
        department: DepartmentId,
        /// The handling limit in force for this dispatch, recorded when set. Without `basis`
        /// (events of older builds) it is the dispatcher's override; `None`: the category's
        /// limit in the rules of the day applies.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        limit: Option<TimeLimit>,
        /// Where `limit` came from (category, standards row, or the dispatcher's override with
        /// its reason); only with a `limit`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        basis: Option<LimitBasis>,
    },
    /// 申请延期.
    RequestExtension {
        /// Extra time asked for.
        requested: TimeLimit,
        /// Why.
        reason: String,
    },
    /// 批准延期.
    ApproveExtension {
        /// Extra time granted (may be less than asked).
        granted: TimeLimit,
    },
    /// 驳回延期.
    DenyExtension {
        /// Why.
        #[serde(default)]
        reason: String,
    },
    /// 申请回退: the case is not this department's.
    RequestSendback {
        /// Why.
        reason: String,
    },
    /// 批准回退: back to dispatch.
    ApproveSendback,
    /// 驳回回退.
    DenySendback {
        /// Why.
        #[serde(default)]
        reason: String,
    },
    /// 申请挂账.
    RequestPark {
        /// Why it cannot be solved in time.
        reason: String,
        /// When it is expected to be solvable.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expected: Option<Timestamp>,
    },
    /// 批准挂账: the clock stops.
    ApprovePark,
    /// 驳回挂账.
    DenyPark {
        /// Why.
        #[serde(default)]
        reason: String,
    },
    /// 恢复: a parked case goes back to handling.
    Resume,
    /// 处置反馈.
    Feedback {
        /// What was done.
        result: String,
        /// After photos.
        #[serde(default)]
        photos: Vec<PhotoRef>,
    },
    /// 派核查.
    RequestCheck {
        /// The inspector who must check.
        assignee: UserId,
    },
    /// 核查: pass → awaiting close; fail → rework (返工).
    Check {
        /// Whether the fix is confirmed.
        passed: bool,
        /// Check photos.
        #[serde(default)]
        photos: Vec<PhotoRef>,
        /// Free text.
        #[serde(default)]
        note: String,
    },
    /// 结案.
    Close {
        /// Free text (closing condition met).
        #[serde(default)]
        note: String,
    },
    /// 自行处置: a report that arrives already fixed, with before and after photos.
    SelfHandle {
        /// The report (its photos are the before photos).
        report: ReportPayload,
        /// After photos.
        after: Vec<PhotoRef>,
        /// What was done.
        #[serde(default)]
        note: String,
    },
    /// 自行处置审核通过: closes the case.
    ApproveSelfHandle,
    /// 自行处置审核不通过: the case goes to filing as a normal report.
    DenySelfHandle {
        /// Why.
        #[serde(default)]
        reason: String,
    },
    /// 作废.
    Void {
        /// Why.
        reason: String,
    },
    /// 回访: the hotline calls the reporter back.
    Callback {
        /// Whether the reporter is satisfied.
        satisfied: bool,
        /// Free text.
        #[serde(default)]
        note: String,
    },
    /// 重新处置: a closed case goes back to dispatch.
    Reopen {
        /// Why.
        reason: String,
    },
    /// 督办: a leader, a shift leader or the system (overdue) presses a case, naming the
    /// addressee and when a reply is due. Events of older builds carry only level and reason.
    Escalate {
        /// Escalation level (1 = first warning).
        level: u8,
        /// Why.
        reason: String,
        /// The department that must reply (default: the case's department at the time).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        department: Option<DepartmentId>,
        /// The centre role that must reply, when the 督办 is not for a department.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        role: Option<Role>,
        /// The reply is due by (after the act, at most [`super::limits::MAX_REPLY_DAYS`] days).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reply_by: Option<Timestamp>,
    },
    /// 督办回复: the addressee of a 督办 answers it.
    EscalationReply {
        /// The `escalate` event answered.
        escalation: EventId,
        /// The answer.
        text: String,
    },
    /// 批示: a leader's instruction on the case to an addressee.
    Instruct {
        /// The instruction.
        text: String,
        /// The department addressed (default: the case's department at the time).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        department: Option<DepartmentId>,
        /// The centre role addressed, when not a department.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        role: Option<Role>,
    },
    /// 批示签收: the addressee acknowledges an instruction.
    AcknowledgeInstruction {
        /// The `instruct` event acknowledged.
        instruction: EventId,
        /// Free text.
        #[serde(default)]
        note: String,
    },
    /// 签收: a department acknowledges the task it was given — the case's department the
    /// centre's dispatch, or the child unit its parent's 下派 (docs/departments.md). Which one
    /// follows from the actor's department.
    SignFor {
        /// Free text.
        #[serde(default)]
        note: String,
    },
    /// 下派 (二次派遣): the case's department (a 二级 unit) gives the task to one of its own
    /// 三级 units or 作业班组, due by `due` (within its own handling deadline: checked against
    /// the tenant's department tree and the case's clock by [`crate::departments`]).
    SubDispatch {
        /// The child unit.
        unit: DepartmentId,
        /// The child's deadline (absolute).
        due: Timestamp,
        /// Instructions for the child.
        #[serde(default)]
        note: String,
    },
    /// 下级反馈: the child unit reports its result to its parent, which then gives the
    /// centre its own 处置反馈.
    SubFeedback {
        /// What was done.
        result: String,
        /// After photos.
        #[serde(default)]
        photos: Vec<PhotoRef>,
    },
    /// 催办: the centre urges the case's department.
    Urge {
        /// Why.
        reason: String,
    },
    /// 备注.
    Comment {
        /// The text.
        text: String,
    },
    /// 补充照片.
    AddPhoto {
        /// The photo.
        photo: PhotoRef,
    },
    /// A type this build does not know (a newer app wrote it); kept and flagged.
    #[serde(skip)]
    Unknown {
        /// The type name as written.
        type_name: String,
    },
}

impl EventKind {
    /// Every known type name, in workflow order.
    pub const TYPE_NAMES: [&'static str; 41] = [
        "report",
        "accept",
        "request_verification",
        "verify",
        "merge_into",
        "merge_from",
        "file",
        "assign_number",
        "reject",
        "fast_dispatch",
        "dispatch",
        "request_extension",
        "approve_extension",
        "deny_extension",
        "request_sendback",
        "approve_sendback",
        "deny_sendback",
        "request_park",
        "approve_park",
        "deny_park",
        "resume",
        "feedback",
        "request_check",
        "check",
        "close",
        "self_handle",
        "approve_self_handle",
        "deny_self_handle",
        "void",
        "callback",
        "reopen",
        "escalate",
        "escalation_reply",
        "instruct",
        "acknowledge_instruction",
        "sign_for",
        "sub_dispatch",
        "sub_feedback",
        "urge",
        "comment",
        "add_photo",
    ];

    /// The stable type name (`snake_case`), as stored in documents.
    pub fn type_name(&self) -> &str {
        match self {
            EventKind::Report(_) => "report",
            EventKind::Accept => "accept",
            EventKind::RequestVerification { .. } => "request_verification",
            EventKind::Verify { .. } => "verify",
            EventKind::MergeInto { .. } => "merge_into",
            EventKind::MergeFrom { .. } => "merge_from",
            EventKind::File { .. } => "file",
            EventKind::AssignNumber { .. } => "assign_number",
            EventKind::Reject { .. } => "reject",
            EventKind::FastDispatch { .. } => "fast_dispatch",
            EventKind::Dispatch { .. } => "dispatch",
            EventKind::RequestExtension { .. } => "request_extension",
            EventKind::ApproveExtension { .. } => "approve_extension",
            EventKind::DenyExtension { .. } => "deny_extension",
            EventKind::RequestSendback { .. } => "request_sendback",
            EventKind::ApproveSendback => "approve_sendback",
            EventKind::DenySendback { .. } => "deny_sendback",
            EventKind::RequestPark { .. } => "request_park",
            EventKind::ApprovePark => "approve_park",
            EventKind::DenyPark { .. } => "deny_park",
            EventKind::Resume => "resume",
            EventKind::Feedback { .. } => "feedback",
            EventKind::RequestCheck { .. } => "request_check",
            EventKind::Check { .. } => "check",
            EventKind::Close { .. } => "close",
            EventKind::SelfHandle { .. } => "self_handle",
            EventKind::ApproveSelfHandle => "approve_self_handle",
            EventKind::DenySelfHandle { .. } => "deny_self_handle",
            EventKind::Void { .. } => "void",
            EventKind::Callback { .. } => "callback",
            EventKind::Reopen { .. } => "reopen",
            EventKind::Escalate { .. } => "escalate",
            EventKind::EscalationReply { .. } => "escalation_reply",
            EventKind::Instruct { .. } => "instruct",
            EventKind::AcknowledgeInstruction { .. } => "acknowledge_instruction",
            EventKind::SignFor { .. } => "sign_for",
            EventKind::SubDispatch { .. } => "sub_dispatch",
            EventKind::SubFeedback { .. } => "sub_feedback",
            EventKind::Urge { .. } => "urge",
            EventKind::Comment { .. } => "comment",
            EventKind::AddPhoto { .. } => "add_photo",
            EventKind::Unknown { type_name } => type_name,
        }
    }

    /// Decodes a payload from its JSON form (`{"type": "...", ...}`). An unknown type becomes
    /// [`EventKind::Unknown`]; a known type with a malformed payload is an error.
    pub fn from_json(value: serde_json::Value) -> Result<EventKind, serde_json::Error> {
        let type_name = value
            .get("type")
            .and_then(|t| t.as_str())
            .map(str::to_owned);
        match type_name {
            Some(name) if !Self::TYPE_NAMES.contains(&name.as_str()) => {
                Ok(EventKind::Unknown { type_name: name })
            }
            _ => serde_json::from_value(value),
        }
    }

    /// Encodes the payload to its JSON form. `Unknown` encodes as `{"type": name}`.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            EventKind::Unknown { type_name } => serde_json::json!({ "type": type_name }),
            known => serde_json::to_value(known).unwrap_or(serde_json::Value::Null),
        }
    }

    /// All photos this event references.
    pub fn photos(&self) -> Vec<&PhotoRef> {
        match self {
            EventKind::Report(r) => r.photos.iter().collect(),
            EventKind::SelfHandle { report, after, .. } => {
                report.photos.iter().chain(after.iter()).collect()
            }
            EventKind::Verify { photos, .. }
            | EventKind::Feedback { photos, .. }
            | EventKind::SubFeedback { photos, .. }
            | EventKind::Check { photos, .. } => photos.iter().collect(),
            EventKind::AddPhoto { photo } => vec![photo],
            _ => Vec::new(),
        }
    }
}
