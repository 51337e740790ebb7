//! Server configuration: a TOML file (`--config path`) with environment overrides.
//!
//! Precedence: defaults < file < environment (`GRIDCASE_LISTEN`, `GRIDCASE_DATA_DIR`,
//! `GRIDCASE_MIN_APP_VERSION`, `GRIDCASE_JOBS_INTERVAL_SECS`, `GRIDCASE_BACKUP_EVERY_HOURS`,
//! `GRIDCASE_MAX_CONNECTIONS`, `GRIDCASE_MIN_FREE_BYTES`, and the object store's
//! `GRIDCASE_OBJECT_STORE`, `GRIDCASE_S3_ENDPOINT`, `GRIDCASE_S3_BUCKET`, `GRIDCASE_S3_REGION`,
//! `GRIDCASE_S3_PREFIX`, `GRIDCASE_S3_ACCESS_KEY_ID`, `GRIDCASE_S3_SECRET_ACCESS_KEY_FILE`,
//! and `GRIDCASE_DATABASE_URL`, the PostgreSQL database of a city-cloud deployment).
//! The object store's secret key is never part of the configuration: it is read when the store
//! is opened, from `GRIDCASE_S3_SECRET_ACCESS_KEY` or the file named by
//! `secret_access_key_file` (crate::blobstore), so it cannot be printed with it.
//! Unknown keys in the file are refused, so a typo does not silently fall back to a default.

use crate::error::ServerError;
use gridcase_core::protocol::Limits;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Everything the server needs to start.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on (default `127.0.0.1:8470`).
    pub listen: SocketAddr,
    /// The data directory: `gridcase.sqlite`, `blobs/`, `backups/` (default `./gridcase-data`).
    pub data_dir: PathBuf,
    /// The oldest app version allowed to write (announced by `hello`).
    pub min_app_version: String,
    /// Protocol limits (announced by `hello`).
    #[serde(skip)]
    pub limits: Limits,
    /// The scheduler.
    pub jobs: JobsConfig,
    /// Intake channels (docs/intake.md).
    pub intake: IntakeConfig,
    /// The key file that seals secrets kept at rest (docs/security/privacy.md); default
    /// `<data_dir>/keys/secrets.key`, created (mode 0600) at first start when missing.
    pub secrets_key_file: Option<PathBuf>,
    /// Transport limits: timeouts and the connection limit (docs/security/transport.md).
    pub transport: TransportConfig,
    /// Storage health: the free-space threshold of `/v1/health`.
    pub storage: StorageConfig,
    /// Sign-in throttling and token lifetimes (docs/security/accounts.md).
    pub auth: AuthConfig,
    /// The in-memory document cache of the write path (docs/server.md "The write path").
    pub cache: CacheConfig,
    /// Where photos and basemap packages live (docs/deployment.md "对象存储 / Object storage").
    pub object_store: ObjectStoreConfig,
    /// The PostgreSQL database (`postgres://user:password@host:port/db`) for the city cloud's
    /// several instances; unset (the default), the embedded SQLite file in `data_dir`.
    pub database_url: Option<DatabaseUrl>,
}

/// A PostgreSQL connection URL. Its `Debug` hides it (it may hold the password), so it never
/// reaches a log with the configuration.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct DatabaseUrl(pub String);

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DatabaseUrl(hidden)")
    }
}

/// `[cache]`: how much memory the write path's document cache may hold.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CacheConfig {
    /// Estimated bytes of parsed case documents kept between requests (default 64 MiB; 0 turns
    /// the cache off). Every entry is checked against the stored heads before use, so several
    /// server processes on one database stay correct.
    pub doc_bytes: u64,
}

impl Default for CacheConfig {
    fn default() -> Self {
        CacheConfig {
            doc_bytes: 64 * 1024 * 1024,
        }
    }
}

/// Which blob store holds photos and basemap packages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ObjectStoreBackend {
    /// Files under the data directory (default).
    #[default]
    Local,
    /// An S3-compatible service.
    S3,
}

