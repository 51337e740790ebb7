//! The patrol figures against hand-computed ones on a two-cell fixture, the sampler's battery
//! behaviour on scripted walks, and an 8-hour patrol's record size.

use super::sim::{Leg, Script};
use super::*;
use crate::codes::{CountyCode, GridCode};
use crate::grid::metric::LocalFrame;
use crate::grid::{Cell, GridIndex};
use crate::model::SourceChannel;
use geo::{LineString, Polygon};
use std::collections::BTreeSet;

const LON0: f64 = 103.83;
const LAT0: f64 = 36.06;
/// 2026-12-01 08:00 Asia/Shanghai.
const T0: i64 = 1_796_083_200;

fn frame() -> LocalFrame {
    LocalFrame::at(LON0, LAT0)
}

fn code(n: u16) -> GridCode {
    let county = CountyCode::parse("620102").expect("county");
    GridCode::new(county, 1, 1, n).expect("code")
}

/// Cells A (x 0–100 m) and B (x 100–200 m), both y 0–100 m, east of (LON0, LAT0).
fn grid() -> GridIndex {
    let f = frame();
    let cell = |n: u16, x0: f64| {
        let c = |x: f64, y: f64| {
            let p = f.unproject(x, y);
            (p.x(), p.y())
        };
        let ring = LineString::from(vec![
            c(x0, 0.0),
            c(x0 + 100.0, 0.0),
            c(x0 + 100.0, 100.0),
            c(x0, 100.0),
            c(x0, 0.0),
        ]);
        Cell {
            code: code(n),
            street: "街道".into(),
            community: "社区".into(),
            departments: Vec::new(),
            polygon: Polygon::new(ring, Vec::new()),
            more: Vec::new(),
        }
    };
    GridIndex::from_cells(vec![cell(1, 0.0), cell(2, 100.0)]).expect("grid")
}

fn at(t: i64, x: f64, y: f64) -> TrackPoint {
    let p = frame().unproject(x, y);
    TrackPoint {
        t: T0 + t,
        lon: p.x(),
        lat: p.y(),
        accuracy_m: 5.0,
    }
}

/// Along y = 50: five points in A, a walk into B, a ten-minute stop, a tunnel (600 s, 300 m,
/// not counted) and 20 m outside every cell.
fn day() -> Vec<TrackPoint> {
    vec![
        at(0, 5.0, 50.0),
        at(20, 25.0, 50.0),
        at(40, 45.0, 50.0),
        at(60, 65.0, 50.0),
        at(80, 85.0, 50.0),
        at(100, 105.0, 50.0),
        at(120, 125.0, 50.0),
        at(720, 125.0, 50.0),
        at(740, 145.0, 50.0),
        at(1340, 445.0, 50.0),
        at(1360, 465.0, 50.0),
    ]
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 0.01 * b.abs().max(1.0)
}

#[test]
fn coverage_of_the_fixture_day_is_the_hand_computed_one() {
    let grid = grid();
    let rules = CoverageRules {
        outside_tolerance_m: 10.0,
        ..CoverageRules::default()
    };
    let cov = Coverage::new(&grid, rules);
    let assigned: BTreeSet<_> = [code(1)].into();
    let d = cov.day(&day(), &assigned);
    // By hand: counted segments 5 × 20 m in A (100 s), 20 m + a 600 s stop + 20 m in B (640 s),
    // the tunnel not counted, 20 m outside every cell (20 s).
    assert!(close(d.metres, 160.0), "{}", d.metres);
    assert_eq!(d.seconds, 760);
    let a = d.cells[&code(1)];
    let b = d.cells[&code(2)];
    assert_eq!((a.points, a.seconds), (5, 100));
    assert!(close(a.metres, 100.0), "{}", a.metres);
    assert_eq!((b.points, b.seconds), (4, 640));
    assert!(close(b.metres, 40.0), "{}", b.metres);
    assert_eq!(d.cells.len(), 2);
    // Outside A by more than 10 m: B's three segments (merged into one stretch) and the last.
    assert_eq!(
        d.outside,
        vec![(T0 + 100, T0 + 740), (T0 + 1340, T0 + 1360)]
    );
    assert_eq!(d.outside_seconds, 660);
    assert!(close(d.outside_metres, 60.0), "{}", d.outside_metres);
    // With the default 50 m tolerance B's segments are near enough; the last is not.
    let d = Coverage::new(&grid, CoverageRules::default()).day(&day(), &assigned);
    assert_eq!(d.outside, vec![(T0 + 1340, T0 + 1360)]);
}

