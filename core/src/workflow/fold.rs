//! The fold: a case's state from the set of its events.
//!
//! Events are sorted by (HLC, actor, event id) and applied one by one to an explicit state
//! machine (`apply`, one `match` arm per event type, no wildcard). An event that is not valid
//! at its place is recorded as a [`Conflict`] and the state goes on without it. Events with the
//! same id are one event; if their contents differ the later copy in the order is a conflict.
//!
//! The act time of an event is its HLC time bounded above by the server's receipt time and
//! below by the time the case entered its current status, so a device with a slow clock cannot
//! act before the case reached it and a report that waited for signal is not charged the wait.

use super::conflict::{Conflict, ConflictReason};
use super::event::{Event, EventKind, ReportPayload};
use super::rules::{allowed_sources, role_may_append};
use super::state::{
    Addressee, Answer, CallbackRecord, CaseState, CheckRecord, Decision, DispatchRecord,
    Escalation, Extension, Instruction, MergedDuplicate, ParkedInterval, PendingRequest,
    StageVisit, SubTask, Urge,
};
use super::status::Status;
use crate::model::{Role, Timestamp, Urgency};
use std::collections::HashMap;

use ConflictReason as R;

/// Folds a set of events (in any order, duplicates allowed) into the case's state.
pub fn fold<'a, I>(events: I) -> CaseState
where
    I: IntoIterator<Item = &'a Event>,
{
    let mut sorted: Vec<&Event> = events.into_iter().collect();
    sorted.sort_by_key(|e| e.order_key());
    let mut state = CaseState::default();
    let mut seen: HashMap<_, &Event> = HashMap::with_capacity(sorted.len());
    for ev in sorted {
        state.last_hlc = Some(state.last_hlc.map_or(ev.hlc, |h| h.max(ev.hlc)));
        if let Some(first) = seen.get(&ev.id) {
            if first.kind != ev.kind || first.actor != ev.actor || first.hlc != ev.hlc {
                push_conflict(&mut state, ev, R::DuplicateEventId);
            }
            continue;
        }
        seen.insert(ev.id, ev);
        match apply(&mut state, ev) {
            Ok(()) => {
                state.applied += 1;
                state.updated_at = Some(act_time(&state, ev));
                state.photos.extend(ev.kind.photos().into_iter().cloned());
            }
            Err(reason) => push_conflict(&mut state, ev, reason),
        }
    }
    state
}

fn push_conflict(state: &mut CaseState, ev: &Event, reason: ConflictReason) {
    state.conflicts.push(Conflict {
        event: ev.id,
        event_type: ev.kind.type_name().to_owned(),
        actor: ev.actor,
        hlc: ev.hlc,
        reason,
    });
}

/// The act time of `ev` given the state before it (see the module docs).
fn act_time(state: &CaseState, ev: &Event) -> Timestamp {
    let floor = state
        .visits
        .last()
        .map_or(Timestamp(i64::MIN), |v| v.entered_at);
    ev.act_time().max(floor)
}

fn require(ok: bool, reason: ConflictReason) -> Result<(), ConflictReason> {
    if ok { Ok(()) } else { Err(reason) }
}

/// Flag events (督办, 批示, 催办 and their answers) are allowed in any non-terminal state.
fn not_terminal(state: &CaseState) -> Result<(), ConflictReason> {
    require(
        !state.status.is_terminal(),
        R::WrongState {
            status: state.status,
        },
    )
}

const DAY_MS: i64 = 86_400_000;

fn answer(state: &CaseState, ev: &Event, text: &str) -> Answer {
    Answer {
        event: ev.id,
        at: act_time(state, ev),
        by: ev.actor,
        text: text.to_owned(),
    }
}

/// Records `answer` in `slot` when `ev`'s actor is the addressee and nobody answered yet.
fn answer_target(
    addressee: Option<Addressee>,
    slot: &mut Option<Answer>,
    ev: &Event,
    answer: Answer,
) -> Result<(), ConflictReason> {
    require(
        addressee.is_some_and(|a| a.includes(&ev.actor)),
        R::NotAddressee,
    )?;
    require(slot.is_none(), R::AlreadyAnswered)?;
    *slot = Some(answer);
    Ok(())
}

fn in_state(state: &CaseState, allowed: &[Status]) -> Result<(), ConflictReason> {
    require(
        allowed.contains(&state.status),
        R::WrongState {
            status: state.status,
        },
    )
}