/// `[object_store]`: the local data directory (default) or an S3-compatible service shared by
/// every server instance of a deployment.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ObjectStoreConfig {
    /// `local` (default) or `s3`.
    pub backend: ObjectStoreBackend,
    /// The service's URL, e.g. `https://oss.example.gov.cn` or `http://127.0.0.1:9000`
    /// (path-style requests; plain `http` is allowed for a service on a private network).
    pub endpoint: Option<String>,
    /// The bucket.
    pub bucket: Option<String>,
    /// The signing region (default `us-east-1`, what most S3-compatible services accept).
    pub region: Option<String>,
    /// A key prefix inside the bucket (default none), e.g. `gridcase/` to share a bucket.
    pub prefix: Option<String>,
    /// The access key id.
    pub access_key_id: Option<String>,
    /// A file holding the secret access key (one line); otherwise the secret is read from the
    /// environment variable `GRIDCASE_S3_SECRET_ACCESS_KEY`.
    pub secret_access_key_file: Option<PathBuf>,
    /// Seconds one request to the store may take (default 30; connecting 5).
    pub request_timeout_secs: Option<u64>,
}

/// `[transport]`: how long a client may take and how many connections are served at once.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TransportConfig {
    /// Seconds a client has to send a request's complete header block, counted from the
    /// connection's first byte or from the end of the previous response on a kept-alive
    /// connection (an idle kept-alive connection is closed after it too). Default 15.
    pub header_read_timeout_secs: u64,
    /// Seconds a request's body may take to arrive, from the end of its headers; a slower body
    /// is cut with `request_timeout` (408). Default 120 (a 6 MiB photo chunk over a 512 kbit/s
    /// uplink takes about 100 s; clients upload photos in resumable chunks).
    pub body_read_timeout_secs: u64,
    /// Seconds a whole request may take, headers to response; beyond it the client gets
    /// `request_timeout` (408) and the connection is closed. Default 300.
    pub request_timeout_secs: u64,
    /// Connections served at once. The next connections (up to as many again) are answered
    /// `server_busy` (503) and closed; beyond that they are closed at once. Default 1024.
    pub max_connections: usize,
}

impl Default for TransportConfig {
    fn default() -> Self {
        TransportConfig {
            header_read_timeout_secs: 15,
            body_read_timeout_secs: 120,
            request_timeout_secs: 300,
            max_connections: 1024,
        }
    }
}

/// `[storage]`: when `/v1/health` reports the data directory as short of space.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageConfig {
    /// Free bytes in the data directory's file system below which `/v1/health` answers
    /// `degraded` (default 1 GiB; 0 turns the check off).
    pub min_free_bytes: u64,
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            min_free_bytes: 1024 * 1024 * 1024,
        }
    }
}

/// `[auth]`: login throttling and bearer-token lifetimes (docs/security/accounts.md explains
/// the defaults: field tablets work offline for a shift or a weekend, desktop sessions follow
/// 等保's ~30 minutes).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// Failed sign-ins of one account (within `failure_window_mins`) that lock it (default 5).
    pub max_failures_per_account: u32,
    /// Failed sign-ins from one source address (any account) that lock the address (default 20).
    pub max_failures_per_address: u32,
    /// Failures older than this are forgotten (default 15).
    pub failure_window_mins: u64,
    /// How long a lock lasts (default 15).
    pub lockout_mins: u64,
    /// A field device's token (inspector and department accounts, on tablets) expires after
    /// this long unused (default 4320 = 72 h: a tablet offline over a weekend).
    pub field_idle_timeout_mins: u64,
    /// A desktop account's token (every other role) expires after this long unused
    /// (default 30, 等保 2.0 level 3 session timeout).
    pub desktop_idle_timeout_mins: u64,
    /// Every token expires this long after its sign-in, used or not (default 720 = 30 days).
    pub token_lifetime_hours: u64,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            max_failures_per_account: 5,
            max_failures_per_address: 20,
            failure_window_mins: 15,
            lockout_mins: 15,
            field_idle_timeout_mins: 72 * 60,
            desktop_idle_timeout_mins: 30,
            token_lifetime_hours: 30 * 24,
        }
    }
}