#[test]
fn period_coverage_rate_counts_assigned_cell_days() {
    let grid = grid();
    let cov = Coverage::new(&grid, CoverageRules::default());
    let both: BTreeSet<_> = [code(1), code(2)].into();
    let day1 = cov.day(&day(), &both);
    let only_a: Vec<_> = day().into_iter().take(5).collect();
    let day2 = cov.day(&only_a, &both);
    let p = coverage::InspectorPeriod::of([(&day1, &both), (&day2, &both)]);
    assert_eq!(
        (p.days, p.assigned_cell_days, p.visited_cell_days),
        (2, 4, 3)
    );
    assert!(close(p.coverage_rate, 0.75));
    assert!(close(p.metres, 160.0 + 80.0), "{}", p.metres);
    assert_eq!(p.seconds, 760 + 80);
    let none = coverage::InspectorPeriod::of([]);
    assert_eq!(none.coverage_rate, 0.0);
}

#[test]
fn duty_figures_are_the_hand_computed_ones() {
    let shift = Shift {
        start: T0,
        end: T0 + 8 * 3600,
        cells: [code(1)].into(),
    };
    let sign = |t: i64, kind| duty::SignEvent {
        t: T0 + t,
        kind,
        lon: LON0 + 0.0001,
        lat: LAT0 + 0.0001,
    };
    use duty::SignKind::{In, Out};
    // 08:10 in, 12:00 out, 13:00 in, no sign-out: 3 h 50 min + 3 h.
    let d = DutyDay::of(
        &shift,
        &[
            sign(13 * 3600 - 8 * 3600, In),
            sign(600, In),
            sign(4 * 3600, Out),
        ],
        |_, _| true,
    );
    assert_eq!(d.on_duty_s, 24_600);
    assert!(close(d.rate, 24_600.0 / 28_800.0));
    assert_eq!((d.late_s, d.early_leave_s), (600, 0));
    assert!(d.present && d.missing_sign_out && !d.stray_sign_out && !d.signed_outside);
    // 07:50 in (counted from 08:00), 15:30 out, signed in outside the area.
    let d = DutyDay::of(&shift, &[sign(-600, In), sign(27_000, Out)], |_, _| false);
    assert_eq!((d.on_duty_s, d.late_s, d.early_leave_s), (27_000, 0, 1_800));
    assert!(d.signed_outside && !d.missing_sign_out);
    // No sign-in at all; a stray sign-out.
    let d = DutyDay::of(&shift, &[sign(100, Out)], |_, _| true);
    assert_eq!((d.on_duty_s, d.rate), (0, 0.0));
    assert!(!d.present && d.stray_sign_out);
}

#[test]
fn missed_is_found_for_the_walk_past_and_not_elsewhere() {
    let grid = grid();
    let cov = Coverage::new(&grid, CoverageRules::default());
    let segs = cov.segments(&day());
    let rule = MissedRule::default();
    let place = |x: f64, y: f64| {
        let p = frame().unproject(x, y);
        Some((p.x(), p.y()))
    };
    let case = |loc, hours_after: i64, source| PatrolCase {
        reported_at: T0 + hours_after * 3600,
        location: loc,
        source,
    };
    // A problem 12 m from the walked line in A, reported by the public two hours later.
    let m = rule
        .check(
            &case(place(50.0, 62.0), 2, SourceChannel::PublicHotline),
            &segs,
            &[],
        )
        .expect("missed");
    assert!(close(m.distance_m, 12.0), "{}", m.distance_m);
    assert_eq!((m.segment.from.t, m.segment.to.t), (T0 + 40, T0 + 60));
    // Never walked near (the far corner of B), too late (26 h), the inspector's own channel,
    // no location, and the tunnel (the gap segment does not count).
    for c in [
        case(place(195.0, 95.0), 2, SourceChannel::PublicHotline),
        case(place(50.0, 62.0), 26, SourceChannel::PublicHotline),
        case(place(50.0, 62.0), 2, SourceChannel::InspectorPatrol),
        case(None, 2, SourceChannel::PublicApp),
        case(place(300.0, 50.0), 1, SourceChannel::VideoAnalytics),
    ] {
        assert_eq!(rule.check(&c, &segs, &[]), None, "{c:?}");
    }
    // A case reported before the walk is not 漏报 either.
    let before = PatrolCase {
        reported_at: T0 - 60,
        ..case(place(50.0, 62.0), 0, SourceChannel::Superior)
    };
    assert_eq!(rule.check(&before, &segs, &[]), None);
    // A lone point counts as track.
    let lone = [at(30, 50.0, 55.0)];
    assert!(
        rule.check(
            &case(place(50.0, 62.0), 1, SourceChannel::PublicApp),
            &[],
            &lone
        )
        .is_some()
    );
}

