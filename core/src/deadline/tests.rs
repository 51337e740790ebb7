//! Deadline tests on a Mon–Fri calendar (08:30–12:00, 14:30–18:00), each hand-computed.
//! 2026-03-02 is a Monday.

use super::*;
use crate::calendar::WorkCalendar;
use crate::model::{
    Actor, DepartmentId, DeviceId, EventId, Hlc, LimitUnit, Role, SourceChannel, Urgency, UserId,
};
use crate::workflow::{Event, EventKind as K, fold};
use chrono::NaiveDate;

const POLICY: &str = include_str!("../../data/limits/stage_limits.example.toml");

fn at(day: u32, h: u32, m: u32) -> Timestamp {
    let local = NaiveDate::from_ymd_opt(2026, 3, day)
        .and_then(|d| d.and_hms_opt(h, m, 0))
        .expect("valid");
    Timestamp::from_shanghai(local)
}

fn actor(n: u8, role: Role) -> Actor {
    let org = (role == Role::Department).then(|| DepartmentId::from_parts(3, [1; 10]));
    Actor {
        user: UserId::from_parts(1, [n; 10]),
        device: DeviceId::from_parts(2, [n; 10]),
        role,
        org,
    }
}

struct Case {
    events: Vec<Event>,
}

impl Case {
    fn new() -> Self {
        Case { events: Vec::new() }
    }
    fn add(&mut self, when: Timestamp, role: Role, kind: K) -> &mut Self {
        let n = self.events.len() as u8;
        self.events.push(Event {
            id: EventId::from_parts(when.0 as u64, [n; 10]),
            hlc: Hlc {
                ms: when.0,
                counter: 0,
                node: 1,
            },
            actor: actor(role as u8, role),
            received_at: None,
            kind,
        });
        self
    }
    fn dispatched_at(when: Timestamp, limit: Option<TimeLimit>) -> Self {
        let mut c = Case::new();
        let report = crate::workflow::tests::fixtures::report(
            SourceChannel::InspectorPatrol,
            Urgency::Normal,
        );
        c.add(when.plus_minutes(-30), Role::Inspector, K::Report(report))
            .add(when.plus_minutes(-20), Role::IntakeOperator, K::Accept)
            .add(
                when.plus_minutes(-10),
                Role::ShiftLeader,
                K::File {
                    note: String::new(),
                    condition: None,
                },
            )
            .add(
                when,
                Role::Dispatcher,
                K::Dispatch {
                    department: DepartmentId::from_parts(3, [1; 10]),
                    limit,
                    basis: None,
                },
            );
        c
    }
    fn clocks(
        &self,
        now: Timestamp,
        category_limit: Option<TimeLimit>,
        policy: &DeadlinePolicy,
    ) -> Deadlines {
        let calendar = WorkCalendar::standard_weekdays();
        let ctx = DeadlineContext {
            policy,
            calendar: &calendar,
            category_limit,
            now,
            teams: None,
        };
        deadlines(&fold(&self.events), &ctx)
    }
}

fn policy() -> DeadlinePolicy {
    DeadlinePolicy::parse_toml("stage_limits.example.toml", POLICY).expect("example policy loads")
}

fn hours(n: u32) -> TimeLimit {
    TimeLimit::new(n, LimitUnit::WorkingHours)
}

#[test]
fn accept_clock_goes_green_yellow_red() {
    let mut c = Case::new();
    c.add(
        at(2, 9, 0),
        Role::Inspector,
        K::Report(crate::workflow::tests::fixtures::report(
            SourceChannel::InspectorPatrol,
            Urgency::Normal,
        )),
    );
    let p = policy();
    // 30 working minutes from 09:00 → 09:30. 20/30 = 0.67 green, 25/30 = 0.83 yellow, 31 red.
    let d = c.clocks(at(2, 9, 20), None, &p);
    assert_eq!(d.current().and_then(|c| c.deadline), Some(at(2, 9, 30)));
    assert_eq!(d.light(), Light::Green);
    assert_eq!(c.clocks(at(2, 9, 25), None, &p).light(), Light::Yellow);
    assert_eq!(c.clocks(at(2, 9, 31), None, &p).light(), Light::Red);
}

