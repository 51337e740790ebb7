//! The tenant's standards table (《立案、处置和结案标准》) as data: per 小类 a default row and,
//! below it, the 立案条件 (细类) with a stable condition code, the condition text, the 结案条件
//! and the handling limit (处置时限) per urgency (紧急/一般) and per area grade (区域等级, e.g.
//! 主干道/次干道/背街小巷/城乡结合部; the list is the tenant's, see [`AreaGrades`]).
//!
//! The table is read from rows of strings ([`import`]: CSV here; XLSX by the server, which
//! hands the sheet's cells to the same parser) and looked up with [`StandardsTable::limit_for`].
//!
//! Invariants of a [`StandardsTable`] (established by the parser, kept by deserialisation,
//! which rebuilds the index):
//! - every category is a current or extension category of the catalog it was checked against,
//!   and appears once;
//! - a condition code is unique within its category; a (category, condition, grade) limit row
//!   is unique;
//! - every grade named is in [`StandardsTable::grades`];
//! - every limit is 1–[`crate::workflow::limits::MAX_LIMIT_VALUE`] in a [`LimitUnit`] of its
//!   own (natural or working: never converted);
//! - every text is at most [`crate::workflow::limits::MAX_NOTE_CHARS`] characters.
//!
//! Lookup precedence for one urgency (the first level that gives a limit for that urgency):
//! condition + grade → condition (all grades) → category default + grade → category default.
//! A condition the table does not know is looked up as no condition (the basis then says
//! category default). `None` when no level gives a limit: the caller falls back to the
//! catalog's rules ([`super::Catalog::handling_limit`]).
//!
//! [`LimitUnit`]: crate::model::LimitUnit

mod grades;
pub mod import;

pub use grades::{AreaGrades, DEFAULT_GRADES};
pub use import::{MAX_ERRORS, MAX_ROWS, RawRow, StandardsImportError};

use crate::codes::CategoryRef;
use crate::model::{TimeLimit, Urgency};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// One limit row: a limit per urgency for all grades (`grade` `None`) or for one grade.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Debug)]
pub struct LimitRow {
    /// The area grade, or `None` for every grade.
    pub grade: Option<String>,
    /// 紧急 limit, if the row gives one.
    pub urgent: Option<TimeLimit>,
    /// 一般 limit, if the row gives one.
    pub normal: Option<TimeLimit>,
    /// The row in the imported file (as the user sees it: the header is row 1 in a sheet
    /// without a title).
    pub row: usize,
}

impl LimitRow {
    fn get(&self, urgency: Urgency) -> Option<TimeLimit> {
        match urgency {
            Urgency::Urgent => self.urgent,
            Urgency::Normal => self.normal,
        }
    }
}

/// One 立案条件 (细类) of a category.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Debug)]
pub struct Condition {
    /// Stable code, unique within the category (e.g. `06010-01`).
    pub code: String,
    /// 立案条件.
    pub filing_condition: String,
    /// 结案条件.
    pub closing_condition: String,
    /// Its limit rows (all grades and/or per grade), in file order; may be empty (the
    /// category default applies).
    pub limits: Vec<LimitRow>,
    /// The provenance text of its first row (`依据`/`source`), if any.
    pub source: Option<String>,
    /// The row of its first line in the imported file.
    pub row: usize,
}

/// The standards of one 小类.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Debug)]
pub struct CategoryStandard {
    /// The category.
    pub category: CategoryRef,
    /// The category's name in the catalog.
    pub name: String,
    /// 立案条件 of the category default row, if given.
    pub filing_condition: Option<String>,
    /// 结案条件 of the category default row, if given (used when the case has no condition).
    pub closing_condition: Option<String>,
    /// The category default's limit rows (all grades and/or per grade).
    pub default_limits: Vec<LimitRow>,
    /// The 立案条件, in file order.
    pub conditions: Vec<Condition>,
}

