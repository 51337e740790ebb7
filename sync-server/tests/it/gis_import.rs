//! County GIS deliveries (issue 13, item 1): the fixtures in tests/fixtures/gis were made once
//! from a small part of the demo tenant with Debian's GDAL (ogr2ogr; commands in their README).
//! Every format × coordinate system gives the same cells, components, places and basemap
//! layers as the GeoJSON (EPSG:4326) delivery, every vertex within 0.1 m; bad deliveries are
//! refused naming the file, the feature and the field, and write nothing; a tenant directory
//! with `gis.toml` imports into a working tenant through the real import path.

use crate::support::*;
use gridcase_core::error::DataFileError;
use gridcase_core::grid::GridIndex;
use gridcase_server::ServerError;
use gridcase_server::biz::import::import_dir;
use gridcase_server::gis::{self, Converted};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gis")
}

/// A copy of a fixture delivery in a temporary tenant directory (the import writes there).
fn delivery(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for entry in std::fs::read_dir(fixtures().join(name)).expect(name) {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).expect("copy");
    }
    dir
}

/// The tenant files around a delivery: tenant.toml and one inspector of `role` (a bad role
/// makes the import refuse users.csv).
fn write_tenant(dir: &Path, role: &str) {
    std::fs::write(
        dir.join("tenant.toml"),
        "# SYNTHETIC\nversion = 1\ncode = \"620102\"\nname = \"城关区\"\nshort_name = \"城关\"\ncentre = [103.8, 36.07]\nsynthetic = true\n",
    )
    .expect("tenant");
    std::fs::write(
        dir.join("users.csv"),
        format!("# SYNTHETIC\nusername,display_name,role,department,cells\ninsp_gis,巡查员,{role},,620102001002\n"),
    )
    .expect("users");
}

fn convert(name: &str) -> (tempfile::TempDir, Converted) {
    let dir = delivery(name);
    let converted = gis::convert_dir(dir.path())
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .expect("gis.toml present");
    (dir, converted)
}

fn refused(name: &str) -> (tempfile::TempDir, DataFileError) {
    let dir = delivery(name);
    let e = gis::convert_dir(dir.path()).expect_err(name);
    (dir, e)
}

/// Metres between two lon/lat points (haversine, mean Earth radius).
fn metres(a: [f64; 2], b: [f64; 2]) -> f64 {
    let (p1, p2) = (a[1].to_radians(), b[1].to_radians());
    let dp = p2 - p1;
    let dl = (b[0] - a[0]).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6_371_008.8 * h.sqrt().asin()
}

fn positions(v: &Value, out: &mut Vec<[f64; 2]>) {
    match v.as_array() {
        Some(a) if a.len() >= 2 && a[0].is_number() => {
            out.push([a[0].as_f64().expect("x"), a[1].as_f64().expect("y")]);
        }
        Some(a) => a.iter().for_each(|x| positions(x, out)),
        None => panic!("bad coordinates {v}"),
    }
}

/// A layer as `key → (properties, vertices)`; the key is the feature's identity in its layer.
type Keyed = BTreeMap<String, (Value, Vec<[f64; 2]>)>;

fn layer(converted: &Converted, file: &str, key: impl Fn(&Value, usize) -> String) -> Keyed {
    let Some((_, text)) = converted.files.iter().find(|(n, _)| *n == file) else {
        return Keyed::new();
    };
    let doc: Value = serde_json::from_str(text).expect("GeoJSON");
    let mut out = Keyed::new();
    for (i, f) in doc["features"]
        .as_array()
        .expect("features")
        .iter()
        .enumerate()
    {
        let mut pts = Vec::new();
        positions(&f["geometry"]["coordinates"], &mut pts);
        let k = key(&f["properties"], i);
        assert!(
            out.insert(k.clone(), (f["properties"].clone(), pts))
                .is_none(),
            "{file}: {k} twice"
        );
    }
    out
}

fn by(field: &'static str) -> impl Fn(&Value, usize) -> String {
    move |p, _| p[field].as_str().expect(field).to_owned()
}

fn by_order(p: &Value, i: usize) -> String {
    format!("{i:04} {}", p["name"].as_str().unwrap_or(""))
}

