//! The main job for now (README): builds a handful of demo cases of the 兰州市城关区 (620102)
//! demo tenant through the workflow and prints their folded state and deadline clocks on the
//! 2026 example work calendar, with "now" fixed so the output is reproducible.

use chrono::NaiveDate;
use gridcase_core::calendar::WorkCalendar;
use gridcase_core::catalog::Catalog;
use gridcase_core::codes::{CategoryCode, CategoryKind, CategoryRef, GridCode};
use gridcase_core::deadline::{DeadlineContext, DeadlinePolicy, deadlines};
use gridcase_core::model::{
    Actor, DepartmentId, DeviceId, EventId, Hlc, LimitUnit, Location, LocationSource, Role,
    SourceChannel, TimeLimit, Timestamp, Urgency, UserId,
};
use gridcase_core::workflow::{Event, EventKind as K, ReportPayload, fold};

const CALENDAR: &str = include_str!("../data/calendar/2026.example.toml");
const POLICY: &str = include_str!("../data/limits/stage_limits.example.toml");

fn at(month: u32, day: u32, h: u32, m: u32) -> Timestamp {
    let local = NaiveDate::from_ymd_opt(2026, month, day).and_then(|d| d.and_hms_opt(h, m, 0));
    Timestamp::from_shanghai(local.expect("valid demo date"))
}

fn dept(n: u8) -> DepartmentId {
    DepartmentId::from_parts(3, [n; 10])
}

fn actor(n: u8, role: Role, org: Option<DepartmentId>) -> Actor {
    Actor {
        user: UserId::from_parts(1, [n; 10]),
        device: DeviceId::from_parts(2, [n; 10]),
        role,
        org,
    }
}

struct Demo {
    title: &'static str,
    events: Vec<Event>,
}

impl Demo {
    fn new(title: &'static str) -> Self {
        Demo {
            title,
            events: Vec::new(),
        }
    }
    fn at(&mut self, when: Timestamp, who: Actor, kind: K) -> &mut Self {
        let n = self.events.len() as u8;
        let node = u64::from(who.device.as_bytes()[15]);
        self.events.push(Event {
            id: EventId::from_parts(when.0 as u64, [n, node as u8, 0, 0, 0, 0, 0, 0, 0, 1]),
            hlc: Hlc {
                ms: when.0,
                counter: 0,
                node,
            },
            actor: who,
            received_at: None,
            kind,
        });
        self
    }
}

fn report(
    kind: CategoryKind,
    code: &str,
    cell: &str,
    address: &str,
    text: &str,
    source: SourceChannel,
    urgency: Urgency,
) -> ReportPayload {
    ReportPayload {
        source,
        category: CategoryRef {
            kind,
            code: CategoryCode::parse(code).expect("demo code"),
        },
        location: Location::new(103.8343, 36.0611, Some(4.0), LocationSource::Gps)
            .expect("demo location"),
        cell: GridCode::parse(cell).ok(),
        component: None,
        address: address.into(),
        description: text.into(),
        urgency,
        photos: vec![],
        reporter: None,
        external_id: None,
        external_deadline: None,
        verification_waived: None,
    }
}

