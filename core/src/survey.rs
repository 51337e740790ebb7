//! 专项普查: a special survey the centre sends inspectors on — every broken 井盖 of a street,
//! every illegal billboard of an area — and its progress.
//!
//! A [`SurveyTask`] names what to look for (categories), where (cells given to each assigned
//! inspector, and optionally the components to check in them), and by when. Inspectors answer
//! with [`SurveyMark`]s: a normal report linked to the task ([`Finding::Reported`]) or "checked,
//! nothing found" ([`Finding::NothingFound`]) for a cell or a component. [`SurveyTask::check`]
//! is the gate for a mark from a device; [`SurveyTask::progress`] gives the state of every cell
//! and every inspector.
//!
//! Invariants: pure; a mark is accepted only from an inspector the task assigns to the mark's
//! cell, for a cell of the task, a component listed for that cell, and a time within the task's
//! window (a mark after the due time is accepted and counted late); a report outweighs "nothing
//! found" for the same cell or component (two inspectors, or the same one coming back); marks
//! are idempotent (the same mark twice counts once).

use crate::codes::{CategoryRef, ComponentId, GridCode};
use crate::model::{CaseId, SurveyId, Timestamp, UserId};
use std::collections::{BTreeMap, BTreeSet};

/// A special survey task.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SurveyTask {
    /// Its id.
    pub id: SurveyId,
    /// Its title (e.g. 城关区井盖专项普查).
    pub title: String,
    /// What to look for.
    pub categories: Vec<CategoryRef>,
    /// Each assigned inspector's cells.
    pub assignments: BTreeMap<UserId, BTreeSet<GridCode>>,
    /// Components to check one by one, per cell (empty: the cell as a whole is checked).
    pub components: BTreeMap<GridCode, BTreeSet<ComponentId>>,
    /// When the survey starts.
    pub starts_at: Timestamp,
    /// When it is due.
    pub due_at: Timestamp,
}

/// What a mark is about.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// A cell as a whole.
    Cell,
    /// One component of the cell.
    Component(ComponentId),
}

/// What the inspector found.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Finding {
    /// A problem, reported as this case (linked to the task).
    Reported(CaseId),
    /// Checked, nothing found.
    NothingFound,
}

/// An inspector's answer for a cell or a component.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct SurveyMark {
    /// The inspector.
    pub inspector: UserId,
    /// The cell.
    pub cell: GridCode,
    /// The cell as a whole or one of its components.
    pub target: Target,
    /// What was found.
    pub finding: Finding,
    /// When (the device's time of the mark).
    pub at: Timestamp,
}

/// Why a mark was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SurveyError {
    /// The inspector is not assigned to this cell of the task.
    #[error("该网格未分配给此监督员")]
    NotAssigned,
    /// The component is not one the task lists for the cell.
    #[error("该部件不在本次普查范围内")]
    UnknownComponent,
    /// Before the survey started.
    #[error("普查尚未开始")]
    TooEarly,
}

impl SurveyError {
    /// The error code the server and the app report.
    pub fn code(&self) -> &'static str {
        match self {
            SurveyError::NotAssigned => "survey_not_assigned",
            SurveyError::UnknownComponent => "survey_unknown_component",
            SurveyError::TooEarly => "survey_not_started",
        }
    }
}

/// The state of one cell or component.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Status {
    /// Not checked yet.
    #[default]
    Pending,
    /// Checked, nothing found.
    Clear,
    /// Problems reported (how many cases).
    Found(u32),
}

impl Status {
    fn done(self) -> bool {
        self != Status::Pending
    }
}

/// A cell's progress.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CellProgress {
    /// What the cell holds so far (for a cell with components, their reports added up).
    pub status: Status,
    /// Checked: for a cell with components, every component; otherwise the cell.
    pub done: bool,
    /// Each listed component's state.
    pub components: BTreeMap<ComponentId, Status>,
    /// Marks made after the due time.
    pub late_marks: u32,
}

/// An inspector's progress.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct InspectorProgress {
    /// Cells assigned.
    pub cells: u32,
    /// Of those, done (clear or with reports).
    pub done: u32,
    /// Cases the inspector reported for the task.
    pub reported: u32,
    /// "Nothing found" marks the inspector made.
    pub clear_marks: u32,
}

/// The survey's progress.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Progress {
    /// Per cell of the task.
    pub cells: BTreeMap<GridCode, CellProgress>,
    /// Per assigned inspector.
    pub inspectors: BTreeMap<UserId, InspectorProgress>,
    /// Cells done ÷ cells of the task (0 for a task with no cell).
    pub rate: f64,
    /// Distinct cases reported for the task.
    pub reported: u32,
}