/// Same properties, same number of vertices, every vertex of each within `tol` metres of one
/// of the other's (a Shapefile reorients rings, so the order may differ).
fn same(what: &str, a: &Keyed, b: &Keyed, tol: f64) -> usize {
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "{what}: same features"
    );
    let mut vertices = 0;
    for (k, (pa, va)) in a {
        let (pb, vb) = &b[k];
        assert_eq!(pa, pb, "{what} {k}: same properties");
        assert_eq!(va.len(), vb.len(), "{what} {k}: same vertex count");
        for (xs, ys) in [(va, vb), (vb, va)] {
            for p in xs {
                let d = ys
                    .iter()
                    .map(|q| metres(*p, *q))
                    .fold(f64::INFINITY, f64::min);
                assert!(
                    d <= tol,
                    "{what} {k}: vertex {p:?} is {d:.4} m from the reference"
                );
            }
        }
        vertices += va.len();
    }
    vertices
}

struct Layers {
    cells: Keyed,
    components: Keyed,
    places: Keyed,
    roads: Keyed,
    buildings: Keyed,
    water: Keyed,
    green: Keyed,
    boundaries: Keyed,
}

fn layers(c: &Converted) -> Layers {
    Layers {
        cells: layer(c, "cells.geojson", by("code")),
        components: layer(c, "components.geojson", by("id")),
        places: layer(c, "places.geojson", by_order),
        roads: layer(c, "roads.geojson", by_order),
        buildings: layer(c, "buildings.geojson", by_order),
        water: layer(c, "water.geojson", by_order),
        green: layer(c, "green.geojson", by_order),
        boundaries: layer(c, "boundaries.geojson", by("code")),
    }
}

const DELIVERIES: [(&str, &str); 8] = [
    ("shp_4523", "EPSG:4523"),
    ("shp_4544", "EPSG:4544"),
    ("shp_4496", "EPSG:4496"),
    ("shp_4490_gbk", "EPSG:4490"),
    ("shp_4490_gbk_nocpg", "EPSG:4490"),
    ("gpkg_4490", "EPSG:4490"),
    ("gpkg_4523", "EPSG:4523"),
    ("geojson_gcj02", "GCJ-02"),
];

/// Must show: the zone-35 Shapefile (EPSG:4523) and the GBK Shapefiles, and every other
/// format × coordinate system, give the GeoJSON delivery's layers within 0.1 m.
#[test]
fn every_format_and_system_gives_the_same_layers_within_a_decimetre() {
    let (_d, reference) = convert("geojson_4326");
    let want = layers(&reference);
    // The reference itself is the demo subset: 120 cells of 4 communities (two delivered as
    // MultiPolygons, one of them in two parts), 240 components, places and named roads.
    assert_eq!(want.cells.len(), 120);
    assert_eq!(want.components.len(), 240);
    let multi: Vec<&String> = want
        .cells
        .iter()
        .filter(|(_, (_, v))| v.len() > 5)
        .map(|(k, _)| k)
        .collect();
    assert_eq!(multi.len(), 1, "the two-part cell keeps both parts");
    let first = &want.cells["620102001001001"].0;
    assert_eq!(first["street"], "酒泉路街道");
    assert_eq!(first["community"], "新苑社区");
    let roads_in_places = want
        .places
        .values()
        .filter(|(p, _)| p["kind"] == "road")
        .count();
    assert_eq!(roads_in_places, 3, "永昌巷 and both parts of 测试两段路");
    assert!(
        want.roads
            .values()
            .any(|(p, _)| p["class"] == "alley" && p["name"] == "")
    );
    assert_eq!(want.boundaries.len(), 5);
    assert_eq!(want.boundaries["620102001"].0["level"], "street");
    for (name, crs) in DELIVERIES {
        let started = std::time::Instant::now();
        let (_d, converted) = convert(name);
        // A figure for the report, never an assertion.
        eprintln!("{name}: converted in {:?}", started.elapsed());
        let got = layers(&converted);
        let mut vertices = 0;
        for (what, a, b) in [
            ("cells", &got.cells, &want.cells),
            ("components", &got.components, &want.components),
            ("places", &got.places, &want.places),
            ("roads", &got.roads, &want.roads),
            ("buildings", &got.buildings, &want.buildings),
            ("water", &got.water, &want.water),
            ("green", &got.green, &want.green),
            ("boundaries", &got.boundaries, &want.boundaries),
        ] {
            vertices += same(&format!("{name} {what}"), a, b, 0.1);
        }
        assert!(vertices > 900, "{name}: {vertices}");
        assert_eq!(converted.log.len(), 8, "{name}: {:?}", converted.log);
        for line in &converted.log {
            assert!(line.crs.contains(crs), "{name}: {line}");
        }
    }
}

