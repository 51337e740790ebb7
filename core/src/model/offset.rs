//! The device's estimate of how far its wall clock is from the server's (docs/security/clock.md).
//!
//! Every server answer carries the server's time (`x-gridcase-time`, Unix ms). With the local
//! times the request left and the answer arrived, one [`ClockSample`] gives
//! `offset = server − local midpoint`, uncertain by half the round trip. [`ClockOffset`] folds
//! the samples: the first one is taken as it is, a sample that disagrees with the estimate by
//! more than its own uncertainty plus [`CLOCK_JUMP_MS`] is a clock change (the tablet's time was set,
//! its battery ran down) and replaces the estimate, and the others move it by a weight that
//! favours short round trips. Pure: no clock is read here.
//!
//! Invariants: `corrected(local) = local + offset_ms`; an estimate never moves by more than the
//! disagreement of the sample that moved it; a sample with a negative round trip (the local
//! clock stepped back during the request) or an absurd server time is refused.

use serde::{Deserialize, Serialize};

/// A sample that disagrees with the estimate by more than this (beyond half its round trip) is
/// a clock change and replaces the estimate instead of being averaged in.
pub const CLOCK_JUMP_MS: i64 = 5_000;

/// A server time outside 2001…2200 (Unix ms) is not a clock reading.
const PLAUSIBLE_MS: std::ops::RangeInclusive<i64> = 1_000_000_000_000..=7_258_118_400_000;

/// One exchange with the server, in the device's local Unix milliseconds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ClockSample {
    /// When the request left (local clock).
    pub sent_ms: i64,
    /// When the answer arrived (local clock).
    pub received_ms: i64,
    /// The server's time in its answer.
    pub server_ms: i64,
}

impl ClockSample {
    /// The round trip, or `None` when the local clock went backwards meanwhile or the server
    /// time is not plausible (such a sample is ignored).
    pub fn round_trip_ms(&self) -> Option<i64> {
        let rtt = self.received_ms.checked_sub(self.sent_ms)?;
        (rtt >= 0 && PLAUSIBLE_MS.contains(&self.server_ms)).then_some(rtt)
    }

    /// `server − local midpoint`, or `None` for an ignored sample.
    pub fn offset_ms(&self) -> Option<i64> {
        let rtt = self.round_trip_ms()?;
        let midpoint = self.sent_ms.checked_add(rtt / 2)?;
        self.server_ms.checked_sub(midpoint)
    }
}

/// The smoothed offset of the device's clock against the server's.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct ClockOffset {
    /// Add to the local clock to get the server's time (ms).
    pub offset_ms: i64,
    /// The round trip of the best recent sample (ms): the estimate is uncertain by half of it.
    pub rtt_ms: i64,
    /// Samples folded in since the last jump.
    pub samples: u32,
}

impl ClockOffset {
    /// The estimate from a first sample; `None` when the sample is ignored.
    pub fn first(sample: &ClockSample) -> Option<ClockOffset> {
        Some(ClockOffset {
            offset_ms: sample.offset_ms()?,
            rtt_ms: sample.round_trip_ms()?,
            samples: 1,
        })
    }

    /// The estimate after `sample` (the previous one, `None` before any, is folded with it).
    /// An ignored sample leaves it unchanged.
    pub fn update(previous: Option<ClockOffset>, sample: &ClockSample) -> Option<ClockOffset> {
        let Some(prev) = previous else {
            return Self::first(sample);
        };
        let (Some(offset), Some(rtt)) = (sample.offset_ms(), sample.round_trip_ms()) else {
            return Some(prev);
        };
        let disagreement = offset.saturating_sub(prev.offset_ms);
        if disagreement.saturating_abs() > rtt / 2 + prev.rtt_ms / 2 + CLOCK_JUMP_MS {
            return Self::first(sample);
        }
        // Weight: a sample with a round trip no longer than the best recent one counts 1/2, a
        // slower one less (1/8 for four times as long or more).
        let divisor = if rtt <= prev.rtt_ms {
            2
        } else if rtt <= prev.rtt_ms.saturating_mul(4) {
            4
        } else {
            8
        };
        Some(ClockOffset {
            offset_ms: prev.offset_ms.saturating_add(disagreement / divisor),
            // The remembered round trip drifts up slowly so an old lucky sample does not
            // dominate forever.
            rtt_ms: rtt.min(prev.rtt_ms.saturating_add(prev.rtt_ms / 8 + 1)),
            samples: prev.samples.saturating_add(1),
        })
    }

