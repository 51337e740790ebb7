//! The training tenant's history (issue 15 item 8): months of realistic cases written into a
//! tenant imported from the demo generator, so that queues, maps, evaluation and training show
//! real figures instead of an empty county.
//!
//! What it writes, for `days` days before `now` (about 27 cases a day):
//! - every channel: 监督员上报 (60 %), 热线 (14 %), 公众 app (7 %), Open311 (5 %), 视频 (8 %),
//!   上级交办 (6 %); public channels go through 派核实 → 核实 by the cell's inspector;
//! - every outcome: closed on time, closed late (the department's feedback after the limit),
//!   返工 (a failed 核查, fixed and checked again), 不予立案, 作废, 挂账 and resumed, 延期 granted,
//!   自行处置 approved, 回访; 督办 (`escalate` by the leader) on late cases;
//! - 签收 and 下派 (docs/departments.md): most departments sign for (签收) the centre's
//!   dispatch; a department with child units (the tenant's `department_units.csv`) hands about
//!   two in five of its cases to one of them (下派, due by the department's own handling
//!   deadline as the server computes it), which signs for it and reports back (下级反馈) before
//!   that deadline; the department then gives the centre its 处置反馈;
//! - every state: a case's events later than `now` are not written, and most of the last three
//!   days' cases (2 % of older ones: the overdue backlog) wait at a random step of their
//!   lifecycle (待受理, 待核实, 待立案, 待派遣, 处置中, 待派核查, 待核查, 待结案 …).
//!
//! Invariants:
//! - the actors are the tenant's real accounts with their roles, departments and cells (read
//!   from the database, as imported from the same seed); each case's department is the one the
//!   responsibility list names for its category and cell (a 二级 department, never a child
//!   unit); every generated case folds without a conflict, and every 下派 passes the server's
//!   own check (a child of the case's department, due within its deadline; tests:
//!   `sync-server/tests/it/training.rs`);
//! - deterministic for a seed and `now` (case ids and event ids come from the seeded generator;
//!   only the server's case-number events carry random ids);
//! - written through the server's own write path (`merge::store_case`), case numbers allocated
//!   for the filing day; runs only into a tenant without cases (a second run does nothing).
//!
//! Photos are not generated (cases show none): the history exercises the queue, clocks and
//! evaluation, not the photo pipeline.

use super::projection::case_deadlines;
use super::rules::TenantRules;
use super::{merge, numbering};
use crate::db::{cases, users};
use crate::deployment::Deployment;
use crate::error::{Result, ServerError};
use automerge::ActorId;
use geo::{Centroid, Contains, Point};
use gridcase_core::codes::{CategoryKind, CategoryRef, CountyCode, GridCode};
use gridcase_core::demo::{DemoTenant, SplitMix64};
use gridcase_core::doc::CaseDoc;
use gridcase_core::model::{
    Actor, CaseId, DepartmentId, DeviceId, EventId, Hlc, LimitBasis, Location, LocationSource,
    Role, SourceChannel, TimeLimit, Timestamp, Urgency, UserId,
};
use gridcase_core::protocol::ErrorCode;
use gridcase_core::workflow::{Event, EventKind, ReportPayload, fold};
use std::collections::BTreeMap;

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;
/// Shanghai is UTC+8 all year.
const SHANGHAI: i64 = 8 * HOUR;

/// What [`generate`] wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct TrainingReport {
    /// Cases written.
    pub cases: usize,
    /// Cases per status (`Status::as_str`).
    pub by_status: BTreeMap<String, usize>,
    /// Cases per source channel.
    pub by_channel: BTreeMap<String, usize>,
    /// Cases with at least one failed 核查 (返工).
    pub reworked: usize,
    /// Cases with a 督办.
    pub escalated: usize,
    /// Cases whose department signed for (签收) the dispatch.
    pub signed_for: usize,
    /// Cases handed to a child unit (下派).
    pub sub_dispatched: usize,
}

