//! `case_contacts`: a citizen's name, phone and e-mail per case (hotline, Open311, superior),
//! kept here instead of in the case document so that no device outside the citizen-facing
//! roles ever receives them (docs/security/privacy.md).
//!
//! Invariant: every query names the tenant; one row per (tenant, case).

use crate::db::sql::{Connection, OptionalExtension, params};
use crate::error::Result;
use serde::Serialize;

/// A citizen's contact for one case.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    /// The case.
    pub case_id: String,
    /// `hotline` / `open311` / `superior`.
    pub channel: String,
    /// The citizen's name.
    pub name: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// The citizen asked to be called back.
    pub wants_callback: bool,
    /// The user who wrote it (`None` for an intake channel).
    pub written_by: Option<String>,
    /// First written (Unix ms).
    pub created_at: i64,
    /// Last written (Unix ms).
    pub updated_at: i64,
}

/// Writes (or replaces) the contact of a case.
pub fn put(conn: &Connection<'_>, tenant: &str, c: &Contact) -> Result<()> {
    conn.execute(
        "INSERT INTO case_contacts(tenant, case_id, channel, name, phone, email, wants_callback,
                                   written_by, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)
         ON CONFLICT(tenant, case_id) DO UPDATE SET
            channel = excluded.channel, name = excluded.name, phone = excluded.phone,
            email = excluded.email, wants_callback = excluded.wants_callback,
            written_by = excluded.written_by, updated_at = excluded.updated_at",
        params![
            tenant,
            c.case_id,
            c.channel,
            c.name,
            c.phone,
            c.email,
            i64::from(c.wants_callback),
            c.written_by,
            c.updated_at,
        ],
    )?;
    Ok(())
}

/// The contact of a case, if any.
pub fn get(conn: &Connection<'_>, tenant: &str, case_id: &str) -> Result<Option<Contact>> {
    Ok(conn
        .query_row(
            "SELECT case_id, channel, name, phone, email, wants_callback, written_by,
                    created_at, updated_at
             FROM case_contacts WHERE tenant = ?1 AND case_id = ?2",
            params![tenant, case_id],
            |r| {
                Ok(Contact {
                    case_id: r.get(0)?,
                    channel: r.get(1)?,
                    name: r.get(2)?,
                    phone: r.get(3)?,
                    email: r.get(4)?,
                    wants_callback: r.get::<_, i64>(5)? != 0,
                    written_by: r.get(6)?,
                    created_at: r.get(7)?,
                    updated_at: r.get(8)?,
                })
            },
        )
        .optional()?)
}
