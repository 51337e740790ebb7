//! The tenant's department tree and the reference-data checks of 下派 (sub-dispatch;
//! docs/departments.md).
//!
//! A 二级 unit (专业部门, the department the centre dispatches to) may have child units: its
//! 三级 units and 作业班组. The tree is one level deep — a unit with a parent has no children —
//! and names only the tenant's own departments, so a unit of another tenant is never anyone's
//! child. It is read from the tenant file `department_units.csv` (columns `unit`, `parent`: the
//! departments' codes) and handed to devices with the reference data.
//!
//! The fold decides what the events alone decide (the 下派 comes from the case's department
//! while the case is in handling, its deadline is after the act, one 下派 open at a time; see
//! `workflow::fold`). What needs reference data is checked here, by the server's write path on
//! every pushed `sub_dispatch` and by the app before it writes one ([`check_sub_dispatch`]):
//! the unit is a child of the actor's department, and its deadline is not later than the
//! parent's handling deadline at that point. Pure: no I/O, no clock.

use crate::demo::rows::Rows;
use crate::error::DataFileError;
use crate::model::{DepartmentId, Timestamp};
use std::collections::BTreeMap;
use thiserror::Error;

/// Parent of each child unit (child → parent), one level deep.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DepartmentTree {
    parents: BTreeMap<DepartmentId, DepartmentId>,
}

/// Why a tree could not be built.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum TreeError {
    /// A unit named as its own parent.
    #[error("单位 {0} 不能是自己的上级")]
    OwnParent(DepartmentId),
    /// A unit given two parents.
    #[error("单位 {0} 有两个上级")]
    TwoParents(DepartmentId),
    /// A child unit that is itself a parent (the tree is one level deep).
    #[error("单位 {0} 既有上级又有下级（只支持二级 → 三级/班组一层）")]
    TooDeep(DepartmentId),
}

impl DepartmentTree {
    /// A tree from (child, parent) pairs.
    pub fn from_pairs(
        pairs: impl IntoIterator<Item = (DepartmentId, DepartmentId)>,
    ) -> Result<DepartmentTree, TreeError> {
        let mut parents = BTreeMap::new();
        for (child, parent) in pairs {
            if child == parent {
                return Err(TreeError::OwnParent(child));
            }
            if parents.insert(child, parent).is_some_and(|p| p != parent) {
                return Err(TreeError::TwoParents(child));
            }
        }
        if let Some(deep) = parents.values().find(|p| parents.contains_key(p)) {
            return Err(TreeError::TooDeep(*deep));
        }
        Ok(DepartmentTree { parents })
    }

    /// Reads `department_units.csv` (columns `unit`, `parent`, each a department code of the
    /// tenant, resolved by `by_code`); every error names the file, line and column.
    pub fn parse_csv(
        file: &str,
        text: &str,
        by_code: &dyn Fn(&str) -> Option<DepartmentId>,
    ) -> Result<DepartmentTree, DataFileError> {
        let mut pairs = Vec::new();
        let rows = Rows::parse(file, text, &["unit", "parent"], &[])?;
        for r in rows.iter() {
            let id = |column: &str| {
                let code = r.required(column)?;
                by_code(code).ok_or_else(|| r.error(column, format!("没有代码为 {code:?} 的部门")))
            };
            let (unit, parent) = (id("unit")?, id("parent")?);
            DepartmentTree::from_pairs(pairs.iter().copied().chain([(unit, parent)]))
                .map_err(|e| r.error("unit", e.to_string()))?;
            pairs.push((unit, parent));
        }
        DepartmentTree::from_pairs(pairs)
            .map_err(|e| DataFileError::new(file, 0, "unit", e.to_string()))
    }

    /// The parent of `unit`, if it is a child unit.
    pub fn parent_of(&self, unit: DepartmentId) -> Option<DepartmentId> {
        self.parents.get(&unit).copied()
    }

    /// The child units of `parent`.
    pub fn children_of(&self, parent: DepartmentId) -> Vec<DepartmentId> {
        self.parents
            .iter()
            .filter(|(_, p)| **p == parent)
            .map(|(c, _)| *c)
            .collect()
    }

    /// Whether `unit` is a child of `parent`.
    pub fn is_child_of(&self, unit: DepartmentId, parent: DepartmentId) -> bool {
        self.parent_of(unit) == Some(parent)
    }

    /// (child, parent) pairs, by child id.
    pub fn pairs(&self) -> impl Iterator<Item = (DepartmentId, DepartmentId)> + '_ {
        self.parents.iter().map(|(c, p)| (*c, *p))
    }

    /// Whether the tree has no child units (every department is flat).
    pub fn is_empty(&self) -> bool {
        self.parents.is_empty()
    }
}

/// The parent's handling deadline: that of the case's latest handling clock (`None` when the
/// case never reached handling or its handling has no limit).
pub fn handling_due(deadlines: &crate::deadline::Deadlines) -> Option<Timestamp> {
    deadlines
        .clocks
        .iter()
        .rev()
        .find(|c| c.clock == crate::deadline::Clock::Handling)
        .and_then(|c| c.deadline)
}

