//! Clock checks on incoming events: an HLC stamp far ahead of the receiver's clock is refused
//! with a typed error, so a device with a wrong clock (or a forged stamp) cannot push events
//! into the future nor drag every other device's HLC forward.

use super::event::Event;
use crate::model::{EventId, HlcClock, Timestamp};
use thiserror::Error;

/// How far ahead of the receiver's clock a stamp may be (5 minutes).
pub const MAX_CLOCK_AHEAD_MS: i64 = 5 * 60_000;

/// An event whose clock cannot be accepted.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ClockError {
    /// The event's HLC is more than the allowed skew ahead of the receiver's clock.
    #[error(
        "event {event}: its clock is {ahead_ms} ms ahead of the receiver's (at most {max_ms} ms allowed)"
    )]
    InFuture {
        /// The event.
        event: EventId,
        /// How far ahead.
        ahead_ms: i64,
        /// The allowed skew.
        max_ms: i64,
    },
}

impl ClockError {
    /// Stable error code.
    pub fn code(&self) -> &'static str {
        match self {
            ClockError::InFuture { .. } => "hlc_in_future",
        }
    }
}

/// Checks that `event`'s HLC is not more than `max_ahead_ms` ahead of `now`.
pub fn check_clock(event: &Event, now: Timestamp, max_ahead_ms: i64) -> Result<(), ClockError> {
    let ahead_ms = event.hlc.ms.saturating_sub(now.0);
    if ahead_ms > max_ahead_ms {
        Err(ClockError::InFuture {
            event: event.id,
            ahead_ms,
            max_ms: max_ahead_ms,
        })
    } else {
        Ok(())
    }
}

/// Observes the stamps of incoming events into a device clock, refusing (and not observing) any
/// that is too far ahead; the others are observed.
pub fn observe_events<'a>(
    clock: &mut HlcClock,
    events: impl IntoIterator<Item = &'a Event>,
    now: Timestamp,
) -> Vec<ClockError> {
    let mut refused = Vec::new();
    for ev in events {
        match check_clock(ev, now, MAX_CLOCK_AHEAD_MS) {
            Ok(()) => clock.observe(ev.hlc, now.0),
            Err(e) => refused.push(e),
        }
    }
    refused
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::tests::fixtures::Scenario;

    #[test]
    fn a_stamp_far_in_the_future_is_a_typed_error_and_is_not_observed() {
        let mut s = Scenario::new();
        s.patrol();
        let now = Timestamp(s.events[0].hlc.ms);
        assert_eq!(check_clock(&s.events[0], now, MAX_CLOCK_AHEAD_MS), Ok(()));
        let mut future = s.events[0].clone();
        future.hlc.ms = now.0 + 24 * 3_600_000;
        let err = check_clock(&future, now, MAX_CLOCK_AHEAD_MS).expect_err("refused");
        assert_eq!(err.code(), "hlc_in_future");
        let mut clock = HlcClock::new(1, None);
        let refused = observe_events(&mut clock, [&s.events[0], &future], now);
        assert_eq!(refused.len(), 1);
        assert_eq!(
            clock.last().ms,
            now.0,
            "the local clock was not dragged forward"
        );
        // A little skew is fine.
        future.hlc.ms = now.0 + 60_000;
        assert_eq!(check_clock(&future, now, MAX_CLOCK_AHEAD_MS), Ok(()));
    }
}
