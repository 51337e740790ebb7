//! The role table: for every event type, every role that may not append it is refused with
//! `RoleNotAllowed`, at a point where the right role would have succeeded.

use super::fixtures::*;
use crate::model::{LimitUnit, Role, SourceChannel, TimeLimit, Urgency};
use crate::workflow::{ConflictReason, EventKind as K, allowed_roles};

/// A scenario at which `type_name` is valid for its own role, and that event's kind.
fn setup(type_name: &str) -> (Scenario, K) {
    let mut s = Scenario::new();
    let limit = TimeLimit::new(1, LimitUnit::WorkingDays);
    let kind = match type_name {
        "report" => K::Report(report(SourceChannel::InspectorPatrol, Urgency::Normal)),
        "self_handle" => K::SelfHandle {
            report: report(SourceChannel::InspectorPatrol, Urgency::Normal),
            after: vec![],
            note: String::new(),
        },
        "accept" => {
            s.patrol();
            K::Accept
        }
        "request_verification" => {
            s.patrol();
            K::RequestVerification {
                assignee: s.inspector.user,
            }
        }
        "merge_into" => {
            s.patrol();
            K::MergeInto {
                target: crate::model::CaseId::from_parts(1, [1; 10]),
            }
        }
        "merge_from" => {
            s.patrol();
            K::MergeFrom {
                source: crate::model::CaseId::from_parts(1, [2; 10]),
                reporter: crate::workflow::MergedReporter {
                    actor: s.inspector2,
                    source: SourceChannel::InspectorPatrol,
                    reporter: None,
                    external_id: None,
                    reported_at: crate::model::Timestamp(T0),
                },
            }
        }
        "verify" => {
            s.patrol();
            let (i, who) = (s.intake, s.inspector.user);
            s.push(i, K::RequestVerification { assignee: who });
            K::Verify {
                confirmed: true,
                photos: vec![],
                location: None,
                category: None,
                note: String::new(),
                cell: None,
            }
        }
        "file" => {
            s.accepted();
            K::File {
                note: String::new(),
                condition: None,
            }
        }
        "reject" => {
            s.accepted();
            K::Reject { reason: "r".into() }
        }
        "void" => {
            s.accepted();
            K::Void { reason: "r".into() }
        }
        "assign_number" => {
            s.filed();
            K::AssignNumber { number: "n".into() }
        }
        "fast_dispatch" => {
            let insp = s.inspector;
            s.push(
                insp,
                K::Report(report(SourceChannel::InspectorPatrol, Urgency::Urgent)),
            );
            let i = s.intake;
            s.push(i, K::Accept);
            K::FastDispatch {
                department: dept_id(1),
                limit: None,
                basis: None,
            }
        }
        "dispatch" => {
            s.filed();
            K::Dispatch {
                department: dept_id(1),
                limit: None,
                basis: None,
            }
        }
        "request_extension" => {
            s.dispatched();
            K::RequestExtension {
                requested: limit,
                reason: "r".into(),
            }
        }
        "request_sendback" => {
            s.dispatched();
            K::RequestSendback { reason: "r".into() }
        }
        "request_park" => {
            s.dispatched();
            K::RequestPark {
                reason: "r".into(),
                expected: None,
            }
        }
        "feedback" => {
            s.dispatched();
            K::Feedback {
                result: "r".into(),
                photos: vec![],
            }
        }
        "escalate" => {
            s.dispatched();
            K::Escalate {
                level: 1,
                reason: "r".into(),
                department: None,
                role: None,
                reply_by: None,
            }
        }
        "instruct" => {
            s.dispatched();
            K::Instruct {
                text: "r".into(),
                department: None,
                role: None,
            }
        }
        "urge" => {
            s.dispatched();
            K::Urge { reason: "r".into() }
        }
        "escalation_reply" => {
            s.dispatched();
            let lead = s.leader;
            let e = s.push(
                lead,
                K::Escalate {
                    level: 1,
                    reason: "r".into(),
                    department: None,
                    role: None,
                    reply_by: None,
                },
            );
            K::EscalationReply {
                escalation: e.id,
                text: "r".into(),
            }
        }
        "acknowledge_instruction" => {
            s.dispatched();
            let lead = s.leader;
            let e = s.push(
                lead,
                K::Instruct {
                    text: "r".into(),
                    department: None,
                    role: None,
                },
            );
            K::AcknowledgeInstruction {
                instruction: e.id,
                note: String::new(),
            }
        }
        "comment" => {
            s.dispatched();
            K::Comment { text: "r".into() }
        }
        "add_photo" => {
            s.dispatched();
            K::AddPhoto {
                photo: photo(5, crate::model::PhotoRole::After),
            }
        }
        "approve_extension" | "deny_extension" => {
            s.dispatched();
            let d = s.dept;
            s.push(
                d,
                K::RequestExtension {
                    requested: limit,
                    reason: "r".into(),
                },
            );
            if type_name == "approve_extension" {
                K::ApproveExtension { granted: limit }
            } else {
                K::DenyExtension {
                    reason: String::new(),
                }
            }
        }
        "approve_sendback" | "deny_sendback" => {
            s.dispatched();
            let d = s.dept;
            s.push(d, K::RequestSendback { reason: "r".into() });
            if type_name == "approve_sendback" {
                K::ApproveSendback
            } else {
                K::DenySendback {
                    reason: String::new(),
                }
            }
        }
        "approve_park" | "deny_park" | "resume" => {
            s.dispatched();
            let (d, disp) = (s.dept, s.dispatcher);
            s.push(
                d,
                K::RequestPark {
                    reason: "r".into(),
                    expected: None,
                },
            );
            match type_name {
                "approve_park" => K::ApprovePark,
                "deny_park" => K::DenyPark {
                    reason: String::new(),
                },
                _ => {
                    s.push(disp, K::ApprovePark);
                    K::Resume
                }
            }
        }
        "request_check" => {
            s.fed_back();
            K::RequestCheck {
                assignee: s.inspector.user,
            }
        }
        "check" => {
            s.check_requested();
            K::Check {
                passed: true,
                photos: vec![],
                note: String::new(),
            }
        }
        "close" => {
            s.awaiting_close();
            K::Close {
                note: String::new(),
            }
        }
        "approve_self_handle" | "deny_self_handle" => {
            let insp = s.inspector;
            s.push(
                insp,
                K::SelfHandle {
                    report: report(SourceChannel::InspectorPatrol, Urgency::Normal),
                    after: vec![],
                    note: String::new(),
                },
            );
            if type_name == "approve_self_handle" {
                K::ApproveSelfHandle
            } else {
                K::DenySelfHandle {
                    reason: String::new(),
                }
            }
        }
        "callback" => {
            s.closed();
            K::Callback {
                satisfied: true,
                note: String::new(),
            }
        }
        "reopen" => {
            s.closed();
            K::Reopen { reason: "r".into() }
        }
        "sign_for" => {
            s.dispatched();
            K::SignFor {
                note: String::new(),
            }
        }
        "sub_dispatch" => {
            s.dispatched();
            K::SubDispatch {
                unit: dept_id(11),
                due: crate::model::Timestamp(s.ms + 36_000_000),
                note: String::new(),
            }
        }
        "sub_feedback" => {
            // Department 2 holds the case and gives it to department 1 (the `dept` actor).
            s.filed();
            let (disp, parent, child) = (s.dispatcher, s.dept2, s.dept);
            s.push(
                disp,
                K::Dispatch {
                    department: dept_id(2),
                    limit: None,
                    basis: None,
                },
            );
            let due = crate::model::Timestamp(s.ms + 36_000_000);
            s.push(
                parent,
                K::SubDispatch {
                    unit: dept_id(1),
                    due,
                    note: String::new(),
                },
            );
            s.push(
                child,
                K::SignFor {
                    note: String::new(),
                },
            );
            K::SubFeedback {
                result: "r".into(),
                photos: Vec::new(),
            }
        }
        other => panic!("no setup for {other}"),
    };
    (s, kind)
}

