//! `core::store` on real SQLite files in a temporary directory.
#![cfg(feature = "store")]

use crate::doc_support::*;
use gridcase_core::doc::CaseDoc;
use gridcase_core::model::{Hlc, PhotoRole, Role, Sha256};
use gridcase_core::store::{
    BlobSource, BlobState, COMPACT_AFTER_CHUNKS, CaseFilter, DeviceStore, MIGRATIONS, StoreError,
    SyncState,
};
use gridcase_core::workflow::EventKind;
use std::path::{Path, PathBuf};

fn open(dir: &Path) -> DeviceStore {
    let mut store = DeviceStore::open(dir.join("device.sqlite")).expect("open");
    store.set_actor_id(&actor_id(1)).expect("actor");
    store
}

fn create(store: &mut DeviceStore, case: u8) {
    let mut doc =
        CaseDoc::create(case_id(case), tenant(), actor_id(1), &report(case)).expect("doc");
    store.create_case(&mut doc).expect("create_case");
}

fn raw(dir: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(dir.join("device.sqlite")).expect("raw connection")
}

fn count(dir: &Path, sql: &str) -> i64 {
    raw(dir).query_row(sql, [], |r| r.get(0)).expect("count")
}

#[test]
fn reopen_after_drop_keeps_everything() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let mut store = open(dir.path());
        create(&mut store, 1);
        for e in lifecycle(1) {
            store.append_event(case_id(1), &e).expect("append");
        }
        store.set_sync_cursor("feed-42").expect("cursor");
        let bytes = b"jpeg bytes".to_vec();
        store
            .enqueue_blob(
                photo("before-1", PhotoRole::Before).sha256,
                BlobSource::Bytes(bytes),
                10,
            )
            .expect("blob");
    }
    let store = DeviceStore::open(dir.path().join("device.sqlite")).expect("reopen");
    let mut expected = vec![report(1)];
    expected.extend(lifecycle(1));
    assert_eq!(
        store
            .load_case(case_id(1))
            .expect("load")
            .events()
            .expect("events"),
        expected
    );
    assert_eq!(
        store.sync_cursor().expect("cursor").as_deref(),
        Some("feed-42")
    );
    assert_eq!(store.actor_id().expect("actor"), Some(actor_id(1)));
    assert_eq!(store.last_hlc().expect("hlc"), Some(lifecycle(1)[7].hlc));
    let row = store.case_row(case_id(1)).expect("row");
    assert_eq!(
        (row.status.as_str(), row.case_number.as_deref()),
        ("closed", Some("620102-20261127-00042"))
    );
    assert_eq!(row.department, Some(department().to_string()));
    assert_eq!(row.category.as_deref(), Some("component:01001"));
    assert_eq!(row.sync_state, SyncState::Local);
    let pending = store.pending_blobs(100).expect("pending");
    assert_eq!(pending.len(), 4, "2 before + after + check photos");
    assert_eq!(store.pending_blob_count().expect("count"), 4);
    let with_bytes = pending
        .iter()
        .find(|b| b.source.is_some())
        .expect("the enqueued one");
    assert_eq!(
        with_bytes.source,
        Some(BlobSource::Bytes(b"jpeg bytes".to_vec()))
    );
}

#[test]
fn compaction_keeps_the_events_and_bounds_the_chunks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = open(dir.path());
    create(&mut store, 1);
    let mut max_chunks = 0;
    for n in 1..=25 {
        store
            .append_event(case_id(1), &comment(1, n))
            .expect("append");
        max_chunks = max_chunks.max(store.chunk_count(case_id(1)).expect("count"));
    }
    assert_eq!(
        max_chunks, COMPACT_AFTER_CHUNKS,
        "chunks grow to the limit, then compact"
    );
    let before = store
        .load_case(case_id(1))
        .expect("load")
        .events()
        .expect("events");
    assert_eq!(before.len(), 26);
    let rows = count(dir.path(), "SELECT COUNT(*) FROM doc_chunks");
    assert_eq!(rows, 25 % (COMPACT_AFTER_CHUNKS + 1));
    store.compact(case_id(1)).expect("compact");
    assert_eq!(count(dir.path(), "SELECT COUNT(*) FROM doc_chunks"), 0);
    assert_eq!(store.chunk_count(case_id(1)).expect("count"), 0);
    assert_eq!(
        store
            .load_case(case_id(1))
            .expect("load")
            .events()
            .expect("events"),
        before
    );
    store
        .append_event(case_id(1), &comment(1, 26))
        .expect("append after compaction");
    assert_eq!(
        store
            .load_case(case_id(1))
            .expect("load")
            .events()
            .expect("events")
            .len(),
        27
    );
}

