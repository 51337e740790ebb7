//! A simulated network for the engine: an in-memory server that speaks protocol v1's semantics
//! over real case documents, devices on real SQLite files, and a driver that executes the
//! engine's operations synchronously with a seeded fault injector (a lost request, a lost
//! answer, a cut upload). No sockets, no sleeps: a backoff advances a virtual clock.

use super::engine::{BlobOffset, DocReport, EngineConfig, Failure, Op, RoundSummary, SyncEngine};
use super::local;
use crate::codes::{CategoryCode, CategoryKind, CategoryRef, CountyCode};
use crate::doc::CaseDoc;
use crate::model::{
    Actor, CaseId, DeviceId, EventId, Hlc, Location, LocationSource, PhotoRef, PhotoRole, Role,
    Sha256, SourceChannel, Timestamp, Urgency, UserId,
};
use crate::protocol::{
    DocOutcome, DocResult, FeedEntry, FeedPage, FeedRow, Limits, SyncRequest, SyncResponse,
};
use crate::store::{BlobSource, DeviceStore};
use crate::workflow::{Event, EventKind, ReportPayload};
use automerge::{ActorId, ChangeHash};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

mod tests;

pub(crate) const T0: i64 = 1_795_744_800_000;

/// The server's copy of a case.
struct ServerCase {
    doc: CaseDoc,
    seq: u64,
}

/// An in-memory protocol v1 server.
#[derive(Default)]
pub(crate) struct SimServer {
    cases: BTreeMap<CaseId, ServerCase>,
    seq: u64,
    /// Cases whose incoming changes are refused, with the code.
    pub(crate) refuse: HashMap<CaseId, String>,
    /// Blob bytes received (complete or partial) and which are complete.
    pub(crate) blobs: HashMap<Sha256, Vec<u8>>,
    pub(crate) complete: HashSet<Sha256>,
    /// Merges performed that added changes (to count "exactly once").
    pub(crate) merges: usize,
    /// Body bytes received for blob PUTs.
    pub(crate) blob_bytes_in: u64,
    /// Most documents accepted in one request (more: `too_large`).
    pub(crate) max_docs: usize,
}

fn heads_hex(heads: &[ChangeHash]) -> Vec<String> {
    heads.iter().map(ToString::to_string).collect()
}

impl SimServer {
    pub(crate) fn new() -> Self {
        SimServer {
            max_docs: usize::MAX,
            ..SimServer::default()
        }
    }

    pub(crate) fn case_ids(&self) -> Vec<CaseId> {
        self.cases.keys().copied().collect()
    }

    pub(crate) fn events(&self, case_id: CaseId) -> Vec<Event> {
        self.cases
            .get(&case_id)
            .map(|c| c.doc.events().expect("server events"))
            .unwrap_or_default()
    }

    pub(crate) fn heads(&mut self, case_id: CaseId) -> Vec<ChangeHash> {
        self.cases
            .get_mut(&case_id)
            .map(|c| c.doc.heads())
            .unwrap_or_default()
    }

    pub(crate) fn feed(&mut self, cursor: u64, limit: u32) -> FeedPage {
        let mut entries: Vec<(u64, CaseId)> = self
            .cases
            .iter()
            .filter(|(_, c)| c.seq > cursor)
            .map(|(id, c)| (c.seq, *id))
            .collect();
        entries.sort();
        let more = entries.len() > limit as usize;
        entries.truncate(limit as usize);
        let next = entries.last().map_or(cursor, |e| e.0);
        FeedPage {
            entries: entries
                .into_iter()
                .map(|(seq, case_id)| FeedEntry {
                    case_id,
                    seq,
                    heads: heads_hex(&self.heads(case_id)),
                    row: FeedRow::default(),
                })
                .collect(),
            cursor: next,
            more,
        }
    }

    pub(crate) fn sync(&mut self, request: &SyncRequest) -> Result<SyncResponse, Failure> {
        if request.docs.len() > self.max_docs {
            return Err(Failure::new("too_large", "too many documents"));
        }
        let docs = request.docs.iter().map(|p| self.sync_one(p)).collect();
        Ok(SyncResponse { docs })
    }

