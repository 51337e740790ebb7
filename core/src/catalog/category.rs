//! The catalog's records ([`Category`], [`CategoryClass`], [`LegacyTable`]) and the reading of one
//! category table row: kind, 大类, code, name, checked against the table the file claims to be.

use super::table::{Row, Schema};
use crate::codes::{CategoryCode, CategoryKind, CategoryRef, CodeStandard};
use crate::error::DataFileError;
use crate::model::{TimeLimit, Urgency};
use serde::{Deserialize, Serialize};
use std::fmt;

/// One of the two legacy 4-digit tables. Their event codes overlap with different meanings
/// (0107 is 废弃车辆 in CJ/T 214 and 沿街晾挂 in GB/T 30428.2), so a 4-digit code only means
/// something together with its table.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Debug)]
pub enum LegacyTable {
    /// CJ/T 214-2007 style (components 0101…, events with 大类 04 = 突发事件).
    #[serde(rename = "cjt214")]
    Cjt214,
    /// GB/T 30428.2-2013 style events (大类 04 = 街面秩序); only a fragment is known.
    #[serde(rename = "gbt30428_2")]
    Gbt30428_2,
}

impl LegacyTable {
    /// The stable name used in data files (`cjt214`, `gbt30428_2`).
    pub fn as_str(self) -> &'static str {
        match self {
            LegacyTable::Cjt214 => "cjt214",
            LegacyTable::Gbt30428_2 => "gbt30428_2",
        }
    }

    /// Parses the stable name.
    pub fn parse(text: &str) -> Option<Self> {
        [LegacyTable::Cjt214, LegacyTable::Gbt30428_2]
            .into_iter()
            .find(|t| t.as_str() == text)
    }
}

impl fmt::Display for LegacyTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where one layer of a category's rules came from (a row of a rules or extension file).
#[derive(Clone, PartialEq, Eq, Serialize, Debug)]
pub struct RuleOrigin {
    /// The file.
    pub file: String,
    /// The 1-based line in that file.
    pub line: usize,
    /// The row's provenance text (its `source` column, or the extension file's name).
    pub source: String,
    /// Whether the row is a kind's default (`*`) row.
    pub default: bool,
}

/// A category (小类) with its class (大类), provenance and rules.
#[derive(Clone, PartialEq, Eq, Serialize, Debug)]
pub struct Category {
    /// Component or matter.
    pub kind: CategoryKind,
    /// The code (5 digits, or 4 for the legacy tables).
    pub code: CategoryCode,
    /// The name (小类名称).
    pub name: String,
    /// The 2-digit class (大类) code.
    pub class_code: String,
    /// The class name (大类名称).
    pub class_name: String,
    /// Current, legacy or tenant extension.
    pub standard: CodeStandard,
    /// For a legacy code: which legacy table.
    pub legacy_table: Option<LegacyTable>,
    /// The data file the category was read from.
    pub source_file: String,
    /// The 1-based line in that file.
    pub source_line: usize,
    /// Source markers of the row, where the file has them (e.g. `A+B`).
    pub sources: Option<String>,
    /// A note from the data file.
    pub note: Option<String>,
    /// 立案条件; `None` for legacy codes (rules apply to current and extension codes).
    pub filing_condition: Option<String>,
    /// 结案条件.
    pub closing_condition: Option<String>,
    /// 处置时限 for 紧急 cases.
    pub limit_urgent: Option<TimeLimit>,
    /// 处置时限 for 一般 cases.
    pub limit_normal: Option<TimeLimit>,
    /// The rule rows that set the four rule fields, in the order they were applied.
    pub rule_origins: Vec<RuleOrigin>,
}

impl Category {
    /// The category's key.
    pub fn reference(&self) -> CategoryRef {
        CategoryRef {
            kind: self.kind,
            code: self.code.clone(),
        }
    }

    /// The handling limit (处置时限) for a case of this urgency.
    pub fn limit(&self, urgency: Urgency) -> Option<TimeLimit> {
        match urgency {
            Urgency::Urgent => self.limit_urgent,
            Urgency::Normal => self.limit_normal,
        }
    }
}

