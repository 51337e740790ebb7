//! One test per lifecycle transition of WORKFLOW.md, plus the conflicts each one can raise.

use super::fixtures::*;
use crate::model::{LimitUnit, PhotoRole, SourceChannel, TimeLimit, Urgency};
use crate::workflow::{ConflictReason as R, EventKind as K, Status};

fn last_conflict(s: &Scenario) -> Option<R> {
    s.state().conflicts.last().map(|c| c.reason.clone())
}

#[test]
fn patrol_report_is_reported_then_accepted_to_filing() {
    let mut s = Scenario::new();
    s.patrol();
    let st = s.state();
    assert_eq!(st.status, Status::Reported);
    assert_eq!(st.reported_by, Some(s.inspector));
    assert_eq!(st.photos.len(), 1);
    let a = s.intake;
    s.push(a, K::Accept);
    assert_eq!(s.state().status, Status::AwaitingFiling);
    assert_eq!(s.state().visits.len(), 2);
    assert_eq!(s.state().visits[0].exited_at, Some(ts(2)));
}

#[test]
fn public_reports_need_verification_before_filing() {
    let mut s = Scenario::new();
    let a = s.intake;
    s.push(
        a,
        K::Report(report(SourceChannel::PublicHotline, Urgency::Normal)),
    );
    s.push(a, K::Accept);
    assert_eq!(last_conflict(&s), Some(R::VerificationRequired));
    let who = s.inspector.user;
    s.push(a, K::RequestVerification { assignee: who });
    assert_eq!(s.state().status, Status::AwaitingVerification);
    // Another inspector may not answer the task.
    let other = s.inspector2;
    s.push(
        other,
        K::Verify {
            confirmed: true,
            photos: vec![],
            location: None,
            category: None,
            note: String::new(),
            cell: None,
        },
    );
    assert_eq!(last_conflict(&s), Some(R::NotAssignee));
    let me = s.inspector;
    let moved =
        crate::model::Location::new(103.84, 36.07, Some(3.0), crate::model::LocationSource::Gps)
            .expect("valid");
    let moved_cell = crate::codes::GridCode::parse("620102001001002").expect("cell code");
    s.push(
        me,
        K::Verify {
            confirmed: true,
            photos: vec![photo(9, PhotoRole::Verify)],
            location: Some(moved),
            category: None,
            note: String::new(),
            cell: Some(moved_cell),
        },
    );
    let st = s.state();
    assert_eq!(st.status, Status::AwaitingFiling);
    assert_eq!(st.verification, Some(true));
    // Issue 12, C6: the corrected position brings its cell, so the case counts where the
    // problem really is.
    assert_eq!(st.cell(), Some(moved_cell));
    assert_eq!(st.report.map(|r| r.location), Some(moved));
}

#[test]
fn system_reports_from_open311_and_source_rules() {
    let mut s = Scenario::new();
    let sys = s.system;
    s.push(
        sys,
        K::Report(report(SourceChannel::PublicOpen311, Urgency::Normal)),
    );
    assert_eq!(s.state().status, Status::Reported);
    let mut s = Scenario::new();
    let insp = s.inspector;
    s.push(
        insp,
        K::Report(report(SourceChannel::PublicHotline, Urgency::Normal)),
    );
    assert!(matches!(
        last_conflict(&s),
        Some(R::SourceNotAllowed { .. })
    ));
    assert_eq!(s.state().status, Status::Draft);
}

#[test]
fn second_report_is_a_conflict() {
    let mut s = Scenario::new();
    s.patrol().patrol();
    assert_eq!(last_conflict(&s), Some(R::DuplicateReport));
}

#[test]
fn events_before_the_report_are_conflicts() {
    let mut s = Scenario::new();
    let a = s.intake;
    s.push(a, K::Accept);
    assert_eq!(last_conflict(&s), Some(R::NoReport));
}

