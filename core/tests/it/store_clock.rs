//! The device's learned clock offset on real SQLite files (docs/security/clock.md): stamps from
//! `local clock + offset`, kept across a restart; a jump re-stamps every event the server has
//! not accepted (and only those); a refusal for `hlc_in_future` re-stamps once; a quarantined
//! report is sent again whole.
#![cfg(feature = "store")]

use crate::doc_support::*;
use gridcase_core::doc::CaseDoc;
use gridcase_core::model::{ClockSample, Role};
use gridcase_core::store::DeviceStore;
use gridcase_core::workflow::{Event, EventKind};
use std::path::Path;

const HOURS_3: i64 = 3 * 3_600_000;

fn open(dir: &Path) -> DeviceStore {
    let mut store = DeviceStore::open(dir.join("device.sqlite")).expect("open");
    store.set_actor_id(&actor_id(1)).expect("actor");
    store
}

/// `e` stamped `by` ms later (as a clock that far off would have).
fn shifted(mut e: Event, by: i64) -> Event {
    e.hlc.ms += by;
    e
}

/// A comment by the reporting inspector (same actor as `report`).
fn note(case: u8, n: u8, by: i64) -> Event {
    let mut e = event(
        case,
        n,
        Role::Inspector,
        EventKind::Comment {
            text: format!("补充 {n}"),
        },
    );
    e.actor = report(case).actor;
    e.hlc.node = report(case).hlc.node;
    shifted(e, by)
}

fn create(store: &mut DeviceStore, case: u8, report: &Event) {
    let mut doc = CaseDoc::create(case_id(case), tenant(), actor_id(1), report).expect("doc");
    store.create_case(&mut doc).expect("create_case");
}

fn events(store: &DeviceStore, case: u8) -> Vec<Event> {
    let mut events = store
        .load_case(case_id(case))
        .expect("load")
        .events()
        .expect("events");
    events.sort_by_key(|e| e.id);
    events
}

/// A sample of a device whose clock is `skew` ms off, at true time `at`.
fn sample(at: i64, skew: i64) -> ClockSample {
    ClockSample {
        sent_ms: at + skew - 50,
        received_ms: at + skew + 50,
        server_ms: at,
    }
}

#[test]
fn stamps_follow_the_learned_offset_and_survive_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = 42;
    {
        let mut store = open(dir.path());
        assert_eq!(store.clock_offset().expect("offset"), None);
        // The first answer: the tablet is 3 h fast.
        store.learn_clock(&sample(T0, HOURS_3)).expect("learn");
        let offset = store.clock_offset().expect("offset").expect("learned");
        assert_eq!(offset.offset_ms, -HOURS_3);
        let h = store.stamp(node, T0 + HOURS_3 + 2_000).expect("stamp");
        assert_eq!(h.ms, T0 + 2_000);
    }
    let mut store = open(dir.path());
    let offset = store.clock_offset().expect("offset").expect("kept");
    assert_eq!(offset.offset_ms, -HOURS_3);
    assert_eq!(store.corrected_now(T0 + HOURS_3).expect("now"), T0);
    let h = store.stamp(node, T0 + HOURS_3 + 5_000).expect("stamp");
    assert_eq!(h.ms, T0 + 5_000);
    // Stamps stay strictly increasing when the local clock stalls.
    let h2 = store.stamp(node, T0 + HOURS_3 + 5_000).expect("stamp");
    assert!(h2 > h);
}

