//! Instants as Unix milliseconds, with conversions to China Standard Time for display and for
//! the work calendar. China has observed UTC+08:00 without daylight saving since 1991, so
//! Asia/Shanghai is a fixed offset for every date this product handles.

use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Seconds east of UTC of Asia/Shanghai (UTC+08:00, no daylight saving since 1991).
pub const SHANGHAI_OFFSET_SECS: i32 = 8 * 3600;

/// An instant in Unix milliseconds (UTC).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// Milliseconds in a minute.
    pub const MINUTE_MS: i64 = 60_000;
    /// Milliseconds in a (natural) day.
    pub const DAY_MS: i64 = 86_400_000;

    /// The Unix milliseconds.
    pub fn ms(self) -> i64 {
        self.0
    }

    /// This instant plus `minutes` (natural time).
    pub fn plus_minutes(self, minutes: i64) -> Self {
        Self(
            self.0
                .saturating_add(minutes.saturating_mul(Self::MINUTE_MS)),
        )
    }

    /// The Asia/Shanghai offset.
    pub fn shanghai() -> FixedOffset {
        FixedOffset::east_opt(SHANGHAI_OFFSET_SECS).expect("UTC+08:00 is a valid offset")
    }

    /// This instant as a local Asia/Shanghai date-time, or `None` when out of chrono's range.
    pub fn to_shanghai(self) -> Option<DateTime<FixedOffset>> {
        DateTime::<Utc>::from_timestamp_millis(self.0).map(|t| t.with_timezone(&Self::shanghai()))
    }

    /// The instant of a local Asia/Shanghai wall-clock time.
    pub fn from_shanghai(local: NaiveDateTime) -> Self {
        let utc = local - chrono::Duration::seconds(i64::from(SHANGHAI_OFFSET_SECS));
        Self(utc.and_utc().timestamp_millis())
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_shanghai() {
            Some(t) => write!(f, "{}", t.format("%Y-%m-%dT%H:%M:%S%.3f%:z")),
            None => write!(f, "Timestamp({})", self.0),
        }
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn shanghai_round_trip() {
        let local = NaiveDate::from_ymd_opt(2026, 10, 1)
            .and_then(|d| d.and_hms_opt(8, 30, 0))
            .expect("valid");
        let t = Timestamp::from_shanghai(local);
        assert_eq!(t.to_shanghai().map(|d| d.naive_local()), Some(local));
        assert_eq!(format!("{t}"), "2026-10-01T08:30:00.000+08:00");
    }
}
