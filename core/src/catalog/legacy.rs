//! The legacy → current mapping: which GB/T 47678.5 code a 4-digit CJ/T 214 or GB/T 30428.2 code
//! became, with the reason the pair is believed ([`MappingBasis`]).
//!
//! Every row is checked against the loaded tables: both codes must exist, and the names written in
//! the row must be the names in the tables, so a mistyped code cannot slip through.

use super::category::{Category, LegacyTable, kind_name, parse_kind};
use super::table::{Row, Schema};
use crate::codes::{CategoryCode, CategoryKind, CategoryRef, CodeStandard};
use crate::error::DataFileError;
use serde::{Deserialize, Serialize};

pub(crate) const MAP_SCHEMA: Schema = Schema {
    required: &[
        "legacy_table",
        "kind",
        "legacy_code",
        "legacy_name",
        "current_kind",
        "current_code",
        "current_name",
        "basis",
    ],
    optional: &["note"],
};

/// Why a legacy code is believed to map to a current one.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Debug)]
#[serde(rename_all = "snake_case")]
pub enum MappingBasis {
    /// A source lists the pair (e.g. GB/T 30428.2 events: 大类 + 5, 小类 zero-padded).
    Stated,
    /// A source notes the rename (上水井盖 → 供水井盖, 通讯 → 通信).
    StatedRename,
    /// Identical names only; no source states the pair. Flagged for review.
    SameName,
}

impl MappingBasis {
    /// The stable name used in data files.
    pub fn as_str(self) -> &'static str {
        match self {
            MappingBasis::Stated => "stated",
            MappingBasis::StatedRename => "stated_rename",
            MappingBasis::SameName => "same_name",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [
            MappingBasis::Stated,
            MappingBasis::StatedRename,
            MappingBasis::SameName,
        ]
        .into_iter()
        .find(|b| b.as_str() == text)
    }
}

/// One legacy → current pair.
#[derive(Clone, PartialEq, Eq, Serialize, Debug)]
pub struct LegacyMapping {
    /// The legacy table the legacy code belongs to.
    pub table: LegacyTable,
    /// The 4-digit category.
    pub legacy: CategoryRef,
    /// The GB/T 47678.5 (or extension) category it became.
    pub current: CategoryRef,
    /// Why the pair is believed.
    pub basis: MappingBasis,
    /// A note from the data file.
    pub note: Option<String>,
    /// The data file.
    pub source_file: String,
    /// The 1-based line in that file.
    pub source_line: usize,
}

/// Reads one mapping row; `lookup` finds a loaded category by (legacy table, kind, code).
pub(crate) fn parse_mapping<'c>(
    row: &Row<'_>,
    lookup: impl Fn(Option<LegacyTable>, CategoryKind, &CategoryCode) -> Option<&'c Category>,
) -> Result<LegacyMapping, DataFileError> {
    let table_text = row.required("legacy_table")?;
    let table = LegacyTable::parse(table_text).ok_or_else(|| {
        row.error(
            "legacy_table",
            format!("unknown legacy table {table_text:?}: expected cjt214 or gbt30428_2"),
        )
    })?;
    let kind = parse_kind(row, "kind")?;
    let legacy_code = code(row, "legacy_code")?;
    let legacy = lookup(Some(table), kind, &legacy_code).ok_or_else(|| {
        let msg = format!(
            "no {} {legacy_code} in legacy table {table}",
            kind_name(kind)
        );
        row.error("legacy_code", msg)
    })?;
    check_name(row, "legacy_name", legacy)?;
    let current_kind = parse_kind(row, "current_kind")?;
    let current_code = code(row, "current_code")?;
    if current_code.standard() == CodeStandard::Legacy {
        return Err(row.error(
            "current_code",
            format!("{current_code} is a legacy code; map to a 5-digit code"),
        ));
    }
    let current = lookup(None, current_kind, &current_code).ok_or_else(|| {
        let msg = format!(
            "mapping to an unknown code: no {} {current_code}",
            kind_name(current_kind)
        );
        row.error("current_code", msg)
    })?;
    check_name(row, "current_name", current)?;
    let basis_text = row.required("basis")?;
    let basis = MappingBasis::parse(basis_text).ok_or_else(|| {
        row.error(
            "basis",
            format!("unknown basis {basis_text:?}: expected stated, stated_rename or same_name"),
        )
    })?;
    Ok(LegacyMapping {
        table,
        legacy: legacy.reference(),
        current: current.reference(),
        basis,
        note: row.optional("note").map(str::to_owned),
        source_file: row.file().to_owned(),
        source_line: row.line(),
    })
}

fn code(row: &Row<'_>, column: &str) -> Result<CategoryCode, DataFileError> {
    CategoryCode::parse(row.required(column)?).map_err(|e| row.error(column, e.to_string()))
}

fn check_name(row: &Row<'_>, column: &str, category: &Category) -> Result<(), DataFileError> {
    let written = row.required(column)?;
    if written != category.name {
        let msg = format!(
            "{written:?} is not the name of {}: the table says {:?}",
            category.code, category.name
        );
        return Err(row.error(column, msg));
    }
    Ok(())
}