#[test]
fn a_report_that_waited_for_signal_starts_the_accept_clock_on_arrival() {
    let mut c = Case::new();
    c.add(
        at(2, 9, 0),
        Role::Inspector,
        K::Report(crate::workflow::tests::fixtures::report(
            SourceChannel::InspectorPatrol,
            Urgency::Normal,
        )),
    );
    c.events[0].received_at = Some(at(2, 10, 0));
    let d = c.clocks(at(2, 10, 10), None, &policy());
    let clock = d.current().expect("running");
    assert_eq!(clock.started_at, at(2, 10, 0));
    assert_eq!(clock.deadline, Some(at(2, 10, 30)));
    assert_eq!(fold(&c.events).reported_at, Some(at(2, 9, 0)));
}

#[test]
fn handling_limit_runs_over_the_lunch_break() {
    // Dispatched Mon 10:00 with 4 working hours: 10:00–12:00 (2 h) + 14:30–16:30 (2 h).
    let c = Case::dispatched_at(at(2, 10, 0), None);
    let d = c.clocks(at(2, 11, 0), Some(hours(4)), &policy());
    let clock = d.current().expect("running");
    assert_eq!(clock.clock, Clock::Handling);
    assert_eq!(clock.deadline, Some(at(2, 16, 30)));
    assert!(
        (clock.used - 0.25).abs() < 1e-9,
        "1 h of 4 used: {}",
        clock.used
    );
    // The dispatcher's own limit wins over the category's: 1 h → 11:00.
    let c = Case::dispatched_at(at(2, 10, 0), Some(hours(1)));
    assert_eq!(
        c.clocks(at(2, 10, 30), Some(hours(4)), &policy())
            .current()
            .and_then(|c| c.deadline),
        Some(at(2, 11, 0))
    );
}

#[test]
fn an_extension_adds_time() {
    let mut c = Case::dispatched_at(at(2, 10, 0), None);
    c.add(
        at(2, 11, 0),
        Role::Department,
        K::RequestExtension {
            requested: hours(2),
            reason: "配件".into(),
        },
    )
    .add(
        at(2, 11, 10),
        Role::Dispatcher,
        K::ApproveExtension { granted: hours(1) },
    );
    // 16:30 + 1 working hour = 17:30; the limit reads 5 working hours.
    let d = c.clocks(at(2, 17, 0), Some(hours(4)), &policy());
    let clock = d.current().expect("running");
    assert_eq!(clock.deadline, Some(at(2, 17, 30)));
    assert_eq!(clock.limit, Some(hours(5)));
    assert_eq!(
        clock.light,
        Light::Yellow,
        "4.5 h of 5 h: used {}",
        clock.used
    );
}

#[test]
fn parking_stops_the_clock() {
    let mut c = Case::dispatched_at(at(2, 10, 0), None);
    c.add(
        at(2, 10, 50),
        Role::Department,
        K::RequestPark {
            reason: "需立项".into(),
            expected: None,
        },
    )
    .add(at(2, 11, 0), Role::Dispatcher, K::ApprovePark)
    .add(at(2, 14, 45), Role::Dispatcher, K::Resume);
    // Parked 11:00–14:45 = 1 h (11–12) + 0.25 h (14:30–14:45) of working time:
    // deadline 16:30 + 1 h 15 min = 17:45.
    let d = c.clocks(at(2, 15, 45), Some(hours(4)), &policy());
    let clock = d.current().expect("running");
    assert_eq!(clock.deadline, Some(at(2, 17, 45)));
    // Spent: 10:00–11:00 (1 h) + 14:45–15:45 (1 h) = 2 h of 4.
    assert!((clock.used - 0.5).abs() < 1e-9, "used {}", clock.used);
    // While parked there is no running clock and no light.
    assert_eq!(
        c.clocks(at(2, 12, 0), Some(hours(4)), &policy())
            .clocks
            .len(),
        4
    );
}

fn reworked() -> Case {
    let mut c = Case::dispatched_at(at(2, 10, 0), None);
    let inspector = actor(Role::Inspector as u8, Role::Inspector).user;
    c.add(
        at(2, 15, 0),
        Role::Department,
        K::Feedback {
            result: "done".into(),
            photos: vec![],
        },
    )
    .add(
        at(2, 15, 10),
        Role::IntakeOperator,
        K::RequestCheck {
            assignee: inspector,
        },
    )
    .add(
        at(3, 10, 0),
        Role::Inspector,
        K::Check {
            passed: false,
            photos: vec![],
            note: String::new(),
        },
    );
    c
}