#[test]
fn merge_into_another_case() {
    let mut s = Scenario::new();
    s.patrol();
    let a = s.intake;
    let target = crate::model::CaseId::from_parts(5, [5; 10]);
    s.push(a, K::MergeInto { target });
    let st = s.state();
    assert_eq!(st.status, Status::Merged);
    assert_eq!(st.merged_into, Some(target));
}

/// A public report merged into a patrol report: the duplicate ends `Merged`, and the case that
/// absorbs it lists both reporters (the inspector and the citizen), once each.
#[test]
fn merge_keeps_both_reporters() {
    use crate::workflow::MergedReporter;
    let mut dup = Scenario::new();
    let intake = dup.intake;
    let mut public = report(SourceChannel::PublicOpen311, Urgency::Normal);
    public.reporter = Some("张三 13800000000".into());
    public.external_id = Some("req-1".into());
    let sys = dup.system;
    dup.push(sys, K::Report(public));
    let target = crate::model::CaseId::from_parts(7, [7; 10]);
    let source = crate::model::CaseId::from_parts(8, [8; 10]);
    dup.push(intake, K::MergeInto { target });
    let dup_state = dup.state();
    assert_eq!(dup_state.status, Status::Merged);

    let mut main = Scenario::new();
    main.patrol();
    let merged = MergedReporter {
        actor: sys,
        source: SourceChannel::PublicOpen311,
        reporter: dup_state.report.as_ref().and_then(|r| r.reporter.clone()),
        external_id: Some("req-1".into()),
        reported_at: dup_state.reported_at.expect("reported"),
    };
    let intake = main.intake;
    main.push(
        intake,
        K::MergeFrom {
            source,
            reporter: merged.clone(),
        },
    );
    // The same duplicate merged twice is a conflict, not a third reporter.
    main.push(
        intake,
        K::MergeFrom {
            source,
            reporter: merged,
        },
    );
    let st = main.state();
    assert_eq!(
        st.status,
        Status::Reported,
        "merging does not move the case"
    );
    let reporters = st.reporters();
    assert_eq!(reporters.len(), 2);
    assert_eq!(reporters[0].actor, main.inspector);
    assert_eq!(reporters[0].source, SourceChannel::InspectorPatrol);
    assert_eq!(reporters[0].merged_from, None);
    assert_eq!(reporters[1].actor, sys);
    assert_eq!(reporters[1].source, SourceChannel::PublicOpen311);
    assert_eq!(reporters[1].reporter.as_deref(), Some("张三 13800000000"));
    assert_eq!(reporters[1].merged_from, Some(source));
    assert_eq!(st.conflicts.len(), 1);
    assert_eq!(st.conflicts[0].reason, R::AlreadyMerged);
}

#[test]
fn merge_from_into_a_closed_case_is_a_conflict() {
    let mut s = Scenario::new();
    s.patrol();
    let (i, sh) = (s.intake, s.leader_shift);
    s.push(sh, K::Reject { reason: "r".into() });
    let insp = s.inspector2;
    s.push(
        i,
        K::MergeFrom {
            source: crate::model::CaseId::from_parts(9, [9; 10]),
            reporter: crate::workflow::MergedReporter {
                actor: insp,
                source: SourceChannel::InspectorPatrol,
                reporter: None,
                external_id: None,
                reported_at: crate::model::Timestamp(T0),
            },
        },
    );
    let st = s.state();
    assert!(st.merged_from.is_empty());
    assert_eq!(
        last_conflict(&s),
        Some(R::WrongState {
            status: Status::Rejected
        })
    );
}

