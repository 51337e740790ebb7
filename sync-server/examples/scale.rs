//! At-scale benchmark (issue 12 item 7; figures in docs/performance.md, "At scale").
//!
//! `cargo run --release -p gridcase-server --example scale -- DATA_DIR [CASES] [RUNNING] [OLD]`
//!
//! Generates into a real server database (`DATA_DIR/gridcase.sqlite`, created when empty) with
//! the server's own write path (`merge::store_case`: document, queue row, scope, per-case index
//! in one transaction per 2,000 cases):
//! - tenant 620102 with CASES realistic cases over the 365 days before now (85 % closed with
//!   ten events — report, accept, file, dispatch, feedback, request_check, check, close and two
//!   comments —, 10 % rejected with four, 5 % still running with two to seven events, started
//!   in the last 14 days), from 30 inspectors over 300 cells, 5 departments;
//! - tenant 620103 with RUNNING running cases (report, accept, file, dispatch: the handling
//!   clock runs), started over the last 24 hours.
//!
//! Then measures, printing one line per figure: (a) every table of November 2026 with the
//! indexed evaluation, cold cache (once) and warm (median of 3), and — when OLD > 0 — the full fold
//! of the whole tenant (today's `fold_in`) once; (b) the lights pass over 620103: the first
//! (full) pass that fills the index, then passes at now, now + 1 min, + 1 h, + 3 h and + 1 day
//! (time and cases touched).
//!
//! With `SCALE_GENERATE_ONLY` set in the environment it stops after generating (and printing
//! the database size), for tools that measure other things over the same data.

use automerge::ActorId;
use gridcase_core::codes::{CategoryCode, CategoryKind, CategoryRef, CountyCode, GridCode};
use gridcase_core::doc::CaseDoc;
use gridcase_core::evaluation::{Level, Period};
use gridcase_core::model::{
    Actor, CaseId, DepartmentId, DeviceId, EventId, Hlc, Location, LocationSource, Role,
    SourceChannel, Timestamp, Urgency, UserId,
};
use gridcase_core::workflow::{Event, EventKind, ReportPayload};
use gridcase_server::biz::admin::{self, UserSpec};
use gridcase_server::biz::{case_index, evaluation, jobs, merge};
use gridcase_server::{Config, Deployment};
use std::time::Instant;

const A: &str = "620102";
const B: &str = "620103";
const DAY: i64 = 86_400_000;
const MIN: i64 = 60_000;

/// splitmix64: a small deterministic generator.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn bytes10(&mut self) -> [u8; 10] {
        let a = self.next().to_le_bytes();
        let b = self.next().to_le_bytes();
        [a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], b[0], b[1]]
    }
}

#[derive(Clone)]
struct People {
    inspectors: Vec<(Actor, String)>,
    intake: Vec<Actor>,
    shift: Vec<Actor>,
    dispatchers: Vec<Actor>,
    departments: Vec<(DepartmentId, Actor)>,
}

fn actor(user: UserId, role: Role, org: Option<DepartmentId>, rng: &mut Rng) -> Actor {
    Actor {
        user,
        device: DeviceId::from_parts(1_700_000_000_000, rng.bytes10()),
        role,
        org,
    }
}