#[test]
fn rework_gets_a_full_new_limit_by_default() {
    let c = reworked();
    let d = c.clocks(at(3, 10, 30), Some(hours(4)), &policy());
    let first = d
        .clocks
        .iter()
        .find(|c| c.clock == Clock::Handling)
        .expect("first round");
    assert_eq!(first.on_time(), Some(true), "fed back 15:00 before 16:30");
    let clock = d.current().expect("running");
    assert_eq!((clock.clock, clock.round), (Clock::Handling, 1));
    // Tue 10:00 + 4 working hours = 16:30.
    assert_eq!(clock.deadline, Some(at(3, 16, 30)));
}

#[test]
fn rework_with_the_remainder() {
    let c = reworked();
    let mut p = policy();
    p.rework = ReworkTiming::Remainder;
    // At feedback (Mon 15:00) 1.5 working hours were left → Tue 10:00 + 1.5 h = 11:30.
    let d = c.clocks(at(3, 10, 30), Some(hours(4)), &p);
    assert_eq!(d.current().and_then(|c| c.deadline), Some(at(3, 11, 30)));
}

#[test]
fn natural_hours_ignore_the_calendar() {
    // Sat 2026-03-07 22:00 + 2 natural hours = Sun 00:00.
    let c = Case::dispatched_at(at(7, 22, 0), None);
    let d = c.clocks(
        at(7, 23, 0),
        Some(TimeLimit::new(2, LimitUnit::NaturalHours)),
        &policy(),
    );
    let clock = d.current().expect("running");
    assert_eq!(clock.deadline, Some(at(8, 0, 0)));
    assert!((clock.used - 0.5).abs() < 1e-9);
}

#[test]
fn finished_stages_say_whether_they_were_on_time() {
    let c = Case::dispatched_at(at(2, 10, 0), None);
    // Report 09:30, accept 09:40 (10 of 30 min), file 09:50, dispatch 10:00.
    let d = c.clocks(at(2, 10, 5), Some(hours(4)), &policy());
    let kinds: Vec<_> = d.clocks.iter().map(|c| (c.clock, c.on_time())).collect();
    assert_eq!(
        kinds,
        [
            (Clock::Accept, Some(true)),
            (Clock::File, Some(true)),
            (Clock::Dispatch, Some(true)),
            (Clock::Handling, None),
        ]
    );
}

#[test]
fn no_handling_limit_means_no_light() {
    let c = Case::dispatched_at(at(2, 10, 0), None);
    assert_eq!(c.clocks(at(2, 11, 0), None, &policy()).light(), Light::None);
}

#[test]
fn bad_policy_files_name_the_line_and_field() {
    let bad_unit = POLICY.replace(
        "urgent = \"10 working_minutes\"\nnormal = \"30 working_minutes\"\n\n[stages.verify]",
        "urgent = \"10 fortnights\"\nnormal = \"30 working_minutes\"\n\n[stages.verify]",
    );
    let e = DeadlinePolicy::parse_toml("p.toml", &bad_unit).expect_err("bad unit");
    assert_eq!(
        (e.file.as_str(), e.field.as_str()),
        ("p.toml", "stages.accept.urgent")
    );
    let line = bad_unit
        .lines()
        .position(|l| l.contains("fortnights"))
        .map(|i| i + 1);
    assert_eq!(Some(e.line), line);
    let e = DeadlinePolicy::parse_toml(
        "p.toml",
        &POLICY.replace("yellow_fraction = 0.8", "yellow_fraction = 1.5"),
    )
    .expect_err("bad fraction");
    assert_eq!((e.field.as_str(), e.line), ("yellow_fraction", 9));
    let e = DeadlinePolicy::parse_toml(
        "p.toml",
        &POLICY.replace("[stages.close]", "[stages.closing]"),
    )
    .expect_err("unknown");
    assert_eq!(e.field, "stages.close");
    let e =
        DeadlinePolicy::parse_toml("p.toml", "rework = \"full\"\nstages = 3\n").expect_err("type");
    assert_eq!(e.line, 2);
}

