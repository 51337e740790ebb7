//! Patrol sync (issue 16, docs/patrol.md "On the device"): after a case sync round, the device's
//! 签到/签退 events, sealed track blocks and 专项普查 marks are pushed on their own routes
//! (core::protocol patrol contract), and the survey tasks are fetched into the store's cache.
//!
//! Invariants:
//! - it runs after case sync, never before, and nothing in it can hold case sync up: its failures
//!   are recorded on the items and retried with the engine's [`BackoffPolicy`], never returned as
//!   an error (only a store failure is);
//! - the pending points are sealed into blocks first; a block is resent with the same bytes under
//!   the same `(day, seq)` after a dropped connection, which the server acknowledges as a retry;
//! - an item the server refuses for good (a `track_*`/`survey_*` code, a malformed request; see
//!   `refusal`) is marked refused with its code and never resent; the other items go on;
//! - only an inspector (监督员) session pushes or fetches anything.

use super::{SyncClient, SyncError, now, on_store};
use crate::demo::rng::SplitMix64;
use crate::model::{Role, SurveyId, Timestamp};
use crate::protocol::{SignPush, SurveyMarksPush, TrackBlockPush};
use crate::store::PatrolItem;
use crate::sync::engine::{BackoffPolicy, Failure};

/// Marks per request (the contract's limit).
pub const MARKS_PER_PUSH: usize = 500;

/// Pending points are sealed into a block once the oldest is this old (or on 立即同步, and always
/// at 签退): the app syncs every 20 s, and a block per round would cost more in block headers and
/// requests than the points themselves.
pub const SEAL_AFTER_S: i64 = 10 * 60;

/// What one patrol pass did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PatrolRound {
    /// Blocks sealed before pushing.
    pub sealed: u32,
    /// Sign events the server acknowledged.
    pub signs_sent: u32,
    /// Track blocks the server acknowledged.
    pub blocks_sent: u32,
    /// Survey marks the server accepted.
    pub marks_sent: u32,
    /// Items refused for good in this pass.
    pub refused: u32,
    /// Survey tasks fetched into the cache (when asked and it worked).
    pub surveys: Option<u32>,
    /// The failure that ended the pass early (retried after the backoff).
    pub failure: Option<Failure>,
    /// The pass was skipped: still within the backoff of an earlier failure.
    pub skipped: bool,
}

/// The patrol pass's own backoff (apart from the case engine's).
#[derive(Clone, Debug)]
pub(crate) struct PatrolBackoff {
    failures: u32,
    retry_at: Option<Timestamp>,
    rng: SplitMix64,
    policy: BackoffPolicy,
    seal_now: bool,
}

impl PatrolBackoff {
    pub(crate) fn new(seed: u64) -> Self {
        PatrolBackoff {
            failures: 0,
            retry_at: None,
            rng: SplitMix64::new(seed ^ 0x7061_7472_6f6c),
            policy: BackoffPolicy::default(),
            seal_now: false,
        }
    }
}

