//! Coverage: where an inspector's day went, cell by cell, and the period's 区域覆盖率.
//!
//! Per inspector and day ([`Coverage::day`]): each cell with a recorded point in it is visited;
//! each counted segment ([`super::walk`]) adds its metres and seconds to the cell holding its
//! midpoint; a counted segment whose midpoint is farther than `outside_tolerance_m` from every
//! assigned cell is time and distance outside the assigned area (flagged, with its times).
//!
//! Per inspector and period ([`InspectorPeriod::of`]): 区域覆盖率 = assigned cells visited on a
//! duty day ÷ assigned cells on duty days (a cell assigned on 20 days counts 20 times), 巡查里程
//! = metres of counted segments, and the totals outside the assigned area.
//!
//! Invariants: the figures depend only on the points, the grid and the rules; consecutive points
//! mostly fall in the same cell, so the last cell is tried before the grid's R-tree (on a shared
//! edge that cell keeps the point, where [`GridIndex::cell_at`] would give the lower code — a
//! difference of a point on a line).

use super::TrackPoint;
use super::walk::{Segment, WalkRules, segments};
use crate::codes::GridCode;
use crate::grid::metric::point_polygon_m;
use crate::grid::{Cell, GridIndex};
use std::collections::{BTreeMap, BTreeSet};

/// The coverage rules (tenant settings).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct CoverageRules {
    /// Which segments count.
    pub walk: WalkRules,
    /// A segment this close to an assigned cell is still inside the assigned area (a boundary
    /// road walked on its far side).
    pub outside_tolerance_m: f64,
}

impl Default for CoverageRules {
    fn default() -> Self {
        CoverageRules {
            walk: WalkRules::default(),
            outside_tolerance_m: 50.0,
        }
    }
}

/// One cell on one day.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CellDay {
    /// Recorded points in the cell.
    pub points: u32,
    /// Metres of counted segments whose midpoint is in the cell.
    pub metres: f64,
    /// Seconds of those segments.
    pub seconds: i64,
}

/// An inspector's day.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DayCoverage {
    /// The cells the day touched (a point in it, or a counted segment's midpoint).
    pub cells: BTreeMap<GridCode, CellDay>,
    /// Metres of every counted segment (巡查里程 of the day).
    pub metres: f64,
    /// Seconds of every counted segment.
    pub seconds: i64,
    /// Metres outside the assigned area.
    pub outside_metres: f64,
    /// Seconds outside the assigned area.
    pub outside_seconds: i64,
    /// The outside stretches, as (from, to) seconds since the epoch, merged when consecutive.
    pub outside: Vec<(i64, i64)>,
}

impl DayCoverage {
    /// Whether a point was recorded in `cell`.
    pub fn visited(&self, cell: &GridCode) -> bool {
        self.cells.get(cell).is_some_and(|c| c.points > 0)
    }
}

/// The coverage calculator over one tenant's grid.
#[derive(Clone, Copy, Debug)]
pub struct Coverage<'g> {
    grid: &'g GridIndex,
    rules: CoverageRules,
}

struct Locator<'g> {
    grid: &'g GridIndex,
    last: Option<&'g Cell>,
}

impl<'g> Locator<'g> {
    fn at(&mut self, lon: f64, lat: f64) -> Option<&'g Cell> {
        if let Some(c) = self.last
            && c.covers(lon, lat)
        {
            return Some(c);
        }
        let grid: &'g GridIndex = self.grid;
        self.last = grid.cell_at(lon, lat);
        self.last
    }
}

impl<'g> Coverage<'g> {
    /// A calculator over `grid` with `rules`.
    pub fn new(grid: &'g GridIndex, rules: CoverageRules) -> Self {
        Coverage { grid, rules }
    }

    /// Whether a position is inside the assigned area: in an assigned cell or within
    /// `outside_tolerance_m` of one (the test a sign-in's position is held to, and the one
    /// [`Coverage::day`] applies to a segment's midpoint).
    pub fn in_area(&self, lon: f64, lat: f64, assigned: &BTreeSet<GridCode>) -> bool {
        self.grid
            .cell_at(lon, lat)
            .is_some_and(|c| assigned.contains(&c.code))
            || self.near_assigned(lon, lat, assigned)
    }

    fn near_assigned(&self, lon: f64, lat: f64, assigned: &BTreeSet<GridCode>) -> bool {
        assigned
            .iter()
            .filter_map(|c| self.grid.cell(c))
            .any(|c: &Cell| {
                c.parts()
                    .any(|part| point_polygon_m(lon, lat, part) <= self.rules.outside_tolerance_m)
            })
    }

    /// The counted segments of a day (for playback and for 漏报 evidence).
    pub fn segments(&self, points: &[TrackPoint]) -> Vec<Segment> {
        segments(points, &self.rules.walk)
    }

    /// One inspector's day: `points` in time order, `assigned` the cells of their shift.
    pub fn day(&self, points: &[TrackPoint], assigned: &BTreeSet<GridCode>) -> DayCoverage {
        let mut out = DayCoverage::default();
        let mut loc = Locator {
            grid: self.grid,
            last: None,
        };
        for p in points {
            if let Some(c) = loc.at(p.lon, p.lat) {
                out.cells.entry(c.code).or_default().points += 1;
            }
        }
        for s in self.segments(points) {
            let (lon, lat) = s.midpoint();
            out.metres += s.metres;
            out.seconds += s.seconds();
            let cell = loc.at(lon, lat);
            if let Some(c) = cell {
                let e = out.cells.entry(c.code).or_default();
                e.metres += s.metres;
                e.seconds += s.seconds();
            }
            let inside = cell.is_some_and(|c| assigned.contains(&c.code))
                || self.near_assigned(lon, lat, assigned);
            if !inside {
                out.outside_metres += s.metres;
                out.outside_seconds += s.seconds();
                match out.outside.last_mut() {
                    Some(last) if last.1 == s.from.t => last.1 = s.to.t,
                    _ => out.outside.push((s.from.t, s.to.t)),
                }
            }
        }
        out
    }
}

/// One inspector's figures over a period.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct InspectorPeriod {
    /// Duty days in the period (days with a shift).
    pub days: u32,
    /// Σ over duty days of the assigned cells.
    pub assigned_cell_days: u32,
    /// Σ over duty days of the assigned cells visited that day.
    pub visited_cell_days: u32,
    /// 区域覆盖率: visited ÷ assigned cell-days (0 when nothing was assigned).
    pub coverage_rate: f64,
    /// 巡查里程 in metres.
    pub metres: f64,
    /// Seconds of counted patrol.
    pub seconds: i64,
    /// Metres outside the assigned area.
    pub outside_metres: f64,
    /// Seconds outside the assigned area.
    pub outside_seconds: i64,
}

impl InspectorPeriod {
    /// The period from its duty days: each day's coverage with that day's assigned cells.
    pub fn of<'a>(
        days: impl IntoIterator<Item = (&'a DayCoverage, &'a BTreeSet<GridCode>)>,
    ) -> Self {
        let mut out = InspectorPeriod::default();
        for (day, assigned) in days {
            out.days += 1;
            out.assigned_cell_days += assigned.len() as u32;
            out.visited_cell_days += assigned.iter().filter(|c| day.visited(c)).count() as u32;
            out.metres += day.metres;
            out.seconds += day.seconds;
            out.outside_metres += day.outside_metres;
            out.outside_seconds += day.outside_seconds;
        }
        if out.assigned_cell_days > 0 {
            out.coverage_rate =
                f64::from(out.visited_cell_days) / f64::from(out.assigned_cell_days);
        }
        out
    }
}