/// Issue 12, C1: department A's approved extension does not follow the case to department B
/// after a send-back (same rework round).
#[test]
fn an_extension_stays_with_the_department_that_asked() {
    let mut c = Case::dispatched_at(at(2, 10, 0), None);
    c.add(
        at(2, 11, 0),
        Role::Department,
        K::RequestExtension {
            requested: hours(1),
            reason: "配件".into(),
        },
    )
    .add(
        at(2, 11, 10),
        Role::Dispatcher,
        K::ApproveExtension { granted: hours(1) },
    )
    .add(
        at(2, 11, 20),
        Role::Department,
        K::RequestSendback {
            reason: "非本部门职责".into(),
        },
    )
    .add(at(2, 11, 30), Role::Dispatcher, K::ApproveSendback)
    .add(
        at(2, 14, 30),
        Role::Dispatcher,
        K::Dispatch {
            department: DepartmentId::from_parts(3, [2; 10]),
            limit: None,
            basis: None,
        },
    );
    let d = c.clocks(at(2, 15, 0), Some(hours(4)), &policy());
    let handling: Vec<&ClockReading> = d
        .clocks
        .iter()
        .filter(|c| c.clock == Clock::Handling)
        .collect();
    assert_eq!(handling.len(), 2, "{:?}", d.clocks);
    // A: 10:00 + 4 h = 16:30, + its 1 h extension = 17:30 (it left at 11:30).
    assert_eq!(handling[0].deadline, Some(at(2, 17, 30)));
    assert_eq!(handling[0].limit, Some(hours(5)));
    // B: 14:30 + 4 h = 18:00 (3.5 h) + 0.5 h on Tuesday = 09:00; no extension of A's.
    assert_eq!(handling[1].deadline, Some(at(3, 9, 0)));
    assert_eq!(handling[1].limit, Some(hours(4)));
}

/// Issue 12, C7: an extension requested after the deadline is recorded as late and never
/// turns the late case on-time; one requested in time and approved after it still counts.
#[test]
fn an_extension_requested_after_the_deadline_moves_nothing() {
    let late = |request: Timestamp, approve: Timestamp| {
        let mut c = Case::dispatched_at(at(2, 10, 0), None);
        c.add(
            request,
            Role::Department,
            K::RequestExtension {
                requested: hours(2),
                reason: "晚了".into(),
            },
        )
        .add(
            approve,
            Role::Dispatcher,
            K::ApproveExtension { granted: hours(2) },
        )
        .add(
            at(2, 17, 40),
            Role::Department,
            K::Feedback {
                result: "已处置".into(),
                photos: vec![],
            },
        );
        let d = c.clocks(at(2, 18, 0), Some(hours(4)), &policy());
        d.clocks
            .into_iter()
            .find(|c| c.clock == Clock::Handling)
            .expect("handling")
    };
    // Deadline 16:30; asked at 17:00: stays 16:30, the fix at 17:40 is late.
    let asked_late = late(at(2, 17, 0), at(2, 17, 10));
    assert_eq!(asked_late.deadline, Some(at(2, 16, 30)));
    assert_eq!(asked_late.limit, Some(hours(4)));
    assert_eq!(asked_late.on_time(), Some(false));
    assert_eq!(asked_late.late_extensions.len(), 1);
    // Asked at 16:00, approved at 16:40 (after the deadline): 16:30 + 2 h = Tuesday 09:00.
    let asked_in_time = late(at(2, 16, 0), at(2, 16, 40));
    assert_eq!(asked_in_time.deadline, Some(at(3, 9, 0)));
    assert_eq!(asked_in_time.on_time(), Some(true));
    assert!(asked_in_time.late_extensions.is_empty());
}

/// A case dispatched at `when` whose dispatch recorded `limit` with `basis`.
fn dispatched_with(when: Timestamp, limit: TimeLimit, basis: crate::model::LimitBasis) -> Case {
    let mut c = Case::dispatched_at(when, None);
    if let Some(K::Dispatch {
        limit: l, basis: b, ..
    }) = c.events.last_mut().map(|e| &mut e.kind)
    {
        *l = Some(limit);
        *b = Some(basis);
    }
    c
}

