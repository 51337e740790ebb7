//! Benchmarks of case documents and the device store: create + save a case document, load it,
//! append one event in memory, and append one event to the store durably (WAL,
//! `synchronous=FULL`, a real file in a temporary directory). Figures go to docs/storage.md.
#![allow(missing_docs)] // `criterion_group!` generates an undocumented pub fn.

#[path = "../tests/it/doc_support.rs"]
mod doc_support;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use doc_support::*;
use gridcase_core::doc::CaseDoc;
use gridcase_core::model::{CaseId, EventId, Hlc, Role};
use gridcase_core::store::DeviceStore;
use gridcase_core::workflow::{Event, EventKind};
use std::hint::black_box;

/// A comment with a unique id and HLC for the `n`th append.
fn nth_comment(n: u64) -> Event {
    let mut e = event(
        1,
        1,
        Role::Inspector,
        EventKind::Comment {
            text: "已到现场，正在处理".into(),
        },
    );
    let mut random = [0u8; 10];
    random[2..].copy_from_slice(&n.to_be_bytes());
    e.id = EventId::from_parts(T0 as u64 + n, random);
    e.hlc = Hlc {
        ms: T0 + 10_000 + n as i64,
        ..e.hlc
    };
    e
}

fn lifecycle_bytes() -> Vec<u8> {
    let mut doc = CaseDoc::create(case_id(1), tenant(), actor_id(1), &report(1)).expect("create");
    for e in lifecycle(1) {
        doc.append(&e).expect("append");
    }
    doc.save()
}

fn doc_benches(c: &mut Criterion) {
    let report = report(1);
    c.bench_function("doc/create_and_save", |b| {
        b.iter(|| {
            let mut doc = CaseDoc::create(case_id(1), tenant(), actor_id(1), black_box(&report))
                .expect("create");
            black_box(doc.save())
        })
    });
    let bytes = lifecycle_bytes();
    c.bench_function("doc/load_lifecycle", |b| {
        b.iter(|| black_box(CaseDoc::load(black_box(&bytes)).expect("load")))
    });
    let mut n = 0u64;
    c.bench_function("doc/append_event_and_save_after", |b| {
        b.iter_batched(
            || CaseDoc::load(&bytes).expect("load"),
            |mut doc| {
                n += 1;
                let heads = doc.heads();
                doc.append(&nth_comment(n)).expect("append");
                black_box(doc.save_after(&heads))
            },
            BatchSize::SmallInput,
        )
    });
}

fn store_benches(c: &mut Criterion) {
    const CASES: u8 = 200;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = DeviceStore::open(dir.path().join("bench.sqlite")).expect("open");
    store.set_actor_id(&actor_id(1)).expect("actor");
    let mut created = 0u64;
    c.bench_function("store/create_case_durable", |b| {
        b.iter_batched(
            || {
                created += 1;
                let mut random = [0xcc; 10];
                random[2..].copy_from_slice(&created.to_be_bytes());
                (CaseId::from_parts(T0 as u64, random), report(1))
            },
            |(id, report)| {
                let mut doc = CaseDoc::create(id, tenant(), actor_id(1), &report).expect("create");
                store.create_case(&mut doc).expect("create_case");
            },
            BatchSize::SmallInput,
        )
    });
    for case in 1..=CASES {
        let mut doc =
            CaseDoc::create(case_id(case), tenant(), actor_id(1), &report(case)).expect("create");
        store.create_case(&mut doc).expect("create_case");
    }
    let mut n = 0u64;
    c.bench_function("store/append_event_durable", |b| {
        b.iter(|| {
            n += 1;
            let case = case_id((n % u64::from(CASES)) as u8 + 1);
            store
                .append_event(case, black_box(&nth_comment(n)))
                .expect("append");
        })
    });
}

criterion_group!(benches, doc_benches, store_benches);
criterion_main!(benches);