/// Moves the case to `to` at the event's act time, closing the current visit.
fn transition(state: &mut CaseState, ev: &Event, to: Status) {
    let at = act_time(state, ev);
    if let Some(v) = state.visits.last_mut() {
        v.exited_at = Some(at);
        v.exited_by = Some(ev.id);
    }
    let available_at = ev.received_at.map_or(at, |r| r.max(at));
    state.visits.push(StageVisit {
        status: to,
        entered_at: at,
        entered_by: ev.id,
        available_at,
        exited_at: None,
        exited_by: None,
        round: state.rework_count,
    });
    if !matches!(to, Status::InProgress | Status::Parked) {
        for e in state.extensions.iter_mut().filter(|e| e.decision.is_none()) {
            e.lapsed = true;
        }
        state.sendback_request = None;
        state.park_request = None;
        // A 下派 lives within its parent's handling: it lapses when the case leaves it.
        for t in state.sub_tasks.iter_mut().filter(|t| t.is_open()) {
            t.lapsed = true;
        }
    }
    state.status = to;
}

fn start_report(
    state: &mut CaseState,
    ev: &Event,
    report: &ReportPayload,
    to: Status,
) -> Result<(), ConflictReason> {
    require(state.report.is_none(), R::DuplicateReport)?;
    let role = ev.actor.role;
    require(
        allowed_sources(role).contains(&report.source),
        R::SourceNotAllowed {
            role,
            source: report.source,
        },
    )?;
    state.report = Some(report.clone());
    state.reported_by = Some(ev.actor);
    state.reported_at = Some(act_time(state, ev));
    transition(state, ev, to);
    Ok(())
}

/// The department check: department events must come from the case's department.
fn from_department(state: &CaseState, ev: &Event) -> Result<(), ConflictReason> {
    require(
        state.department.is_some() && ev.actor.org == state.department,
        R::NotAssignedDepartment,
    )
}

fn request(state: &CaseState, ev: &Event, reason: &str) -> PendingRequest {
    PendingRequest {
        event: ev.id,
        at: act_time(state, ev),
        reason: reason.to_owned(),
        expected: None,
    }
}

fn decision(state: &CaseState, ev: &Event, approved: bool) -> Decision {
    Decision {
        approved,
        at: act_time(state, ev),
        by: ev.id,
    }
}

