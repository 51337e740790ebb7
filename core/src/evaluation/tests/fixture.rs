//! The hand-computed month's cases: 34 cases of March 2026 (plus one from February) in four
//! cells of two streets, with two inspectors, intake operators, shift leaders, dispatchers and
//! departments. Every act is timed in minutes after 09:00 of its day; the calendar is Mon–Fri
//! 08:30–12:00 and 14:30–18:00 (`WorkCalendar::standard_weekdays`), the stage limits are
//! `core/data/limits/stage_limits.example.toml` (一般: accept 30, verify 60, file 30,
//! dispatch 30, check_dispatch 30, check 120, close 60, review 120 working minutes; 紧急:
//! accept 10, file 10, check_dispatch 10, check 60, close 30) and every dispatch sets a
//! handling limit of 2 working hours; the 回访 limit after closing a public case is 2 working
//! days (`[stages.callback]`, 一般).

use crate::calendar::WorkCalendar;
use crate::codes::{CategoryCode, CategoryKind, CategoryRef, GridCode};
use crate::deadline::DeadlinePolicy;
use crate::evaluation::{CellNames, ClockRules, Directory, EvalCase, Period, Person};
use crate::model::{
    Actor, CaseId, DepartmentId, DeviceId, EventId, Hlc, LimitUnit, Location, LocationSource, Role,
    SourceChannel, TimeLimit, Timestamp, Urgency, UserId,
};
use crate::workflow::{Event, EventKind as K, ReportPayload};
use chrono::NaiveDate;

pub const C1: &str = "620102001001001";
pub const C2: &str = "620102001001002";
pub const C3: &str = "620102001002001";
pub const C4: &str = "620102002003001";
/// A cell of 丙社区 with no case in the fixture (every region is listed, issue 12 C8).
pub const C5: &str = "620102002003002";

/// 09:00 + `minutes` on 2026-`month`-`day` (Asia/Shanghai).
pub fn at(month: u32, day: u32, minutes: i64) -> Timestamp {
    let nine = NaiveDate::from_ymd_opt(2026, month, day)
        .and_then(|d| d.and_hms_opt(9, 0, 0))
        .expect("valid date");
    Timestamp::from_shanghai(nine).plus_minutes(minutes)
}

pub fn march() -> Period {
    Period {
        from: Timestamp::from_shanghai(
            NaiveDate::from_ymd_opt(2026, 3, 1)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .expect("date"),
        ),
        to: Timestamp::from_shanghai(
            NaiveDate::from_ymd_opt(2026, 4, 1)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .expect("date"),
        ),
    }
}

pub fn dept(n: u8) -> DepartmentId {
    DepartmentId::from_parts(3, [n; 10])
}

fn person(n: u8, role: Role) -> Actor {
    let org = match n {
        51 => Some(dept(1)),
        52 => Some(dept(2)),
        _ => None,
    };
    Actor {
        user: UserId::from_parts(1, [n; 10]),
        device: DeviceId::from_parts(2, [n; 10]),
        role,
        org,
    }
}

/// The people of the fixture.
pub struct Cast {
    pub i1: Actor,
    pub i2: Actor,
    pub o1: Actor,
    pub o2: Actor,
    pub l1: Actor,
    pub l2: Actor,
    pub p1: Actor,
    pub p2: Actor,
    pub d1: Actor,
    pub d2: Actor,
}

pub fn cast() -> Cast {
    Cast {
        i1: person(11, Role::Inspector),
        i2: person(12, Role::Inspector),
        o1: person(21, Role::IntakeOperator),
        o2: person(22, Role::IntakeOperator),
        l1: person(31, Role::ShiftLeader),
        l2: person(32, Role::ShiftLeader),
        p1: person(41, Role::Dispatcher),
        p2: person(42, Role::Dispatcher),
        d1: person(51, Role::Department),
        d2: person(52, Role::Department),
    }
}

fn report(cell: &str, source: SourceChannel, urgency: Urgency) -> ReportPayload {
    ReportPayload {
        source,
        category: CategoryRef {
            kind: CategoryKind::Matter,
            code: CategoryCode::parse("06010").expect("code"),
        },
        location: Location::new(103.83, 36.06, Some(5.0), LocationSource::Gps).expect("loc"),
        cell: Some(GridCode::parse(cell).expect("cell")),
        component: None,
        address: "城关区庆阳路".into(),
        description: "暴露垃圾".into(),
        urgency,
        photos: Vec::new(),
        reporter: None,
        external_id: None,
        external_deadline: None,
        verification_waived: None,
    }
}

const TWO_HOURS: TimeLimit = TimeLimit::new(2, LimitUnit::WorkingHours);

/// One case's events.
pub struct CaseBuilder {
    pub n: u8,
    pub events: Vec<Event>,
}

impl CaseBuilder {
    fn new(n: u8) -> Self {
        CaseBuilder {
            n,
            events: Vec::new(),
        }
    }

