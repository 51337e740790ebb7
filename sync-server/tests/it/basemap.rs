//! The tenant's basemap package (docs/basemap.md): built at import from the layer files,
//! deterministic, rebuilt only when a layer changes, served resumably to signed-in devices of
//! its tenant only, with vector tiles that carry the grid codes.

use crate::support::*;
use gridcase_core::demo::{DEFAULT_SEED, DemoTenant};
use gridcase_server::biz::basemap::{self, Sources, mvt};
use gridcase_server::biz::import::{ImportReport, import_dir};
use prost::Message;
use std::io::Read;
use std::path::Path;

/// The demo's map files only (no users: nothing to hash).
const MAP_FILES: [&str; 7] = [
    "cells.geojson",
    "places.geojson",
    "roads.geojson",
    "buildings.geojson",
    "water.geojson",
    "green.geojson",
    "boundaries.geojson",
];

fn write_map_files(demo: &DemoTenant, dir: &Path, only: &[&str]) {
    for (name, text) in demo.files() {
        if only.contains(&name) {
            std::fs::write(dir.join(name), text).expect("write");
        }
    }
}

async fn import(ts: &TestServer, dir: &Path) -> ImportReport {
    let dep = ts.server.deployment().clone();
    let path = dir.to_owned();
    tokio::task::spawn_blocking(move || import_dir(&dep, TENANT, &path, None))
        .await
        .expect("join")
        .expect("import")
}

