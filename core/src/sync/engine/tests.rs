//! The engine alone: inputs in, operations out, no store and no network.

use super::*;
use crate::protocol::{FeedEntry, FeedRow};

fn case(n: u8) -> CaseId {
    CaseId::from_parts(1_795_744_800_000, [n; 10])
}

fn hash(n: u8) -> automerge::ChangeHash {
    automerge::ChangeHash([n; 32])
}

fn entry(case_id: CaseId, seq: u64, heads: &[automerge::ChangeHash]) -> FeedEntry {
    FeedEntry {
        case_id,
        seq,
        heads: heads.iter().map(ToString::to_string).collect(),
        row: FeedRow::default(),
    }
}

fn page(entries: Vec<FeedEntry>, cursor: u64, more: bool) -> FeedPage {
    FeedPage {
        entries,
        cursor,
        more,
    }
}

const NOW: Timestamp = Timestamp(1_795_744_800_000);

#[test]
fn dirty_cases_go_first_then_the_feed_and_matching_heads_are_skipped() {
    let mut e = SyncEngine::new(EngineConfig::default(), 1);
    let local = LocalState {
        cursor: 5,
        cases: vec![
            CaseSync {
                case_id: case(1),
                server_heads: Some(vec![hash(1)]),
                dirty: false,
            },
            CaseSync {
                case_id: case(2),
                server_heads: Some(vec![hash(2)]),
                dirty: false,
            },
            CaseSync {
                case_id: case(3),
                server_heads: None,
                dirty: true,
            },
        ],
        blobs: vec![],
    };
    e.start(NOW, local);
    assert_eq!(
        e.next(NOW),
        Op::PullFeed {
            cursor: 5,
            limit: 1000
        }
    );
    let feed = vec![
        entry(case(1), 6, &[hash(1)]),
        entry(case(2), 7, &[hash(9)]),
        entry(case(4), 8, &[hash(4)]),
    ];
    e.feed_pulled(NOW, Ok(page(feed, 8, false)));
    let Op::Sync { docs } = e.next(NOW) else {
        panic!("a sync")
    };
    assert_eq!(
        docs,
        vec![
            DocPlan {
                case_id: case(3),
                kind: PlanKind::Push
            },
            DocPlan {
                case_id: case(2),
                kind: PlanKind::Pull
            },
            DocPlan {
                case_id: case(4),
                kind: PlanKind::Bootstrap
            },
        ]
    );
    let reports = docs
        .iter()
        .map(|d| DocReport {
            case_id: d.case_id,
            status: DocStatus::Accepted,
            seq: None,
        })
        .collect();
    e.synced(NOW, Ok(reports));
    assert_eq!(e.next(NOW), Op::Record(Record::Cursor(8)));
    let Op::Finished(summary) = e.next(NOW) else {
        panic!("finished")
    };
    assert!(summary.is_clean());
    assert_eq!((summary.feed_changed, summary.accepted), (2, 3));
    assert_eq!(e.next(NOW), Op::Idle);
    assert_eq!(e.last_sync(), Some(NOW));
}

#[test]
fn feed_pages_are_pulled_until_no_more() {
    let mut e = SyncEngine::new(EngineConfig::default(), 1);
    e.start(NOW, LocalState::default());
    e.next(NOW);
    e.feed_pulled(NOW, Ok(page(vec![entry(case(1), 1, &[hash(1)])], 1, true)));
    assert_eq!(
        e.next(NOW),
        Op::PullFeed {
            cursor: 1,
            limit: 1000
        }
    );
    e.feed_pulled(NOW, Ok(page(vec![entry(case(2), 2, &[hash(2)])], 2, false)));
    let Op::Sync { docs } = e.next(NOW) else {
        panic!("a sync")
    };
    assert_eq!(docs.len(), 2);
}