    /// The server's time for a local reading.
    pub fn corrected(&self, local_ms: i64) -> i64 {
        local_ms.saturating_add(self.offset_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_795_744_800_000;
    const HOURS_3: i64 = 3 * 3_600_000;

    fn sample(sent: i64, rtt: i64, server: i64) -> ClockSample {
        ClockSample {
            sent_ms: sent,
            received_ms: sent + rtt,
            server_ms: server,
        }
    }

    #[test]
    fn the_offset_is_taken_at_the_midpoint_of_the_request() {
        // Local clock 3 h fast: the request left at local T+3h, took 200 ms; the server read
        // its clock halfway, at true T+100.
        let s = sample(T + HOURS_3, 200, T + 100);
        assert_eq!(s.offset_ms(), Some(-HOURS_3));
        let est = ClockOffset::update(None, &s).expect("a first estimate");
        assert_eq!(est.corrected(T + HOURS_3 + 5_000), T + 5_000);
        // And 3 h slow.
        let s = sample(T - HOURS_3, 40, T + 20);
        assert_eq!(s.offset_ms(), Some(HOURS_3));
    }

    #[test]
    fn small_disagreements_are_smoothed_and_short_round_trips_weigh_more() {
        let est = ClockOffset::update(None, &sample(T, 100, T + 1_050)).expect("first");
        assert_eq!(est.offset_ms, 1_000);
        // A fast sample 400 ms off moves the estimate halfway.
        let fast = ClockOffset::update(Some(est), &sample(T + 10, 100, T + 10 + 1_450));
        assert_eq!(fast.map(|e| e.offset_ms), Some(1_200));
        // A slow one (1 s round trip, 10x) 400 ms off moves it by an eighth.
        let slow = ClockOffset::update(Some(est), &sample(T + 10, 1_000, T + 10 + 1_900));
        assert_eq!(slow.map(|e| e.offset_ms), Some(1_050));
        assert_eq!(slow.map(|e| e.samples), Some(2));
    }

    #[test]
    fn a_clock_change_replaces_the_estimate() {
        let est = ClockOffset::update(None, &sample(T, 100, T + 50)).expect("first");
        assert_eq!(est.offset_ms, 0);
        // The user set the tablet 3 h ahead: the next sample is a jump.
        let after =
            ClockOffset::update(Some(est), &sample(T + HOURS_3, 100, T + 50)).expect("an estimate");
        assert_eq!(after.offset_ms, -HOURS_3);
        assert_eq!(after.samples, 1);
    }

    #[test]
    fn samples_that_are_not_readings_are_ignored() {
        let est = ClockOffset::update(None, &sample(T, 100, T + 50)).expect("first");
        // The local clock went back during the request.
        let back = ClockSample {
            sent_ms: T,
            received_ms: T - 10,
            server_ms: T,
        };
        assert_eq!(back.offset_ms(), None);
        assert_eq!(ClockOffset::update(Some(est), &back), Some(est));
        assert_eq!(ClockOffset::update(None, &back), None);
        // A server time of 0 or far in the future.
        assert_eq!(sample(T, 10, 0).offset_ms(), None);
        assert_eq!(sample(T, 10, i64::MAX).offset_ms(), None);
        assert_eq!(
            ClockOffset::update(Some(est), &sample(T, 10, i64::MAX)),
            Some(est)
        );
    }
}