/// Why a 下派 was refused by the reference-data check.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum SubDispatchError {
    /// The unit is not a child of the actor's department (another department's unit, another
    /// tenant's, or none at all).
    #[error("单位 {unit} 不是本单位的下级单位，不能下派")]
    NotChildUnit {
        /// The unit named.
        unit: DepartmentId,
    },
    /// The child's deadline is later than the parent's handling deadline.
    #[error("下派时限（{due}）晚于本单位的处置时限（{parent_due}）")]
    BeyondParentDeadline {
        /// The deadline given (Unix ms).
        due: i64,
        /// The parent's handling deadline (Unix ms).
        parent_due: i64,
    },
}

impl SubDispatchError {
    /// The stable code (`not_child_unit`, `beyond_parent_deadline`).
    pub fn code(&self) -> &'static str {
        match self {
            SubDispatchError::NotChildUnit { .. } => "not_child_unit",
            SubDispatchError::BeyondParentDeadline { .. } => "beyond_parent_deadline",
        }
    }
}

/// Checks a 下派 of `actor_org` to `unit` due by `due` against the tree and the parent's
/// handling deadline at that point (`parent_due`; `None`: the parent's clock has no limit,
/// then any deadline the fold accepts stands).
pub fn check_sub_dispatch(
    tree: &DepartmentTree,
    actor_org: Option<DepartmentId>,
    unit: DepartmentId,
    due: Timestamp,
    parent_due: Option<Timestamp>,
) -> Result<(), SubDispatchError> {
    if !actor_org.is_some_and(|parent| tree.is_child_of(unit, parent)) {
        return Err(SubDispatchError::NotChildUnit { unit });
    }
    match parent_due {
        Some(p) if due > p => Err(SubDispatchError::BeyondParentDeadline {
            due: due.ms(),
            parent_due: p.ms(),
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(n: u8) -> DepartmentId {
        DepartmentId::from_parts(3, [n; 10])
    }

    fn tree() -> DepartmentTree {
        DepartmentTree::from_pairs([(d(11), d(1)), (d(12), d(1)), (d(21), d(2))]).expect("tree")
    }

    #[test]
    fn children_and_parents() {
        let t = tree();
        assert_eq!(t.children_of(d(1)), vec![d(11), d(12)]);
        assert_eq!(t.parent_of(d(21)), Some(d(2)));
        assert!(t.is_child_of(d(12), d(1)));
        assert!(!t.is_child_of(d(21), d(1)));
        assert!(t.children_of(d(11)).is_empty());
    }

    #[test]
    fn bad_trees_are_refused() {
        assert_eq!(
            DepartmentTree::from_pairs([(d(1), d(1))]),
            Err(TreeError::OwnParent(d(1)))
        );
        assert_eq!(
            DepartmentTree::from_pairs([(d(11), d(1)), (d(11), d(2))]),
            Err(TreeError::TwoParents(d(11)))
        );
        assert_eq!(
            DepartmentTree::from_pairs([(d(11), d(1)), (d(111), d(11))]),
            Err(TreeError::TooDeep(d(11)))
        );
    }

    #[test]
    fn csv_resolves_codes_and_names_the_line() {
        let by_code = |c: &str| match c {
            "sz" => Some(d(1)),
            "sz-1" => Some(d(11)),
            "sz-2" => Some(d(12)),
            _ => None,
        };
        let t = DepartmentTree::parse_csv(
            "department_units.csv",
            "# 二级 → 三级\nunit,parent\nsz-1,sz\nsz-2,sz\n",
            &by_code,
        )
        .expect("parses");
        assert_eq!(t.children_of(d(1)), vec![d(11), d(12)]);
        let e =
            DepartmentTree::parse_csv("department_units.csv", "unit,parent\nsz-1,zz\n", &by_code)
                .expect_err("unknown code");
        assert_eq!((e.line, e.field.as_str()), (2, "parent"));
        let e = DepartmentTree::parse_csv(
            "department_units.csv",
            "unit,parent\nsz-1,sz\nsz-2,sz-1\n",
            &by_code,
        )
        .expect_err("too deep");
        assert_eq!(e.line, 3);
    }

    #[test]
    fn sub_dispatch_needs_a_child_and_a_deadline_within_the_parents() {
        let t = tree();
        let parent_due = Some(Timestamp(10_000));
        assert_eq!(
            check_sub_dispatch(&t, Some(d(1)), d(11), Timestamp(10_000), parent_due),
            Ok(())
        );
        let late = check_sub_dispatch(&t, Some(d(1)), d(11), Timestamp(10_001), parent_due)
            .expect_err("beyond the parent's deadline");
        assert_eq!(late.code(), "beyond_parent_deadline");
        // Another department's unit, an unknown (foreign tenant's) unit, no department at all.
        for (org, unit) in [(Some(d(1)), d(21)), (Some(d(1)), d(99)), (None, d(11))] {
            let e = check_sub_dispatch(&t, org, unit, Timestamp(5_000), parent_due)
                .expect_err("not a child");
            assert_eq!(e.code(), "not_child_unit");
        }
        // No handling limit on the parent: any deadline the fold accepts.
        assert_eq!(
            check_sub_dispatch(&t, Some(d(1)), d(12), Timestamp(99_999_999), None),
            Ok(())
        );
    }
}