fn setup(dep: &Deployment, tenant: &str, name: &str, street: u32) -> People {
    let mut rng = Rng(u64::from(street));
    admin::create_tenant(dep, tenant, name).expect("tenant");
    let user = |username: String, role: Role, department: Option<String>, cells: Vec<String>| {
        admin::create_user(
            dep,
            &UserSpec {
                tenant: tenant.to_owned(),
                username: username.clone(),
                display_name: format!("用户{username}"),
                role,
                department,
                cells,
                password: "巡查2026-bench".to_owned(),
            },
        )
        .expect("user")
    };
    let mut cells = Vec::new();
    dep.db()
        .write(|tx| {
            for i in 0..300u32 {
                let code = format!(
                    "{tenant}{:03}{:03}{:03}",
                    1 + i / 100,
                    1 + (i / 20) % 5,
                    1 + i % 20
                );
                let names = format!("第{}街道 第{}社区", 1 + i / 100, 1 + (i / 20) % 5);
                gridcase_server::db::tenants::upsert_cell(tx, tenant, &code, &names)?;
                cells.push(code);
            }
            Ok(())
        })
        .expect("cells");
    let mut people = People {
        inspectors: Vec::new(),
        intake: Vec::new(),
        shift: Vec::new(),
        dispatchers: Vec::new(),
        departments: Vec::new(),
    };
    for i in 0..30 {
        let mine: Vec<String> = cells[i * 10..i * 10 + 10].to_vec();
        let id = user(format!("insp{i}"), Role::Inspector, None, mine.clone());
        for c in mine {
            people
                .inspectors
                .push((actor(id, Role::Inspector, None, &mut rng), c));
        }
    }
    for i in 0..4 {
        let id = user(format!("intake{i}"), Role::IntakeOperator, None, vec![]);
        people
            .intake
            .push(actor(id, Role::IntakeOperator, None, &mut rng));
    }
    for i in 0..2 {
        let id = user(format!("shift{i}"), Role::ShiftLeader, None, vec![]);
        people
            .shift
            .push(actor(id, Role::ShiftLeader, None, &mut rng));
    }
    for i in 0..4 {
        let id = user(format!("disp{i}"), Role::Dispatcher, None, vec![]);
        people
            .dispatchers
            .push(actor(id, Role::Dispatcher, None, &mut rng));
    }
    for i in 0..5 {
        let code = format!("d{i}");
        let d = admin::create_department(dep, tenant, &format!("部门{i}"), Some(&code))
            .expect("department");
        let id = user(format!("dept{i}"), Role::Department, Some(code), vec![]);
        people
            .departments
            .push((d, actor(id, Role::Department, Some(d), &mut rng)));
    }
    user("leader".into(), Role::Leader, None, vec![]);
    people
}

fn event(rng: &mut Rng, actor: &Actor, ms: i64, kind: EventKind) -> Event {
    Event {
        id: EventId::from_parts(ms as u64, rng.bytes10()),
        hlc: Hlc {
            ms,
            counter: 0,
            node: Hlc::node_of(&actor.device),
        },
        actor: *actor,
        received_at: None,
        kind,
    }
}

fn pick<'a, T>(rng: &mut Rng, v: &'a [T]) -> &'a T {
    &v[rng.below(v.len() as u64) as usize]
}

/// One case's events: `steps` of the closed lifecycle (10 = closed), or rejected.
fn case_events(rng: &mut Rng, p: &People, start: i64, steps: usize, rejected: bool) -> Vec<Event> {
    let (insp, cell) = pick(rng, &p.inspectors).clone();
    let (dept, dept_actor) = *pick(rng, &p.departments);
    let intake = *pick(rng, &p.intake);
    let shift = *pick(rng, &p.shift);
    let disp = *pick(rng, &p.dispatchers);
    let report = ReportPayload {
        source: SourceChannel::InspectorPatrol,
        category: CategoryRef {
            kind: CategoryKind::Component,
            code: CategoryCode::parse("01001").expect("code"),
        },
        location: Location::new(103.8343, 36.0611, Some(4.0), LocationSource::Gps).expect("loc"),
        cell: Some(GridCode::parse(&cell).expect("cell")),
        component: None,
        address: "城关区张掖路步行街 88 号".to_owned(),
        description: "井盖破损，存在安全隐患".to_owned(),
        urgency: if rng.below(10) == 0 {
            Urgency::Urgent
        } else {
            Urgency::Normal
        },
        photos: Vec::new(),
        reporter: None,
        external_id: None,
        external_deadline: None,
        verification_waived: None,
    };
    let comment = || EventKind::Comment {
        text: "已电话联系，现场核实中".into(),
    };
    let plan: Vec<(&Actor, EventKind)> = if rejected {
        vec![
            (&insp, EventKind::Report(report)),
            (&intake, EventKind::Accept),
            (&shift, comment()),
            (
                &shift,
                EventKind::Reject {
                    reason: "不属受理范围".into(),
                },
            ),
        ]
    } else {
        vec![
            (&insp, EventKind::Report(report)),
            (&intake, EventKind::Accept),
            (
                &shift,
                EventKind::File {
                    note: String::new(),
                    condition: None,
                },
            ),
            (
                &disp,
                EventKind::Dispatch {
                    department: dept,
                    limit: None,
                    basis: None,
                },
            ),
            (&dept_actor, comment()),
            (
                &dept_actor,
                EventKind::Feedback {
                    result: "已修复".into(),
                    photos: Vec::new(),
                },
            ),
            (
                &intake,
                EventKind::RequestCheck {
                    assignee: insp.user,
                },
            ),
            (&insp, comment()),
            (
                &insp,
                EventKind::Check {
                    passed: true,
                    photos: Vec::new(),
                    note: String::new(),
                },
            ),
            (
                &shift,
                EventKind::Close {
                    note: String::new(),
                },
            ),
        ]
    };
    let mut t = start;
    let mut out = Vec::new();
    for (a, kind) in plan.into_iter().take(steps) {
        out.push(event(rng, a, t, kind));
        t += 5 * MIN + rng.below(120) as i64 * MIN;
    }
    out
}

