//! A small scenario builder: actors for every role and events with increasing HLC stamps.

use crate::codes::{CategoryCode, CategoryKind, CategoryRef};
use crate::model::{
    Actor, DepartmentId, DeviceId, EventId, Hlc, Location, LocationSource, PhotoRef, PhotoRole,
    Role, Sha256, SourceChannel, Timestamp, Urgency, UserId,
};
use crate::workflow::{CaseState, Event, EventKind, ReportPayload, fold};

pub const T0: i64 = 1_790_000_000_000;

pub struct Scenario {
    pub ms: i64,
    pub seq: u8,
    pub events: Vec<Event>,
    pub inspector: Actor,
    pub inspector2: Actor,
    pub intake: Actor,
    pub leader_shift: Actor,
    pub dispatcher: Actor,
    pub dept: Actor,
    pub dept2: Actor,
    pub leader: Actor,
    pub system: Actor,
}

pub fn actor(n: u8, role: Role, org: Option<DepartmentId>) -> Actor {
    Actor {
        user: UserId::from_parts(1, [n; 10]),
        device: DeviceId::from_parts(2, [n; 10]),
        role,
        org,
    }
}

pub fn dept_id(n: u8) -> DepartmentId {
    DepartmentId::from_parts(3, [n; 10])
}

pub fn photo(n: u8, role: PhotoRole) -> PhotoRef {
    PhotoRef {
        sha256: Sha256::digest(&[n]),
        role,
        taken_at: None,
        location: None,
        size: 1000 + u64::from(n),
    }
}

pub fn report(source: SourceChannel, urgency: Urgency) -> ReportPayload {
    ReportPayload {
        source,
        category: CategoryRef {
            kind: CategoryKind::Matter,
            code: CategoryCode::parse("06010").expect("valid code"),
        },
        location: Location::new(103.83, 36.06, Some(5.0), LocationSource::Gps).expect("valid"),
        cell: None,
        component: None,
        address: "城关区庆阳路".into(),
        description: "暴露垃圾".into(),
        urgency,
        photos: vec![photo(1, PhotoRole::Before)],
        reporter: None,
        external_id: None,
        external_deadline: None,
        verification_waived: None,
    }
}

impl Scenario {
    pub fn new() -> Self {
        Scenario {
            ms: T0,
            seq: 0,
            events: Vec::new(),
            inspector: actor(1, Role::Inspector, None),
            inspector2: actor(2, Role::Inspector, None),
            intake: actor(3, Role::IntakeOperator, None),
            leader_shift: actor(4, Role::ShiftLeader, None),
            dispatcher: actor(5, Role::Dispatcher, None),
            dept: actor(6, Role::Department, Some(dept_id(1))),
            dept2: actor(7, Role::Department, Some(dept_id(2))),
            leader: actor(8, Role::Leader, None),
            system: actor(9, Role::System, None),
        }
    }

    /// Makes an event one minute after the previous one, without recording it.
    pub fn make(&mut self, actor: Actor, kind: EventKind) -> Event {
        self.ms += 60_000;
        self.seq = self.seq.wrapping_add(1);
        Event {
            id: EventId::from_parts(self.ms as u64, [self.seq; 10]),
            hlc: Hlc {
                ms: self.ms,
                counter: 0,
                node: u64::from(self.seq),
            },
            actor,
            received_at: None,
            kind,
        }
    }

    /// Makes and records an event.
    pub fn push(&mut self, actor: Actor, kind: EventKind) -> Event {
        let ev = self.make(actor, kind);
        self.events.push(ev.clone());
        ev
    }

    pub fn state(&self) -> CaseState {
        fold(&self.events)
    }

    pub fn patrol(&mut self) -> &mut Self {
        let a = self.inspector;
        self.push(
            a,
            EventKind::Report(report(SourceChannel::InspectorPatrol, Urgency::Normal)),
        );
        self
    }

    pub fn accepted(&mut self) -> &mut Self {
        self.patrol();
        let a = self.intake;
        self.push(a, EventKind::Accept);
        self
    }

    pub fn filed(&mut self) -> &mut Self {
        self.accepted();
        let a = self.leader_shift;
        self.push(
            a,
            EventKind::File {
                note: String::new(),
                condition: None,
            },
        );
        self
    }

    pub fn dispatched(&mut self) -> &mut Self {
        self.filed();
        let a = self.dispatcher;
        self.push(
            a,
            EventKind::Dispatch {
                department: dept_id(1),
                limit: None,
                basis: None,
            },
        );
        self
    }

    /// Dispatches to department 1 a case that is already filed.
    pub fn dispatched_again(&mut self) -> &mut Self {
        let a = self.dispatcher;
        self.push(
            a,
            EventKind::Dispatch {
                department: dept_id(1),
                limit: None,
                basis: None,
            },
        );
        self
    }

    pub fn fed_back(&mut self) -> &mut Self {
        self.dispatched();
        let a = self.dept;
        self.push(
            a,
            EventKind::Feedback {
                result: "已清理".into(),
                photos: vec![photo(2, PhotoRole::After)],
            },
        );
        self
    }

    pub fn check_requested(&mut self) -> &mut Self {
        self.fed_back();
        let (a, who) = (self.intake, self.inspector.user);
        self.push(a, EventKind::RequestCheck { assignee: who });
        self
    }

    pub fn awaiting_close(&mut self) -> &mut Self {
        self.check_requested();
        let a = self.inspector;
        self.push(
            a,
            EventKind::Check {
                passed: true,
                photos: vec![photo(3, PhotoRole::Check)],
                note: String::new(),
            },
        );
        self
    }

    pub fn closed(&mut self) -> &mut Self {
        self.awaiting_close();
        let a = self.leader_shift;
        self.push(
            a,
            EventKind::Close {
                note: String::new(),
            },
        );
        self
    }
}

pub fn ts(minutes_after_t0: i64) -> Timestamp {
    Timestamp(T0 + minutes_after_t0 * 60_000)
}
