//! Per-subclass rules — 立案条件, 结案条件 and 处置时限 by urgency — read from rules files and from
//! the rule columns of extension files, then layered onto the categories.
//!
//! Layering: a kind's `*` row is the default; rows for a code override it field by field; a later
//! file overrides an earlier one field by field (an empty field changes nothing). Legacy codes
//! carry no rules: map them to a current code first.

use super::category::{Category, RuleOrigin, kind_name, parse_kind};
use super::table::{Row, Schema, Table};
use crate::codes::{CategoryCode, CategoryKind, CodeStandard};
use crate::error::DataFileError;
use crate::model::TimeLimit;
use std::collections::HashMap;

pub(crate) const RULES_SCHEMA: Schema = Schema {
    required: &[
        "kind",
        "code",
        "filing_condition",
        "closing_condition",
        "limit_urgent",
        "limit_normal",
        "source",
    ],
    optional: &["note"],
};

/// The four rule fields of one row; `None` where the row leaves a field empty.
#[derive(Clone, Default, Debug)]
pub(crate) struct RuleFields {
    filing: Option<String>,
    closing: Option<String>,
    urgent: Option<TimeLimit>,
    normal: Option<TimeLimit>,
}

impl RuleFields {
    /// Reads the four rule columns of a row.
    pub(crate) fn parse(row: &Row<'_>) -> Result<Self, DataFileError> {
        let urgent = parse_limit(row, "limit_urgent")?;
        let normal = parse_limit(row, "limit_normal")?;
        if let (Some(u), Some(n)) = (urgent, normal)
            && u.unit == n.unit
            && u.value > n.value
        {
            return Err(row.error(
                "limit_urgent",
                format!("urgent limit {u} is longer than the normal limit {n}"),
            ));
        }
        Ok(Self {
            filing: row.optional("filing_condition").map(str::to_owned),
            closing: row.optional("closing_condition").map(str::to_owned),
            urgent,
            normal,
        })
    }

    fn is_empty(&self) -> bool {
        self.filing.is_none()
            && self.closing.is_none()
            && self.urgent.is_none()
            && self.normal.is_none()
    }

    fn is_complete(&self) -> bool {
        self.filing.is_some()
            && self.closing.is_some()
            && self.urgent.is_some()
            && self.normal.is_some()
    }

    /// Overwrites the fields `top` sets.
    fn overlay(&mut self, top: &RuleFields) {
        self.filing = top.filing.clone().or(self.filing.take());
        self.closing = top.closing.clone().or(self.closing.take());
        self.urgent = top.urgent.or(self.urgent);
        self.normal = top.normal.or(self.normal);
    }
}

fn parse_limit(row: &Row<'_>, column: &str) -> Result<Option<TimeLimit>, DataFileError> {
    let Some(text) = row.optional(column) else {
        return Ok(None);
    };
    let limit = TimeLimit::parse(text).map_err(|e| row.error(column, e.to_string()))?;
    if limit.value == 0 {
        return Err(row.error(column, format!("time limit {text:?} must be more than 0")));
    }
    Ok(Some(limit))
}

/// Rule layers collected from all files, applied once every category is known.
#[derive(Default)]
pub(crate) struct RuleBook {
    defaults: HashMap<CategoryKind, (RuleFields, RuleOrigin)>,
    layers: HashMap<(CategoryKind, CategoryCode), Vec<(RuleFields, RuleOrigin)>>,
}

impl RuleBook {
    /// Adds the rows of one rules file. `known` tells which current/extension codes exist.
    pub(crate) fn add_file(
        &mut self,
        table: &Table<'_>,
        known: impl Fn(CategoryKind, &CategoryCode) -> bool,
    ) -> Result<(), DataFileError> {
        let mut seen: HashMap<(CategoryKind, Option<CategoryCode>), usize> = HashMap::new();
        for row in table.rows() {
            let kind = parse_kind(&row, "kind")?;
            let code = match row.required("code")? {
                "*" => None,
                _ => Some(rule_code(&row)?),
            };
            if let Some(first) = seen.insert((kind, code.clone()), row.line()) {
                return Err(row.error("code", format!("duplicate rule row; first at line {first}")));
            }
            let fields = RuleFields::parse(&row)?;
            let origin = RuleOrigin {
                file: row.file().to_owned(),
                line: row.line(),
                source: row.required("source")?.to_owned(),
                default: code.is_none(),
            };
            match code {
                None => {
                    require_complete(&row)?;
                    self.defaults.insert(kind, (fields, origin));
                }
                Some(code) if known(kind, &code) => self.add_layer(kind, code, fields, origin),
                Some(code) => {
                    let msg = format!("no {} category {code} in the catalog", kind_name(kind));
                    return Err(row.error("code", msg));
                }
            }
        }
        Ok(())
    }

    /// Adds the rule fields an extension row carries.
    pub(crate) fn add_layer(
        &mut self,
        kind: CategoryKind,
        code: CategoryCode,
        fields: RuleFields,
        origin: RuleOrigin,
    ) {
        if !fields.is_empty() {
            self.layers
                .entry((kind, code))
                .or_default()
                .push((fields, origin));
        }
    }

    /// Sets the rule fields of a current or extension category; legacy ones are left without.
    pub(crate) fn apply(&self, category: &mut Category) {
        if category.standard == CodeStandard::Legacy {
            return;
        }
        let mut fields = RuleFields::default();
        let mut origins = Vec::new();
        let key = (category.kind, category.code.clone());
        for (layer, origin) in self.layers.get(&key).into_iter().flatten() {
            fields.overlay(layer);
            origins.push(origin.clone());
        }
        if let Some((default, origin)) = self.defaults.get(&category.kind)
            && !fields.is_complete()
        {
            let mut base = default.clone();
            base.overlay(&fields);
            fields = base;
            origins.insert(0, origin.clone());
        }
        category.filing_condition = fields.filing;
        category.closing_condition = fields.closing;
        category.limit_urgent = fields.urgent;
        category.limit_normal = fields.normal;
        category.rule_origins = origins;
    }
}

fn rule_code(row: &Row<'_>) -> Result<CategoryCode, DataFileError> {
    let text = row.get("code");
    let code = CategoryCode::parse(text).map_err(|e| row.error("code", e.to_string()))?;
    match code.standard() {
        CodeStandard::Current | CodeStandard::Extension => Ok(code),
        CodeStandard::Legacy => {
            let msg = format!(
                "{text} is a legacy code; rules apply to GB/T 47678.5 and extension codes \
                 (or * for the default)"
            );
            Err(row.error("code", msg))
        }
    }
}

fn require_complete(row: &Row<'_>) -> Result<(), DataFileError> {
    for column in [
        "filing_condition",
        "closing_condition",
        "limit_urgent",
        "limit_normal",
    ] {
        if row.optional(column).is_none() {
            return Err(row.error(column, "a default (*) row must set every rule field"));
        }
    }
    Ok(())
}
