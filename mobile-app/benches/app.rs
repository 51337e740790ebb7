//! The app's hot paths on a device store with 10,000 cases (real SQLite file, real Automerge
//! documents, the demo tenant's reference data): showing the case list (the `list_cases`
//! command body: queue filter, sort, first page of 100, queue counts), building the case index
//! from the store at start (cold), and a report from tapping submit to durable on the device
//! (the `draft_submit` command body: validation, the case document, the outbox, one SQLite
//! transaction with `synchronous=FULL`). Figures go to docs/performance.md ("App").

use criterion::{Criterion, criterion_group, criterion_main};
use gridcase_app_lib::commands::{list, submit};
use gridcase_app_lib::dto::{CaseQuery, Draft, Position};
use gridcase_app_lib::index::CaseIndex;
use gridcase_app_lib::state::{Active, SavedSession};
use gridcase_core::codes::{CategoryCode, CategoryKind, CategoryRef, CountyCode};
use gridcase_core::demo::{DEFAULT_SEED, DemoTenant};
use gridcase_core::doc::CaseDoc;
use gridcase_core::model::{
    CaseId, DeviceId, EventId, Hlc, Location, LocationSource, Role, SourceChannel, Timestamp,
    Urgency, UserId,
};
use gridcase_core::protocol::ReferenceBundle;
use gridcase_core::sync::runtime::Session;
use gridcase_core::workflow::{Event, EventKind, ReportPayload};
use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Duration;

const CASES: usize = 10_000;
const PHOTO: &[u8] = include_bytes!("../../core/tests/fixtures/photos/with_gps.jpg");

fn bundle(demo: &DemoTenant, dir: &std::path::Path) -> ReferenceBundle {
    demo.write_to(dir).expect("demo files");
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).expect("demo file");
    let mut files = BTreeMap::new();
    for (kind, file) in [
        ("cells", "cells.geojson"),
        ("components", "components.geojson"),
        ("places", "places.geojson"),
        ("responsibility", "responsibility.csv"),
        ("calendar", "calendar.toml"),
        ("policy", "stage_limits.toml"),
    ] {
        files.insert(kind.to_owned(), read(file));
    }
    ReferenceBundle {
        tenant: "620102".into(),
        tenant_name: "兰州市城关区".into(),
        version: "bench".into(),
        files,
        departments: Vec::new(),
        users: Vec::new(),
        basemap: None,
    }
}

/// A device store of a shift leader holding `CASES` reported cases spread over the demo grid.
fn device() -> (tempfile::TempDir, Active) {
    let root = tempfile::tempdir().expect("tempdir");
    let demo = DemoTenant::generate(DEFAULT_SEED);
    let saved = SavedSession {
        server_url: "http://127.0.0.1:9".into(),
        username: "shift01".into(),
        display_name: "值班长".into(),
        session: Session {
            token: "bench".into(),
            device_id: DeviceId::from_parts(1, [1; 10]),
            actor_id: "00".repeat(16),
            user_id: UserId::from_parts(1, [2; 10]),
            role: Role::ShiftLeader,
            department: None,
            tenant: "620102".into(),
            cells: Vec::new(),
        },
    };
    let active = Active::open(root.path(), saved).expect("open");
    active
        .set_reference(bundle(&demo, &root.path().join("demo")))
        .expect("reference");
    let actor_id = automerge::ActorId::random();
    active
        .with_store(|s| s.set_actor_id(&actor_id))
        .expect("actor");
    let reporter = gridcase_core::model::Actor {
        user: UserId::from_parts(1, [3; 10]),
        device: DeviceId::from_parts(1, [4; 10]),
        role: Role::Inspector,
        org: None,
    };
    let tenant = CountyCode::parse("620102").expect("tenant");
    let start = 1_790_000_000_000i64;
    for i in 0..CASES {
        let cell = &demo.cells[(i * 7) % demo.cells.len()];
        let corner = cell
            .polygon
            .exterior()
            .coords()
            .next()
            .copied()
            .expect("corner");
        let payload = ReportPayload {
            source: SourceChannel::InspectorPatrol,
            category: CategoryRef {
                kind: CategoryKind::Component,
                code: CategoryCode::parse("01001").expect("code"),
            },
            location: Location::new(
                corner.x + 0.0002,
                corner.y - 0.0002,
                Some(5.0),
                LocationSource::Gps,
            )
            .expect("location"),
            cell: Some(cell.code),
            component: None,
            address: format!("{}{} {i} 号", cell.street, cell.community),
            description: format!("第 {i} 号测试案件：井盖破损"),
            urgency: if i % 5 == 0 {
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
        let ms = start + i as i64 * 60_000;
        let event = Event {
            id: EventId::from_parts(ms as u64, [5; 10]),
            hlc: Hlc {
                ms,
                counter: 0,
                node: 7,
            },
            actor: reporter,
            received_at: Some(Timestamp(ms)),
            kind: EventKind::Report(payload),
        };
        let mut doc = CaseDoc::create(
            CaseId::from_parts(ms as u64, [(i % 251) as u8; 10]),
            tenant,
            actor_id.clone(),
            &event,
        )
        .expect("doc");
        active
            .with_store(|s| s.create_case(&mut doc))
            .expect("create");
    }
    active.refresh_index().expect("index");
    (root, active)
}

fn draft(active: &Active) -> Draft {
    let staged = active.photos.stage_bytes("现场.jpg", PHOTO).expect("photo");
    let reference = active.reference().expect("reference");
    let placement = reference.locate(103.8343, 36.0611);
    Draft {
        kind: "report".into(),
        photos: vec![staged],
        after_photos: Vec::new(),
        position: Some(Position {
            lon: 103.8343,
            lat: 36.0611,
            accuracy_m: Some(5.0),
            source: "gps".into(),
        }),
        placement: Some(placement),
        category: reference.category("component:01001"),
        component_id: None,
        description: "井盖破损".into(),
        urgency: "normal".into(),
        caller: None,
        updated_at: 0,
        survey: None,
    }
}

fn app_benches(c: &mut Criterion) {
    let (_root, active) = device();
    let mut group = c.benchmark_group("app");
    group.sample_size(30);
    group.bench_function("list_cases/10k/all_first_page", |b| {
        let q = CaseQuery {
            queue: Some("all".into()),
            ..CaseQuery::default()
        };
        b.iter(|| black_box(list(&active, black_box(&q))))
    });
    group.bench_function("list_cases/10k/intake_text_filter", |b| {
        let q = CaseQuery {
            queue: Some("intake".into()),
            text: Some("第 99".into()),
            ..CaseQuery::default()
        };
        b.iter(|| black_box(list(&active, black_box(&q))))
    });
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.bench_function("index_cold_build/10k", |b| {
        b.iter(|| {
            let mut idx = CaseIndex::default();
            let reference = active.reference();
            active
                .with_store(|s| idx.refresh(s, reference.as_deref(), Timestamp(1_790_700_000_000)))
                .expect("refresh");
            black_box(idx.len())
        })
    });
    let d = draft(&active);
    group.sample_size(30);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("submit_to_durable", |b| {
        b.iter(|| {
            active.draft.save(&d).expect("draft");
            black_box(submit(&active).expect("submit"))
        })
    });
    group.finish();
}

#[allow(missing_docs)]
mod group {
    use super::*;
    criterion_group!(benches, app_benches);
}
use group::benches;
criterion_main!(benches);