    fn add(&mut self, when: Timestamp, actor: Actor, kind: K) -> &mut Self {
        let seq = self.events.len() as u8;
        self.events.push(Event {
            id: EventId::from_parts(when.0 as u64, [self.n, seq, 7, 7, 7, 7, 7, 7, 7, 7]),
            hlc: Hlc {
                ms: when.0,
                counter: 0,
                node: u64::from(self.n),
            },
            actor,
            received_at: None,
            kind,
        });
        self
    }

    pub fn case_id(&self) -> CaseId {
        CaseId::from_parts(1_700_000_000_000, [self.n; 10])
    }
}

/// What the app records with a dispatch: the category's limit of the day and its basis.
fn recorded() -> crate::model::LimitBasis {
    crate::model::LimitBasis::Category {
        rules_version: Some("fixture-v1".into()),
    }
}

fn dispatch(d: DepartmentId) -> K {
    K::Dispatch {
        department: d,
        limit: Some(TWO_HOURS),
        basis: Some(recorded()),
    }
}

fn fast(d: DepartmentId) -> K {
    K::FastDispatch {
        department: d,
        limit: Some(TWO_HOURS),
        basis: Some(recorded()),
    }
}

fn check(passed: bool) -> K {
    K::Check {
        passed,
        photos: Vec::new(),
        note: String::new(),
    }
}

fn feedback() -> K {
    K::Feedback {
        result: "已处置".into(),
        photos: Vec::new(),
    }
}

fn file() -> K {
    K::File {
        note: String::new(),
        condition: None,
    }
}

fn close() -> K {
    K::Close {
        note: String::new(),
    }
}

fn verify(confirmed: bool) -> K {
    K::Verify {
        confirmed,
        photos: Vec::new(),
        location: None,
        category: None,
        note: String::new(),
        cell: None,
    }
}

fn callback(satisfied: bool) -> K {
    K::Callback {
        satisfied,
        note: String::new(),
    }
}

fn patrol(cell: &str) -> K {
    K::Report(report(
        cell,
        SourceChannel::InspectorPatrol,
        Urgency::Normal,
    ))
}

/// The normal, all-on-time flow on March `day`: report +0, accept +5, file +10, dispatch +15
/// (handling deadline +135 = 11:15), feedback +60, check request +70, check +90, close +100.
#[allow(clippy::too_many_arguments)]
fn normal(
    n: u8,
    cell: &str,
    day: u32,
    i: Actor,
    o: Actor,
    l: Actor,
    p: Actor,
    d: Actor,
) -> CaseBuilder {
    let mut c = CaseBuilder::new(n);
    let t = |m| at(3, day, m);
    let dep = d.org.expect("department user");
    c.add(t(0), i, patrol(cell))
        .add(t(5), o, K::Accept)
        .add(t(10), l, file())
        .add(t(15), p, dispatch(dep))
        .add(t(60), d, feedback())
        .add(t(70), o, K::RequestCheck { assignee: i.user })
        .add(t(90), i, check(true))
        .add(t(100), l, close());
    c
}

