//! The blob store: where photos, uploads in progress and basemap packages live, behind one
//! interface ([`BlobStore`]) with two implementations of the `object_store` crate's
//! [`ObjectStore`]: the local data directory (default, the files of earlier releases at the
//! same paths) and any S3-compatible service (`[object_store] backend = "s3"`), shared by every
//! server instance of a deployment.
//!
//! Keys (relative to the data directory, or to the bucket and its optional prefix):
//! - `blobs/<tenant>/<ab>/<cdef…>`: a complete, verified photo (named by its SHA-256);
//! - `uploads/<tenant>/<id>/<offset>-<random>`: a staged segment of an upload in progress
//!   ([`upload`]; `id` names the blob and the device);
//! - `basemaps/<tenant>/<version>.mbtiles`: a basemap package (biz::basemap::store).
//!
//! Invariants:
//! - every key is built here from parsed parts (6-digit tenant, 64-hex SHA-256, a device id),
//!   never from raw input;
//! - an object under `blobs/` or `basemaps/` is complete and verified the moment it is visible:
//!   it is written in one `PUT` or one completed multipart upload (a rename on the local disk)
//!   only after its SHA-256 matched;
//! - reads stream ([`BlobStore::get_stream`]): ranged `GET`s, never a whole object in memory;
//! - the secret access key is read when the store is opened and lives only inside the client:
//!   [`BlobStore`]'s `Debug` shows the backend, endpoint and bucket, never credentials, and
//!   errors carry no request signature;
//! - a failure of the S3 service (unreachable, 5xx, refused credentials) is
//!   `object_store_unavailable` (503, retried by devices); a full local disk `storage_full`; an
//!   object the database records but the store lacks `internal` (logged with its key).

pub mod upload;

use crate::config::{ObjectStoreBackend, ObjectStoreConfig};
use crate::error::{Result, ServerError};
use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use object_store::path::Path as Key;
use object_store::{GetOptions, GetRange, ObjectStore, PutPayload, WriteMultipart};
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// The environment variable holding the S3 secret access key (when no file is configured).
pub const SECRET_ENV: &str = "GRIDCASE_S3_SECRET_ACCESS_KEY";

/// Which implementation serves a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// Files under the data directory.
    Local,
    /// An S3-compatible service.
    S3,
}

/// The blob store of a deployment (cheap to clone).
#[derive(Clone)]
pub struct BlobStore {
    inner: Arc<dyn ObjectStore>,
    backend: Backend,
    /// Where it is, for logs: the data directory or `endpoint/bucket/prefix`.
    describe: String,
    prefix: Option<String>,
}

impl std::fmt::Debug for BlobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobStore")
            .field("backend", &self.backend)
            .field("at", &self.describe)
            .finish_non_exhaustive()
    }
}

fn config_error(what: &str) -> ServerError {
    ServerError::Config(format!("[object_store] {what}"))
}

/// Reads the secret access key: the configured file, else [`SECRET_ENV`]. The error names
/// where it looked, never what it found.
fn secret_key(config: &ObjectStoreConfig) -> Result<String> {
    if let Some(file) = &config.secret_access_key_file {
        let text = std::fs::read_to_string(file).map_err(|e| {
            config_error(&format!(
                "cannot read secret_access_key_file {}: {}",
                file.display(),
                e.kind()
            ))
        })?;
        let secret = text.trim().to_owned();
        if secret.is_empty() {
            return Err(config_error("secret_access_key_file is empty"));
        }
        return Ok(secret);
    }
    match std::env::var(SECRET_ENV) {
        Ok(v) if !v.trim().is_empty() => Ok(v.trim().to_owned()),
        _ => Err(config_error(&format!(
            "backend s3 needs the secret access key in {SECRET_ENV} or secret_access_key_file"
        ))),
    }
}

