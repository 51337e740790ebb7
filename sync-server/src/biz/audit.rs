//! The security audit trail (等保 2.0 level 3, security audit): who did what, from where, when,
//! and whether it worked, for sign-ins, lockouts, password changes and resets, user and device
//! changes, imports, key and secret issue and revocation, and evaluation publishing.
//!
//! Records go into the append-only `audit_log` (db::audit): SQLite triggers refuse `UPDATE` and
//! `DELETE`, and each record carries SHA-256(previous hash || canonical record), so [`verify`]
//! finds the first record changed, removed or reordered. Nothing in the server deletes records
//! (retention ≥ 180 days is met by keeping them all; archiving is left to the deployment's
//! backups). Details never hold a password, token or secret.

use crate::db::audit::{self, AuditRow, NewAudit};
use crate::deployment::Deployment;
use crate::error::Result;
use serde::Serialize;

/// Event types written to the log.
pub mod event {
    /// A sign-in (success or failure).
    pub const LOGIN: &str = "login";
    /// An account or source address locked after failed sign-ins.
    pub const LOCKOUT: &str = "lockout";
    /// A user changed their own password.
    pub const PASSWORD_CHANGE: &str = "password_change";
    /// An administrator set (reset) a password.
    pub const PASSWORD_RESET: &str = "password_reset";
    /// An account created.
    pub const USER_CREATE: &str = "user_create";
    /// An account disabled.
    pub const USER_DISABLE: &str = "user_disable";
    /// An account enabled again.
    pub const USER_ENABLE: &str = "user_enable";
    /// An inspector's cells changed.
    pub const USER_CELLS: &str = "user_cells";
    /// A device enrolled (first sign-in of an install).
    pub const DEVICE_ENROL: &str = "device_enrol";
    /// A device revoked.
    pub const DEVICE_REVOKE: &str = "device_revoke";
    /// A revoked device re-admitted by an administrator.
    pub const DEVICE_READMIT: &str = "device_readmit";
    /// A tenant directory imported.
    pub const IMPORT: &str = "import";
    /// An Open311 api key issued.
    pub const KEY_ISSUE: &str = "key_issue";
    /// Open311 api keys revoked.
    pub const KEY_REVOKE: &str = "key_revoke";
    /// The video webhook's secret replaced.
    pub const SECRET_ROTATE: &str = "secret_rotate";
    /// Cases handed down by a superior platform imported.
    pub const SUPERIOR_IMPORT: &str = "superior_import";
    /// An evaluation period's figures published.
    pub const EVALUATION_PUBLISH: &str = "evaluation_publish";
    /// A standards table (立案、处置和结案标准) imported, or refused.
    pub const STANDARDS_IMPORT: &str = "standards_import";
    /// A tenant's area grades (区域等级) replaced.
    pub const AREA_GRADES_IMPORT: &str = "area_grades_import";
}

/// Who acted on the command line.
pub const CLI_ACTOR: &str = "cli";

/// An event about to be recorded.
#[derive(Clone, Debug)]
pub struct Entry<'a> {
    /// The tenant concerned.
    pub tenant: Option<&'a str>,
    /// Who acted (`user:<id>`, `cli`, `login:<tenant>/<username>`, `system`).
    pub actor: &'a str,
    /// Source address of the request.
    pub source: Option<&'a str>,
    /// One of [`event`].
    pub event: &'a str,
    /// Success or failure.
    pub success: bool,
    /// Details (a JSON object; never a secret).
    pub details: serde_json::Value,
}

/// Appends a record inside the caller's write transaction (so the record and the change it
/// describes commit together).
pub fn record_in(conn: &crate::db::Connection<'_>, entry: &Entry<'_>, now: i64) -> Result<()> {
    audit::append(
        conn,
        &NewAudit {
            tenant: entry.tenant,
            actor: entry.actor,
            source: entry.source,
            event: entry.event,
            success: entry.success,
            details: entry.details.clone(),
        },
        now,
    )?;
    Ok(())
}

/// Appends a record in its own transaction.
pub fn record(dep: &Deployment, entry: &Entry<'_>) -> Result<()> {
    let now = dep.now().ms();
    dep.db().write(|tx| record_in(tx, entry, now))
}

/// Records that an evaluation period's figures were published, with only the period named.
/// `POST /v1/evaluation/publish` (biz::evaluation_publish) writes its own, fuller record
/// (period, version, previous version, reason, fingerprints) in the snapshot's transaction.
pub fn record_evaluation_publish(
    dep: &Deployment,
    tenant: &str,
    actor: &str,
    period: &str,
) -> Result<()> {
    record(
        dep,
        &Entry {
            tenant: Some(tenant),
            actor,
            source: None,
            event: event::EVALUATION_PUBLISH,
            success: true,
            details: serde_json::json!({ "period": period }),
        },
    )
}

/// The records, in order, optionally of one tenant and from a time (Unix ms) on.
pub fn list(dep: &Deployment, tenant: Option<&str>, since: Option<i64>) -> Result<Vec<AuditRow>> {
    dep.db().read(|tx| audit::list(tx, tenant, since))
}

/// The outcome of [`verify`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Verification {
    /// Records checked.
    pub checked: u64,
    /// The first record that does not fit the chain, and why.
    pub first_broken: Option<Broken>,
}

/// A record that breaks the chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Broken {
    /// Its position.
    pub seq: i64,
    /// What is wrong.
    pub reason: String,
}

/// Walks the chain from the first record and reports the first one whose position, link or
/// hash is wrong (a record edited, deleted, inserted or reordered).
pub fn verify(dep: &Deployment) -> Result<Verification> {
    dep.db().read(|tx| {
        let mut checked = 0u64;
        let mut expected_seq = 1i64;
        let mut prev = vec![0u8; 32];
        let mut first_broken = None;
        audit::walk(tx, |row| {
            let reason = if row.seq != expected_seq {
                Some(format!(
                    "expected record {expected_seq} here (one removed?)"
                ))
            } else if row.prev_hash != prev {
                Some("its link to the previous record does not match".to_owned())
            } else if audit::record_hash(&row) != row.hash {
                Some("its content does not match its hash (modified)".to_owned())
            } else {
                None
            };
            if let Some(reason) = reason {
                first_broken = Some(Broken {
                    seq: row.seq,
                    reason,
                });
                return false;
            }
            checked += 1;
            expected_seq += 1;
            prev = row.hash;
            true
        })?;
        Ok(Verification {
            checked,
            first_broken,
        })
    })
}
