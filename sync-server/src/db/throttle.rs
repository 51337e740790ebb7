//! `login_throttle`: failed sign-ins counted per account (`tenant/username`, whether or not it
//! exists) and per source address, with the time a lock ends. Kept in the database so a
//! restart does not lift a lock.
//!
//! Invariants: a counter counts failures since `window_start`; failures older than the window
//! start a new count; reaching the limit sets `locked_until` and starts a new count.

use crate::db::sql::{Connection, OptionalExtension, params};
use crate::error::Result;

/// What is counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// One account of one tenant.
    Account,
    /// One source address.
    Address,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Account => "account",
            Kind::Address => "address",
        }
    }
}

/// When the lock on this key ends, if it is locked at `now`.
pub fn locked_until(conn: &Connection<'_>, kind: Kind, key: &str, now: i64) -> Result<Option<i64>> {
    Ok(conn
        .query_row(
            "SELECT locked_until FROM login_throttle
             WHERE kind = ?1 AND key = ?2 AND locked_until > ?3",
            params![kind.as_str(), key, now],
            |r| r.get(0),
        )
        .optional()?)
}

/// Counts one failure; returns the end of the lock this failure started, if it did.
pub fn fail(
    conn: &Connection<'_>,
    kind: Kind,
    key: &str,
    now: i64,
    max_failures: u32,
    window_ms: i64,
    lock_ms: i64,
) -> Result<Option<i64>> {
    conn.execute(
        "DELETE FROM login_throttle WHERE window_start < ?1 AND COALESCE(locked_until, 0) < ?2",
        params![now - window_ms, now],
    )?;
    let failures: i64 = conn.query_row(
        "INSERT INTO login_throttle(kind, key, failures, window_start) VALUES (?1, ?2, 1, ?3)
         ON CONFLICT(kind, key) DO UPDATE SET
           failures = CASE WHEN login_throttle.window_start < ?3 - ?4 THEN 1
                           ELSE login_throttle.failures + 1 END,
           window_start = CASE WHEN login_throttle.window_start < ?3 - ?4 THEN ?3
                               ELSE login_throttle.window_start END
         RETURNING failures",
        params![kind.as_str(), key, now, window_ms],
        |r| r.get(0),
    )?;
    if failures < i64::from(max_failures.max(1)) {
        return Ok(None);
    }
    let until = now + lock_ms;
    conn.execute(
        "UPDATE login_throttle SET failures = 0, window_start = ?3, locked_until = ?4
         WHERE kind = ?1 AND key = ?2",
        params![kind.as_str(), key, now, until],
    )?;
    Ok(Some(until))
}

/// Forgets the failures of a key (a successful sign-in of the account).
pub fn clear(conn: &Connection<'_>, kind: Kind, key: &str) -> Result<()> {
    conn.execute(
        "DELETE FROM login_throttle WHERE kind = ?1 AND key = ?2",
        params![kind.as_str(), key],
    )?;
    Ok(())
}
