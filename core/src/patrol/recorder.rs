//! The device's patrol recorder (feature `store`): fixes from a position source go through the
//! [`Sampler`] into the device store while the inspector is on duty, and are sealed into day
//! record blocks at each sync and at 签退.
//!
//! Invariants:
//! - points are recorded only between a 签到 and the following 签退 (the duty state is the store's
//!   latest sign event, so it survives a restart);
//! - a point's day is its tenant-local calendar day (Asia/Shanghai unless told otherwise), so a
//!   shift past midnight writes two day records;
//! - a sign-out closes an open stop ([`Sampler::finish`]), records the event and seals, in one
//!   store transaction;
//! - the only I/O is the store; time comes from the fixes and the caller.

use super::TrackPoint;
use super::sampler::{Fix, Sampler, SamplerConfig};
use super::walk::{WalkRules, segments};
use crate::model::Timestamp;
use crate::protocol::SignKindWire;
use crate::store::{DeviceStore, OutboxState, SignRow, StoreError};
use chrono::{DateTime, FixedOffset};

/// A day's figures for the duty panel.
#[derive(Clone, Copy, PartialEq, Debug, Default)]
pub struct DayFigures {
    /// Points recorded (sealed and pending).
    pub points: u32,
    /// 巡查里程: metres of counted segments ([`segments`] with default rules).
    pub metres: f64,
    /// Bytes of the day's sealed record.
    pub record_bytes: u64,
}

/// Why a duty action was refused.
#[derive(Debug, thiserror::Error)]
pub enum RecorderError {
    /// 签退 without being on duty.
    #[error("尚未签到")]
    NotOnDuty,
    /// A position the record cannot keep.
    #[error("定位无效")]
    BadPosition,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl RecorderError {
    /// Stable code for the app.
    pub fn code(&self) -> &'static str {
        match self {
            RecorderError::NotOnDuty => "patrol_not_on_duty",
            RecorderError::BadPosition => "position_unavailable",
            RecorderError::Store(e) => e.code(),
        }
    }
}

/// One inspector's recorder on this device.
#[derive(Debug)]
pub struct Recorder {
    cfg: SamplerConfig,
    sampler: Sampler,
    offset: FixedOffset,
    on_duty: bool,
}

impl Recorder {
    /// A recorder for the store's user, on duty when the store's latest sign event is a
    /// sign-in; `utc_offset_s` is the tenant's offset east of UTC (see [`Recorder::shanghai`]).
    pub fn open(
        store: &DeviceStore,
        cfg: SamplerConfig,
        utc_offset_s: i32,
    ) -> Result<Recorder, StoreError> {
        let on_duty = store
            .patrol_last_sign()?
            .is_some_and(|s| s.kind == SignKindWire::In);
        Ok(Recorder {
            cfg,
            sampler: Sampler::new(cfg),
            offset: FixedOffset::east_opt(utc_offset_s).unwrap_or_else(Timestamp::shanghai),
            on_duty,
        })
    }

    /// [`Recorder::open`] for Asia/Shanghai.
    pub fn shanghai(store: &DeviceStore, cfg: SamplerConfig) -> Result<Recorder, StoreError> {
        Self::open(store, cfg, Timestamp::shanghai().local_minus_utc())
    }

    /// On duty (signed in, not signed out).
    pub fn on_duty(&self) -> bool {
        self.on_duty
    }

    /// The tenant-local day of `t` (seconds since the epoch), `YYYY-MM-DD`.
    pub fn day_of(&self, t: i64) -> String {
        DateTime::from_timestamp(t, 0)
            .map(|d| d.with_timezone(&self.offset).format("%Y-%m-%d").to_string())
            .unwrap_or_default()
    }

    /// The interval to ask the source for now (seconds).
    pub fn next_interval_s(&self) -> i64 {
        self.sampler.next_interval_s().max(1)
    }