#[test]
fn file_then_number_assigned_by_the_server() {
    let mut s = Scenario::new();
    s.accepted();
    let sys = s.system;
    s.push(
        sys,
        K::AssignNumber {
            number: "620102-0001".into(),
        },
    );
    assert_eq!(last_conflict(&s), Some(R::NumberNotAssignable));
    let l = s.leader_shift;
    s.push(
        l,
        K::File {
            note: String::new(),
            condition: None,
        },
    );
    s.push(
        sys,
        K::AssignNumber {
            number: "620102-0002".into(),
        },
    );
    let st = s.state();
    assert_eq!(st.status, Status::AwaitingDispatch);
    assert_eq!(st.case_number.as_deref(), Some("620102-0002"));
    assert!(st.filed_at.is_some());
    s.push(
        sys,
        K::AssignNumber {
            number: "620102-0003".into(),
        },
    );
    assert_eq!(s.state().case_number.as_deref(), Some("620102-0002"));
}

#[test]
fn reject_from_reported_and_from_filing() {
    for accept_first in [false, true] {
        let mut s = Scenario::new();
        if accept_first {
            s.accepted();
        } else {
            s.patrol();
        }
        let l = s.leader_shift;
        s.push(
            l,
            K::Reject {
                reason: "不属于受理范围".into(),
            },
        );
        assert_eq!(s.state().status, Status::Rejected);
    }
}

#[test]
fn an_intake_operator_may_refuse_at_intake_only() {
    // 不予受理 (issue 15): the intake operator refuses a report at 待受理 …
    let mut s = Scenario::new();
    s.patrol();
    let i = s.intake;
    s.push(
        i,
        K::Reject {
            reason: "不属于城市管理事项".into(),
        },
    );
    assert_eq!(s.state().status, Status::Rejected);
    assert!(s.state().conflicts.is_empty());
    // … but not once accepted: 不予立案 at 待立案 stays the shift leader's.
    let mut s = Scenario::new();
    s.accepted();
    let i = s.intake;
    s.push(
        i,
        K::Reject {
            reason: "不属于城市管理事项".into(),
        },
    );
    assert_eq!(s.state().status, Status::AwaitingFiling);
    assert_eq!(s.state().conflicts.len(), 1);
}

#[test]
fn fast_dispatch_only_for_urgent_cases() {
    let mut s = Scenario::new();
    s.accepted();
    let d = s.dispatcher;
    s.push(
        d,
        K::FastDispatch {
            department: dept_id(1),
            limit: None,
            basis: None,
        },
    );
    assert_eq!(last_conflict(&s), Some(R::NotUrgent));
    let mut s = Scenario::new();
    let insp = s.inspector;
    s.push(
        insp,
        K::Report(report(SourceChannel::InspectorPatrol, Urgency::Urgent)),
    );
    let i = s.intake;
    s.push(i, K::Accept);
    let d = s.dispatcher;
    let limit = Some(TimeLimit::new(2, LimitUnit::NaturalHours));
    s.push(
        d,
        K::FastDispatch {
            department: dept_id(1),
            limit,
            basis: None,
        },
    );
    let st = s.state();
    assert_eq!(st.status, Status::InProgress);
    assert!(st.filed_at.is_some());
    assert!(st.dispatches[0].fast);
    assert_eq!(st.dispatches[0].limit, limit);
}

#[test]
fn an_urgent_case_is_fast_dispatched_straight_from_intake() {
    // Issue 12, item 6: 快速派遣 from 待受理, for urgent cases only, whatever the channel.
    for (urgency, expected) in [
        (Urgency::Urgent, Status::InProgress),
        (Urgency::Normal, Status::Reported),
    ] {
        let mut s = Scenario::new();
        let a = s.intake;
        s.push(a, K::Report(report(SourceChannel::PublicHotline, urgency)));
        let d = s.dispatcher;
        s.push(
            d,
            K::FastDispatch {
                department: dept_id(1),
                limit: Some(TimeLimit::new(2, LimitUnit::NaturalHours)),
                basis: Some(crate::model::LimitBasis::Override {
                    reason: "井盖缺失，立即处置".into(),
                }),
            },
        );
        let st = s.state();
        assert_eq!(st.status, expected, "{urgency:?}");
        if urgency == Urgency::Normal {
            assert_eq!(last_conflict(&s), Some(R::NotUrgent));
        } else {
            assert!(st.filed_at.is_some() && st.dispatches[0].fast);
        }
    }
}