impl BlobStore {
    /// Opens the store the configuration names (no request is sent: an unreachable service
    /// shows at the first read or write, as `object_store_unavailable`).
    pub fn open(config: &ObjectStoreConfig, data_dir: &Path) -> Result<BlobStore> {
        match config.backend {
            ObjectStoreBackend::Local => BlobStore::local(data_dir),
            ObjectStoreBackend::S3 => BlobStore::s3(config, secret_key(config)?),
        }
    }

    /// The store over files under `data_dir` (created if missing).
    pub fn local(data_dir: &Path) -> Result<BlobStore> {
        std::fs::create_dir_all(data_dir)?;
        let fs = object_store::local::LocalFileSystem::new_with_prefix(data_dir)
            .map_err(|e| ServerError::Internal(format!("blob directory: {e}")))?
            .with_automatic_cleanup(true);
        Ok(BlobStore {
            inner: Arc::new(fs),
            backend: Backend::Local,
            describe: data_dir.display().to_string(),
            prefix: None,
        })
    }

    fn s3(config: &ObjectStoreConfig, secret: String) -> Result<BlobStore> {
        let endpoint = config
            .endpoint
            .as_deref()
            .filter(|e| !e.trim().is_empty())
            .ok_or_else(|| config_error("backend s3 needs endpoint"))?;
        let bucket = config
            .bucket
            .as_deref()
            .filter(|b| !b.trim().is_empty())
            .ok_or_else(|| config_error("backend s3 needs bucket"))?;
        let key_id = config
            .access_key_id
            .as_deref()
            .filter(|k| !k.trim().is_empty())
            .ok_or_else(|| config_error("backend s3 needs access_key_id"))?;
        let region = config.region.as_deref().unwrap_or("us-east-1");
        let timeout = Duration::from_secs(config.request_timeout_secs.unwrap_or(30).max(1));
        let retry = object_store::RetryConfig {
            backoff: object_store::BackoffConfig {
                init_backoff: Duration::from_millis(100),
                max_backoff: Duration::from_secs(2),
                base: 2.0,
            },
            max_retries: 2,
            retry_timeout: Duration::from_secs(10),
        };
        let client = object_store::ClientOptions::new()
            .with_timeout(timeout)
            .with_connect_timeout(Duration::from_secs(5))
            .with_allow_http(true);
        let s3 = object_store::aws::AmazonS3Builder::new()
            .with_endpoint(endpoint)
            .with_bucket_name(bucket)
            .with_region(region)
            .with_access_key_id(key_id)
            .with_secret_access_key(secret)
            .with_virtual_hosted_style_request(false)
            .with_retry(retry)
            .with_client_options(client)
            .build()
            .map_err(|e| config_error(&format!("S3 client: {e}")))?;
        let prefix = config
            .prefix
            .as_deref()
            .map(|p| p.trim_matches('/').to_owned())
            .filter(|p| !p.is_empty());
        if let Some(p) = &prefix
            && Key::parse(p).is_err()
        {
            return Err(config_error("prefix is not a valid key prefix"));
        }
        Ok(BlobStore {
            inner: Arc::new(s3),
            backend: Backend::S3,
            describe: format!(
                "{endpoint}/{bucket}/{}",
                prefix.as_deref().unwrap_or_default()
            ),
            prefix,
        })
    }

    /// The implementation in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Where it is (for logs and `/v1/health`): the directory or `endpoint/bucket/prefix`.
    pub fn describe(&self) -> &str {
        &self.describe
    }

    /// The full key of a relative one (with the configured prefix).
    pub(crate) fn key(&self, relative: &str) -> Key {
        match &self.prefix {
            Some(p) => Key::from(format!("{p}/{relative}")),
            None => Key::from(relative),
        }
    }

    /// A failure of the store as the server reports it (see the module's invariants).
    pub(crate) fn error(&self, e: object_store::Error) -> ServerError {
        if let object_store::Error::NotFound { path, .. } = &e {
            // The database says it exists: the store lost it (not a reason to retry).
            return ServerError::Internal(format!("object {path} missing from the blob store"));
        }
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
        while let Some(s) = source {
            if let Some(io) = s.downcast_ref::<std::io::Error>()
                && crate::storage::is_full_io(io)
            {
                return ServerError::Io(std::io::Error::from(io.kind()));
            }
            source = s.source();
        }
        match self.backend {
            Backend::Local => ServerError::Io(std::io::Error::other(e.to_string())),
            Backend::S3 => ServerError::ObjectStore(e.to_string()),
        }
    }