/// Standard base64 with padding (the wire form of a block).
pub(crate) fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ABC[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// What to do about a failed item: `Some(code)` to set it aside for good, `None` to retry.
/// Only a refusal of the item itself is final: a `track_*`/`survey_*` code, a malformed or
/// oversized request, and for marks a survey the server no longer has. Anything else (a server
/// without these routes yet, busy, unreachable, a session problem) is retried, so data is never
/// dropped for a reason that is not the item's.
fn refusal(f: &Failure, mark: bool) -> Option<&str> {
    let code = f.code.as_str();
    let final_code = code.starts_with("track_")
        || code.starts_with("survey_")
        || matches!(
            code,
            "bad_request" | "bad_message" | "too_large" | "invalid_payload" | "invalid_id"
        )
        || (mark && code == "not_found");
    final_code.then_some(code)
}

impl SyncClient {
    /// One patrol pass: seal (when the oldest pending point is [`SEAL_AFTER_S`] old), push sign events, track blocks and survey marks, then (when
    /// `fetch_surveys`) refresh the survey cache. Call it after [`SyncClient::sync_once`].
    /// Network and server failures end the pass and are in [`PatrolRound::failure`]; the next
    /// pass before the backoff's retry time is skipped.
    pub async fn sync_patrol(&mut self, fetch_surveys: bool) -> Result<PatrolRound, SyncError> {
        let mut round = PatrolRound::default();
        if self.session.role != Role::Inspector {
            return Ok(round);
        }
        if self.patrol.retry_at.is_some_and(|at| now() < at) {
            round.skipped = true;
            return Ok(round);
        }
        let force = std::mem::take(&mut self.patrol.seal_now);
        let due_before = now().0.div_euclid(1000) - SEAL_AFTER_S;
        let sealed = on_store(&self.store, move |s| match s.patrol_unsealed_since()? {
            Some(oldest) if force || oldest <= due_before => s.patrol_seal(),
            _ => Ok(Vec::new()),
        })
        .await??;
        round.sealed = sealed.len() as u32;
        let failure = self.push_patrol(&mut round, fetch_surveys).await?.err();
        match &failure {
            None => {
                self.patrol.failures = 0;
                self.patrol.retry_at = None;
            }
            Some(f) => {
                self.patrol.failures = self.patrol.failures.saturating_add(1);
                let delay = self
                    .patrol
                    .policy
                    .delay(self.patrol.failures, self.patrol.rng.next_u64());
                let ms = i64::try_from(delay.as_millis()).unwrap_or(i64::MAX);
                self.patrol.retry_at = Some(Timestamp(now().0.saturating_add(ms)));
                tracing::debug!(code = %f.code, "patrol sync failed; retried later");
            }
        }
        round.failure = failure;
        Ok(round)
    }

    /// Forgets the patrol backoff and seals the pending points at the next pass (the user
    /// pressed 立即同步).
    pub fn patrol_retry_now(&mut self) {
        self.patrol.retry_at = None;
        self.patrol.seal_now = true;
    }

    async fn push_patrol(
        &mut self,
        round: &mut PatrolRound,
        fetch_surveys: bool,
    ) -> Result<Result<(), Failure>, SyncError> {
        // 1. Sign events (a sign-in before the track it opens).
        let signs = on_store(&self.store, |s| s.patrol_unsent_signs()).await??;
        for sign in signs {
            let push = SignPush {
                id: sign.id.clone(),
                kind: sign.kind,
                at: sign.at,
                lon: sign.lon,
                lat: sign.lat,
            };
            let result = self.http.push_sign(&push).await;
            self.learn_clock().await?;
            let id = sign.id;
            match result {
                Ok(()) => {
                    on_store(&self.store, move |s| {
                        s.patrol_item_sent(PatrolItem::Sign(&id))
                    })
                    .await??;
                    round.signs_sent += 1;
                }
                Err(f) => {
                    if let Some(code) = refusal(&f, false).map(str::to_owned) {
                        on_store(&self.store, move |s| {
                            s.patrol_item_refused(PatrolItem::Sign(&id), &code)
                        })
                        .await??;
                        round.refused += 1;
                    } else {
                        let code = f.code.clone();
                        on_store(&self.store, move |s| {
                            s.patrol_item_failed(PatrolItem::Sign(&id), &code)
                        })
                        .await??;
                        return Ok(Err(f));
                    }
                }
            }
        }
        // 2. Track blocks, by day and seq.
        let blocks = on_store(&self.store, |s| s.patrol_unsent_blocks()).await??;
        for block in blocks {
            let push = TrackBlockPush {
                day: block.day.clone(),
                seq: block.seq,
                block: base64(&block.bytes),
            };
            let result = self.http.push_track(&push).await;
            self.learn_clock().await?;
            let (day, seq) = (block.day, block.seq);
            match result {
                Ok(_ack) => {
                    on_store(&self.store, move |s| {
                        s.patrol_item_sent(PatrolItem::Block { day: &day, seq })
                    })
                    .await??;
                    round.blocks_sent += 1;
                }
                Err(f) => {
                    if let Some(code) = refusal(&f, false).map(str::to_owned) {
                        on_store(&self.store, move |s| {
                            s.patrol_item_refused(PatrolItem::Block { day: &day, seq }, &code)
                        })
                        .await??;
                        round.refused += 1;
                    } else {
                        let code = f.code.clone();
                        on_store(&self.store, move |s| {
                            s.patrol_item_failed(PatrolItem::Block { day: &day, seq }, &code)
                        })
                        .await??;
                        return Ok(Err(f));
                    }
                }
            }
        }
        // 3. Survey marks, per survey, at most MARKS_PER_PUSH a request.
        let marks = on_store(&self.store, |s| s.survey_unsent_marks()).await??;
        let mut by_survey: Vec<(SurveyId, Vec<crate::protocol::SurveyMarkWire>)> = Vec::new();
        for m in marks {
            match by_survey.iter_mut().find(|(id, _)| *id == m.survey_id) {
                Some((_, v)) => v.push(m.mark),
                None => by_survey.push((m.survey_id, vec![m.mark])),
            }
        }
        for (survey, marks) in by_survey {
            for chunk in marks.chunks(MARKS_PER_PUSH) {
                let push = SurveyMarksPush {
                    marks: chunk.to_vec(),
                };
                let result = self.http.push_marks(&survey.to_string(), &push).await;
                self.learn_clock().await?;
                let ids: Vec<String> = chunk.iter().map(|m| m.id.clone()).collect();
                match result {
                    Ok(ack) => {
                        let mut refused: Vec<Option<String>> = vec![None; ids.len()];
                        for (i, code) in ack.refused {
                            if let Some(slot) = refused.get_mut(i as usize) {
                                *slot = Some(code);
                            }
                        }
                        let (sent, set_aside) = on_store(&self.store, move |s| {
                            let (mut sent, mut set_aside) = (0u32, 0u32);
                            for (id, code) in ids.iter().zip(refused) {
                                match code {
                                    Some(c) => {
                                        s.patrol_item_refused(PatrolItem::Mark(id), &c)?;
                                        set_aside += 1;
                                    }
                                    None => {
                                        s.patrol_item_sent(PatrolItem::Mark(id))?;
                                        sent += 1;
                                    }
                                }
                            }
                            Ok::<_, crate::store::StoreError>((sent, set_aside))
                        })
                        .await??;
                        round.marks_sent += sent;
                        round.refused += set_aside;
                    }
                    Err(f) => {
                        let refused = refusal(&f, true).map(str::to_owned);
                        let code = f.code.clone();
                        let n = ids.len() as u32;
                        let stop = refused.is_none();
                        on_store(&self.store, move |s| {
                            for id in &ids {
                                match &refused {
                                    Some(c) => s.patrol_item_refused(PatrolItem::Mark(id), c)?,
                                    None => s.patrol_item_failed(PatrolItem::Mark(id), &code)?,
                                }
                            }
                            Ok::<_, crate::store::StoreError>(())
                        })
                        .await??;
                        if stop {
                            return Ok(Err(f));
                        }
                        round.refused += n;
                    }
                }
            }
        }
        // 4. The survey tasks assigned to this inspector.
        if fetch_surveys {
            let result = self.http.surveys().await;
            self.learn_clock().await?;
            match result {
                Ok(tasks) => {
                    let n = tasks.len() as u32;
                    let at = self.config.local_clock.now_ms();
                    on_store(&self.store, move |s| s.survey_cache_replace(&tasks, at)).await??;
                    round.surveys = Some(n);
                }
                Err(f) => return Ok(Err(f)),
            }
        }
        Ok(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::super::{ClientConfig, Session, SharedStore, SyncClient};
    use super::base64;
    use crate::codes::{CountyCode, GridCode};
    use crate::model::{CaseId, DeviceId, Role, SurveyId, UserId};
    use crate::patrol::{Recorder, SamplerConfig, decode, sim};
    use crate::protocol::{SurveyMarkWire, SurveyMarksPush, SurveyTaskWire, TrackBlockPush};
    use crate::store::{DeviceStore, OutboxState};
    use crate::survey::{Finding, Target};
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    #[test]
    fn base64_matches_the_standard_alphabet_and_padding() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64(&[0xff, 0xfe, 0x01, 0x47]), "//4BRw==");
    }

    /// A request the loopback server received.
    #[derive(Clone, Debug)]
    struct Seen {
        method: String,
        path: String,
        auth: Option<String>,
        body: Vec<u8>,
    }

    /// What the server does with a request: answer `(status, json)`, or read it and cut the
    /// connection without answering (the server may have stored it: a dropped reply).
    enum Reply {
        Json(u16, String),
        Cut,
    }

    type Handler = Arc<dyn Fn(&Seen, usize) -> Reply + Send + Sync>;

    /// A real HTTP/1.1 server on loopback, one thread per connection, that records every
    /// request and answers through `handler` (given the request and how many came before it).
    fn serve(handler: Handler) -> (String, Arc<Mutex<Vec<Seen>>>) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { return };
                let (log, handler) = (log.clone(), handler.clone());
                std::thread::spawn(move || connection(conn, &log, &*handler));
            }
        });
        (format!("http://{addr}"), seen)
    }

    fn connection(
        conn: TcpStream,
        log: &Mutex<Vec<Seen>>,
        handler: &(dyn Fn(&Seen, usize) -> Reply + Send + Sync),
    ) {
        let mut out = conn.try_clone().expect("clone");
        let mut reader = BufReader::new(conn);
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let mut parts = line.split_whitespace();
            let (method, path) = (
                parts.next().unwrap_or("").to_owned(),
                parts.next().unwrap_or("").to_owned(),
            );
            let (mut len, mut auth) = (0usize, None);
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap_or(0) == 0 {
                    return;
                }
                let h = h.trim_end();
                if h.is_empty() {
                    break;
                }
                let (name, value) = h.split_once(':').unwrap_or((h, ""));
                match name.to_ascii_lowercase().as_str() {
                    "content-length" => len = value.trim().parse().unwrap_or(0),
                    "authorization" => auth = Some(value.trim().to_owned()),
                    _ => {}
                }
            }
            let mut body = vec![0; len];
            if reader.read_exact(&mut body).is_err() {
                return;
            }
            let req = Seen {
                method,
                path,
                auth,
                body,
            };
            let n = {
                let mut l = log.lock().expect("log");
                l.push(req.clone());
                l.len() - 1
            };
            match handler(&req, n) {
                Reply::Cut => {
                    let _ = out.shutdown(std::net::Shutdown::Both);
                    return;
                }
                Reply::Json(status, json) => {
                    let head = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n\
                         content-length: {}\r\n\r\n",
                        json.len()
                    );
                    if out.write_all(head.as_bytes()).is_err()
                        || out.write_all(json.as_bytes()).is_err()
                    {
                        return;
                    }
                }
            }
        }
    }

    fn cell(n: u16) -> GridCode {
        GridCode::new(CountyCode::parse("620102").expect("county"), 1, 1, n).expect("cell")
    }

    fn session(role: Role) -> Session {
        Session {
            token: "tok-patrol".into(),
            device_id: DeviceId::from_parts(1_790_000_000_000, [3; 10]),
            actor_id: "0123456789abcdef0123456789abcdef".into(),
            user_id: UserId::from_parts(1_790_000_000_000, [1; 10]),
            role,
            department: None,
            tenant: "620102".into(),
            cells: vec![cell(1).to_string()],
        }
    }

    async fn client(base: &str, store: SharedStore, role: Role) -> SyncClient {
        let mut config = ClientConfig::new(base);
        config.connect_timeout = Duration::from_secs(2);
        config.request_timeout = Duration::from_secs(5);
        SyncClient::resume(config, store, session(role))
            .await
            .expect("client")
    }

    fn task(id: SurveyId) -> SurveyTaskWire {
        SurveyTaskWire {
            id,
            title: "井盖专项普查".into(),
            categories: vec![],
            assignments: [(
                UserId::from_parts(1_790_000_000_000, [1; 10]),
                [cell(1)].into(),
            )]
            .into(),
            components: Default::default(),
            starts_at: 1_796_000_000_000,
            due_at: 1_797_000_000_000,
        }
    }

    /// An hour's patrol recorded and pushed against a server that cuts the first track push
    /// after reading it, refuses one block for good, answers marks with one refusal, and lists
    /// a survey: the cut block is resent with the same bytes, the refused one is set aside and
    /// the rest still goes, the survey lands in the cache.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn blocks_are_resent_identically_and_refusals_are_set_aside() {
        let survey = SurveyId::from_parts(1_790_000_000_000, [9; 10]);
        let listed = serde_json::to_string(&crate::protocol::SurveyList {
            surveys: vec![task(survey)],
        })
        .expect("json");
        let tracks_seen = Arc::new(Mutex::new(0usize));
        let ts = tracks_seen.clone();
        let handler: Handler =
            Arc::new(
                move |req, _| match (req.method.as_str(), req.path.as_str()) {
                    ("POST", "/v1/patrol/signs") => Reply::Json(200, "{}".into()),
                    ("POST", "/v1/patrol/tracks") => {
                        let push: TrackBlockPush = serde_json::from_slice(&req.body).expect("push");
                        let mut n = ts.lock().expect("n");
                        *n += 1;
                        if *n == 1 {
                            Reply::Cut
                        } else if push.seq == 1 {
                            Reply::Json(
                                409,
                                r#"{"code":"track_conflict","message":"不同的内容"}"#.into(),
                            )
                        } else {
                            Reply::Json(200, r#"{"points":1,"stored":true}"#.into())
                        }
                    }
                    ("POST", p) if p.ends_with("/marks") => Reply::Json(
                        200,
                        r#"{"accepted":1,"refused":[[1,"survey_not_assigned"]]}"#.into(),
                    ),
                    ("GET", "/v1/surveys") => Reply::Json(200, listed.clone()),
                    _ => Reply::Json(404, r#"{"code":"not_found","message":"无"}"#.into()),
                },
            );
        let (base, seen) = serve(handler);
        let dir = tempfile::tempdir().expect("tempdir");
        let store = DeviceStore::open(dir.path().join("device.sqlite")).expect("store");
        let store: SharedStore = Arc::new(Mutex::new(store));

        // An hour's walk, sealed every 20 minutes; the last 20 minutes stay unsealed for the
        // runtime to seal.
        let t0 = 1_796_083_200;
        let script = sim::patrol_loop((103.83, 36.06), t0, 1.0, 5);
        {
            let mut s = store.lock().expect("store");
            let mut rec = Recorder::shanghai(&s, SamplerConfig::default()).expect("rec");
            let mut src = script.source();
            rec.sign_in(
                &mut s,
                "in-1".into(),
                t0 * 1000,
                src.fix_at(t0).expect("fix"),
            )
            .expect("in");
            let (mut t, mut next_seal) = (t0 + rec.next_interval_s(), t0 + 1200);
            while t <= src.end() {
                if let Some(f) = src.fix_at(t) {
                    rec.offer(&mut s, f).expect("offer");
                }
                if t >= next_seal {
                    rec.seal(&mut s).expect("seal");
                    next_seal += 1200;
                }
                t += rec.next_interval_s();
            }
            for i in 0..2 {
                let mark = SurveyMarkWire {
                    id: format!("mark-{i}"),
                    cell: cell(1 + i),
                    target: Target::Cell,
                    finding: if i == 0 {
                        Finding::Reported(CaseId::from_parts(1_796_000_000_000, [4; 10]))
                    } else {
                        Finding::NothingFound
                    },
                    at: t0 * 1000 + 60_000,
                };
                s.survey_mark_add(survey, &mark).expect("mark");
            }
        }
        let sealed_before = store.lock().expect("s").patrol_unsent_blocks().expect("b");
        assert!(sealed_before.len() >= 2, "{} blocks", sealed_before.len());

        // A 值班长's device pushes nothing.
        let mut other = client(&base, store.clone(), Role::ShiftLeader).await;
        assert_eq!(
            other.sync_patrol(true).await.expect("pass"),
            super::PatrolRound::default()
        );
        assert!(seen.lock().expect("seen").is_empty());

        let mut c = client(&base, store.clone(), Role::Inspector).await;
        let first = c.sync_patrol(true).await.expect("pass 1");
        assert_eq!(first.signs_sent, 1);
        assert_eq!(
            first.failure.as_ref().map(|f| f.code.as_str()),
            Some("network")
        );
        // Within the backoff the next pass does nothing.
        assert!(c.sync_patrol(true).await.expect("skip").skipped);
        c.patrol_retry_now();
        let second = c.sync_patrol(true).await.expect("pass 2");
        // The runtime sealed the last unsealed points into one more block.
        let blocks = store
            .lock()
            .expect("s")
            .patrol_day_blocks("2026-12-01")
            .expect("b");
        assert_eq!(first.sealed, 1);
        assert_eq!(blocks.len(), sealed_before.len() + 1);
        assert_eq!(second.failure, None, "{second:?}");
        assert_eq!(second.refused, 2, "block 1 and mark 1");
        assert_eq!(second.blocks_sent as usize, blocks.len() - 1);
        assert_eq!(second.marks_sent, 1);
        assert_eq!(second.surveys, Some(1));

        let seen = seen.lock().expect("seen").clone();
        assert!(
            seen.iter()
                .all(|r| r.auth.as_deref() == Some("Bearer tok-patrol"))
        );
        let tracks: Vec<TrackBlockPush> = seen
            .iter()
            .filter(|r| r.path == "/v1/patrol/tracks")
            .map(|r| serde_json::from_slice(&r.body).expect("push"))
            .collect();
        // The cut push and its retry carry the same key and the same bytes.
        assert_eq!(tracks[0], tracks[1]);
        assert_eq!((tracks[0].day.as_str(), tracks[0].seq), ("2026-12-01", 0));
        assert_eq!(tracks.len(), blocks.len() + 1);
        // Blocks concatenated in order decode to the day's points.
        let mut record = Vec::new();
        for b in &blocks {
            record.extend_from_slice(&b.bytes);
        }
        assert_eq!(
            decode(&record).expect("decode").len(),
            blocks.iter().map(|b| b.points as usize).sum::<usize>()
        );
        let marks: Vec<SurveyMarksPush> = seen
            .iter()
            .filter(|r| r.path == format!("/v1/surveys/{survey}/marks"))
            .map(|r| serde_json::from_slice(&r.body).expect("marks"))
            .collect();
        assert_eq!(marks.len(), 1);
        assert_eq!(marks[0].marks.len(), 2);

        let s = store.lock().expect("store");
        let c = s.patrol_counts().expect("counts");
        assert_eq!((c.pending_blocks, c.refused_blocks), (0, 1));
        assert_eq!(
            (c.pending_signs, c.pending_marks, c.refused_marks),
            (0, 0, 1)
        );
        let day = s.patrol_day_blocks("2026-12-01").expect("day");
        assert_eq!(day[1].state, OutboxState::Refused);
        assert_eq!(day[1].code.as_deref(), Some("track_conflict"));
        assert_eq!(s.survey_tasks().expect("tasks"), vec![task(survey)]);
        let rows = s.survey_marks(survey).expect("rows");
        assert_eq!(rows[1].code.as_deref(), Some("survey_not_assigned"));
    }

    /// A server without the patrol routes (an older one: 404 for everything) refuses nothing
    /// for good: the items stay pending for a later pass.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_server_without_the_routes_keeps_everything_pending() {
        let handler: Handler =
            Arc::new(|_, _| Reply::Json(404, r#"{"code":"not_found","message":"无"}"#.into()));
        let (base, seen) = serve(handler);
        let dir = tempfile::tempdir().expect("tempdir");
        let store = DeviceStore::open(dir.path().join("device.sqlite")).expect("store");
        let store: SharedStore = Arc::new(Mutex::new(store));
        let t0 = 1_796_083_200;
        {
            let mut s = store.lock().expect("store");
            let mut rec = Recorder::shanghai(&s, SamplerConfig::default()).expect("rec");
            let mut src = sim::patrol_loop((103.83, 36.06), t0, 0.5, 9).source();
            rec.sign_in(&mut s, "in".into(), t0 * 1000, src.fix_at(t0).expect("fix"))
                .expect("in");
            let mut t = t0 + 5;
            while t < t0 + 900 {
                if let Some(f) = src.fix_at(t) {
                    rec.offer(&mut s, f).expect("offer");
                }
                t += rec.next_interval_s();
            }
        }
        let mut c = client(&base, store.clone(), Role::Inspector).await;
        let r = c.sync_patrol(true).await.expect("pass");
        assert_eq!(
            r.failure.as_ref().map(|f| f.code.as_str()),
            Some("not_found")
        );
        assert_eq!((r.refused, r.signs_sent, r.sealed), (0, 0, 1));
        assert_eq!(
            seen.lock().expect("seen").len(),
            1,
            "the pass stops at the first failure"
        );
        let counts = store
            .lock()
            .expect("store")
            .patrol_counts()
            .expect("counts");
        assert_eq!((counts.pending_signs, counts.pending_blocks), (1, 1));
        assert_eq!((counts.refused_signs, counts.refused_blocks), (0, 0));
    }
}
