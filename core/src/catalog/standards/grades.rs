//! Area grades (区域等级): the tenant's list of grades and which cells have which grade, read
//! from `area_grades.csv` (columns `grade`/`区域等级` and `cell`/`网格编码`).
//!
//! A row's `cell` is a 15-digit (or legacy 14-digit) unit cell code, a 12-digit community code
//! or a 9-digit street code; an empty `cell` only declares the grade. The grade list is the
//! grades in order of first appearance. A cell's grade is the one given for the cell itself,
//! else for its community, else for its street (the most specific wins).
//!
//! Invariants: a key (cell, community or street) appears once; every grade is 1–20 characters
//! without control characters; at most [`MAX_GRADES`] grades. A tenant without a file has
//! [`DEFAULT_GRADES`] and no cell assigned.

use crate::catalog::table::{Row, Schema, Table};
use crate::codes::GridCode;
use crate::error::DataFileError;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The grades of a tenant without an area-grade file.
pub const DEFAULT_GRADES: [&str; 4] = ["主干道", "次干道", "背街小巷", "城乡结合部"];

/// Most grades a tenant may declare.
pub const MAX_GRADES: usize = 32;

const SCHEMA: Schema = Schema {
    required: &["grade", "cell"],
    optional: &["note"],
};

/// A tenant's area grades and their assignment to cells, communities and streets.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Debug)]
pub struct AreaGrades {
    grades: Vec<String>,
    assigned: HashMap<String, usize>,
}

impl Default for AreaGrades {
    fn default() -> Self {
        Self {
            grades: DEFAULT_GRADES.iter().map(|g| (*g).to_owned()).collect(),
            assigned: HashMap::new(),
        }
    }
}

impl AreaGrades {
    /// Reads `area_grades.csv` (Chinese headers `区域等级`, `网格编码`, `备注` are accepted).
    pub fn parse_csv(file: &str, text: &str) -> Result<AreaGrades, DataFileError> {
        let text = translate_header(text);
        let table = Table::parse(file, &text, &SCHEMA)?;
        let mut grades: Vec<String> = Vec::new();
        let mut assigned = HashMap::new();
        let mut first: HashMap<String, usize> = HashMap::new();
        for row in table.rows() {
            let grade = row.required("grade")?;
            check_grade(&row, grade)?;
            let index = match grades.iter().position(|g| g == grade) {
                Some(i) => i,
                None => {
                    if grades.len() == MAX_GRADES {
                        return Err(row.error("grade", format!("区域等级超过 {MAX_GRADES} 个")));
                    }
                    grades.push(grade.to_owned());
                    grades.len() - 1
                }
            };
            let Some(cell) = row.optional("cell") else {
                continue;
            };
            check_key(&row, cell)?;
            if let Some(line) = first.insert(cell.to_owned(), row.line()) {
                return Err(row.error("cell", format!("{cell} 重复，首次出现在第 {line} 行")));
            }
            assigned.insert(cell.to_owned(), index);
        }
        if grades.is_empty() {
            return Err(DataFileError::new(
                file,
                0,
                "grade",
                "文件中没有任何区域等级",
            ));
        }
        Ok(AreaGrades { grades, assigned })
    }

    /// The grades, in the tenant's order.
    pub fn grades(&self) -> &[String] {
        &self.grades
    }

    /// The grade of a cell: the cell's own, else its community's, else its street's.
    pub fn grade_of(&self, cell: &GridCode) -> Option<&str> {
        [cell.to_string(), cell.community_code(), cell.street_code()]
            .iter()
            .find_map(|k| self.assigned.get(k))
            .map(|&i| self.grades[i].as_str())
    }

    /// How many cells, communities and streets have a grade.
    pub fn assigned_len(&self) -> usize {
        self.assigned.len()
    }
}

/// Replaces Chinese header names by the schema's (the header is the first non-comment line).
fn translate_header(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut done = false;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_start_matches('\u{feff}');
        if done || bare.trim().is_empty() || bare.starts_with('#') {
            out.push_str(line);
            continue;
        }
        done = true;
        let mapped: Vec<String> = bare
            .trim_end_matches(['\r', '\n'])
            .split(',')
            .map(|h| match h.trim() {
                "区域等级" | "等级" => "grade".to_owned(),
                "网格编码" | "单元网格" | "区域编码" => "cell".to_owned(),
                "备注" => "note".to_owned(),
                other => other.to_owned(),
            })
            .collect();
        out.push_str(&mapped.join(","));
        out.push('\n');
    }
    out
}

fn check_grade(row: &Row<'_>, grade: &str) -> Result<(), DataFileError> {
    let n = grade.chars().count();
    if n > 20 || grade.chars().any(char::is_control) {
        return Err(row.error("grade", "区域等级须为 1–20 个字且不含控制字符"));
    }
    Ok(())
}

fn check_key(row: &Row<'_>, cell: &str) -> Result<(), DataFileError> {
    let ok = match cell.len() {
        9 | 12 => cell.bytes().all(|b| b.is_ascii_digit()),
        _ => GridCode::parse(cell).is_ok(),
    };
    if ok {
        Ok(())
    } else {
        Err(row.error(
            "cell",
            format!("{cell} 不是单元网格编码（15 位）、社区编码（12 位）或街道编码（9 位）"),
        ))
    }
}
