//! Property tests: the fold depends only on the set of events, whatever order or merge order
//! they arrive in, including concurrent events from several devices.

use super::fixtures::*;
use crate::model::{Actor, EventId, Hlc, LimitUnit, PhotoRole, SourceChannel, TimeLimit, Urgency};
use crate::workflow::{Event, EventKind as K, fold};
use proptest::prelude::*;

fn actors() -> Vec<Actor> {
    let s = Scenario::new();
    vec![
        s.inspector,
        s.inspector2,
        s.intake,
        s.leader_shift,
        s.dispatcher,
        s.dept,
        s.dept2,
        s.leader,
        s.system,
    ]
}

fn kind(n: u8) -> K {
    let s = Scenario::new();
    let day = TimeLimit::new(1, LimitUnit::WorkingDays);
    match n % 24 {
        0 => K::Report(report(SourceChannel::InspectorPatrol, Urgency::Normal)),
        1 => K::Report(report(SourceChannel::PublicHotline, Urgency::Urgent)),
        2 => K::Accept,
        3 => K::RequestVerification {
            assignee: s.inspector.user,
        },
        4 => K::Verify {
            confirmed: true,
            photos: vec![],
            location: None,
            category: None,
            note: String::new(),
            cell: None,
        },
        5 => K::File {
            note: String::new(),
            condition: None,
        },
        6 => K::Dispatch {
            department: dept_id(1),
            limit: None,
            basis: None,
        },
        7 => K::Dispatch {
            department: dept_id(2),
            limit: None,
            basis: None,
        },
        8 => K::FastDispatch {
            department: dept_id(1),
            limit: None,
            basis: None,
        },
        9 => K::RequestExtension {
            requested: day,
            reason: "r".into(),
        },
        10 => K::ApproveExtension { granted: day },
        11 => K::RequestPark {
            reason: "r".into(),
            expected: None,
        },
        12 => K::ApprovePark,
        13 => K::Resume,
        14 => K::Feedback {
            result: "done".into(),
            photos: vec![photo(2, PhotoRole::After)],
        },
        15 => K::RequestCheck {
            assignee: s.inspector.user,
        },
        16 => K::Check {
            passed: n.is_multiple_of(2),
            photos: vec![],
            note: String::new(),
        },
        17 => K::Close {
            note: String::new(),
        },
        18 => K::Void { reason: "r".into() },
        19 => K::RequestSendback { reason: "r".into() },
        20 => K::ApproveSendback,
        21 => K::Reopen { reason: "r".into() },
        22 => K::Escalate {
            level: 1,
            reason: "r".into(),
            department: None,
            role: None,
            reply_by: None,
        },
        _ => K::Unknown {
            type_name: "future_type".into(),
        },
    }
}

/// Events from several devices: small HLC windows make many of them concurrent (equal ms).
fn events() -> impl Strategy<Value = Vec<Event>> {
    let actors = actors();
    prop::collection::vec((0u8..24, 0usize..9, 0i64..40, 0u32..3, any::<u8>()), 1..40).prop_map(
        move |raw| {
            raw.into_iter()
                .enumerate()
                .map(|(i, (k, a, ms, counter, r))| Event {
                    id: EventId::from_parts((T0 + ms) as u64, [r, i as u8, 0, 0, 0, 0, 0, 0, 0, 1]),
                    hlc: Hlc {
                        ms: T0 + ms * 1000,
                        counter,
                        node: a as u64,
                    },
                    actor: actors[a],
                    received_at: None,
                    kind: kind(k),
                })
                .collect()
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn any_permutation_gives_the_same_state(evs in events(), seed in any::<u64>()) {
        let reference = fold(&evs);
        let mut shuffled = evs.clone();
        // Deterministic Fisher–Yates from the seed.
        let mut x = seed | 1;
        for i in (1..shuffled.len()).rev() {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            shuffled.swap(i, (x % (i as u64 + 1)) as usize);
        }
        prop_assert_eq!(fold(&shuffled), reference);
    }

    #[test]
    fn any_merge_order_of_replicas_gives_the_union_state(evs in events(), mask in any::<u64>()) {
        // Two replicas each hold a subset (with overlap); merging in either order, with the
        // overlap duplicated, gives the fold of the union.
        let a: Vec<Event> = evs.iter().enumerate().filter(|(i, _)| mask >> (i % 64) & 1 == 1 || i % 3 == 0).map(|(_, e)| e.clone()).collect();
        let b: Vec<Event> = evs.iter().enumerate().filter(|(i, _)| mask >> (i % 64) & 1 == 0 || i % 3 == 0).map(|(_, e)| e.clone()).collect();
        let ab: Vec<Event> = a.iter().chain(b.iter()).cloned().collect();
        let ba: Vec<Event> = b.iter().chain(a.iter()).cloned().collect();
        let union = fold(&evs);
        prop_assert_eq!(fold(&ab), union.clone());
        prop_assert_eq!(fold(&ba), union);
    }

    #[test]
    fn the_fold_never_loses_an_event(evs in events()) {
        let st = fold(&evs);
        let distinct: std::collections::HashSet<_> = evs.iter().map(|e| e.id).collect();
        let dup_conflicts = st.conflicts.iter().filter(|c| c.reason == crate::workflow::ConflictReason::DuplicateEventId).count();
        prop_assert_eq!(st.applied + st.conflicts.len() - dup_conflicts, distinct.len());
    }
}

#[test]
fn two_dispatchers_racing_give_one_winner_and_one_conflict() {
    let mut s = Scenario::new();
    s.filed();
    let d1 = s.dispatcher;
    let mut d2 = actor(11, crate::model::Role::Dispatcher, None);
    d2.device = crate::model::DeviceId::from_parts(2, [12; 10]);
    let mut a = s.make(
        d1,
        K::Dispatch {
            department: dept_id(1),
            limit: None,
            basis: None,
        },
    );
    let mut b = s.make(
        d2,
        K::Dispatch {
            department: dept_id(2),
            limit: None,
            basis: None,
        },
    );
    b.hlc.ms = a.hlc.ms; // concurrent: same millisecond on two devices
    a.hlc.node = 1;
    b.hlc.node = 2;
    s.events.push(b);
    s.events.push(a);
    let st = s.state();
    assert_eq!(st.department, Some(dept_id(1)));
    assert_eq!(st.conflicts.len(), 1);
}