/// Share (%) of a department's cases it hands to a child unit, when it has any.
const SUB_DISPATCH_SHARE: u64 = 40;

/// The problems the history reports, by kind and code (common ones of GB/T 30428.2 tables).
const COMPONENTS: &[&str] = &[
    "01001", "01002", "01003", "01004", "01006", "01009", "01013", "01015", "02001", "02003",
    "02006", "03001", "03003", "04001", "04004",
];
const MATTERS: &[&str] = &[
    "01001", "01002", "01003", "01004", "01005", "01006", "01008", "02001", "02002", "02004",
    "03001", "03002", "04001", "05001",
];

/// Text a description is made from, per kind.
const DESCRIPTIONS: &[&str] = &[
    "井盖破损，存在安全隐患",
    "路灯不亮",
    "垃圾箱满溢，周边有散落垃圾",
    "人行道板松动破损",
    "占道经营，影响通行",
    "暴露垃圾未及时清运",
    "乱张贴小广告",
    "绿地内有积存垃圾",
    "道路积水",
    "护栏倾斜损坏",
];

/// What a department asks of its child unit when it hands a case down (下派).
const SUB_NOTES: &[&str] = &[
    "请今日内到场处置，完成后上传照片反馈",
    "请安排班组尽快处置",
    "属辖区内问题，请中队到场处理",
];

/// What a child unit reports back (下级反馈).
const SUB_RESULTS: &[&str] = &[
    "已到场处置完毕，现场已恢复",
    "班组已清理完毕",
    "已责令当事人整改，现场已清理",
    "已疏通修复，通行正常",
];

/// The history's only source of randomness: core's seeded SplitMix64 with the draws used here.
struct Rng(SplitMix64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0.next_u64() % n.max(1)
    }
    /// True with probability `percent` %.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    /// A duration between `lo` and `hi` ms.
    fn between(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo).max(1) as u64) as i64
    }
    fn bytes10(&mut self) -> [u8; 10] {
        self.0.bytes10()
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.0.index(v.len())]
    }
}

/// The tenant's people as the history uses them.
struct People {
    /// Each inspector with its cells.
    inspectors: Vec<(Actor, Vec<GridCode>)>,
    /// Inspector of each cell.
    by_cell: BTreeMap<GridCode, Actor>,
    intake: Vec<Actor>,
    shift: Vec<Actor>,
    dispatchers: Vec<Actor>,
    leaders: Vec<Actor>,
    /// Department accounts by department code: the 二级 departments the centre dispatches to.
    departments: BTreeMap<String, (DepartmentId, Actor)>,
    /// The child units' (三级 / 作业班组) accounts, by parent: (unit, its account).
    children: BTreeMap<DepartmentId, Vec<(DepartmentId, Actor)>>,
}

fn actor(user: UserId, role: Role, org: Option<DepartmentId>, rng: &mut Rng) -> Actor {
    Actor {
        user,
        device: DeviceId::from_parts(1_767_000_000_000, rng.bytes10()),
        role,
        org,
    }
}