    /// Writes a whole object (small ones: staged segments, webhook snapshots).
    pub async fn put(&self, relative: &str, bytes: Bytes) -> Result<()> {
        self.inner
            .put(&self.key(relative), PutPayload::from(bytes))
            .await
            .map(|_| ())
            .map_err(|e| self.error(e))
    }

    /// The size of an object, `None` when it does not exist.
    pub async fn size(&self, relative: &str) -> Result<Option<u64>> {
        match self.inner.head(&self.key(relative)).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.error(e)),
        }
    }

    /// Deletes an object (absent is fine).
    pub async fn delete(&self, relative: &str) -> Result<()> {
        match self.inner.delete(&self.key(relative)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.error(e)),
        }
    }

    /// The relative keys under a prefix (a "directory": `prefix` names whole key parts).
    pub async fn list(&self, prefix: &str) -> Result<Vec<String>> {
        let full = self.key(prefix);
        let strip = match &self.prefix {
            Some(p) => format!("{p}/"),
            None => String::new(),
        };
        let mut out = Vec::new();
        let mut listing = self.inner.list(Some(&full));
        while let Some(item) = listing.next().await {
            match item {
                Ok(meta) => {
                    let key = meta.location.to_string();
                    out.push(key.strip_prefix(&strip).unwrap_or(&key).to_owned());
                }
                Err(object_store::Error::NotFound { .. }) => break,
                Err(e) => return Err(self.error(e)),
            }
        }
        Ok(out)
    }

    /// Deletes every object under a prefix.
    pub async fn delete_prefix(&self, prefix: &str) -> Result<()> {
        for key in self.list(prefix).await? {
            self.delete(&key).await?;
        }
        Ok(())
    }

    /// Streams `range` (start inclusive, end exclusive) of an object: exactly those bytes, or
    /// an error item if the object turns out shorter (never a short, well-formed-looking body).
    pub async fn get_stream(
        &self,
        relative: &str,
        range: std::ops::Range<u64>,
    ) -> Result<BoxStream<'static, std::io::Result<Bytes>>> {
        let want = range.end - range.start;
        if want == 0 {
            return Ok(futures_util::stream::empty().boxed());
        }
        let options = GetOptions {
            range: Some(GetRange::Bounded(range)),
            ..GetOptions::default()
        };
        let result = self
            .inner
            .get_opts(&self.key(relative), options)
            .await
            .map_err(|e| self.error(e))?;
        let stream = result.into_stream().map_err(std::io::Error::other);
        Ok(exact_length(stream, want).boxed())
    }

    /// Opens a multipart writer for `relative`: the object appears only when the writer is
    /// finished ([`WriteMultipart::finish`]), never when it is aborted.
    pub async fn writer(&self, relative: &str) -> Result<WriteMultipart> {
        let upload = self
            .inner
            .put_multipart(&self.key(relative))
            .await
            .map_err(|e| self.error(e))?;
        Ok(WriteMultipart::new(upload))
    }

    /// Uploads a local file as `relative`, streamed in parts (a basemap package).
    pub async fn put_file(&self, relative: &str, file: &Path) -> Result<()> {
        use tokio::io::AsyncReadExt;
        let mut f = tokio::fs::File::open(file).await?;
        let mut writer = self.writer(relative).await?;
        let mut buf = vec![0u8; 1024 * 1024];
        loop {
            let n = match f.read(&mut buf).await {
                Ok(n) => n,
                Err(e) => {
                    let _ = writer.abort().await;
                    return Err(e.into());
                }
            };
            if n == 0 {
                break;
            }
            if let Err(e) = writer.wait_for_capacity(4).await {
                let _ = writer.abort().await;
                return Err(self.error(e));
            }
            writer.write(&buf[..n]);
        }
        writer.finish().await.map(|_| ()).map_err(|e| self.error(e))
    }
}