fn merge(status: Status, finding: Finding, cases: &mut BTreeSet<CaseId>) -> Status {
    match finding {
        Finding::Reported(case) => {
            cases.insert(case);
            Status::Found(cases.len() as u32)
        }
        Finding::NothingFound => match status {
            Status::Pending => Status::Clear,
            other => other,
        },
    }
}

impl SurveyTask {
    /// Every cell of the task.
    pub fn cells(&self) -> BTreeSet<GridCode> {
        self.assignments.values().flatten().copied().collect()
    }

    /// The gate for a mark from a device.
    pub fn check(&self, mark: &SurveyMark) -> Result<(), SurveyError> {
        if !self
            .assignments
            .get(&mark.inspector)
            .is_some_and(|cells| cells.contains(&mark.cell))
        {
            return Err(SurveyError::NotAssigned);
        }
        if let Target::Component(id) = mark.target
            && !self
                .components
                .get(&mark.cell)
                .is_some_and(|c| c.contains(&id))
        {
            return Err(SurveyError::UnknownComponent);
        }
        if mark.at < self.starts_at {
            return Err(SurveyError::TooEarly);
        }
        Ok(())
    }

    /// The progress from the accepted marks (any order; marks the gate refuses are ignored).
    pub fn progress(&self, marks: &[SurveyMark]) -> Progress {
        let mut out = Progress::default();
        for cell in self.cells() {
            let components = self
                .components
                .get(&cell)
                .map(|ids| ids.iter().map(|id| (*id, Status::Pending)).collect())
                .unwrap_or_default();
            out.cells.insert(
                cell,
                CellProgress {
                    components,
                    ..CellProgress::default()
                },
            );
        }
        let mut cases: BTreeMap<(GridCode, Target), BTreeSet<CaseId>> = BTreeMap::new();
        let mut all_cases = BTreeSet::new();
        let mut by_inspector: BTreeMap<UserId, (BTreeSet<CaseId>, u32)> = BTreeMap::new();
        let unique: BTreeSet<&SurveyMark> = marks.iter().collect();
        for m in unique.into_iter().filter(|m| self.check(m).is_ok()) {
            let Some(cell) = out.cells.get_mut(&m.cell) else {
                continue;
            };
            if m.at > self.due_at {
                cell.late_marks += 1;
            }
            let found = cases.entry((m.cell, m.target)).or_default();
            match m.target {
                Target::Cell => cell.status = merge(cell.status, m.finding, found),
                Target::Component(id) => {
                    if let Some(s) = cell.components.get_mut(&id) {
                        *s = merge(*s, m.finding, found);
                    }
                }
            }
            let mine = by_inspector.entry(m.inspector).or_default();
            match m.finding {
                Finding::Reported(case) => {
                    all_cases.insert(case);
                    mine.0.insert(case);
                }
                Finding::NothingFound => mine.1 += 1,
            }
        }
        // A cell with components is done when every component is; it is Found with the sum.
        for cell in out.cells.values_mut() {
            if cell.components.is_empty() {
                cell.done = cell.status.done();
                continue;
            }
            let found: u32 = cell
                .components
                .values()
                .map(|s| match s {
                    Status::Found(n) => *n,
                    _ => 0,
                })
                .sum();
            let all_done = cell.components.values().all(|s| s.done());
            cell.done = all_done;
            cell.status = match (found, all_done, cell.status) {
                (n, _, Status::Found(m)) => Status::Found(n + m),
                (0, true, _) => Status::Clear,
                (0, false, _) => Status::Pending,
                (n, _, _) => Status::Found(n),
            };
        }
        for (inspector, cells) in &self.assignments {
            let (reported, clear) = by_inspector.remove(inspector).unwrap_or_default();
            out.inspectors.insert(
                *inspector,
                InspectorProgress {
                    cells: cells.len() as u32,
                    done: cells
                        .iter()
                        .filter(|c| out.cells.get(c).is_some_and(|p| p.done))
                        .count() as u32,
                    reported: reported.len() as u32,
                    clear_marks: clear,
                },
            );
        }
        let done = out.cells.values().filter(|c| c.done).count();
        if !out.cells.is_empty() {
            out.rate = done as f64 / out.cells.len() as f64;
        }
        out.reported = all_cases.len() as u32;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::{CategoryCode, CategoryKind, CountyCode};

    fn cell(n: u16) -> GridCode {
        GridCode::new(CountyCode::parse("620102").expect("county"), 1, 1, n).expect("cell")
    }
    fn comp(n: u32) -> ComponentId {
        ComponentId::parse(&format!("62010201011{n:06}")).expect("component")
    }
    fn user(n: u8) -> UserId {
        UserId::from_parts(1_790_000_000_000, [n; 10])
    }
    fn case(n: u8) -> CaseId {
        CaseId::from_parts(1_790_000_000_000, [n; 10])
    }
    const T: i64 = 1_796_083_200_000;

    /// 井盖 survey: inspector 1 has cells 1–2 (cell 1 with manholes 1–3), inspector 2 cell 3.
    fn task() -> SurveyTask {
        SurveyTask {
            id: SurveyId::from_parts(1_790_000_000_000, [9; 10]),
            title: "井盖专项普查".into(),
            categories: vec![CategoryRef {
                kind: CategoryKind::Component,
                code: CategoryCode::parse("0101").expect("code"),
            }],
            assignments: [
                (user(1), [cell(1), cell(2)].into()),
                (user(2), [cell(3)].into()),
            ]
            .into(),
            components: [(cell(1), [comp(1), comp(2), comp(3)].into())].into(),
            starts_at: Timestamp(T),
            due_at: Timestamp(T + 3 * 86_400_000),
        }
    }

    fn mark(who: u8, c: u16, target: Target, finding: Finding, hours: i64) -> SurveyMark {
        SurveyMark {
            inspector: user(who),
            cell: cell(c),
            target,
            finding,
            at: Timestamp(T + hours * 3_600_000),
        }
    }

    #[test]
    fn the_gate_refuses_marks_outside_the_assignment() {
        let t = task();
        let ok = mark(1, 1, Target::Component(comp(2)), Finding::NothingFound, 1);
        assert_eq!(t.check(&ok), Ok(()));
        let cases = [
            (
                mark(2, 1, Target::Cell, Finding::NothingFound, 1),
                "survey_not_assigned",
            ),
            (
                mark(1, 3, Target::Cell, Finding::NothingFound, 1),
                "survey_not_assigned",
            ),
            (
                mark(1, 2, Target::Component(comp(1)), Finding::NothingFound, 1),
                "survey_unknown_component",
            ),
            (
                mark(1, 1, Target::Component(comp(9)), Finding::NothingFound, 1),
                "survey_unknown_component",
            ),
            (
                mark(1, 1, Target::Cell, Finding::NothingFound, -1),
                "survey_not_started",
            ),
        ];
        for (m, code) in cases {
            assert_eq!(t.check(&m).map_err(|e| e.code()), Err(code), "{m:?}");
        }
    }

    #[test]
    fn progress_per_cell_and_inspector() {
        let t = task();
        let marks = [
            // Inspector 1: manholes 1 and 2 clear, manhole 3 broken (reported twice: same case),
            // cell 2 clear on the fourth day (late), a refused mark for cell 3.
            mark(1, 1, Target::Component(comp(1)), Finding::NothingFound, 1),
            mark(1, 1, Target::Component(comp(2)), Finding::NothingFound, 2),
            mark(
                1,
                1,
                Target::Component(comp(3)),
                Finding::Reported(case(1)),
                3,
            ),
            mark(
                1,
                1,
                Target::Component(comp(3)),
                Finding::Reported(case(1)),
                3,
            ),
            mark(1, 2, Target::Cell, Finding::NothingFound, 80),
            mark(1, 3, Target::Cell, Finding::Reported(case(7)), 4),
            // Inspector 2: cell 3 first clear, then a problem found: the report wins.
            mark(2, 3, Target::Cell, Finding::NothingFound, 5),
            mark(2, 3, Target::Cell, Finding::Reported(case(2)), 6),
        ];
        let p = t.progress(&marks);
        assert_eq!(p.cells[&cell(1)].status, Status::Found(1));
        assert_eq!(p.cells[&cell(1)].components[&comp(2)], Status::Clear);
        assert_eq!(p.cells[&cell(2)].status, Status::Clear);
        assert_eq!(p.cells[&cell(2)].late_marks, 1);
        assert_eq!(p.cells[&cell(3)].status, Status::Found(1));
        assert_eq!(p.rate, 1.0);
        assert_eq!(p.reported, 2);
        let i1 = p.inspectors[&user(1)];
        assert_eq!(
            (i1.cells, i1.done, i1.reported, i1.clear_marks),
            (2, 2, 1, 3)
        );
        let i2 = p.inspectors[&user(2)];
        assert_eq!(
            (i2.cells, i2.done, i2.reported, i2.clear_marks),
            (1, 1, 1, 1)
        );
        // Half-way: only two manholes checked, nothing else.
        let p = t.progress(&marks[..2]);
        assert_eq!(p.cells[&cell(1)].status, Status::Pending);
        assert_eq!(p.rate, 0.0);
        assert_eq!(p.inspectors[&user(1)].done, 0);
        let p = t.progress(&marks[..3]);
        assert_eq!(p.cells[&cell(1)].status, Status::Found(1));
        assert!((p.rate - 1.0 / 3.0).abs() < 1e-9);
        // The broken manhole reported first, the other two not yet checked: not done.
        let p = t.progress(&marks[2..3]);
        assert_eq!(p.cells[&cell(1)].status, Status::Found(1));
        assert!(!p.cells[&cell(1)].done);
        assert_eq!(p.rate, 0.0);
    }
}