/// Every case, numbered as in the hand computation (tests/month.rs).
pub fn cases() -> Vec<CaseBuilder> {
    let x = cast();
    let (i1, i2, o1, o2, l1, l2, p1, p2, d1, d2) =
        (x.i1, x.i2, x.o1, x.o2, x.l1, x.l2, x.p1, x.p2, x.d1, x.d2);
    let (dep1, dep2) = (dept(1), dept(2));
    let mut v = vec![
        normal(1, C1, 2, i1, o1, l1, p1, d1),
        normal(2, C1, 3, i1, o2, l2, p2, d2),
        normal(3, C2, 4, i1, o1, l1, p1, d1),
        normal(4, C2, 5, i1, o2, l2, p2, d1),
        normal(5, C3, 6, i2, o1, l1, p1, d2),
        normal(6, C4, 9, i2, o2, l2, p2, d2),
    ];
    let t = |day: u32, m: i64| at(3, day, m);

    // 7: c1, late dispatch (+55; the dispatch clock from +10 ends at +40).
    let mut c = CaseBuilder::new(7);
    c.add(t(10, 0), i1, patrol(C1))
        .add(t(10, 5), o1, K::Accept)
        .add(t(10, 10), l1, file())
        .add(t(10, 55), p1, dispatch(dep1))
        .add(t(10, 100), d1, feedback())
        .add(t(10, 110), o1, K::RequestCheck { assignee: i1.user })
        .add(t(10, 130), i1, check(true))
        .add(t(10, 140), l1, close());
    v.push(c);

    // 8: c3, rework: the first check fails at +90; round 1 runs 2 h from 10:30 (to 15:00).
    let mut c = CaseBuilder::new(8);
    c.add(t(11, 0), i2, patrol(C3))
        .add(t(11, 5), o2, K::Accept)
        .add(t(11, 10), l2, file())
        .add(t(11, 15), p1, dispatch(dep2))
        .add(t(11, 60), d2, feedback())
        .add(t(11, 70), o2, K::RequestCheck { assignee: i2.user })
        .add(t(11, 90), i2, check(false))
        .add(t(11, 120), d2, feedback())
        .add(t(11, 130), o2, K::RequestCheck { assignee: i2.user })
        .add(t(11, 150), i2, check(true))
        .add(t(11, 160), l2, close());
    v.push(c);

    // 9: c2, extension of 1 working hour approved; feedback 11:30 is after 11:15 but before
    // the extended 14:45.
    let mut c = CaseBuilder::new(9);
    let hour = TimeLimit::new(1, LimitUnit::WorkingHours);
    c.add(t(12, 0), i1, patrol(C2))
        .add(t(12, 5), o1, K::Accept)
        .add(t(12, 10), l1, file())
        .add(t(12, 15), p2, dispatch(dep1))
        .add(
            t(12, 30),
            d1,
            K::RequestExtension {
                requested: hour,
                reason: "需采购配件".into(),
            },
        )
        .add(t(12, 35), p2, K::ApproveExtension { granted: hour })
        .add(t(12, 150), d1, feedback())
        .add(t(12, 160), o1, K::RequestCheck { assignee: i1.user })
        .add(t(12, 170), i1, check(true))
        .add(t(12, 180), l1, close());
    v.push(c);

    // 10: c4, parked 09:35–10:35 and resumed: the deadline moves from 11:15 to 14:45, so the
    // feedback at 11:50 is on time. Check requested 12:00, checked 12:10, closed 12:20.
    let mut c = CaseBuilder::new(10);
    c.add(t(13, 0), i2, patrol(C4))
        .add(t(13, 5), o2, K::Accept)
        .add(t(13, 10), l2, file())
        .add(t(13, 15), p2, dispatch(dep2))
        .add(
            t(13, 30),
            d2,
            K::RequestPark {
                reason: "需道路开挖审批".into(),
                expected: None,
            },
        )
        .add(t(13, 35), p2, K::ApprovePark)
        .add(t(13, 95), p2, K::Resume)
        .add(t(13, 170), d2, feedback())
        .add(t(13, 180), o2, K::RequestCheck { assignee: i2.user })
        .add(t(13, 190), i2, check(true))
        .add(t(13, 200), l2, close());
    v.push(c);

    // 11: c1, parked and still parked at the period end.
    let mut c = CaseBuilder::new(11);
    c.add(t(16, 0), i1, patrol(C1))
        .add(t(16, 5), o1, K::Accept)
        .add(t(16, 10), l1, file())
        .add(t(16, 15), p1, dispatch(dep1))
        .add(
            t(16, 30),
            d1,
            K::RequestPark {
                reason: "待资金".into(),
                expected: None,
            },
        )
        .add(t(16, 40), p1, K::ApprovePark);
    v.push(c);

    // 12: c2, filed by L2 then voided by L1 before dispatch.
    let mut c = CaseBuilder::new(12);
    c.add(t(17, 0), i1, patrol(C2))
        .add(t(17, 5), o2, K::Accept)
        .add(t(17, 10), l2, file())
        .add(
            t(17, 30),
            l1,
            K::Void {
                reason: "重复".into(),
            },
        );
    v.push(c);

    // 13: c3, self-handled by I2, approved by L1 at +30.
    let mut c = CaseBuilder::new(13);
    c.add(
        t(18, 0),
        i2,
        K::SelfHandle {
            report: report(C3, SourceChannel::InspectorPatrol, Urgency::Normal),
            after: Vec::new(),
            note: "已扶正".into(),
        },
    )
    .add(t(18, 30), l1, K::ApproveSelfHandle);
    v.push(c);

    // 14: c4, hotline report by O1, verified (confirmed) by I2, then the normal path.
    let mut c = CaseBuilder::new(14);
    c.add(
        t(19, 0),
        o1,
        K::Report(report(C4, SourceChannel::PublicHotline, Urgency::Normal)),
    )
    .add(t(19, 10), o1, K::RequestVerification { assignee: i2.user })
    .add(t(19, 40), i2, verify(true))
    .add(t(19, 50), l1, file())
    .add(t(19, 60), p1, dispatch(dep2))
    .add(t(19, 100), d2, feedback())
    .add(t(19, 110), o1, K::RequestCheck { assignee: i2.user })
    .add(t(19, 130), i2, check(true))
    .add(t(19, 140), l1, close())
    // 回访 by O1 on Friday 10:00, satisfied; the 回访 limit (2 working days) from the close at
    // Thursday 11:20 ran to Monday March 23 11:20.
    .add(t(20, 60), o1, callback(true));
    v.push(c);

    // 15: c1, hotline report by O2, not found by I1, rejected by L2.
    let mut c = CaseBuilder::new(15);
    c.add(
        t(20, 0),
        o2,
        K::Report(report(C1, SourceChannel::PublicHotline, Urgency::Normal)),
    )
    .add(t(20, 10), o2, K::RequestVerification { assignee: i1.user })
    .add(t(20, 30), i1, verify(false))
    .add(
        t(20, 40),
        l2,
        K::Reject {
            reason: "未发现".into(),
        },
    );
    v.push(c);

    // 16: c3, public app report by O2, verified late by I2 (+100; the clock from +20 ends +80).
    let mut c = CaseBuilder::new(16);
    c.add(
        t(23, 0),
        o2,
        K::Report(report(C3, SourceChannel::PublicApp, Urgency::Normal)),
    )
    .add(t(23, 20), o2, K::RequestVerification { assignee: i2.user })
    .add(t(23, 100), i2, verify(true))
    .add(t(23, 110), l2, file())
    .add(t(23, 120), p2, dispatch(dep2))
    .add(t(23, 150), d2, feedback())
    .add(t(23, 160), o2, K::RequestCheck { assignee: i2.user })
    .add(t(23, 170), i2, check(true))
    .add(t(23, 175), l2, close())
    // 回访 by O2 on Tuesday 09:30 (limit Wednesday 11:55), not satisfied.
    .add(t(24, 30), o2, callback(false));
    v.push(c);

    // 17: c1, late accept (+40) and late filing (+80; the clock from +40 ends +70).
    let mut c = CaseBuilder::new(17);
    c.add(t(24, 0), i1, patrol(C1))
        .add(t(24, 40), o1, K::Accept)
        .add(t(24, 80), l1, file())
        .add(t(24, 90), p1, dispatch(dep1))
        .add(t(24, 120), d1, feedback())
        .add(t(24, 130), o1, K::RequestCheck { assignee: i1.user })
        .add(t(24, 140), i1, check(true))
        .add(t(24, 150), l1, close());
    v.push(c);

    // 18: c2, late handling: feedback 11:30 after the 11:15 deadline.
    let mut c = CaseBuilder::new(18);
    c.add(t(25, 0), i1, patrol(C2))
        .add(t(25, 5), o2, K::Accept)
        .add(t(25, 10), l2, file())
        .add(t(25, 15), p2, dispatch(dep1))
        .add(t(25, 150), d1, feedback())
        .add(t(25, 160), o2, K::RequestCheck { assignee: i1.user })
        .add(t(25, 170), i1, check(true))
        .add(t(25, 180), l2, close());
    v.push(c);

    // 19: c4, late check request (+100, clock ends +90), late check (15:30, clock ends 15:10),
    // late close (16:45, clock ends 16:30); handling on time.
    let mut c = CaseBuilder::new(19);
    c.add(t(26, 0), i2, patrol(C4))
        .add(t(26, 5), o1, K::Accept)
        .add(t(26, 10), l1, file())
        .add(t(26, 15), p1, dispatch(dep2))
        .add(t(26, 60), d2, feedback())
        .add(t(26, 100), o1, K::RequestCheck { assignee: i2.user })
        .add(t(26, 390), i2, check(true))
        .add(t(26, 465), l1, close());
    v.push(c);

    // 20: c3, dispatched by P1 to D1, sent back (approved by P2), re-dispatched by P2 to D2.
    let mut c = CaseBuilder::new(20);
    c.add(t(27, 0), i2, patrol(C3))
        .add(t(27, 5), o1, K::Accept)
        .add(t(27, 10), l1, file())
        .add(t(27, 15), p1, dispatch(dep1))
        .add(
            t(27, 25),
            d1,
            K::RequestSendback {
                reason: "不属本部门".into(),
            },
        )
        .add(t(27, 30), p2, K::ApproveSendback)
        .add(t(27, 40), p2, dispatch(dep2))
        .add(t(27, 80), d2, feedback())
        .add(t(27, 90), o1, K::RequestCheck { assignee: i2.user })
        .add(t(27, 100), i2, check(true))
        .add(t(27, 110), l1, close());
    v.push(c);

    // 21: c1, dispatched March 31 (deadline 11:15), still handling at the period end
    // (overdue); its feedback and close on April 1 are after the period.
    let mut c = CaseBuilder::new(21);
    c.add(t(31, 0), i1, patrol(C1))
        .add(t(31, 5), o1, K::Accept)
        .add(t(31, 10), l1, file())
        .add(t(31, 15), p1, dispatch(dep1))
        .add(at(4, 1, 60), d1, feedback())
        .add(at(4, 1, 70), o1, K::RequestCheck { assignee: i1.user })
        .add(at(4, 1, 90), i1, check(true))
        .add(at(4, 1, 100), l1, close());
    v.push(c);

    // 22: c2, dispatched March 31 17:15: deadline April 1 09:45, not overdue at the end.
    let mut c = CaseBuilder::new(22);
    c.add(t(31, 480), i1, patrol(C2))
        .add(t(31, 485), o2, K::Accept)
        .add(t(31, 490), l2, file())
        .add(t(31, 495), p2, dispatch(dep2));
    v.push(c);

    // 23: c4, reported, filed and dispatched on Friday February 27; fed back (late), checked
    // and closed on Monday March 2.
    let mut c = CaseBuilder::new(23);
    c.add(at(2, 27, 0), i2, patrol(C4))
        .add(at(2, 27, 5), o2, K::Accept)
        .add(at(2, 27, 10), l2, file())
        .add(at(2, 27, 15), p2, dispatch(dep2))
        .add(t(2, 0), d2, feedback())
        .add(t(2, 10), o2, K::RequestCheck { assignee: i2.user })
        .add(t(2, 30), i2, check(true))
        .add(t(2, 40), l2, close());
    v.push(c);

    // 24: c1, patrol report rejected by L2.
    let mut c = CaseBuilder::new(24);
    c.add(t(4, 0), i1, patrol(C1))
        .add(t(4, 5), o1, K::Accept)
        .add(
            t(4, 20),
            l2,
            K::Reject {
                reason: "不属受理范围".into(),
            },
        );
    v.push(c);

    // 25: c2, urgent; fast dispatch by L1 at +10 (urgent file clock from +5 ends +15).
    let mut c = CaseBuilder::new(25);
    c.add(
        t(5, 0),
        i1,
        K::Report(report(C2, SourceChannel::InspectorPatrol, Urgency::Urgent)),
    )
    .add(t(5, 5), o1, K::Accept)
    .add(t(5, 10), l1, fast(dep1))
    .add(t(5, 60), d1, feedback())
    .add(t(5, 65), o1, K::RequestCheck { assignee: i1.user })
    .add(t(5, 80), i1, check(true))
    .add(t(5, 90), l1, close());
    v.push(c);

    // 26: c3, urgent; fast dispatch by P1 at +20, late (urgent file clock ends +15).
    let mut c = CaseBuilder::new(26);
    c.add(
        t(6, 0),
        i2,
        K::Report(report(C3, SourceChannel::InspectorPatrol, Urgency::Urgent)),
    )
    .add(t(6, 5), o2, K::Accept)
    .add(t(6, 20), p1, fast(dep2))
    .add(t(6, 70), d2, feedback())
    .add(t(6, 75), o2, K::RequestCheck { assignee: i2.user })
    .add(t(6, 90), i2, check(true))
    .add(t(6, 100), l2, close());
    v.push(c);

    // 27: c4, hotline report March 31; the verification task given to I2 at +10 is still
    // open at the period end, overdue since 10:10.
    let mut c = CaseBuilder::new(27);
    c.add(
        t(31, 0),
        o1,
        K::Report(report(C4, SourceChannel::PublicHotline, Urgency::Normal)),
    )
    .add(t(31, 10), o1, K::RequestVerification { assignee: i2.user });
    v.push(c);

    // 28: c1, late dispatch by P2 (+50, clock ends +40), then rework: check fails at 10:40,
    // round 1 (2 h from 10:40, to 15:10) fed back late at 16:00; check 16:20, close 16:30.
    let mut c = CaseBuilder::new(28);
    c.add(t(9, 0), i1, patrol(C1))
        .add(t(9, 5), o2, K::Accept)
        .add(t(9, 10), l2, file())
        .add(t(9, 50), p2, dispatch(dep1))
        .add(t(9, 80), d1, feedback())
        .add(t(9, 90), o2, K::RequestCheck { assignee: i1.user })
        .add(t(9, 100), i1, check(false))
        .add(t(9, 420), d1, feedback())
        .add(t(9, 430), o2, K::RequestCheck { assignee: i1.user })
        .add(t(9, 440), i1, check(true))
        .add(t(9, 450), l2, close());
    v.push(c);

    // 29: c2, dispatched to D2, then voided by L2 while in progress.
    let mut c = CaseBuilder::new(29);
    c.add(t(10, 200), i1, patrol(C2))
        .add(t(10, 205), o1, K::Accept)
        .add(t(10, 210), l1, file())
        .add(t(10, 215), p1, dispatch(dep2))
        .add(
            t(10, 240),
            l2,
            K::Void {
                reason: "误报".into(),
            },
        );
    v.push(c);

    // 30: c3, extension denied; feedback 11:20 after the 11:15 deadline.
    let mut c = CaseBuilder::new(30);
    c.add(t(30, 0), i2, patrol(C3))
        .add(t(30, 5), o1, K::Accept)
        .add(t(30, 10), l1, file())
        .add(t(30, 15), p2, dispatch(dep2))
        .add(
            t(30, 30),
            d2,
            K::RequestExtension {
                requested: TimeLimit::new(4, LimitUnit::WorkingHours),
                reason: "工程量大".into(),
            },
        )
        .add(
            t(30, 35),
            p2,
            K::DenyExtension {
                reason: String::new(),
            },
        )
        .add(t(30, 140), d2, feedback())
        .add(t(30, 150), o1, K::RequestCheck { assignee: i2.user })
        .add(t(30, 160), i2, check(true))
        .add(t(30, 170), l1, close());
    v.push(c);

    // 31: c2, Friday March 20: filed by L1 at +10 and never dispatched; the dispatch clock
    // from 09:10 ran out at 09:40 (issue 12, C2 for positions: the dispatchers' pool). P1
    // dispatches it on April 1: charged in March, the late act is not charged again in April.
    let mut c = CaseBuilder::new(31);
    c.add(t(20, 0), i1, patrol(C2))
        .add(t(20, 5), o1, K::Accept)
        .add(t(20, 10), l1, file())
        .add(at(4, 1, 0), p1, dispatch(dep1));
    v.push(c);

    // 32: c1, hotline by O2 on Monday March 30 15:40; verification given to I1 at 15:50, its
    // limit (60 working minutes) ran out at 16:50, undone at the period end.
    let mut c = CaseBuilder::new(32);
    c.add(
        t(30, 400),
        o2,
        K::Report(report(C1, SourceChannel::PublicHotline, Urgency::Normal)),
    )
    .add(t(30, 410), o2, K::RequestVerification { assignee: i1.user });
    v.push(c);

    // 33: c1, hotline by O2 on March 31 17:40; verification given to I1 at 17:45 runs 15
    // minutes that day and 45 on April 1: due April 1 09:15, not yet due in March.
    let mut c = CaseBuilder::new(33);
    c.add(
        t(31, 520),
        o2,
        K::Report(report(C1, SourceChannel::PublicHotline, Urgency::Normal)),
    )
    .add(t(31, 525), o2, K::RequestVerification { assignee: i1.user });
    v.push(c);

    // 34: c4, hotline by O1 on Tuesday March 3, all on time: verification task +10 (I2 +30),
    // filed by L2 +40, dispatched by P2 to D2 +50 (handling due 11:50), fed back +100, check
    // requested by O1 +110, checked +130, closed by L2 at 11:20. Never called back: its 回访
    // limit ran out on Thursday March 5 11:20.
    let mut c = CaseBuilder::new(34);
    c.add(
        t(3, 0),
        o1,
        K::Report(report(C4, SourceChannel::PublicHotline, Urgency::Normal)),
    )
    .add(t(3, 10), o1, K::RequestVerification { assignee: i2.user })
    .add(t(3, 30), i2, verify(true))
    .add(t(3, 40), l2, file())
    .add(t(3, 50), p2, dispatch(dep2))
    .add(t(3, 100), d2, feedback())
    .add(t(3, 110), o1, K::RequestCheck { assignee: i2.user })
    .add(t(3, 130), i2, check(true))
    .add(t(3, 140), l2, close());
    v.push(c);
    v
}