    fn sync_one(&mut self, push: &crate::protocol::DocPush) -> DocResult {
        let case_id = push.case_id;
        let refuse = self.refuse.get(&case_id).cloned();
        let outcome = match refuse {
            Some(code) if !push.changes.is_empty() => DocOutcome::Rejected {
                message: code.clone(),
                code,
            },
            _ => self.merge(case_id, &push.changes),
        };
        let rejected = matches!(outcome, DocOutcome::Rejected { .. });
        let have = local::parse_heads(&push.have).expect("heads");
        let (heads, changes, seq) = match self.cases.get_mut(&case_id) {
            Some(case) => {
                let changes = if rejected || have.is_empty() {
                    case.doc.save()
                } else {
                    case.doc.save_after(&have)
                };
                (case.doc.heads(), changes, case.seq)
            }
            None => (Vec::new(), Vec::new(), 0),
        };
        DocResult {
            case_id,
            outcome,
            heads: local::wire_heads(&heads),
            changes,
            seq,
        }
    }

    fn merge(&mut self, case_id: CaseId, changes: &[u8]) -> DocOutcome {
        if changes.is_empty() {
            return DocOutcome::Accepted;
        }
        let bad = |e: crate::doc::DocError| DocOutcome::Rejected {
            code: "bad_message".into(),
            message: e.to_string(),
        };
        match self.cases.get_mut(&case_id) {
            Some(case) => {
                let mut trial = case.doc.fork();
                let before = trial.heads();
                if let Err(e) = trial.load_incremental(changes) {
                    return bad(e);
                }
                if trial.heads() != before {
                    self.seq += 1;
                    self.merges += 1;
                    case.doc.merge(&mut trial).expect("merge");
                    case.seq = self.seq;
                }
            }
            None => match CaseDoc::load(changes) {
                Ok(doc) => {
                    self.seq += 1;
                    self.merges += 1;
                    self.cases
                        .insert(case_id, ServerCase { doc, seq: self.seq });
                }
                Err(e) => return bad(e),
            },
        }
        DocOutcome::Accepted
    }

    /// Appends an event to the server's copy, as another device's accepted push would.
    pub(crate) fn append(&mut self, case_id: CaseId, actor: ActorId, event: &Event) {
        let case = self.cases.get_mut(&case_id).expect("case on server");
        case.doc.set_actor(actor);
        case.doc.append(event).expect("append");
        self.seq += 1;
        case.seq = self.seq;
    }

    pub(crate) fn head(&self, sha256: Sha256) -> BlobOffset {
        BlobOffset {
            offset: self.blobs.get(&sha256).map_or(0, |b| b.len() as u64),
            complete: self.complete.contains(&sha256),
        }
    }

    pub(crate) fn put(
        &mut self,
        sha256: Sha256,
        offset: u64,
        total: u64,
        bytes: &[u8],
    ) -> Result<BlobOffset, Failure> {
        self.blob_bytes_in += bytes.len() as u64;
        if self.complete.contains(&sha256) {
            return Ok(self.head(sha256));
        }
        let held = self.blobs.entry(sha256).or_default();
        if held.len() as u64 != offset {
            return Err(Failure::new(
                "offset_mismatch",
                format!("at {}", held.len()),
            ));
        }
        held.extend_from_slice(bytes);
        if held.len() as u64 >= total {
            if Sha256::digest(held) != sha256 {
                self.blobs.remove(&sha256);
                return Err(Failure::new("hash_mismatch", "bad hash"));
            }
            self.complete.insert(sha256);
        }
        Ok(self.head(sha256))
    }
}

/// Where faults strike, drawn from a seeded generator.
pub(crate) struct Faults {
    state: u64,
    /// Chance (per mille) that a request is lost before the server sees it.
    pub(crate) lose_request: u64,
    /// Chance (per mille) that the answer is lost after the server acted.
    pub(crate) lose_answer: u64,
    /// Chance (per mille) that an upload is cut halfway (the server keeps the first half).
    pub(crate) cut_upload: u64,
}

impl Faults {
    pub(crate) fn none() -> Self {
        Faults::new(0, 0, 0, 0)
    }

    pub(crate) fn new(seed: u64, lose_request: u64, lose_answer: u64, cut_upload: u64) -> Self {
        Faults {
            state: seed,
            lose_request,
            lose_answer,
            cut_upload,
        }
    }

    fn roll(&mut self, per_mille: u64) -> bool {
        self.state = self
            .state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.state >> 33) % 1000 < per_mille
    }
}