#[test]
fn a_limit_recorded_at_dispatch_is_not_moved_by_later_rules() {
    // Issue 12, C3. Dispatched Mon 2026-03-02 10:00 with the category's 4 working hours of
    // the day recorded: due 10:00 + 2 h (to 12:00) + 2 h from 14:30 = 16:30. The tenant then
    // re-imports rules giving the category 1 working hour (due 11:00) or 3 working days: the
    // deadline stays 16:30, and a feedback at 15:00 stays on time.
    let basis = crate::model::LimitBasis::Category {
        rules_version: Some("a1b2c3d4e5f6".into()),
    };
    let mut c = dispatched_with(at(2, 10, 0), hours(4), basis);
    c.add(
        at(2, 15, 0),
        Role::Department,
        K::Feedback {
            result: "已处理".into(),
            photos: Vec::new(),
        },
    );
    for rules_today in [hours(1), TimeLimit::new(3, LimitUnit::WorkingDays)] {
        let d = c.clocks(at(3, 9, 0), Some(rules_today), &policy());
        let h = d
            .clocks
            .iter()
            .find(|r| r.clock == Clock::Handling)
            .expect("handling");
        assert_eq!(
            h.deadline,
            Some(at(2, 16, 30)),
            "rules of today {rules_today}"
        );
        assert_eq!(h.limit, Some(hours(4)));
        assert_eq!(h.on_time(), Some(true));
    }
    // Without a recorded limit (an older build's dispatch), today's rules apply: 1 working
    // hour makes the same feedback late (due 11:00).
    let mut old = Case::dispatched_at(at(2, 10, 0), None);
    old.add(
        at(2, 15, 0),
        Role::Department,
        K::Feedback {
            result: "已处理".into(),
            photos: Vec::new(),
        },
    );
    let d = old.clocks(at(3, 9, 0), Some(hours(1)), &policy());
    let h = d.clocks.iter().find(|r| r.clock == Clock::Handling);
    assert_eq!(h.and_then(|r| r.deadline), Some(at(2, 11, 0)));
    assert_eq!(h.and_then(ClockReading::on_time), Some(false));
}

#[test]
fn a_dispatchers_natural_hour_limit_stays_natural() {
    // Issue 12, C5. 露天烧烤 reported in the evening: the dispatcher sets 2 小时 (natural) at
    // Mon 2026-03-02 21:00 with a reason. Due 23:00 the same night, not the next working
    // morning (2 working hours from 21:00 would be Tue 10:30); a feedback at 23:30 is late.
    let basis = crate::model::LimitBasis::Override {
        reason: "夜间露天烧烤，须当晚处置".into(),
    };
    let mut c = dispatched_with(
        at(2, 21, 0),
        TimeLimit::new(2, LimitUnit::NaturalHours),
        basis,
    );
    c.add(
        at(2, 23, 30),
        Role::Department,
        K::Feedback {
            result: "已劝离".into(),
            photos: Vec::new(),
        },
    );
    // The category's working-hour limit of today does not replace the override.
    let d = c.clocks(at(3, 9, 0), Some(hours(2)), &policy());
    let h = d
        .clocks
        .iter()
        .find(|r| r.clock == Clock::Handling)
        .expect("handling");
    assert_eq!(h.deadline, Some(at(2, 23, 0)));
    assert_eq!(h.on_time(), Some(false));
    assert_eq!(h.light, Light::Red);
}

const TEAMS: &str = include_str!("../../data/calendar/teams.example.toml");

/// The example team calendars with department `hw` = the test department of `actor`.
fn teams() -> TeamCalendars {
    let hw = DepartmentId::from_parts(3, [1; 10]);
    TeamCalendars::parse_toml("teams.example.toml", TEAMS, &|code| {
        (code == "hw").then_some(hw)
    })
    .expect("example team calendars load")
}

fn clocks_with_teams(c: &Case, now: Timestamp, teams: Option<&TeamCalendars>) -> Deadlines {
    let calendar = WorkCalendar::standard_weekdays();
    let policy = policy();
    let ctx = DeadlineContext {
        policy: &policy,
        calendar: &calendar,
        teams,
        category_limit: None,
        now,
    };
    deadlines(&fold(&c.events), &ctx)
}

