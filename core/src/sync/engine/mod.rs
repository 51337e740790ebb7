//! The sans-I/O sync engine: a state machine that plans a round of sync and takes the result of
//! each step back. It does no I/O, reads no clock (`now` is passed in) and draws its jitter from
//! a seeded generator, so a run can be replayed on a simulated network.
//!
//! A round: [`SyncEngine::start`] with the device's [`LocalState`], then call
//! [`SyncEngine::next`] and execute each [`Op`] until [`Op::Finished`]:
//!
//! 1. **Feed**: pull every page from the saved cursor; each entry whose heads differ from the
//!    server heads the device holds needs a sync (a pull, or a bootstrap for an unknown case).
//! 2. **Docs**: dirty cases first, then the feed's, in batches of at most
//!    `max_docs_per_sync`. The runtime fits each batch to the byte limit and defers the rest.
//!    A batch refused as a whole (413, 400) is split in halves until the document at fault is
//!    alone, and that one is skipped. Then the cursor is saved ([`Record::Cursor`]), moved past
//!    the round's own writes when their feed positions follow it without a gap.
//! 3. **Blobs**: for each outbox blob with bytes on the device (not of a case rejected or failed
//!    this round): `HEAD` for the server's offset, then `PUT` chunks from there. A cut costs at
//!    most one chunk; after any failure the upload resumes from the server's offset.
//!
//! A transport failure repeats the step after [`BackoffPolicy`] (full jitter). After
//! `max_failures` consecutive failures the round stops with a retry time; a fatal failure (token
//! revoked) stops it with none. Every success resets the backoff.

mod backoff;
mod failure;
mod plan;
mod progress;
#[cfg(test)]
mod tests;

pub use backoff::BackoffPolicy;
pub use failure::{Failure, FailureClass};
pub use plan::{
    BlobSync, CaseSync, DocPlan, DocReport, DocStatus, LocalState, Op, PlanKind, Record,
};
pub use progress::{Interruption, Progress, RoundSummary};

use crate::model::{CaseId, Sha256, Timestamp};
use crate::protocol::{FeedPage, Limits};
use backoff::Jitter;
use std::collections::{HashMap, HashSet, VecDeque};
use std::time::Duration;

/// Tuning of the engine.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct EngineConfig {
    /// The server's limits (from `hello`).
    pub limits: Limits,
    /// Bytes per blob `PUT`: a cut connection loses at most this much.
    pub blob_chunk: u64,
    /// Backoff after failures.
    pub backoff: BackoffPolicy,
    /// Consecutive failures after which a round stops (and the next one is scheduled).
    pub max_failures: u32,
    /// A blob refused this many times is not tried again automatically.
    pub max_blob_attempts: u32,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            limits: Limits::default(),
            blob_chunk: 256 * 1024,
            backoff: BackoffPolicy::default(),
            max_failures: 8,
            max_blob_attempts: 5,
        }
    }
}

/// The server's answer about a blob upload.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct BlobOffset {
    /// Bytes the server holds.
    pub offset: u64,
    /// Whether it holds the whole blob, verified.
    pub complete: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Stage {
    Feed,
    Docs,
    Blobs,
    Done,
}

#[derive(Clone, PartialEq, Eq, Debug)]
enum InFlight {
    Feed,
    Sync(Vec<DocPlan>),
    Probe(Sha256),
    Put {
        sha256: Sha256,
        offset: u64,
        len: u64,
    },
}

/// The blob being uploaded; `offset` is `None` until the server said where it is.
#[derive(Clone, Debug)]
struct BlobTask {
    blob: BlobSync,
    offset: Option<u64>,
}

#[derive(Debug)]
struct Round {
    stage: Stage,
    start_cursor: u64,
    cursor: u64,
    known: HashMap<CaseId, CaseSync>,
    dirty: Vec<CaseId>,
    changed: Vec<DocPlan>,
    planned: HashSet<CaseId>,
    batches: VecDeque<Vec<DocPlan>>,
    skipped: HashSet<CaseId>,
    restamped: HashSet<CaseId>,
    acked_seqs: std::collections::BTreeSet<u64>,
    blobs: VecDeque<BlobSync>,
    blob: Option<BlobTask>,
    in_flight: Option<InFlight>,
    wait_until: Option<Timestamp>,
    failures: u32,
    summary: RoundSummary,
}

