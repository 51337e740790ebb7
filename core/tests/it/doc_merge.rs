//! Property test: two Automerge replicas of one case, each given a different subset of events
//! (with overlap, appended in any order, concurrently from different actors), merge to the same
//! fold as the plain union of their events, in either merge direction.

use crate::doc_support::*;
use gridcase_core::doc::CaseDoc;
use gridcase_core::model::{Hlc, Role};
use gridcase_core::workflow::{Event, EventKind, fold};
use proptest::prelude::*;

/// Candidate events after the report: the lifecycle plus racing ones from other actors.
fn pool() -> Vec<Event> {
    let mut events = lifecycle(1);
    let racing = [
        (
            20,
            Role::ShiftLeader,
            EventKind::Void {
                reason: "重复".into(),
            },
        ),
        (
            21,
            Role::Dispatcher,
            EventKind::Dispatch {
                department: department(),
                limit: None,
                basis: None,
            },
        ),
        (
            22,
            Role::Inspector,
            EventKind::Comment {
                text: "现场补充".into(),
            },
        ),
        (
            23,
            Role::ShiftLeader,
            EventKind::Reject {
                reason: "不予立案".into(),
            },
        ),
    ];
    for (n, role, kind) in racing {
        let mut e = event(1, n, role, kind);
        // Concurrent with the lifecycle: stamps land between its steps.
        e.hlc = Hlc {
            ms: T0 + i64::from(n - 19) * 1000 + 500,
            ..e.hlc
        };
        events.push(e);
    }
    events
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn merged_replicas_fold_like_the_union(mask_a in any::<u16>(), mask_b in any::<u16>(), reverse in any::<bool>()) {
        let pool = pool();
        let mut base = CaseDoc::create(case_id(1), tenant(), actor_id(1), &report(1)).expect("create");
        let saved = base.save();
        let mut a = CaseDoc::load(&saved).expect("load a");
        a.set_actor(actor_id(2));
        let mut b = CaseDoc::load(&saved).expect("load b");
        b.set_actor(actor_id(3));
        let mut union = vec![report(1)];
        let mut order: Vec<usize> = (0..pool.len()).collect();
        if reverse { order.reverse(); }
        for i in order {
            let (in_a, in_b) = (mask_a >> i & 1 == 1, mask_b >> i & 1 == 1);
            if in_a { a.append(&pool[i]).expect("append a"); }
            if in_b { b.append(&pool[i]).expect("append b"); }
            if in_a || in_b { union.push(pool[i].clone()); }
        }
        let expected = fold(&union);
        let mut ab = a.fork();
        ab.merge(&mut b.fork()).expect("merge a<-b");
        let mut ba = b.fork();
        ba.merge(&mut a.fork()).expect("merge b<-a");
        prop_assert_eq!(fold(&ab.events().expect("ab")), expected.clone());
        prop_assert_eq!(fold(&ba.events().expect("ba")), expected);
    }
}