#[test]
fn each_team_counts_on_its_own_calendar() {
    // Issue 12, C4. Sat 2026-03-07: reported 21:00, accepted 21:10, filed 21:20, dispatched
    // 21:30 to 环卫 (hw) with 4 working hours. The centre works 24×7, 环卫 06:00–22:00 daily.
    let mut c = dispatched_with(
        at(7, 21, 30),
        hours(4),
        crate::model::LimitBasis::Category {
            rules_version: None,
        },
    );
    let t = teams();
    let d = clocks_with_teams(&c, at(9, 12, 0), Some(&t));
    let get = |d: &Deadlines, clock| {
        d.clocks
            .iter()
            .find(|r| r.clock == clock)
            .cloned()
            .expect("clock")
    };
    // Centre stages on 24×7: accept due 21:00 + 30 min = 21:30, met at 21:10.
    let accept = get(&d, Clock::Accept);
    assert_eq!(accept.deadline, Some(at(7, 21, 30)));
    assert_eq!(accept.on_time(), Some(true));
    // 环卫's handling: 30 min left on Saturday (21:30–22:00), 3 h 30 on Sunday from 06:00:
    // due Sun 09:30.
    assert_eq!(get(&d, Clock::Handling).deadline, Some(at(8, 9, 30)));
    // Without team calendars everything counts on the office week: accept starts Mon 08:30,
    // due 09:00; handling due Mon 08:30 + 3 h 30 to 12:00 + 30 min from 14:30 = 15:00.
    let d = clocks_with_teams(&c, at(9, 12, 0), None);
    assert_eq!(get(&d, Clock::Accept).deadline, Some(at(9, 9, 0)));
    assert_eq!(get(&d, Clock::Handling).deadline, Some(at(9, 15, 0)));
    // A department without its own calendar counts on the `handling` stage's (office days).
    if let Some(K::Dispatch { department, .. }) = c.events.last_mut().map(|e| &mut e.kind) {
        *department = DepartmentId::from_parts(3, [2; 10]);
    }
    let d = clocks_with_teams(&c, at(9, 12, 0), Some(&t));
    assert_eq!(get(&d, Clock::Handling).deadline, Some(at(9, 15, 0)));
    // Natural-time limits stay natural on every calendar: 2 小时 from 21:30 is 23:30.
    if let Some(K::Dispatch { limit, .. }) = c.events.last_mut().map(|e| &mut e.kind) {
        *limit = Some(TimeLimit::new(2, LimitUnit::NaturalHours));
    }
    let d = clocks_with_teams(&c, at(9, 12, 0), Some(&t));
    assert_eq!(get(&d, Clock::Handling).deadline, Some(at(7, 23, 30)));
}

#[test]
fn a_bad_team_calendars_file_names_the_line_and_field() {
    let hw = DepartmentId::from_parts(3, [1; 10]);
    let known = |code: &str| (code == "hw").then_some(hw);
    let cases = [
        (
            TEAMS.replace("accept = \"centre\"", "acept = \"centre\""),
            "stages.acept",
            "unknown stage",
        ),
        (
            TEAMS.replace("hw = \"sanitation\"", "hw = \"sanitaton\""),
            "departments.hw",
            "no calendar named",
        ),
        (
            TEAMS.replace("hw = \"sanitation\"", "zz = \"sanitation\""),
            "departments.zz",
            "unknown department code",
        ),
        (
            TEAMS.replace("\"06:00-22:00\"", "\"06:00-24:30\""),
            "calendars.sanitation.schedule[0].periods[0]",
            "",
        ),
    ];
    for (text, field, says) in cases {
        let e = TeamCalendars::parse_toml("teams.toml", &text, &known).expect_err(field);
        assert_eq!(e.field, field, "{e}");
        assert!(e.line > 0, "{e}");
        assert!(e.message.contains(says), "{e}");
    }
}

#[test]
fn a_superiors_deadline_caps_the_handling_clock() {
    // Issue 12, item 6. A handed-down case (上级交办) due Mon 2026-03-02 15:00 by the superior,
    // dispatched at 10:00 with 4 working hours (16:30): the deadline is 15:00. An extension of
    // 2 working hours asked at 11:00 and approved does not move it past 15:00 either.
    let mut c = dispatched_with(
        at(2, 10, 0),
        hours(4),
        crate::model::LimitBasis::Category {
            rules_version: None,
        },
    );
    // (The source stays a patrol report so the fixture needs no verification; the cap reads
    // only the report's `external_deadline`, which the superior import sets.)
    if let Some(K::Report(r)) = c.events.first_mut().map(|e| &mut e.kind) {
        r.external_deadline = Some(at(2, 15, 0));
    }
    let d = c.clocks(at(2, 12, 0), None, &policy());
    let h = d.current().expect("handling");
    assert_eq!(h.deadline, Some(at(2, 15, 0)));
    c.add(
        at(2, 11, 0),
        Role::Department,
        K::RequestExtension {
            requested: hours(2),
            reason: "需协调".into(),
        },
    )
    .add(
        at(2, 11, 30),
        Role::Dispatcher,
        K::ApproveExtension { granted: hours(2) },
    );
    let d = c.clocks(at(2, 15, 30), None, &policy());
    let h = d.current().expect("handling");
    assert_eq!(h.deadline, Some(at(2, 15, 0)));
    assert_eq!(h.light, Light::Red);
    // Without the superior's deadline the same case is due 16:30 + 2 working hours: 1 h 30
    // to 18:00, 30 min from Tue 08:30 = Tue 09:00.
    if let Some(K::Report(r)) = c.events.first_mut().map(|e| &mut e.kind) {
        r.external_deadline = None;
    }
    let d = c.clocks(at(2, 15, 30), None, &policy());
    assert_eq!(d.current().and_then(|h| h.deadline), Some(at(3, 9, 0)));
}

