//! Evaluation (综合评价): indicators for a period per region (cell, community, street,
//! tenant), per department and per position (监督员, 受理员, 值班长, 派遣员), with composite
//! scores and grades from a tenant's [`EvaluationPolicy`]. Formulas and every counting choice:
//! docs/evaluation.md.
//!
//! Pure: no I/O, no clock. The caller passes the cases folded as of the period end
//! ([`EvalCase::as_of`]), the tenant's cell → community/street names, its departments and
//! people, and the period. So any past period can be recomputed from the event log.
//!
//! Invariants: an act counts in the period that contains its act time (`from ≤ t < to`);
//! region and department figures follow the cases filed / dispatched in the period, position
//! figures the stays that fell due in it (acted on, or their limit ran out: see `position`); "on time" is the deadline module's verdict for the stay the act
//! ended (a stay without a limit is on time); a rate with no denominator has no value and drops
//! out of the composite, whose other weights are scaled up.

mod case;
mod department;
mod policy;
mod position;
mod region;
mod table;

#[cfg(test)]
mod tests;

pub use case::{ClockRules, EvalCase};
pub use department::{AssignmentFacts, assignment_facts};
pub use policy::{DEFAULT_POLICY, EvaluationPolicy, GradeBand, SECTIONS, Tier, Weights};
pub use position::POOL_ROW;
pub use region::{RegionFacts, region_facts};
pub use table::{Column, Figure, FigureKind, Level, Row, Table};

use crate::codes::GridCode;
use crate::model::{CaseId, DepartmentId, Role, Timestamp, UserId};
use std::collections::{BTreeMap, BTreeSet};

/// A half-open period `[from, to)`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Period {
    /// Start (inclusive).
    pub from: Timestamp,
    /// End (exclusive).
    pub to: Timestamp,
}

impl Period {
    /// Whether `t` falls in the period.
    pub fn contains(&self, t: Timestamp) -> bool {
        self.from <= t && t < self.to
    }

    /// Whether an optional time falls in the period.
    pub fn holds(&self, t: Option<Timestamp>) -> bool {
        t.is_some_and(|t| self.contains(t))
    }
}

/// Names of a cell's community and street (the tenant's cell table).
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct CellNames {
    /// The cell's own name (may be empty).
    pub cell: String,
    /// 社区 name.
    pub community: String,
    /// 街道 name.
    pub street: String,
}

/// A person of the tenant.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Person {
    /// Display name.
    pub name: String,
    /// The account's role.
    pub role: Role,
    /// Grid cells given to an inspector (for 漏报).
    pub cells: Vec<GridCode>,
}

/// Everything an evaluation reads besides the cases.
#[derive(Clone, Debug, Default)]
pub struct Directory {
    /// The tenant's code and name.
    pub tenant: (String, String),
    /// Cell → names. Communities and streets are identified by the cell code's 12- and
    /// 9-digit prefixes; a cell missing here is still evaluated, named by its codes.
    pub cells: BTreeMap<GridCode, CellNames>,
    /// Departments by id.
    pub departments: BTreeMap<DepartmentId, String>,
    /// People by id.
    pub people: BTreeMap<UserId, Person>,
    /// Exact 漏报 from patrol tracks: per inspector, the cases [`crate::patrol::MissedRule`]
    /// found they walked past. When present it replaces the approximation (every confirmed
    /// public report in the inspector's cells); `None` while a tenant records no tracks.
    pub patrol_missed: Option<BTreeMap<UserId, BTreeSet<CaseId>>>,
}

/// Evaluates one level for a period.
pub fn evaluate(
    level: Level,
    cases: &[EvalCase],
    dir: &Directory,
    period: Period,
    policy: &EvaluationPolicy,
) -> Table {
    match level {
        Level::Cell | Level::Community | Level::Street | Level::Tenant => {
            region::evaluate(level, cases, dir, period, policy)
        }
        Level::Department => department::evaluate(cases, dir, period, policy),
        Level::Inspector | Level::IntakeOperator | Level::ShiftLeader | Level::Dispatcher => {
            position::evaluate(level, cases, dir, period, policy)
        }
    }
}
