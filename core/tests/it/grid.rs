//! The grid module on the demo tenant and on small hand-written files: point → cell checked
//! against brute force with geo, the nearest-cell hint, nearest components, the geocoder, GCJ-02,
//! and malformed files refused with the file, line and field.

use geo::{Coord, Distance, Euclidean, Intersects, MapCoords, Point, Polygon};
use gridcase_core::demo::DemoTenant;
use gridcase_core::grid::{
    ComponentIndex, Geocoder, GridIndex, Lookup, PlaceLayer, gcj02_to_wgs84, wgs84_to_gcj02,
};
use proptest::prelude::*;
use std::sync::LazyLock;

static DEMO: LazyLock<(DemoTenant, GridIndex)> = LazyLock::new(|| {
    let tenant = DemoTenant::generate(2026);
    let grid = GridIndex::from_cells(tenant.cells.clone()).expect("unique codes");
    (tenant, grid)
});

/// The demo area's bounding box, 100 m wider on every side.
fn area() -> (f64, f64, f64, f64) {
    let pts = DEMO
        .1
        .cells()
        .iter()
        .flat_map(|c| c.polygon.exterior().coords().copied().collect::<Vec<_>>());
    pts.fold(
        (f64::MAX, f64::MAX, f64::MIN, f64::MIN),
        |(a, b, c, d), p| (a.min(p.x), b.min(p.y), c.max(p.x), d.max(p.y)),
    )
}

/// Metres from a point to a polygon, measured independently of the index (projection around
/// the point, geo's Euclidean distance).
fn metres(lon: f64, lat: f64, polygon: &Polygon) -> f64 {
    let kx = 111_195.08 * lat.to_radians().cos();
    let local = polygon.map_coords(|c| Coord {
        x: (c.x - lon) * kx,
        y: (c.y - lat) * 111_195.08,
    });
    Euclidean.distance(&Point::new(0.0, 0.0), &local)
}