fn build_doc(tenant: &str, events: &[Event], rng: &mut Rng) -> CaseDoc {
    let id = CaseId::from_parts(events[0].hlc.ms as u64, rng.bytes10());
    let county = CountyCode::parse(tenant).expect("tenant");
    let actor_id = |rng: &mut Rng| ActorId::from(rng.bytes10().to_vec());
    let mut doc = CaseDoc::create(id, county, actor_id(rng), &events[0]).expect("create");
    for e in &events[1..] {
        doc.set_actor(actor_id(rng));
        doc.append(e).expect("append");
    }
    doc
}

/// Builds documents on two threads and stores them on this one, 2,000 per transaction.
fn generate(
    dep: &Deployment,
    tenant: &str,
    n: usize,
    make: impl Fn(&mut Rng) -> Vec<Event> + Sync,
) {
    let started = Instant::now();
    let (send, recv) = std::sync::mpsc::sync_channel::<CaseDoc>(4096);
    std::thread::scope(|s| {
        for w in 0..2u64 {
            let send = send.clone();
            let make = &make;
            s.spawn(move || {
                let mut rng = Rng(0xC0FFEE + w * 7919 + tenant.len() as u64);
                for _ in (w as usize..n).step_by(2) {
                    let events = make(&mut rng);
                    if send.send(build_doc(tenant, &events, &mut rng)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(send);
        let now = dep.now();
        let mut batch = Vec::with_capacity(2000);
        let mut done = 0usize;
        let flush = |batch: &mut Vec<CaseDoc>| {
            dep.db()
                .write(|tx| {
                    for doc in batch.iter_mut() {
                        merge::store_case(tx, dep, doc, None, now)?;
                    }
                    Ok(())
                })
                .expect("store");
            batch.clear();
        };
        for doc in recv {
            batch.push(doc);
            if batch.len() == 2000 {
                flush(&mut batch);
                done += 2000;
                if done.is_multiple_of(50_000) {
                    eprintln!(
                        "{tenant}: {done} cases, {:.0} s",
                        started.elapsed().as_secs_f64()
                    );
                }
            }
        }
        flush(&mut batch);
    });
    println!(
        "generate {tenant}: {n} cases in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

fn secs(i: Instant) -> f64 {
    i.elapsed().as_secs_f64()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = args.get(1).expect("DATA_DIR");
    let cases: usize = args.get(2).map_or(300_000, |s| s.parse().expect("CASES"));
    let running: usize = args.get(3).map_or(300_000, |s| s.parse().expect("RUNNING"));
    let old: usize = args.get(4).map_or(1, |s| s.parse().expect("OLD"));
    let mut config = Config::with_data_dir(dir);
    config.jobs.enabled = false;
    let dep = Deployment::open(config).expect("open");
    let now = dep.now().ms();

    let have: i64 = dep
        .db()
        .read(|tx| Ok(tx.query_row("SELECT count(*) FROM docs", (), |r| r.get(0))?))
        .expect("count");
    if have == 0 {
        let pa = setup(&dep, A, "城关区", 1);
        generate(&dep, A, cases, |rng| {
            let roll = rng.below(100);
            if roll < 85 {
                let start = now - 365 * DAY + rng.below(350 * DAY as u64) as i64;
                case_events(rng, &pa, start, 10, false)
            } else if roll < 95 {
                let start = now - 365 * DAY + rng.below(360 * DAY as u64) as i64;
                case_events(rng, &pa, start, 4, true)
            } else {
                let start = now - 14 * DAY + rng.below(14 * DAY as u64 - DAY as u64) as i64;
                let steps = 2 + rng.below(6) as usize;
                case_events(rng, &pa, start, steps, false)
            }
        });
        let pb = setup(&dep, B, "七里河区", 2);
        generate(&dep, B, running, |rng| {
            let start = now - DAY + rng.below(DAY as u64) as i64;
            case_events(rng, &pb, start, 4, false)
        });
    }
    let size = std::fs::metadata(std::path::Path::new(dir).join("gridcase.sqlite"))
        .map(|m| m.len())
        .unwrap_or(0);
    println!("database: {:.0} MB", size as f64 / 1e6);
    if std::env::var_os("SCALE_GENERATE_ONLY").is_some() {
        // Only the data, for another tool (e.g. the dashboard_figures example).
        return;
    }

    // (a) Evaluation of November 2026.
    let from = chrono::NaiveDate::from_ymd_opt(2026, 11, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(Timestamp::from_shanghai)
        .expect("from");
    let to = chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(Timestamp::from_shanghai)
        .expect("to");
    let period = Period { from, to };
    let t = Instant::now();
    case_index::ensure_spans(&dep, A).expect("index");
    println!(
        "ensure_spans {A} (already indexed by the writes): {:.3} s",
        secs(t)
    );
    let rules = dep.rules(A).expect("rules");
    let fold = |dep: &Deployment| {
        let mut skipped = Vec::new();
        dep.db()
            .read(|tx| {
                evaluation::fold_period_in(tx, A, &rules, period, dep.eval_cache(), &mut skipped)
            })
            .expect("fold")
    };
    for level in Level::ALL {
        let mut cold = Vec::new();
        let mut warm = Vec::new();
        dep.eval_cache().clear();
        let t = Instant::now();
        let f = fold(&dep);
        let r = f.report(level, period);
        cold.push(secs(t));
        let read = f.cases.len();
        std::hint::black_box(r);
        for _ in 0..3 {
            let t = Instant::now();
            let f = fold(&dep);
            let r = f.report(level, period);
            warm.push(secs(t));
            std::hint::black_box(r);
        }
        println!(
            "evaluate {:?}: cold {:.3} s (once), warm {:.3} s (median of 3; {read} cases read)",
            level,
            median(cold),
            median(warm)
        );
    }
    if old > 0 {
        let t = Instant::now();
        let mut skipped = Vec::new();
        let f = dep
            .db()
            .read(|tx| evaluation::fold_in(tx, A, &rules, period.to, &mut skipped))
            .expect("fold_in");
        let fold_s = secs(t);
        let r = f.report(Level::Street, period);
        println!(
            "full fold (fold_in, before this change) of {} cases: {:.1} s, + street table {:.3} s",
            f.cases.len(),
            fold_s,
            secs(t) - fold_s
        );
        std::hint::black_box(r);
    }

    // (b) The lights pass over tenant B's running cases.
    let running_b: i64 = dep
        .db()
        .read(|tx| {
            Ok(tx.query_row(
                "SELECT count(*) FROM cases WHERE tenant = ?1 AND status NOT IN
                 ('closed', 'rejected', 'voided', 'merged', 'parked', 'draft')",
                [B],
                |r| r.get(0),
            )?)
        })
        .expect("count");
    println!("running cases in {B}: {running_b}");
    // Tenant A's index is covered first (untimed); B's is reset so the first timed pass is the
    // full pass over its running cases, as the old job did every time.
    let t = Instant::now();
    let a = jobs::lights_and_escalation(&dep, Timestamp(now)).expect("lights");
    println!(
        "lights, untimed warm-up (covers both tenants): {:.3} s, touched {}",
        secs(t),
        a.touched
    );
    dep.db()
        .write(|tx| {
            tx.execute(
                "UPDATE case_index_state SET lights_rules = NULL WHERE tenant = ?1",
                [B],
            )?;
            Ok(())
        })
        .expect("reset");
    for (what, at) in [
        ("first pass (full, fills the index)", now),
        ("pass at now", now),
        ("pass at now + 1 min", now + MIN),
        ("pass at now + 1 h", now + 60 * MIN),
        ("pass at now + 1 h 1 min", now + 61 * MIN),
        // A run started in the lunch break or the evening sees no working time in the next
        // hour; these passes fall in working time whatever the hour of the run.
        ("pass at now + 3 h", now + 180 * MIN),
        ("pass at now + 3 h 1 min", now + 181 * MIN),
        ("pass at now + 1 day", now + DAY),
    ] {
        let t = Instant::now();
        let tally = jobs::lights_and_escalation(&dep, Timestamp(at)).expect("lights");
        println!(
            "lights {what}: {:.3} s, touched {}, changed {}, escalated {}",
            secs(t),
            tally.touched,
            tally.changed,
            tally.escalated
        );
    }
}