/// A hotline case (一般) handled on Monday March 2 and closed at 11:30.
fn hotline_closed() -> Case {
    let mut c = Case::new();
    let report =
        crate::workflow::tests::fixtures::report(SourceChannel::PublicHotline, Urgency::Normal);
    let dept = DepartmentId::from_parts(3, [1; 10]);
    let inspector = actor(Role::Inspector as u8, Role::Inspector).user;
    c.add(at(2, 9, 30), Role::IntakeOperator, K::Report(report))
        .add(
            at(2, 9, 35),
            Role::IntakeOperator,
            K::RequestVerification {
                assignee: inspector,
            },
        )
        .add(
            at(2, 9, 40),
            Role::Inspector,
            K::Verify {
                confirmed: true,
                photos: Vec::new(),
                location: None,
                category: None,
                note: String::new(),
                cell: None,
            },
        )
        .add(
            at(2, 9, 50),
            Role::ShiftLeader,
            K::File {
                note: String::new(),
                condition: None,
            },
        )
        .add(
            at(2, 10, 0),
            Role::Dispatcher,
            K::Dispatch {
                department: dept,
                limit: Some(hours(2)),
                basis: None,
            },
        )
        .add(
            at(2, 11, 0),
            Role::Department,
            K::Feedback {
                result: "已处置".into(),
                photos: Vec::new(),
            },
        )
        .add(
            at(2, 11, 10),
            Role::IntakeOperator,
            K::RequestCheck {
                assignee: inspector,
            },
        )
        .add(
            at(2, 11, 20),
            Role::Inspector,
            K::Check {
                passed: true,
                photos: Vec::new(),
                note: String::new(),
            },
        )
        .add(
            at(2, 11, 30),
            Role::ShiftLeader,
            K::Close {
                note: String::new(),
            },
        );
    c
}

#[test]
fn the_callback_clock_runs_from_closing_to_the_first_callback() {
    let p = policy();
    let mut c = hotline_closed();
    let folded = fold(&c.events);
    assert_eq!(
        folded.status,
        crate::workflow::Status::Closed,
        "{:?}",
        folded.conflicts
    );
    // Before closing (the close not yet folded): no callback clock.
    let before = Case {
        events: c.events[..c.events.len() - 1].to_vec(),
    };
    assert!(before.clocks(at(2, 11, 25), None, &p).callback.is_none());
    // Closed Monday 11:30 + 2 working days = Wednesday March 4 11:30. Running on Tuesday
    // 09:00 (green); the case's light is not its colour (no handling stage runs).
    let d = c.clocks(at(3, 9, 0), None, &p);
    let run = d.callback.as_ref().expect("callback clock");
    assert_eq!(run.clock, Clock::Callback);
    assert_eq!(run.started_at, at(2, 11, 30));
    assert_eq!(run.deadline, Some(at(4, 11, 30)));
    assert_eq!(run.ended_at, None);
    assert_eq!(run.light, Light::Green);
    assert_eq!(d.light(), Light::None);
    // Overdue on Wednesday 14:30.
    let d = c.clocks(at(4, 14, 30), None, &p);
    assert_eq!(d.callback.as_ref().map(|r| r.light), Some(Light::Red));
    // Called back Wednesday 10:00 and again Thursday: the first callback stops it, on time.
    for (day, h) in [(4, 10), (5, 9)] {
        c.add(
            at(day, h, 0),
            Role::IntakeOperator,
            K::Callback {
                satisfied: false,
                note: String::new(),
            },
        );
    }
    let d = c.clocks(at(6, 9, 0), None, &p);
    let run = d.callback.as_ref().expect("callback clock");
    assert_eq!(run.ended_at, Some(at(4, 10, 0)));
    assert_eq!(run.on_time(), Some(true));
    // A policy without `[stages.callback]` runs the clock with no limit; a patrol case has none.
    let without = DeadlinePolicy::parse_toml(
        "p.toml",
        POLICY.split("[stages.callback]").next().unwrap_or(POLICY),
    )
    .expect("policy without callback");
    let d = c.clocks(at(6, 9, 0), None, &without);
    let run = d.callback.as_ref().expect("callback clock");
    assert_eq!((run.limit, run.deadline), (None, None));
    let patrol = Case::dispatched_at(at(2, 10, 0), Some(hours(2)));
    assert!(patrol.clocks(at(6, 9, 0), None, &p).callback.is_none());
}

