//! Where packages live: one small interface ([`PackageStore`]) over the deployment's blob store
//! (crate::blobstore): keys `basemaps/<tenant>/<version>.mbtiles`, which on the local backend
//! are the files `<data>/basemaps/<tenant>/<version>.mbtiles` of earlier releases, and in an
//! S3 bucket objects shared by every server instance.
//!
//! Invariants: a package is built in a local staging file (`<data>/basemaps/<tenant>/
//! building-*.tmp`: SQLite needs a file) and enters the store only complete (a rename on the
//! local disk, a completed multipart upload on S3), so a reader never sees half a package;
//! versions and tenants are checked (64 hex digits, 6 digits) before any key or path is built;
//! [`PackageStore::retain`] deletes a tenant's other packages only after the new one is
//! recorded. Downloads are ranged reads of the store (api::file_body).

use crate::blobstore::{Backend, BlobStore, block_on};
use std::io;
use std::path::{Path, PathBuf};

/// The package store of a deployment.
#[derive(Clone, Debug)]
pub struct PackageStore {
    staging: PathBuf,
    store: BlobStore,
}

fn valid_version(v: &str) -> bool {
    v.len() == 64 && v.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn valid_tenant(t: &str) -> bool {
    t.len() == 6 && t.bytes().all(|b| b.is_ascii_digit())
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, what.to_owned())
}

fn io_error(e: crate::error::ServerError) -> io::Error {
    match e {
        crate::error::ServerError::Io(e) => e,
        other => io::Error::other(other.to_string()),
    }
}

impl PackageStore {
    /// The store of a deployment: staging under the data directory, packages in `store`.
    pub fn new(data_dir: &Path, store: BlobStore) -> Self {
        Self {
            staging: data_dir.join("basemaps"),
            store,
        }
    }

    fn dir(&self, tenant: &str) -> io::Result<PathBuf> {
        if !valid_tenant(tenant) {
            return Err(invalid("tenant"));
        }
        Ok(self.staging.join(tenant))
    }

    /// The key of a package in the blob store (`None` for an invalid tenant or version).
    pub fn key(&self, tenant: &str, version: &str) -> Option<String> {
        (valid_tenant(tenant) && valid_version(version))
            .then(|| format!("basemaps/{tenant}/{version}.mbtiles"))
    }

    /// The blob store holding the packages.
    pub fn blob_store(&self) -> &BlobStore {
        &self.store
    }

    /// A fresh path to build a package at (removed by [`PackageStore::put`] or the caller).
    pub fn staging_path(&self, tenant: &str) -> io::Result<PathBuf> {
        let dir = self.dir(tenant)?;
        std::fs::create_dir_all(&dir)?;
        let n: u64 = rand::random();
        Ok(dir.join(format!("building-{n:016x}.tmp")))
    }

    /// Moves a staged package into the store as `version` (the staging file is gone after).
    pub fn put(&self, tenant: &str, version: &str, staged: &Path) -> io::Result<()> {
        let key = self
            .key(tenant, version)
            .ok_or_else(|| invalid("version"))?;
        if self.store.backend() == Backend::Local {
            return std::fs::rename(staged, self.dir(tenant)?.join(format!("{version}.mbtiles")));
        }
        let (store, file) = (self.store.clone(), staged.to_owned());
        let r = block_on(async move { store.put_file(&key, &file).await }).map_err(io_error);
        let _ = std::fs::remove_file(staged);
        r
    }

    /// Whether the store holds `version` for `tenant` (a store that cannot be read: no).
    pub fn has(&self, tenant: &str, version: &str) -> bool {
        let Some(key) = self.key(tenant, version) else {
            return false;
        };
        let store = self.store.clone();
        matches!(block_on(async move { store.size(&key).await }), Ok(Some(_)))
    }

    /// The size of a package (`None` when absent).
    pub async fn size(&self, tenant: &str, version: &str) -> crate::error::Result<Option<u64>> {
        match self.key(tenant, version) {
            Some(key) => self.store.size(&key).await,
            None => Ok(None),
        }
    }

    /// Deletes the tenant's packages other than `keep`.
    pub fn retain(&self, tenant: &str, keep: &str) -> io::Result<()> {
        let keep = self.key(tenant, keep).ok_or_else(|| invalid("version"))?;
        let prefix = format!("basemaps/{tenant}");
        let store = self.store.clone();
        block_on(async move {
            for key in store.list(&prefix).await? {
                if key.ends_with(".mbtiles") && key != keep {
                    store.delete(&key).await?;
                }
            }
            Ok::<_, crate::error::ServerError>(())
        })
        .map_err(io_error)
    }
}
