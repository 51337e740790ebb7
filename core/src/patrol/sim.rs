//! Scripted patrols: walks with GPS noise, stops and signal gaps, for tests, benchmarks and the
//! desktop's simulated position source.
//!
//! A [`Script`] starts at a place and time and runs [`Leg`]s: walk to a point at a speed, stand
//! for a while, or cross a gap (a tunnel: the inspector moves on but the source gives no fix).
//! [`Script::run`] drives a [`Sampler`] the way the app does — each next fix is asked for after
//! the sampler's current interval — and returns what it recorded and how many fixes it took
//! (the battery proxy). Noise is Gaussian per axis with the script's σ, drawn from a seeded
//! SplitMix64, so a script replays exactly.

use super::TrackPoint;
use super::sampler::{Fix, Sampler, SamplerConfig};
use crate::demo::rng::SplitMix64;
use crate::grid::metric::LocalFrame;

/// One part of a scripted walk.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Leg {
    /// Walk in a straight line to (lon, lat) at this speed (m/s).
    Walk {
        /// Destination longitude.
        lon: f64,
        /// Destination latitude.
        lat: f64,
        /// Speed in metres per second.
        speed_mps: f64,
    },
    /// Stand still this many seconds.
    Stop {
        /// Duration.
        seconds: i64,
    },
    /// Walk to (lon, lat) at this speed with no fix at all on the way (a tunnel).
    Gap {
        /// Destination longitude.
        lon: f64,
        /// Destination latitude.
        lat: f64,
        /// Speed in metres per second.
        speed_mps: f64,
    },
}

/// A scripted patrol.
#[derive(Clone, Debug, PartialEq)]
pub struct Script {
    /// Where it starts (lon, lat).
    pub start: (f64, f64),
    /// When it starts (seconds since the epoch).
    pub t0: i64,
    /// What happens, in order.
    pub legs: Vec<Leg>,
    /// σ of the position noise per axis, metres (0 for exact fixes).
    pub noise_m: f64,
    /// The seed of the noise.
    pub seed: u64,
}

/// What a run recorded.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Run {
    /// The recorded points, in time order.
    pub points: Vec<TrackPoint>,
    /// Fixes the source delivered (the battery proxy).
    pub fixes: u64,
    /// When the script ended.
    pub end: i64,
}

impl Script {
    /// The true position at every second of the script, with whether the source sees it.
    fn truth(&self) -> Vec<(i64, f64, f64, bool)> {
        let frame = LocalFrame::at(self.start.0, self.start.1);
        let mut at = [0.0, 0.0];
        let mut t = self.t0;
        let mut out = vec![(t, self.start.0, self.start.1, true)];
        for leg in &self.legs {
            let (to, speed, visible, stop) = match *leg {
                Leg::Walk {
                    lon,
                    lat,
                    speed_mps,
                } => (frame.project(lon, lat), speed_mps, true, 0),
                Leg::Gap {
                    lon,
                    lat,
                    speed_mps,
                } => (frame.project(lon, lat), speed_mps, false, 0),
                Leg::Stop { seconds } => (at, 1.0, true, seconds),
            };
            let dist = (to[0] - at[0]).hypot(to[1] - at[1]);
            let secs = if stop > 0 {
                stop
            } else {
                (dist / speed.max(0.1)).ceil() as i64
            };
            for s in 1..=secs {
                let k = s as f64 / secs as f64;
                let p = frame.unproject(at[0] + k * (to[0] - at[0]), at[1] + k * (to[1] - at[1]));
                out.push((t + s, p.x(), p.y(), visible || s == secs));
            }
            t += secs;
            at = to;
        }
        out
    }

    /// The script as a position source: the fix it gives at any second.
    pub fn source(&self) -> SimSource {
        SimSource {
            truth: self.truth(),
            frame: LocalFrame::at(self.start.0, self.start.1),
            rng: SplitMix64::new(self.seed),
            noise_m: self.noise_m,
            t0: self.t0,
        }
    }

    /// Runs the script through a sampler with `cfg`.
    pub fn run(&self, cfg: SamplerConfig) -> Run {
        let mut source = self.source();
        let mut sampler = Sampler::new(cfg);
        let mut out = Run::default();
        let mut t = self.t0;
        let end = source.end();
        while t <= end {
            let Some(fix) = source.fix_at(t) else {
                t += 1;
                continue;
            };
            out.fixes += 1;
            out.points.extend(sampler.offer(fix));
            t += sampler.next_interval_s().max(1);
        }
        out.points.extend(sampler.finish());
        out.end = end;
        out
    }
}

/// A [`Script`] played as a position source (the desktop's simulated GPS, the tests' tablet):
/// [`SimSource::fix_at`] gives the noisy fix at a second, or nothing in a gap or outside the
/// script. The noise is drawn per fix asked for, so the same questions replay the same fixes.
#[derive(Clone, Debug)]
pub struct SimSource {
    truth: Vec<(i64, f64, f64, bool)>,
    frame: LocalFrame,
    rng: SplitMix64,
    noise_m: f64,
    t0: i64,
}

impl SimSource {
    /// When the script ends (seconds since the epoch).
    pub fn end(&self) -> i64 {
        self.truth.last().map_or(self.t0, |p| p.0)
    }

    /// The fix at second `t`: `None` before the start, after the end, or in a gap.
    pub fn fix_at(&mut self, t: i64) -> Option<Fix> {
        let i = usize::try_from(t.checked_sub(self.t0)?).ok()?;
        let &(_, lon, lat, visible) = self.truth.get(i)?;
        if !visible {
            return None;
        }
        let mut gauss = || {
            let (u1, u2) = (self.rng.unit().max(1e-12), self.rng.unit());
            (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
        };
        let [x, y] = self.frame.project(lon, lat);
        let (dx, dy) = (self.noise_m * gauss(), self.noise_m * gauss());
        let p = self.frame.unproject(x + dx, y + dy);
        Some(Fix {
            t,
            lon: p.x(),
            lat: p.y(),
            accuracy_m: (2.0 * self.noise_m).max(3.0) as f32,
        })
    }
}

/// A day's patrol of `hours`: a loop of 800 m × 600 m (east, then north) from `start` walked at
/// 1.2 m/s, a 10-minute stop after every fifth side, the tenth side in a tunnel (no fixes), and
/// GPS noise of 4 m.
pub fn patrol_loop(start: (f64, f64), t0: i64, hours: f64, seed: u64) -> Script {
    let f = LocalFrame::at(start.0, start.1);
    let corners = [(0.0, 0.0), (800.0, 0.0), (800.0, 600.0), (0.0, 600.0)];
    let (mut legs, mut corner, mut t) = (Vec::new(), 0usize, 0.0);
    let mut sides = 0;
    while t < hours * 3600.0 - 1200.0 {
        corner = (corner + 1) % 4;
        let (x, y) = corners[corner];
        let p = f.unproject(x, y);
        let (lon, lat, speed_mps) = (p.x(), p.y(), 1.2);
        sides += 1;
        legs.push(if sides == 10 {
            Leg::Gap {
                lon,
                lat,
                speed_mps,
            }
        } else {
            Leg::Walk {
                lon,
                lat,
                speed_mps,
            }
        });
        t += if corner % 2 == 1 { 800.0 } else { 600.0 } / 1.2;
        if sides % 5 == 0 {
            legs.push(Leg::Stop { seconds: 600 });
            t += 600.0;
        }
    }
    Script {
        start,
        t0,
        legs,
        noise_m: 4.0,
        seed,
    }
}