/// The sync state machine of one device.
#[derive(Debug)]
pub struct SyncEngine {
    config: EngineConfig,
    jitter: Jitter,
    failures: u32,
    round: Option<Round>,
    records: VecDeque<Record>,
    progress: Vec<Progress>,
    last_sync: Option<Timestamp>,
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Moves the feed cursor past this round's own writes when nothing else happened between:
/// if the feed positions `cursor + 1, cursor + 2, …` all belong to documents this round was
/// answered for (with their current heads), the device has seen every change up to the last of
/// them. A gap (another device's change) stops it, so the next feed pull lists that change.
/// Without this, every document a device pushes comes back in its next feed pull.
fn skip_own_echoes(cursor: u64, acked: &std::collections::BTreeSet<u64>) -> u64 {
    let mut cursor = cursor;
    for &seq in acked.range(cursor.saturating_add(1)..) {
        if seq != cursor + 1 {
            break;
        }
        cursor = seq;
    }
    cursor
}

fn heads_hex(heads: &[automerge::ChangeHash]) -> Vec<String> {
    let mut out: Vec<String> = heads.iter().map(ToString::to_string).collect();
    out.sort();
    out
}

impl SyncEngine {
    /// An engine with this configuration; `seed` feeds the backoff jitter.
    pub fn new(config: EngineConfig, seed: u64) -> Self {
        SyncEngine {
            config,
            jitter: Jitter::new(seed),
            failures: 0,
            round: None,
            records: VecDeque::new(),
            progress: Vec::new(),
            last_sync: None,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// Replaces the server limits (after a `hello`).
    pub fn set_limits(&mut self, limits: Limits) {
        self.config.limits = limits;
    }

    /// When the last clean round finished.
    pub fn last_sync(&self) -> Option<Timestamp> {
        self.last_sync
    }

    /// Whether a round is running.
    pub fn is_running(&self) -> bool {
        self.round.is_some()
    }

    /// Progress events since the last call, oldest first.
    pub fn take_progress(&mut self) -> Vec<Progress> {
        std::mem::take(&mut self.progress)
    }

    /// Starts a round from the device's state (a running round is replaced).
    pub fn start(&mut self, _now: Timestamp, local: LocalState) {
        let dirty = local
            .cases
            .iter()
            .filter(|c| c.dirty)
            .map(|c| c.case_id)
            .collect();
        let known = local.cases.into_iter().map(|c| (c.case_id, c)).collect();
        self.progress.push(Progress::SyncStarted);
        self.round = Some(Round {
            stage: Stage::Feed,
            start_cursor: local.cursor,
            cursor: local.cursor,
            known,
            dirty,
            changed: Vec::new(),
            planned: HashSet::new(),
            batches: VecDeque::new(),
            skipped: HashSet::new(),
            restamped: HashSet::new(),
            acked_seqs: std::collections::BTreeSet::new(),
            blobs: local.blobs.into(),
            blob: None,
            in_flight: None,
            wait_until: None,
            failures: 0,
            summary: RoundSummary::default(),
        });
    }

    /// The next operation. Call again after answering it (network operations) or doing it
    /// ([`Op::Record`]), or once `until` has passed ([`Op::Wait`]).
    pub fn next(&mut self, now: Timestamp) -> Op {
        if let Some(record) = self.records.pop_front() {
            return Op::Record(record);
        }
        let Some(round) = self.round.as_mut() else {
            return Op::Idle;
        };
        if let Some(until) = round.wait_until {
            if now < until {
                return Op::Wait { until };
            }
            round.wait_until = None;
        }
        if let Some(op) = round.in_flight.clone() {
            return self.issue(op);
        }
        loop {
            let Some(round) = self.round.as_mut() else {
                return Op::Idle;
            };
            match round.stage {
                Stage::Feed => return self.issue(InFlight::Feed),
                Stage::Docs => match round.batches.pop_front() {
                    Some(batch) => return self.issue(InFlight::Sync(batch)),
                    None => {
                        round.stage = Stage::Blobs;
                        round.cursor = skip_own_echoes(round.cursor, &round.acked_seqs);
                        if round.cursor != round.start_cursor {
                            return Op::Record(Record::Cursor(round.cursor));
                        }
                    }
                },
                Stage::Blobs => {
                    if let Some(op) = self.next_blob_op() {
                        return op;
                    }
                }
                Stage::Done => return self.finish(now),
            }
        }
    }

    fn issue(&mut self, op: InFlight) -> Op {
        let limit = self.config.limits.max_feed_page;
        let Some(round) = self.round.as_mut() else {
            return Op::Idle;
        };
        let out = match &op {
            InFlight::Feed => Op::PullFeed {
                cursor: round.cursor,
                limit,
            },
            InFlight::Sync(docs) => Op::Sync { docs: docs.clone() },
            InFlight::Probe(sha256) => Op::ProbeBlob { sha256: *sha256 },
            InFlight::Put {
                sha256,
                offset,
                len,
            } => Op::PutBlob {
                sha256: *sha256,
                offset: *offset,
                len: *len,
                total: round.blob.as_ref().map_or(0, |b| b.blob.size),
            },
        };
        round.in_flight = Some(op);
        out
    }

    /// The next blob operation, or `None` when the blob stage is over (the stage moves on).
    fn next_blob_op(&mut self) -> Option<Op> {
        let chunk = self.config.blob_chunk.max(1);
        let max_attempts = self.config.max_blob_attempts;
        let round = self.round.as_mut()?;
        if round.blob.is_none() {
            while let Some(blob) = round.blobs.pop_front() {
                let skipped = blob.case_id.is_some_and(|c| round.skipped.contains(&c));
                if blob.has_source && blob.attempts < max_attempts && !skipped {
                    round.blob = Some(BlobTask { blob, offset: None });
                    break;
                }
            }
        }
        let Some(task) = round.blob.as_ref() else {
            round.stage = Stage::Done;
            return None;
        };
        let sha256 = task.blob.sha256;
        let op = match task.offset {
            None => InFlight::Probe(sha256),
            Some(offset) => InFlight::Put {
                sha256,
                offset,
                len: chunk.min(task.blob.size.saturating_sub(offset)),
            },
        };
        Some(self.issue(op))
    }

    fn finish(&mut self, now: Timestamp) -> Op {
        let Some(round) = self.round.take() else {
            return Op::Idle;
        };
        let summary = round.summary;
        if summary.is_clean() {
            self.last_sync = Some(now);
            self.progress.push(Progress::Idle { last_sync: now });
        }
        Op::Finished(summary)
    }

    /// The answer to [`Op::PullFeed`].
    pub fn feed_pulled(&mut self, now: Timestamp, result: Result<FeedPage, Failure>) {
        if !self.take_in_flight(|f| matches!(f, InFlight::Feed)) {
            return;
        }
        let page = match result {
            Ok(page) => page,
            Err(failure) => return self.failed(now, failure),
        };
        self.succeeded();
        let Some(round) = self.round.as_mut() else {
            return;
        };
        let mut changed = 0;
        for entry in &page.entries {
            let kind = match round.known.get(&entry.case_id) {
                None => PlanKind::Bootstrap,
                Some(case) => {
                    let mut theirs = entry.heads.clone();
                    theirs.sort();
                    if case.server_heads.as_deref().map(heads_hex) == Some(theirs) {
                        continue;
                    }
                    PlanKind::Pull
                }
            };
            if round.planned.insert(entry.case_id) {
                round.changed.push(DocPlan {
                    case_id: entry.case_id,
                    kind,
                });
                changed += 1;
            }
        }
        round.summary.feed_changed += changed;
        self.progress.push(Progress::FeedPulled { changed });
        // A page that does not move the cursor ends the paging, whatever `more` says.
        let advanced = page.cursor != round.cursor;
        round.cursor = page.cursor;
        if !(page.more && advanced) {
            self.plan_batches();
        }
    }

    fn plan_batches(&mut self) {
        let size = usize::try_from(self.config.limits.max_docs_per_sync.max(1)).unwrap_or(1);
        let Some(round) = self.round.as_mut() else {
            return;
        };
        let mut plans: Vec<DocPlan> = round
            .dirty
            .iter()
            .map(|&case_id| DocPlan {
                case_id,
                kind: PlanKind::Push,
            })
            .collect();
        let dirty: HashSet<CaseId> = round.dirty.iter().copied().collect();
        plans.extend(
            round
                .changed
                .drain(..)
                .filter(|p| !dirty.contains(&p.case_id)),
        );
        round.batches = plans.chunks(size).map(<[DocPlan]>::to_vec).collect();
        round.stage = Stage::Docs;
    }

    /// The answer to [`Op::Sync`]: a report per document (a document without one counts as
    /// deferred), or the failure of the whole request.
    pub fn synced(&mut self, now: Timestamp, result: Result<Vec<DocReport>, Failure>) {
        let mut batch = Vec::new();
        if !self.take_in_flight(|f| match f {
            InFlight::Sync(docs) => {
                batch = docs;
                true
            }
            _ => false,
        }) {
            return;
        }
        match result {
            Ok(reports) => {
                self.succeeded();
                self.docs_answered(batch, reports);
            }
            Err(failure) => self.batch_failed(now, batch, failure),
        }
    }

    fn docs_answered(&mut self, batch: Vec<DocPlan>, reports: Vec<DocReport>) {
        let Some(round) = self.round.as_mut() else {
            return;
        };
        round.summary.sync_requests += 1;
        for report in &reports {
            if let (DocStatus::Accepted, Some(seq)) = (&report.status, report.seq) {
                round.acked_seqs.insert(seq);
            }
        }
        let mut by_case: HashMap<CaseId, DocStatus> =
            reports.into_iter().map(|r| (r.case_id, r.status)).collect();
        let (mut accepted, mut rejected, mut failed, mut deferred) = (0, 0, 0, Vec::new());
        let mut again = Vec::new();
        for plan in batch {
            match by_case.remove(&plan.case_id).unwrap_or(DocStatus::Deferred) {
                DocStatus::Accepted => accepted += 1,
                DocStatus::Rejected { code, message: _ } => {
                    rejected += 1;
                    round.skipped.insert(plan.case_id);
                    round.summary.rejected.push((plan.case_id, code.clone()));
                    self.progress.push(Progress::Quarantined {
                        case_id: plan.case_id,
                        code,
                    });
                }
                DocStatus::Failed { code, message } => {
                    failed += 1;
                    round.skipped.insert(plan.case_id);
                    round.summary.failed.push((plan.case_id, code.clone()));
                    self.progress.push(Progress::Error {
                        code,
                        message,
                        retry_in: None,
                    });
                }
                DocStatus::Deferred => deferred.push(plan),
                DocStatus::Restamped => {
                    round.summary.restamped.push(plan.case_id);
                    // Once per round: a case refused again after its re-stamp waits for the
                    // next round (the store quarantines it if re-stamping changes nothing).
                    if round.restamped.insert(plan.case_id) {
                        again.push(plan);
                    } else {
                        round.skipped.insert(plan.case_id);
                    }
                }
            }
        }
        round.summary.accepted += accepted;
        if accepted + rejected + failed == 0 && again.is_empty() && !deferred.is_empty() {
            // Nothing went out: the first document alone is over the request's byte limit.
            let first = deferred.remove(0);
            round.skipped.insert(first.case_id);
            round
                .summary
                .failed
                .push((first.case_id, "too_large".into()));
            self.progress.push(Progress::Error {
                code: "too_large".into(),
                message: format!("案件 {} 的数据超过单次同步上限", first.case_id),
                retry_in: None,
            });
        }
        if !deferred.is_empty() {
            round.batches.push_front(deferred);
        }
        if !again.is_empty() {
            round.batches.push_back(again);
        }
        self.progress
            .push(Progress::DocsSynced { accepted, rejected });
    }

    fn batch_failed(&mut self, now: Timestamp, mut batch: Vec<DocPlan>, failure: Failure) {
        let class = failure.class();
        let Some(round) = self.round.as_mut() else {
            return;
        };
        match class {
            FailureClass::Refused | FailureClass::Permanent if batch.len() > 1 => {
                let second = batch.split_off(batch.len() / 2);
                round.batches.push_front(second);
                round.batches.push_front(batch);
            }
            FailureClass::Refused | FailureClass::Permanent => {
                for plan in batch {
                    round.skipped.insert(plan.case_id);
                    round
                        .summary
                        .failed
                        .push((plan.case_id, failure.code.clone()));
                }
                self.progress.push(Progress::Error {
                    code: failure.code,
                    message: failure.message,
                    retry_in: None,
                });
            }
            FailureClass::Retry | FailureClass::Resync => {
                round.batches.push_front(batch);
                self.failed(now, failure);
            }
            FailureClass::Fatal => self.failed(now, failure),
        }
    }

    /// The answer to [`Op::ProbeBlob`] (a `404` is offset 0, not a failure).
    pub fn blob_probed(
        &mut self,
        now: Timestamp,
        sha256: Sha256,
        result: Result<BlobOffset, Failure>,
    ) {
        if !self.take_in_flight(|f| f == InFlight::Probe(sha256)) {
            return;
        }
        self.blob_answer(now, result, None);
    }

    /// The answer to [`Op::PutBlob`]: where the server is now.
    pub fn blob_put(
        &mut self,
        now: Timestamp,
        sha256: Sha256,
        result: Result<BlobOffset, Failure>,
    ) {
        let mut sent_from = None;
        if !self.take_in_flight(|f| match f {
            InFlight::Put {
                sha256: s, offset, ..
            } if s == sha256 => {
                sent_from = Some(offset);
                true
            }
            _ => false,
        }) {
            return;
        }
        self.blob_answer(now, result, sent_from);
    }

    /// `sent_from`: the offset a `PUT` started at (`None` for a probe).
    fn blob_answer(
        &mut self,
        now: Timestamp,
        result: Result<BlobOffset, Failure>,
        sent_from: Option<u64>,
    ) {
        let answer = match result {
            Ok(answer) => answer,
            Err(failure) => return self.blob_failed(now, failure),
        };
        if let Some(from) = sent_from
            && !answer.complete
            && answer.offset <= from
        {
            // A PUT the server took without moving on: ask again after a backoff, never loop.
            let failure = Failure::new("bad_response", "上传未推进");
            return self.blob_failed(now, failure);
        }
        // Progress resets the backoff; a probe alone does not (it only says where the server
        // is): a server whose object store refuses every PUT while HEAD works would otherwise
        // reset the count each time and keep the round going for ever.
        if sent_from.is_some() || answer.complete {
            self.succeeded();
        }
        let Some(round) = self.round.as_mut() else {
            return;
        };
        let Some(task) = round.blob.as_mut() else {
            return;
        };
        let (sha256, total) = (task.blob.sha256, task.blob.size);
        if answer.complete {
            round.blob = None;
            round.summary.blobs_uploaded += 1;
            self.records.push_back(Record::BlobUploaded { sha256 });
            self.progress.push(Progress::BlobDone { sha256 });
            return;
        }
        let offset = answer.offset.min(total);
        if offset > 0 {
            self.records
                .push_back(Record::BlobProgress { sha256, offset });
        }
        task.offset = Some(offset);
        self.progress.push(Progress::BlobProgress {
            sha256,
            sent: offset,
            total,
        });
    }

    fn blob_failed(&mut self, now: Timestamp, failure: Failure) {
        let Some(round) = self.round.as_mut() else {
            return;
        };
        match failure.class() {
            FailureClass::Retry | FailureClass::Resync => {
                if let Some(task) = round.blob.as_mut() {
                    task.offset = None;
                }
                self.failed(now, failure);
            }
            FailureClass::Refused | FailureClass::Permanent => {
                if let Some(task) = round.blob.take() {
                    let sha256 = task.blob.sha256;
                    round
                        .summary
                        .blobs_failed
                        .push((sha256, failure.code.clone()));
                    self.records.push_back(Record::BlobFailed { sha256 });
                }
                self.progress.push(Progress::Error {
                    code: failure.code,
                    message: failure.message,
                    retry_in: None,
                });
            }
            FailureClass::Fatal => self.failed(now, failure),
        }
    }

    /// Stops the round because of a local problem (the store failed): it is retried after a
    /// backoff.
    pub fn interrupt(&mut self, now: Timestamp, failure: Failure) {
        if let Some(round) = self.round.as_mut() {
            round.in_flight = None;
            round.failures = self.config.max_failures;
        }
        self.failed(now, failure);
    }

    fn take_in_flight(&mut self, expected: impl FnOnce(InFlight) -> bool) -> bool {
        self.round
            .as_mut()
            .and_then(|r| r.in_flight.take())
            .is_some_and(expected)
    }

    fn succeeded(&mut self) {
        self.failures = 0;
        if let Some(round) = self.round.as_mut() {
            round.failures = 0;
        }
    }

    /// A failure of the step in flight: retried after a backoff, or the round stops.
    fn failed(&mut self, now: Timestamp, failure: Failure) {
        let Some(round) = self.round.as_mut() else {
            return;
        };
        if failure.class() == FailureClass::Fatal {
            round.summary.interrupted = Some(Interruption {
                code: failure.code.clone(),
                message: failure.message.clone(),
                retry_at: None,
            });
            round.stage = Stage::Done;
            round.wait_until = None;
            self.progress.push(Progress::Error {
                code: failure.code,
                message: failure.message,
                retry_in: None,
            });
            return;
        }
        self.failures = self.failures.saturating_add(1);
        round.failures = round.failures.saturating_add(1);
        round.summary.retries += 1;
        let delay = self
            .config
            .backoff
            .delay(self.failures, self.jitter.next_u64());
        let until = Timestamp(now.0.saturating_add(millis(delay)));
        if round.failures > self.config.max_failures {
            round.summary.interrupted = Some(Interruption {
                code: failure.code.clone(),
                message: failure.message.clone(),
                retry_at: Some(until),
            });
            round.stage = Stage::Done;
            round.wait_until = None;
        } else {
            round.wait_until = Some(until);
        }
        self.progress.push(Progress::Error {
            code: failure.code,
            message: failure.message,
            retry_in: Some(delay),
        });
    }
}
