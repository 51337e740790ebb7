//! Hybrid logical clocks: wall milliseconds, a logical counter and the node, totally ordered.
//!
//! Field tablets' clocks drift; an HLC keeps every device's events causally ordered (an event
//! made after seeing another always sorts after it) while staying close to wall time. The clock
//! is pure: the caller passes `now`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A hybrid logical clock stamp. Ordered by (`ms`, `counter`, `node`).
#[derive(
    Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Debug, Default,
)]
pub struct Hlc {
    /// Wall-clock milliseconds (Unix).
    pub ms: i64,
    /// Logical counter within one millisecond.
    pub counter: u32,
    /// The node (device) that made the stamp: the first 8 bytes of its device id.
    pub node: u64,
}

impl Hlc {
    /// The node number of a device: the low 64 bits of its id (the random part of a UUIDv7).
    pub fn node_of(device: &crate::model::DeviceId) -> u64 {
        let b = device.as_bytes();
        u64::from_be_bytes([b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]])
    }
}

impl fmt::Display for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:013}-{:06}-{:016x}", self.ms, self.counter, self.node)
    }
}

/// A device's hybrid logical clock.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct HlcClock {
    last: Hlc,
}

impl HlcClock {
    /// A clock for `node`, restarted from its last persisted stamp.
    pub fn new(node: u64, last: Option<Hlc>) -> Self {
        let last = last.unwrap_or(Hlc {
            ms: 0,
            counter: 0,
            node,
        });
        Self {
            last: Hlc { node, ..last },
        }
    }

    /// The last stamp issued or observed.
    pub fn last(&self) -> Hlc {
        self.last
    }

    /// A new stamp for a local event at wall time `now_ms`: strictly after every earlier one.
    pub fn tick(&mut self, now_ms: i64) -> Hlc {
        if now_ms > self.last.ms {
            self.last = Hlc {
                ms: now_ms,
                counter: 0,
                node: self.last.node,
            };
        } else {
            self.last.counter = self.last.counter.saturating_add(1);
        }
        self.last
    }

    /// Takes in a stamp seen from another node, so later local stamps sort after it.
    pub fn observe(&mut self, remote: Hlc, now_ms: i64) {
        let node = self.last.node;
        let ms = now_ms.max(self.last.ms).max(remote.ms);
        let counter = if ms == self.last.ms && ms == remote.ms {
            self.last.counter.max(remote.counter)
        } else if ms == self.last.ms {
            self.last.counter
        } else if ms == remote.ms {
            remote.counter
        } else {
            0
        };
        self.last = Hlc { ms, counter, node };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_monotonic_even_when_the_wall_clock_goes_back() {
        let mut c = HlcClock::new(7, None);
        let a = c.tick(1000);
        let b = c.tick(900);
        let d = c.tick(1000);
        assert!(a < b && b < d);
        assert_eq!(d.ms, 1000);
    }

    #[test]
    fn observing_a_remote_stamp_orders_later_ticks_after_it() {
        let mut c = HlcClock::new(1, None);
        c.tick(1000);
        let remote = Hlc {
            ms: 5000,
            counter: 3,
            node: 2,
        };
        c.observe(remote, 1200);
        let next = c.tick(1300);
        assert!(next > remote);
        assert_eq!(next.ms, 5000);
    }
}