#[test]
fn dispatch_assigns_the_department() {
    let mut s = Scenario::new();
    s.dispatched();
    let st = s.state();
    assert_eq!(st.status, Status::InProgress);
    assert_eq!(st.department, Some(dept_id(1)));
    assert_eq!(st.dispatches.len(), 1);
}

#[test]
fn extension_request_approve_and_deny() {
    let mut s = Scenario::new();
    s.dispatched();
    let (dept, disp) = (s.dept, s.dispatcher);
    let two_days = TimeLimit::new(2, LimitUnit::WorkingDays);
    s.push(
        dept,
        K::RequestExtension {
            requested: two_days,
            reason: "需采购配件".into(),
        },
    );
    assert!(s.state().pending_extension().is_some());
    s.push(
        dept,
        K::RequestExtension {
            requested: two_days,
            reason: "again".into(),
        },
    );
    assert_eq!(last_conflict(&s), Some(R::RequestAlreadyPending));
    let one_day = TimeLimit::new(1, LimitUnit::WorkingDays);
    s.push(disp, K::ApproveExtension { granted: one_day });
    let st = s.state();
    assert_eq!(st.extensions[0].granted, Some(one_day));
    assert!(st.pending_extension().is_none());
    s.push(
        disp,
        K::DenyExtension {
            reason: String::new(),
        },
    );
    assert_eq!(last_conflict(&s), Some(R::NoPendingRequest));
    s.push(
        dept,
        K::RequestExtension {
            requested: two_days,
            reason: "再次".into(),
        },
    );
    s.push(
        disp,
        K::DenyExtension {
            reason: "理由不足".into(),
        },
    );
    let st = s.state();
    assert_eq!(st.extensions.len(), 2);
    assert_eq!(
        st.extensions[1].decision.as_ref().map(|d| d.approved),
        Some(false)
    );
    assert_eq!(st.status, Status::InProgress);
}

#[test]
fn sendback_then_redispatch_to_another_department() {
    let mut s = Scenario::new();
    s.dispatched();
    let (dept, disp, dept2) = (s.dept, s.dispatcher, s.dept2);
    s.push(disp, K::ApproveSendback);
    assert_eq!(last_conflict(&s), Some(R::NoPendingRequest));
    s.push(
        dept,
        K::RequestSendback {
            reason: "非本部门职责".into(),
        },
    );
    s.push(disp, K::ApproveSendback);
    let st = s.state();
    assert_eq!(st.status, Status::AwaitingDispatch);
    assert_eq!(st.department, None);
    assert_eq!(st.sendback_count, 1);
    s.push(
        disp,
        K::Dispatch {
            department: dept_id(2),
            limit: None,
            basis: None,
        },
    );
    // The first department has lost the case: its feedback is a conflict.
    s.push(
        dept,
        K::Feedback {
            result: "x".into(),
            photos: vec![],
        },
    );
    assert_eq!(last_conflict(&s), Some(R::NotAssignedDepartment));
    s.push(
        dept2,
        K::Feedback {
            result: "已处理".into(),
            photos: vec![],
        },
    );
    assert_eq!(s.state().status, Status::FeedbackReceived);
}

#[test]
fn deny_sendback_keeps_the_case() {
    let mut s = Scenario::new();
    s.dispatched();
    let (dept, disp) = (s.dept, s.dispatcher);
    s.push(
        dept,
        K::RequestSendback {
            reason: "非本部门职责".into(),
        },
    );
    s.push(
        disp,
        K::DenySendback {
            reason: "属于本部门".into(),
        },
    );
    let st = s.state();
    assert_eq!(st.status, Status::InProgress);
    assert!(st.sendback_request.is_none());
}