/// A class (大类) of one table, as seen in the data files.
#[derive(Clone, PartialEq, Eq, Serialize, Debug)]
pub struct CategoryClass {
    /// Component or matter.
    pub kind: CategoryKind,
    /// Current, legacy or tenant extension.
    pub standard: CodeStandard,
    /// For a legacy class: which legacy table.
    pub legacy_table: Option<LegacyTable>,
    /// The 2-digit class code.
    pub code: String,
    /// The class name.
    pub name: String,
    /// How many categories of the catalog are in the class.
    pub count: usize,
}

/// Which table a category file is; fixes the code form it must use.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum CategoryTable {
    Current,
    Legacy(LegacyTable),
    Extension,
}

pub(crate) const CURRENT_SCHEMA: Schema = Schema {
    required: &["kind", "class_code", "class_name", "code", "name"],
    optional: &["note"],
};
pub(crate) const LEGACY_SCHEMA: Schema = Schema {
    required: &["kind", "class_code", "class_name", "code", "name"],
    optional: &["sources", "note"],
};
pub(crate) const EXTENSION_SCHEMA: Schema = Schema {
    required: &[
        "kind",
        "class_code",
        "class_name",
        "code",
        "name",
        "filing_condition",
        "closing_condition",
        "limit_urgent",
        "limit_normal",
    ],
    optional: &["note"],
};

/// The stable name of a kind, as written in data files.
pub(crate) fn kind_name(kind: CategoryKind) -> &'static str {
    match kind {
        CategoryKind::Component => "component",
        CategoryKind::Matter => "matter",
    }
}

/// Parses a `kind` field: `component` / `部件` or `matter` / `事项` / `事件`.
pub(crate) fn parse_kind(row: &Row<'_>, column: &str) -> Result<CategoryKind, DataFileError> {
    match row.required(column)? {
        "component" | "部件" => Ok(CategoryKind::Component),
        "matter" | "事项" | "事件" => Ok(CategoryKind::Matter),
        other => Err(row.error(
            column,
            format!("unknown kind {other:?}: expected component or matter"),
        )),
    }
}

/// Parses a code field and checks it has the form of `table`.
fn parse_code(
    row: &Row<'_>,
    column: &str,
    table: CategoryTable,
) -> Result<CategoryCode, DataFileError> {
    let text = row.required(column)?;
    let code = CategoryCode::parse(text).map_err(|e| row.error(column, e.to_string()))?;
    let expected = match table {
        CategoryTable::Current => CodeStandard::Current,
        CategoryTable::Legacy(_) => CodeStandard::Legacy,
        CategoryTable::Extension => CodeStandard::Extension,
    };
    if code.standard() != expected {
        let want = match table {
            CategoryTable::Current => "a GB/T 47678.5 code: 5 digits with 大类 01–20",
            CategoryTable::Legacy(_) => "a legacy code: 4 digits (大类 2 + 小类 2)",
            CategoryTable::Extension => "a tenant extension code: 5 digits with 大类 21–99",
        };
        return Err(row.error(column, format!("code {text} is not {want}")));
    }
    Ok(code)
}

/// Reads the category columns of one row (rules columns are read by the rules layer).
pub(crate) fn parse_category(
    row: &Row<'_>,
    table: CategoryTable,
) -> Result<Category, DataFileError> {
    let kind = parse_kind(row, "kind")?;
    let class_code = row.required("class_code")?;
    let class_ok = class_code.len() == 2 && class_code.bytes().all(|b| b.is_ascii_digit());
    if !class_ok || class_code == "00" {
        return Err(row.error(
            "class_code",
            format!("大类 {class_code:?} must be 2 digits, 01–99"),
        ));
    }
    let class_name = row.required("class_name")?;
    let code = parse_code(row, "code", table)?;
    if code.class() != class_code {
        let msg = format!("code {code} is not in 大类 {class_code}");
        return Err(row.error("code", msg));
    }
    let name = row.required("name")?;
    Ok(Category {
        kind,
        standard: code.standard(),
        code,
        name: name.to_owned(),
        class_code: class_code.to_owned(),
        class_name: class_name.to_owned(),
        legacy_table: match table {
            CategoryTable::Legacy(t) => Some(t),
            CategoryTable::Current | CategoryTable::Extension => None,
        },
        source_file: row.file().to_owned(),
        source_line: row.line(),
        sources: row.optional("sources").map(str::to_owned),
        note: row.optional("note").map(str::to_owned),
        filing_condition: None,
        closing_condition: None,
        limit_urgent: None,
        limit_normal: None,
        rule_origins: Vec::new(),
    })
}
