//! Case states (WORKFLOW.md "States") and the seven stages of the national loop.

use serde::{Deserialize, Serialize};

/// Where a case is in the workflow.
#[derive(
    Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Debug, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// No report event yet (only possible while a report is still in flight).
    #[default]
    Draft,
    /// 待受理.
    Reported,
    /// 待核实.
    AwaitingVerification,
    /// 待立案.
    AwaitingFiling,
    /// 待派遣.
    AwaitingDispatch,
    /// 处置中: a department is assigned.
    InProgress,
    /// 待派核查: the department has fed back.
    FeedbackReceived,
    /// 待核查.
    AwaitingCheck,
    /// 待结案.
    AwaitingClose,
    /// 已挂账: the clock is stopped.
    Parked,
    /// 自行处置待审核.
    SelfHandledPendingReview,
    /// 已结案 (reopen possible).
    Closed,
    /// 不予立案.
    Rejected,
    /// 已作废.
    Voided,
    /// 已合并 into another case.
    Merged,
}

impl Status {
    /// Every status.
    pub const ALL: [Status; 15] = [
        Status::Draft,
        Status::Reported,
        Status::AwaitingVerification,
        Status::AwaitingFiling,
        Status::AwaitingDispatch,
        Status::InProgress,
        Status::FeedbackReceived,
        Status::AwaitingCheck,
        Status::AwaitingClose,
        Status::Parked,
        Status::SelfHandledPendingReview,
        Status::Closed,
        Status::Rejected,
        Status::Voided,
        Status::Merged,
    ];

    /// The stable wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Reported => "reported",
            Status::AwaitingVerification => "awaiting_verification",
            Status::AwaitingFiling => "awaiting_filing",
            Status::AwaitingDispatch => "awaiting_dispatch",
            Status::InProgress => "in_progress",
            Status::FeedbackReceived => "feedback_received",
            Status::AwaitingCheck => "awaiting_check",
            Status::AwaitingClose => "awaiting_close",
            Status::Parked => "parked",
            Status::SelfHandledPendingReview => "self_handled_pending_review",
            Status::Closed => "closed",
            Status::Rejected => "rejected",
            Status::Voided => "voided",
            Status::Merged => "merged",
        }
    }

    /// Parses the wire name.
    pub fn parse(text: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The Chinese label shown to users.
    pub fn label_zh(self) -> &'static str {
        match self {
            Status::Draft => "未上报",
            Status::Reported => "待受理",
            Status::AwaitingVerification => "待核实",
            Status::AwaitingFiling => "待立案",
            Status::AwaitingDispatch => "待派遣",
            Status::InProgress => "处置中",
            Status::FeedbackReceived => "待派核查",
            Status::AwaitingCheck => "待核查",
            Status::AwaitingClose => "待结案",
            Status::Parked => "已挂账",
            Status::SelfHandledPendingReview => "自行处置待审核",
            Status::Closed => "已结案",
            Status::Rejected => "不予立案",
            Status::Voided => "已作废",
            Status::Merged => "已合并",
        }
    }

    /// Whether no further transition is expected (a closed case may still be reopened).
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Status::Closed | Status::Rejected | Status::Voided | Status::Merged
        )
    }

    /// The stage of the national seven-stage loop this status belongs to.
    pub fn stage(self) -> Stage {
        match self {
            Status::Draft | Status::Reported | Status::AwaitingVerification => Stage::Collection,
            Status::AwaitingFiling | Status::SelfHandledPendingReview => Stage::Filing,
            Status::AwaitingDispatch => Stage::Dispatch,
            Status::InProgress | Status::Parked => Stage::Handling,
            Status::FeedbackReceived => Stage::Feedback,
            Status::AwaitingCheck | Status::AwaitingClose => Stage::CheckAndClose,
            Status::Closed | Status::Rejected | Status::Voided | Status::Merged => Stage::Ended,
        }
    }
}

/// The seven-stage loop: 信息收集 → 案卷建立 → 任务派遣 → 任务处理 → 处理反馈 → 核查结案 → (综合评价).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Debug)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// 信息收集 (report, acceptance, verification).
    Collection,
    /// 案卷建立 (filing, self-handling review).
    Filing,
    /// 任务派遣.
    Dispatch,
    /// 任务处理 (including parked cases).
    Handling,
    /// 处理反馈.
    Feedback,
    /// 核查结案.
    CheckAndClose,
    /// Ended (closed, rejected, voided, merged); evaluation (综合评价) reads these.
    Ended,
}

impl Stage {
    /// The Chinese label.
    pub fn label_zh(self) -> &'static str {
        match self {
            Stage::Collection => "信息收集",
            Stage::Filing => "案卷建立",
            Stage::Dispatch => "任务派遣",
            Stage::Handling => "任务处理",
            Stage::Feedback => "处理反馈",
            Stage::CheckAndClose => "核查结案",
            Stage::Ended => "已办结",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_terminals() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
            assert!(!s.label_zh().is_empty());
        }
        let terminal: Vec<_> = Status::ALL
            .into_iter()
            .filter(|s| s.is_terminal())
            .collect();
        assert_eq!(
            terminal,
            [
                Status::Closed,
                Status::Rejected,
                Status::Voided,
                Status::Merged
            ]
        );
    }
}