/// Which row of the table gave a limit.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Debug)]
#[serde(tag = "level", rename_all = "snake_case")]
pub enum LimitBasis {
    /// The category default row for every grade.
    CategoryDefault {
        /// The row in the imported file.
        row: usize,
    },
    /// The category default row of one area grade.
    CategoryGrade {
        /// The grade.
        grade: String,
        /// The row in the imported file.
        row: usize,
    },
    /// The condition's row for every grade.
    Condition {
        /// The condition code.
        condition: String,
        /// The row in the imported file.
        row: usize,
    },
    /// The condition's row of one area grade.
    ConditionGrade {
        /// The condition code.
        condition: String,
        /// The grade.
        grade: String,
        /// The row in the imported file.
        row: usize,
    },
}

/// A limit with the row that gave it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Debug)]
pub struct StandardLimit {
    /// The limit, in the unit the table gives (natural or working).
    pub limit: TimeLimit,
    /// Where it came from.
    pub basis: LimitBasis,
}

/// The key of the current standards table in the reference bundle's `files` (its value: a
/// [`StandardsRelease`] as JSON).
pub const REFERENCE_KEY: &str = "standards";
/// The key of the area grades in the reference bundle's `files` (its value: the imported
/// `area_grades.csv`, read with [`AreaGrades::parse_csv`]).
pub const AREA_GRADES_KEY: &str = "area_grades";

/// The standards table and the area grades of a reference bundle's `files`: the release, if
/// the tenant has imported one, and the grades (defaults when the bundle has none).
pub fn from_reference(
    files: &std::collections::BTreeMap<String, String>,
) -> Result<(Option<StandardsRelease>, AreaGrades), crate::error::DataFileError> {
    let release = files
        .get(REFERENCE_KEY)
        .map(|json| serde_json::from_str::<StandardsRelease>(json))
        .transpose()
        .map_err(|e| crate::error::DataFileError::new(REFERENCE_KEY, 0, "(file)", e.to_string()))?;
    let grades = match files.get(AREA_GRADES_KEY) {
        Some(text) => AreaGrades::parse_csv("area_grades.csv", text)?,
        None => AreaGrades::default(),
    };
    Ok((release, grades))
}

/// One imported version of a tenant's standards table, as the server stores it and hands it to
/// devices (`GET /v1/standards`, and the `standards` entry of `GET /v1/reference`).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Debug)]
pub struct StandardsRelease {
    /// The version: 1 for the tenant's first import, one more for each later one; the
    /// current version is the highest.
    pub version: u32,
    /// SHA-256 (hex) of the imported file's bytes.
    pub sha256: String,
    /// The imported file's name.
    pub file: String,
    /// Who imported it (`user:<id>` or `cli`).
    pub imported_by: String,
    /// When (Unix ms, server clock).
    pub imported_at: i64,
    /// The table.
    pub table: StandardsTable,
}

impl StandardsRelease {
    /// What a dispatch records when it keeps this version's limit for a case of `category`,
    /// filed under `condition`, of `urgency`, in a cell of area grade `grade`: the limit and its
    /// basis as written on the event (the row's condition and grade, this version). The app
    /// computes it at 派遣; the server's gate computes it again to check what a tablet recorded.
    pub fn recorded_limit(
        &self,
        category: &CategoryRef,
        condition: Option<&str>,
        urgency: Urgency,
        grade: Option<&str>,
    ) -> Option<(TimeLimit, crate::model::LimitBasis)> {
        let found = self.table.limit_for(category, condition, urgency, grade)?;
        let (condition, grade) = match found.basis {
            LimitBasis::CategoryDefault { .. } => (None, None),
            LimitBasis::CategoryGrade { grade, .. } => (None, Some(grade)),
            LimitBasis::Condition { condition, .. } => (Some(condition), None),
            LimitBasis::ConditionGrade {
                condition, grade, ..
            } => (Some(condition), Some(grade)),
        };
        let basis = crate::model::LimitBasis::Standard {
            condition,
            grade,
            rules_version: Some(self.version.to_string()),
        };
        Some((found.limit, basis))
    }
}

/// The serialised form (no index).
#[derive(Clone, Serialize, Deserialize)]
struct StandardsData {
    file: String,
    grades: Vec<String>,
    categories: Vec<CategoryStandard>,
}

/// A tenant's standards table.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Debug)]
#[serde(from = "StandardsData", into = "StandardsData")]
pub struct StandardsTable {
    file: String,
    grades: Vec<String>,
    categories: Vec<CategoryStandard>,
    index: HashMap<CategoryRef, usize>,
}

