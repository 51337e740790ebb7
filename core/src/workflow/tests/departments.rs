//! 签收 and 下派 (docs/departments.md): the case's department signs for the dispatch, gives the
//! task to a child unit with a deadline after the act, the child signs for it and reports back,
//! and the parent's own 处置反馈 goes to the centre; wrong roles and departments are conflicts.

use super::fixtures::*;
use crate::model::{PhotoRole, Role, Timestamp};
use crate::workflow::{ConflictReason, EventKind as K, Status, fold};

const HOUR: i64 = 3_600_000;

fn sub_dispatch(unit: u8, due: Timestamp) -> K {
    K::SubDispatch {
        unit: dept_id(unit),
        due,
        note: "请班组今日处理".into(),
    }
}

fn sign() -> K {
    K::SignFor {
        note: String::new(),
    }
}

fn sub_feedback() -> K {
    K::SubFeedback {
        result: "已清运".into(),
        photos: vec![photo(7, PhotoRole::After)],
    }
}

fn last_reason(s: &Scenario) -> Option<ConflictReason> {
    s.state().conflicts.last().map(|c| c.reason.clone())
}

#[test]
fn the_parent_signs_sub_dispatches_and_the_child_signs_and_reports_back() {
    let mut s = Scenario::new();
    s.dispatched();
    let dept = s.dept;
    let crew = actor(20, Role::Department, Some(dept_id(11)));
    s.push(dept, sign());
    assert!(s.state().dispatches[0].signed.is_some());
    let due = Timestamp(s.ms + 4 * HOUR);
    let sd = s.push(dept, sub_dispatch(11, due));
    let st = s.state();
    assert_eq!(st.sub_tasks.len(), 1);
    assert_eq!(st.open_sub_task().map(|t| t.event), Some(sd.id));
    assert_eq!(
        st.department,
        Some(dept_id(1)),
        "the parent stays responsible"
    );
    s.push(crew, sign());
    let fb = s.push(crew, sub_feedback());
    let st = s.state();
    assert!(st.conflicts.is_empty(), "{:?}", st.conflicts);
    let task = &st.sub_tasks[0];
    assert_eq!(task.signed.as_ref().map(|a| a.by), Some(crew));
    assert_eq!(task.feedback.as_ref().map(|a| a.event), Some(fb.id));
    assert_eq!(task.photos.len(), 1);
    assert!(st.open_sub_task().is_none());
    assert_eq!(task.on_time(None, Timestamp(i64::MAX)), Some(true));
    assert_eq!(
        st.status,
        Status::InProgress,
        "the child's report is not the case's"
    );
    s.push(
        dept,
        K::Feedback {
            result: "班组已清运".into(),
            photos: Vec::new(),
        },
    );
    assert_eq!(s.state().status, Status::FeedbackReceived);
}

#[test]
fn signing_twice_and_signing_someone_elses_task_are_conflicts() {
    let mut s = Scenario::new();
    s.dispatched();
    let (dept, dept2) = (s.dept, s.dept2);
    s.push(dept, sign());
    s.push(dept, sign());
    assert_eq!(last_reason(&s), Some(ConflictReason::AlreadySignedFor));
    s.push(dept2, sign());
    assert_eq!(last_reason(&s), Some(ConflictReason::NotAssignedDepartment));
    // A crew with no 下派 open for it cannot sign either.
    let crew = actor(20, Role::Department, Some(dept_id(11)));
    s.push(crew, sign());
    assert_eq!(last_reason(&s), Some(ConflictReason::NotAssignedDepartment));
}