#[test]
fn park_and_resume_record_the_interval() {
    let mut s = Scenario::new();
    s.dispatched();
    let (dept, disp) = (s.dept, s.dispatcher);
    s.push(
        dept,
        K::RequestPark {
            reason: "需立项".into(),
            expected: None,
        },
    );
    let approve = s.push(disp, K::ApprovePark);
    assert_eq!(s.state().status, Status::Parked);
    s.push(
        dept,
        K::Feedback {
            result: "x".into(),
            photos: vec![],
        },
    );
    assert_eq!(
        last_conflict(&s),
        Some(R::WrongState {
            status: Status::Parked
        })
    );
    let resume = s.push(disp, K::Resume);
    let st = s.state();
    assert_eq!(st.status, Status::InProgress);
    assert_eq!(st.parked.len(), 1);
    assert_eq!(st.parked[0].from.0, approve.hlc.ms);
    assert_eq!(st.parked[0].to.map(|t| t.0), Some(resume.hlc.ms));
}

#[test]
fn deny_park() {
    let mut s = Scenario::new();
    s.dispatched();
    let (dept, disp) = (s.dept, s.dispatcher);
    s.push(
        dept,
        K::RequestPark {
            reason: "需立项".into(),
            expected: None,
        },
    );
    s.push(
        disp,
        K::DenyPark {
            reason: String::new(),
        },
    );
    assert_eq!(s.state().status, Status::InProgress);
    assert!(s.state().park_request.is_none());
}

#[test]
fn feedback_then_check_request() {
    let mut s = Scenario::new();
    s.check_requested();
    let st = s.state();
    assert_eq!(st.status, Status::AwaitingCheck);
    assert_eq!(st.check_assignee, Some(s.inspector.user));
}

#[test]
fn failed_check_is_rework_with_a_new_round() {
    let mut s = Scenario::new();
    s.check_requested();
    let insp = s.inspector;
    s.push(
        insp,
        K::Check {
            passed: false,
            photos: vec![],
            note: "仍有垃圾".into(),
        },
    );
    let st = s.state();
    assert_eq!(st.status, Status::InProgress);
    assert_eq!(st.rework_count, 1);
    assert_eq!(st.visits.last().map(|v| v.round), Some(1));
}

#[test]
fn passed_check_then_close() {
    let mut s = Scenario::new();
    s.closed();
    let st = s.state();
    assert_eq!(st.status, Status::Closed);
    assert!(st.closed_at.is_some());
    assert!(st.conflicts.is_empty());
    assert_eq!(st.photos.len(), 3);
}

#[test]
fn self_handling_approved_or_denied() {
    for approve in [true, false] {
        let mut s = Scenario::new();
        let insp = s.inspector;
        s.push(
            insp,
            K::SelfHandle {
                report: report(SourceChannel::InspectorPatrol, Urgency::Normal),
                after: vec![photo(7, PhotoRole::After)],
                note: "已现场清理".into(),
            },
        );
        assert_eq!(s.state().status, Status::SelfHandledPendingReview);
        assert!(s.state().self_handled);
        let l = s.leader_shift;
        if approve {
            s.push(l, K::ApproveSelfHandle);
            assert_eq!(s.state().status, Status::Closed);
        } else {
            s.push(
                l,
                K::DenySelfHandle {
                    reason: "照片不清".into(),
                },
            );
            assert_eq!(s.state().status, Status::AwaitingFiling);
        }
    }
}

#[test]
fn void_from_any_open_state_but_not_after_the_end() {
    let mut s = Scenario::new();
    s.dispatched();
    let l = s.leader_shift;
    s.push(
        l,
        K::Void {
            reason: "重复".into(),
        },
    );
    assert_eq!(s.state().status, Status::Voided);
    s.push(
        l,
        K::Void {
            reason: "again".into(),
        },
    );
    assert_eq!(
        last_conflict(&s),
        Some(R::WrongState {
            status: Status::Voided
        })
    );
    // A check on a voided case is kept as a conflict.
    let insp = s.inspector;
    s.push(
        insp,
        K::Check {
            passed: true,
            photos: vec![],
            note: String::new(),
        },
    );
    assert_eq!(
        last_conflict(&s),
        Some(R::WrongState {
            status: Status::Voided
        })
    );
}