/// Passes `want` bytes through, then ends; an early end is an `UnexpectedEof` error item.
fn exact_length(
    stream: impl futures_util::Stream<Item = std::io::Result<Bytes>> + Send + 'static,
    want: u64,
) -> impl futures_util::Stream<Item = std::io::Result<Bytes>> + Send + 'static {
    futures_util::stream::unfold((Box::pin(stream), want), |(mut stream, left)| async move {
        if left == 0 {
            return None;
        }
        match stream.next().await {
            Some(Ok(mut bytes)) => {
                if bytes.len() as u64 > left {
                    bytes.truncate(left as usize);
                }
                let left = left - bytes.len() as u64;
                Some((Ok(bytes), (stream, left)))
            }
            Some(Err(e)) => Some((Err(e), (stream, 0))),
            None => Some((
                Err(std::io::Error::from(std::io::ErrorKind::UnexpectedEof)),
                (stream, 0),
            )),
        }
    })
}

/// Runs a store operation from synchronous code (the scheduler's jobs, imports, the webhook's
/// transaction, admin commands): on a small runtime of its own, so it works with or without a
/// runtime around the caller and never nests one inside another.
pub fn block_on<T: Send + 'static>(
    fut: impl std::future::Future<Output = T> + Send + 'static,
) -> T {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    let rt = RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("gridcase-blobstore")
            .enable_all()
            .build()
            .expect("the blob store's runtime starts")
    });
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    rt.spawn(async move {
        let _ = tx.send(fut.await);
    });
    rx.recv().expect("the blob store's runtime is alive")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ObjectStoreBackend, ObjectStoreConfig};

    #[tokio::test]
    async fn a_short_object_ends_the_body_with_an_error() {
        let source = futures_util::stream::iter(vec![Ok(Bytes::from_static(b"abc"))]);
        let items: Vec<_> = exact_length(source, 5).collect().await;
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].as_ref().expect("bytes").as_ref(), b"abc");
        let err = items[1].as_ref().expect_err("short");
        assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
        let long = futures_util::stream::iter(vec![Ok(Bytes::from_static(b"abcdef"))]);
        let items: Vec<_> = exact_length(long, 4).collect().await;
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].as_ref().expect("bytes").as_ref(), b"abcd");
    }

    #[test]
    fn s3_needs_its_settings_and_never_shows_the_secret() {
        let dir = tempfile::tempdir().expect("tempdir");
        let secret = "never-print-this-secret-0123456789";
        let file = dir.path().join("secret");
        std::fs::write(&file, format!("{secret}\n")).expect("write");
        let mut config = ObjectStoreConfig {
            backend: ObjectStoreBackend::S3,
            endpoint: Some("http://127.0.0.1:9".into()),
            bucket: Some("photos".into()),
            access_key_id: Some("AKID".into()),
            secret_access_key_file: Some(file),
            ..ObjectStoreConfig::default()
        };
        let store = BlobStore::open(&config, dir.path()).expect("opens without a request");
        assert_eq!(store.backend(), Backend::S3);
        let shown = format!("{store:?} {}", store.describe());
        assert!(
            !shown.contains(secret) && shown.contains("photos"),
            "{shown}"
        );
        config.bucket = None;
        let e = BlobStore::open(&config, dir.path()).expect_err("no bucket");
        assert!(e.to_string().contains("bucket"), "{e}");
        config.bucket = Some("photos".into());
        config.secret_access_key_file = Some(dir.path().join("missing"));
        let e = BlobStore::open(&config, dir.path()).expect_err("no secret");
        assert!(!e.to_string().contains(secret), "{e}");
        let local = BlobStore::open(&ObjectStoreConfig::default(), dir.path()).expect("local");
        assert_eq!(local.backend(), Backend::Local);
    }
}