#[test]
fn only_the_case_department_sub_dispatches_and_only_in_handling() {
    let mut s = Scenario::new();
    s.filed();
    let (dept, dept2, disp) = (s.dept, s.dept2, s.dispatcher);
    let due = Timestamp(s.ms + 4 * HOUR);
    s.push(dept, sub_dispatch(11, due));
    assert!(matches!(
        last_reason(&s),
        Some(ConflictReason::WrongState {
            status: Status::AwaitingDispatch
        })
    ));
    s.dispatched_again();
    s.push(dept2, sub_dispatch(21, due));
    assert_eq!(last_reason(&s), Some(ConflictReason::NotAssignedDepartment));
    s.push(disp, sub_dispatch(11, due));
    assert_eq!(
        last_reason(&s),
        Some(ConflictReason::RoleNotAllowed {
            role: Role::Dispatcher
        })
    );
    // Not to itself, not due before the act.
    s.push(dept, sub_dispatch(1, due));
    assert_eq!(last_reason(&s), Some(ConflictReason::InvalidSubDispatch));
    s.push(dept, sub_dispatch(11, Timestamp(s.ms)));
    assert_eq!(last_reason(&s), Some(ConflictReason::InvalidDueTime));
    assert!(s.state().sub_tasks.is_empty());
    // One open at a time.
    s.push(dept, sub_dispatch(11, due));
    s.push(dept, sub_dispatch(12, due));
    assert_eq!(last_reason(&s), Some(ConflictReason::InvalidSubDispatch));
    assert_eq!(s.state().sub_tasks.len(), 1);
}

#[test]
fn the_child_must_sign_first_and_only_the_child_reports_back() {
    let mut s = Scenario::new();
    s.dispatched();
    let dept = s.dept;
    let crew = actor(20, Role::Department, Some(dept_id(11)));
    let other_crew = actor(21, Role::Department, Some(dept_id(12)));
    let due = Timestamp(s.ms + 4 * HOUR);
    s.push(dept, sub_dispatch(11, due));
    s.push(crew, sub_feedback());
    assert_eq!(last_reason(&s), Some(ConflictReason::NotSignedFor));
    s.push(other_crew, sign());
    assert_eq!(last_reason(&s), Some(ConflictReason::NotAssignedDepartment));
    s.push(dept, sub_feedback());
    assert_eq!(last_reason(&s), Some(ConflictReason::NotAssignedDepartment));
    s.push(crew, sign());
    s.push(crew, sub_feedback());
    assert!(s.state().sub_tasks[0].feedback.is_some());
    // Once reported, the task is closed: a second report is a conflict.
    s.push(crew, sub_feedback());
    assert_eq!(last_reason(&s), Some(ConflictReason::NotAssignedDepartment));
}

#[test]
fn an_open_sub_task_lapses_when_the_case_leaves_handling_and_the_clock_is_capped() {
    let mut s = Scenario::new();
    s.dispatched();
    let (dept, crew) = (s.dept, actor(20, Role::Department, Some(dept_id(11))));
    let due = Timestamp(s.ms + 4 * HOUR);
    s.push(dept, sub_dispatch(11, due));
    s.push(
        dept,
        K::Feedback {
            result: "本单位已处理".into(),
            photos: Vec::new(),
        },
    );
    let st = s.state();
    assert!(st.sub_tasks[0].lapsed);
    assert!(st.open_sub_task().is_none());
    s.push(crew, sign());
    assert!(matches!(
        last_reason(&s),
        Some(ConflictReason::WrongState { .. })
    ));
    // The child's clock never runs past the parent's deadline.
    let task = &st.sub_tasks[0];
    let parent_due = Timestamp(due.0 - HOUR);
    assert_eq!(task.effective_due(Some(parent_due)), parent_due);
    assert_eq!(task.effective_due(None), due);
    assert_eq!(task.on_time(Some(parent_due), Timestamp(i64::MAX)), None);
}

#[test]
fn old_cases_without_the_new_events_fold_as_before() {
    let mut s = Scenario::new();
    s.closed();
    let st = fold(&s.events);
    assert!(st.sub_tasks.is_empty());
    assert!(st.conflicts.is_empty());
    assert!(st.dispatches.iter().all(|d| d.signed.is_none()));
    // A state serialised by an older build (no `sub_tasks`, no `signed`) still reads.
    let mut json = serde_json::to_value(&st).expect("json");
    json.as_object_mut().expect("object").remove("sub_tasks");
    let back: crate::workflow::CaseState = serde_json::from_value(json).expect("reads");
    assert_eq!(back, st);
}
