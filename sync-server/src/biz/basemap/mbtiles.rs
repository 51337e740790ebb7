//! Writing an MBTiles 1.3 file: `metadata(name, value)` and `tiles(zoom_level, tile_column,
//! tile_row, tile_data)` with its unique index, TMS rows (y from the south), tiles gzip-compressed
//! at a fixed level.
//!
//! Invariants: deterministic bytes for the same input: fixed page size, no journal left, the
//! metadata in the given order, tiles inserted in ascending (zoom, column, row) order in one
//! transaction, gzip with no timestamp or file name; nothing in the file depends on the clock.

use flate2::Compression;
use flate2::write::GzEncoder;
use rusqlite::{Connection, params};
use std::io::Write;
use std::path::Path;

/// The MBTiles application id (`MPBX`).
const APPLICATION_ID: i64 = 0x4d50_4258;

/// A tile: XYZ address and gzipped bytes.
pub type TileData = ((u8, u32, u32), Vec<u8>);

/// Gzips a tile (level 6, mtime 0, no name).
pub fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut enc = GzEncoder::new(Vec::with_capacity(bytes.len() / 2), Compression::new(6));
    enc.write_all(bytes)?;
    enc.finish()
}

/// Writes a new MBTiles file at `path` (which must not exist). `tiles` are XYZ-numbered
/// `(z, x, y, gzipped bytes)` in ascending XYZ order.
pub fn write(path: &Path, metadata: &[(&str, String)], tiles: &[TileData]) -> rusqlite::Result<()> {
    let mut conn = Connection::open(path)?;
    conn.execute_batch(
        "PRAGMA page_size = 4096;
         PRAGMA journal_mode = OFF;
         PRAGMA synchronous = OFF;",
    )?;
    conn.pragma_update(None, "application_id", APPLICATION_ID)?;
    let tx = conn.transaction()?;
    tx.execute_batch(
        "CREATE TABLE metadata (name TEXT, value TEXT);
         CREATE UNIQUE INDEX name ON metadata (name);
         CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);
         CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);",
    )?;
    {
        let mut meta = tx.prepare("INSERT INTO metadata (name, value) VALUES (?1, ?2)")?;
        for (name, value) in metadata {
            meta.execute(params![name, value])?;
        }
        let mut insert = tx.prepare(
            "INSERT INTO tiles (zoom_level, tile_column, tile_row, tile_data) VALUES (?1, ?2, ?3, ?4)",
        )?;
        let mut sorted: Vec<_> = tiles
            .iter()
            .map(|((z, x, y), data)| ((*z, *x, (1u32 << z) - 1 - y), data))
            .collect();
        sorted.sort_by_key(|(k, _)| *k);
        for ((z, x, row), data) in sorted {
            insert.execute(params![z, x, row, data])?;
        }
    }
    tx.commit()?;
    conn.close().map_err(|(_, e)| e)
}