/// The cases folded as of the end of March with the fixture's rules.
pub fn eval_cases(to: Timestamp) -> Vec<EvalCase> {
    eval_cases_with(to, &|_| None)
}

/// The cases folded as of `to` with the fixture's rules but `handling_limit` as the
/// categories' handling limits of the day.
pub fn eval_cases_with(
    to: Timestamp,
    handling_limit: &dyn Fn(&crate::workflow::CaseState) -> Option<crate::model::TimeLimit>,
) -> Vec<EvalCase> {
    eval_cases_plus(to, handling_limit, &[])
}

/// [`eval_cases_with`] with `extra` cases besides the month's.
pub fn eval_cases_plus(
    to: Timestamp,
    handling_limit: &dyn Fn(&crate::workflow::CaseState) -> Option<crate::model::TimeLimit>,
    extra: &[CaseBuilder],
) -> Vec<EvalCase> {
    eval_cases_teams(to, handling_limit, extra, None)
}

/// [`eval_cases_plus`] with the tenant's calendars per team.
pub fn eval_cases_teams(
    to: Timestamp,
    handling_limit: &dyn Fn(&crate::workflow::CaseState) -> Option<crate::model::TimeLimit>,
    extra: &[CaseBuilder],
    teams: Option<&crate::deadline::TeamCalendars>,
) -> Vec<EvalCase> {
    let policy = DeadlinePolicy::parse_toml(
        "stage_limits.example.toml",
        include_str!("../../../data/limits/stage_limits.example.toml"),
    )
    .expect("policy");
    let calendar = WorkCalendar::standard_weekdays();
    let rules = ClockRules {
        policy: &policy,
        calendar: &calendar,
        handling_limit,
        teams,
    };
    cases()
        .iter()
        .chain(extra)
        .map(|c| EvalCase::as_of(c.case_id(), &c.events, to, &rules))
        .collect()
}