fn check_point(lon: f64, lat: f64) -> Result<(), TestCaseError> {
    let grid = &DEMO.1;
    let covering: Vec<_> = grid
        .cells()
        .iter()
        .filter(|c| c.polygon.intersects(&Point::new(lon, lat)))
        .collect();
    match grid.locate(lon, lat) {
        Lookup::Inside(cell) => {
            prop_assert!(
                cell.polygon.intersects(&Point::new(lon, lat)),
                "{} does not contain the point",
                cell.code
            );
            prop_assert_eq!(Some(cell.code), covering.iter().map(|c| c.code).min());
        }
        Lookup::Outside { nearest } => {
            prop_assert!(
                covering.is_empty(),
                "outside, but {} contains it",
                covering[0].code
            );
            let best = grid
                .cells()
                .iter()
                .map(|c| (metres(lon, lat, &c.polygon), c.code))
                .min_by(|a, b| a.0.total_cmp(&b.0));
            match (nearest, best) {
                (Some((cell, d)), Some((bd, _))) => {
                    prop_assert!(
                        d <= 200.0 && (d - bd).abs() < 0.01 + bd * 1e-3,
                        "hint {} at {d} m, best {bd} m",
                        cell.code
                    );
                }
                (None, Some((bd, _))) => prop_assert!(bd > 199.0, "no hint but a cell at {bd} m"),
                (_, None) => prop_assert!(false, "no cells"),
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]
    #[test]
    fn locate_agrees_with_brute_force(u in 0.0f64..1.0, v in 0.0f64..1.0) {
        let (x0, y0, x1, y1) = area();
        let (dx, dy) = (0.0015, 0.0011);
        check_point(x0 - dx + u * (x1 - x0 + 2.0 * dx), y0 - dy + v * (y1 - y0 + 2.0 * dy))?;
    }

    #[test]
    fn locate_near_cell_corners(cell in 0usize..3000, corner in 0usize..4, dx in -3i32..=3, dy in -3i32..=3) {
        // On a vertex (dx = dy = 0) the point is on up to four cells' boundaries; a few cm off,
        // in one of them or on a lane.
        let cell = &DEMO.1.cells()[cell % DEMO.1.len()];
        let c = cell.polygon.exterior().0[corner];
        check_point(c.x + f64::from(dx) * 1e-7, c.y + f64::from(dy) * 1e-7)?;
    }
}

#[test]
fn hint_and_far_points() {
    let grid = &DEMO.1;
    assert_eq!(grid.locate(0.0, 0.0), Lookup::Outside { nearest: None });
    assert_eq!(
        grid.locate(f64::NAN, 36.0),
        Lookup::Outside { nearest: None }
    );
    let cell = grid
        .cell(&"620102001001001".parse_code())
        .expect("first cell");
    let nw = cell.polygon.exterior().0[0];
    // 20 m north of the area's north-west corner: on the road, with the first cell as hint.
    let Lookup::Outside {
        nearest: Some((hint, d)),
    } = grid.locate(nw.x, nw.y + 20.0 / 111_195.0)
    else {
        panic!("expected a hint");
    };
    assert_eq!(hint.code, cell.code);
    assert!((d - 20.0).abs() < 0.1, "{d}");
    let strict = grid.clone().with_hint_distance(10.0);
    assert_eq!(
        strict.locate(nw.x, nw.y + 20.0 / 111_195.0),
        Lookup::Outside { nearest: None }
    );
}

trait ParseCode {
    fn parse_code(&self) -> gridcase_core::codes::GridCode;
}
impl ParseCode for str {
    fn parse_code(&self) -> gridcase_core::codes::GridCode {
        gridcase_core::codes::GridCode::parse(self).expect("valid code")
    }
}

#[test]
fn nearest_components_sorted_and_within_radius() {
    let index = ComponentIndex::from_components(DEMO.0.components.clone()).expect("unique ids");
    let (x0, y0, x1, y1) = area();
    for k in 0..50 {
        let (lon, lat) = (
            x0 + (x1 - x0) * f64::from(k) / 50.0,
            y0 + (y1 - y0) * f64::from((k * 7) % 50) / 50.0,
        );
        let found = index.nearest(lon, lat, 1000, 50.0);
        assert!(found.windows(2).all(|w| w[0].1 <= w[1].1), "not sorted");
        assert!(found.iter().all(|(_, d)| *d <= 50.0));
        let brute = index
            .components()
            .iter()
            .filter(|c| metres_pt(lon, lat, c.lon, c.lat) <= 50.0)
            .count();
        assert!(
            found.len().abs_diff(brute) <= 1,
            "{} vs {brute}",
            found.len()
        );
        let three = index.nearest(lon, lat, 3, 50.0);
        assert_eq!(three.len(), found.len().min(3));
        assert!(three.iter().zip(&found).all(|(a, b)| a.1 == b.1));
    }
    assert!(index.nearest(103.83, 36.06, 5, -1.0).is_empty());
}

fn metres_pt(lon: f64, lat: f64, lon2: f64, lat2: f64) -> f64 {
    let kx = 111_195.08 * lat.to_radians().cos();
    ((lon2 - lon) * kx).hypot((lat2 - lat) * 111_195.08)
}

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
fn geocoder_text() {
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
    // The demo: a cell's centre gets its street and community.
    let (tenant, grid) = &*DEMO;
    let places = PlaceLayer::from_places(tenant.places.clone());
    let cell = &grid.cells()[0];
    let [p, q] = [cell.polygon.exterior().0[0], cell.polygon.exterior().0[2]];
    let a = Geocoder::new(grid, Some(&places))
        .with_prefix("城关区")
        .address((p.x + q.x) / 2.0, (p.y + q.y) / 2.0)
        .expect("in");
    assert!(
        a.text.starts_with(&format!(
            "城关区{}{}",
            tenant.streets[0].name, cell.community
        )),
        "{}",
        a.text
    );
    assert!(
        a.near.is_some(),
        "every demo point has a road or place within 300 m"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]
    #[test]
    fn gcj02_round_trip(lon in 73.0f64..135.0, lat in 18.0f64..53.0) {
        let (glon, glat) = wgs84_to_gcj02(lon, lat);
        let shift = metres_pt(lon, lat, glon, glat);
        prop_assert!(shift > 1.0 && shift < 1500.0, "offset {shift} m");
        let (wlon, wlat) = gcj02_to_wgs84(glon, glat);
        prop_assert!(metres_pt(lon, lat, wlon, wlat) < 1.0);
    }
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