#[test]
fn the_import_log_says_which_encoding_and_system() {
    let log = |name| convert(name).1.log;
    let gbk = log("shp_4490_gbk");
    assert!(
        gbk[0]
            .notes
            .iter()
            .any(|n| n.contains("GBK（.cpg: CP936）")),
        "{:?}",
        gbk[0]
    );
    let guessed = log("shp_4490_gbk_nocpg");
    assert!(
        guessed[0]
            .notes
            .iter()
            .any(|n| n.contains("无 .cpg") && n.contains("按 GBK 读取")),
        "{:?}",
        guessed[0]
    );
    let utf8 = log("shp_4523");
    assert!(utf8[0].notes.iter().any(|n| n.contains("UTF-8")));
    let line = utf8[0].to_string();
    assert!(
        line.contains("cells.geojson ← grid.shp：120 个要素")
            && line.contains(
                "EPSG:4523 CGCS2000 3° 高斯-克吕格 中央经线 105°E（带号 35）（文件声明）"
            ),
        "{line}"
    );
    let six = log("shp_4496");
    assert!(
        six[0].crs.contains("6° 高斯-克吕格") && six[0].crs.contains("带号 18"),
        "{:?}",
        six[0]
    );
    let gpkg = log("gpkg_4523");
    assert_eq!(gpkg[1].source, "delivery.gpkg:parts");
    let gcj = log("geojson_gcj02");
    assert!(gcj[0].crs.contains("gis.toml"), "{:?}", gcj[0]);
}

fn check(e: &DataFileError, file: &str, line: usize, field: &str, words: &[&str]) {
    assert_eq!(
        (e.file.as_str(), e.line, e.field.as_str()),
        (file, line, field),
        "{e}"
    );
    for w in words {
        assert!(e.message.contains(w), "{w:?} not in {e}");
    }
}

/// Must show: bad deliveries are refused with the file, the feature and the field, and leave
/// the tenant directory as it was.
#[test]
fn bad_deliveries_are_refused_naming_file_feature_and_field() {
    let (dir, e) = refused("bad_noprj");
    check(&e, "grid.shp", 0, "crs", &["缺少坐标系", ".prj"]);
    assert!(
        !dir.path().join("cells.geojson").exists(),
        "nothing written"
    );
    let (_, e) = refused("bad_xian80");
    check(
        &e,
        "grid.shp",
        0,
        "crs",
        &["不支持的坐标系", "西安 1980", "七参数"],
    );
    let (_, e) = refused("bad_madeup_wkt");
    check(
        &e,
        "grid.shp",
        0,
        "crs",
        &["不支持的坐标系", "Local_Grid_2009"],
    );
    let (_, e) = refused("bad_attribute");
    check(
        &e,
        "grid.shp",
        0,
        "GRIDCODE",
        &["GRIDCODE", "不存在", "BGID"],
    );
    let (_, e) = refused("bad_geometry");
    check(&e, "grid.geojson", 7, "geometry", &["要素 #7", "未闭合"]);
    let (_, e) = refused("bad_code");
    check(
        &e,
        "grid.geojson",
        3,
        "BGID",
        &["要素 #3", "不是 15 位数字"],
    );
    let (_, e) = refused("bad_noshx");
    check(&e, "grid.shp", 0, "(file)", &["缺少 grid.shx"]);
    let (_, e) = refused("bad_truncated");
    assert_eq!(
        (e.file.as_str(), e.field.as_str()),
        ("grid.shp", "geometry"),
        "{e}"
    );
    assert!(e.line > 0, "the record that could not be read: {e}");
    let (_, e) = refused("bad_notsqlite");
    check(&e, "delivery.gpkg", 0, "(file)", &["不是 SQLite"]);
    let (_, e) = refused("bad_zone");
    check(
        &e,
        "grid.shp",
        1,
        "geometry",
        &["要素 #1", "带有带号前缀", "EPSG:4544"],
    );
}