fn lost() -> Failure {
    Failure::network("connection reset (simulated)")
}

/// A device: its store, engine and virtual clock.
pub(crate) struct SimDevice {
    pub(crate) store: DeviceStore,
    pub(crate) engine: SyncEngine,
    pub(crate) now: Timestamp,
    pub(crate) actor: Actor,
    pub(crate) actor_id: ActorId,
    /// Total virtual time spent waiting on backoffs.
    pub(crate) waited: Duration,
    /// The network operations executed, in order (`feed`, `sync`, `head`, `put`).
    pub(crate) log: Vec<&'static str>,
    /// Blob bytes sent (whether or not they arrived).
    pub(crate) blob_bytes_sent: u64,
    pub(crate) dir: tempfile::TempDir,
}

pub(crate) fn test_config() -> EngineConfig {
    EngineConfig {
        limits: Limits::default(),
        blob_chunk: 16 * 1024,
        ..EngineConfig::default()
    }
}

impl SimDevice {
    pub(crate) fn new(n: u8, role: Role, config: EngineConfig) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = DeviceStore::open(dir.path().join("device.sqlite")).expect("open");
        let actor_id = ActorId::from([n; 16]);
        store.set_actor_id(&actor_id).expect("actor");
        SimDevice {
            store,
            engine: SyncEngine::new(config, u64::from(n)),
            now: Timestamp(T0),
            actor: Actor {
                user: UserId::from_parts(T0 as u64, [n, 1, 0, 0, 0, 0, 0, 0, 0, 0]),
                device: DeviceId::from_parts(T0 as u64, [n, 2, 0, 0, 0, 0, 0, 0, 0, 0]),
                role,
                org: None,
            },
            actor_id,
            waited: Duration::ZERO,
            log: Vec::new(),
            blob_bytes_sent: 0,
            dir,
        }
    }

    fn event(&mut self, seq: u16, kind: EventKind) -> Event {
        self.now = Timestamp(self.now.0 + 1000);
        let id = EventId::from_parts(
            self.now.0 as u64,
            [
                self.actor_id.to_bytes()[0],
                (seq >> 8) as u8,
                seq as u8,
                0,
                0,
                0,
                0,
                0,
                0,
                1,
            ],
        );
        Event {
            id,
            hlc: Hlc {
                ms: self.now.0,
                counter: 0,
                node: Hlc::node_of(&self.actor.device),
            },
            actor: self.actor,
            received_at: None,
            kind,
        }
    }

    /// Reports a case offline with `photos` photos of `photo_size` bytes (handed to the store).
    pub(crate) fn report(&mut self, n: u16, photos: u8, photo_size: usize) -> CaseId {
        let blobs: Vec<Vec<u8>> = (0..photos)
            .map(|p| {
                pseudo_random_bytes(
                    u64::from(n) << 8 | u64::from(p) | u64::from(self.actor_id.to_bytes()[0]) << 32,
                    photo_size,
                )
            })
            .collect();
        let refs = blobs
            .iter()
            .map(|b| PhotoRef {
                sha256: Sha256::digest(b),
                role: PhotoRole::Before,
                taken_at: None,
                location: None,
                size: b.len() as u64,
            })
            .collect();
        let payload = ReportPayload {
            source: SourceChannel::InspectorPatrol,
            category: CategoryRef {
                kind: CategoryKind::Matter,
                code: CategoryCode::parse("06010").expect("code"),
            },
            location: Location::new(103.83, 36.06, Some(5.0), LocationSource::Gps).expect("loc"),
            cell: None,
            component: None,
            address: format!("城关区庆阳路 {n} 号"),
            description: "暴露垃圾".into(),
            urgency: Urgency::Normal,
            photos: refs,
            reporter: None,
            external_id: None,
            external_deadline: None,
            verification_waived: None,
        };
        let event = self.event(n, EventKind::Report(payload));
        let case_id = CaseId::from_parts(
            self.now.0 as u64,
            event.id.as_bytes()[6..].try_into().expect("10 bytes"),
        );
        let tenant = CountyCode::parse("620102").expect("county");
        let mut doc = CaseDoc::create(case_id, tenant, self.actor_id.clone(), &event).expect("doc");
        self.store.create_case(&mut doc).expect("create");
        for b in blobs {
            let size = b.len() as u64;
            self.store
                .enqueue_blob(Sha256::digest(&b), BlobSource::Bytes(b), size)
                .expect("blob");
        }
        case_id
    }

    pub(crate) fn comment(&mut self, case_id: CaseId, n: u16, text: &str) -> Event {
        let event = self.event(n, EventKind::Comment { text: text.into() });
        self.store.append_event(case_id, &event).expect("append");
        event
    }

    /// Runs one round against `server` through `faults`.
    pub(crate) fn sync(&mut self, server: &mut SimServer, faults: &mut Faults) -> RoundSummary {
        let state = local::local_state(&self.store, 10_000).expect("local state");
        self.engine.start(self.now, state);
        loop {
            self.now = Timestamp(self.now.0 + 1);
            match self.engine.next(self.now) {
                Op::PullFeed { cursor, limit } => {
                    self.log.push("feed");
                    let result = if faults.roll(faults.lose_request) {
                        Err(lost())
                    } else {
                        let page = server.feed(cursor, limit);
                        if faults.roll(faults.lose_answer) {
                            Err(lost())
                        } else {
                            Ok(page)
                        }
                    };
                    self.engine.feed_pulled(self.now, result);
                }
                Op::Sync { docs } => {
                    self.log.push("sync");
                    let limits = self.engine.config().limits;
                    let prepared = local::prepare_sync(&self.store, &docs, &limits);
                    let mut reports: Vec<DocReport> = prepared.reports;
                    let result = if faults.roll(faults.lose_request) {
                        Err(lost())
                    } else {
                        match server.sync(&prepared.request) {
                            Err(f) => Err(f),
                            Ok(_) if faults.roll(faults.lose_answer) => Err(lost()),
                            Ok(response) => {
                                reports.extend(local::apply_sync(
                                    &mut self.store,
                                    &prepared.request,
                                    response,
                                    self.now,
                                ));
                                Ok(reports)
                            }
                        }
                    };
                    self.engine.synced(self.now, result);
                }
                Op::ProbeBlob { sha256 } => {
                    self.log.push("head");
                    let result = if faults.roll(faults.lose_request) {
                        Err(lost())
                    } else {
                        Ok(server.head(sha256))
                    };
                    self.engine.blob_probed(self.now, sha256, result);
                }
                Op::PutBlob {
                    sha256,
                    offset,
                    len,
                    total,
                } => {
                    self.log.push("put");
                    let bytes = local::read_blob_chunk(&self.store, sha256, offset, len);
                    if let Ok(b) = &bytes {
                        self.blob_bytes_sent += b.len() as u64;
                    }
                    let result = match bytes {
                        Err(f) => Err(f),
                        Ok(bytes) if faults.roll(faults.cut_upload) => {
                            let half = &bytes[..bytes.len() / 2];
                            let _ = server.put(sha256, offset, u64::MAX, half);
                            Err(lost())
                        }
                        Ok(bytes) => server.put(sha256, offset, total, &bytes),
                    };
                    self.engine.blob_put(self.now, sha256, result);
                }
                Op::Record(record) => local::record(&mut self.store, &record).expect("record"),
                Op::Wait { until } => {
                    self.waited += Duration::from_millis((until.0 - self.now.0).max(0) as u64);
                    self.now = until;
                }
                Op::Finished(summary) => return summary,
                Op::Idle => unreachable!("a round was started"),
            }
        }
    }

    /// Syncs until a clean round (at most `rounds`); returns the summaries.
    pub(crate) fn sync_until_clean(
        &mut self,
        server: &mut SimServer,
        faults: &mut Faults,
        rounds: usize,
    ) -> Vec<RoundSummary> {
        let mut out = Vec::new();
        for _ in 0..rounds {
            let summary = self.sync(server, faults);
            let interrupted = summary.interrupted.clone();
            out.push(summary);
            match interrupted {
                None => return out,
                Some(i) => {
                    if let Some(at) = i.retry_at {
                        self.now = self.now.max(at);
                    }
                }
            }
        }
        out
    }
}

/// Deterministic pseudo-random bytes (photos for tests).
pub(crate) fn pseudo_random_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed ^ 0x5851_f42d_4c95_7f2d;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        out.extend_from_slice(&(state >> 11).to_le_bytes());
    }
    out.truncate(len);
    out
}
