//! The PostgreSQL schema: the same tables, columns, keys, indexes and append-only triggers as
//! the SQLite schema ([`super::schema`]) at its current version, in PostgreSQL types (`BIGINT`
//! for every integer, `BYTEA` for bytes, `DOUBLE PRECISION` for reals), so every statement of the
//! table modules runs unchanged on both.
//!
//! Migrations are append-only and counted in `gridcase_schema(version)`; they run in one
//! transaction under the advisory lock [`super::pg::MIGRATE_LOCK`], so instances starting
//! together migrate once. Invariant: a migration added to [`super::schema::MIGRATIONS`] gets its
//! PostgreSQL twin here in the same commit, and [`SQLITE_VERSION`] names the SQLite version the
//! PostgreSQL schema matches (a test compares the two schemas' tables and columns).

use crate::error::{Result, ServerError};
use postgres::Client;

/// The SQLite schema version these migrations reproduce.
pub const SQLITE_VERSION: i64 = 14;

/// The migrations, oldest first.
pub const MIGRATIONS: &[&str] = &[
    // 1: the SQLite schema at version 13, whole.
    r#"
    CREATE TABLE meta (
            key   TEXT PRIMARY KEY,
            value BYTEA NOT NULL
        );

    CREATE TABLE tenants (
            code       TEXT PRIMARY KEY,            -- 6-digit county code
            name       TEXT NOT NULL,
            seq        BIGINT NOT NULL DEFAULT 0,  -- the tenant's feed sequence (last given)
            created_at BIGINT NOT NULL
        );

    CREATE TABLE tenant_files (
            tenant     TEXT NOT NULL REFERENCES tenants(code),
            kind       TEXT NOT NULL,
            name       TEXT NOT NULL,
            text       TEXT NOT NULL,
            updated_at BIGINT NOT NULL,
            PRIMARY KEY (tenant, kind)
        );

    CREATE TABLE departments (
            id         TEXT PRIMARY KEY,            -- DepartmentId (UUIDv7)
            tenant     TEXT NOT NULL REFERENCES tenants(code),
            code       TEXT,                        -- the tenant's own code, if any
            name       TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            UNIQUE (tenant, name)
        );

    CREATE TABLE users (
            id            TEXT PRIMARY KEY,         -- UserId (UUIDv7)
            tenant        TEXT NOT NULL REFERENCES tenants(code),
            username      TEXT NOT NULL,
            display_name  TEXT NOT NULL,
            role          TEXT NOT NULL,
            department    TEXT REFERENCES departments(id),
            password_hash TEXT NOT NULL,            -- argon2id PHC string
            disabled_at   BIGINT,
            created_at    BIGINT NOT NULL, must_change_password BIGINT NOT NULL DEFAULT 0,
            UNIQUE (tenant, username)
        );

    CREATE TABLE user_cells (                  -- an inspector's grid cells
            user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            cell    TEXT NOT NULL,
            PRIMARY KEY (user_id, cell)
        );

    CREATE TABLE cells (                       -- the tenant's unit grid cells (from import)
            tenant TEXT NOT NULL REFERENCES tenants(code),
            code   TEXT NOT NULL,
            name   TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (tenant, code)
        );

    CREATE TABLE devices (
            id         TEXT PRIMARY KEY,            -- DeviceId (UUIDv7)
            tenant     TEXT NOT NULL REFERENCES tenants(code),
            user_id    TEXT NOT NULL REFERENCES users(id),
            install_id TEXT NOT NULL,
            name       TEXT NOT NULL,
            actor_id   BYTEA NOT NULL UNIQUE,        -- 16 bytes, issued by the server
            token_hash BYTEA UNIQUE,                 -- SHA-256 of the bearer token
            created_at BIGINT NOT NULL,
            last_seen  BIGINT,
            revoked_at BIGINT, token_issued_at BIGINT,
            UNIQUE (tenant, user_id, install_id)
        );

    CREATE TABLE docs (
            case_id     TEXT PRIMARY KEY,
            tenant      TEXT NOT NULL REFERENCES tenants(code),
            snapshot    BYTEA NOT NULL,              -- CaseDoc::save() at creation or compaction
            heads       BYTEA NOT NULL,              -- heads of snapshot + chunks (32 bytes each)
            chunk_count BIGINT NOT NULL DEFAULT 0,
            chunk_bytes BIGINT NOT NULL DEFAULT 0,
            updated_at  BIGINT NOT NULL
        );

    CREATE TABLE doc_chunks (
            case_id TEXT NOT NULL REFERENCES docs(case_id) ON DELETE CASCADE,
            n       BIGINT NOT NULL,               -- 1, 2, … in write order
            bytes   BYTEA NOT NULL,                  -- save_after(previous heads)
            PRIMARY KEY (case_id, n)
        );

    CREATE TABLE cases (
            case_id       TEXT PRIMARY KEY REFERENCES docs(case_id),
            tenant        TEXT NOT NULL REFERENCES tenants(code),
            seq           BIGINT NOT NULL,         -- position in the tenant's feed
            status        TEXT NOT NULL,
            stage         TEXT NOT NULL,
            category      TEXT,                     -- component:<code> | matter:<code>
            cell          TEXT,
            department    TEXT,
            urgency       TEXT NOT NULL,
            light         TEXT NOT NULL,            -- green | yellow | red | none
            clock         TEXT,                     -- the running clock
            deadline      BIGINT,                  -- of the running clock (Unix ms)
            case_number   TEXT,
            reporter      TEXT,                     -- user id of the reporter
            address       TEXT,
            description   TEXT,
            conflicts     BIGINT NOT NULL,
            escalation    BIGINT NOT NULL,         -- highest escalation level
            blobs_missing BIGINT NOT NULL,         -- photos referenced but not (completely) uploaded
            created_at    BIGINT NOT NULL,
            updated_at    BIGINT NOT NULL
        );

    CREATE UNIQUE INDEX cases_feed ON cases(tenant, seq);

    CREATE INDEX cases_queue ON cases(tenant, status, updated_at);

    CREATE INDEX cases_light ON cases(tenant, light);

    CREATE UNIQUE INDEX cases_number ON cases(case_number) WHERE case_number IS NOT NULL;

    CREATE TABLE case_scope (
            principal TEXT NOT NULL,
            case_id   TEXT NOT NULL REFERENCES cases(case_id) ON DELETE CASCADE,
            PRIMARY KEY (principal, case_id)
        );

    CREATE INDEX case_scope_by_case ON case_scope(case_id);

    CREATE TABLE case_numbers (                -- daily case number counters
            tenant TEXT NOT NULL REFERENCES tenants(code),
            day    TEXT NOT NULL,                   -- yyyymmdd, Asia/Shanghai
            last   BIGINT NOT NULL,
            PRIMARY KEY (tenant, day)
        );

    CREATE TABLE blobs (
            tenant       TEXT NOT NULL REFERENCES tenants(code),
            sha256       TEXT NOT NULL,             -- 64 lowercase hex digits
            length       BIGINT NOT NULL,          -- declared by Upload-Length
            complete     BIGINT NOT NULL DEFAULT 0,
            created_at   BIGINT NOT NULL,
            completed_at BIGINT, device TEXT,
            PRIMARY KEY (tenant, sha256)
        );

    CREATE TABLE blob_refs (                   -- photos referenced by case documents
            tenant  TEXT NOT NULL,
            sha256  TEXT NOT NULL,
            case_id TEXT NOT NULL REFERENCES cases(case_id) ON DELETE CASCADE,
            PRIMARY KEY (tenant, sha256, case_id)
        );

    CREATE INDEX blob_refs_by_case ON blob_refs(case_id);

    CREATE TABLE intake_keys (                 -- Open311 api_key: only the SHA-256 is kept
            key_hash   BYTEA PRIMARY KEY,
            tenant     TEXT NOT NULL REFERENCES tenants(code),
            label      TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            revoked_at BIGINT
        );

    CREATE TABLE webhook_secrets (             -- HMAC-SHA256 key of the video webhook
            tenant     TEXT PRIMARY KEY REFERENCES tenants(code),
            secret     TEXT NOT NULL,              -- base64url; needed in clear to verify
            created_at BIGINT NOT NULL
        , sealed BIGINT NOT NULL DEFAULT 0);

    CREATE TABLE cameras (
            tenant     TEXT NOT NULL REFERENCES tenants(code),
            code       TEXT NOT NULL,              -- the analytics platform's camera id
            name       TEXT NOT NULL,
            lon        DOUBLE PRECISION NOT NULL,              -- WGS84
            lat        DOUBLE PRECISION NOT NULL,
            cell       TEXT,                       -- unit grid cell, when known
            address    TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            PRIMARY KEY (tenant, code)
        );

    CREATE TABLE webhook_nonces (              -- replay protection
            tenant  TEXT NOT NULL,
            nonce   TEXT NOT NULL,
            seen_at BIGINT NOT NULL,
            PRIMARY KEY (tenant, nonce)
        );

    CREATE INDEX webhook_nonces_by_time ON webhook_nonces(seen_at);

    CREATE TABLE video_alerts (                -- the open report of a camera and category
            tenant   TEXT NOT NULL,
            camera   TEXT NOT NULL,
            category TEXT NOT NULL,
            case_id  TEXT NOT NULL,
            first_at BIGINT NOT NULL,
            last_at  BIGINT NOT NULL,
            count    BIGINT NOT NULL,
            PRIMARY KEY (tenant, camera, category)
        );

    CREATE TABLE intake_links (                -- external id → case, one per channel
            tenant      TEXT NOT NULL REFERENCES tenants(code),
            channel     TEXT NOT NULL,             -- open311 | superior
            external_id TEXT NOT NULL,
            case_id     TEXT NOT NULL,
            media_url   TEXT,
            created_at  BIGINT NOT NULL,
            PRIMARY KEY (tenant, channel, external_id)
        );

    CREATE INDEX intake_links_by_case ON intake_links(case_id);

    CREATE TABLE blob_parts (
            tenant     TEXT NOT NULL,
            sha256     TEXT NOT NULL,
            device     TEXT NOT NULL,               -- DeviceId of the uploader
            length     BIGINT NOT NULL,            -- declared by its Upload-Length
            created_at BIGINT NOT NULL,
            PRIMARY KEY (tenant, sha256, device)
        );

    CREATE TABLE bad_documents (
            tenant     TEXT NOT NULL,
            case_id    TEXT NOT NULL,
            stage      TEXT NOT NULL,               -- load | header | heads | events | photos
            seen_in    TEXT NOT NULL,               -- the operation that last met it (pull, …)
            error      TEXT NOT NULL,               -- the last error, truncated
            first_seen BIGINT NOT NULL,
            last_seen  BIGINT NOT NULL,
            count      BIGINT NOT NULL,
            PRIMARY KEY (tenant, case_id)
        );

    CREATE TABLE job_failures (
            job        TEXT NOT NULL,               -- lights | compaction | blob_gc | backup
            tenant     TEXT NOT NULL,               -- '' for a deployment-wide run
            error      TEXT NOT NULL,
            first_seen BIGINT NOT NULL,
            last_seen  BIGINT NOT NULL,
            count      BIGINT NOT NULL,
            PRIMARY KEY (job, tenant)
        );

    CREATE TABLE case_contacts (               -- a citizen's contact, never in the document
            tenant         TEXT NOT NULL REFERENCES tenants(code),
            case_id        TEXT NOT NULL,
            channel        TEXT NOT NULL,          -- hotline | open311 | superior
            name           TEXT,
            phone          TEXT,
            email          TEXT,
            wants_callback BIGINT NOT NULL DEFAULT 0,
            written_by     TEXT,                   -- user id; NULL for an intake channel
            created_at     BIGINT NOT NULL,
            updated_at     BIGINT NOT NULL,
            PRIMARY KEY (tenant, case_id)
        );

    CREATE TABLE password_history (            -- the last passwords of a user (argon2id)
            rowid         BIGINT GENERATED ALWAYS AS IDENTITY, -- SQLite's implicit rowid
            user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            password_hash TEXT NOT NULL,
            set_at        BIGINT NOT NULL
        );

    CREATE INDEX password_history_by_user ON password_history(user_id, set_at);

    CREATE TABLE login_throttle (              -- failed sign-ins per account and per address
            kind         TEXT NOT NULL,            -- account | address
            key          TEXT NOT NULL,            -- tenant/username | IP address
            failures     BIGINT NOT NULL,
            window_start BIGINT NOT NULL,
            locked_until BIGINT,
            PRIMARY KEY (kind, key)
        );

    CREATE TABLE audit_log (                   -- append-only, hash-chained
            seq       BIGINT PRIMARY KEY,
            at        BIGINT NOT NULL,
            tenant    TEXT,
            actor     TEXT NOT NULL,
            source    TEXT,
            event     TEXT NOT NULL,
            success   BIGINT NOT NULL,
            details   TEXT NOT NULL,
            prev_hash BYTEA NOT NULL,
            hash      BYTEA NOT NULL
        );

    CREATE INDEX audit_log_by_tenant ON audit_log(tenant, at);

    CREATE FUNCTION audit_log_no_update_fn() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$;
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
            FOR EACH ROW EXECUTE FUNCTION audit_log_no_update_fn();

    CREATE FUNCTION audit_log_no_delete_fn() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$;
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
            FOR EACH ROW EXECUTE FUNCTION audit_log_no_delete_fn();

    CREATE TABLE standards_versions (
            tenant      TEXT NOT NULL REFERENCES tenants(code),
            version     BIGINT NOT NULL,          -- 1, 2, … per tenant
            sha256      TEXT NOT NULL,             -- hex SHA-256 of the imported file's bytes
            file_name   TEXT NOT NULL,
            form        TEXT NOT NULL,             -- csv | xlsx
            imported_by TEXT NOT NULL,             -- user:<id> | cli
            imported_at BIGINT NOT NULL,          -- Unix ms, server clock
            table_json  TEXT NOT NULL,             -- the parsed table (StandardsTable as JSON)
            PRIMARY KEY (tenant, version)
        );

    CREATE FUNCTION standards_versions_no_update_fn() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'standards_versions is append-only'; END $$;
    CREATE TRIGGER standards_versions_no_update BEFORE UPDATE ON standards_versions
            FOR EACH ROW EXECUTE FUNCTION standards_versions_no_update_fn();

    CREATE FUNCTION standards_versions_no_delete_fn() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'standards_versions is append-only'; END $$;
    CREATE TRIGGER standards_versions_no_delete BEFORE DELETE ON standards_versions
            FOR EACH ROW EXECUTE FUNCTION standards_versions_no_delete_fn();

    CREATE TABLE evaluation_snapshots (
            tenant            TEXT NOT NULL REFERENCES tenants(code),
            period_from       BIGINT NOT NULL,    -- Unix ms, inclusive
            period_to         BIGINT NOT NULL,    -- Unix ms, exclusive
            version           BIGINT NOT NULL CHECK (version >= 1),
            published_at      BIGINT NOT NULL,
            published_by      TEXT NOT NULL,       -- user id
            publisher_name    TEXT NOT NULL,
            publisher_role    TEXT NOT NULL,
            reason            TEXT,                -- required from version 2 on
            case_count        BIGINT NOT NULL,    -- cases folded
            rules             TEXT NOT NULL,       -- JSON: the rules in force and their hashes
            rules_fingerprint TEXT NOT NULL,       -- hex SHA-256 over the rule files in force
            figures_sha256    TEXT NOT NULL,       -- hex SHA-256 over the stored tables
            PRIMARY KEY (tenant, period_from, period_to, version),
            CHECK (period_to > period_from),
            CHECK (version = 1 OR length(trim(coalesce(reason, ''))) > 0)
        );

    CREATE TABLE evaluation_snapshot_tables (
            tenant      TEXT NOT NULL,
            period_from BIGINT NOT NULL,
            period_to   BIGINT NOT NULL,
            version     BIGINT NOT NULL,
            level       TEXT NOT NULL,             -- cell … dispatcher
            report      TEXT NOT NULL,             -- JSON of the table as published
            PRIMARY KEY (tenant, period_from, period_to, version, level),
            FOREIGN KEY (tenant, period_from, period_to, version)
                REFERENCES evaluation_snapshots(tenant, period_from, period_to, version)
        );

    CREATE FUNCTION evaluation_snapshots_no_update_fn() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'evaluation snapshots are immutable'; END $$;
    CREATE TRIGGER evaluation_snapshots_no_update BEFORE UPDATE ON evaluation_snapshots
            FOR EACH ROW EXECUTE FUNCTION evaluation_snapshots_no_update_fn();

    CREATE FUNCTION evaluation_snapshots_no_delete_fn() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'evaluation snapshots are immutable'; END $$;
    CREATE TRIGGER evaluation_snapshots_no_delete BEFORE DELETE ON evaluation_snapshots
            FOR EACH ROW EXECUTE FUNCTION evaluation_snapshots_no_delete_fn();

    CREATE FUNCTION evaluation_snapshot_tables_no_update_fn() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'evaluation snapshots are immutable'; END $$;
    CREATE TRIGGER evaluation_snapshot_tables_no_update BEFORE UPDATE ON evaluation_snapshot_tables
            FOR EACH ROW EXECUTE FUNCTION evaluation_snapshot_tables_no_update_fn();

    CREATE FUNCTION evaluation_snapshot_tables_no_delete_fn() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'evaluation snapshots are immutable'; END $$;
    CREATE TRIGGER evaluation_snapshot_tables_no_delete BEFORE DELETE ON evaluation_snapshot_tables
            FOR EACH ROW EXECUTE FUNCTION evaluation_snapshot_tables_no_delete_fn();

    CREATE TABLE case_index (
            case_id       TEXT PRIMARY KEY,
            tenant        TEXT NOT NULL,
            rev           BIGINT NOT NULL,        -- +1 at every projection write of the case
            first_act     BIGINT,                 -- earliest act time of its events (NULL: none)
            last_act      BIGINT,                 -- latest act time of its events
            terminal      BIGINT NOT NULL,        -- 1: the fold of all its events is terminal
            next_light_at BIGINT                  -- when its running light next changes
        );

    CREATE INDEX case_index_span ON case_index(tenant, last_act);

    CREATE INDEX case_index_light ON case_index(tenant, next_light_at)
            WHERE next_light_at IS NOT NULL;

    CREATE TABLE case_index_state (
            tenant       TEXT PRIMARY KEY,
            spans_built  BIGINT NOT NULL DEFAULT 0, -- 1: every document of the tenant has its row
            lights_rules TEXT                        -- the rules fingerprint next_light_at was built with
        );

    CREATE TABLE basemaps (
            tenant     TEXT PRIMARY KEY REFERENCES tenants(code),
            version    TEXT NOT NULL,     -- hex SHA-256 of the package's bytes
            bytes      BIGINT NOT NULL,  -- package size
            source     TEXT NOT NULL,     -- hex SHA-256 of the layer files it was built from
            tiles      BIGINT NOT NULL,  -- tile count
            layers     TEXT NOT NULL,     -- JSON {layer: feature count}
            built_at   BIGINT NOT NULL,  -- ms
            build_ms   BIGINT NOT NULL   -- how long the build took
        );

    CREATE TABLE blob_segments (
            tenant     TEXT NOT NULL,
            sha256     TEXT NOT NULL,
            device     TEXT NOT NULL,
            "offset"   BIGINT NOT NULL,  -- first byte of the segment in the blob
            length     BIGINT NOT NULL CHECK (length > 0),
            key        TEXT NOT NULL,     -- the staged object's key in the blob store
            PRIMARY KEY (tenant, sha256, device, "offset")
        );

    CREATE TABLE track_blocks (
            tenant      TEXT NOT NULL REFERENCES tenants(code),
            inspector   TEXT NOT NULL REFERENCES users(id),
            day         TEXT NOT NULL,             -- tenant-local day, YYYY-MM-DD
            seq         BIGINT NOT NULL CHECK (seq >= 0),
            bytes       BYTEA NOT NULL,             -- one patrol::codec block, as received
            points      BIGINT NOT NULL CHECK (points > 0),
            first_t     BIGINT NOT NULL,          -- Unix s of its first point
            last_t      BIGINT NOT NULL,          -- Unix s of its last point
            device      TEXT NOT NULL,
            received_at BIGINT NOT NULL,          -- Unix ms, server clock
            PRIMARY KEY (tenant, inspector, day, seq)
        );

    CREATE INDEX track_blocks_time ON track_blocks(tenant, last_t);

    CREATE TABLE sign_events (
            tenant      TEXT NOT NULL REFERENCES tenants(code),
            id          TEXT NOT NULL,             -- the device's id of the event
            inspector   TEXT NOT NULL REFERENCES users(id),
            device      TEXT NOT NULL,
            kind        TEXT NOT NULL CHECK (kind IN ('in', 'out')),
            at          BIGINT NOT NULL,          -- Unix ms, device clock
            day         TEXT NOT NULL,             -- tenant-local day of `at`
            lon         DOUBLE PRECISION NOT NULL,
            lat         DOUBLE PRECISION NOT NULL,
            received_at BIGINT NOT NULL,
            PRIMARY KEY (tenant, id)
        );

    CREATE INDEX sign_events_day ON sign_events(tenant, inspector, day);

    CREATE TABLE roster_shifts (
            tenant      TEXT NOT NULL REFERENCES tenants(code),
            inspector   TEXT NOT NULL REFERENCES users(id),
            day         TEXT NOT NULL,
            start_ms    BIGINT NOT NULL,
            end_ms      BIGINT NOT NULL CHECK (end_ms > start_ms),
            cells       TEXT NOT NULL,             -- JSON array of cell codes
            updated_by  TEXT NOT NULL,
            updated_at  BIGINT NOT NULL,
            PRIMARY KEY (tenant, inspector, day, start_ms)
        );

    CREATE INDEX roster_shifts_day ON roster_shifts(tenant, day);

    CREATE TABLE survey_tasks (
            tenant      TEXT NOT NULL REFERENCES tenants(code),
            id          TEXT NOT NULL,             -- SurveyId, given by the creating device
            title       TEXT NOT NULL,
            task        TEXT NOT NULL,             -- SurveyTaskWire as JSON
            starts_at   BIGINT NOT NULL,
            due_at      BIGINT NOT NULL CHECK (due_at > starts_at),
            created_by  TEXT NOT NULL,
            created_at  BIGINT NOT NULL,
            PRIMARY KEY (tenant, id)
        );

    CREATE TABLE survey_marks (
            tenant      TEXT NOT NULL,
            id          TEXT NOT NULL,             -- the device's id of the mark
            survey      TEXT NOT NULL,
            inspector   TEXT NOT NULL REFERENCES users(id),
            mark        TEXT NOT NULL,             -- SurveyMarkWire as JSON (without the inspector)
            case_id     TEXT,                      -- the reported case, if any
            at          BIGINT NOT NULL,
            received_at BIGINT NOT NULL,
            PRIMARY KEY (tenant, id),
            FOREIGN KEY (tenant, survey) REFERENCES survey_tasks(tenant, id)
        );

    CREATE INDEX survey_marks_task ON survey_marks(tenant, survey);
    "#,
    // 2 (SQLite 14): open cases by first act, for the dashboard's candidate query.
    r#"
    CREATE INDEX case_index_open ON case_index(tenant, first_act) WHERE terminal = 0;
    "#,
];

/// Applies pending migrations; returns the version reached.
pub fn migrate(client: &mut Client) -> Result<i64> {
    let mut tx = client.transaction()?;
    tx.execute(
        "SELECT pg_advisory_xact_lock($1)",
        &[&super::pg::MIGRATE_LOCK],
    )?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS gridcase_schema (version BIGINT NOT NULL)")?;
    let found: Option<i64> = tx
        .query_opt("SELECT max(version) FROM gridcase_schema", &[])?
        .and_then(|r| r.get(0));
    let found = found.unwrap_or(0);
    let target = MIGRATIONS.len() as i64;
    if found > target {
        return Err(ServerError::Internal(format!(
            "the PostgreSQL database is at schema version {found}, newer than this build \
             ({target}); upgrade the server"
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        tx.batch_execute(sql)?;
        tx.execute(
            "INSERT INTO gridcase_schema(version) VALUES ($1)",
            &[&(i as i64 + 1)],
        )?;
    }
    tx.commit()?;
    Ok(target)
}
