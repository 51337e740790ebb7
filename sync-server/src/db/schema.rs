//! The server schema as append-only migrations, applied in order in one transaction and counted
//! by `PRAGMA user_version`. A migration, once released, is never edited: a fix is a new one at
//! the end. A database newer than this build is refused.

use crate::error::{Result, ServerError};
use rusqlite::{Connection, TransactionBehavior};

/// The migrations, oldest first; migration `i` takes `user_version` from `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    // 1: tenants, accounts, devices, documents, the case queue, scope, counters, blobs.
    r#"
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value BLOB NOT NULL
    ) STRICT;

    CREATE TABLE tenants (
        code       TEXT PRIMARY KEY,            -- 6-digit county code
        name       TEXT NOT NULL,
        seq        INTEGER NOT NULL DEFAULT 0,  -- the tenant's feed sequence (last given)
        created_at INTEGER NOT NULL
    ) STRICT;

    -- Tenant data files kept as text: calendar, policy, catalog rules/extensions, cells,
    -- responsibility list. Parsed (and cached) by the business layer.
    CREATE TABLE tenant_files (
        tenant     TEXT NOT NULL REFERENCES tenants(code),
        kind       TEXT NOT NULL,
        name       TEXT NOT NULL,
        text       TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (tenant, kind)
    ) STRICT;

    CREATE TABLE departments (
        id         TEXT PRIMARY KEY,            -- DepartmentId (UUIDv7)
        tenant     TEXT NOT NULL REFERENCES tenants(code),
        code       TEXT,                        -- the tenant's own code, if any
        name       TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        UNIQUE (tenant, name)
    ) STRICT;

    CREATE TABLE users (
        id            TEXT PRIMARY KEY,         -- UserId (UUIDv7)
        tenant        TEXT NOT NULL REFERENCES tenants(code),
        username      TEXT NOT NULL,
        display_name  TEXT NOT NULL,
        role          TEXT NOT NULL,
        department    TEXT REFERENCES departments(id),
        password_hash TEXT NOT NULL,            -- argon2id PHC string
        disabled_at   INTEGER,
        created_at    INTEGER NOT NULL,
        UNIQUE (tenant, username)
    ) STRICT;

    CREATE TABLE user_cells (                  -- an inspector's grid cells
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        cell    TEXT NOT NULL,
        PRIMARY KEY (user_id, cell)
    ) STRICT;

    CREATE TABLE cells (                       -- the tenant's unit grid cells (from import)
        tenant TEXT NOT NULL REFERENCES tenants(code),
        code   TEXT NOT NULL,
        name   TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (tenant, code)
    ) STRICT;

    CREATE TABLE devices (
        id         TEXT PRIMARY KEY,            -- DeviceId (UUIDv7)
        tenant     TEXT NOT NULL REFERENCES tenants(code),
        user_id    TEXT NOT NULL REFERENCES users(id),
        install_id TEXT NOT NULL,
        name       TEXT NOT NULL,
        actor_id   BLOB NOT NULL UNIQUE,        -- 16 bytes, issued by the server
        token_hash BLOB UNIQUE,                 -- SHA-256 of the bearer token
        created_at INTEGER NOT NULL,
        last_seen  INTEGER,
        revoked_at INTEGER,
        UNIQUE (tenant, user_id, install_id)
    ) STRICT;

    CREATE TABLE docs (
        case_id     TEXT PRIMARY KEY,
        tenant      TEXT NOT NULL REFERENCES tenants(code),
        snapshot    BLOB NOT NULL,              -- CaseDoc::save() at creation or compaction
        heads       BLOB NOT NULL,              -- heads of snapshot + chunks (32 bytes each)
        chunk_count INTEGER NOT NULL DEFAULT 0,
        chunk_bytes INTEGER NOT NULL DEFAULT 0,
        updated_at  INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE doc_chunks (
        case_id TEXT NOT NULL REFERENCES docs(case_id) ON DELETE CASCADE,
        n       INTEGER NOT NULL,               -- 1, 2, … in write order
        bytes   BLOB NOT NULL,                  -- save_after(previous heads)
        PRIMARY KEY (case_id, n)
    ) STRICT;

    -- The central case queue: one row per case, recomputed from the fold on every merge and
    -- by the lights job.
    CREATE TABLE cases (
        case_id       TEXT PRIMARY KEY REFERENCES docs(case_id),
        tenant        TEXT NOT NULL REFERENCES tenants(code),
        seq           INTEGER NOT NULL,         -- position in the tenant's feed
        status        TEXT NOT NULL,
        stage         TEXT NOT NULL,
        category      TEXT,                     -- component:<code> | matter:<code>
        cell          TEXT,
        department    TEXT,
        urgency       TEXT NOT NULL,
        light         TEXT NOT NULL,            -- green | yellow | red | none
        clock         TEXT,                     -- the running clock
        deadline      INTEGER,                  -- of the running clock (Unix ms)
        case_number   TEXT,
        reporter      TEXT,                     -- user id of the reporter
        address       TEXT,
        description   TEXT,
        conflicts     INTEGER NOT NULL,
        escalation    INTEGER NOT NULL,         -- highest escalation level
        blobs_missing INTEGER NOT NULL,         -- photos referenced but not (completely) uploaded
        created_at    INTEGER NOT NULL,
        updated_at    INTEGER NOT NULL
    ) STRICT;
    CREATE UNIQUE INDEX cases_feed ON cases(tenant, seq);
    CREATE INDEX cases_queue ON cases(tenant, status, updated_at);
    CREATE INDEX cases_light ON cases(tenant, light);
    CREATE UNIQUE INDEX cases_number ON cases(case_number) WHERE case_number IS NOT NULL;

    -- Who may see a case besides the centre: cell:<code>, user:<id>, dept:<id>.
    CREATE TABLE case_scope (
        principal TEXT NOT NULL,
        case_id   TEXT NOT NULL REFERENCES cases(case_id) ON DELETE CASCADE,
        PRIMARY KEY (principal, case_id)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX case_scope_by_case ON case_scope(case_id);

    CREATE TABLE case_numbers (                -- daily case number counters
        tenant TEXT NOT NULL REFERENCES tenants(code),
        day    TEXT NOT NULL,                   -- yyyymmdd, Asia/Shanghai
        last   INTEGER NOT NULL,
        PRIMARY KEY (tenant, day)
    ) STRICT;

    CREATE TABLE blobs (
        tenant       TEXT NOT NULL REFERENCES tenants(code),
        sha256       TEXT NOT NULL,             -- 64 lowercase hex digits
        length       INTEGER NOT NULL,          -- declared by Upload-Length
        complete     INTEGER NOT NULL DEFAULT 0,
        created_at   INTEGER NOT NULL,
        completed_at INTEGER,
        PRIMARY KEY (tenant, sha256)
    ) STRICT;

    CREATE TABLE blob_refs (                   -- photos referenced by case documents
        tenant  TEXT NOT NULL,
        sha256  TEXT NOT NULL,
        case_id TEXT NOT NULL REFERENCES cases(case_id) ON DELETE CASCADE,
        PRIMARY KEY (tenant, sha256, case_id)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX blob_refs_by_case ON blob_refs(case_id);
    "#,
    // 2: intake channels (docs/intake.md): Open311 api keys, the video webhook's secret,
    // cameras, nonces and alert groups, and the links from external ids to cases.
    r#"
    CREATE TABLE intake_keys (                 -- Open311 api_key: only the SHA-256 is kept
        key_hash   BLOB PRIMARY KEY,
        tenant     TEXT NOT NULL REFERENCES tenants(code),
        label      TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
    ) STRICT;

    CREATE TABLE webhook_secrets (             -- HMAC-SHA256 key of the video webhook
        tenant     TEXT PRIMARY KEY REFERENCES tenants(code),
        secret     TEXT NOT NULL,              -- base64url; needed in clear to verify
        created_at INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE cameras (
        tenant     TEXT NOT NULL REFERENCES tenants(code),
        code       TEXT NOT NULL,              -- the analytics platform's camera id
        name       TEXT NOT NULL,
        lon        REAL NOT NULL,              -- WGS84
        lat        REAL NOT NULL,
        cell       TEXT,                       -- unit grid cell, when known
        address    TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (tenant, code)
    ) STRICT;

    CREATE TABLE webhook_nonces (              -- replay protection
        tenant  TEXT NOT NULL,
        nonce   TEXT NOT NULL,
        seen_at INTEGER NOT NULL,
        PRIMARY KEY (tenant, nonce)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX webhook_nonces_by_time ON webhook_nonces(seen_at);

    CREATE TABLE video_alerts (                -- the open report of a camera and category
        tenant   TEXT NOT NULL,
        camera   TEXT NOT NULL,
        category TEXT NOT NULL,
        case_id  TEXT NOT NULL,
        first_at INTEGER NOT NULL,
        last_at  INTEGER NOT NULL,
        count    INTEGER NOT NULL,
        PRIMARY KEY (tenant, camera, category)
    ) STRICT;

    CREATE TABLE intake_links (                -- external id → case, one per channel
        tenant      TEXT NOT NULL REFERENCES tenants(code),
        channel     TEXT NOT NULL,             -- open311 | superior
        external_id TEXT NOT NULL,
        case_id     TEXT NOT NULL,
        media_url   TEXT,
        created_at  INTEGER NOT NULL,
        PRIMARY KEY (tenant, channel, external_id)
    ) STRICT;
    CREATE INDEX intake_links_by_case ON intake_links(case_id);
    "#,
    // 3: uploads per device (a partial upload belongs to the device that started it, so no
    // device can squat another's upload) and the uploader of each complete blob (a new photo
    // entry may only name the pushing device's own uploads). Complete blobs from before keep
    // `device` NULL; their incomplete rows are collected by the blob GC as before.
    r#"
    ALTER TABLE blobs ADD COLUMN device TEXT;

    CREATE TABLE blob_parts (
        tenant     TEXT NOT NULL,
        sha256     TEXT NOT NULL,
        device     TEXT NOT NULL,               -- DeviceId of the uploader
        length     INTEGER NOT NULL,            -- declared by its Upload-Length
        created_at INTEGER NOT NULL,
        PRIMARY KEY (tenant, sha256, device)
    ) STRICT;
    "#,
    // 4 (issue 11, isolation): stored documents that failed to load or read, and scheduled
    // job runs that failed for one tenant (docs/security/isolation.md). Upserted: one row per
    // case, one per (job, tenant); repeats only move last_seen and count.
    r#"
    CREATE TABLE bad_documents (
        tenant     TEXT NOT NULL,
        case_id    TEXT NOT NULL,
        stage      TEXT NOT NULL,               -- load | header | heads | events | photos
        seen_in    TEXT NOT NULL,               -- the operation that last met it (pull, …)
        error      TEXT NOT NULL,               -- the last error, truncated
        first_seen INTEGER NOT NULL,
        last_seen  INTEGER NOT NULL,
        count      INTEGER NOT NULL,
        PRIMARY KEY (tenant, case_id)
    ) STRICT;

    CREATE TABLE job_failures (
        job        TEXT NOT NULL,               -- lights | compaction | blob_gc | backup
        tenant     TEXT NOT NULL,               -- '' for a deployment-wide run
        error      TEXT NOT NULL,
        first_seen INTEGER NOT NULL,
        last_seen  INTEGER NOT NULL,
        count      INTEGER NOT NULL,
        PRIMARY KEY (job, tenant)
    ) STRICT;
    "#,
    // 5: personal information and secrets at rest (docs/security/privacy.md).
    r#"
    -- 1: `secret` is SecretBox's sealed form (v1:…); 0: a clear secret of an older build,
    -- sealed at the next start.
    ALTER TABLE webhook_secrets ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0;

    CREATE TABLE case_contacts (               -- a citizen's contact, never in the document
        tenant         TEXT NOT NULL REFERENCES tenants(code),
        case_id        TEXT NOT NULL,
        channel        TEXT NOT NULL,          -- hotline | open311 | superior
        name           TEXT,
        phone          TEXT,
        email          TEXT,
        wants_callback INTEGER NOT NULL DEFAULT 0,
        written_by     TEXT,                   -- user id; NULL for an intake channel
        created_at     INTEGER NOT NULL,
        updated_at     INTEGER NOT NULL,
        PRIMARY KEY (tenant, case_id)
    ) STRICT;
    "#,
    // 6: accounts and audit (docs/security/accounts.md): forced password change, password
    // history, token issue time, login throttling counters, the append-only audit log.
    r#"
    ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;

    CREATE TABLE password_history (            -- the last passwords of a user (argon2id)
        user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        password_hash TEXT NOT NULL,
        set_at        INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX password_history_by_user ON password_history(user_id, set_at);
    INSERT INTO password_history(user_id, password_hash, set_at)
        SELECT id, password_hash, created_at FROM users;

    ALTER TABLE devices ADD COLUMN token_issued_at INTEGER;
    UPDATE devices SET token_issued_at = COALESCE(last_seen, created_at);

    CREATE TABLE login_throttle (              -- failed sign-ins per account and per address
        kind         TEXT NOT NULL,            -- account | address
        key          TEXT NOT NULL,            -- tenant/username | IP address
        failures     INTEGER NOT NULL,
        window_start INTEGER NOT NULL,
        locked_until INTEGER,
        PRIMARY KEY (kind, key)
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE audit_log (                   -- append-only, hash-chained
        seq       INTEGER PRIMARY KEY,
        at        INTEGER NOT NULL,
        tenant    TEXT,
        actor     TEXT NOT NULL,
        source    TEXT,
        event     TEXT NOT NULL,
        success   INTEGER NOT NULL,
        details   TEXT NOT NULL,
        prev_hash BLOB NOT NULL,
        hash      BLOB NOT NULL
    ) STRICT;
    CREATE INDEX audit_log_by_tenant ON audit_log(tenant, at);
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
    "#,
    // standards: every imported version of a tenant's standards table (立案、处置和结案标准);
    // the current version is the highest. Rows are never updated or deleted.
    r#"
    CREATE TABLE standards_versions (
        tenant      TEXT NOT NULL REFERENCES tenants(code),
        version     INTEGER NOT NULL,          -- 1, 2, … per tenant
        sha256      TEXT NOT NULL,             -- hex SHA-256 of the imported file's bytes
        file_name   TEXT NOT NULL,
        form        TEXT NOT NULL,             -- csv | xlsx
        imported_by TEXT NOT NULL,             -- user:<id> | cli
        imported_at INTEGER NOT NULL,          -- Unix ms, server clock
        table_json  TEXT NOT NULL,             -- the parsed table (StandardsTable as JSON)
        PRIMARY KEY (tenant, version)
    ) STRICT;
    CREATE TRIGGER standards_versions_no_update BEFORE UPDATE ON standards_versions
        BEGIN SELECT RAISE(ABORT, 'standards_versions is append-only'); END;
    CREATE TRIGGER standards_versions_no_delete BEFORE DELETE ON standards_versions
        BEGIN SELECT RAISE(ABORT, 'standards_versions is append-only'); END;
    "#,
    // 8: published evaluation periods (docs/evaluation.md "发布与冻结"): one immutable snapshot
    // per tenant, period and version, its tables stored as JSON. Never updated or deleted;
    // the current version of a period is its highest.
    r#"
    CREATE TABLE evaluation_snapshots (
        tenant            TEXT NOT NULL REFERENCES tenants(code),
        period_from       INTEGER NOT NULL,    -- Unix ms, inclusive
        period_to         INTEGER NOT NULL,    -- Unix ms, exclusive
        version           INTEGER NOT NULL CHECK (version >= 1),
        published_at      INTEGER NOT NULL,
        published_by      TEXT NOT NULL,       -- user id
        publisher_name    TEXT NOT NULL,
        publisher_role    TEXT NOT NULL,
        reason            TEXT,                -- required from version 2 on
        case_count        INTEGER NOT NULL,    -- cases folded
        rules             TEXT NOT NULL,       -- JSON: the rules in force and their hashes
        rules_fingerprint TEXT NOT NULL,       -- hex SHA-256 over the rule files in force
        figures_sha256    TEXT NOT NULL,       -- hex SHA-256 over the stored tables
        PRIMARY KEY (tenant, period_from, period_to, version),
        CHECK (period_to > period_from),
        CHECK (version = 1 OR length(trim(coalesce(reason, ''))) > 0)
    ) STRICT;
    CREATE TABLE evaluation_snapshot_tables (
        tenant      TEXT NOT NULL,
        period_from INTEGER NOT NULL,
        period_to   INTEGER NOT NULL,
        version     INTEGER NOT NULL,
        level       TEXT NOT NULL,             -- cell … dispatcher
        report      TEXT NOT NULL,             -- JSON of the table as published
        PRIMARY KEY (tenant, period_from, period_to, version, level),
        FOREIGN KEY (tenant, period_from, period_to, version)
            REFERENCES evaluation_snapshots(tenant, period_from, period_to, version)
    ) STRICT;
    CREATE TRIGGER evaluation_snapshots_no_update BEFORE UPDATE ON evaluation_snapshots
        BEGIN SELECT RAISE(ABORT, 'evaluation snapshots are immutable'); END;
    CREATE TRIGGER evaluation_snapshots_no_delete BEFORE DELETE ON evaluation_snapshots
        BEGIN SELECT RAISE(ABORT, 'evaluation snapshots are immutable'); END;
    CREATE TRIGGER evaluation_snapshot_tables_no_update BEFORE UPDATE ON evaluation_snapshot_tables
        BEGIN SELECT RAISE(ABORT, 'evaluation snapshots are immutable'); END;
    CREATE TRIGGER evaluation_snapshot_tables_no_delete BEFORE DELETE ON evaluation_snapshot_tables
        BEGIN SELECT RAISE(ABORT, 'evaluation snapshots are immutable'); END;
    "#,
    // Issue 12 item 7 (at scale): per-case index kept by every projection write (the act-time
    // span of the case for evaluation, and the instant its light next changes for the lights
    // pass), and per tenant whether the index covers the documents stored before it existed
    // (filled lazily: biz::case_index).
    r#"
    CREATE TABLE case_index (
        case_id       TEXT PRIMARY KEY,
        tenant        TEXT NOT NULL,
        rev           INTEGER NOT NULL,        -- +1 at every projection write of the case
        first_act     INTEGER,                 -- earliest act time of its events (NULL: none)
        last_act      INTEGER,                 -- latest act time of its events
        terminal      INTEGER NOT NULL,        -- 1: the fold of all its events is terminal
        next_light_at INTEGER                  -- when its running light next changes
    ) STRICT;
    CREATE INDEX case_index_span ON case_index(tenant, last_act);
    CREATE INDEX case_index_light ON case_index(tenant, next_light_at)
        WHERE next_light_at IS NOT NULL;
    CREATE TABLE case_index_state (
        tenant       TEXT PRIMARY KEY,
        spans_built  INTEGER NOT NULL DEFAULT 0, -- 1: every document of the tenant has its row
        lights_rules TEXT                        -- the rules fingerprint next_light_at was built with
    ) STRICT;
    "#,
    // Issue 13 (tiles): the tenant's current basemap package (MBTiles of its layers), built at
    // import; the file itself is in the package store (biz::basemap::store).
    r#"
    CREATE TABLE basemaps (
        tenant     TEXT PRIMARY KEY REFERENCES tenants(code),
        version    TEXT NOT NULL,     -- hex SHA-256 of the package's bytes
        bytes      INTEGER NOT NULL,  -- package size
        source     TEXT NOT NULL,     -- hex SHA-256 of the layer files it was built from
        tiles      INTEGER NOT NULL,  -- tile count
        layers     TEXT NOT NULL,     -- JSON {layer: feature count}
        built_at   INTEGER NOT NULL,  -- ms
        build_ms   INTEGER NOT NULL   -- how long the build took
    ) STRICT;
    "#,
    // Issue 14 (object storage): the received bytes of an upload in progress as staged objects
    // in the blob store, one row per segment; the upload's offset is the end of its contiguous
    // segments (crate::blobstore::upload). Shared by every server instance of a deployment.
    r#"
    CREATE TABLE blob_segments (
        tenant     TEXT NOT NULL,
        sha256     TEXT NOT NULL,
        device     TEXT NOT NULL,
        "offset"   INTEGER NOT NULL,  -- first byte of the segment in the blob
        length     INTEGER NOT NULL CHECK (length > 0),
        key        TEXT NOT NULL,     -- the staged object's key in the blob store
        PRIMARY KEY (tenant, sha256, device, "offset")
    ) STRICT;
    "#,
    // Issue 16 (patrols, docs/patrol.md "Server"): the inspectors' day records as the blocks
    // their devices appended (never rewritten; the record of a day is its blocks in seq order),
    // their sign-ins and sign-outs keyed by the device's id of the event, and the duty roster.
    r#"
    CREATE TABLE track_blocks (
        tenant      TEXT NOT NULL REFERENCES tenants(code),
        inspector   TEXT NOT NULL REFERENCES users(id),
        day         TEXT NOT NULL,             -- tenant-local day, YYYY-MM-DD
        seq         INTEGER NOT NULL CHECK (seq >= 0),
        bytes       BLOB NOT NULL,             -- one patrol::codec block, as received
        points      INTEGER NOT NULL CHECK (points > 0),
        first_t     INTEGER NOT NULL,          -- Unix s of its first point
        last_t      INTEGER NOT NULL,          -- Unix s of its last point
        device      TEXT NOT NULL,
        received_at INTEGER NOT NULL,          -- Unix ms, server clock
        PRIMARY KEY (tenant, inspector, day, seq)
    ) STRICT;
    CREATE INDEX track_blocks_time ON track_blocks(tenant, last_t);
    CREATE TABLE sign_events (
        tenant      TEXT NOT NULL REFERENCES tenants(code),
        id          TEXT NOT NULL,             -- the device's id of the event
        inspector   TEXT NOT NULL REFERENCES users(id),
        device      TEXT NOT NULL,
        kind        TEXT NOT NULL CHECK (kind IN ('in', 'out')),
        at          INTEGER NOT NULL,          -- Unix ms, device clock
        day         TEXT NOT NULL,             -- tenant-local day of `at`
        lon         REAL NOT NULL,
        lat         REAL NOT NULL,
        received_at INTEGER NOT NULL,
        PRIMARY KEY (tenant, id)
    ) STRICT;
    CREATE INDEX sign_events_day ON sign_events(tenant, inspector, day);
    CREATE TABLE roster_shifts (
        tenant      TEXT NOT NULL REFERENCES tenants(code),
        inspector   TEXT NOT NULL REFERENCES users(id),
        day         TEXT NOT NULL,
        start_ms    INTEGER NOT NULL,
        end_ms      INTEGER NOT NULL CHECK (end_ms > start_ms),
        cells       TEXT NOT NULL,             -- JSON array of cell codes
        updated_by  TEXT NOT NULL,
        updated_at  INTEGER NOT NULL,
        PRIMARY KEY (tenant, inspector, day, start_ms)
    ) STRICT;
    CREATE INDEX roster_shifts_day ON roster_shifts(tenant, day);
    "#,
    // Issue 16 (专项普查, docs/patrol.md "Server"): survey tasks as their wire JSON, and the
    // inspectors' marks keyed by the device's id of the mark.
    r#"
    CREATE TABLE survey_tasks (
        tenant      TEXT NOT NULL REFERENCES tenants(code),
        id          TEXT NOT NULL,             -- SurveyId, given by the creating device
        title       TEXT NOT NULL,
        task        TEXT NOT NULL,             -- SurveyTaskWire as JSON
        starts_at   INTEGER NOT NULL,
        due_at      INTEGER NOT NULL CHECK (due_at > starts_at),
        created_by  TEXT NOT NULL,
        created_at  INTEGER NOT NULL,
        PRIMARY KEY (tenant, id)
    ) STRICT;
    CREATE TABLE survey_marks (
        tenant      TEXT NOT NULL,
        id          TEXT NOT NULL,             -- the device's id of the mark
        survey      TEXT NOT NULL,
        inspector   TEXT NOT NULL REFERENCES users(id),
        mark        TEXT NOT NULL,             -- SurveyMarkWire as JSON (without the inspector)
        case_id     TEXT,                      -- the reported case, if any
        at          INTEGER NOT NULL,
        received_at INTEGER NOT NULL,
        PRIMARY KEY (tenant, id),
        FOREIGN KEY (tenant, survey) REFERENCES survey_tasks(tenant, id)
    ) STRICT;
    CREATE INDEX survey_marks_task ON survey_marks(tenant, survey);
    "#,
    // Issue 15 item 3 (综合看板 at scale): the tenant's open cases by first act. With it the
    // evaluation's candidate query (db::case_index::candidates, `terminal = 0 OR last_act >=
    // from`) is two index ranges (SQLite's multi-index OR with case_index_span) instead of a
    // walk over every index row of the tenant: 1.2–1.4 s → 0.26–0.30 s over 300,000 cases
    // (docs/performance.md, 综合看板).
    r#"
    CREATE INDEX case_index_open ON case_index(tenant, first_act) WHERE terminal = 0;
    "#,
];

/// The schema version this build writes.
pub fn current_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// Applies the pending migrations in one transaction; returns the version reached.
pub fn migrate(conn: &mut Connection) -> Result<i64> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let target = current_version();
    if found > target {
        return Err(ServerError::Internal(format!(
            "the database is at schema version {found}, newer than this build ({target}); \
             upgrade the server"
        )));
    }
    if found == target {
        return Ok(found);
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Exclusive)?;
    for sql in &MIGRATIONS[found as usize..] {
        tx.execute_batch(sql)?;
    }
    tx.pragma_update(None, "user_version", target)?;
    tx.commit()?;
    Ok(target)
}

/// The database's schema version.
pub fn version(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}
