//! The responsibility list (权责清单) of `responsibility.csv`: which department handles a
//! category in an area, as the dispatcher's default suggestion.
//!
//! A row is `kind, category, area, department`: `category` is a 5-digit (or legacy 4-digit) code,
//! a 2-digit class (大类) or `*`; `area` is a 12-digit community code, a 9-digit street code or
//! `*`. For a case, the most specific matching row wins: the category first (code, then class,
//! then `*`), then the area (community, then street, then `*`); between equally specific rows the
//! first in the file wins.

use super::rows::Rows;
use crate::codes::{CategoryCode, CategoryKind, GridCode};
use crate::error::DataFileError;

/// One row of the responsibility list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Responsibility {
    /// Component (部件) or matter (事项).
    pub kind: CategoryKind,
    /// A category code, a 2-digit class, or `*`.
    pub category: String,
    /// A 12-digit community code, a 9-digit street code, or `*`.
    pub area: String,
    /// The department code.
    pub department: String,
}

impl Responsibility {
    /// How specifically the row matches, or `None` when it does not.
    fn rank(&self, kind: CategoryKind, code: &CategoryCode, cell: &GridCode) -> Option<(u8, u8)> {
        if kind != self.kind {
            return None;
        }
        let category = match self.category.as_str() {
            "*" => 0,
            c if c == code.as_str() => 2,
            c if c.len() == 2 && c == code.class() => 1,
            _ => return None,
        };
        let area = match self.area.as_str() {
            "*" => 0,
            a if a == cell.community_code() => 2,
            a if a == cell.street_code() => 1,
            _ => return None,
        };
        Some((category, area))
    }
}

/// The whole list, in file order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResponsibilityList {
    /// The rows.
    pub rows: Vec<Responsibility>,
}

impl ResponsibilityList {
    /// Reads `responsibility.csv` (columns `kind`, `category`, `area`, `department`).
    pub fn parse_csv(file: &str, text: &str) -> Result<ResponsibilityList, DataFileError> {
        let mut rows = Vec::new();
        for r in Rows::parse(file, text, &["kind", "category", "area", "department"], &[])?.iter() {
            let kind = match r.required("kind")? {
                "component" => CategoryKind::Component,
                "matter" => CategoryKind::Matter,
                other => {
                    return Err(r.error(
                        "kind",
                        format!("expected component or matter, found {other:?}"),
                    ));
                }
            };
            let category = r.required("category")?;
            let class = category.len() == 2
                && category.bytes().all(|b| b.is_ascii_digit())
                && category != "00";
            if category != "*" && !class && CategoryCode::parse(category).is_err() {
                return Err(r.error(
                    "category",
                    format!("{category:?} is not a category code, a 2-digit class or *"),
                ));
            }
            let area = r.required("area")?;
            let digits = area.bytes().all(|b| b.is_ascii_digit());
            if area != "*" && !(digits && (area.len() == 9 || area.len() == 12)) {
                return Err(r.error(
                    "area",
                    format!(
                        "{area:?} is not a 9-digit street code, a 12-digit community code or *"
                    ),
                ));
            }
            rows.push(Responsibility {
                kind,
                category: category.to_owned(),
                area: area.to_owned(),
                department: r.required("department")?.to_owned(),
            });
        }
        Ok(ResponsibilityList { rows })
    }

    /// The row that decides who handles `code` of `kind` in `cell`, if any.
    pub fn find(
        &self,
        kind: CategoryKind,
        code: &CategoryCode,
        cell: &GridCode,
    ) -> Option<&Responsibility> {
        let mut best: Option<((u8, u8), &Responsibility)> = None;
        for row in &self.rows {
            if let Some(rank) = row.rank(kind, code, cell)
                && best.is_none_or(|(b, _)| rank > b)
            {
                best = Some((rank, row));
            }
        }
        best.map(|(_, row)| row)
    }
}