impl From<StandardsData> for StandardsTable {
    fn from(d: StandardsData) -> Self {
        StandardsTable::new(d.file, d.grades, d.categories)
    }
}

impl From<StandardsTable> for StandardsData {
    fn from(t: StandardsTable) -> Self {
        StandardsData {
            file: t.file,
            grades: t.grades,
            categories: t.categories,
        }
    }
}

impl StandardsTable {
    pub(crate) fn new(
        file: String,
        grades: Vec<String>,
        categories: Vec<CategoryStandard>,
    ) -> Self {
        let index = categories
            .iter()
            .enumerate()
            .map(|(i, c)| (c.category.clone(), i))
            .collect();
        Self {
            file,
            grades,
            categories,
            index,
        }
    }

    /// The name of the file it was imported from.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The area grades the table was checked against, in the tenant's order.
    pub fn grades(&self) -> &[String] {
        &self.grades
    }

    /// Every category's standards, in file order.
    pub fn categories(&self) -> &[CategoryStandard] {
        &self.categories
    }

    /// The standards of one category.
    pub fn category(&self, category: &CategoryRef) -> Option<&CategoryStandard> {
        self.index.get(category).map(|&i| &self.categories[i])
    }

    /// The 立案条件 to choose from at 立案 (empty when the table has none for the category).
    pub fn conditions(&self, category: &CategoryRef) -> &[Condition] {
        self.category(category)
            .map_or(&[][..], |c| c.conditions.as_slice())
    }

    /// One condition of a category.
    pub fn condition(&self, category: &CategoryRef, code: &str) -> Option<&Condition> {
        self.conditions(category).iter().find(|c| c.code == code)
    }

    /// The 结案条件 to show at 核查 and 结案: the condition's, else the category default's.
    pub fn closing_condition(
        &self,
        category: &CategoryRef,
        condition: Option<&str>,
    ) -> Option<&str> {
        if let Some(c) = condition.and_then(|code| self.condition(category, code)) {
            return Some(&c.closing_condition);
        }
        self.category(category)?.closing_condition.as_deref()
    }

    /// The handling limit for a case of `category`, filed under `condition`, of `urgency`, in a
    /// cell of area grade `grade`, with the row that gave it (precedence in the module doc).
    pub fn limit_for(
        &self,
        category: &CategoryRef,
        condition: Option<&str>,
        urgency: Urgency,
        grade: Option<&str>,
    ) -> Option<StandardLimit> {
        let standard = self.category(category)?;
        if let Some(cond) = condition.and_then(|code| self.condition(category, code)) {
            if let Some(g) = grade
                && let Some((row, limit)) = pick(&cond.limits, Some(g), urgency)
            {
                let basis = LimitBasis::ConditionGrade {
                    condition: cond.code.clone(),
                    grade: g.to_owned(),
                    row,
                };
                return Some(StandardLimit { limit, basis });
            }
            if let Some((row, limit)) = pick(&cond.limits, None, urgency) {
                let basis = LimitBasis::Condition {
                    condition: cond.code.clone(),
                    row,
                };
                return Some(StandardLimit { limit, basis });
            }
        }
        if let Some(g) = grade
            && let Some((row, limit)) = pick(&standard.default_limits, Some(g), urgency)
        {
            let basis = LimitBasis::CategoryGrade {
                grade: g.to_owned(),
                row,
            };
            return Some(StandardLimit { limit, basis });
        }
        let (row, limit) = pick(&standard.default_limits, None, urgency)?;
        Some(StandardLimit {
            limit,
            basis: LimitBasis::CategoryDefault { row },
        })
    }
}

/// The limit of the row for exactly `grade` (`None`: the all-grades row), if it gives one for
/// `urgency`.
fn pick(rows: &[LimitRow], grade: Option<&str>, urgency: Urgency) -> Option<(usize, TimeLimit)> {
    rows.iter()
        .find(|r| r.grade.as_deref() == grade)
        .and_then(|r| r.get(urgency).map(|l| (r.row, l)))
}

#[cfg(test)]
mod tests;