fn actor_for(s: &Scenario, role: Role) -> crate::model::Actor {
    match role {
        Role::Inspector => s.inspector,
        Role::IntakeOperator => s.intake,
        Role::ShiftLeader => s.leader_shift,
        Role::Dispatcher => s.dispatcher,
        Role::Department => s.dept,
        Role::Leader => s.leader,
        Role::Admin => actor(10, Role::Admin, None),
        Role::System => s.system,
    }
}

#[test]
fn every_type_succeeds_for_its_roles() {
    for name in K::TYPE_NAMES {
        let (s, kind) = setup(name);
        let role = allowed_roles(name)[0];
        let role = if name == "report" {
            Role::Inspector
        } else {
            role
        };
        let mut s2 = Scenario {
            events: s.events.clone(),
            ..Scenario::new()
        };
        s2.ms = s.ms;
        s2.seq = s.seq;
        let before = s2.state().conflicts.len();
        s2.push(actor_for(&s, role), kind);
        let st = s2.state();
        assert_eq!(
            st.conflicts.len(),
            before,
            "{name} by {role}: {:?}",
            st.conflicts
        );
    }
}

#[test]
fn every_type_refuses_every_other_role() {
    let mut refused = 0;
    for name in K::TYPE_NAMES {
        for role in Role::ALL {
            if allowed_roles(name).contains(&role) {
                continue;
            }
            let (mut s, kind) = setup(name);
            let who = actor_for(&s, role);
            s.push(who, kind);
            let reason = s.state().conflicts.last().map(|c| c.reason.clone());
            assert_eq!(
                reason,
                Some(ConflictReason::RoleNotAllowed { role }),
                "{name} by {role}"
            );
            refused += 1;
        }
    }
    assert!(refused > 150, "checked {refused} refusals");
}
