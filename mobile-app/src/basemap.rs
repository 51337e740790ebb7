//! The offline basemap on the device (docs/basemap.md): the tenant's MBTiles package,
//! downloaded in the background after sign-in (or at start when the saved reference names a
//! version the device does not have), served to the webview through the `basemap` URI scheme
//! (`basemap://localhost/{z}/{x}/{y}.pbf`, `http://basemap.localhost/…` on Windows/Android),
//! and described by the `basemap_info` command.
//!
//! Files under `<user dir>/basemap/`: `partial-<version>.mbtiles` while downloading (its length
//! is the resume point: `Range: bytes=<len>-`), `<version>.mbtiles` once its SHA-256 matched
//! the version, and `current` naming the package in use.
//!
//! Invariants: a package becomes current only complete and verified (renamed, then `current`
//! rewritten atomically), so the previous one stays in use until then and is deleted only
//! after the switch; a partial that does not verify is deleted and the download restarted once
//! from zero; one download at a time per user; the tile reader opens the current package
//! read-only, lazily, and reopens it when `current` changes; tiles leave uncompressed (the
//! package stores them gzipped), XYZ numbering asked, TMS rows looked up.

use crate::error::{AppError, AppResult};
use crate::photos::write_atomic;
use gridcase_core::protocol::BasemapRef;
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use serde::Serialize;
use sha2::Digest;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tauri::http::{Response, StatusCode, header};
use tokio::io::AsyncWriteExt;

/// The URI scheme the webview fetches tiles from.
pub const SCHEME: &str = "basemap";

/// The tile URL template for this platform (Tauri's form of a custom scheme).
pub fn url_template() -> &'static str {
    if cfg!(any(windows, target_os = "android")) {
        "http://basemap.localhost/{z}/{x}/{y}.pbf"
    } else {
        "basemap://localhost/{z}/{x}/{y}.pbf"
    }
}

/// What `basemap_info` returns.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct BasemapInfo {
    /// Hex SHA-256 of the package.
    pub version: String,
    /// Its size.
    pub bytes: u64,
    /// First zoom.
    pub minzoom: u8,
    /// Last zoom (the renderer overzooms beyond it).
    pub maxzoom: u8,
    /// `[west, south, east, north]`.
    pub bounds: [f64; 4],
    /// Tile URL template with `{z}/{x}/{y}`.
    pub url: String,
    /// The tenant's online layer (e.g. 天地图), drawn beneath when reachable; absent without one.
    #[serde(rename = "onlineLayer", skip_serializing_if = "Option::is_none")]
    pub online_layer: Option<OnlineLayerDto>,
}

/// An online raster layer as the UI takes it.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct OnlineLayerDto {
    /// Tile URL template (https, with `{z}`, `{x}`, `{y}`).
    pub url: String,
    /// Shown on the map.
    pub attribution: String,
}

struct Reader {
    version: String,
    conn: Connection,
    info: BasemapInfo,
}