/// Applies one event, or says why it cannot be applied.
fn apply(state: &mut CaseState, ev: &Event) -> Result<(), ConflictReason> {
    use Status::*;
    if let EventKind::Unknown { .. } = ev.kind {
        return Err(R::UnknownEventType);
    }
    let role = ev.actor.role;
    require(role_may_append(role, &ev.kind), R::RoleNotAllowed { role })?;
    let is_report = matches!(ev.kind, EventKind::Report(_) | EventKind::SelfHandle { .. });
    if !is_report && state.report.is_none() {
        return Err(R::NoReport);
    }
    match &ev.kind {
        EventKind::Report(report) => start_report(state, ev, report, Reported),
        EventKind::SelfHandle { report, .. } => {
            start_report(state, ev, report, SelfHandledPendingReview)?;
            state.self_handled = true;
            Ok(())
        }
        EventKind::Accept => {
            in_state(state, &[Reported])?;
            let needs = state
                .report
                .as_ref()
                .is_some_and(|r| r.source.needs_verification() && r.verification_waived.is_none());
            require(!needs, R::VerificationRequired)?;
            transition(state, ev, AwaitingFiling);
            Ok(())
        }
        EventKind::RequestVerification { assignee } => {
            in_state(state, &[Reported])?;
            state.verify_assignee = Some(*assignee);
            transition(state, ev, AwaitingVerification);
            Ok(())
        }
        EventKind::Verify {
            confirmed,
            location,
            cell,
            category,
            ..
        } => {
            in_state(state, &[AwaitingVerification])?;
            require(state.verify_assignee == Some(ev.actor.user), R::NotAssignee)?;
            state.verification = Some(*confirmed);
            if let Some(report) = state.report.as_mut() {
                // A corrected position brings its cell (None: outside every cell), so the
                // case counts in the region where the problem really is.
                if let Some(l) = location {
                    report.location = *l;
                    report.cell = *cell;
                }
                if let Some(c) = category {
                    report.category = c.clone();
                }
            }
            transition(state, ev, AwaitingFiling);
            Ok(())
        }
        EventKind::MergeInto { target } => {
            in_state(state, &[Reported, AwaitingFiling])?;
            state.merged_into = Some(*target);
            transition(state, ev, Merged);
            Ok(())
        }
        EventKind::MergeFrom { source, reporter } => {
            require(
                !state.status.is_terminal(),
                R::WrongState {
                    status: state.status,
                },
            )?;
            require(
                !state.merged_from.iter().any(|m| m.case == *source),
                R::AlreadyMerged,
            )?;
            state.merged_from.push(MergedDuplicate {
                case: *source,
                reporter: reporter.clone(),
                at: act_time(state, ev),
                by: ev.id,
            });
            Ok(())
        }
        EventKind::File { condition, .. } => {
            in_state(state, &[AwaitingFiling])?;
            state.filed_at = Some(act_time(state, ev));
            state.filing_condition = condition.clone();
            transition(state, ev, AwaitingDispatch);
            Ok(())
        }
        EventKind::AssignNumber { number } => {
            require(
                state.filed_at.is_some() && state.case_number.is_none(),
                R::NumberNotAssignable,
            )?;
            state.case_number = Some(number.clone());
            Ok(())
        }
        EventKind::Reject { .. } => {
            // 不予受理: an intake operator refuses a report at 待受理 only; refusing at 待立案
            // (不予立案) stays the shift leader's (docs/ui.md "不予受理").
            let from: &[Status] = if role == crate::model::Role::IntakeOperator {
                &[Reported]
            } else {
                &[Reported, AwaitingFiling]
            };
            in_state(state, from)?;
            transition(state, ev, Rejected);
            Ok(())
        }
        EventKind::FastDispatch {
            department,
            limit,
            basis,
        } => {
            // 快速派遣: an urgent case is filed and dispatched in one step, from 待立案 or
            // straight from 待受理 (issue 12, item 6: a sinking manhole cannot wait for the
            // accept-verify-file round).
            in_state(state, &[Reported, AwaitingFiling])?;
            require(state.urgency() == Urgency::Urgent, R::NotUrgent)?;
            state.filed_at = Some(act_time(state, ev));
            dispatch(state, ev, *department, (*limit, basis.clone()), true);
            Ok(())
        }
        EventKind::Dispatch {
            department,
            limit,
            basis,
        } => {
            in_state(state, &[AwaitingDispatch])?;
            dispatch(state, ev, *department, (*limit, basis.clone()), false);
            Ok(())
        }
        EventKind::RequestExtension { requested, reason } => {
            in_state(state, &[InProgress])?;
            from_department(state, ev)?;
            require(
                state.pending_extension().is_none(),
                R::RequestAlreadyPending,
            )?;
            let at = act_time(state, ev);
            state.extensions.push(Extension {
                requested_by: ev.id,
                requested_at: at,
                requested: *requested,
                reason: reason.clone(),
                round: state.rework_count,
                granted: None,
                decision: None,
                lapsed: false,
            });
            Ok(())
        }
        EventKind::ApproveExtension { granted } => decide_extension(state, ev, Some(*granted)),
        EventKind::DenyExtension { .. } => decide_extension(state, ev, None),
        EventKind::RequestSendback { reason } => {
            in_state(state, &[InProgress])?;
            from_department(state, ev)?;
            require(state.sendback_request.is_none(), R::RequestAlreadyPending)?;
            state.sendback_request = Some(request(state, ev, reason));
            Ok(())
        }
        EventKind::ApproveSendback => {
            in_state(state, &[InProgress])?;
            require(state.sendback_request.is_some(), R::NoPendingRequest)?;
            state.sendback_count += 1;
            state.department = None;
            transition(state, ev, AwaitingDispatch);
            Ok(())
        }
        EventKind::DenySendback { .. } => {
            in_state(state, &[InProgress])?;
            require(state.sendback_request.take().is_some(), R::NoPendingRequest)
        }
        EventKind::RequestPark { reason, expected } => {
            in_state(state, &[InProgress])?;
            from_department(state, ev)?;
            require(state.park_request.is_none(), R::RequestAlreadyPending)?;
            let mut req = request(state, ev, reason);
            req.expected = *expected;
            state.park_request = Some(req);
            Ok(())
        }
        EventKind::ApprovePark => {
            in_state(state, &[InProgress])?;
            require(state.park_request.take().is_some(), R::NoPendingRequest)?;
            transition(state, ev, Parked);
            let from = act_time(state, ev);
            state.parked.push(ParkedInterval { from, to: None });
            Ok(())
        }
        EventKind::DenyPark { .. } => {
            in_state(state, &[InProgress])?;
            require(state.park_request.take().is_some(), R::NoPendingRequest)
        }
        EventKind::Resume => {
            in_state(state, &[Parked])?;
            let at = act_time(state, ev);
            if let Some(p) = state.parked.last_mut() {
                p.to = Some(at);
            }
            transition(state, ev, InProgress);
            Ok(())
        }
        EventKind::Feedback { .. } => {
            in_state(state, &[InProgress])?;
            from_department(state, ev)?;
            transition(state, ev, FeedbackReceived);
            Ok(())
        }
        EventKind::RequestCheck { assignee } => {
            in_state(state, &[FeedbackReceived])?;
            state.check_assignee = Some(*assignee);
            transition(state, ev, AwaitingCheck);
            Ok(())
        }
        EventKind::Check { passed, .. } => {
            in_state(state, &[AwaitingCheck])?;
            require(state.check_assignee == Some(ev.actor.user), R::NotAssignee)?;
            let at = act_time(state, ev);
            state.checks.push(CheckRecord {
                passed: *passed,
                at,
                by: ev.actor.user,
            });
            if *passed {
                transition(state, ev, AwaitingClose);
            } else {
                state.rework_count += 1;
                transition(state, ev, InProgress);
            }
            Ok(())
        }
        EventKind::Close { .. } => {
            in_state(state, &[AwaitingClose])?;
            state.closed_at = Some(act_time(state, ev));
            transition(state, ev, Closed);
            Ok(())
        }
        EventKind::ApproveSelfHandle => {
            in_state(state, &[SelfHandledPendingReview])?;
            state.closed_at = Some(act_time(state, ev));
            transition(state, ev, Closed);
            Ok(())
        }
        EventKind::DenySelfHandle { .. } => {
            in_state(state, &[SelfHandledPendingReview])?;
            transition(state, ev, AwaitingFiling);
            Ok(())
        }
        EventKind::Void { .. } => {
            not_terminal(state)?;
            transition(state, ev, Voided);
            Ok(())
        }
        EventKind::Callback { satisfied, .. } => {
            in_state(state, &[Closed])?;
            let at = act_time(state, ev);
            state.callbacks.push(CallbackRecord {
                satisfied: *satisfied,
                at,
            });
            Ok(())
        }
        EventKind::Reopen { .. } => {
            in_state(state, &[Closed])?;
            state.reopen_count += 1;
            state.department = None;
            state.check_assignee = None;
            transition(state, ev, AwaitingDispatch);
            Ok(())
        }
        EventKind::Escalate {
            level,
            reason,
            department,
            role,
            reply_by,
        } => {
            not_terminal(state)?;
            let at = act_time(state, ev);
            if let Some(due) = reply_by {
                require(
                    *due > at && due.0 - at.0 <= super::limits::MAX_REPLY_DAYS * DAY_MS,
                    R::InvalidReplyTime,
                )?;
            }
            // A system 督办 (overdue) and one naming nobody go to the case's department.
            let addressee = Addressee::resolve(*department, *role, state.department);
            state.escalations.push(Escalation {
                level: *level,
                at,
                reason: reason.clone(),
                by: ev.actor,
                event: Some(ev.id),
                addressee,
                reply_by: *reply_by,
                reply: None,
            });
            Ok(())
        }
        EventKind::EscalationReply { escalation, text } => {
            not_terminal(state)?;
            let answer = answer(state, ev, text);
            let target = state
                .escalations
                .iter_mut()
                .find(|e| e.event == Some(*escalation))
                .ok_or(R::NoSuchTarget)?;
            answer_target(target.addressee, &mut target.reply, ev, answer)
        }
        EventKind::Instruct {
            text,
            department,
            role,
        } => {
            not_terminal(state)?;
            let addressee = Addressee::resolve(*department, *role, state.department);
            state.instructions.push(Instruction {
                event: ev.id,
                at: act_time(state, ev),
                by: ev.actor,
                text: text.clone(),
                addressee,
                acknowledged: None,
            });
            Ok(())
        }
        EventKind::AcknowledgeInstruction { instruction, note } => {
            not_terminal(state)?;
            let answer = answer(state, ev, note);
            let target = state
                .instructions
                .iter_mut()
                .find(|i| i.event == *instruction)
                .ok_or(R::NoSuchTarget)?;
            answer_target(target.addressee, &mut target.acknowledged, ev, answer)
        }
        EventKind::Urge { reason } => {
            not_terminal(state)?;
            state.urges.push(Urge {
                event: ev.id,
                at: act_time(state, ev),
                by: ev.actor,
                reason: reason.clone(),
                addressee: state.department.map(Addressee::Department),
            });
            Ok(())
        }
        EventKind::SignFor { note } => sign_for(state, ev, note),
        EventKind::SubDispatch { unit, due, note } => {
            in_state(state, &[InProgress])?;
            from_department(state, ev)?;
            require(
                state.department != Some(*unit) && state.open_sub_task().is_none(),
                R::InvalidSubDispatch,
            )?;
            let at = act_time(state, ev);
            require(*due > at, R::InvalidDueTime)?;
            state.sub_tasks.push(SubTask {
                event: ev.id,
                unit: *unit,
                by: ev.actor,
                at,
                due: *due,
                note: note.clone(),
                round: state.rework_count,
                signed: None,
                feedback: None,
                photos: Vec::new(),
                lapsed: false,
            });
            Ok(())
        }
        EventKind::SubFeedback { result, photos } => {
            in_state(state, &[InProgress])?;
            let answer = answer(state, ev, result);
            let task = open_task_of(state, ev)?;
            require(task.signed.is_some(), R::NotSignedFor)?;
            task.feedback = Some(answer);
            task.photos = photos.clone();
            Ok(())
        }
        EventKind::Comment { .. } | EventKind::AddPhoto { .. } => Ok(()),
        EventKind::Unknown { .. } => Err(R::UnknownEventType),
    }
}

