//! Small hand-written GeoJSON files: the geocoder's text, GCJ-02 input converted on load, and
//! malformed cells, components and places refused with the file, the feature's line and the field.

use super::metres_pt;
use gridcase_core::grid::{ComponentIndex, Geocoder, GridIndex, PlaceLayer, wgs84_to_gcj02};

const CELLS: &str = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"code":"620102001001001","street":"测试街道","community":"测试社区","departments":["hw"]},
 "geometry":{"type":"Polygon","coordinates":[[[103.800,36.060],[103.800,36.059],[103.801,36.059],[103.801,36.060],[103.800,36.060]]]}},
{"type":"Feature","properties":{"code":"620102001001002","street":"测试街道","community":"测试社区"},
 "geometry":{"type":"Polygon","coordinates":[[[103.801,36.060],[103.801,36.059],[103.802,36.059],[103.802,36.060]]]}}
]}"#;
const PLACES: &str = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"name":"测试路"},"geometry":{"type":"LineString","coordinates":[[103.799,36.0602],[103.803,36.0602]]}},
{"type":"Feature","properties":{"name":"测试广场","kind":"place"},"geometry":{"type":"Point","coordinates":[103.8015,36.0591]}}
]}"#;

#[test]
fn geocoder_text_on_a_small_grid() {
    let grid = GridIndex::from_geojson("cells.geojson", CELLS).expect("valid");
    let places = PlaceLayer::from_geojson("places.geojson", PLACES).expect("valid");
    let geocoder = Geocoder::new(&grid, Some(&places))
        .with_prefix("城关区")
        .with_near_distance(50.0);
    let a = geocoder.address(103.8005, 36.0598).expect("inside");
    assert_eq!(a.text, "城关区测试街道测试社区，测试路附近");
    assert_eq!(
        (a.cell.to_string().as_str(), a.in_cell),
        ("620102001001001", true)
    );
    let b = geocoder.address(103.8016, 36.0592).expect("inside");
    assert_eq!(b.text, "城关区测试街道测试社区，测试广场附近");
    assert!(b.near.as_ref().is_some_and(|(_, d)| *d < 15.0));
    let c = Geocoder::new(&grid, None)
        .address(103.8005, 36.0595)
        .expect("inside");
    assert_eq!((c.text.as_str(), c.near), ("测试街道测试社区", None));
    let road = geocoder.address(103.8005, 36.0601).expect("near a cell");
    assert!(!road.in_cell);
    assert_eq!(geocoder.address(103.9, 36.1), None);
}

#[test]
fn gcj02_files_are_converted_on_input() {
    let gcj = CELLS.replacen(
        "{\"type\":\"FeatureCollection\",",
        "{\"type\":\"FeatureCollection\",\"coordinate_system\":\"gcj02\",",
        1,
    );
    let grid = GridIndex::from_geojson("cells.geojson", &gcj).expect("valid");
    // The file's GCJ-02 corner (103.800, 36.060) is stored as its WGS84 point.
    let stored = grid.cells()[0].polygon.exterior().0[0];
    let (glon, glat) = wgs84_to_gcj02(stored.x, stored.y);
    assert!(metres_pt(103.800, 36.060, glon, glat) < 0.01);
    assert!(metres_pt(103.800, 36.060, stored.x, stored.y) > 100.0);
    let bad = CELLS.replacen(
        "\"features\"",
        "\"coordinate_system\":\"bd09\",\"features\"",
        1,
    );
    let e = GridIndex::from_geojson("cells.geojson", &bad).expect_err("unknown system");
    assert_eq!(e.field, "coordinate_system");
}

/// `(file text, expected line, expected field)` after replacing `from` with `to` in `base`.
fn refused(
    load: fn(&str) -> Option<(usize, String)>,
    base: &str,
    cases: &[(&str, &str, usize, &str)],
) {
    for (from, to, line, field) in cases {
        assert!(base.contains(from), "{from:?} not in the fixture");
        let got = load(&base.replacen(from, to, 1));
        assert_eq!(got, Some((*line, (*field).to_owned())), "{from:?} → {to:?}");
    }
}

