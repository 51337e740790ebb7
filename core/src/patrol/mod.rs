//! Inspectors' patrols (巡查): the positions an on-duty tablet records, their compact day record,
//! and the figures a centre reads from them: 巡查轨迹, 在岗 (duty), 区域覆盖率 (cell coverage),
//! 巡查里程 and the exact 漏报 rule.
//!
//! - [`sampler`]: the battery-aware filter between the position source and the record: an
//!   accuracy filter, a minimum interval, a distance threshold measured from a smoothed position,
//!   and nothing recorded while the inspector stands still (the stop is closed by one point when
//!   they move on, so its time still counts).
//! - [`codec`]: the day record, delta-encoded varints in self-contained blocks that a device
//!   appends as it syncs (about 4–5 bytes per point); the decoder treats every byte as hostile.
//! - [`walk`]: a day's points cut into counted segments: a stop or a walk between two points is
//!   counted, a jump (faster than a person walks or rides) or a gap with no fixes (a tunnel, a
//!   switched-off tablet) is not.
//! - [`coverage`]: per cell and day (visited, metres, seconds) and per inspector and period
//!   (区域覆盖率 of the assigned cells, 巡查里程, time outside the assigned cells).
//! - [`duty`]: the roster's shifts, sign-in/out, 在岗时长 and 在岗率.
//! - [`missed`]: 漏报 — a case from the public, a camera or a superior whose location the cell's
//!   inspector walked past within a distance during a window before the report, with the track
//!   segment as evidence.
//! - [`recorder`] (feature `store`): the device side — fixes through the sampler into the device
//!   store between 签到 and 签退, sealed into day record blocks at each sync and at 签退.
//! - [`sim`]: scripted walks with GPS noise, stops and signal gaps, for tests, benchmarks and the
//!   desktop's simulated position source.
//!
//! Invariants: pure (no I/O, no clock, no randomness outside [`sim`]'s seeded generator), except
//! [`recorder`], whose only I/O is the device store;
//! positions are WGS84 lon/lat degrees, quantised to 10⁻⁵° (about 1 m) by the record; times are
//! whole seconds since the Unix epoch and strictly increase within an inspector's day; distances
//! are metres in a local frame (the grid's `metric`).

pub mod codec;
pub mod coverage;
pub mod duty;
pub mod missed;
#[cfg(feature = "store")]
pub mod recorder;
pub mod sampler;
pub mod sim;
pub mod walk;

pub use codec::{TrackError, decode, encode_block};
pub use coverage::{CellDay, Coverage, CoverageRules, InspectorPeriod};
pub use duty::{DutyDay, Shift, SignEvent};
pub use missed::{Missed, MissedRule, PatrolCase};
#[cfg(feature = "store")]
pub use recorder::{DayFigures, Recorder, RecorderError, day_figures};
pub use sampler::{Fix, Sampler, SamplerConfig};
pub use sim::SimSource;
pub use walk::{Segment, WalkRules, segments};

/// One recorded position: time, place and the fix's accuracy.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrackPoint {
    /// Seconds since the Unix epoch (UTC).
    pub t: i64,
    /// Longitude, WGS84 degrees.
    pub lon: f64,
    /// Latitude, WGS84 degrees.
    pub lat: f64,
    /// The fix's horizontal accuracy in metres (the radius the position source reports).
    pub accuracy_m: f32,
}

impl TrackPoint {
    /// The point as the record keeps it: position rounded to 10⁻⁵°, accuracy to whole metres
    /// (at most 255).
    pub fn quantised(self) -> TrackPoint {
        TrackPoint {
            t: self.t,
            lon: codec::dequantise(codec::quantise(self.lon)),
            lat: codec::dequantise(codec::quantise(self.lat)),
            accuracy_m: self.accuracy_m.round().clamp(0.0, 255.0),
        }
    }
}

#[cfg(test)]
mod tests;
