//! The battery-aware filter between the position source and the day record.
//!
//! The source (the Tauri geolocation plugin on a tablet, a scripted walk on the desktop and in
//! tests) delivers fixes; [`Sampler::offer`] decides which become points:
//!
//! 1. a fix less accurate than `max_accuracy_m` is dropped (indoors, a cold start);
//! 2. a fix within `min_interval_s` of the last one taken is dropped;
//! 3. the position is smoothed over the last three accepted fixes, which cuts a still device's
//!    GPS noise by about √3;
//! 4. a point is recorded when the smoothed position is `min_distance_m` from the last recorded
//!    point, or the first time;
//! 5. while the smoothed position stays within that distance nothing is recorded: the inspector
//!    stands still. When they move on after a stop of at least `stop_min_s`, the stop is closed
//!    by a point at the stop's position with the time of its last fix, then the new point is
//!    recorded; so a 40-minute stop costs two points and its time still counts
//!    ([`super::walk`]). [`Sampler::finish`] closes an open
//!    stop at sign-out.
//!
//! [`Sampler::next_interval_s`] is the interval the app asks the source for: short while
//! walking, long while standing, which is where the battery is saved.
//!
//! Invariants: recorded times strictly increase; at most one point per `min_interval_s` while
//! moving, and none between the two points of a stop.

use super::TrackPoint;
use crate::grid::metric::LocalFrame;

/// One fix from the position source.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fix {
    /// Seconds since the Unix epoch.
    pub t: i64,
    /// Longitude, WGS84 degrees.
    pub lon: f64,
    /// Latitude, WGS84 degrees.
    pub lat: f64,
    /// Horizontal accuracy in metres.
    pub accuracy_m: f32,
}

/// The sampler's thresholds (tenant settings; the defaults suit a walking inspector).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct SamplerConfig {
    /// Fixes less accurate than this are dropped.
    pub max_accuracy_m: f32,
    /// Fixes closer in time than this to the last taken fix are dropped.
    pub min_interval_s: i64,
    /// A point is recorded when the inspector has moved this far from the last one.
    pub min_distance_m: f64,
    /// The interval asked of the source while walking.
    pub walking_interval_s: i64,
    /// The interval asked of the source while standing still.
    pub standing_interval_s: i64,
    /// A pause this long is a stop: it is closed by a point when the inspector moves on (a
    /// shorter pause is part of the walk).
    pub stop_min_s: i64,
}

impl Default for SamplerConfig {
    fn default() -> Self {
        SamplerConfig {
            max_accuracy_m: 30.0,
            min_interval_s: 5,
            min_distance_m: 15.0,
            walking_interval_s: 5,
            standing_interval_s: 30,
            stop_min_s: 60,
        }
    }
}

/// The filter's state for one inspector on duty.
#[derive(Clone, Debug)]
pub struct Sampler {
    cfg: SamplerConfig,
    frame: Option<LocalFrame>,
    /// The last three accepted fixes (metres in the frame), newest last.
    window: Vec<(i64, [f64; 2], f32)>,
    last_recorded: Option<(i64, [f64; 2])>,
    /// The time of the latest fix that stayed within reach of the last recorded point.
    still_until: Option<i64>,
    last_taken: Option<i64>,
}

impl Sampler {
    /// A sampler with `cfg`.
    pub fn new(cfg: SamplerConfig) -> Sampler {
        Sampler {
            cfg,
            frame: None,
            window: Vec::with_capacity(3),
            last_recorded: None,
            still_until: None,
            last_taken: None,
        }
    }

    /// Offers a fix; returns the points to record (none, one, or a stop's closing point and
    /// the new one).
    pub fn offer(&mut self, fix: Fix) -> Vec<TrackPoint> {
        let ok = fix.lon.is_finite()
            && fix.lat.is_finite()
            && fix.accuracy_m.is_finite()
            && fix.accuracy_m <= self.cfg.max_accuracy_m;
        if !ok
            || self
                .last_taken
                .is_some_and(|t| fix.t < t + self.cfg.min_interval_s)
        {
            return Vec::new();
        }
        self.last_taken = Some(fix.t);
        let frame = *self
            .frame
            .get_or_insert_with(|| LocalFrame::at(fix.lon, fix.lat));
        if self.window.len() == 3 {
            self.window.remove(0);
        }
        self.window
            .push((fix.t, frame.project(fix.lon, fix.lat), fix.accuracy_m));
        let k = self.window.len() as f64;
        let smooth = [
            self.window.iter().map(|w| w.1[0]).sum::<f64>() / k,
            self.window.iter().map(|w| w.1[1]).sum::<f64>() / k,
        ];
        let point = |t: i64, xy: [f64; 2], acc: f32| {
            let p = frame.unproject(xy[0], xy[1]);
            TrackPoint {
                t,
                lon: p.x(),
                lat: p.y(),
                accuracy_m: acc,
            }
        };
        let Some((_, at)) = self.last_recorded else {
            self.last_recorded = Some((fix.t, smooth));
            return vec![point(fix.t, smooth, fix.accuracy_m)];
        };
        let moved = (smooth[0] - at[0]).hypot(smooth[1] - at[1]);
        if moved < self.cfg.min_distance_m {
            self.still_until = Some(fix.t);
            return Vec::new();
        }
        let mut out = Vec::with_capacity(2);
        if let Some(until) = self.still_until.take()
            && self.stopped(until)
        {
            out.push(point(until, at, fix.accuracy_m));
        }
        self.last_recorded = Some((fix.t, smooth));
        out.push(point(fix.t, smooth, fix.accuracy_m));
        out
    }

    /// Closes an open stop at sign-out: its closing point, if the inspector stood still since
    /// the last recorded point.
    pub fn finish(&mut self) -> Option<TrackPoint> {
        let until = self.still_until.take().filter(|&u| self.stopped(u))?;
        let (frame, (_, at)) = (self.frame?, self.last_recorded?);
        let p = frame.unproject(at[0], at[1]);
        self.last_recorded = Some((until, at));
        Some(TrackPoint {
            t: until,
            lon: p.x(),
            lat: p.y(),
            accuracy_m: self.window.last().map_or(0.0, |w| w.2),
        })
    }

    fn stopped(&self, until: i64) -> bool {
        self.last_recorded
            .is_some_and(|(t, _)| until - t >= self.cfg.stop_min_s)
    }

    /// The interval to ask the position source for now.
    pub fn next_interval_s(&self) -> i64 {
        if self.still_until.is_some_and(|u| self.stopped(u)) {
            self.cfg.standing_interval_s
        } else {
            self.cfg.walking_interval_s
        }
    }
}