#[test]
fn bad_cell_files_name_file_line_and_field() {
    let e = GridIndex::from_geojson("my/cells.geojson", "not json").expect_err("bad");
    assert_eq!(
        (e.file.as_str(), e.line, e.code()),
        ("my/cells.geojson", 1, "bad_data_file")
    );
    let load = |t: &str| {
        GridIndex::from_geojson("cells.geojson", t)
            .err()
            .map(|e| (e.line, e.field))
    };
    refused(
        load,
        CELLS,
        &[
            (
                "\"620102001001002\"",
                "\"620102001001001\"",
                4,
                "properties.code",
            ),
            (
                "\"620102001001002\"",
                "\"62010200100102\"",
                4,
                "properties.code",
            ),
            (
                "\"620102001001002\"",
                "\"6201020010010x2\"",
                4,
                "properties.code",
            ),
            (
                "\"620102001001002\"",
                "620102001001002",
                4,
                "properties.code",
            ),
            (
                "\"community\":\"测试社区\"}",
                "\"comm\":\"测试社区\"}",
                4,
                "properties.community",
            ),
            (
                "\"street\":\"测试街道\",",
                "\"street\":\"  \",",
                2,
                "properties.street",
            ),
            ("[\"hw\"]", "\"hw\"", 2, "properties.departments"),
            (
                "\"Polygon\",\"coordinates\":[[[103.801,36.060],[103.801,36.059],[103.802,36.059],[103.802,36.060]]]",
                "\"LineString\",\"coordinates\":[[103.801,36.060],[103.801,36.059]]",
                4,
                "geometry",
            ),
            (
                "[103.800,36.060],[103.800,36.059]",
                "[203.800,36.060],[103.800,36.059]",
                2,
                "geometry",
            ),
            (
                "[103.801,36.060],[103.801,36.059],[103.802,36.059],[103.802,36.060]",
                "[103.801,36.060],[103.801,36.059]",
                4,
                "geometry",
            ),
            (
                "\"type\":\"Polygon\",\"coordinates\":[[[103.801",
                "\"type\":\"MultiPolygon\",\"coordinates\":[[[103.801",
                4,
                "geometry",
            ),
            (
                "{\"type\":\"Feature\",\"properties\":{\"code\":\"620102001001002\"",
                "{\"type\":\"Feat\",\"properties\":{\"code\":\"620102001001002\"",
                4,
                "type",
            ),
        ],
    );
}

/// A cell delivered as a MultiPolygon (issue 13: county data) keeps every part: a point in its
/// detached second part is located in it, the nearest-cell hint measures to the nearer part.
#[test]
fn multipolygon_cells_keep_every_part() {
    let text = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"code":"620102001001001","street":"s","community":"c"},
 "geometry":{"type":"MultiPolygon","coordinates":[
  [[[103.800,36.060],[103.801,36.060],[103.801,36.061],[103.800,36.061],[103.800,36.060]]],
  [[[103.810,36.060],[103.811,36.060],[103.811,36.061],[103.810,36.061],[103.810,36.060]]]]}},
{"type":"Feature","properties":{"code":"620102001001002","street":"s","community":"c"},
 "geometry":{"type":"Polygon","coordinates":[[[103.801,36.060],[103.802,36.060],[103.802,36.061],[103.801,36.061],[103.801,36.060]]]}}
]}"#;
    let grid = GridIndex::from_geojson("m.geojson", text).expect("a MultiPolygon cell is accepted");
    let first = grid.cells()[0].clone();
    assert_eq!(first.more.len(), 1);
    assert_eq!(first.parts().count(), 2);
    let code = |lon, lat| grid.cell_at(lon, lat).map(|c| c.code.to_string());
    assert_eq!(code(103.8005, 36.0605).as_deref(), Some("620102001001001"));
    assert_eq!(code(103.8105, 36.0605).as_deref(), Some("620102001001001"));
    assert_eq!(code(103.8015, 36.0605).as_deref(), Some("620102001001002"));
    assert_eq!(code(103.8065, 36.0605), None);
    // 0.0001° east of the second part (about 9 m): the hint names the MultiPolygon cell.
    let (near, d) = grid
        .nearest_within(103.8111, 36.0605, 50.0)
        .expect("near the second part");
    assert_eq!(near.code.to_string(), "620102001001001");
    assert!(d > 5.0 && d < 15.0, "{d}");
    // An empty MultiPolygon is refused.
    let empty = text.replacen(
        r#""coordinates":[
  [[[103.800,36.060],[103.801,36.060],[103.801,36.061],[103.800,36.061],[103.800,36.060]]],
  [[[103.810,36.060],[103.811,36.060],[103.811,36.061],[103.810,36.061],[103.810,36.060]]]]"#,
        r#""coordinates":[]"#,
        1,
    );
    let e = GridIndex::from_geojson("m.geojson", &empty).expect_err("empty");
    assert_eq!(e.field, "geometry");
}