fn script(legs: Vec<Leg>) -> Script {
    Script {
        start: (LON0, LAT0),
        t0: T0,
        legs,
        noise_m: 4.0,
        seed: 7,
    }
}

fn east(m: f64) -> (f64, f64) {
    let p = frame().unproject(m, 0.0);
    (p.x(), p.y())
}

#[test]
fn standing_still_records_nothing_and_walking_records_by_distance() {
    let cfg = SamplerConfig::default();
    let still = script(vec![Leg::Stop { seconds: 3600 }]).run(cfg);
    assert_eq!(still.points.len(), 2, "{:?}", still.points);
    // One fix per 5 s for the first minute, then one per 30 s: about 130 an hour.
    assert!(still.fixes <= 135, "{} fixes", still.fixes);
    let (lon, lat) = east(4680.0);
    let walk = script(vec![Leg::Walk {
        lon,
        lat,
        speed_mps: 1.3,
    }])
    .run(cfg);
    // 4,680 m at one point per 15 m or more: about 300, never more than 4,680 / 15 + 1.
    assert!(
        (200..=313).contains(&walk.points.len()),
        "{}",
        walk.points.len()
    );
    assert!(walk.points.windows(2).all(|w| w[0].t < w[1].t));
    assert!(walk.fixes >= 700, "{} fixes", walk.fixes);
}

#[test]
fn a_stop_between_walks_keeps_its_time_and_a_tunnel_does_not() {
    let (a, b, c) = (east(300.0), east(600.0), east(1200.0));
    let run = script(vec![
        Leg::Walk {
            lon: a.0,
            lat: a.1,
            speed_mps: 1.2,
        },
        Leg::Stop { seconds: 1200 },
        Leg::Walk {
            lon: b.0,
            lat: b.1,
            speed_mps: 1.2,
        },
        Leg::Gap {
            lon: c.0,
            lat: c.1,
            speed_mps: 1.2,
        },
    ])
    .run(SamplerConfig::default());
    let segs = segments(&run.points, &WalkRules::default());
    let counted: i64 = segs.iter().map(|s| s.seconds()).sum();
    // 250 s + 1,200 s + 250 s walked or stood; the 500 s tunnel is not counted. The sampler's
    // smoothing and distance step shave a little off the ends.
    assert!((1_550..=1_700).contains(&counted), "{counted} s");
    let metres: f64 = segs.iter().map(|s| s.metres).sum();
    assert!((540.0..=640.0).contains(&metres), "{metres} m");
    assert!(run.points.len() < 60, "{} points", run.points.len());
}

/// An 8-hour patrol ([`sim::patrol_loop`]: 1.2 m/s, ten-minute stops, a tunnel, 4 m noise).
#[test]
fn an_eight_hour_patrol_fits_in_twenty_kilobytes() {
    let run = sim::patrol_loop((LON0, LAT0), T0, 8.0, 11).run(SamplerConfig::default());
    let hours = (run.end - T0) as f64 / 3600.0;
    assert!((7.5..=8.5).contains(&hours), "{hours} h");
    // The device appends a block at each sync (every 20 s to 15 min): count one block per 50
    // points, a busy day's worth of syncs.
    let mut record = Vec::new();
    for chunk in run.points.chunks(50) {
        record.extend(encode_block(chunk));
    }
    assert!(record.len() <= 20 * 1024, "{} bytes", record.len());
    let back = decode(&record).expect("decode");
    assert_eq!(back.len(), run.points.len());
    println!(
        "8-hour patrol: {} fixes, {} points, {} bytes ({:.1} bytes/point)",
        run.fixes,
        run.points.len(),
        record.len(),
        record.len() as f64 / run.points.len() as f64
    );
}