fn main() {
    let catalog = Catalog::builtin();
    let calendar =
        WorkCalendar::parse_toml("2026.example.toml", CALENDAR).expect("example calendar loads");
    let policy = DeadlinePolicy::parse_toml("stage_limits.example.toml", POLICY)
        .expect("example policy loads");
    let now = at(9, 29, 16, 0);

    let inspector = actor(1, Role::Inspector, None);
    let intake = actor(2, Role::IntakeOperator, None);
    let shift = actor(3, Role::ShiftLeader, None);
    let dispatcher = actor(4, Role::Dispatcher, None);
    let dispatcher2 = actor(5, Role::Dispatcher, None);
    let sanitation = actor(6, Role::Department, Some(dept(1)));
    let water = actor(7, Role::Department, Some(dept(2)));
    let system = actor(9, Role::System, None);
    let day = TimeLimit::new(1, LimitUnit::WorkingDays);

    let mut demos = Vec::new();

    let mut d = Demo::new("1. 巡查上报 → 结案 (patrol report taken to closure)");
    d.at(
        at(9, 28, 9, 0),
        inspector,
        K::Report(report(
            CategoryKind::Matter,
            "06010",
            "620102001001003",
            "城关区庆阳路 128 号东侧",
            "路边成堆暴露垃圾",
            SourceChannel::InspectorPatrol,
            Urgency::Normal,
        )),
    )
    .at(at(9, 28, 9, 10), intake, K::Accept)
    .at(
        at(9, 28, 9, 20),
        shift,
        K::File {
            note: "符合立案条件".into(),
            condition: None,
        },
    )
    .at(
        at(9, 28, 9, 21),
        system,
        K::AssignNumber {
            number: "620102-20260928-0001".into(),
        },
    )
    .at(
        at(9, 28, 9, 30),
        dispatcher,
        K::Dispatch {
            department: dept(1),
            limit: None,
            basis: None,
        },
    )
    .at(
        at(9, 28, 15, 0),
        sanitation,
        K::Feedback {
            result: "已清运".into(),
            photos: vec![],
        },
    )
    .at(
        at(9, 28, 15, 10),
        intake,
        K::RequestCheck {
            assignee: inspector.user,
        },
    )
    .at(
        at(9, 28, 16, 0),
        inspector,
        K::Check {
            passed: true,
            photos: vec![],
            note: "现场已清理".into(),
        },
    )
    .at(
        at(9, 28, 16, 20),
        shift,
        K::Close {
            note: "符合结案条件".into(),
        },
    );
    demos.push(d);

    let mut d = Demo::new("2. 12345 热线 → 核实 → 处置中 (hotline report, verified, in progress)");
    d.at(
        at(9, 29, 9, 0),
        intake,
        K::Report(report(
            CategoryKind::Matter,
            "06012",
            "620102002003011",
            "城关区张掖路步行街",
            "路面油污未清扫",
            SourceChannel::PublicHotline,
            Urgency::Normal,
        )),
    )
    .at(
        at(9, 29, 9, 5),
        intake,
        K::RequestVerification {
            assignee: inspector.user,
        },
    )
    .at(
        at(9, 29, 9, 40),
        inspector,
        K::Verify {
            confirmed: true,
            photos: vec![],
            location: None,
            category: None,
            note: "属实".into(),
            cell: None,
        },
    )
    .at(
        at(9, 29, 9, 50),
        shift,
        K::File {
            note: String::new(),
            condition: None,
        },
    )
    .at(
        at(9, 29, 10, 0),
        dispatcher,
        K::Dispatch {
            department: dept(1),
            limit: None,
            basis: None,
        },
    );
    demos.push(d);

    let mut d = Demo::new(
        "3. 紧急井盖缺失: 快速派遣、延期、挂账 (urgent, fast dispatch, extension, parking)",
    );
    d.at(
        at(9, 25, 10, 0),
        inspector,
        K::Report(report(
            CategoryKind::Component,
            "01002",
            "620102003002007",
            "城关区东岗西路与皋兰路口",
            "污水井盖缺失，危及行人",
            SourceChannel::InspectorPatrol,
            Urgency::Urgent,
        )),
    )
    .at(at(9, 25, 10, 5), intake, K::Accept)
    .at(
        at(9, 25, 10, 10),
        shift,
        K::FastDispatch {
            department: dept(2),
            limit: None,
            basis: None,
        },
    )
    .at(
        at(9, 25, 11, 0),
        water,
        K::RequestExtension {
            requested: day,
            reason: "需定制井盖".into(),
        },
    )
    .at(
        at(9, 25, 11, 20),
        dispatcher,
        K::ApproveExtension { granted: day },
    )
    .at(
        at(9, 25, 15, 0),
        water,
        K::RequestPark {
            reason: "管网改造立项中".into(),
            expected: Some(at(10, 15, 9, 0)),
        },
    )
    .at(at(9, 25, 15, 30), dispatcher, K::ApprovePark)
    .at(at(9, 29, 9, 0), dispatcher, K::Resume);
    demos.push(d);

    let mut d = Demo::new("4. 核查不通过 → 返工 (failed check, rework)");
    d.at(
        at(9, 28, 8, 40),
        inspector,
        K::Report(report(
            CategoryKind::Matter,
            "06010",
            "620102001002004",
            "城关区酒泉路 56 号",
            "垃圾桶周边散落垃圾",
            SourceChannel::InspectorPatrol,
            Urgency::Normal,
        )),
    )
    .at(at(9, 28, 8, 50), intake, K::Accept)
    .at(
        at(9, 28, 9, 0),
        shift,
        K::File {
            note: String::new(),
            condition: None,
        },
    )
    .at(
        at(9, 28, 9, 10),
        dispatcher,
        K::Dispatch {
            department: dept(1),
            limit: None,
            basis: None,
        },
    )
    .at(
        at(9, 28, 11, 0),
        sanitation,
        K::Feedback {
            result: "已清理".into(),
            photos: vec![],
        },
    )
    .at(
        at(9, 28, 11, 10),
        intake,
        K::RequestCheck {
            assignee: inspector.user,
        },
    )
    .at(
        at(9, 28, 15, 0),
        inspector,
        K::Check {
            passed: false,
            photos: vec![],
            note: "仍有残留".into(),
        },
    );
    demos.push(d);

    let mut d = Demo::new("5. 两名派遣员离线同时派遣 (two dispatchers race offline)");
    d.at(
        at(9, 29, 14, 40),
        inspector,
        K::Report(report(
            CategoryKind::Component,
            "01037",
            "620102004001002",
            "城关区南昌路",
            "路灯不亮",
            SourceChannel::InspectorPatrol,
            Urgency::Normal,
        )),
    )
    .at(at(9, 29, 14, 45), intake, K::Accept)
    .at(
        at(9, 29, 14, 50),
        shift,
        K::File {
            note: String::new(),
            condition: None,
        },
    )
    .at(
        at(9, 29, 15, 0),
        dispatcher,
        K::Dispatch {
            department: dept(1),
            limit: None,
            basis: None,
        },
    )
    .at(
        at(9, 29, 15, 0),
        dispatcher2,
        K::Dispatch {
            department: dept(2),
            limit: None,
            basis: None,
        },
    );
    demos.push(d);

    let mut d = Demo::new("6. 自行处置 → 审核通过 (self-handled on the spot, approved)");
    d.at(
        at(9, 29, 10, 0),
        inspector,
        K::SelfHandle {
            report: report(
                CategoryKind::Matter,
                "07001",
                "620102002001001",
                "城关区中山路公交站",
                "站牌上的非法小广告",
                SourceChannel::InspectorPatrol,
                Urgency::Normal,
            ),
            after: vec![],
            note: "已现场清除".into(),
        },
    )
    .at(at(9, 29, 10, 30), shift, K::ApproveSelfHandle);
    demos.push(d);

    println!(
        "gridcase demo — 兰州市城关区 (620102), now = {now}, calendar: {}",
        calendar.name()
    );
    println!("(2026 calendar and stage limits are EXAMPLE DATA; see core/data/)\n");
    for demo in &demos {
        let state = fold(&demo.events);
        let category = state.category().and_then(|c| catalog.get(c));
        let limit = state
            .category()
            .and_then(|c| catalog.handling_limit(c, state.urgency()));
        let ctx = DeadlineContext {
            policy: &policy,
            calendar: &calendar,
            category_limit: limit,
            now,
            teams: None,
        };
        let clocks = deadlines(&state, &ctx);
        println!("{}", demo.title);
        println!(
            "  状态 status     : {} ({}), 阶段 {}",
            state.status.label_zh(),
            state.status.as_str(),
            state.status.stage().label_zh()
        );
        if let Some(c) = category {
            println!(
                "  类别 category   : {} {} — 处置时限 {}",
                c.code,
                c.name,
                limit.map_or("—".to_string(), |l| l.to_string())
            );
        }
        println!(
            "  紧急程度        : {}   案卷号: {}",
            state.urgency().label_zh(),
            state.case_number.as_deref().unwrap_or("—")
        );
        println!(
            "  返工 rework {} · 延期 extensions {} · 挂账 parked {} · 事件 events {} applied",
            state.rework_count,
            state.extensions.len(),
            state.parked.len(),
            state.applied
        );
        for clock in &clocks.clocks {
            let deadline = clock.deadline.map_or("—".to_string(), |d| d.to_string());
            let verdict = match clock.on_time() {
                Some(true) => "按时".to_string(),
                Some(false) => "超时".to_string(),
                None if clock.ended_at.is_none() => format!(
                    "进行中 {:.0}% {}",
                    clock.used * 100.0,
                    clock.light.label_zh()
                ),
                None => "—".to_string(),
            };
            println!(
                "    {:<6} 第{}轮 开始 {}  时限 {:<8} 截止 {}  {}",
                clock.clock.label_zh(),
                clock.round + 1,
                clock.started_at,
                clock.limit.map_or("—".into(), |l| l.to_string()),
                deadline,
                verdict
            );
        }
        for c in &state.conflicts {
            println!(
                "  ⚠ 冲突 conflict : {} by {} — {}",
                c.event_type,
                c.actor.role.label_zh(),
                c.reason.label_zh()
            );
        }
        println!("  亮灯 light      : {}\n", clocks.light().label_zh());
    }
}
