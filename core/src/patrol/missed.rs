//! Exact 漏报: a problem the cell's inspector walked past but someone else reported.
//!
//! A case counts as 漏报 for an inspector when it came from a channel the rule names (by default
//! the public, video analytics and a superior), lies in a cell the inspector patrols, and the
//! inspector's counted track (segments, and the single points of a day with one) passed within
//! `distance_m` of its location at some time in the `window_hours` before it was reported. The
//! evidence is the closest such piece of track with its distance.
//!
//! Invariants: pure; a segment is in the window when any part of its time span is; distances are
//! metres in a local frame at the case's location; a case without a location is never 漏报.

use super::TrackPoint;
use super::walk::Segment;
use crate::grid::metric::LocalFrame;
use crate::model::SourceChannel;

/// The 漏报 rule (tenant settings).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct MissedRule {
    /// How close the track must have come to the problem.
    pub distance_m: f64,
    /// How long before the report the track is looked at.
    pub window_hours: i64,
    /// The channels whose reports can be 漏报.
    pub sources: Vec<SourceChannel>,
}

impl Default for MissedRule {
    fn default() -> Self {
        MissedRule {
            distance_m: 30.0,
            window_hours: 24,
            sources: vec![
                SourceChannel::PublicHotline,
                SourceChannel::PublicOpen311,
                SourceChannel::PublicApp,
                SourceChannel::VideoAnalytics,
                SourceChannel::Superior,
            ],
        }
    }
}

/// What the rule reads of a case.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PatrolCase {
    /// When it was reported (seconds since the epoch).
    pub reported_at: i64,
    /// Where (WGS84), if known.
    pub location: Option<(f64, f64)>,
    /// Where the report came from.
    pub source: SourceChannel,
}

/// The evidence of one 漏报.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Missed {
    /// The closest piece of track in the window (a point is a segment from itself to itself).
    pub segment: Segment,
    /// Its distance from the case's location in metres.
    pub distance_m: f64,
}

fn point_segment_m(frame: &LocalFrame, s: &Segment) -> f64 {
    let a = frame.project(s.from.lon, s.from.lat);
    let b = frame.project(s.to.lon, s.to.lat);
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len2 = dx * dx + dy * dy;
    let k = if len2 > 0.0 {
        (-(a[0] * dx + a[1] * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    (a[0] + k * dx).hypot(a[1] + k * dy)
}

impl MissedRule {
    /// The 漏报 evidence for one inspector of the case's cell: their counted segments and the
    /// points of days that have no segment (both in time order, any days). `None` when the case
    /// is not 漏报 for them.
    pub fn check(
        &self,
        case: &PatrolCase,
        segments: &[Segment],
        lone_points: &[TrackPoint],
    ) -> Option<Missed> {
        if !self.sources.contains(&case.source) {
            return None;
        }
        let (lon, lat) = case.location?;
        let frame = LocalFrame::at(lon, lat);
        let from = case.reported_at - self.window_hours * 3600;
        // Both lists are in time order: skip to the window with a binary search.
        let segs = &segments[segments.partition_point(|s| s.to.t < from)..];
        let lone = &lone_points[lone_points.partition_point(|p| p.t < from)..];
        let lone = lone.iter().map(|p| Segment {
            from: *p,
            to: *p,
            metres: 0.0,
        });
        segs.iter()
            .take_while(|s| s.from.t <= case.reported_at)
            .copied()
            .chain(lone.take_while(|s| s.from.t <= case.reported_at))
            .map(|s| Missed {
                segment: s,
                distance_m: point_segment_m(&frame, &s),
            })
            .filter(|m| m.distance_m <= self.distance_m)
            .min_by(|a, b| a.distance_m.total_cmp(&b.distance_m))
    }
}