/// Issue 12, C5: case 36 in c5 (otherwise empty), Thursday March 26 at night: dispatched at
/// 21:15 with the dispatcher's override of 2 natural hours (due 23:15, not the next working
/// morning), fed back at 00:00: late. Checked and closed on Friday morning.
pub fn natural_override_case() -> CaseBuilder {
    let x = cast();
    let t = |day: u32, m: i64| at(3, day, m);
    let mut c = CaseBuilder::new(36);
    c.add(t(26, 720), x.i1, patrol(C5))
        .add(t(26, 725), x.o1, K::Accept)
        .add(t(26, 730), x.l1, file())
        .add(
            t(26, 735),
            x.p1,
            K::Dispatch {
                department: dept(1),
                limit: Some(TimeLimit::new(2, LimitUnit::NaturalHours)),
                basis: Some(crate::model::LimitBasis::Override {
                    reason: "夜间问题须当晚处置".into(),
                }),
            },
        )
        .add(t(26, 900), x.d1, feedback())
        .add(
            t(27, 0),
            x.o1,
            K::RequestCheck {
                assignee: x.i1.user,
            },
        )
        .add(t(27, 20), x.i1, check(true))
        .add(t(27, 30), x.l1, close());
    c
}

/// Issue 15 item 1: case 40 in c5, as case 36 but with two 督办 by the shift leader on
/// Thursday March 26, addressed (by default) to D1: the first (12:20, reply due 13:20) is
/// answered at 12:40 — on time; the second (12:25, reply due 13:10) is never answered, and
/// its time runs out inside March — late. D1: 督办 2, on time 1 of 2.
pub fn escalated_case() -> CaseBuilder {
    let x = cast();
    let t = |day: u32, m: i64| at(3, day, m);
    let mut c = CaseBuilder::new(40);
    c.add(t(26, 720), x.i1, patrol(C5))
        .add(t(26, 725), x.o1, K::Accept)
        .add(t(26, 730), x.l1, file())
        .add(t(26, 735), x.p1, dispatch(dept(1)));
    let escalate = |due: Timestamp| K::Escalate {
        level: 1,
        reason: "群众反映强烈".into(),
        department: None,
        role: None,
        reply_by: Some(due),
    };
    c.add(t(26, 740), x.l1, escalate(t(26, 800)))
        .add(t(26, 745), x.l1, escalate(t(26, 790)));
    let first = c.events[4].id;
    c.add(
        t(26, 760),
        x.d1,
        K::EscalationReply {
            escalation: first,
            text: "已处理".into(),
        },
    )
    .add(t(26, 900), x.d1, feedback());
    c
}