const COMPONENTS: &str = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"id":"62010201001000001","type":"01001","owner":"zls","maintainer":"zls","state":"damaged"},"geometry":{"type":"Point","coordinates":[103.8005,36.0595]}},
{"type":"Feature","properties":{"id":"62010203005000001","name":"垃圾箱","owner":"hw","maintainer":"hw","state":"丢失","cell":"620102001001002"},"geometry":{"type":"Point","coordinates":[103.8015,36.0595]}}
]}"#;

#[test]
fn component_files() {
    let index = ComponentIndex::from_geojson("c.geojson", COMPONENTS).expect("valid");
    let second = &index.components()[1];
    assert_eq!(
        (
            second.type_code.as_str(),
            second.state.label_zh(),
            second.name.as_deref()
        ),
        ("03005", "丢失", Some("垃圾箱"))
    );
    let near = index.nearest(103.8005, 36.0595, 5, 100.0);
    assert_eq!(near.len(), 2);
    assert_eq!(
        (near[0].0.id.to_string().as_str(), near[0].1),
        ("62010201001000001", 0.0)
    );
    assert!((near[1].1 - 90.0).abs() < 1.0, "{}", near[1].1);
    let load = |t: &str| {
        ComponentIndex::from_geojson("c.geojson", t)
            .err()
            .map(|e| (e.line, e.field))
    };
    refused(
        load,
        COMPONENTS,
        &[
            ("62010203005000001", "62010201001000001", 3, "properties.id"),
            ("62010203005000001", "62010203005000000", 3, "properties.id"),
            (
                "\"type\":\"01001\"",
                "\"type\":\"01002\"",
                2,
                "properties.type",
            ),
            (
                "\"state\":\"damaged\"",
                "\"state\":\"broken\"",
                2,
                "properties.state",
            ),
            ("\"owner\":\"hw\",", "", 3, "properties.owner"),
            (
                "\"cell\":\"620102001001002\"",
                "\"cell\":\"620102\"",
                3,
                "properties.cell",
            ),
            (
                "\"Point\",\"coordinates\":[103.8015,36.0595]",
                "\"LineString\",\"coordinates\":[[103.8015,36.0595],[1,2]]",
                3,
                "geometry",
            ),
        ],
    );
    let load = |t: &str| {
        PlaceLayer::from_geojson("p.geojson", t)
            .err()
            .map(|e| (e.line, e.field))
    };
    refused(
        load,
        PLACES,
        &[
            (
                "\"kind\":\"place\"",
                "\"kind\":\"shop\"",
                3,
                "properties.kind",
            ),
            ("{\"name\":\"测试路\"}", "{}", 2, "properties.name"),
            (
                "[[103.799,36.0602],[103.803,36.0602]]",
                "[[103.799,36.0602]]",
                2,
                "geometry",
            ),
        ],
    );
}