/// A user's basemap files and tile reader.
pub struct Basemap {
    dir: PathBuf,
    reader: Mutex<Option<Reader>>,
    downloading: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Basemap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Basemap")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

fn valid_version(v: &str) -> bool {
    v.len() == 64 && v.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Hex SHA-256 of a file, read in chunks.
pub fn file_sha256(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = sha2::Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

/// What a download did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Downloaded {
    /// The device already had that version.
    AlreadyCurrent,
    /// Downloaded (resumed from `resumed_from` bytes when > 0) and made current.
    Installed {
        /// Bytes already on the device when the download started.
        resumed_from: u64,
        /// Whether a partial file failed verification and the download restarted from zero.
        restarted: bool,
    },
}

impl Basemap {
    /// The basemap of the user whose directory is `user_dir`.
    pub fn new(user_dir: &Path) -> Self {
        Self {
            dir: user_dir.join("basemap"),
            reader: Mutex::new(None),
            downloading: tokio::sync::Mutex::new(()),
        }
    }

    /// The directory of the package files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The version in use, if any.
    pub fn current_version(&self) -> Option<String> {
        let v = std::fs::read_to_string(self.dir.join("current")).ok()?;
        let v = v.trim();
        (valid_version(v) && self.package_path(v).is_file()).then(|| v.to_owned())
    }

    /// Where a complete package lives.
    pub fn package_path(&self, version: &str) -> PathBuf {
        self.dir.join(format!("{version}.mbtiles"))
    }

    /// Where a download in progress is kept.
    pub fn partial_path(&self, version: &str) -> PathBuf {
        self.dir.join(format!("partial-{version}.mbtiles"))
    }

    fn with_reader<T>(&self, f: impl FnOnce(&Reader) -> Option<T>) -> Option<T> {
        let version = self.current_version()?;
        let mut guard = self
            .reader
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if guard.as_ref().is_none_or(|r| r.version != version) {
            *guard = None;
            let conn = Connection::open_with_flags(
                self.package_path(&version),
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .ok()?;
            let info = read_info(
                &conn,
                &version,
                self.package_path(&version).metadata().ok()?.len(),
            )?;
            *guard = Some(Reader {
                version,
                conn,
                info,
            });
        }
        guard.as_ref().and_then(f)
    }

    /// `basemap_info`: `None` until a complete package is current.
    pub fn info(&self) -> Option<BasemapInfo> {
        self.with_reader(|r| Some(r.info.clone()))
    }

    /// The uncompressed MVT bytes of XYZ tile `(z, x, y)`, if the package has it.
    pub fn tile(&self, z: u8, x: u32, y: u32) -> Option<Vec<u8>> {
        if z > 30 || x >= (1u32 << z) || y >= (1u32 << z) {
            return None;
        }
        let row = (1u32 << z) - 1 - y;
        let data: Vec<u8> = self.with_reader(|r| {
            r.conn
                .query_row(
                    "SELECT tile_data FROM tiles WHERE zoom_level = ?1 AND tile_column = ?2 AND tile_row = ?3",
                    rusqlite::params![z, x, row],
                    |row| row.get(0),
                )
                .optional()
                .ok()
                .flatten()
        })?;
        if data.starts_with(&[0x1f, 0x8b]) {
            let mut out = Vec::with_capacity(data.len() * 3);
            flate2::read::GzDecoder::new(&data[..])
                .read_to_end(&mut out)
                .ok()?;
            Some(out)
        } else {
            Some(data)
        }
    }

    /// Downloads `target` from the server unless it is current: resumes a partial file,
    /// verifies the SHA-256, makes it current and deletes the older files.
    pub async fn download(
        &self,
        client: &reqwest::Client,
        server_url: &str,
        token: &str,
        target: &BasemapRef,
    ) -> AppResult<Downloaded> {
        if !valid_version(&target.version) {
            return Err(AppError::new("bad_response", "服务器给出的底图版本无效"));
        }
        let _one = self.downloading.lock().await;
        if self.current_version().as_deref() == Some(target.version.as_str()) {
            return Ok(Downloaded::AlreadyCurrent);
        }
        tokio::fs::create_dir_all(&self.dir).await?;
        let partial = self.partial_path(&target.version);
        let resumed_from = match tokio::fs::metadata(&partial).await {
            Ok(m) if m.len() <= target.bytes => m.len(),
            Ok(_) => {
                tokio::fs::remove_file(&partial).await?;
                0
            }
            Err(_) => 0,
        };
        let mut restarted = false;
        if resumed_from < target.bytes {
            fetch(client, server_url, token, target, &partial, resumed_from).await?;
        }
        if !verify(&partial, &target.version).await? {
            tokio::fs::remove_file(&partial).await?;
            if resumed_from == 0 {
                return Err(AppError::new(
                    "basemap_corrupt",
                    "底图下载校验失败，稍后重试",
                ));
            }
            restarted = true;
            fetch(client, server_url, token, target, &partial, 0).await?;
            if !verify(&partial, &target.version).await? {
                tokio::fs::remove_file(&partial).await?;
                return Err(AppError::new(
                    "basemap_corrupt",
                    "底图下载校验失败，稍后重试",
                ));
            }
        }
        self.install(&target.version)?;
        Ok(Downloaded::Installed {
            resumed_from,
            restarted,
        })
    }

    /// Makes a verified partial file current and deletes every other package file.
    fn install(&self, version: &str) -> AppResult<()> {
        std::fs::rename(self.partial_path(version), self.package_path(version))?;
        write_atomic(&self.dir.join("current"), version.as_bytes())?;
        let keep = format!("{version}.mbtiles");
        for entry in std::fs::read_dir(&self.dir)?.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let partial_of_other = name.starts_with("partial-") && !name.contains(version);
            let old = name.ends_with(".mbtiles") && !name.starts_with("partial-") && name != keep;
            if partial_of_other || old {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        Ok(())
    }
}

async fn verify(path: &Path, version: &str) -> AppResult<bool> {
    let path = path.to_owned();
    let sha = tokio::task::spawn_blocking(move || file_sha256(&path))
        .await
        .map_err(AppError::internal)??;
    Ok(sha == version)
}

/// GETs the package from `from` (a Range request when > 0) and appends to `partial`; a server
/// that answers 200 to a range request restarts the file.
async fn fetch(
    client: &reqwest::Client,
    server_url: &str,
    token: &str,
    target: &BasemapRef,
    partial: &Path,
    from: u64,
) -> AppResult<()> {
    let mut request = client
        .get(format!("{server_url}/v1/basemap/{}", target.version))
        .bearer_auth(token);
    if from > 0 {
        request = request.header(reqwest::header::RANGE, format!("bytes={from}-"));
    }
    let mut response = request
        .send()
        .await
        .map_err(|_| AppError::new("network", "无法连接服务器，底图未下载"))?;
    let status = response.status();
    let append = match status.as_u16() {
        206 if from > 0 => true,
        200 => false,
        416 => {
            let _ = tokio::fs::remove_file(partial).await;
            return Err(AppError::new(
                "basemap_corrupt",
                "底图下载位置无效，将重新下载",
            ));
        }
        code => {
            return Err(AppError::new(
                "server_error",
                format!("下载底图失败（HTTP {code}）"),
            ));
        }
    };
    let mut file = tokio::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .append(append)
        .truncate(!append)
        .open(partial)
        .await?;
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|_| AppError::new("network", "底图下载中断，下次继续"))?
    {
        file.write_all(&chunk).await?;
    }
    file.sync_all().await?;
    Ok(())
}

fn read_info(conn: &Connection, version: &str, bytes: u64) -> Option<BasemapInfo> {
    let meta = |name: &str| -> Option<String> {
        conn.query_row("SELECT value FROM metadata WHERE name = ?1", [name], |r| {
            r.get(0)
        })
        .optional()
        .ok()
        .flatten()
    };
    let bounds: Vec<f64> = meta("bounds")
        .unwrap_or_default()
        .split(',')
        .filter_map(|v| v.trim().parse().ok())
        .collect();
    let bounds = match bounds[..] {
        [w, s, e, n] => [w, s, e, n],
        _ => [-180.0, -85.0511, 180.0, 85.0511],
    };
    Some(BasemapInfo {
        version: version.to_owned(),
        bytes,
        minzoom: meta("minzoom").and_then(|v| v.parse().ok()).unwrap_or(0),
        maxzoom: meta("maxzoom").and_then(|v| v.parse().ok()).unwrap_or(14),
        bounds,
        url: url_template().to_owned(),
        online_layer: None,
    })
}

/// Parses `/{z}/{x}/{y}.pbf`.
pub fn parse_tile_path(path: &str) -> Option<(u8, u32, u32)> {
    let mut parts = path.trim_start_matches('/').split('/');
    let z = parts.next()?.parse().ok()?;
    let x = parts.next()?.parse().ok()?;
    let y = parts.next()?.strip_suffix(".pbf")?.parse().ok()?;
    parts.next().is_none().then_some((z, x, y))
}

/// The scheme's answer to a request path: 200 with the MVT bytes, 204 when there is no such
/// tile or no package, 400 for a path that is not `/{z}/{x}/{y}.pbf`.
pub fn tile_response(basemap: Option<&Basemap>, path: &str) -> Response<Vec<u8>> {
    let (status, body) = match parse_tile_path(path) {
        None => (StatusCode::BAD_REQUEST, Vec::new()),
        Some((z, x, y)) => match basemap.and_then(|b| b.tile(z, x, y)) {
            Some(bytes) => (StatusCode::OK, bytes),
            None => (StatusCode::NO_CONTENT, Vec::new()),
        },
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/x-protobuf"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        header::HeaderValue::from_static("*"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(bytes).expect("gzip");
        e.finish().expect("gzip")
    }

    /// A package with one tile (TMS row of XYZ 14/12917/6430) holding `body`; returns its version.
    fn package(b: &Basemap, body: &[u8], max: &str) -> String {
        std::fs::create_dir_all(b.dir()).expect("dir");
        let tmp = b.dir().join("build.tmp");
        let _ = std::fs::remove_file(&tmp);
        {
            let conn = Connection::open(&tmp).expect("open");
            conn.execute_batch(
                "CREATE TABLE metadata (name TEXT, value TEXT);
                 CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);",
            )
            .expect("schema");
            for (k, v) in [
                ("bounds", "103.8,36.0,103.9,36.1"),
                ("minzoom", "10"),
                ("maxzoom", max),
            ] {
                conn.execute("INSERT INTO metadata VALUES (?1, ?2)", [k, v])
                    .expect("meta");
            }
            let row = (1u32 << 14) - 1 - 6430;
            conn.execute(
                "INSERT INTO tiles VALUES (14, 12917, ?1, ?2)",
                rusqlite::params![row, gzip(body)],
            )
            .expect("tile");
        }
        let version = file_sha256(&tmp).expect("sha");
        std::fs::rename(&tmp, b.partial_path(&version)).expect("rename");
        b.install(&version).expect("install");
        version
    }

    #[test]
    fn tiles_are_served_uncompressed_with_xyz_rows_and_204_without() {
        let dir = tempfile::tempdir().expect("dir");
        let b = Basemap::new(dir.path());
        let none = tile_response(Some(&b), "/14/12917/6430.pbf");
        assert_eq!(none.status(), 204, "no package yet");
        assert!(b.info().is_none());
        assert_eq!(tile_response(None, "/14/12917/6430.pbf").status(), 204);

        let version = package(&b, b"tile-one", "17");
        let ok = tile_response(Some(&b), "/14/12917/6430.pbf");
        assert_eq!(ok.status(), 200);
        assert_eq!(ok.body(), b"tile-one");
        assert_eq!(ok.headers()["content-type"], "application/x-protobuf");
        assert_eq!(ok.headers()["access-control-allow-origin"], "*");
        // The TMS row asked as an XYZ y is another tile: none.
        let flipped = (1u32 << 14) - 1 - 6430;
        assert_eq!(
            tile_response(Some(&b), &format!("/14/12917/{flipped}.pbf")).status(),
            204
        );
        assert_eq!(tile_response(Some(&b), "/14/12917/6431.pbf").status(), 204);
        for bad in [
            "/14/12917/6430.png",
            "/a/b/c.pbf",
            "/14/12917",
            "/99/1/1.pbf",
        ] {
            assert_ne!(tile_response(Some(&b), bad).status(), 200, "{bad}");
        }
        let info = b.info().expect("info");
        assert_eq!(info.version, version);
        assert_eq!((info.minzoom, info.maxzoom), (10, 17));
        assert_eq!(info.bounds, [103.8, 36.0, 103.9, 36.1]);
        assert!(info.url.contains("{z}/{x}/{y}.pbf"));

        // A new package becomes current: the reader reopens, the old file is gone.
        let next = package(&b, b"tile-two", "16");
        assert_ne!(next, version);
        assert_eq!(
            tile_response(Some(&b), "/14/12917/6430.pbf").body(),
            b"tile-two"
        );
        assert_eq!(b.info().map(|i| i.maxzoom), Some(16));
        assert!(!b.package_path(&version).exists());
    }

    #[test]
    fn tile_paths_parse() {
        assert_eq!(parse_tile_path("/17/103/48.pbf"), Some((17, 103, 48)));
        assert_eq!(parse_tile_path("17/103/48.pbf"), Some((17, 103, 48)));
        assert_eq!(parse_tile_path("/17/103/48.pbf/x"), None);
        assert_eq!(parse_tile_path("/-1/103/48.pbf"), None);
    }
}