/// `[intake]`: the video webhook's merge window and timestamp skew.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IntakeConfig {
    /// Alerts of the same camera and category within this many seconds of the previous one
    /// join its open report.
    pub video_merge_window_secs: u64,
    /// A webhook timestamp further than this from the server's clock is refused.
    pub webhook_max_skew_secs: u64,
}

impl Default for IntakeConfig {
    fn default() -> Self {
        IntakeConfig {
            video_merge_window_secs: 600,
            webhook_max_skew_secs: 300,
        }
    }
}

/// When the scheduler runs its jobs.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JobsConfig {
    /// Whether `serve` runs the scheduler at all (default true).
    pub enabled: bool,
    /// Seconds between two runs of lights and escalation (default 60).
    pub interval_secs: u64,
    /// Hours between two compaction and blob GC runs (default 1).
    pub maintenance_every_hours: u64,
    /// Hours between two online backups; 0 disables them in `serve` (default 24).
    pub backup_every_hours: u64,
    /// Backups to keep in `<data>/backups` (default 14).
    pub backups_kept: usize,
}

impl Default for JobsConfig {
    fn default() -> Self {
        JobsConfig {
            enabled: true,
            interval_secs: 60,
            maintenance_every_hours: 1,
            backup_every_hours: 24,
            backups_kept: 14,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8470)),
            data_dir: PathBuf::from("./gridcase-data"),
            min_app_version: "0.1.0".to_owned(),
            limits: Limits::default(),
            jobs: JobsConfig::default(),
            intake: IntakeConfig::default(),
            secrets_key_file: None,
            transport: TransportConfig::default(),
            storage: StorageConfig::default(),
            auth: AuthConfig::default(),
            cache: CacheConfig::default(),
            object_store: ObjectStoreConfig::default(),
            database_url: None,
        }
    }
}

impl Config {
    /// A configuration for `data_dir` with every other setting at its default.
    pub fn with_data_dir(data_dir: impl Into<PathBuf>) -> Config {
        Config {
            data_dir: data_dir.into(),
            ..Config::default()
        }
    }

    /// Parses a configuration file's text.
    pub fn parse_toml(text: &str) -> Result<Config, ServerError> {
        toml::from_str(text).map_err(|e| ServerError::Config(e.to_string()))
    }

