//! Place search over the demo tenant: roads by 拼音首字母 with the pin on the road nearest the
//! centre, ranking by distance, cell codes and component ids by prefix, communities with their
//! pin inside them, and hostile queries.

use super::DEMO;
use geo::{Coord, Distance, Euclidean, LineString, MapCoords, Point};
use gridcase_core::grid::{
    ComponentIndex, HitKind, MAX_HITS, MatchRank, PlaceGeometry, PlaceKind, PlaceLayer, PlaceSearch,
};
use std::sync::LazyLock;

static SEARCH: LazyLock<(PlaceLayer, PlaceSearch)> = LazyLock::new(|| {
    let (tenant, grid) = &*DEMO;
    let places = PlaceLayer::from_places(tenant.places.clone());
    let components = ComponentIndex::from_components(tenant.components.clone()).expect("ids");
    let search = PlaceSearch::build(grid, Some(&places), &components, |c| {
        format!("部件 {}", c.type_code)
    });
    (places, search)
});

/// Metres from a point to a line (local equirectangular frame; fine at county scale).
fn metres_to_line(lon: f64, lat: f64, line: &LineString) -> f64 {
    let kx = 111_195.08 * lat.to_radians().cos();
    let local = line.map_coords(|c| Coord {
        x: (c.x - lon) * kx,
        y: (c.y - lat) * 111_195.08,
    });
    Euclidean.distance(&Point::new(0.0, 0.0), &local)
}

fn road_lines(name: &str) -> Vec<LineString> {
    SEARCH
        .0
        .places()
        .iter()
        .filter(|p| p.name == name && p.kind == PlaceKind::Road)
        .filter_map(|p| match &p.geometry {
            PlaceGeometry::Line(l) => Some(l.clone()),
            PlaceGeometry::Point(_) => None,
        })
        .collect()
}

#[test]
fn a_road_by_its_initials_lands_on_the_road_nearest_the_centre() {
    let centre = (103.84, 36.055);
    let hits = SEARCH.1.search("zyl", Some(centre), 20);
    let first = hits.first().expect("张掖路 by zyl");
    assert_eq!((first.kind, first.name.as_str()), (HitKind::Road, "张掖路"));
    assert_eq!(first.rank, MatchRank::PinyinPrefix);
    let lines = road_lines("张掖路");
    assert!(!lines.is_empty());
    // The pin is on the road …
    let on = lines
        .iter()
        .map(|l| metres_to_line(first.lon, first.lat, l))
        .fold(f64::INFINITY, f64::min);
    assert!(on < 0.5, "pin {on:.2} m off the road");
    // … at the road's nearest point to the centre (brute force over its segments).
    let nearest = lines
        .iter()
        .map(|l| metres_to_line(centre.0, centre.1, l))
        .fold(f64::INFINITY, f64::min);
    assert!(
        (first.distance_m - nearest).abs() < 1.0,
        "{} vs {nearest}",
        first.distance_m
    );
}

#[test]
fn every_demo_road_and_place_is_found_by_initials_and_by_name() {
    let (tenant, _) = &*DEMO;
    for place in &tenant.places {
        let initials: String = place
            .name
            .chars()
            .filter_map(|c| {
                use pinyin::ToPinyin;
                c.to_pinyin().map(|p| p.first_letter().to_owned())
            })
            .collect();
        let by_initials = SEARCH.1.search(&initials, None, MAX_HITS);
        assert!(
            by_initials.iter().any(|h| h.name == place.name),
            "{} not found by {initials}",
            place.name
        );
        let by_name = SEARCH.1.search(&place.name, None, 5);
        assert_eq!(by_name[0].name, place.name);
        assert_eq!(by_name[0].rank, MatchRank::Exact);
    }
}

#[test]
fn equal_matches_rank_by_distance_from_the_centre() {
    // Every community's place kinds repeat: 广场 matches about a hundred places.
    let centre = (103.83, 36.06);
    let hits = SEARCH.1.search("广场", Some(centre), MAX_HITS);
    assert!(hits.len() > 10);
    for w in hits.windows(2) {
        assert!(w[0].rank <= w[1].rank);
        if w[0].rank == w[1].rank {
            assert!(
                w[0].distance_m <= w[1].distance_m,
                "{:?} before {:?}",
                w[0],
                w[1]
            );
        }
    }
    let far = SEARCH.1.search("广场", Some((103.90, 36.03)), 1);
    assert_ne!(
        hits[0].name, far[0].name,
        "the centre decides which comes first"
    );
}

#[test]
fn cells_and_components_by_code() {
    let (tenant, grid) = &*DEMO;
    let cell = &grid.cells()[123];
    let code = cell.code.to_string();
    let hits = SEARCH.1.search(&code, None, 5);
    assert_eq!(
        (hits[0].kind, hits[0].rank),
        (HitKind::Cell, MatchRank::Exact)
    );
    assert!(
        cell.covers(hits[0].lon, hits[0].lat),
        "the pin is in the cell"
    );
    // The last digits of a code find it too.
    let tail = &code[code.len() - 6..];
    assert!(
        SEARCH
            .1
            .search(tail, None, MAX_HITS)
            .iter()
            .any(|h| h.name == code && h.rank == MatchRank::Substring)
    );
    let component = &tenant.components[4321];
    let id = component.id.to_string();
    let hits = SEARCH.1.search(&id, None, 3);
    assert_eq!(
        (hits[0].kind, hits[0].name.as_str()),
        (HitKind::Component, id.as_str())
    );
    assert_eq!((hits[0].lon, hits[0].lat), (component.lon, component.lat));
    assert!(hits[0].detail.starts_with("部件 "));
}

#[test]
fn a_community_pin_lies_inside_the_community() {
    let (_, grid) = &*DEMO;
    let cell = &grid.cells()[777];
    let hits = SEARCH.1.search(&cell.community, None, 20);
    let hit = hits
        .iter()
        .find(|h| h.kind == HitKind::Community && h.detail == cell.street)
        .expect("the community");
    let inside = grid
        .cells()
        .iter()
        .filter(|c| c.code.community_code() == cell.code.community_code())
        .any(|c| c.covers(hit.lon, hit.lat));
    assert!(inside, "{hit:?}");
    let street = SEARCH.1.search(&cell.street, None, 5);
    assert!(
        street
            .iter()
            .any(|h| h.kind == HitKind::Street && h.name == cell.street)
    );
}

#[test]
fn hostile_queries_give_bounded_answers() {
    let long = "张".repeat(10_000);
    assert!(SEARCH.1.search(&long, None, 10).is_empty());
    assert!(SEARCH.1.search("a", None, usize::MAX).len() <= MAX_HITS);
    assert!(SEARCH.1.search("\u{0}\u{202e}😀", None, 10).is_empty());
    assert!(
        SEARCH
            .1
            .search("zyl", Some((f64::NAN, f64::INFINITY)), 3)
            .len()
            <= 3
    );
    assert!(SEARCH.1.search("zyl", None, 0).is_empty());
}
