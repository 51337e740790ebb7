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