    /// Loads the file (if any), then applies the environment overrides.
    pub fn load(file: Option<&Path>) -> Result<Config, ServerError> {
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    ServerError::Config(format!("cannot read {}: {e}", path.display()))
                })?;
                Config::parse_toml(&text)?
            }
            None => Config::default(),
        };
        config.apply_env(|key| std::env::var(key).ok())?;
        Ok(config)
    }

    /// Applies the `GRIDCASE_*` overrides read through `var`.
    pub fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<(), ServerError> {
        let bad =
            |key: &str, value: &str| ServerError::Config(format!("{key}={value:?} is invalid"));
        if let Some(v) = var("GRIDCASE_LISTEN") {
            self.listen = v.parse().map_err(|_| bad("GRIDCASE_LISTEN", &v))?;
        }
        if let Some(v) = var("GRIDCASE_DATABASE_URL") {
            if !(v.starts_with("postgres://") || v.starts_with("postgresql://")) {
                return Err(ServerError::Config(
                    "GRIDCASE_DATABASE_URL must be a postgres:// URL".into(),
                ));
            }
            self.database_url = Some(DatabaseUrl(v));
        }
        if let Some(v) = var("GRIDCASE_DATA_DIR") {
            self.data_dir = PathBuf::from(v);
        }
        if let Some(v) = var("GRIDCASE_SECRETS_KEY_FILE") {
            self.secrets_key_file = Some(PathBuf::from(v));
        }
        if let Some(v) = var("GRIDCASE_MIN_APP_VERSION") {
            self.min_app_version = v;
        }
        if let Some(v) = var("GRIDCASE_JOBS_INTERVAL_SECS") {
            self.jobs.interval_secs = v
                .parse()
                .map_err(|_| bad("GRIDCASE_JOBS_INTERVAL_SECS", &v))?;
        }
        if let Some(v) = var("GRIDCASE_BACKUP_EVERY_HOURS") {
            self.jobs.backup_every_hours = v
                .parse()
                .map_err(|_| bad("GRIDCASE_BACKUP_EVERY_HOURS", &v))?;
        }
        if let Some(v) = var("GRIDCASE_MAX_CONNECTIONS") {
            self.transport.max_connections =
                v.parse().map_err(|_| bad("GRIDCASE_MAX_CONNECTIONS", &v))?;
        }
        if let Some(v) = var("GRIDCASE_MIN_FREE_BYTES") {
            self.storage.min_free_bytes =
                v.parse().map_err(|_| bad("GRIDCASE_MIN_FREE_BYTES", &v))?;
        }
        let os = &mut self.object_store;
        if let Some(v) = var("GRIDCASE_OBJECT_STORE") {
            os.backend = match v.as_str() {
                "local" => ObjectStoreBackend::Local,
                "s3" => ObjectStoreBackend::S3,
                _ => return Err(bad("GRIDCASE_OBJECT_STORE", &v)),
            };
        }
        for (key, slot) in [
            ("GRIDCASE_S3_ENDPOINT", &mut os.endpoint),
            ("GRIDCASE_S3_BUCKET", &mut os.bucket),
            ("GRIDCASE_S3_REGION", &mut os.region),
            ("GRIDCASE_S3_PREFIX", &mut os.prefix),
            ("GRIDCASE_S3_ACCESS_KEY_ID", &mut os.access_key_id),
        ] {
            if let Some(v) = var(key) {
                *slot = Some(v);
            }
        }
        if let Some(v) = var("GRIDCASE_S3_SECRET_ACCESS_KEY_FILE") {
            os.secret_access_key_file = Some(PathBuf::from(v));
        }
        Ok(())
    }

    /// The SQLite file.
    pub fn db_path(&self) -> PathBuf {
        self.data_dir.join("gridcase.sqlite")
    }

    /// The key file of [`crate::secret_box::SecretBox`].
    pub fn secrets_key_path(&self) -> PathBuf {
        self.secrets_key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("keys").join("secrets.key"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_then_environment() {
        let mut c = Config::parse_toml(
            "listen = \"0.0.0.0:9000\"\ndata_dir = \"/srv/g\"\n[jobs]\ninterval_secs = 5\n",
        )
        .expect("parses");
        assert_eq!(c.listen.port(), 9000);
        assert_eq!(c.jobs.interval_secs, 5);
        assert_eq!(c.jobs.backup_every_hours, 24);
        c.apply_env(|k| (k == "GRIDCASE_DATA_DIR").then(|| "/tmp/x".to_owned()))
            .expect("env");
        assert_eq!(c.data_dir, PathBuf::from("/tmp/x"));
        assert!(Config::parse_toml("lisen = \"x\"").is_err());
        let t = Config::parse_toml(
            "[transport]\nheader_read_timeout_secs = 2\n[storage]\nmin_free_bytes = 5\n",
        )
        .expect("parses");
        assert_eq!(t.transport.header_read_timeout_secs, 2);
        assert_eq!(t.transport.max_connections, 1024);
        assert_eq!(t.storage.min_free_bytes, 5);
        assert!(c.apply_env(|_| Some("nope".into())).is_err());
        let s = Config::parse_toml(
            "[object_store]\nbackend = \"s3\"\nendpoint = \"http://127.0.0.1:9\"\nbucket = \"b\"\n",
        )
        .expect("parses");
        assert_eq!(s.object_store.backend, ObjectStoreBackend::S3);
        assert_eq!(s.object_store.bucket.as_deref(), Some("b"));
        assert!(Config::parse_toml("[object_store]\nsecret_access_key = \"x\"\n").is_err());
        let mut e = Config::default();
        e.apply_env(|k| match k {
            "GRIDCASE_OBJECT_STORE" => Some("s3".into()),
            "GRIDCASE_S3_BUCKET" => Some("photos".into()),
            _ => None,
        })
        .expect("env");
        assert_eq!(e.object_store.backend, ObjectStoreBackend::S3);
        assert_eq!(e.object_store.bucket.as_deref(), Some("photos"));
    }
}