fn package_path(ts: &TestServer, version: &str) -> std::path::PathBuf {
    ts.dir
        .path()
        .join("data")
        .join("basemaps")
        .join(TENANT)
        .join(format!("{version}.mbtiles"))
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// XYZ tile of a point.
fn tile_of(lon: f64, lat: f64, z: u8) -> (u32, u32) {
    let n = f64::from(1u32 << z);
    let lat = lat.to_radians();
    let x = ((lon + 180.0) / 360.0 * n).floor() as u32;
    let y = ((1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n).floor()
        as u32;
    (x, y)
}

/// The decoded tile at XYZ `(z, x, y)` of a package file.
fn read_tile(path: &Path, z: u8, x: u32, y: u32) -> Option<mvt::Tile> {
    let conn =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open");
    let row = (1u32 << z) - 1 - y;
    let data: Option<Vec<u8>> = conn
        .query_row(
            "SELECT tile_data FROM tiles WHERE zoom_level = ?1 AND tile_column = ?2 AND tile_row = ?3",
            rusqlite::params![z, x, row],
            |r| r.get(0),
        )
        .ok();
    let data = data?;
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(&data[..])
        .read_to_end(&mut raw)
        .expect("gzip");
    Some(mvt::Tile::decode(&raw[..]).expect("a vector tile"))
}

fn layer_values<'t>(tile: &'t mvt::Tile, layer: &str) -> Vec<&'t str> {
    tile.layers
        .iter()
        .filter(|l| l.name == layer)
        .flat_map(|l| l.values.iter().filter_map(|v| v.string_value.as_deref()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_builds_a_deterministic_package_rebuilt_only_when_a_layer_changes() {
    let ts = TestServer::start().await;
    let demo = DemoTenant::generate(DEFAULT_SEED);
    let dir = tempfile::tempdir().expect("dir");
    write_map_files(&demo, dir.path(), &MAP_FILES);
    let report = import(&ts, dir.path()).await;
    let version = report.basemap_version.expect("a package");
    let bytes = std::fs::read(package_path(&ts, &version)).expect("the package file");
    assert_eq!(
        sha256_hex(&bytes),
        version,
        "the version is the SHA-256 of the bytes"
    );

    // Same inputs, built again elsewhere: the same bytes.
    let sources = {
        let dep = ts.server.deployment().clone();
        tokio::task::spawn_blocking(move || dep.db().read(|tx| Sources::of_tenant(tx, TENANT)))
            .await
            .expect("join")
            .expect("sources")
    };
    let other = tempfile::tempdir().expect("dir");
    let again = other.path().join("again.mbtiles");
    let stats = basemap::build_file(&sources, TENANT, &again).expect("build");
    assert_eq!(std::fs::read(&again).expect("read"), bytes);
    assert!(stats.tiles > 100, "{stats:?}");
    for layer in [
        "roads",
        "buildings",
        "water",
        "green",
        "boundaries",
        "grid",
        "places",
    ] {
        assert!(stats.layers[layer] > 0, "{layer}: {stats:?}");
    }

    // The reference bundle names it.
    let insp = ts.device("insp_a").await;
    let bundle = insp.get_json("/v1/reference").await.expect("bundle");
    assert_eq!(bundle["basemap"]["version"], version.as_str());
    assert_eq!(bundle["basemap"]["bytes"], bytes.len() as u64);

    // Re-importing the same files builds nothing new.
    let before = basemap_row(&ts).await;
    let report = import(&ts, dir.path()).await;
    assert_eq!(report.basemap_version.as_deref(), Some(version.as_str()));
    assert_eq!(
        basemap_row(&ts).await,
        before,
        "no rebuild for unchanged layers"
    );

    // One building less: a new version; the old file is gone and no longer served.
    let buildings = dir.path().join("buildings.geojson");
    let text = std::fs::read_to_string(&buildings).expect("read");
    let mut lines: Vec<&str> = text.lines().collect();
    lines.remove(1);
    std::fs::write(&buildings, lines.join("\n")).expect("write");
    let report = import(&ts, dir.path()).await;
    let changed = report.basemap_version.expect("a package");
    assert_ne!(changed, version);
    assert!(!package_path(&ts, &version).exists());
    assert!(package_path(&ts, &changed).exists());
    let old = insp
        .client
        .get(format!("{}/v1/basemap/{version}", insp.base))
        .bearer_auth(&insp.login.token)
        .send()
        .await
        .expect("send");
    assert_eq!(old.status(), 404);
    let bundle = insp.get_json("/v1/reference").await.expect("bundle");
    assert_eq!(bundle["basemap"]["version"], changed.as_str());
}

async fn basemap_row(ts: &TestServer) -> Option<gridcase_server::db::basemaps::BasemapRow> {
    let dep = ts.server.deployment().clone();
    tokio::task::spawn_blocking(move || basemap::current(&dep, TENANT))
        .await
        .expect("join")
        .expect("row")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tiles_carry_layers_at_their_zooms_and_the_grid_codes() {
    let ts = TestServer::start().await;
    let demo = DemoTenant::generate(DEFAULT_SEED);
    let dir = tempfile::tempdir().expect("dir");
    write_map_files(&demo, dir.path(), &MAP_FILES);
    let version = import(&ts, dir.path())
        .await
        .basemap_version
        .expect("package");
    let path = package_path(&ts, &version);

    let cell = &demo.cells[137];
    let ring = cell.polygon.exterior();
    let n = (ring.0.len() - 1) as f64;
    let lon = ring.0[..ring.0.len() - 1].iter().map(|c| c.x).sum::<f64>() / n;
    let lat = ring.0[..ring.0.len() - 1].iter().map(|c| c.y).sum::<f64>() / n;
    let (x, y) = tile_of(lon, lat, 17);
    let tile = read_tile(&path, 17, x, y).expect("a tile over the cell");
    let code = cell.code.to_string();
    assert!(
        layer_values(&tile, "grid").contains(&code.as_str()),
        "grid values of 17/{x}/{y}: {:?}",
        layer_values(&tile, "grid")
    );
    let grid = tile.layers.iter().find(|l| l.name == "grid").expect("grid");
    assert_eq!(grid.extent, Some(4096));
    assert_eq!(grid.version, 2);
    assert!(grid.keys.iter().any(|k| k == "code"));

    // At zoom 13 the same place has roads and boundaries but no grid and no buildings.
    let (x, y) = tile_of(lon, lat, 13);
    let tile = read_tile(&path, 13, x, y).expect("a zoom-13 tile");
    let names: Vec<&str> = tile.layers.iter().map(|l| l.name.as_str()).collect();
    assert!(
        names.contains(&"boundaries") && names.contains(&"roads"),
        "{names:?}"
    );
    assert!(
        !names.contains(&"grid") && !names.contains(&"buildings"),
        "{names:?}"
    );
    assert!(layer_values(&tile, "roads").contains(&"张掖路"));

    // Metadata as the contract says.
    let conn = rusqlite::Connection::open(&path).expect("open");
    let meta = |name: &str| -> String {
        conn.query_row("SELECT value FROM metadata WHERE name = ?1", [name], |r| {
            r.get(0)
        })
        .expect(name)
    };
    assert_eq!(meta("format"), "pbf");
    assert_eq!(
        (meta("minzoom"), meta("maxzoom")),
        ("10".into(), "17".into())
    );
    let bounds: Vec<f64> = meta("bounds")
        .split(',')
        .map(|v| v.parse().expect("f64"))
        .collect();
    assert!(bounds[0] < lon && lon < bounds[2] && bounds[1] < lat && lat < bounds[3]);
    let json: serde_json::Value = serde_json::from_str(&meta("json")).expect("json");
    assert_eq!(json["vector_layers"].as_array().map(Vec::len), Some(7));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_with_only_cells_gets_grid_and_boundaries_from_its_cells() {
    let ts = TestServer::start().await;
    let demo = DemoTenant::generate(DEFAULT_SEED);
    let dir = tempfile::tempdir().expect("dir");
    write_map_files(&demo, dir.path(), &["cells.geojson"]);
    let version = import(&ts, dir.path())
        .await
        .basemap_version
        .expect("package");
    let path = package_path(&ts, &version);
    let c = &demo.communities[7];
    let cell = demo
        .cells
        .iter()
        .find(|cell| cell.code.to_string().starts_with(&c.code))
        .expect("a cell");
    let p = cell.polygon.exterior().0[0];
    let (x, y) = tile_of(p.x + 0.0002, p.y - 0.0002, 12);
    let tile = read_tile(&path, 12, x, y).expect("tile");
    let values = layer_values(&tile, "boundaries");
    assert!(values.contains(&c.code.as_str()), "{values:?}");
    assert!(values.contains(&"community") && values.contains(&"street"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_is_resumable_and_tenant_isolated() {
    let ts = TestServer::start().await;
    let demo = DemoTenant::generate(DEFAULT_SEED);
    let dir = tempfile::tempdir().expect("dir");
    write_map_files(&demo, dir.path(), &["cells.geojson", "roads.geojson"]);
    let version = import(&ts, dir.path())
        .await
        .basemap_version
        .expect("package");
    let bytes = std::fs::read(package_path(&ts, &version)).expect("file");
    let insp = ts.device("insp_a").await;
    let url = format!("{}/v1/basemap/{version}", insp.base);
    let get = |range: Option<&str>| {
        let mut req = insp.client.get(&url).bearer_auth(&insp.login.token);
        if let Some(r) = range {
            req = req.header("range", r);
        }
        req.send()
    };

    let whole = get(None).await.expect("send");
    assert_eq!(whole.status(), 200);
    assert_eq!(
        whole.headers()["etag"].to_str().expect("etag"),
        format!("\"{version}\"")
    );
    assert_eq!(whole.headers()["accept-ranges"], "bytes");
    assert_eq!(whole.bytes().await.expect("body").to_vec(), bytes);

    let tail = get(Some("bytes=1000-")).await.expect("send");
    assert_eq!(tail.status(), 206);
    assert_eq!(
        tail.headers()["content-range"].to_str().expect("range"),
        format!("bytes 1000-{}/{}", bytes.len() - 1, bytes.len())
    );
    assert_eq!(tail.bytes().await.expect("body").to_vec(), bytes[1000..]);
    let middle = get(Some("bytes=10-19")).await.expect("send");
    assert_eq!(middle.status(), 206);
    assert_eq!(middle.bytes().await.expect("body").to_vec(), bytes[10..20]);
    let past = get(Some(&format!("bytes={}-", bytes.len())))
        .await
        .expect("send");
    assert_eq!(past.status(), 416);
    assert_eq!(
        past.headers()["content-range"].to_str().expect("range"),
        format!("bytes */{}", bytes.len())
    );
    let body: serde_json::Value = past.json().await.expect("json");
    assert_eq!(body["code"], "range_not_satisfiable");

    // Another tenant's device: the version does not exist for it. Nobody signed in: 401.
    let other = ts.device("insp_x").await;
    let resp = other
        .client
        .get(format!("{}/v1/basemap/{version}", other.base))
        .bearer_auth(&other.login.token)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 404);
    let resp = reqwest::Client::new().get(&url).send().await.expect("send");
    assert_eq!(resp.status(), 401);
    let bad = insp
        .client
        .get(format!(
            "{}/v1/basemap/..%2F..%2Fgridcase.sqlite",
            insp.base
        ))
        .bearer_auth(&insp.login.token)
        .send()
        .await
        .expect("send");
    assert_eq!(bad.status(), 404);
}

/// The tenant's online layer (`map.toml`, e.g. 天地图 with its key) reaches devices in the
/// reference bundle; an unsafe one (plain http, a script in the URL) refuses the import naming
/// the field.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_online_layer_is_handed_to_devices_and_an_unsafe_one_refused() {
    let ts = TestServer::start().await;
    let demo = DemoTenant::generate(DEFAULT_SEED);
    let dir = tempfile::tempdir().expect("dir");
    write_map_files(&demo, dir.path(), &["cells.geojson"]);
    let map = "[online]\nurl = \"https://t0.tianditu.gov.cn/vec_w/wmts?TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=k\"\nattribution = \"天地图\"\n";
    std::fs::write(dir.path().join("map.toml"), map).expect("map");
    let report = import(&ts, dir.path()).await;
    assert!(report.files.iter().any(|f| f == "map.toml"), "{report:?}");
    let insp = ts.device("insp_a").await;
    let bundle = insp.get_json("/v1/reference").await.expect("bundle");
    assert_eq!(bundle["files"]["map"], map);
    // A device that has this version gets 304 with no body; another version gets the bundle.
    let version = bundle["version"].as_str().expect("version").to_owned();
    let get = |tag: String| {
        insp.client
            .get(format!("{}/v1/reference", insp.base))
            .bearer_auth(&insp.login.token)
            .header("If-None-Match", tag)
            .send()
    };
    let same = get(format!("\"{version}\"")).await.expect("304");
    assert_eq!(same.status(), 304);
    assert_eq!(
        same.headers()["etag"].to_str().expect("etag"),
        format!("\"{version}\"")
    );
    assert!(same.bytes().await.expect("body").is_empty());
    let other = get("\"0000\"".to_owned()).await.expect("200");
    assert_eq!(other.status(), 200);

    std::fs::write(
        dir.path().join("map.toml"),
        "[online]\nurl = \"http://evil.example/{z}/{x}/{y}\"\n",
    )
    .expect("map");
    let dep = ts.server.deployment().clone();
    let path = dir.path().to_owned();
    let e = tokio::task::spawn_blocking(move || import_dir(&dep, TENANT, &path, None))
        .await
        .expect("join")
        .expect_err("http is refused");
    let text = e.to_string();
    assert!(
        text.contains("map.toml") && text.contains("online.url"),
        "{text}"
    );
}
