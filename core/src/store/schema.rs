//! The device database schema as append-only migrations, applied in order and counted by
//! `PRAGMA user_version`.
//!
//! Invariants: a migration, once released, is never edited or removed (a fix is a new migration
//! at the end); all pending migrations run in one transaction, so a database is always at a
//! version this list describes; a database newer than this build is refused, never downgraded.

use super::StoreError;
use rusqlite::{Connection, TransactionBehavior};

/// The migrations, oldest first. Migration `i` (0-based) takes `user_version` from `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    // 1: documents, change chunks, projection, blob outbox, meta.
    r#"
    CREATE TABLE docs (
        case_id        TEXT PRIMARY KEY,
        snapshot       BLOB NOT NULL,              -- CaseDoc::save() at creation or compaction
        snapshot_heads BLOB NOT NULL,              -- heads of the snapshot, 32 bytes each
        local_heads    BLOB NOT NULL,              -- heads of snapshot + chunks
        server_heads   BLOB,                       -- heads the server acknowledged; NULL: never
        dirty          INTEGER NOT NULL DEFAULT 1, -- local changes the server may not have
        chunk_count    INTEGER NOT NULL DEFAULT 0,
        chunk_bytes    INTEGER NOT NULL DEFAULT 0
    ) STRICT;
    CREATE INDEX docs_dirty ON docs(dirty) WHERE dirty = 1;

    CREATE TABLE doc_chunks (
        case_id TEXT NOT NULL REFERENCES docs(case_id) ON DELETE CASCADE,
        seq     INTEGER NOT NULL,                  -- 1, 2, … in write order
        bytes   BLOB NOT NULL,                     -- CaseDoc::save_after(previous local_heads)
        PRIMARY KEY (case_id, seq)
    ) STRICT;

    CREATE TABLE sync_state (
        case_id TEXT PRIMARY KEY REFERENCES docs(case_id) ON DELETE CASCADE,
        state   BLOB NOT NULL                      -- automerge sync::State::encode() vs the server
    ) STRICT;

    CREATE TABLE cases (
        case_id        TEXT PRIMARY KEY REFERENCES docs(case_id) ON DELETE CASCADE,
        status         TEXT NOT NULL,
        status_label   TEXT NOT NULL,
        category       TEXT,
        cell           TEXT,
        department     TEXT,
        urgency        TEXT,
        address        TEXT,
        excerpt        TEXT,
        case_number    TEXT,
        conflict_count INTEGER NOT NULL DEFAULT 0,
        updated_at     INTEGER NOT NULL,
        created_at     INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX cases_by_status ON cases(status, updated_at DESC);
    CREATE INDEX cases_by_updated ON cases(updated_at DESC);

    CREATE TABLE blobs (
        sha256     TEXT PRIMARY KEY,
        case_id    TEXT,
        size       INTEGER NOT NULL,
        path       TEXT,                           -- where the bytes are on this device, or
        bytes      BLOB,                           -- the bytes themselves (small blobs)
        state      TEXT NOT NULL DEFAULT 'pending'
                   CHECK (state IN ('pending', 'uploading', 'uploaded')),
        bytes_sent INTEGER NOT NULL DEFAULT 0,     -- resume point
        attempts   INTEGER NOT NULL DEFAULT 0
    ) STRICT;
    CREATE INDEX blobs_pending ON blobs(state) WHERE state <> 'uploaded';

    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value BLOB NOT NULL
    ) STRICT;
    "#,
    // 2: cases whose changes the server refused (security rules), and the edits it refused.
    r#"
    CREATE TABLE quarantines (
        id          INTEGER PRIMARY KEY,
        case_id     TEXT NOT NULL,                 -- no FK: kept after the case is rebuilt or gone
        code        TEXT NOT NULL,                 -- the server's reason code
        message     TEXT NOT NULL,
        rejected_at INTEGER NOT NULL,              -- Unix ms
        local_doc   BLOB NOT NULL,                 -- the device's whole document before the rebuild
        dismissed   INTEGER NOT NULL DEFAULT 0     -- the user has seen it
    ) STRICT;
    CREATE INDEX quarantines_by_case ON quarantines(case_id);

    CREATE TABLE rejected_edits (
        quarantine_id INTEGER NOT NULL REFERENCES quarantines(id) ON DELETE CASCADE,
        event_id      TEXT NOT NULL,
        event         TEXT NOT NULL,               -- the event as JSON: its intent, to redo
        PRIMARY KEY (quarantine_id, event_id)
    ) STRICT;
    "#,
    // 3: patrols (issue 16): the sampler's points not yet sealed, the day record's sealed blocks,
    // sign-in/out events, cached 专项普查 tasks and the survey marks outbox. Outbox states:
    // pending (to send), sent (the server has it), refused (with the server's code; never resent).
    r#"
    CREATE TABLE track_points (
        t        INTEGER PRIMARY KEY,              -- Unix s; strictly after every sealed point
        day      TEXT NOT NULL,                    -- tenant-local YYYY-MM-DD
        lon      REAL NOT NULL,
        lat      REAL NOT NULL,
        accuracy REAL NOT NULL
    ) STRICT;

    CREATE TABLE track_blocks (
        day      TEXT NOT NULL,
        seq      INTEGER NOT NULL,                 -- 0, 1, … without gaps within the day
        points   INTEGER NOT NULL,
        last_t   INTEGER NOT NULL,                 -- the block's last point, Unix s
        bytes    BLOB NOT NULL,                    -- patrol::codec::encode_block, never rewritten
        state    TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'refused')),
        code     TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (day, seq)
    ) STRICT;
    CREATE INDEX track_blocks_unsent ON track_blocks(state) WHERE state = 'pending';

    CREATE TABLE sign_events (
        id       TEXT PRIMARY KEY,                 -- UUID, the push's idempotency key
        kind     TEXT NOT NULL CHECK (kind IN ('in', 'out')),
        at       INTEGER NOT NULL,                 -- Unix ms
        lon      REAL NOT NULL,
        lat      REAL NOT NULL,
        state    TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'refused')),
        code     TEXT,
        attempts INTEGER NOT NULL DEFAULT 0
    ) STRICT;
    CREATE INDEX sign_events_by_at ON sign_events(at);

    CREATE TABLE survey_tasks (
        id         TEXT PRIMARY KEY,
        task       TEXT NOT NULL,                  -- SurveyTaskWire as JSON, as the server sent it
        fetched_at INTEGER NOT NULL                -- Unix ms
    ) STRICT;

    CREATE TABLE survey_marks (
        id        TEXT PRIMARY KEY,                -- UUID, the push's idempotency key
        survey_id TEXT NOT NULL,                   -- no FK: a mark outlives a task the server withdrew
        mark      TEXT NOT NULL,                   -- SurveyMarkWire as JSON
        state     TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'refused')),
        code      TEXT,
        attempts  INTEGER NOT NULL DEFAULT 0
    ) STRICT;
    CREATE INDEX survey_marks_by_survey ON survey_marks(survey_id);
    "#,
];

/// The schema version this build writes: the number of migrations.
pub fn current_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// Applies every migration the database has not had, in one transaction; returns the version.
pub(crate) fn migrate(conn: &mut Connection) -> Result<i64, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let known = current_version();
    if found > known {
        return Err(StoreError::NewerSchema { found, known });
    }
    for sql in MIGRATIONS.iter().skip(usize::try_from(found).unwrap_or(0)) {
        tx.execute_batch(sql)?;
    }
    tx.pragma_update(None, "user_version", known)?;
    tx.commit()?;
    Ok(known)
}
