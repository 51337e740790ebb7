//! Criterion benchmark: folding a 30-event case (a full lifecycle with extension, parking,
//! rework and comments), from an unsorted event list.

use criterion::{Criterion, criterion_group, criterion_main};
use gridcase_core::codes::{CategoryCode, CategoryKind, CategoryRef};
use gridcase_core::model::{
    Actor, DepartmentId, DeviceId, EventId, Hlc, LimitUnit, Location, LocationSource, Role,
    SourceChannel, TimeLimit, Urgency, UserId,
};
use gridcase_core::workflow::{Event, EventKind as K, ReportPayload, fold};
use std::hint::black_box;

fn actor(n: u8, role: Role) -> Actor {
    let org = (role == Role::Department).then(|| DepartmentId::from_parts(3, [1; 10]));
    Actor {
        user: UserId::from_parts(1, [n; 10]),
        device: DeviceId::from_parts(2, [n; 10]),
        role,
        org,
    }
}

fn case_30() -> Vec<Event> {
    let report = ReportPayload {
        source: SourceChannel::InspectorPatrol,
        category: CategoryRef {
            kind: CategoryKind::Matter,
            code: CategoryCode::parse("06010").expect("code"),
        },
        location: Location::new(103.83, 36.06, Some(5.0), LocationSource::Gps).expect("loc"),
        cell: None,
        component: None,
        address: "城关区庆阳路".into(),
        description: "暴露垃圾".into(),
        urgency: Urgency::Normal,
        photos: vec![],
        reporter: None,
        external_id: None,
        external_deadline: None,
        verification_waived: None,
    };
    let insp = actor(1, Role::Inspector);
    let dept = DepartmentId::from_parts(3, [1; 10]);
    let day = TimeLimit::new(1, LimitUnit::WorkingDays);
    let mut kinds = vec![
        (insp, K::Report(report)),
        (actor(2, Role::IntakeOperator), K::Accept),
        (
            actor(3, Role::ShiftLeader),
            K::File {
                note: String::new(),
                condition: None,
            },
        ),
        (
            actor(4, Role::Dispatcher),
            K::Dispatch {
                department: dept,
                limit: None,
                basis: None,
            },
        ),
        (
            actor(5, Role::Department),
            K::RequestExtension {
                requested: day,
                reason: "r".into(),
            },
        ),
        (
            actor(4, Role::Dispatcher),
            K::ApproveExtension { granted: day },
        ),
        (
            actor(5, Role::Department),
            K::RequestPark {
                reason: "r".into(),
                expected: None,
            },
        ),
        (actor(4, Role::Dispatcher), K::ApprovePark),
        (actor(4, Role::Dispatcher), K::Resume),
        (
            actor(5, Role::Department),
            K::Feedback {
                result: "r".into(),
                photos: vec![],
            },
        ),
        (
            actor(2, Role::IntakeOperator),
            K::RequestCheck {
                assignee: insp.user,
            },
        ),
        (
            insp,
            K::Check {
                passed: false,
                photos: vec![],
                note: String::new(),
            },
        ),
        (
            actor(5, Role::Department),
            K::Feedback {
                result: "r".into(),
                photos: vec![],
            },
        ),
        (
            actor(2, Role::IntakeOperator),
            K::RequestCheck {
                assignee: insp.user,
            },
        ),
        (
            insp,
            K::Check {
                passed: true,
                photos: vec![],
                note: String::new(),
            },
        ),
        (
            actor(3, Role::ShiftLeader),
            K::Close {
                note: String::new(),
            },
        ),
    ];
    while kinds.len() < 30 {
        kinds.insert(
            5,
            (
                actor(6, Role::Leader),
                K::Comment {
                    text: "关注".into(),
                },
            ),
        );
    }
    let mut events: Vec<Event> = kinds
        .into_iter()
        .enumerate()
        .map(|(i, (actor, kind))| {
            let ms = 1_790_000_000_000 + i as i64 * 60_000;
            Event {
                id: EventId::from_parts(ms as u64, [i as u8; 10]),
                hlc: Hlc {
                    ms,
                    counter: 0,
                    node: 1,
                },
                actor,
                received_at: None,
                kind,
            }
        })
        .collect();
    events.reverse();
    events
}

fn bench_fold(c: &mut Criterion) {
    let events = case_30();
    let state = fold(&events);
    assert!(
        state.conflicts.is_empty(),
        "bench case must be valid: {:?}",
        state.conflicts
    );
    c.bench_function("fold 30-event case", |b| {
        b.iter(|| fold(black_box(&events)))
    });
}

#[allow(missing_docs)]
mod group {
    use super::*;
    criterion_group!(benches, bench_fold);
}
use group::benches;
criterion_main!(benches);
