//! Assembling a [`Catalog`] from data files: each file is given with its role, then `build` reads
//! them all and checks what spans files (duplicate codes, class names, mapping and rule targets).
//!
//! Files are read in the order they were added, except that every category table is read before
//! any mapping or rules file, so those may name codes from any table. Rules layer in file order.

use super::category::{
    CURRENT_SCHEMA, CategoryClass, CategoryTable, EXTENSION_SCHEMA, LEGACY_SCHEMA, LegacyTable,
    RuleOrigin, kind_name, parse_category,
};
use super::legacy::{MAP_SCHEMA, parse_mapping};
use super::rules::{RULES_SCHEMA, RuleBook, RuleFields};
use super::shipped;
use super::table::Table;
use super::{Catalog, Key};
use crate::codes::{CategoryCode, CategoryKind, CategoryRef, CodeStandard};
use crate::error::DataFileError;
use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;

/// What a data file holds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Role {
    Categories(CategoryTable),
    LegacyMap,
    Rules,
}

/// One data file given to the builder.
#[derive(Clone, Debug)]
pub(crate) struct Input {
    pub(crate) role: Role,
    pub(crate) file: String,
    pub(crate) text: Cow<'static, str>,
}

/// Collects data files, then builds a [`Catalog`] from them.
#[derive(Clone, Debug, Default)]
pub struct CatalogBuilder {
    inputs: Vec<Input>,
}

impl CatalogBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder holding the files shipped in `core/data/catalog` (embedded at compile time).
    pub fn builtin() -> Self {
        Self {
            inputs: shipped::embedded(),
        }
    }

    /// A builder holding the shipped file set read from `dir` (same names as in
    /// `core/data/catalog`), plus `tenant_extension.csv` and `tenant_rules.csv` if present.
    /// A file that cannot be read is an error naming it, at line 0.
    pub fn from_dir(dir: &Path) -> Result<Self, DataFileError> {
        Ok(Self {
            inputs: shipped::read_dir(dir)?,
        })
    }

    /// A builder holding the given files.
    pub(crate) fn from_inputs(inputs: Vec<Input>) -> Self {
        Self { inputs }
    }

    fn add(
        mut self,
        role: Role,
        file: impl Into<String>,
        text: impl Into<Cow<'static, str>>,
    ) -> Self {
        self.inputs.push(Input {
            role,
            file: file.into(),
            text: text.into(),
        });
        self
    }

    /// Adds a GB/T 47678.5 table (columns `kind,class_code,class_name,code,name[,note]`).
    pub fn current(self, file: impl Into<String>, text: impl Into<Cow<'static, str>>) -> Self {
        self.add(Role::Categories(CategoryTable::Current), file, text)
    }

    /// Adds a legacy 4-digit table (columns as the current table, plus optional `sources`).
    pub fn legacy(
        self,
        table: LegacyTable,
        file: impl Into<String>,
        text: impl Into<Cow<'static, str>>,
    ) -> Self {
        self.add(Role::Categories(CategoryTable::Legacy(table)), file, text)
    }

    /// Adds a legacy → current mapping file.
    pub fn legacy_map(self, file: impl Into<String>, text: impl Into<Cow<'static, str>>) -> Self {
        self.add(Role::LegacyMap, file, text)
    }

    /// Adds a rules file; it overrides, field by field, the rules files added before it.
    pub fn rules(self, file: impl Into<String>, text: impl Into<Cow<'static, str>>) -> Self {
        self.add(Role::Rules, file, text)
    }

    /// Adds a tenant extension file (current-table columns plus the four rule columns).
    pub fn extensions(self, file: impl Into<String>, text: impl Into<Cow<'static, str>>) -> Self {
        self.add(Role::Categories(CategoryTable::Extension), file, text)
    }

    /// Reads every file and builds the catalog; the first problem is returned, naming its file,
    /// line and field.
    pub fn build(&self) -> Result<Catalog, DataFileError> {
        let mut catalog = Catalog::empty(self.inputs.clone());
        let mut extension_rules = Vec::with_capacity(self.inputs.len());
        for input in &self.inputs {
            extension_rules.push(read_categories(&mut catalog, input)?);
        }
        check_classes(&mut catalog)?;
        let mut rules = RuleBook::default();
        for (input, layers) in self.inputs.iter().zip(extension_rules) {
            match input.role {
                Role::Categories(_) => {
                    for (reference, fields, origin) in layers {
                        rules.add_layer(reference.kind, reference.code, fields, origin);
                    }
                }
                Role::Rules => {
                    let table = Table::parse(&input.file, &input.text, &RULES_SCHEMA)?;
                    let known = |kind, code: &CategoryCode| {
                        catalog.index.contains_key(&(None, kind, code.clone()))
                    };
                    rules.add_file(&table, known)?;
                }
                Role::LegacyMap => add_mappings(&mut catalog, input)?,
            }
        }
        for category in &mut catalog.categories {
            rules.apply(category);
        }
        Ok(catalog)
    }
}