fn people(dep: &Deployment, tenant: &str, rules: &TenantRules, rng: &mut Rng) -> Result<People> {
    let (rows, departments) = dep.db().read(|tx| {
        let rows = users::list(tx, tenant)?;
        let mut with_cells = Vec::with_capacity(rows.len());
        for row in rows {
            let cells = if row.role == Role::Inspector {
                users::cells(tx, row.id)?
            } else {
                Vec::new()
            };
            with_cells.push((row, cells));
        }
        Ok((with_cells, users::departments(tx, tenant)?))
    })?;
    let code_of: BTreeMap<DepartmentId, String> = departments
        .iter()
        .filter_map(|d| d.code.clone().map(|c| (d.id, c)))
        .collect();
    let mut p = People {
        inspectors: Vec::new(),
        by_cell: BTreeMap::new(),
        intake: Vec::new(),
        shift: Vec::new(),
        dispatchers: Vec::new(),
        leaders: Vec::new(),
        departments: BTreeMap::new(),
        children: BTreeMap::new(),
    };
    for (row, cells) in rows {
        if row.disabled {
            continue;
        }
        let a = actor(row.id, row.role, row.department, rng);
        match row.role {
            Role::Inspector => {
                let cells: Vec<GridCode> = cells
                    .iter()
                    .filter_map(|c| GridCode::parse(c).ok())
                    .collect();
                for c in &cells {
                    p.by_cell.insert(*c, a);
                }
                if !cells.is_empty() {
                    p.inspectors.push((a, cells));
                }
            }
            Role::IntakeOperator => p.intake.push(a),
            Role::ShiftLeader => p.shift.push(a),
            Role::Dispatcher => p.dispatchers.push(a),
            Role::Leader => p.leaders.push(a),
            Role::Department => {
                if let Some(d) = row.department
                    && let Some(code) = code_of.get(&d)
                {
                    match rules.units.parent_of(d) {
                        Some(parent) => {
                            let units = p.children.entry(parent).or_default();
                            if !units.iter().any(|(u, _)| *u == d) {
                                units.push((d, a));
                            }
                        }
                        None => {
                            p.departments.entry(code.clone()).or_insert((d, a));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let missing = [
        ("监督员", p.inspectors.is_empty()),
        ("受理员", p.intake.is_empty()),
        ("值班长", p.shift.is_empty()),
        ("派遣员", p.dispatchers.is_empty()),
        ("领导", p.leaders.is_empty()),
        ("专业部门", p.departments.is_empty()),
    ];
    if let Some((role, _)) = missing.iter().find(|(_, m)| *m) {
        return Err(ServerError::api(
            ErrorCode::BadRequest,
            format!("租户 {tenant} 没有{role}账号：请先导入演示租户"),
        ));
    }
    Ok(p)
}

/// One case's plan: the actor, the time and the event of each step, in order.
struct Plan {
    steps: Vec<(Actor, i64, EventKind)>,
}

impl Plan {
    fn push(&mut self, who: Actor, at: i64, kind: EventKind) -> i64 {
        self.steps.push((who, at, kind));
        at
    }

    /// The department's handling deadline at `at`, after the steps so far (as the server's
    /// write path computes it for a 下派 at that time; `None`: no limit).
    fn handling_due(&self, rules: &TenantRules, at: i64) -> Option<i64> {
        let events: Vec<Event> = self
            .steps
            .iter()
            .enumerate()
            .map(|(n, (who, ms, kind))| Event {
                id: EventId::from_parts(*ms as u64, [n as u8; 10]),
                hlc: Hlc {
                    ms: *ms,
                    counter: 0,
                    node: Hlc::node_of(&who.device),
                },
                actor: *who,
                received_at: None,
                kind: kind.clone(),
            })
            .collect();
        let state = fold(&events);
        gridcase_core::departments::handling_due(&case_deadlines(rules, &state, Timestamp(at)))
            .map(|t| t.ms())
    }
}

/// A daytime instant (07:30–19:30 Shanghai) on the day of `t`.
fn daytime(rng: &mut Rng, t: i64) -> i64 {
    let local_day = (t + SHANGHAI).div_euclid(DAY) * DAY - SHANGHAI;
    local_day + 7 * HOUR + 30 * MIN + rng.between(0, 12 * HOUR)
}

/// A location inside `cell` (its centroid, nudged by up to ~20 m while it stays inside).
fn location_in(
    rng: &mut Rng,
    cell: &gridcase_core::grid::Cell,
    source: LocationSource,
) -> Location {
    let c = cell
        .polygon
        .centroid()
        .unwrap_or_else(|| Point::new(103.83, 36.06));
    let nudged = Point::new(
        c.x() + (rng.below(400) as f64 - 200.0) * 1e-6,
        c.y() + (rng.below(400) as f64 - 200.0) * 1e-6,
    );
    let p = if cell.polygon.contains(&nudged) {
        nudged
    } else {
        c
    };
    let accuracy = if source == LocationSource::Gps {
        Some(3.0 + rng.below(8) as f64)
    } else {
        None
    };
    Location::new(p.x(), p.y(), accuracy, source)
        .unwrap_or_else(|_| Location::new(103.83, 36.06, None, source).expect("a valid point"))
}

/// Plans one case reported at `t0`.
fn plan_case(
    rng: &mut Rng,
    demo: &DemoTenant,
    rules: &TenantRules,
    p: &People,
    t0: i64,
) -> Option<Plan> {
    let catalog = &rules.catalog;
    // Channel.
    let roll = rng.below(100);
    let channel = match roll {
        0..60 => SourceChannel::InspectorPatrol,
        60..74 => SourceChannel::PublicHotline,
        74..81 => SourceChannel::PublicApp,
        81..86 => SourceChannel::PublicOpen311,
        86..94 => SourceChannel::VideoAnalytics,
        _ => SourceChannel::Superior,
    };
    // Where and who patrols it.
    let (inspector, cell) = {
        let (a, cells) = rng.pick(&p.inspectors);
        (*a, *rng.pick(cells))
    };
    let cell_rec = demo.cells.iter().find(|c| c.code == cell)?;
    // What.
    let (kind, codes) = if rng.chance(55) {
        (CategoryKind::Component, COMPONENTS)
    } else {
        (CategoryKind::Matter, MATTERS)
    };
    let valid: Vec<CategoryRef> = codes
        .iter()
        .filter_map(|c| {
            let r = CategoryRef {
                kind,
                code: gridcase_core::codes::CategoryCode::parse(c).ok()?,
            };
            catalog.get(&r).map(|_| r)
        })
        .collect();
    if valid.is_empty() {
        return None;
    }
    let category = rng.pick(&valid).clone();
    let department_code = demo
        .responsibility
        .find(kind, &category.code, &cell)
        .map(|r| r.department.clone());
    let (department, dept_actor) = department_code
        .and_then(|code| p.departments.get(&code).copied())
        .unwrap_or_else(|| {
            let all: Vec<_> = p.departments.values().copied().collect();
            *rng.pick(&all)
        });
    let urgency = if rng.chance(8) {
        Urgency::Urgent
    } else {
        Urgency::Normal
    };
    let limit: Option<TimeLimit> = catalog.get(&category).and_then(|c| c.limit(urgency));
    let intake = *rng.pick(&p.intake);
    let shift = *rng.pick(&p.shift);
    let disp = *rng.pick(&p.dispatchers);
    let leader = *rng.pick(&p.leaders);

    let source = match channel {
        SourceChannel::InspectorPatrol => LocationSource::Gps,
        _ => LocationSource::Manual,
    };
    let report = ReportPayload {
        source: channel,
        category: category.clone(),
        location: location_in(rng, cell_rec, source),
        cell: Some(cell),
        component: None,
        address: format!("{}{}", cell_rec.street, cell_rec.community),
        description: (*rng.pick(DESCRIPTIONS)).to_owned(),
        urgency,
        photos: Vec::new(),
        reporter: None,
        external_id: None,
        external_deadline: None,
        verification_waived: None,
    };
    let mut plan = Plan { steps: Vec::new() };
    let reporter = match channel {
        SourceChannel::InspectorPatrol => inspector,
        _ => intake,
    };
    let mut t = t0;

    // 自行处置: a patrol report that arrives already fixed.
    if channel == SourceChannel::InspectorPatrol && rng.chance(4) {
        plan.push(
            inspector,
            t,
            EventKind::SelfHandle {
                report,
                after: Vec::new(),
                note: "已现场处理".into(),
            },
        );
        t += rng.between(20 * MIN, 3 * HOUR);
        plan.push(shift, t, EventKind::ApproveSelfHandle);
        return Some(plan);
    }
    plan.push(reporter, t, EventKind::Report(report));
    t += rng.between(5 * MIN, 50 * MIN);
    if channel.needs_verification() {
        plan.push(
            intake,
            t,
            EventKind::RequestVerification {
                assignee: inspector.user,
            },
        );
        t += rng.between(30 * MIN, 4 * HOUR);
        plan.push(
            inspector,
            t,
            EventKind::Verify {
                confirmed: true,
                photos: Vec::new(),
                location: None,
                cell: None,
                category: None,
                note: "现场核实属实".into(),
            },
        );
    } else {
        plan.push(intake, t, EventKind::Accept);
    }
    t += rng.between(10 * MIN, 90 * MIN);
    // 不予立案 / 作废.
    if rng.chance(6) {
        plan.push(
            shift,
            t,
            EventKind::Reject {
                reason: "不属于城管受理范围".into(),
            },
        );
        return Some(plan);
    }
    if rng.chance(2) {
        plan.push(
            shift,
            t,
            EventKind::Void {
                reason: "重复上报，已作废".into(),
            },
        );
        return Some(plan);
    }
    plan.push(
        shift,
        t,
        EventKind::File {
            note: String::new(),
            condition: None,
        },
    );
    t += rng.between(10 * MIN, 2 * HOUR);
    let basis = limit.map(|_| LimitBasis::Category {
        rules_version: None,
    });
    plan.push(
        disp,
        t,
        EventKind::Dispatch {
            department,
            limit,
            basis,
        },
    );
    let late = rng.chance(14);
    let children = p.children.get(&department).map_or(&[][..], Vec::as_slice);
    let sub = !children.is_empty() && rng.chance(SUB_DISPATCH_SHARE);
    // 签收: most departments acknowledge the dispatch soon after it arrives (always before a 下派).
    if sub || rng.chance(80) {
        t += rng.between(5 * MIN, 60 * MIN);
        plan.push(
            dept_actor,
            t,
            EventKind::SignFor {
                note: "已签收，安排处置".into(),
            },
        );
    }
    // 挂账, resumed three to ten days later.
    if rng.chance(3) {
        t += rng.between(2 * HOUR, DAY);
        plan.push(
            dept_actor,
            t,
            EventKind::RequestPark {
                reason: "需协调产权单位，暂无法处置".into(),
                expected: None,
            },
        );
        t += rng.between(20 * MIN, 3 * HOUR);
        plan.push(disp, t, EventKind::ApprovePark);
        t += rng.between(3 * DAY, 10 * DAY);
        plan.push(disp, t, EventKind::Resume);
    }
    // 延期 granted.
    if rng.chance(5)
        && let Some(l) = limit
    {
        t += rng.between(HOUR, 6 * HOUR);
        plan.push(
            dept_actor,
            t,
            EventKind::RequestExtension {
                requested: l,
                reason: "材料采购中".into(),
            },
        );
        t += rng.between(20 * MIN, 3 * HOUR);
        plan.push(disp, t, EventKind::ApproveExtension { granted: l });
    }
    // 下派 to a child unit, due by the department's own deadline; the unit signs for it and
    // reports back before then. Not when that deadline is less than two hours away.
    let mut sub_reported = None;
    if sub {
        let at = t + rng.between(10 * MIN, 2 * HOUR);
        let (unit, unit_actor) = *rng.pick(children);
        let due = plan
            .handling_due(rules, at)
            .unwrap_or(at + DAY)
            .div_euclid(MIN)
            * MIN;
        if due - at >= 2 * HOUR {
            plan.push(
                dept_actor,
                at,
                EventKind::SubDispatch {
                    unit,
                    due: Timestamp(due),
                    note: (*rng.pick(SUB_NOTES)).to_owned(),
                },
            );
            let signed = at + rng.between(5 * MIN, 45 * MIN);
            plan.push(
                unit_actor,
                signed,
                EventKind::SignFor {
                    note: "收到，马上安排人员".into(),
                },
            );
            let room = (due - MIN - signed).min(10 * HOUR);
            let reported = signed + rng.between(20 * MIN, room);
            plan.push(
                unit_actor,
                reported,
                EventKind::SubFeedback {
                    result: (*rng.pick(SUB_RESULTS)).to_owned(),
                    photos: Vec::new(),
                },
            );
            sub_reported = Some(reported);
        }
    }
    let mut handling = if late {
        rng.between(6 * DAY, 14 * DAY)
    } else {
        rng.between(HOUR, 20 * HOUR)
    };
    // After a 下级反馈 the department checks it and reports to the centre.
    if let Some(reported) = sub_reported {
        handling = handling.max(reported + rng.between(10 * MIN, 2 * HOUR) - t);
    }
    // 督办 on a late case, by the leader, halfway.
    if late && rng.chance(45) {
        plan.push(
            leader,
            t + handling / 2,
            EventKind::Escalate {
                level: 1,
                reason: "超期未处置，请加快办理".into(),
                department: None,
                role: None,
                reply_by: None,
            },
        );
    }
    if rng.chance(5) {
        plan.push(
            dept_actor,
            t + handling / 3,
            EventKind::Comment {
                text: "已安排班组前往现场".into(),
            },
        );
    }
    t += handling;
    let rework = rng.chance(8);
    let rounds = if rework { 2 } else { 1 };
    for round in 0..rounds {
        plan.push(
            dept_actor,
            t,
            EventKind::Feedback {
                result: if round == 0 {
                    "已处置完毕".into()
                } else {
                    "已返工处置完毕".into()
                },
                photos: Vec::new(),
            },
        );
        t += rng.between(10 * MIN, 90 * MIN);
        plan.push(
            intake,
            t,
            EventKind::RequestCheck {
                assignee: inspector.user,
            },
        );
        t += rng.between(40 * MIN, 6 * HOUR);
        let passed = round + 1 == rounds;
        plan.push(
            inspector,
            t,
            EventKind::Check {
                passed,
                photos: Vec::new(),
                note: if passed {
                    "现场核查已处置".into()
                } else {
                    "未处置到位，需返工".into()
                },
            },
        );
        t += if passed {
            rng.between(10 * MIN, 2 * HOUR)
        } else {
            rng.between(4 * HOUR, 30 * HOUR)
        };
    }
    plan.push(
        shift,
        t,
        EventKind::Close {
            note: String::new(),
        },
    );
    if channel.needs_verification() && rng.chance(30) {
        t += rng.between(HOUR, 2 * DAY);
        plan.push(
            intake,
            t,
            EventKind::Callback {
                satisfied: rng.chance(90),
                note: "回访群众".into(),
            },
        );
    }
    Some(plan)
}

/// The case's events: the plan's steps up to `now`, stamped in order.
fn events_of(rng: &mut Rng, plan: Plan, now: i64) -> Vec<Event> {
    let mut out = Vec::with_capacity(plan.steps.len());
    let mut last = i64::MIN;
    for (who, at, kind) in plan.steps {
        // Keep the steps strictly ordered (a 督办 placed earlier than the previous step moves).
        let at = at.max(last + 1_000);
        if at > now {
            break;
        }
        last = at;
        out.push(Event {
            id: EventId::from_parts(at as u64, rng.bytes10()),
            hlc: Hlc {
                ms: at,
                counter: 0,
                node: Hlc::node_of(&who.device),
            },
            actor: who,
            received_at: None,
            kind,
        });
    }
    out
}

/// Writes `days` days of history before `now` into `tenant` (imported from the demo generator
/// with `seed`). Does nothing and returns an empty report when the tenant already has cases.
pub fn generate(
    dep: &Deployment,
    tenant: &str,
    seed: u64,
    days: u32,
    now: Timestamp,
) -> Result<TrainingReport> {
    let existing = dep.db().read(|tx| cases::count_in(tx, tenant))?;
    if existing > 0 || days == 0 {
        return Ok(TrainingReport::default());
    }
    let county = CountyCode::parse(tenant)
        .map_err(|e| ServerError::api(ErrorCode::BadRequest, format!("租户编码 {tenant}：{e}")))?;
    let demo = DemoTenant::generate(seed);
    let rules = dep.rules(tenant)?;
    let mut rng = Rng(SplitMix64::new(seed ^ 0x7472_6169_6e69_6e67));
    let p = people(dep, tenant, &rules, &mut rng)?;
    let now_ms = now.ms();
    let start = now_ms - i64::from(days) * DAY;
    let mut report = TrainingReport::default();
    let mut docs: Vec<(CaseDoc, Option<i64>)> = Vec::new();
    for day in 0..i64::from(days) {
        let base = start + day * DAY;
        // Fewer reports at weekends (patrols are thinner), about 27 on a working day.
        let weekday = ((base + SHANGHAI).div_euclid(DAY) + 4) % 7; // 0 = Sunday
        let n = if weekday == 0 || weekday == 6 { 14 } else { 27 } + rng.below(6) as usize;
        for _ in 0..n {
            let t0 = daytime(&mut rng, base);
            if t0 >= now_ms - 10 * MIN {
                continue;
            }
            let Some(mut plan) = plan_case(&mut rng, &demo, &rules, &p, t0) else {
                continue;
            };
            // The backlog: most of the last three days' cases, and a few older ones (overdue),
            // wait at some step of their lifecycle.
            let stall = if t0 > now_ms - 3 * DAY { 55 } else { 2 };
            if plan.steps.len() > 1 && rng.chance(stall) {
                let keep = 1 + rng.below(plan.steps.len() as u64 - 1) as usize;
                plan.steps.truncate(keep);
            }
            let events = events_of(&mut rng, plan, now_ms - MIN);
            if events.is_empty() {
                continue;
            }
            let id = CaseId::from_parts(events[0].hlc.ms as u64, rng.bytes10());
            let mut doc = CaseDoc::create(
                id,
                county,
                ActorId::from(rng.bytes10().to_vec()),
                &events[0],
            )?;
            for e in &events[1..] {
                doc.set_actor(ActorId::from(rng.bytes10().to_vec()));
                doc.append(e)?;
            }
            let state = fold(&events);
            if !state.conflicts.is_empty() {
                return Err(ServerError::Internal(format!(
                    "training history: a generated case folds with conflicts: {:?}",
                    state.conflicts
                )));
            }
            *report
                .by_status
                .entry(state.status.as_str().to_owned())
                .or_default() += 1;
            if let Some(r) = &state.report {
                *report
                    .by_channel
                    .entry(format!("{:?}", r.source))
                    .or_default() += 1;
            }
            report.reworked += usize::from(state.rework_count > 0);
            report.escalated += usize::from(!state.escalations.is_empty());
            report.signed_for +=
                usize::from(state.dispatches.last().is_some_and(|d| d.signed.is_some()));
            report.sub_dispatched += usize::from(!state.sub_tasks.is_empty());
            docs.push((doc, state.filed_at.map(|t| t.ms())));
        }
    }
    report.cases = docs.len();
    for chunk in docs.chunks_mut(500) {
        dep.db().write(|tx| {
            for (doc, filed) in chunk.iter_mut() {
                if let Some(filed) = *filed {
                    let at = Timestamp(filed + 1_000);
                    let number = numbering::allocate(tx, tenant, at)?;
                    merge::append_system_event(dep, doc, EventKind::AssignNumber { number }, at)?;
                }
                merge::store_case(tx, dep, doc, None, now)?;
            }
            Ok(())
        })?;
    }
    Ok(report)
}