/// Issue 12, C7: case 37 in c5, Tuesday March 24: dispatched 10:00 with 2 working hours (due
/// 12:00); D1 asks 2 working hours more at 12:30, after the deadline, and P1 approves at 12:40:
/// the late extension moves nothing, so the 15:00 feedback is late.
pub fn late_extension_case() -> CaseBuilder {
    let x = cast();
    let t = |day: u32, m: i64| at(3, day, m);
    let mut c = CaseBuilder::new(37);
    c.add(t(24, 0), x.i1, patrol(C5))
        .add(t(24, 5), x.o1, K::Accept)
        .add(t(24, 10), x.l1, file())
        .add(t(24, 60), x.p1, dispatch(dept(1)))
        .add(
            t(24, 210),
            x.d1,
            K::RequestExtension {
                requested: TWO_HOURS,
                reason: "材料未到".into(),
            },
        )
        .add(t(24, 220), x.p1, K::ApproveExtension { granted: TWO_HOURS })
        .add(t(24, 360), x.d1, feedback())
        .add(
            t(24, 370),
            x.o1,
            K::RequestCheck {
                assignee: x.i1.user,
            },
        )
        .add(t(24, 390), x.i1, check(true))
        .add(t(24, 400), x.l1, close());
    c
}

/// Issue 12, C1: case 38 in c5, Monday March 23: dispatched to D1 at 10:00 (due 12:00); D1
/// gets 4 working hours more (asked 10:30, approved 10:40), then asks to send the case back
/// (11:00, approved 11:10); P2 dispatches it to D2 at 11:20 with 2 working hours: due 15:50
/// (40 min to 12:00, 80 min from 14:30), without D1's extension. D2 feeds back at 16:30: late.
pub fn leaked_extension_case() -> CaseBuilder {
    let x = cast();
    let t = |day: u32, m: i64| at(3, day, m);
    let four = TimeLimit::new(4, LimitUnit::WorkingHours);
    let mut c = CaseBuilder::new(38);
    c.add(t(23, 0), x.i1, patrol(C5))
        .add(t(23, 5), x.o1, K::Accept)
        .add(t(23, 10), x.l1, file())
        .add(t(23, 60), x.p1, dispatch(dept(1)))
        .add(
            t(23, 90),
            x.d1,
            K::RequestExtension {
                requested: four,
                reason: "需协调产权单位".into(),
            },
        )
        .add(t(23, 100), x.p1, K::ApproveExtension { granted: four })
        .add(
            t(23, 120),
            x.d1,
            K::RequestSendback {
                reason: "不属本部门".into(),
            },
        )
        .add(t(23, 130), x.p1, K::ApproveSendback)
        .add(t(23, 140), x.p2, dispatch(dept(2)))
        .add(t(23, 450), x.d2, feedback())
        .add(
            t(23, 460),
            x.o1,
            K::RequestCheck {
                assignee: x.i1.user,
            },
        )
        .add(t(23, 480), x.i1, check(true))
        .add(t(23, 490), x.l1, close());
    c
}

