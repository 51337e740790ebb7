//! The grid module on the demo tenant: point → cell checked against brute force with geo, the
//! nearest-cell hint, nearest components, the geocoder and GCJ-02. Small hand-written files and
//! malformed ones are in `files`.

mod files;
mod search;

use geo::{Coord, Distance, Euclidean, Intersects, MapCoords, Point, Polygon};
use gridcase_core::demo::DemoTenant;
use gridcase_core::grid::{
    ComponentIndex, Geocoder, GridIndex, Lookup, PlaceLayer, gcj02_to_wgs84, wgs84_to_gcj02,
};
use proptest::prelude::*;
use std::sync::LazyLock;
pub(crate) static DEMO: LazyLock<(DemoTenant, GridIndex)> = LazyLock::new(|| {
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

#[test]
fn geocoder_on_the_demo() {
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
