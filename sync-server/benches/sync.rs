//! Server throughput below HTTP: gating, merging, projecting and committing pushed cases
//! (`biz::sync::sync` on a real SQLite file, WAL + synchronous=FULL), and the idle feed.
//! `cargo bench -p gridcase-server --bench sync`; figures in docs/server.md.
#![allow(missing_docs)]

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use gridcase_core::codes::{CategoryCode, CategoryKind, CategoryRef, CountyCode, GridCode};
use gridcase_core::doc::CaseDoc;
use gridcase_core::model::{
    Actor, CaseId, EventId, Hlc, Location, LocationSource, Role, SourceChannel, Urgency,
};
use gridcase_core::protocol::{DocPush, Login, SyncRequest};
use gridcase_core::workflow::{Event, EventKind, ReportPayload};
use gridcase_server::biz::{Caller, admin, auth, feed, sync};
use gridcase_server::{Config, Deployment};
use std::sync::atomic::{AtomicU64, Ordering};

const CELL: &str = "620102001001001";
static COUNTER: AtomicU64 = AtomicU64::new(1);

fn unique() -> [u8; 10] {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut r = [0u8; 10];
    r[..8].copy_from_slice(&n.to_be_bytes());
    r
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn event(actor: Actor, kind: EventKind) -> Event {
    let ms = now_ms();
    Event {
        id: EventId::from_parts(ms as u64, unique()),
        hlc: Hlc {
            ms,
            counter: 0,
            node: Hlc::node_of(&actor.device),
        },
        actor,
        received_at: None,
        kind,
    }
}

fn report(actor: Actor) -> Event {
    event(
        actor,
        EventKind::Report(ReportPayload {
            source: SourceChannel::InspectorPatrol,
            category: CategoryRef {
                kind: CategoryKind::Component,
                code: CategoryCode::parse("01001").expect("code"),
            },
            location: Location::new(103.83, 36.06, Some(4.0), LocationSource::Gps).expect("loc"),
            cell: Some(GridCode::parse(CELL).expect("cell")),
            component: None,
            address: "城关区张掖路步行街 88 号".into(),
            description: "井盖破损，存在安全隐患，需尽快更换。".into(),
            urgency: Urgency::Normal,
            photos: vec![],
            reporter: None,
            external_id: None,
            external_deadline: None,
            verification_waived: None,
        }),
    )
}

struct Setup {
    dep: Deployment,
    caller: Caller,
    _dir: tempfile::TempDir,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = Config::with_data_dir(dir.path().join("data"));
    config.jobs.enabled = false;
    let dep = Deployment::open(config).expect("open");
    admin::create_tenant(&dep, "620102", "城关区").expect("tenant");
    admin::create_user(
        &dep,
        &admin::UserSpec {
            tenant: "620102".into(),
            username: "insp".into(),
            display_name: "巡查员".into(),
            role: Role::Inspector,
            department: None,
            cells: vec![CELL.into()],
            password: "Bench-password-1".into(),
        },
    )
    .expect("user");
    let reply = auth::login(
        &dep,
        &Login {
            tenant: "620102".into(),
            username: "insp".into(),
            password: "Bench-password-1".into(),
            install_id: "bench".into(),
            device_name: "bench".into(),
        },
        &auth::Source::default(),
    )
    .expect("login");
    let caller = auth::authenticate(&dep, &reply.token).expect("caller");
    Setup {
        dep,
        caller,
        _dir: dir,
    }
}

fn new_case(s: &Setup) -> (DocPush, CaseDoc) {
    let actor = s.caller.actor();
    let id = CaseId::from_parts(now_ms() as u64, unique());
    let mut doc = CaseDoc::create(
        id,
        CountyCode::parse("620102").expect("county"),
        s.caller.actor_id.clone(),
        &report(actor),
    )
    .expect("create");
    let push = DocPush {
        case_id: id,
        known: vec![],
        have: vec![],
        changes: doc.save(),
    };
    (push, doc)
}

fn benches(c: &mut Criterion) {
    let s = setup();
    let mut group = c.benchmark_group("server");
    group.sample_size(20);
    group.bench_function("sync_100_new_cases_one_request", |b| {
        b.iter_batched(
            || SyncRequest {
                docs: (0..100).map(|_| new_case(&s).0).collect(),
            },
            |req| sync::sync(&s.dep, &s.caller, &req).expect("sync"),
            BatchSize::LargeInput,
        )
    });
    group.bench_function("sync_1_new_case", |b| {
        b.iter_batched(
            || SyncRequest {
                docs: vec![new_case(&s).0],
            },
            |req| sync::sync(&s.dep, &s.caller, &req).expect("sync"),
            BatchSize::SmallInput,
        )
    });
    // 200 existing cases, commented on in turn (a few comments each, as in real use).
    let mut held: Vec<CaseDoc> = Vec::new();
    for _ in 0..200 {
        let (push, doc) = new_case(&s);
        sync::sync(&s.dep, &s.caller, &SyncRequest { docs: vec![push] }).expect("seed");
        held.push(doc);
    }
    let mut turn = 0usize;
    group.bench_function("sync_comment_on_existing_case", |b| {
        b.iter_batched(
            || {
                turn = (turn + 1) % held.len();
                let doc = &mut held[turn];
                let before = doc.heads();
                doc.set_actor(s.caller.actor_id.clone());
                doc.append(&event(
                    s.caller.actor(),
                    EventKind::Comment {
                        text: "备注".into(),
                    },
                ))
                .expect("append");
                let changes = doc.save_after(&before);
                let have = doc
                    .heads()
                    .iter()
                    .map(|h| serde_bytes::ByteBuf::from(h.0.to_vec()))
                    .collect();
                SyncRequest {
                    docs: vec![DocPush {
                        case_id: doc.case_id(),
                        known: vec![],
                        have,
                        changes,
                    }],
                }
            },
            |req| sync::sync(&s.dep, &s.caller, &req).expect("sync"),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("sync_50_comments_one_request", |b| {
        b.iter_batched(
            || {
                let docs = (0..50)
                    .map(|_| {
                        turn = (turn + 1) % held.len();
                        let doc = &mut held[turn];
                        let before = doc.heads();
                        doc.set_actor(s.caller.actor_id.clone());
                        let ev = event(
                            s.caller.actor(),
                            EventKind::Comment {
                                text: "备注".into(),
                            },
                        );
                        doc.append(&ev).expect("append");
                        let have = doc
                            .heads()
                            .iter()
                            .map(|h| serde_bytes::ByteBuf::from(h.0.to_vec()))
                            .collect();
                        DocPush {
                            case_id: doc.case_id(),
                            known: vec![],
                            have,
                            changes: doc.save_after(&before),
                        }
                    })
                    .collect();
                SyncRequest { docs }
            },
            |req| sync::sync(&s.dep, &s.caller, &req).expect("sync"),
            BatchSize::SmallInput,
        )
    });
    let mut cursor = 0;
    loop {
        let page = feed::page(&s.dep, &s.caller, cursor, None).expect("feed");
        cursor = page.cursor;
        if !page.more {
            break;
        }
    }
    group.bench_function("feed_idle_page", |b| {
        b.iter(|| feed::page(&s.dep, &s.caller, cursor, None).expect("feed"))
    });
    group.bench_function("read_transaction_noop", |b| {
        b.iter(|| s.dep.db().read(|_| Ok(())).expect("read"))
    });
    group.finish();
}

criterion_group!(server, benches);
criterion_main!(server);