#[test]
fn migrations_are_idempotent_and_a_newer_database_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = open(dir.path());
    let version = MIGRATIONS.len() as i64;
    assert_eq!(store.migrate().expect("again"), version);
    assert_eq!(store.migrate().expect("and again"), version);
    drop(store);
    let store = DeviceStore::open(dir.path().join("device.sqlite")).expect("reopen");
    assert_eq!(store.schema_version().expect("version"), version);
    drop(store);
    raw(dir.path())
        .pragma_update(None, "user_version", version + 1)
        .expect("bump");
    let err = DeviceStore::open(dir.path().join("device.sqlite")).expect_err("newer");
    assert!(matches!(err, StoreError::NewerSchema { found, .. } if found == version + 1));
    assert_eq!(err.code(), "store_newer_schema");
}

#[test]
fn a_duplicate_event_rolls_back_and_leaves_no_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = open(dir.path());
    create(&mut store, 1);
    store
        .append_event(case_id(1), &comment(1, 1))
        .expect("append");
    let row = store.case_row(case_id(1)).expect("row");
    let err = store
        .append_event(case_id(1), &comment(1, 1))
        .expect_err("duplicate");
    assert_eq!(err.code(), "doc_duplicate_event");
    assert_eq!(count(dir.path(), "SELECT COUNT(*) FROM doc_chunks"), 1);
    assert_eq!(store.case_row(case_id(1)).expect("row"), row);
}

#[test]
fn a_failure_midway_leaves_no_partial_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = open(dir.path());
    create(&mut store, 1);
    let (row, hlc) = (
        store.case_row(case_id(1)).expect("row"),
        store.last_hlc().expect("hlc"),
    );
    // The chunk, heads and projection are written before the outbox row; make that one fail.
    raw(dir.path())
        .execute_batch(
            "CREATE TRIGGER no_blobs BEFORE INSERT ON blobs BEGIN SELECT RAISE(ABORT, 'disk full'); END;",
        )
        .expect("trigger");
    let feedback = lifecycle(1).remove(4);
    assert!(matches!(
        store.append_event(case_id(1), &feedback),
        Err(StoreError::Sqlite(_))
    ));
    assert_eq!(count(dir.path(), "SELECT COUNT(*) FROM doc_chunks"), 0);
    assert_eq!(store.chunk_count(case_id(1)).expect("count"), 0);
    assert_eq!(store.case_row(case_id(1)).expect("row"), row);
    assert_eq!(store.last_hlc().expect("hlc"), hlc);
    assert_eq!(
        store
            .load_case(case_id(1))
            .expect("load")
            .events()
            .expect("events")
            .len(),
        1
    );
    assert!(
        store
            .dirty_cases()
            .expect("dirty")
            .iter()
            .all(|d| d.case_id == case_id(1))
    );
}

#[test]
fn appending_needs_the_device_actor_and_an_existing_case() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = DeviceStore::open(dir.path().join("device.sqlite")).expect("open");
    create(&mut store, 1);
    let err = store
        .append_event(case_id(1), &comment(1, 1))
        .expect_err("no actor");
    assert_eq!(err.code(), "store_no_actor");
    store.set_actor_id(&actor_id(7)).expect("actor");
    let missing = store
        .append_event(case_id(2), &comment(2, 1))
        .expect_err("no case");
    assert_eq!(missing.code(), "store_not_found");
    let mut again = CaseDoc::create(case_id(1), tenant(), actor_id(1), &report(1)).expect("doc");
    assert_eq!(
        store.create_case(&mut again).expect_err("exists").code(),
        "store_case_exists"
    );
}

