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
//! - an item the server refuses for good (a `track_*`/`survey_*` code, any permanent refusal) is
//!   marked refused with its code and never resent; the other items go on;
//! - only an inspector (监督员) session pushes or fetches anything.

use super::{SyncClient, SyncError, now, on_store};
use crate::demo::rng::SplitMix64;
use crate::model::{Role, SurveyId, Timestamp};
use crate::protocol::{SignPush, SurveyMarksPush, TrackBlockPush};
use crate::store::PatrolItem;
use crate::sync::engine::{BackoffPolicy, Failure, FailureClass};

/// Marks per request (the contract's limit).
pub const MARKS_PER_PUSH: usize = 500;

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
}

impl PatrolBackoff {
    pub(crate) fn new(seed: u64) -> Self {
        PatrolBackoff {
            failures: 0,
            retry_at: None,
            rng: SplitMix64::new(seed ^ 0x7061_7472_6f6c),
            policy: BackoffPolicy::default(),
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
fn refusal(f: &Failure) -> Option<&str> {
    match f.class() {
        FailureClass::Permanent | FailureClass::Refused => Some(f.code.as_str()),
        FailureClass::Retry | FailureClass::Fatal | FailureClass::Resync => None,
    }
}

impl SyncClient {
    /// One patrol pass: seal, push sign events, track blocks and survey marks, then (when
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
        let sealed = on_store(&self.store, |s| s.patrol_seal()).await??;
        round.sealed = sealed.len() as u32;
        let failure = match self.push_patrol(&mut round, fetch_surveys).await? {
            Ok(()) => None,
            Err(f) => Some(f),
        };
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

    /// Forgets the patrol backoff (the user pressed 立即同步).
    pub fn patrol_retry_now(&mut self) {
        self.patrol.retry_at = None;
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
                    if let Some(code) = refusal(&f).map(str::to_owned) {
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
                    if let Some(code) = refusal(&f).map(str::to_owned) {
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
                        let refused = refusal(&f).map(str::to_owned);
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
    use super::base64;

    #[test]
    fn base64_matches_the_standard_alphabet_and_padding() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64(&[0xff, 0xfe, 0x01, 0x47]), "//4BRw==");
    }
}