#[test]
fn a_countdown_over_a_weekend_counts_working_time_only() {
    // Issue 15: dispatched Friday March 6 16:00 with 8 工作时: Fri 16:00–18:00 (2 h), Mon
    // 08:30–12:00 (3.5 h), 14:30–17:00 (2.5 h): due Monday March 9 17:00.
    let c = Case::dispatched_at(at(6, 16, 0), Some(hours(8)));
    const H: i64 = 3_600_000;
    let p = policy();
    let reading = |now| {
        c.clocks(now, None, &p)
            .current()
            .cloned()
            .expect("handling runs")
    };
    let sat = reading(at(7, 12, 0));
    assert_eq!(sat.deadline, Some(at(9, 17, 0)));
    assert!(sat.working);
    // Saturday noon: 6 工作时 left (Fri 18:00 → Mon 17:00 counts 6 h), not the 2天5小时 of
    // `deadline - now`.
    assert_eq!(sat.margin_ms, Some(6 * H));
    assert_eq!(reading(at(8, 23, 0)).margin_ms, Some(6 * H));
    // Monday 10:00: 10:00–12:00 and 14:30–17:00 are left.
    assert_eq!(reading(at(9, 10, 0)).margin_ms, Some(4 * H + H / 2));
    // Tuesday 09:00: overdue by Mon 17:00–18:00 and Tue 08:30–09:00.
    let late = reading(at(10, 9, 0));
    assert_eq!(late.margin_ms, Some(-(H + H / 2)));
    assert_eq!(late.light, Light::Red);
    // Natural limits count natural time: 2 小时 from Saturday 22:00, at 23:00, 1 h left.
    let n = Case::dispatched_at(
        at(7, 22, 0),
        Some(TimeLimit::new(2, LimitUnit::NaturalHours)),
    );
    let run = n.clocks(at(7, 23, 0), None, &p);
    let run = run.current().expect("running");
    assert!(!run.working);
    assert_eq!(run.margin_ms, Some(H));
    // No limit: no countdown.
    let none = Case::dispatched_at(at(2, 10, 0), None);
    assert_eq!(
        none.clocks(at(2, 11, 0), None, &p)
            .current()
            .and_then(|c| c.margin_ms),
        None
    );
}

#[test]
fn a_closed_case_says_whether_it_was_handled_on_time() {
    let p = policy();
    // Dispatched 10:00 with 2 工作时, feedback 11:00: on time, an hour to spare.
    let c = hotline_closed();
    let d = c.clocks(at(3, 9, 0), None, &p);
    let handling = d
        .clocks
        .iter()
        .find(|r| r.clock == Clock::Handling)
        .expect("handling run");
    assert_eq!(handling.margin_ms, Some(3_600_000));
    assert_eq!(d.handled_on_time(), Some(true));
    // The same case with 30 工作分钟: feedback at 11:00 is 30 minutes late.
    let mut late = hotline_closed();
    for e in &mut late.events {
        if let K::Dispatch { limit, .. } = &mut e.kind {
            *limit = Some(TimeLimit::new(30, LimitUnit::WorkingMinutes));
        }
    }
    let d = late.clocks(at(3, 9, 0), None, &p);
    assert_eq!(d.handled_on_time(), Some(false));
    let handling = d
        .clocks
        .iter()
        .find(|r| r.clock == Clock::Handling)
        .expect("handling run");
    assert_eq!(handling.margin_ms, Some(-1_800_000));
    // No handling limit at all: neither 按期 nor 超期.
    let mut untimed = hotline_closed();
    for e in &mut untimed.events {
        if let K::Dispatch { limit, .. } = &mut e.kind {
            *limit = None;
        }
    }
    assert_eq!(
        untimed.clocks(at(3, 9, 0), None, &p).handled_on_time(),
        None
    );
}
