//! Human case numbers (案卷号), allocated by the server when the fold shows a case filed without
//! one: `<county>-<yyyymmdd>-<5-digit daily sequence>`, the date being the filing day in
//! Asia/Shanghai as the server saw it. Offline devices never allocate numbers.

use crate::db::sql::Connection;
use crate::db::tenants;
use crate::error::Result;
use gridcase_core::model::Timestamp;

/// The `yyyymmdd` of an instant in Asia/Shanghai.
pub fn day_of(t: Timestamp) -> String {
    t.to_shanghai()
        .map(|d| d.format("%Y%m%d").to_string())
        .unwrap_or_else(|| "00000000".to_owned())
}

/// Allocates the next number of the day for the tenant.
pub fn allocate(conn: &Connection<'_>, tenant: &str, now: Timestamp) -> Result<String> {
    let day = day_of(now);
    let n = tenants::next_case_number(conn, tenant, &day)?;
    Ok(format!("{tenant}-{day}-{n:05}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_is_shanghai() {
        // 2026-11-27T23:30:00Z is 2026-11-28 07:30 in Shanghai.
        assert_eq!(day_of(Timestamp(1_795_822_200_000)), "20261128");
    }
}