#[test]
fn failures_back_off_with_jitter_and_the_round_stops_after_max_failures() {
    let config = EngineConfig::default();
    let mut e = SyncEngine::new(config, 42);
    e.start(NOW, LocalState::default());
    let mut now = NOW;
    let mut waits = Vec::new();
    loop {
        match e.next(now) {
            Op::PullFeed { .. } => e.feed_pulled(now, Err(Failure::network("refused"))),
            Op::Wait { until } => {
                waits.push(until.0 - now.0);
                now = until;
            }
            Op::Finished(summary) => {
                let i = summary.interrupted.expect("interrupted");
                assert_eq!(i.code, "network");
                assert!(i.retry_at.expect("a retry time") >= now);
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(waits.len(), config.max_failures as usize);
    for (i, w) in waits.iter().enumerate() {
        let ceiling = config.backoff.ceiling(i as u32 + 1).as_millis() as i64;
        assert!((0..=ceiling).contains(w), "wait {i}: {w} ms over {ceiling}");
    }
    let errors = e
        .take_progress()
        .into_iter()
        .filter(|p| {
            matches!(
                p,
                Progress::Error {
                    retry_in: Some(_),
                    ..
                }
            )
        })
        .count();
    assert_eq!(errors, config.max_failures as usize + 1);
    // A success resets the backoff: the next failure waits at most the base.
    e.start(now, LocalState::default());
    e.next(now);
    e.feed_pulled(now, Ok(page(vec![], 0, false)));
    e.start(now, LocalState::default());
    e.next(now);
    e.feed_pulled(now, Err(Failure::network("cut")));
    let Op::Wait { until } = e.next(now) else {
        panic!("a wait")
    };
    assert!(until.0 - now.0 <= 1000);
}

#[test]
fn a_revoked_token_stops_the_round_without_retry() {
    let mut e = SyncEngine::new(EngineConfig::default(), 1);
    e.start(NOW, LocalState::default());
    e.next(NOW);
    e.feed_pulled(NOW, Err(Failure::new("token_revoked", "已撤销")));
    let Op::Finished(summary) = e.next(NOW) else {
        panic!("finished")
    };
    let i = summary.interrupted.expect("interrupted");
    assert_eq!((i.code.as_str(), i.retry_at), ("token_revoked", None));
    assert!(
        e.take_progress()
            .iter()
            .all(|p| !matches!(p, Progress::Idle { .. }))
    );
}

#[test]
fn blobs_resume_from_the_server_offset_after_a_cut() {
    let config = EngineConfig {
        blob_chunk: 100,
        ..EngineConfig::default()
    };
    let mut e = SyncEngine::new(config, 1);
    let sha = crate::model::Sha256::digest(b"x");
    let blob = BlobSync {
        sha256: sha,
        case_id: None,
        size: 250,
        has_source: true,
        attempts: 0,
    };
    let skipped = BlobSync {
        has_source: false,
        sha256: crate::model::Sha256::digest(b"y"),
        ..blob.clone()
    };
    e.start(
        NOW,
        LocalState {
            cursor: 0,
            cases: vec![],
            blobs: vec![skipped, blob],
        },
    );
    e.next(NOW);
    e.feed_pulled(NOW, Ok(page(vec![], 0, false)));
    assert_eq!(e.next(NOW), Op::ProbeBlob { sha256: sha });
    e.blob_probed(
        NOW,
        sha,
        Ok(BlobOffset {
            offset: 0,
            complete: false,
        }),
    );
    assert_eq!(
        e.next(NOW),
        Op::PutBlob {
            sha256: sha,
            offset: 0,
            len: 100,
            total: 250
        }
    );
    e.blob_put(
        NOW,
        sha,
        Ok(BlobOffset {
            offset: 100,
            complete: false,
        }),
    );
    assert_eq!(
        e.next(NOW),
        Op::Record(Record::BlobProgress {
            sha256: sha,
            offset: 100
        })
    );
    assert_eq!(
        e.next(NOW),
        Op::PutBlob {
            sha256: sha,
            offset: 100,
            len: 100,
            total: 250
        }
    );
    e.blob_put(NOW, sha, Err(Failure::network("cut")));
    let Op::Wait { until } = e.next(NOW) else {
        panic!("a wait")
    };
    // After the wait the engine asks the server where it is; it got 150 of the cut chunk.
    assert_eq!(e.next(until), Op::ProbeBlob { sha256: sha });
    e.blob_probed(
        until,
        sha,
        Ok(BlobOffset {
            offset: 150,
            complete: false,
        }),
    );
    e.next(until);
    assert_eq!(
        e.next(until),
        Op::PutBlob {
            sha256: sha,
            offset: 150,
            len: 100,
            total: 250
        }
    );
    e.blob_put(
        until,
        sha,
        Ok(BlobOffset {
            offset: 250,
            complete: true,
        }),
    );
    assert_eq!(
        e.next(until),
        Op::Record(Record::BlobUploaded { sha256: sha })
    );
    let Op::Finished(summary) = e.next(until) else {
        panic!("finished")
    };
    assert_eq!(summary.blobs_uploaded, 1);
}

#[test]
fn a_refused_blob_is_skipped_and_the_next_one_goes() {
    let mut e = SyncEngine::new(EngineConfig::default(), 1);
    let (a, b) = (
        crate::model::Sha256::digest(b"a"),
        crate::model::Sha256::digest(b"b"),
    );
    let blob = |sha256| BlobSync {
        sha256,
        case_id: None,
        size: 10,
        has_source: true,
        attempts: 0,
    };
    e.start(
        NOW,
        LocalState {
            cursor: 0,
            cases: vec![],
            blobs: vec![blob(a), blob(b)],
        },
    );
    e.next(NOW);
    e.feed_pulled(NOW, Ok(page(vec![], 0, false)));
    assert_eq!(e.next(NOW), Op::ProbeBlob { sha256: a });
    e.blob_probed(NOW, a, Err(Failure::new("invalid_id", "bad")));
    assert_eq!(e.next(NOW), Op::Record(Record::BlobFailed { sha256: a }));
    assert_eq!(e.next(NOW), Op::ProbeBlob { sha256: b });
    e.blob_probed(
        NOW,
        b,
        Ok(BlobOffset {
            offset: 10,
            complete: true,
        }),
    );
    e.next(NOW);
    let Op::Finished(summary) = e.next(NOW) else {
        panic!("finished")
    };
    assert_eq!(summary.blobs_failed, vec![(a, "invalid_id".to_owned())]);
    assert_eq!(summary.blobs_uploaded, 1);
}

#[test]
fn failure_codes_are_classified() {
    let class = |c: &str| Failure::new(c, "").class();
    assert_eq!(class("network"), FailureClass::Retry);
    assert_eq!(class("internal"), FailureClass::Retry);
    assert_eq!(class("http_502"), FailureClass::Retry);
    assert_eq!(class("http_404"), FailureClass::Refused);
    assert_eq!(class("too_large"), FailureClass::Refused);
    assert_eq!(class("token_revoked"), FailureClass::Fatal);
    assert_eq!(class("offset_mismatch"), FailureClass::Resync);
    assert_eq!(class("hash_mismatch"), FailureClass::Permanent);
    assert_eq!(class("local_blob_missing"), FailureClass::Permanent);
    // A full disk, a busy server or a cut slow request: nothing was stored, send again later.
    assert_eq!(class("storage_full"), FailureClass::Retry);
    assert_eq!(class("server_busy"), FailureClass::Retry);
    assert_eq!(class("request_timeout"), FailureClass::Retry);
    // An unreachable object store: the photo stays on the device and is sent again later.
    assert_eq!(class("object_store_unavailable"), FailureClass::Retry);
}

#[test]
fn the_cursor_skips_the_rounds_own_writes_only_without_a_gap() {
    let acked = |s: &[u64]| {
        s.iter()
            .copied()
            .collect::<std::collections::BTreeSet<u64>>()
    };
    assert_eq!(skip_own_echoes(10, &acked(&[11, 12, 13])), 13);
    assert_eq!(
        skip_own_echoes(10, &acked(&[11, 13])),
        11,
        "14? no: 12 is someone else's"
    );
    assert_eq!(skip_own_echoes(10, &acked(&[12, 13])), 10);
    assert_eq!(skip_own_echoes(10, &acked(&[5, 9, 11])), 11);
    assert_eq!(skip_own_echoes(0, &acked(&[])), 0);
}

/// Starts a round holding one 10-byte photo to upload; returns its hash.
fn start_with_one_blob(e: &mut SyncEngine, bytes: &[u8]) -> crate::model::Sha256 {
    let sha = crate::model::Sha256::digest(bytes);
    let blob = BlobSync {
        sha256: sha,
        case_id: None,
        size: 10,
        has_source: true,
        attempts: 0,
    };
    e.start(
        NOW,
        LocalState {
            cursor: 0,
            cases: vec![],
            blobs: vec![blob],
        },
    );
    sha
}

#[test]
fn a_server_that_does_not_move_on_cannot_make_the_engine_loop() {
    // A feed page that says `more` without moving the cursor ends the paging.
    let mut e = SyncEngine::new(EngineConfig::default(), 1);
    e.start(NOW, LocalState::default());
    e.next(NOW);
    e.feed_pulled(NOW, Ok(page(vec![entry(case(1), 3, &[hash(1)])], 0, true)));
    assert!(matches!(e.next(NOW), Op::Sync { .. }));
    // A PUT answered without progress is a failure (backoff, then a new probe).
    let mut e = SyncEngine::new(EngineConfig::default(), 1);
    let sha = start_with_one_blob(&mut e, b"z");
    e.next(NOW);
    e.feed_pulled(NOW, Ok(page(vec![], 0, false)));
    e.next(NOW);
    e.blob_probed(
        NOW,
        sha,
        Ok(BlobOffset {
            offset: 0,
            complete: false,
        }),
    );
    assert!(matches!(e.next(NOW), Op::PutBlob { offset: 0, .. }));
    e.blob_put(
        NOW,
        sha,
        Ok(BlobOffset {
            offset: 0,
            complete: false,
        }),
    );
    let Op::Wait { until } = e.next(NOW) else {
        panic!("a backoff")
    };
    assert_eq!(e.next(until), Op::ProbeBlob { sha256: sha });
}

#[test]
fn a_store_that_refuses_every_put_while_probes_work_stops_the_round() {
    // Found by the two-instance object-storage test: HEAD answered, every PUT 503
    // `object_store_unavailable`; each probe used to reset the failure count, so one round
    // looped for ever. Now the round stops after `max_failures` and keeps the photo.
    let config = EngineConfig::default();
    let mut e = SyncEngine::new(config, 7);
    start_with_one_blob(&mut e, b"photo");
    let mut now = NOW;
    let mut puts = 0;
    let summary = loop {
        match e.next(now) {
            Op::PullFeed { .. } => e.feed_pulled(now, Ok(page(vec![], 0, false))),
            Op::ProbeBlob { sha256 } => e.blob_probed(
                now,
                sha256,
                Ok(BlobOffset {
                    offset: 0,
                    complete: false,
                }),
            ),
            Op::PutBlob { sha256, .. } => {
                puts += 1;
                assert!(puts < 100, "the round never stops");
                e.blob_put(
                    now,
                    sha256,
                    Err(Failure::new(
                        "object_store_unavailable",
                        "对象存储暂时不可用",
                    )),
                );
            }
            Op::Wait { until } => now = until,
            Op::Finished(summary) => break summary,
            other => panic!("unexpected {other:?}"),
        }
    };
    assert_eq!(puts, config.max_failures as usize + 1);
    let i = summary.interrupted.expect("interrupted");
    assert_eq!(i.code, "object_store_unavailable");
    assert!(
        summary.blobs_failed.is_empty(),
        "the photo is kept for later"
    );
}