/// The rule columns of one extension row, kept until the rules are layered in file order.
type ExtensionRule = (CategoryRef, RuleFields, RuleOrigin);

/// Adds the categories of a category file; returns the rules its rows carry (extension files).
fn read_categories(
    catalog: &mut Catalog,
    input: &Input,
) -> Result<Vec<ExtensionRule>, DataFileError> {
    let Role::Categories(kind) = input.role else {
        return Ok(Vec::new());
    };
    let schema = match kind {
        CategoryTable::Current => &CURRENT_SCHEMA,
        CategoryTable::Legacy(_) => &LEGACY_SCHEMA,
        CategoryTable::Extension => &EXTENSION_SCHEMA,
    };
    let table = Table::parse(&input.file, &input.text, schema)?;
    let mut rules = Vec::new();
    for row in table.rows() {
        let category = parse_category(&row, kind)?;
        if kind == CategoryTable::Extension {
            let origin = RuleOrigin {
                file: input.file.clone(),
                line: row.line(),
                source: format!("tenant extension {}", input.file),
                default: false,
            };
            rules.push((category.reference(), RuleFields::parse(&row)?, origin));
        }
        insert(catalog, category)?;
    }
    Ok(rules)
}

fn insert(catalog: &mut Catalog, category: super::Category) -> Result<(), DataFileError> {
    let key: Key = (category.legacy_table, category.kind, category.code.clone());
    if let Some(&first) = catalog.index.get(&key) {
        let first = &catalog.categories[first];
        let msg = format!(
            "duplicate {} code {}; first defined at {}:{}",
            kind_name(category.kind),
            category.code,
            first.source_file,
            first.source_line
        );
        return Err(DataFileError::new(
            category.source_file,
            category.source_line,
            "code",
            msg,
        ));
    }
    catalog.index.insert(key, catalog.categories.len());
    catalog.categories.push(category);
    Ok(())
}

/// Derives the classes; a class must have one name wherever its categories are written.
fn check_classes(catalog: &mut Catalog) -> Result<(), DataFileError> {
    // class key -> (index in classes, the category that named it first)
    let mut seen: HashMap<Key2, (usize, usize)> = HashMap::new();
    for (n, category) in catalog.categories.iter().enumerate() {
        let key = (
            category.legacy_table,
            category.kind,
            category.class_code.clone(),
        );
        if let Some(&(i, first)) = seen.get(&key) {
            let class: &mut CategoryClass = &mut catalog.classes[i];
            if class.name != category.class_name {
                let first = &catalog.categories[first];
                let msg = format!(
                    "大类 {} is named {:?} at {}:{}, here {:?}",
                    class.code,
                    class.name,
                    first.source_file,
                    first.source_line,
                    category.class_name
                );
                return Err(DataFileError::new(
                    &category.source_file,
                    category.source_line,
                    "class_name",
                    msg,
                ));
            }
            class.count += 1;
            continue;
        }
        seen.insert(key, (catalog.classes.len(), n));
        catalog.classes.push(CategoryClass {
            kind: category.kind,
            standard: category.standard,
            legacy_table: category.legacy_table,
            code: category.class_code.clone(),
            name: category.class_name.clone(),
            count: 1,
        });
    }
    Ok(())
}

type Key2 = (Option<LegacyTable>, CategoryKind, String);

fn add_mappings(catalog: &mut Catalog, input: &Input) -> Result<(), DataFileError> {
    let table = Table::parse(&input.file, &input.text, &MAP_SCHEMA)?;
    for row in table.rows() {
        let mapping = parse_mapping(&row, |t, k, c| {
            let category = catalog
                .index
                .get(&(t, k, c.clone()))
                .map(|&i| &catalog.categories[i])?;
            // Current-side lookups must not land on a legacy code.
            Some(category).filter(|cat| t.is_some() || cat.standard != CodeStandard::Legacy)
        })?;
        let key = (mapping.table, mapping.legacy.clone());
        if let Some(&first) = catalog.mapping_index.get(&key) {
            let first = &catalog.mappings[first];
            let msg = format!(
                "{} is already mapped at {}:{}",
                mapping.legacy.code, first.source_file, first.source_line
            );
            return Err(row.error("legacy_code", msg));
        }
        catalog.mapping_index.insert(key, catalog.mappings.len());
        catalog.mappings.push(mapping);
    }
    Ok(())
}
