//! Conflicts: events kept in the history but not applied, each with the reason, for a
//! supervisor to see and resolve with a new event.

use super::status::Status;
use crate::model::{Actor, EventId, Hlc, Role, SourceChannel};
use serde::{Deserialize, Serialize};

/// Why an event was not applied at its place in the order.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Debug)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum ConflictReason {
    /// The event comes before any report (its HLC sorts first, or the report is missing).
    NoReport,
    /// A second report (or self-handling) for a case that already has one.
    DuplicateReport,
    /// The same event id carries different content.
    DuplicateEventId,
    /// Not a valid transition from the case's status at that point.
    WrongState {
        /// The status the case was in.
        status: Status,
    },
    /// The actor's role may not append this type of event.
    RoleNotAllowed {
        /// The actor's role.
        role: Role,
    },
    /// The role may report, but not from this channel.
    SourceNotAllowed {
        /// The actor's role.
        role: Role,
        /// The channel claimed.
        source: SourceChannel,
    },
    /// Only the inspector the task was given to may complete it.
    NotAssignee,
    /// Only the department the case is dispatched to may act on it.
    NotAssignedDepartment,
    /// A report that needs verification was accepted without it.
    VerificationRequired,
    /// Fast dispatch is for urgent cases only.
    NotUrgent,
    /// An approval or denial with no open request.
    NoPendingRequest,
    /// A request of the same kind is already open.
    RequestAlreadyPending,
    /// The case number is already assigned, or the case was never filed.
    NumberNotAssignable,
    /// An event type this build does not know.
    UnknownEventType,
    /// The same duplicate was already merged into this case.
    AlreadyMerged,
    /// A 督办's reply time is not after the act or too far ahead.
    InvalidReplyTime,
    /// The 督办 replied to or the 批示 acknowledged is not on this case.
    NoSuchTarget,
    /// Only the addressee of the 督办 or 批示 may answer it.
    NotAddressee,
    /// The 督办 was already replied to, or the 批示 already acknowledged.
    AlreadyAnswered,
    /// 签收 of a task already signed for.
    AlreadySignedFor,
    /// A 下派 to the case's own department, or while another 下派 is still open.
    InvalidSubDispatch,
    /// A 下派's deadline is not after the act.
    InvalidDueTime,
    /// 下级反馈 before the child unit signed for the task (签收).
    NotSignedFor,
}

impl ConflictReason {
    /// A short Chinese explanation for the supervisor.
    pub fn label_zh(&self) -> String {
        match self {
            ConflictReason::NoReport => "案件尚无上报记录".into(),
            ConflictReason::DuplicateReport => "重复上报".into(),
            ConflictReason::DuplicateEventId => "事件编号重复且内容不同".into(),
            ConflictReason::WrongState { status } => {
                format!("案件处于“{}”状态，不能执行此操作", status.label_zh())
            }
            ConflictReason::RoleNotAllowed { role } => {
                format!("{}无权执行此操作", role.label_zh())
            }
            ConflictReason::SourceNotAllowed { role, source } => {
                format!("{}不能以“{}”渠道上报", role.label_zh(), source.label_zh())
            }
            ConflictReason::NotAssignee => "不是该任务的指定监督员".into(),
            ConflictReason::NotAssignedDepartment => "案件未派遣给该部门".into(),
            ConflictReason::VerificationRequired => "非监督员上报须先核实".into(),
            ConflictReason::NotUrgent => "快速派遣仅适用于紧急案件".into(),
            ConflictReason::NoPendingRequest => "没有待审批的申请".into(),
            ConflictReason::RequestAlreadyPending => "已有同类申请待审批".into(),
            ConflictReason::NumberNotAssignable => "案卷号已分配或案件未立案".into(),
            ConflictReason::UnknownEventType => "未知的事件类型（请升级应用）".into(),
            ConflictReason::AlreadyMerged => "该重复案件已并入本案".into(),
            ConflictReason::InvalidReplyTime => {
                "督办要求回复时间须晚于督办时间且不超过 90 天".into()
            }
            ConflictReason::NoSuchTarget => "本案没有该督办或批示".into(),
            ConflictReason::NotAddressee => "不是该督办或批示的接收方".into(),
            ConflictReason::AlreadyAnswered => "该督办已回复或批示已签收".into(),
            ConflictReason::AlreadySignedFor => "该任务已签收".into(),
            ConflictReason::InvalidSubDispatch => "不能下派给本单位，或已有未反馈的下派任务".into(),
            ConflictReason::InvalidDueTime => "下派时限须晚于下派时间".into(),
            ConflictReason::NotSignedFor => "下级单位须先签收再反馈".into(),
        }
    }
}

/// An event that was kept but not applied.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Debug)]
pub struct Conflict {
    /// The event.
    pub event: EventId,
    /// Its type name.
    pub event_type: String,
    /// Who appended it.
    pub actor: Actor,
    /// Its HLC stamp.
    pub hlc: Hlc,
    /// Why it was not applied.
    pub reason: ConflictReason,
}
