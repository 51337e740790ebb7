//! The external services the suites run against, started by the scripts (never by the tests):
//! the PostgreSQL cluster of `scripts/pg.sh` (`GRIDCASE_TEST_PG`, an admin URL) and the S3
//! server of `scripts/s3.sh` (`GRIDCASE_TEST_S3_*`). A missing service fails the test with how
//! to start it; only an explicit `GRIDCASE_TEST_PG=off` / `GRIDCASE_TEST_S3=off` skips.

use gridcase_server::{ObjectStoreBackend, ObjectStoreConfig};
use std::path::Path;

fn var(k: &str) -> Option<String> {
    std::env::var(k).ok().filter(|v| !v.trim().is_empty())
}

/// The PostgreSQL cluster's admin URL; `None` only when `GRIDCASE_TEST_PG=off` says to skip.
pub fn postgres_admin() -> Option<String> {
    match var("GRIDCASE_TEST_PG").as_deref() {
        Some("off") => {
            eprintln!("PostgreSQL test skipped: GRIDCASE_TEST_PG=off");
            None
        }
        Some(url) => Some(url.to_owned()),
        None => panic!(
            "GRIDCASE_TEST_PG is unset: start PostgreSQL with `eval \"$(scripts/pg.sh start)\"` \
             (or set GRIDCASE_TEST_PG=off to skip the PostgreSQL tests)"
        ),
    }
}

/// The test S3 server's settings with a fresh prefix (the secret in a file under `dir`);
/// `None` only when `GRIDCASE_TEST_S3=off` says to skip.
pub fn s3(dir: &Path) -> Option<ObjectStoreConfig> {
    let Some(endpoint) = var("GRIDCASE_TEST_S3_ENDPOINT") else {
        if var("GRIDCASE_TEST_S3").as_deref() == Some("off") {
            eprintln!("S3 test skipped: GRIDCASE_TEST_S3=off");
            return None;
        }
        panic!(
            "GRIDCASE_TEST_S3_ENDPOINT is not set: start the test S3 server with \
             `eval \"$(scripts/s3.sh start)\"` (or set GRIDCASE_TEST_S3=off to skip explicitly)"
        );
    };
    let need = |k: &str| var(k).unwrap_or_else(|| panic!("{k} is not set (scripts/s3.sh start)"));
    let secret = dir.join("s3-secret");
    std::fs::write(&secret, need("GRIDCASE_TEST_S3_SECRET_ACCESS_KEY")).expect("secret");
    Some(ObjectStoreConfig {
        backend: ObjectStoreBackend::S3,
        endpoint: Some(endpoint),
        bucket: Some(need("GRIDCASE_TEST_S3_BUCKET")),
        region: var("GRIDCASE_TEST_S3_REGION"),
        prefix: Some(format!("x{:08x}", rand::random::<u32>())),
        access_key_id: Some(need("GRIDCASE_TEST_S3_ACCESS_KEY_ID")),
        secret_access_key_file: Some(secret),
        request_timeout_secs: Some(5),
    })
}

/// The `GRIDCASE_*` environment that gives a `gridcase-server` process this object store
/// (docs/server.md).
pub fn s3_env(store: &ObjectStoreConfig) -> Vec<(&'static str, String)> {
    let mut env = vec![("GRIDCASE_OBJECT_STORE", "s3".to_owned())];
    for (k, v) in [
        ("GRIDCASE_S3_ENDPOINT", &store.endpoint),
        ("GRIDCASE_S3_BUCKET", &store.bucket),
        ("GRIDCASE_S3_REGION", &store.region),
        ("GRIDCASE_S3_PREFIX", &store.prefix),
        ("GRIDCASE_S3_ACCESS_KEY_ID", &store.access_key_id),
    ] {
        if let Some(v) = v {
            env.push((k, v.clone()));
        }
    }
    if let Some(f) = &store.secret_access_key_file {
        env.push((
            "GRIDCASE_S3_SECRET_ACCESS_KEY_FILE",
            f.display().to_string(),
        ));
    }
    env
}

/// The directory the test S3 server keeps `store`'s objects in (s3s-fs stores a bucket as a
/// directory and a key as a path), for counting what reached the bucket.
pub fn s3_objects_dir(store: &ObjectStoreConfig) -> Option<std::path::PathBuf> {
    let root = var("GRIDCASE_TEST_S3_DIR")?;
    let mut dir = Path::new(&root).join("data").join(store.bucket.as_deref()?);
    if let Some(p) = &store.prefix {
        dir = dir.join(p);
    }
    Some(dir)
}

/// Files under `dir`, recursively (0 when it does not exist).
pub fn count_files(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .flatten()
            .map(|e| {
                let p = e.path();
                if p.is_dir() { count_files(&p) } else { 1 }
            })
            .sum()
    })
}
