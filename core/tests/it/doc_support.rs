//! Deterministic sample cases for the doc and store tests, the golden fixture generator and the
//! benchmarks: fixed ids, times and actors, so generated documents are reproducible.
#![allow(dead_code)]

use automerge::ActorId;
use gridcase_core::codes::{CategoryCode, CategoryKind, CategoryRef, CountyCode, GridCode};
use gridcase_core::model::{
    Actor, CaseId, DepartmentId, DeviceId, EventId, Hlc, Location, LocationSource, PhotoRef,
    PhotoRole, Role, Sha256, SourceChannel, Timestamp, Urgency, UserId,
};
use gridcase_core::workflow::{Event, EventKind, ReportPayload};

/// 2026-11-27T10:00:00+08:00.
pub const T0: i64 = 1_795_744_800_000;

pub fn case_id(n: u8) -> CaseId {
    CaseId::from_parts(T0 as u64, [n; 10])
}

pub fn event_id(case: u8, n: u8) -> EventId {
    EventId::from_parts(
        T0 as u64 + u64::from(n) * 1000,
        [case, n, 0, 0, 0, 0, 0, 0, 0, 1],
    )
}

pub fn tenant() -> CountyCode {
    CountyCode::parse("620102").expect("valid county")
}

pub fn actor_id(n: u8) -> ActorId {
    ActorId::from([n; 16])
}

pub fn actor(role: Role, n: u8) -> Actor {
    Actor {
        user: UserId::from_parts(T0 as u64, [n, 1, 0, 0, 0, 0, 0, 0, 0, 0]),
        device: DeviceId::from_parts(T0 as u64, [n, 2, 0, 0, 0, 0, 0, 0, 0, 0]),
        role,
        org: (role == Role::Department).then(department),
    }
}

pub fn photo(seed: &str, role: PhotoRole) -> PhotoRef {
    PhotoRef {
        sha256: Sha256::digest(seed.as_bytes()),
        role,
        taken_at: Some(Timestamp(T0 - 60_000)),
        location: None,
        size: 1_234_567,
    }
}

pub fn report_payload() -> ReportPayload {
    ReportPayload {
        source: SourceChannel::InspectorPatrol,
        category: CategoryRef {
            kind: CategoryKind::Component,
            code: CategoryCode::parse("01001").expect("valid code"),
        },
        location: Location::new(103.8343, 36.0611, Some(4.0), LocationSource::Gps)
            .expect("valid location"),
        cell: Some(GridCode::parse("620102001001001").expect("valid cell")),
        component: None,
        address: "城关区张掖路步行街 88 号".to_owned(),
        description: "井盖破损，存在安全隐患，需尽快更换。".to_owned(),
        urgency: Urgency::Normal,
        photos: vec![
            photo("before-1", PhotoRole::Before),
            photo("before-2", PhotoRole::Before),
        ],
        reporter: None,
        external_id: None,
        external_deadline: None,
        verification_waived: None,
    }
}

/// An event of case `case`, number `n` (its HLC is `T0 + n` seconds).
pub fn event(case: u8, n: u8, role: Role, kind: EventKind) -> Event {
    let a = actor(role, n % 4);
    Event {
        id: event_id(case, n),
        hlc: Hlc {
            ms: T0 + i64::from(n) * 1000,
            counter: 0,
            node: Hlc::node_of(&a.device),
        },
        actor: a,
        received_at: None,
        kind,
    }
}

pub fn report(case: u8) -> Event {
    event(
        case,
        0,
        Role::Inspector,
        EventKind::Report(report_payload()),
    )
}

pub fn department() -> DepartmentId {
    DepartmentId::from_parts(T0 as u64, [9; 10])
}

/// The events after the report of a full lifecycle that folds cleanly: accept, file, number,
/// dispatch, feedback, check request, check, close.
pub fn lifecycle(case: u8) -> Vec<Event> {
    // `event` picks actor number n % 4: the check (n = 7) is made by inspector 3.
    let checker = actor(Role::Inspector, 3).user;
    vec![
        event(case, 1, Role::IntakeOperator, EventKind::Accept),
        event(
            case,
            2,
            Role::ShiftLeader,
            EventKind::File {
                note: "符合立案条件".into(),
                condition: None,
            },
        ),
        event(
            case,
            3,
            Role::System,
            EventKind::AssignNumber {
                number: "620102-20261127-00042".into(),
            },
        ),
        event(
            case,
            4,
            Role::Dispatcher,
            EventKind::Dispatch {
                department: department(),
                limit: None,
                basis: None,
            },
        ),
        event(
            case,
            5,
            Role::Department,
            EventKind::Feedback {
                result: "已更换井盖".into(),
                photos: vec![photo("after-1", PhotoRole::After)],
            },
        ),
        event(
            case,
            6,
            Role::IntakeOperator,
            EventKind::RequestCheck { assignee: checker },
        ),
        event(
            case,
            7,
            Role::Inspector,
            EventKind::Check {
                passed: true,
                photos: vec![photo("check-1", PhotoRole::Check)],
                note: String::new(),
            },
        ),
        event(
            case,
            8,
            Role::ShiftLeader,
            EventKind::Close {
                note: "结案".into(),
            },
        ),
    ]
}

/// A comment event, for bulk appends.
pub fn comment(case: u8, n: u8) -> Event {
    event(
        case,
        n,
        Role::Inspector,
        EventKind::Comment {
            text: format!("备注 {n}"),
        },
    )
}

/// `bytes` (a saved case document) with an event entry of a type this build does not know,
/// written with raw Automerge calls as a newer app would.
pub fn with_unknown_event(bytes: &[u8], id: EventId) -> Vec<u8> {
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ObjType, ROOT, ReadDoc};
    let mut raw = AutoCommit::load(bytes)
        .expect("load raw")
        .with_actor(ActorId::from([0xee; 16]));
    let events = raw.get(ROOT, "events").expect("get").expect("events map").1;
    let entry = raw
        .put_object(&events, id.to_string(), ObjType::Map)
        .expect("entry");
    let who = actor(Role::Inspector, 1);
    let node = format!("{:016x}", Hlc::node_of(&who.device));
    raw.put(&entry, "hlc_ms", T0 + 7000).expect("put");
    raw.put(&entry, "hlc_counter", 0_u64).expect("put");
    raw.put(&entry, "hlc_node", node).expect("put");
    raw.put(&entry, "user", who.user.to_string()).expect("put");
    raw.put(&entry, "device", who.device.to_string())
        .expect("put");
    raw.put(&entry, "role", "inspector").expect("put");
    raw.put(&entry, "type", "drone_patrol").expect("put");
    raw.put(
        &entry,
        "payload",
        r#"{"type":"drone_patrol","route":[1,2]}"#,
    )
    .expect("put");
    raw.commit_with(automerge::transaction::CommitOptions::default().with_time(T0 / 1000 + 7));
    raw.save()
}
