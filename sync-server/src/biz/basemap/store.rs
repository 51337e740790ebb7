//! Where packages live: one small interface ([`PackageStore`]) over files
//! `<data>/basemaps/<tenant>/<version>.mbtiles`, so another backend (issue 14: object storage)
//! replaces only this module.
//!
//! Invariants: a package is staged under a private name and renamed into place only complete
//! (a reader never sees half a package); versions and tenants are checked (64 hex digits, 6
//! digits) before any path is built; [`PackageStore::retain`] deletes a tenant's other packages
//! only after the new one is recorded.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

/// The package files of a deployment.
#[derive(Clone, Debug)]
pub struct PackageStore {
    root: PathBuf,
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

impl PackageStore {
    /// The store under the data directory.
    pub fn new(data_dir: &Path) -> Self {
        Self {
            root: data_dir.join("basemaps"),
        }
    }

    fn dir(&self, tenant: &str) -> io::Result<PathBuf> {
        if !valid_tenant(tenant) {
            return Err(invalid("tenant"));
        }
        Ok(self.root.join(tenant))
    }

    /// A fresh path to build a package at (removed by [`PackageStore::put`] or the caller).
    pub fn staging_path(&self, tenant: &str) -> io::Result<PathBuf> {
        let dir = self.dir(tenant)?;
        std::fs::create_dir_all(&dir)?;
        let n: u64 = rand::random();
        Ok(dir.join(format!("building-{n:016x}.tmp")))
    }

    /// Moves a staged package into place as `version`.
    pub fn put(&self, tenant: &str, version: &str, staged: &Path) -> io::Result<()> {
        if !valid_version(version) {
            return Err(invalid("version"));
        }
        std::fs::rename(staged, self.dir(tenant)?.join(format!("{version}.mbtiles")))
    }

    /// Whether the store holds `version` for `tenant`.
    pub fn has(&self, tenant: &str, version: &str) -> bool {
        valid_version(version)
            && self
                .dir(tenant)
                .is_ok_and(|d| d.join(format!("{version}.mbtiles")).is_file())
    }

    /// Opens a package for reading (`NotFound` when absent).
    pub fn open(&self, tenant: &str, version: &str) -> io::Result<File> {
        if !valid_version(version) {
            return Err(io::Error::from(io::ErrorKind::NotFound));
        }
        File::open(self.dir(tenant)?.join(format!("{version}.mbtiles")))
    }

    /// Deletes the tenant's packages other than `keep`, and stale staging files.
    pub fn retain(&self, tenant: &str, keep: &str) -> io::Result<()> {
        let keep = format!("{keep}.mbtiles");
        let dir = self.dir(tenant)?;
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.ends_with(".mbtiles") && name != keep.as_str() {
                std::fs::remove_file(entry.path())?;
            }
        }
        Ok(())
    }
}