/// Issue 12, C4: case 39 in c5 on the weekend of March 21–22 with the example team calendars
/// (the centre on 24×7, department `hw` = D1 on 环卫 hours 06:00–22:00 every day): reported
/// Saturday 22:00, accepted 22:05, filed 22:10, dispatched to D1 22:30 with 2 working hours:
/// D1's clock starts Sunday 06:00, due 08:00; fed back Sunday 09:00: late. (On the office
/// week alone it would be due Monday 10:30 and on time.)
pub fn weekend_team_case() -> CaseBuilder {
    let x = cast();
    let t = |day: u32, m: i64| at(3, day, m);
    let mut c = CaseBuilder::new(39);
    c.add(t(21, 780), x.i1, patrol(C5))
        .add(t(21, 785), x.o1, K::Accept)
        .add(t(21, 790), x.l1, file())
        .add(t(21, 810), x.p1, dispatch(dept(1)))
        .add(t(22, 0), x.d1, feedback())
        .add(
            t(22, 10),
            x.o1,
            K::RequestCheck {
                assignee: x.i1.user,
            },
        )
        .add(t(22, 30), x.i1, check(true))
        .add(t(22, 40), x.l1, close());
    c
}

/// The example team calendars (`core/data/calendar/teams.example.toml`) with `hw` = D1.
pub fn example_teams() -> crate::deadline::TeamCalendars {
    crate::deadline::TeamCalendars::parse_toml(
        "teams.example.toml",
        include_str!("../../../data/calendar/teams.example.toml"),
        &|code| (code == "hw").then(|| dept(1)),
    )
    .expect("example team calendars")
}