#[test]
fn a_mapped_crs_wins_and_an_oversized_file_is_refused() {
    // The no-.prj delivery imports when gis.toml names the system.
    let dir = delivery("bad_noprj");
    let toml = std::fs::read_to_string(dir.path().join("gis.toml")).expect("toml");
    std::fs::write(
        dir.path().join("gis.toml"),
        format!("crs = \"EPSG:4523\"\n{toml}"),
    )
    .expect("write");
    let converted = gis::convert_dir(dir.path())
        .expect("converts")
        .expect("mapping");
    assert!(
        converted.log[0].crs.contains("EPSG:4523") && converted.log[0].crs.contains("gis.toml")
    );
    // A 1 MiB cap refuses nothing here; a hostile size is refused before reading.
    let big = dir.path().join("grid.shp");
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&big)
        .expect("open");
    file.set_len(3 << 20).expect("grow (sparse)");
    std::fs::write(
        dir.path().join("gis.toml"),
        format!("max_file_mb = 2\ncrs = \"EPSG:4523\"\n{toml}"),
    )
    .expect("write");
    let e = gis::convert_dir(dir.path()).expect_err("too big");
    check(&e, "grid.shp", 0, "(file)", &["超过上限"]);
}

/// Hostile Shapefiles and GeoPackages give errors, never a panic or a huge allocation.
#[test]
fn hostile_files_give_errors() {
    let patch = |name: &str, file: &str, at: usize, bytes: &[u8]| {
        let dir = delivery(name);
        let path = dir.path().join(file);
        let mut data = std::fs::read(&path).expect("read");
        data[at..at + bytes.len()].copy_from_slice(bytes);
        std::fs::write(&path, data).expect("write");
        dir
    };
    // The first polygon record claims 2^31 − 1 parts and points.
    for at in [144, 148] {
        let dir = patch("bad_noprj", "grid.shp", at, &i32::MAX.to_le_bytes());
        std::fs::write(dir.path().join("gis.toml"), "crs = \"EPSG:4523\"\n[cells]\nfile = \"grid.shp\"\ncode = \"BGID\"\nstreet = \"STREET\"\ncommunity = \"COMMUNITY\"\n").expect("toml");
        let e = gis::convert_dir(dir.path()).expect_err("hostile counts");
        assert_eq!(
            (e.file.as_str(), e.field.as_str()),
            ("grid.shp", "geometry"),
            "{e}"
        );
    }
    // The .dbf claims 2^31 − 1 records: its real records are fewer than the .shp's or unreadable.
    let dir = patch("bad_noprj", "grid.dbf", 4, &i32::MAX.to_le_bytes());
    std::fs::write(dir.path().join("gis.toml"), "crs = \"EPSG:4523\"\n[cells]\nfile = \"grid.shp\"\ncode = \"BGID\"\nstreet = \"STREET\"\ncommunity = \"COMMUNITY\"\n").expect("toml");
    let e = gis::convert_dir(dir.path()).expect_err("hostile dbf");
    assert!(e.file == "grid.dbf" || e.file == "grid.shp", "{e}");
    // A GeoPackage geometry blob cut short: the WKB reader refuses it.
    let dir = delivery("gpkg_4490");
    let db = rusqlite::Connection::open(dir.path().join("delivery.gpkg")).expect("open");
    // GDAL's R-tree triggers call its own SQL functions: drop them for this edit.
    let triggers: Vec<String> = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("triggers");
    for t in triggers {
        db.execute(&format!("DROP TRIGGER \"{t}\""), [])
            .expect("drop trigger");
    }
    db.execute(
        "UPDATE grid SET geom = substr(geom, 1, 30) WHERE fid = 2",
        [],
    )
    .expect("cut");
    drop(db);
    let e = gis::convert_dir(dir.path()).expect_err("cut blob");
    check(
        &e,
        "delivery.gpkg:grid",
        2,
        "geometry",
        &["要素 #2", "截断"],
    );
}