fn dispatch(
    state: &mut CaseState,
    ev: &Event,
    department: crate::model::DepartmentId,
    (limit, basis): (
        Option<crate::model::TimeLimit>,
        Option<crate::model::LimitBasis>,
    ),
    fast: bool,
) {
    let at = act_time(state, ev);
    state.department = Some(department);
    state.dispatches.push(DispatchRecord {
        event: ev.id,
        department,
        at,
        limit,
        basis,
        fast,
        signed: None,
    });
    transition(state, ev, Status::InProgress);
}

/// The open 下派 given to the actor's department, or `NotAssignedDepartment`.
fn open_task_of<'s>(
    state: &'s mut CaseState,
    ev: &Event,
) -> Result<&'s mut SubTask, ConflictReason> {
    state
        .sub_tasks
        .iter_mut()
        .rev()
        .find(|t| t.is_open())
        .filter(|t| ev.actor.org == Some(t.unit))
        .ok_or(R::NotAssignedDepartment)
}

/// 签收: the case's department signs for the current dispatch; a child unit for its open
/// 下派. Once each.
fn sign_for(state: &mut CaseState, ev: &Event, note: &str) -> Result<(), ConflictReason> {
    in_state(state, &[Status::InProgress, Status::Parked])?;
    let answer = answer(state, ev, note);
    let slot = if state.department.is_some() && ev.actor.org == state.department {
        let dispatch = state
            .dispatches
            .last_mut()
            .ok_or(R::NotAssignedDepartment)?;
        &mut dispatch.signed
    } else {
        &mut open_task_of(state, ev)?.signed
    };
    require(slot.is_none(), R::AlreadySignedFor)?;
    *slot = Some(answer);
    Ok(())
}

fn decide_extension(
    state: &mut CaseState,
    ev: &Event,
    granted: Option<crate::model::TimeLimit>,
) -> Result<(), ConflictReason> {
    in_state(state, &[Status::InProgress])?;
    let d = decision(state, ev, granted.is_some());
    let pending = state
        .extensions
        .iter_mut()
        .find(|e| e.decision.is_none() && !e.lapsed)
        .ok_or(R::NoPendingRequest)?;
    pending.decision = Some(d);
    pending.granted = granted;
    Ok(())
}

/// Whether `role` is a centre role that sees the whole tenant.
pub fn is_centre_role(role: Role) -> bool {
    matches!(
        role,
        Role::IntakeOperator
            | Role::ShiftLeader
            | Role::Dispatcher
            | Role::Leader
            | Role::Admin
            | Role::System
    )
}
