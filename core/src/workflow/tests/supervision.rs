//! Supervision: 督办 with addressee and reply time, 督办回复, 批示 and 签收, 催办 — allowed in
//! every non-terminal state, answered only by the addressee, once; older `escalate` events
//! (level and reason only) still fold.

use super::fixtures::*;
use crate::model::{Role, Timestamp};
use crate::workflow::{Addressee, ConflictReason, EventKind as K, Status, fold};

const HOUR: i64 = 3_600_000;

fn escalate(reply_by: Option<Timestamp>, department: Option<u8>, role: Option<Role>) -> K {
    K::Escalate {
        level: 2,
        reason: "群众反映强烈，请加快处置".into(),
        department: department.map(dept_id),
        role,
        reply_by,
    }
}

fn last_reason(s: &Scenario) -> Option<ConflictReason> {
    s.state().conflicts.last().map(|c| c.reason.clone())
}

#[test]
fn a_leaders_escalation_goes_to_the_case_department_and_is_answered_once() {
    let mut s = Scenario::new();
    s.dispatched();
    let (lead, dept, dept2) = (s.leader, s.dept, s.dept2);
    let due = Timestamp(s.ms + 60_000 + 4 * HOUR);
    let e = s.push(lead, escalate(Some(due), None, None));
    let st = s.state();
    assert_eq!(st.escalations.len(), 1);
    assert_eq!(
        st.escalations[0].addressee,
        Some(Addressee::Department(dept_id(1)))
    );
    assert!(st.escalations[0].awaiting_reply());
    assert_eq!(st.escalations_awaiting_reply().count(), 1);
    assert_eq!(st.status, Status::InProgress);

    // Another department may not answer.
    s.push(
        dept2,
        K::EscalationReply {
            escalation: e.id,
            text: "不是我们的".into(),
        },
    );
    assert_eq!(last_reason(&s), Some(ConflictReason::NotAddressee));

    s.push(
        dept,
        K::EscalationReply {
            escalation: e.id,
            text: "已安排人员，今日处置完毕".into(),
        },
    );
    let st = s.state();
    let reply = st.escalations[0].reply.as_ref().expect("replied");
    assert_eq!(reply.by, dept);
    assert_eq!(st.escalations_awaiting_reply().count(), 0);
    assert_eq!(st.escalations[0].replied_on_time(Timestamp(0)), Some(true));

    // A second reply is refused.
    s.push(
        dept,
        K::EscalationReply {
            escalation: e.id,
            text: "再次回复".into(),
        },
    );
    assert_eq!(last_reason(&s), Some(ConflictReason::AlreadyAnswered));
}

#[test]
fn a_late_reply_is_recorded_as_late() {
    let mut s = Scenario::new();
    s.dispatched();
    let (lead, dept) = (s.leader, s.dept);
    // Due 30 s after the act; the reply comes a minute later.
    let due = Timestamp(s.ms + 60_000 + 30_000);
    let e = s.push(lead, escalate(Some(due), None, None));
    assert!(
        s.state().escalations[0]
            .replied_on_time(Timestamp(0))
            .is_none()
    );
    assert_eq!(
        s.state().escalations[0].replied_on_time(Timestamp(due.0 + 1)),
        Some(false)
    );
    s.push(
        dept,
        K::EscalationReply {
            escalation: e.id,
            text: "迟到的回复".into(),
        },
    );
    assert_eq!(
        s.state().escalations[0].replied_on_time(Timestamp(0)),
        Some(false)
    );
}

#[test]
fn a_reply_time_in_the_past_or_too_far_ahead_is_a_conflict() {
    for due in [0, -HOUR, 91 * 24 * HOUR] {
        let mut s = Scenario::new();
        s.dispatched();
        let lead = s.leader;
        let at = s.ms + 60_000;
        s.push(lead, escalate(Some(Timestamp(at + due)), None, None));
        assert_eq!(
            last_reason(&s),
            Some(ConflictReason::InvalidReplyTime),
            "{due}"
        );
        assert!(s.state().escalations.is_empty());
    }
}

#[test]
fn an_escalation_to_a_role_is_answered_by_that_role_only() {
    let mut s = Scenario::new();
    s.filed();
    let (shift, disp, dept) = (s.leader_shift, s.dispatcher, s.dept);
    // 值班长 presses the dispatchers on a case waiting for dispatch.
    let e = s.push(shift, escalate(None, None, Some(Role::Dispatcher)));
    assert_eq!(
        s.state().escalations[0].addressee,
        Some(Addressee::Role(Role::Dispatcher))
    );
    s.push(
        dept,
        K::EscalationReply {
            escalation: e.id,
            text: "x".into(),
        },
    );
    assert_eq!(last_reason(&s), Some(ConflictReason::NotAddressee));
    s.push(
        disp,
        K::EscalationReply {
            escalation: e.id,
            text: "马上派遣".into(),
        },
    );
    assert!(s.state().escalations[0].reply.is_some());
}

#[test]
fn an_escalation_before_dispatch_naming_nobody_awaits_no_reply() {
    let mut s = Scenario::new();
    s.filed();
    let sys = s.system;
    s.push(sys, escalate(None, None, None));
    let st = s.state();
    assert_eq!(st.escalations[0].addressee, None);
    assert!(!st.escalations[0].awaiting_reply());
}

