//! A day's points cut into the segments that count as patrol.
//!
//! Between two consecutive points the inspector either walked (or rode), stood (a stop closed by
//! the sampler), or the record has a hole: no fixes in a tunnel or an underground passage, the
//! tablet switched off, or a jump (a bad fix, a ride in a car). A segment counts when it is no
//! faster than `max_speed_mps` and either spans at most `max_gap_s` or is a stop (both ends
//! within `stop_radius_m`) of at most `max_stop_s`. Uncounted segments add neither distance nor
//! time to any figure; the points on both sides still count as visits.
//!
//! Invariant: distances are metres in one local frame per day (the grid's `metric`, within 0.1 %
//! over a county).

use super::TrackPoint;
use crate::grid::metric::LocalFrame;

/// When a segment between two points counts (tenant settings).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct WalkRules {
    /// The longest time between two points of a walk.
    pub max_gap_s: i64,
    /// Faster than this is a jump, not a patrol (an e-bike is about 7 m/s).
    pub max_speed_mps: f64,
    /// Two points this close are a stop, whatever the time between them.
    pub stop_radius_m: f64,
    /// The longest stop that counts.
    pub max_stop_s: i64,
}

impl Default for WalkRules {
    fn default() -> Self {
        WalkRules {
            max_gap_s: 300,
            max_speed_mps: 10.0,
            stop_radius_m: 30.0,
            max_stop_s: 4 * 3600,
        }
    }
}

/// A counted piece of patrol between two consecutive points.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Segment {
    /// Where and when it starts.
    pub from: TrackPoint,
    /// Where and when it ends.
    pub to: TrackPoint,
    /// Its length in metres.
    pub metres: f64,
}

impl Segment {
    /// Its duration in seconds.
    pub fn seconds(&self) -> i64 {
        self.to.t - self.from.t
    }

    /// Its midpoint (lon, lat).
    pub fn midpoint(&self) -> (f64, f64) {
        (
            (self.from.lon + self.to.lon) / 2.0,
            (self.from.lat + self.to.lat) / 2.0,
        )
    }
}

/// The frame a day's distances are measured in: at its first point.
pub(crate) fn frame_of(points: &[TrackPoint]) -> Option<LocalFrame> {
    points.first().map(|p| LocalFrame::at(p.lon, p.lat))
}

/// The counted segments of one inspector's day (points in time order).
pub fn segments(points: &[TrackPoint], rules: &WalkRules) -> Vec<Segment> {
    let Some(frame) = frame_of(points) else {
        return Vec::new();
    };
    let mut out = Vec::with_capacity(points.len());
    let mut prev: Option<(TrackPoint, [f64; 2])> = None;
    for p in points {
        let xy = frame.project(p.lon, p.lat);
        if let Some((a, axy)) = prev {
            let dt = p.t - a.t;
            let metres = (xy[0] - axy[0]).hypot(xy[1] - axy[1]);
            let walk = dt <= rules.max_gap_s;
            let stop = metres <= rules.stop_radius_m && dt <= rules.max_stop_s;
            if dt > 0 && metres <= rules.max_speed_mps * dt as f64 && (walk || stop) {
                out.push(Segment {
                    from: a,
                    to: *p,
                    metres,
                });
            }
        }
        prev = Some((*p, xy));
    }
    out
}
