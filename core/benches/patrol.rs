//! Patrol figures at a centre's scale: coverage (per cell and day, then 区域覆盖率 and 巡查里程
//! per inspector) for 100 inspectors × 30 days of 8-hour patrols over the demo grid (3,000
//! cells), and the 漏报 check of 1,000 public reports against those tracks. The tracks are made
//! once by the scripted walks of `patrol::sim` through the real sampler (GPS noise, stops, a
//! tunnel). Prints the record size and the battery proxy. Figures: docs/performance.md.
// `criterion_group!` generates a public function without docs.
#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use geo::Centroid;
use gridcase_core::codes::GridCode;
use gridcase_core::demo::DemoTenant;
use gridcase_core::grid::GridIndex;
use gridcase_core::model::SourceChannel;
use gridcase_core::patrol::coverage::{DayCoverage, InspectorPeriod};
use gridcase_core::patrol::sim::{Leg, Script, patrol_loop};
use gridcase_core::patrol::{
    Coverage, CoverageRules, MissedRule, PatrolCase, SamplerConfig, Segment, TrackPoint,
    encode_block,
};
use std::collections::BTreeSet;
use std::hint::black_box;

const INSPECTORS: usize = 100;
const DAYS: usize = 30;
/// 2026-11-01 08:00 Asia/Shanghai.
const T0: i64 = 1_793_491_200;

struct Inspector {
    days: Vec<Vec<TrackPoint>>,
    assigned: BTreeSet<GridCode>,
}

fn tracks(grid: &GridIndex) -> Vec<Inspector> {
    let cells = grid.cells();
    (0..INSPECTORS)
        .map(|i| {
            let cell = &cells[(i * 29) % cells.len()];
            let start = cell
                .polygon
                .centroid()
                .map_or((103.83, 36.06), |p| (p.x(), p.y()));
            let days: Vec<_> = (0..DAYS)
                .map(|d| {
                    patrol_loop(start, T0 + d as i64 * 86_400, 8.0, (i * DAYS + d) as u64)
                        .run(SamplerConfig::default())
                        .points
                })
                .collect();
            // The cells of the first day's walk are the inspector's 责任网格.
            let assigned = days[0]
                .iter()
                .filter_map(|p| grid.cell_at(p.lon, p.lat).map(|c| c.code))
                .collect();
            Inspector { days, assigned }
        })
        .collect()
}

fn coverage_all(cov: &Coverage<'_>, all: &[Inspector]) -> Vec<InspectorPeriod> {
    all.iter()
        .map(|insp| {
            let days: Vec<DayCoverage> = insp
                .days
                .iter()
                .map(|d| cov.day(d, &insp.assigned))
                .collect();
            InspectorPeriod::of(days.iter().map(|d| (d, &insp.assigned)))
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let tenant = DemoTenant::generate(2026);
    let grid = GridIndex::from_cells(tenant.cells.clone()).expect("demo grid");
    let all = tracks(&grid);
    let points: usize = all.iter().flat_map(|i| &i.days).map(Vec::len).sum();
    let bytes: usize = all
        .iter()
        .flat_map(|i| &i.days)
        .map(|d| d.chunks(50).map(|c| encode_block(c).len()).sum::<usize>())
        .sum();
    println!(
        "{INSPECTORS} inspectors × {DAYS} days: {points} points, {:.0} points and {:.1} KB per inspector-day",
        points as f64 / (INSPECTORS * DAYS) as f64,
        bytes as f64 / (INSPECTORS * DAYS) as f64 / 1024.0
    );
    // Battery proxy: fixes taken and points recorded per hour, walking and standing.
    let p = (103.83, 36.06);
    let walk = Script {
        start: p,
        t0: T0,
        legs: vec![Leg::Walk {
            lon: p.0 + 0.0516,
            lat: p.1,
            speed_mps: 1.3,
        }],
        noise_m: 4.0,
        seed: 1,
    }
    .run(SamplerConfig::default());
    let stand = Script {
        start: p,
        t0: T0,
        legs: vec![Leg::Stop { seconds: 3600 }],
        noise_m: 4.0,
        seed: 1,
    }
    .run(SamplerConfig::default());
    let hours = |s: &gridcase_core::patrol::sim::Run| (s.end - T0) as f64 / 3600.0;
    println!(
        "battery proxy: walking {:.0} fixes/h, {:.0} points/h; standing {:.0} fixes/h, {:.0} points/h",
        walk.fixes as f64 / hours(&walk),
        walk.points.len() as f64 / hours(&walk),
        stand.fixes as f64 / hours(&stand),
        stand.points.len() as f64 / hours(&stand)
    );

    let cov = Coverage::new(&grid, CoverageRules::default());
    let periods = coverage_all(&cov, &all);
    let mean = periods.iter().map(|p| p.coverage_rate).sum::<f64>() / periods.len() as f64;
    println!("mean 区域覆盖率 {:.1} %", 100.0 * mean);
    let mut group = c.benchmark_group("patrol");
    group.sample_size(10);
    group.bench_function("coverage 100 inspectors x 30 days", |b| {
        b.iter(|| black_box(coverage_all(&cov, &all)))
    });
    // 漏报: 1,000 reports, each checked against the tracks of the inspector of its cell.
    let segs: Vec<Vec<Segment>> = all
        .iter()
        .map(|i| i.days.iter().flat_map(|d| cov.segments(d)).collect())
        .collect();
    let rule = MissedRule::default();
    let cases: Vec<(usize, PatrolCase)> = (0..1000)
        .map(|k| {
            let who = k % INSPECTORS;
            let day = &all[who].days[k % DAYS];
            let p = day[(k * 7) % day.len()];
            let case = PatrolCase {
                reported_at: p.t + 3600,
                location: Some((p.lon + 0.0002, p.lat)),
                source: SourceChannel::PublicHotline,
            };
            (who, case)
        })
        .collect();
    group.bench_function("missed 1000 reports", |b| {
        b.iter(|| {
            cases
                .iter()
                .filter(|(who, c)| rule.check(c, &segs[*who], &[]).is_some())
                .count()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