/// A tenant directory with `gis.toml` (the zone-35 Shapefile delivery) imports through the real
/// import path: the canonical files replace the hand-written ones, the import report carries the
/// log, cells are located, and devices receive the converted layers in the reference bundle.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_with_a_gis_delivery_imports_and_serves_its_layers() {
    let ts = TestServer::start().await;
    let dir = delivery("shp_4523");
    write_tenant(dir.path(), "inspector");
    // A stale hand-written cells file is replaced by the conversion.
    std::fs::write(dir.path().join("cells.geojson"), "not even JSON").expect("stale");
    let path = dir.path().to_owned();
    let dep = ts.server.deployment().clone();
    let report =
        tokio::task::spawn_blocking(move || import_dir(&dep, "620102", &path, Some(PASSWORD)))
            .await
            .expect("join")
            .expect("import");
    assert_eq!(report.cells, 120, "{report:?}");
    assert_eq!(report.gis.len(), 8, "{report:?}");
    assert!(report.gis[0].contains("EPSG:4523"), "{:?}", report.gis);
    for f in ["cells.geojson", "components.geojson", "places.geojson"] {
        assert!(
            report.files.iter().any(|x| x == f),
            "{f} stored: {report:?}"
        );
    }
    for f in [
        "roads.geojson",
        "buildings.geojson",
        "water.geojson",
        "green.geojson",
        "boundaries.geojson",
    ] {
        assert!(dir.path().join(f).exists(), "{f} written for the basemap");
    }
    let inspector = Device::login(&ts.url(), "620102", "insp_gis", "gis-1")
        .await
        .expect("login");
    assert!(
        !inspector.login.cells.is_empty(),
        "the community expands to its cells"
    );
    let bundle = inspector.get_json("/v1/reference").await.expect("bundle");
    let cells = bundle["files"]["cells"].as_str().expect("cells served");
    let grid = GridIndex::from_geojson("cells", cells).expect("core reads the converted cells");
    assert_eq!(grid.len(), 120);
    // The centre of a cell of the source is located in that cell.
    let source: Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("source/grid.geojson")).expect("source"),
    )
    .expect("json");
    for f in source["features"]
        .as_array()
        .expect("features")
        .iter()
        .step_by(7)
    {
        let mut pts = Vec::new();
        positions(&f["geometry"]["coordinates"], &mut pts);
        let ring = &pts[..4];
        let lon = ring.iter().map(|p| p[0]).sum::<f64>() / 4.0;
        let lat = ring.iter().map(|p| p[1]).sum::<f64>() / 4.0;
        let code = grid.cell_at(lon, lat).map(|c| c.code.to_string());
        assert_eq!(code.as_deref(), f["properties"]["BGID"].as_str());
    }
    assert!(
        bundle["files"]["components"]
            .as_str()
            .expect("components")
            .contains("62010201")
    );
    assert!(
        bundle["files"]["places"]
            .as_str()
            .expect("places")
            .contains("永昌巷")
    );

    // A bad delivery fails the import and leaves the tenant and the directory as they were.
    let bad = delivery("bad_attribute");
    let path = bad.path().to_owned();
    let dep = ts.server.deployment().clone();
    let e = tokio::task::spawn_blocking(move || import_dir(&dep, "620102", &path, None))
        .await
        .expect("join")
        .expect_err("refused");
    match e {
        ServerError::DataFile(e) => assert_eq!(
            (e.file.as_str(), e.field.as_str()),
            ("grid.shp", "GRIDCODE")
        ),
        other => panic!("{other:?}"),
    }
    assert!(!bad.path().join("cells.geojson").exists());
}

/// A delivery that converts but whose import is refused for another file (here users.csv)
/// leaves the directory's own files untouched: the converted layers are only written after the
/// import has committed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_import_leaves_the_directory_as_it_was() {
    let ts = TestServer::start().await;
    let dir = delivery("shp_4523");
    write_tenant(dir.path(), "no_such_role");
    let own = "{\"type\":\"FeatureCollection\",\"features\":[]}";
    std::fs::write(dir.path().join("cells.geojson"), own).expect("own cells");
    let path = dir.path().to_owned();
    let dep = ts.server.deployment().clone();
    let result =
        tokio::task::spawn_blocking(move || import_dir(&dep, "620102", &path, Some(PASSWORD)))
            .await
            .expect("join");
    assert!(result.is_err(), "users.csv with an unknown role is refused");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("cells.geojson")).expect("cells"),
        own,
        "the directory's own cells file is untouched"
    );
    assert!(!dir.path().join("roads.geojson").exists());
}