/// Issue 12, C6: case 35, a hotline report placed in c1 whose verifying inspector (I1)
/// corrects the position into c5 (the empty cell); then the all-on-time path on Thursday
/// March 26 and a satisfied call-back on Friday. Not among [`cases`]: the month's tables are
/// computed without it, and the C6 test adds it.
pub fn corrected_case() -> CaseBuilder {
    let x = cast();
    let t = |day: u32, m: i64| at(3, day, m);
    let moved = Location::new(103.90, 36.10, Some(4.0), LocationSource::Gps).expect("loc");
    let mut c = CaseBuilder::new(35);
    c.add(
        t(26, 0),
        x.o1,
        K::Report(report(C1, SourceChannel::PublicHotline, Urgency::Normal)),
    )
    .add(
        t(26, 10),
        x.o1,
        K::RequestVerification {
            assignee: x.i1.user,
        },
    )
    .add(
        t(26, 40),
        x.i1,
        K::Verify {
            confirmed: true,
            photos: Vec::new(),
            location: Some(moved),
            cell: Some(GridCode::parse(C5).expect("cell")),
            category: None,
            note: "实际位置在五号网格".into(),
        },
    )
    .add(t(26, 50), x.l1, file())
    .add(t(26, 60), x.p1, dispatch(dept(1)))
    .add(t(26, 100), x.d1, feedback())
    .add(
        t(26, 110),
        x.o1,
        K::RequestCheck {
            assignee: x.i1.user,
        },
    )
    .add(t(26, 130), x.i1, check(true))
    .add(t(26, 140), x.l1, close())
    .add(t(27, 0), x.o1, callback(true));
    c
}

/// The tenant directory: cells with names, three departments (D3 has no case), the people.
pub fn directory() -> Directory {
    let x = cast();
    let cell = |code: &str, name: &str, community: &str, street: &str| {
        (
            GridCode::parse(code).expect("cell"),
            CellNames {
                cell: name.into(),
                community: community.into(),
                street: street.into(),
            },
        )
    };
    let p = |a: Actor, name: &str, cells: &[&str]| {
        (
            a.user,
            Person {
                name: name.into(),
                role: a.role,
                cells: cells
                    .iter()
                    .map(|c| GridCode::parse(c).expect("cell"))
                    .collect(),
            },
        )
    };
    Directory {
        tenant: ("620102".into(), "城关区".into()),
        cells: [
            cell(C1, "一号网格", "甲社区", "东街道"),
            cell(C2, "二号网格", "甲社区", "东街道"),
            cell(C3, "三号网格", "乙社区", "东街道"),
            cell(C4, "四号网格", "丙社区", "西街道"),
            cell(C5, "五号网格", "丙社区", "西街道"),
        ]
        .into_iter()
        .collect(),
        departments: [
            (dept(1), "市政局".into()),
            (dept(2), "环卫局".into()),
            (dept(3), "园林局".into()),
        ]
        .into_iter()
        .collect(),
        people: [
            p(x.i1, "监督员甲", &[C1, C2]),
            p(x.i2, "监督员乙", &[C3, C4]),
            p(x.o1, "受理员甲", &[]),
            p(x.o2, "受理员乙", &[]),
            p(x.l1, "值班长甲", &[]),
            p(x.l2, "值班长乙", &[]),
            p(x.p1, "派遣员甲", &[]),
            p(x.p2, "派遣员乙", &[]),
            p(x.d1, "市政局处置员", &[]),
        ]
        .into_iter()
        .collect(),
        patrol_missed: None,
    }
}