    fn dated(&self, points: Vec<TrackPoint>) -> Vec<(String, TrackPoint)> {
        points.into_iter().map(|p| (self.day_of(p.t), p)).collect()
    }

    /// Offers a fix from the source; returns the points stored (none when off duty).
    pub fn offer(&mut self, store: &mut DeviceStore, fix: Fix) -> Result<usize, StoreError> {
        if !self.on_duty {
            return Ok(0);
        }
        let points = self.sampler.offer(fix);
        if points.is_empty() {
            return Ok(0);
        }
        store.patrol_append(&self.dated(points))
    }

    /// 签到 at `fix` (its time and place): records the event and starts a fresh track with the
    /// fix as its first point. Signing in while on duty returns the open sign-in unchanged.
    pub fn sign_in(
        &mut self,
        store: &mut DeviceStore,
        id: String,
        at_ms: i64,
        fix: Fix,
    ) -> Result<SignRow, RecorderError> {
        if !(fix.lon.is_finite() && fix.lat.is_finite()) {
            return Err(RecorderError::BadPosition);
        }
        if self.on_duty
            && let Some(open) = store.patrol_last_sign()?
        {
            return Ok(open);
        }
        self.sampler = Sampler::new(self.cfg);
        let row = SignRow {
            id,
            kind: SignKindWire::In,
            at: at_ms,
            lon: fix.lon,
            lat: fix.lat,
            state: OutboxState::Pending,
            code: None,
        };
        let first = self.sampler.offer(fix);
        let first = self.dated(first);
        store.patrol_sign(&row, &first, false)?;
        self.on_duty = true;
        Ok(row)
    }

    /// 签退 at (lon, lat): closes an open stop, records the event and seals the day's points,
    /// in one transaction. Stops recording.
    pub fn sign_out(
        &mut self,
        store: &mut DeviceStore,
        id: String,
        at_ms: i64,
        lon: f64,
        lat: f64,
    ) -> Result<SignRow, RecorderError> {
        if !self.on_duty {
            return Err(RecorderError::NotOnDuty);
        }
        if !(lon.is_finite() && lat.is_finite()) {
            return Err(RecorderError::BadPosition);
        }
        let closing: Vec<TrackPoint> = self.sampler.finish().into_iter().collect();
        let closing = self.dated(closing);
        let row = SignRow {
            id,
            kind: SignKindWire::Out,
            at: at_ms,
            lon,
            lat,
            state: OutboxState::Pending,
            code: None,
        };
        store.patrol_sign(&row, &closing, true)?;
        self.on_duty = false;
        self.sampler = Sampler::new(self.cfg);
        Ok(row)
    }

    /// Seals the pending points into blocks (called before each patrol push).
    pub fn seal(&mut self, store: &mut DeviceStore) -> Result<Vec<(String, u32)>, StoreError> {
        store.patrol_seal()
    }
}