#[test]
fn callback_only_on_closed_cases_and_reopen() {
    let mut s = Scenario::new();
    s.dispatched();
    let i = s.intake;
    s.push(
        i,
        K::Callback {
            satisfied: false,
            note: String::new(),
        },
    );
    assert_eq!(
        last_conflict(&s),
        Some(R::WrongState {
            status: Status::InProgress
        })
    );
    let mut s = Scenario::new();
    s.closed();
    let (i, l) = (s.intake, s.leader_shift);
    s.push(
        i,
        K::Callback {
            satisfied: false,
            note: "未彻底清理".into(),
        },
    );
    s.push(
        l,
        K::Reopen {
            reason: "回访不满意".into(),
        },
    );
    let st = s.state();
    assert_eq!(st.callbacks.len(), 1);
    assert_eq!(st.status, Status::AwaitingDispatch);
    assert_eq!(st.reopen_count, 1);
    assert_eq!(st.department, None);
}

#[test]
fn escalation_is_a_flag() {
    let mut s = Scenario::new();
    s.dispatched();
    let (sys, lead) = (s.system, s.leader);
    s.push(
        sys,
        K::Escalate {
            level: 1,
            reason: "超时".into(),
            department: None,
            role: None,
            reply_by: None,
        },
    );
    s.push(
        lead,
        K::Escalate {
            level: 2,
            reason: "领导督办".into(),
            department: None,
            role: None,
            reply_by: None,
        },
    );
    let st = s.state();
    assert_eq!(st.status, Status::InProgress);
    assert_eq!(st.escalation_level(), 2);
}

#[test]
fn comments_and_photos_change_nothing_but_the_photo_list() {
    let mut s = Scenario::new();
    s.filed();
    let before = s.state().status;
    let d = s.dept;
    s.push(
        d,
        K::Comment {
            text: "备注".into(),
        },
    );
    s.push(
        d,
        K::AddPhoto {
            photo: photo(8, PhotoRole::Before),
        },
    );
    let st = s.state();
    assert_eq!(st.status, before);
    assert_eq!(st.photos.len(), 2);
    assert!(st.conflicts.is_empty());
}

#[test]
fn unknown_event_types_are_kept_as_conflicts() {
    let mut s = Scenario::new();
    s.patrol();
    let a = s.intake;
    s.push(
        a,
        K::Unknown {
            type_name: "teleport".into(),
        },
    );
    let st = s.state();
    assert_eq!(st.conflicts.len(), 1);
    assert_eq!(st.conflicts[0].reason, R::UnknownEventType);
    assert_eq!(st.conflicts[0].event_type, "teleport");
    assert_eq!(st.status, Status::Reported);
}

#[test]
fn act_time_is_bounded_by_receipt_and_by_stage_entry() {
    let mut s = Scenario::new();
    s.patrol();
    // A dispatcher device with a slow clock: its HLC says before the report.
    let i = s.intake;
    let mut accept = s.make(i, K::Accept);
    accept.hlc.ms = T0 + 2 * 60_000;
    s.events.push(accept);
    // The report's device clock ran fast; the server received it earlier than its HLC.
    s.events[0].received_at = Some(ts(0));
    let st = s.state();
    assert_eq!(st.reported_at, Some(ts(0)));
    assert_eq!(st.visits[1].entered_at, ts(2));
}

#[test]
fn duplicate_event_ids_with_other_content_are_flagged() {
    let mut s = Scenario::new();
    s.patrol();
    let mut twin = s.events[0].clone();
    s.events.push(twin.clone());
    assert!(
        s.state().conflicts.is_empty(),
        "an exact copy is the same event"
    );
    twin.kind = K::Comment {
        text: "forged".into(),
    };
    s.events.push(twin);
    assert_eq!(last_conflict(&s), Some(R::DuplicateEventId));
}