#[test]
fn list_filters_orders_and_tracks_sync_state() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = open(dir.path());
    for case in 1..=3 {
        create(&mut store, case);
    }
    store
        .append_event(case_id(2), &lifecycle(2)[0])
        .expect("accept");
    let all = store
        .list_cases(&CaseFilter::default(), 10, 0)
        .expect("list");
    assert_eq!(
        all.iter().map(|r| r.case_id).collect::<Vec<_>>(),
        vec![case_id(2), case_id(1), case_id(3)]
    );
    let dispatched = CaseFilter {
        status: Some("awaiting_filing".into()),
        ..CaseFilter::default()
    };
    assert_eq!(store.list_cases(&dispatched, 10, 0).expect("list").len(), 1);
    assert_eq!(
        store
            .list_cases(&CaseFilter::default(), 1, 1)
            .expect("page")[0]
            .case_id,
        case_id(1)
    );
    let dirty = store.dirty_cases().expect("dirty");
    assert_eq!(dirty.len(), 3);
    assert_eq!(store.dirty_case_count().expect("count"), 3);
    let two = dirty
        .iter()
        .find(|d| d.case_id == case_id(2))
        .expect("case 2");
    store
        .mark_synced(case_id(2), &two.local_heads)
        .expect("synced");
    assert_eq!(
        store.case_row(case_id(2)).expect("row").sync_state,
        SyncState::Synced
    );
    let only_dirty = CaseFilter {
        dirty_only: true,
        ..CaseFilter::default()
    };
    assert_eq!(store.list_cases(&only_dirty, 10, 0).expect("list").len(), 2);
    store
        .append_event(case_id(2), &comment(2, 9))
        .expect("local edit");
    assert_eq!(
        store.case_row(case_id(2)).expect("row").sync_state,
        SyncState::Pending
    );
}

#[test]
fn blob_outbox_resumes_and_finishes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = open(dir.path());
    let sha = Sha256::digest(b"photo");
    let path = PathBuf::from("/data/media/ab/cd.jpg");
    store
        .enqueue_blob(sha, BlobSource::Path(path.clone()), 5_000_000)
        .expect("enqueue");
    store.mark_blob_progress(sha, 1_048_576).expect("progress");
    store
        .mark_blob_progress(sha, 512)
        .expect("stale progress is ignored");
    store.mark_blob_failed(sha).expect("failed");
    let blob = store.blob(sha).expect("read").expect("present");
    assert_eq!(
        (blob.state, blob.bytes_sent, blob.attempts),
        (BlobState::Uploading, 1_048_576, 1)
    );
    assert_eq!(blob.source, Some(BlobSource::Path(path.clone())));
    store.mark_blob_uploaded(sha).expect("uploaded");
    assert!(store.pending_blobs(10).expect("pending").is_empty());
    assert_eq!(store.pending_blob_count().expect("count"), 0);
    store
        .enqueue_blob(sha, BlobSource::Path(path), 5_000_000)
        .expect("re-enqueue");
    assert_eq!(
        store.blob(sha).expect("read").expect("present").state,
        BlobState::Uploaded
    );
    let missing = Sha256::digest(b"nothing");
    assert_eq!(
        store
            .mark_blob_uploaded(missing)
            .expect_err("missing")
            .code(),
        "store_not_found"
    );
}

#[test]
fn merged_changes_and_imported_cases_are_persisted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = open(dir.path());
    create(&mut store, 1);
    let mut remote = store.load_case(case_id(1)).expect("load").fork();
    remote.set_actor(actor_id(9));
    let dispatch = event(
        1,
        3,
        Role::Dispatcher,
        EventKind::Dispatch {
            department: department(),
            limit: None,
            basis: None,
        },
    );
    remote.append(&dispatch).expect("remote append");
    assert!(store.save_merged(&mut remote).expect("save merged"));
    assert!(!store.save_merged(&mut remote).expect("nothing new"));
    // A dispatch on a case that is not filed yet is kept but flagged by the fold.
    let row = store.case_row(case_id(1)).expect("row");
    assert_eq!((row.status.as_str(), row.conflict_count), ("reported", 1));
    let mut other = CaseDoc::create(case_id(5), tenant(), actor_id(9), &report(5)).expect("doc");
    store.import_case(&mut other).expect("import");
    assert_eq!(
        store.case_row(case_id(5)).expect("row").sync_state,
        SyncState::Synced
    );
    assert!(
        store
            .dirty_cases()
            .expect("dirty")
            .iter()
            .all(|d| d.case_id != case_id(5))
    );
    assert!(
        store
            .pending_blobs(10)
            .expect("pending")
            .iter()
            .all(|b| b.case_id != Some(case_id(5)))
    );
    store
        .observe_hlc(Hlc {
            ms: 1,
            counter: 0,
            node: 0,
        })
        .expect("older stamp");
    assert_eq!(
        store.last_hlc().expect("hlc").map(|h| h.ms),
        Some(T0 + 3_000)
    );
}