/// A new id for a sign event or a survey mark (UUID v7 text: the push's idempotency key).
pub fn new_item_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// The figures of `day` from the store.
pub fn day_figures(store: &DeviceStore, day: &str) -> Result<DayFigures, StoreError> {
    let points = store.patrol_day_points(day)?;
    let metres = segments(&points, &WalkRules::default())
        .iter()
        .map(|s| s.metres)
        .sum();
    Ok(DayFigures {
        points: u32::try_from(points.len()).unwrap_or(u32::MAX),
        metres,
        record_bytes: store.patrol_day_record(day)?.len() as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patrol::{decode, sim};
    use crate::store::PatrolItem;

    /// 2026-12-01 08:00 Asia/Shanghai.
    const T0: i64 = 1_796_083_200;
    const START: (f64, f64) = (103.83, 36.06);

    fn store(dir: &tempfile::TempDir) -> DeviceStore {
        DeviceStore::open(dir.path().join("device.sqlite")).expect("store")
    }

    /// Drives `script` through the recorder the way the app does: sign in at the first fix,
    /// the next fix after the sampler's interval, a seal (a sync) every `seal_every` seconds,
    /// sign out at the end. Returns the sealed blocks made.
    fn patrol(rec: &mut Recorder, s: &mut DeviceStore, script: &sim::Script, seal_every: i64) {
        let mut source = script.source();
        let first = source.fix_at(script.t0).expect("first fix");
        rec.sign_in(s, "sign-in-1".into(), script.t0 * 1000, first)
            .expect("sign in");
        let mut t = script.t0 + rec.next_interval_s();
        let mut next_seal = script.t0 + seal_every;
        while t <= source.end() {
            let Some(fix) = source.fix_at(t) else {
                t += 1;
                continue;
            };
            rec.offer(s, fix).expect("offer");
            if t >= next_seal {
                rec.seal(s).expect("seal");
                next_seal += seal_every;
            }
            t += rec.next_interval_s();
        }
        let end = source.end();
        rec.sign_out(s, "sign-out-1".into(), end * 1000, START.0, START.1)
            .expect("sign out");
    }

    #[test]
    fn an_eight_hour_patrol_is_recorded_in_blocks_under_20_kb() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut s = store(&dir);
        let mut rec = Recorder::shanghai(&s, SamplerConfig::default()).expect("recorder");
        assert!(!rec.on_duty());
        let script = sim::patrol_loop(START, T0, 8.0, 7);
        patrol(&mut rec, &mut s, &script, 15 * 60);
        assert!(!rec.on_duty());

        let day = rec.day_of(T0);
        assert_eq!(day, "2026-12-01");
        let blocks = s.patrol_day_blocks(&day).expect("blocks");
        // A block per 15-minute sync (a sync in the tunnel or a stop may have nothing to seal).
        assert!(blocks.len() >= 20, "{} blocks", blocks.len());
        let seqs: Vec<u32> = blocks.iter().map(|b| b.seq).collect();
        assert_eq!(seqs, (0..blocks.len() as u32).collect::<Vec<_>>());
        assert!(blocks.iter().all(|b| b.state == OutboxState::Pending));
        let record = s.patrol_day_record(&day).expect("record");
        assert!(record.len() <= 20 * 1024, "{} bytes", record.len());

        // The record holds exactly what the sampler recorded over the same fixes.
        let want: Vec<TrackPoint> = script
            .run(SamplerConfig::default())
            .points
            .iter()
            .map(|p| p.quantised())
            .collect();
        assert_eq!(decode(&record).expect("decode"), want);
        assert_eq!(s.patrol_day_points(&day).expect("points"), want);

        let fig = day_figures(&s, &day).expect("figures");
        assert_eq!(fig.points as usize, want.len());
        // About 8 hours at 1.2 m/s less stops and the tunnel: well over 20 km walked.
        assert!(
            fig.metres > 20_000.0 && fig.metres < 35_000.0,
            "{} m",
            fig.metres
        );
        let c = s.patrol_counts().expect("counts");
        assert_eq!(
            (c.unsealed_points, c.pending_blocks, c.pending_signs),
            (0, blocks.len() as u64, 2)
        );
    }

    #[test]
    fn nothing_is_recorded_off_duty_and_midnight_starts_a_new_day() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut s = store(&dir);
        let mut rec = Recorder::shanghai(&s, SamplerConfig::default()).expect("recorder");
        let fix = |t: i64, dx: f64| Fix {
            t,
            lon: START.0 + dx,
            lat: START.1,
            accuracy_m: 5.0,
        };
        assert_eq!(rec.offer(&mut s, fix(T0, 0.0)).expect("offer"), 0);
        assert!(matches!(
            rec.sign_out(&mut s, "x".into(), T0 * 1000, START.0, START.1),
            Err(RecorderError::NotOnDuty)
        ));
        // 23:59:00 local, walking east past midnight (a point every 10 s, 20 m apart).
        let late = T0 + 16 * 3600 - 60;
        rec.sign_in(&mut s, "in".into(), late * 1000, fix(late, 0.0))
            .expect("in");
        // Signing in again while on duty keeps the open sign-in.
        let again = rec
            .sign_in(&mut s, "in-2".into(), late * 1000 + 5, fix(late + 1, 0.0))
            .expect("again");
        assert_eq!(again.id, "in");
        for i in 1..=12 {
            rec.offer(&mut s, fix(late + 10 * i, 0.000_22 * i as f64))
                .expect("offer");
        }
        // A restarted app: a recorder reopened from the store is still on duty.
        let mut rec = Recorder::shanghai(&s, SamplerConfig::default()).expect("reopen");
        assert!(rec.on_duty());
        // The new sampler's first point lies before the last stored one: dropped.
        rec.offer(&mut s, fix(late + 5, 0.0)).expect("offer");
        rec.sign_out(&mut s, "out".into(), (late + 200) * 1000, START.0, START.1)
            .expect("out");
        let (d1, d2) = ("2026-12-01", "2026-12-02");
        let a = s.patrol_day_points(d1).expect("d1");
        let b = s.patrol_day_points(d2).expect("d2");
        assert!(a.iter().all(|p| p.t < T0 + 16 * 3600) && !a.is_empty());
        assert!(b.iter().all(|p| p.t >= T0 + 16 * 3600) && !b.is_empty());
        assert_eq!(s.patrol_day_blocks(d2).expect("b")[0].seq, 0);
        assert_eq!(rec.offer(&mut s, fix(late + 300, 0.01)).expect("off"), 0);
        let signs = s.patrol_signs_since(0).expect("signs");
        assert_eq!(
            signs.iter().map(|x| x.id.as_str()).collect::<Vec<_>>(),
            ["in", "out"]
        );
    }

    #[test]
    fn outbox_rows_only_move_forward() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut s = store(&dir);
        let mut rec = Recorder::shanghai(&s, SamplerConfig::default()).expect("recorder");
        let script = sim::patrol_loop(START, T0, 1.0, 3);
        patrol(&mut rec, &mut s, &script, 20 * 60);
        let blocks = s.patrol_unsent_blocks().expect("unsent");
        assert!(blocks.len() >= 3);
        let day = blocks[0].day.clone();
        s.patrol_item_failed(PatrolItem::Block { day: &day, seq: 0 }, "network")
            .expect("failed");
        s.patrol_item_sent(PatrolItem::Block { day: &day, seq: 0 })
            .expect("sent");
        s.patrol_item_refused(PatrolItem::Block { day: &day, seq: 1 }, "track_conflict")
            .expect("refused");
        // Final states stay: a late "refused" for a sent block and a "sent" for a refused one.
        s.patrol_item_refused(PatrolItem::Block { day: &day, seq: 0 }, "track_conflict")
            .expect("no-op");
        s.patrol_item_sent(PatrolItem::Block { day: &day, seq: 1 })
            .expect("no-op");
        let all = s.patrol_day_blocks(&day).expect("blocks");
        assert_eq!(all[0].state, OutboxState::Sent);
        assert_eq!(all[1].state, OutboxState::Refused);
        assert_eq!(all[1].code.as_deref(), Some("track_conflict"));
        let unsent: Vec<u32> = s
            .patrol_unsent_blocks()
            .expect("unsent")
            .iter()
            .map(|b| b.seq)
            .collect();
        assert_eq!(unsent, (2..blocks.len() as u32).collect::<Vec<_>>());
        let c = s.patrol_counts().expect("counts");
        assert_eq!(c.refused_blocks, 1);
        // The same sign id again is ignored (a retried command).
        let before = s.patrol_signs_since(0).expect("signs").len();
        let row = s.patrol_last_sign().expect("last").expect("a sign");
        s.patrol_sign(&row, &[], false).expect("again");
        assert_eq!(s.patrol_signs_since(0).expect("signs").len(), before);
    }
}