#[test]
fn a_jump_restamps_exactly_the_events_the_server_has_not_accepted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = open(dir.path());
    // Case 1: acknowledged by the server at its report, then a comment made while the tablet
    // was 3 h fast.
    create(&mut store, 1, &report(1));
    let mut doc = store.load_case(case_id(1)).expect("load");
    let acked = doc.heads();
    store.mark_synced(case_id(1), &acked).expect("synced");
    store
        .append_event(case_id(1), &note(1, 5, HOURS_3))
        .expect("append");
    // Case 2: never synced, made 3 h fast (report and a comment).
    create(&mut store, 2, &shifted(report(2), HOURS_3));
    store
        .append_event(case_id(2), &note(2, 6, HOURS_3))
        .expect("append");
    assert_eq!(
        store.last_hlc().expect("hlc").map(|h| h.ms),
        Some(T0 + 6_000 + HOURS_3)
    );

    // The first answer: the device learns it is 3 h fast, at true time T0 + 60 s.
    let done = store
        .learn_clock(&sample(T0 + 60_000, HOURS_3))
        .expect("learn");
    assert_eq!(done.events, 3);
    let mut cases = done.cases.clone();
    cases.sort();
    assert_eq!(cases, vec![case_id(1), case_id(2)]);

    // Case 1: the accepted report is untouched (same change history), the comment moved back
    // by 3 h, to its true act time.
    let one = events(&store, 1);
    assert_eq!(one[0], report(1));
    assert_eq!(one[1].id, note(1, 5, 0).id);
    assert_eq!(one[1].hlc.ms, T0 + 5_000);
    let mut doc = store.load_case(case_id(1)).expect("load");
    let pushed = doc.save_after(&acked);
    let mut server = CaseDoc::load(&{
        let mut d = CaseDoc::create(case_id(1), tenant(), actor_id(1), &report(1)).expect("doc");
        d.save()
    })
    .expect("server copy");
    server
        .load_incremental(&pushed)
        .expect("the push applies on the server's copy");
    assert_eq!(server.events().expect("events").len(), 2);
    assert_eq!(store.server_heads(case_id(1)).expect("heads"), Some(acked));

    // Case 2: rebuilt whole, same ids, true times, still waiting to be sent.
    let two = events(&store, 2);
    assert_eq!(two.len(), 2);
    assert_eq!(two[0].id, report(2).id);
    assert_eq!(two[0].hlc.ms, T0);
    assert_eq!(two[1].hlc.ms, T0 + 6_000);
    assert_eq!(two[0].kind, report(2).kind);
    assert!(store.dirty_cases().expect("dirty").len() == 2);

    // The clock came back with them: the next stamp is at the corrected time, after all.
    let last = store.last_hlc().expect("hlc").expect("an hlc");
    assert_eq!(last.ms, T0 + 6_000);
    let next = store
        .stamp(report(2).hlc.node, T0 + HOURS_3 + 61_000)
        .expect("stamp");
    assert_eq!(next.ms, T0 + 61_000);

    // Small moves afterwards re-stamp nothing.
    let again = store
        .learn_clock(&sample(T0 + 70_000, HOURS_3 + 300))
        .expect("learn");
    assert_eq!(again.events, 0);
}

#[test]
fn a_slow_clock_is_corrected_forward() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = open(dir.path());
    create(&mut store, 3, &shifted(report(3), -HOURS_3));
    let done = store
        .learn_clock(&sample(T0 + 30_000, -HOURS_3))
        .expect("learn");
    assert_eq!(done.events, 1);
    assert_eq!(events(&store, 3)[0].hlc.ms, T0);
    assert!(store.last_hlc().expect("hlc").expect("hlc").ms >= T0);
}

#[test]
fn a_refusal_in_the_future_restamps_once_then_stands() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = open(dir.path());
    // The offset is known (0), yet the case carries a stamp an hour ahead.
    store.learn_clock(&sample(T0, 0)).expect("learn");
    create(&mut store, 4, &shifted(report(4), 3_600_000));
    let mut doc = store.load_case(case_id(4)).expect("load");
    let sent = doc.heads();
    assert!(
        store
            .restamp_refused(case_id(4), &sent, T0 + 10_000)
            .expect("restamp")
    );
    let ev = &events(&store, 4)[0];
    assert_eq!(ev.hlc.ms, T0 + 10_000, "never past the corrected now");
    // Sent again and refused again: nothing left to correct, the refusal stands.
    let mut doc = store.load_case(case_id(4)).expect("load");
    let sent = doc.heads();
    assert!(
        !store
            .restamp_refused(case_id(4), &sent, T0 + 11_000)
            .expect("restamp")
    );
    // A case changed since the push (here: by the first re-stamp) is simply sent again.
    assert!(
        store
            .restamp_refused(case_id(4), &[], T0 + 11_000)
            .expect("restamp")
    );
}

#[test]
fn a_quarantined_report_is_sent_again_whole_with_its_photos() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = open(dir.path());
    store.learn_clock(&sample(T0 + 60_000, 0)).expect("learn");
    create(&mut store, 5, &report(5));
    let q = store
        .quarantine_case(
            case_id(5),
            "out_of_scope",
            "不在负责网格",
            gridcase_core::model::Timestamp(T0 + 60_000),
            None,
        )
        .expect("quarantine");
    assert!(!store.has_case(case_id(5)).expect("has"));
    let case = store.resend_quarantine(q.id, T0 + 120_000).expect("resend");
    assert_eq!(case, case_id(5));
    let back = events(&store, 5);
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].id, report(5).id);
    assert_eq!(back[0].kind, report(5).kind);
    assert_eq!(back[0].hlc.ms, T0, "a valid stamp is kept");
    assert_eq!(store.dirty_cases().expect("dirty").len(), 1);
    for p in report(5).kind.photos() {
        assert!(store.blob(p.sha256).expect("blob").is_some(), "photo kept");
    }
    let left = store.quarantines(None, false).expect("list");
    assert!(left.is_empty(), "the notice is cleared");
    // Nothing to send twice.
    let err = store
        .resend_quarantine(q.id, T0 + 130_000)
        .expect_err("twice");
    assert_eq!(err.code(), "store_invalid_input");
}