#[test]
fn a_reply_to_an_unknown_escalation_is_a_conflict() {
    let mut s = Scenario::new();
    s.dispatched();
    let dept = s.dept;
    s.push(
        dept,
        K::EscalationReply {
            escalation: crate::model::EventId::from_parts(1, [42; 10]),
            text: "x".into(),
        },
    );
    assert_eq!(last_reason(&s), Some(ConflictReason::NoSuchTarget));
}

#[test]
fn supervision_events_are_refused_on_terminal_cases() {
    let mut s = Scenario::new();
    s.closed();
    let (lead, shift) = (s.leader, s.leader_shift);
    s.push(lead, escalate(None, Some(1), None));
    assert!(matches!(
        last_reason(&s),
        Some(ConflictReason::WrongState {
            status: Status::Closed
        })
    ));
    s.push(
        lead,
        K::Instruct {
            text: "x".into(),
            department: None,
            role: None,
        },
    );
    assert!(matches!(
        last_reason(&s),
        Some(ConflictReason::WrongState { .. })
    ));
    s.push(shift, K::Urge { reason: "x".into() });
    assert!(matches!(
        last_reason(&s),
        Some(ConflictReason::WrongState { .. })
    ));
}

#[test]
fn wrong_roles_are_refused() {
    let mut s = Scenario::new();
    s.dispatched();
    let (dept, insp, disp) = (s.dept, s.inspector, s.dispatcher);
    s.push(dept, escalate(None, None, None));
    assert_eq!(
        last_reason(&s),
        Some(ConflictReason::RoleNotAllowed {
            role: Role::Department
        })
    );
    s.push(
        disp,
        K::Instruct {
            text: "x".into(),
            department: None,
            role: None,
        },
    );
    assert_eq!(
        last_reason(&s),
        Some(ConflictReason::RoleNotAllowed {
            role: Role::Dispatcher
        })
    );
    s.push(insp, K::Urge { reason: "x".into() });
    assert_eq!(
        last_reason(&s),
        Some(ConflictReason::RoleNotAllowed {
            role: Role::Inspector
        })
    );
}

#[test]
fn an_instruction_is_acknowledged_by_its_addressee() {
    let mut s = Scenario::new();
    s.dispatched();
    let (lead, dept, dept2) = (s.leader, s.dept, s.dept2);
    let i = s.push(
        lead,
        K::Instruct {
            text: "请务必今日处理".into(),
            department: Some(dept_id(2)),
            role: None,
        },
    );
    assert_eq!(s.state().instructions_pending().count(), 1);
    s.push(
        dept,
        K::AcknowledgeInstruction {
            instruction: i.id,
            note: String::new(),
        },
    );
    assert_eq!(last_reason(&s), Some(ConflictReason::NotAddressee));
    s.push(
        dept2,
        K::AcknowledgeInstruction {
            instruction: i.id,
            note: "收到".into(),
        },
    );
    let st = s.state();
    assert_eq!(st.instructions_pending().count(), 0);
    assert_eq!(
        st.instructions[0].acknowledged.as_ref().map(|a| a.by),
        Some(dept2)
    );
}

#[test]
fn an_urge_is_addressed_to_the_case_department() {
    let mut s = Scenario::new();
    s.dispatched();
    let disp = s.dispatcher;
    s.push(
        disp,
        K::Urge {
            reason: "请尽快反馈".into(),
        },
    );
    let st = s.state();
    assert!(st.conflicts.is_empty(), "{:?}", st.conflicts);
    assert_eq!(
        st.urges[0].addressee,
        Some(Addressee::Department(dept_id(1)))
    );
}

#[test]
fn an_escalate_event_of_an_older_build_still_decodes_and_folds() {
    let mut s = Scenario::new();
    s.dispatched();
    let lead = s.leader;
    let mut ev = s.make(lead, K::Comment { text: "x".into() });
    // The payload as older builds wrote it: level and reason only.
    ev.kind = K::from_json(serde_json::json!({"type": "escalate", "level": 1, "reason": "超期"}))
        .expect("old payload decodes");
    s.events.push(ev);
    let st = fold(&s.events);
    assert!(st.conflicts.is_empty(), "{:?}", st.conflicts);
    assert_eq!(st.escalation_level(), 1);
    assert_eq!(
        st.escalations[0].addressee,
        Some(Addressee::Department(dept_id(1)))
    );
    assert_eq!(st.escalations[0].reply_by, None);
}

#[test]
fn payload_limits_refuse_blank_or_long_text_and_bad_targets() {
    use crate::workflow::validate_kind;
    let long = "督".repeat(2_001);
    assert!(validate_kind(&K::Urge { reason: " ".into() }).is_err());
    assert!(
        validate_kind(&K::Urge {
            reason: long.clone()
        })
        .is_err()
    );
    assert!(
        validate_kind(&K::EscalationReply {
            escalation: crate::model::EventId::from_parts(1, [1; 10]),
            text: long,
        })
        .is_err()
    );
    let both = K::Escalate {
        level: 1,
        reason: "r".into(),
        department: Some(dept_id(1)),
        role: Some(Role::Dispatcher),
        reply_by: None,
    };
    assert_eq!(validate_kind(&both).expect_err("both").field, "role");
    let leader = K::Instruct {
        text: "r".into(),
        department: None,
        role: Some(Role::Leader),
    };
    assert_eq!(validate_kind(&leader).expect_err("role").field, "role");
    assert!(validate_kind(&escalate(Some(Timestamp(T0)), Some(1), None)).is_ok());
}
