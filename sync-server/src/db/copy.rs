//! Copies an SQLite deployment's database into an empty PostgreSQL one, table by table, and
//! verifies the copy (`gridcase-server migrate-to-postgres`, docs/deployment.md "从县级自建迁入
//! 市级云平台").
//!
//! Invariants:
//! - The source is read in one snapshot ([`super::Db::read`]): a server still running on it
//!   cannot make the copy inconsistent (the operator stops it first anyway, so no write is lost
//!   after the copy).
//! - Tables are copied in the order the SQLite schema created them, which is an order every
//!   foreign key is satisfied in; every column is copied as its stored value (bytes stay bytes),
//!   so document heads, token hashes, actor ids and the audit chain's hashes are identical.
//! - The target must be empty: a table of the target that already holds rows stops the copy
//!   before anything is written (no merge of two deployments).
//! - Verification reads both sides again: equal row counts per table and, per case document,
//!   equal heads and equal bytes (snapshot and chunks).

use super::Db;
use super::sql::{Connection, Value, params};
use crate::error::{Result, ServerError};

/// Rows per target transaction.
const BATCH: i64 = 500;

/// What was copied.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CopyReport {
    /// Per table, in copy order: (table, rows).
    pub tables: Vec<(String, i64)>,
    /// Case documents whose heads and bytes were compared.
    pub documents_verified: i64,
}

/// The user tables of the SQLite source, in creation order, with their columns.
fn tables(src: &Connection<'_>) -> Result<Vec<(String, Vec<String>)>> {
    let lite = src
        .as_sqlite()
        .ok_or_else(|| ServerError::Config("the source of the copy must be SQLite".into()))?;
    let mut stmt = lite.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
         ORDER BY rowid",
    )?;
    let names: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::new();
    for name in names {
        let mut info = lite.prepare(&format!("PRAGMA table_info(\"{name}\")"))?;
        let cols: Vec<String> = info
            .query_map([], |r| r.get(1))?
            .collect::<rusqlite::Result<_>>()?;
        out.push((name, cols));
    }
    Ok(out)
}

fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

/// Copies every row of `src` (SQLite) into `dst` (PostgreSQL, freshly migrated and empty).
pub fn copy_all(src: &Db, dst: &Db, mut progress: impl FnMut(&str, i64)) -> Result<CopyReport> {
    if dst.postgres().is_none() {
        return Err(ServerError::Config(
            "the target of the copy must be PostgreSQL".into(),
        ));
    }
    src.read(|s| {
        let tables = tables(s)?;
        // Refuse a target that holds anything (the schema's own rows excepted).
        for (table, _) in &tables {
            let n: i64 = dst.read(|d| {
                Ok(
                    d.query_row(&format!("SELECT count(*) FROM {}", quote(table)), (), |r| {
                        r.get(0)
                    })?,
                )
            })?;
            if n > 0 {
                return Err(ServerError::Config(format!(
                    "目标数据库的 {table} 表已有 {n} 行：只能迁入空的 PostgreSQL 数据库"
                )));
            }
        }
        let mut report = CopyReport::default();
        for (table, cols) in &tables {
            let list = cols.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", ");
            let marks = (1..=cols.len())
                .map(|i| format!("?{i}"))
                .collect::<Vec<_>>()
                .join(", ");
            let insert = format!("INSERT INTO {} ({list}) VALUES ({marks})", quote(table));
            let select = format!(
                "SELECT {list} FROM {} ORDER BY rowid LIMIT ?1 OFFSET ?2",
                quote(table)
            );
            // WITHOUT ROWID tables order by their whole row instead.
            let select_norowid = format!(
                "SELECT {list} FROM {} ORDER BY {list} LIMIT ?1 OFFSET ?2",
                quote(table)
            );
            let has_rowid = s
                .query_row(
                    &format!("SELECT rowid FROM {} LIMIT 1", quote(table)),
                    (),
                    |_| Ok(()),
                )
                .map(|_| true)
                .or_else(|e| match e {
                    super::sql::SqlError::NoRows => Ok(true),
                    _ => Ok::<bool, ServerError>(false),
                })?;
            let mut offset = 0i64;
            loop {
                let sql = if has_rowid { &select } else { &select_norowid };
                let rows: Vec<Vec<Value>> = s.query_all(sql, params![BATCH, offset], |r| {
                    (0..r.column_count())
                        .map(|i| r.get::<_, Value>(i))
                        .collect()
                })?;
                if rows.is_empty() {
                    break;
                }
                let n = rows.len() as i64;
                dst.write(|d| {
                    for row in rows {
                        d.execute(&insert, row)?;
                    }
                    Ok(())
                })?;
                offset += n;
                progress(table, offset);
            }
            report.tables.push((table.clone(), offset));
        }
        report.documents_verified = verify(s, dst, &report)?;
        Ok(report)
    })
}

/// Compares row counts and every document's heads and bytes; the documents compared.
fn verify(src: &Connection<'_>, dst: &Db, report: &CopyReport) -> Result<i64> {
    for (table, rows) in &report.tables {
        let there: i64 = dst.read(|d| {
            Ok(
                d.query_row(&format!("SELECT count(*) FROM {}", quote(table)), (), |r| {
                    r.get(0)
                })?,
            )
        })?;
        if there != *rows {
            return Err(ServerError::Internal(format!(
                "迁移校验失败：{table} 源 {rows} 行，目标 {there} 行"
            )));
        }
    }
    let docs: Vec<(String, Vec<u8>, Vec<u8>)> = src.query_all(
        "SELECT case_id, heads, snapshot FROM docs ORDER BY case_id",
        (),
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let mut verified = 0i64;
    for (case_id, heads, snapshot) in docs {
        let chunks = |c: &Connection<'_>| -> Result<Vec<Vec<u8>>> {
            Ok(c.query_all(
                "SELECT bytes FROM doc_chunks WHERE case_id = ?1 ORDER BY n",
                [&case_id],
                |r| r.get(0),
            )?)
        };
        let ours = chunks(src)?;
        let (h, snap, theirs) = dst.read(|d| {
            let (h, snap): (Vec<u8>, Vec<u8>) = d.query_row(
                "SELECT heads, snapshot FROM docs WHERE case_id = ?1",
                [&case_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            Ok((h, snap, chunks(d)?))
        })?;
        if h != heads || snap != snapshot || theirs != ours {
            return Err(ServerError::Internal(format!(
                "迁移校验失败：案件 {case_id} 的文档与源不同"
            )));
        }
        verified += 1;
    }
    Ok(verified)
}
