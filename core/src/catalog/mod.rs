//! Category catalogs (部件 / 事项 类别) loaded from the data files in `core/data/catalog`, never
//! from Rust literals: GB/T 47678.5-2026 (5-digit codes), the legacy CJ/T 214 and GB/T 30428.2
//! tables (4-digit codes), the legacy → current mapping where a source states it, tenant
//! extension codes (大类 21–99), and per subclass the filing condition (立案条件), closing
//! condition (结案条件) and handling limit (处置时限) by urgency.
//!
//! The file formats and the provenance of the shipped tables are in `docs/catalog.md`; each file
//! also carries its provenance in its `#` comment lines.
//!
//! Invariants of a built [`Catalog`]:
//! - every category's code parses with [`crate::codes`] and has the form of its table (5-digit
//!   current with 大类 01–20, 4-digit legacy, 5-digit extension with 大类 21–99) and lies in its
//!   class; (legacy table, kind, code) is unique;
//! - a class has one name per table;
//! - every mapping joins two loaded categories, and names them as the tables do;
//! - rules exist only on current and extension categories;
//! - a malformed file is refused whole, with a [`DataFileError`] naming its file, its 1-based
//!   line (comment lines counted) and the field.
//!
//! The module is pure: parsing takes a file name and its text. Only [`Catalog::load_dir`] reads
//! files, as a convenience for the server's admin commands.

mod builder;
mod category;
mod legacy;
mod rules;
mod shipped;
pub mod standards;
mod table;

pub use builder::CatalogBuilder;
pub use category::{Category, CategoryClass, LegacyTable, RuleOrigin};
pub use legacy::{LegacyMapping, MappingBasis};
pub use standards::{
    AreaGrades, CategoryStandard, Condition, LimitBasis, LimitRow, StandardLimit, StandardsRelease,
    StandardsTable,
};

use crate::codes::{CategoryCode, CategoryKind, CategoryRef, CodeStandard};
use crate::error::DataFileError;
use crate::model::{TimeLimit, Urgency};
use std::collections::HashMap;
use std::path::Path;
use std::sync::LazyLock;

/// The index key: legacy table (`None` for current and extension codes), kind, code.
pub(crate) type Key = (Option<LegacyTable>, CategoryKind, CategoryCode);

/// The loaded catalogs of one tenant (or the shipped defaults).
#[derive(Clone, Debug)]
pub struct Catalog {
    categories: Vec<Category>,
    index: HashMap<Key, usize>,
    classes: Vec<CategoryClass>,
    mappings: Vec<LegacyMapping>,
    mapping_index: HashMap<(LegacyTable, CategoryRef), usize>,
    inputs: Vec<builder::Input>,
}

static BUILTIN: LazyLock<Result<Catalog, DataFileError>> =
    LazyLock::new(|| CatalogBuilder::builtin().build());

impl Catalog {
    fn empty(inputs: Vec<builder::Input>) -> Self {
        Self {
            categories: Vec::new(),
            index: HashMap::new(),
            classes: Vec::new(),
            mappings: Vec::new(),
            mapping_index: HashMap::new(),
            inputs,
        }
    }

    /// The catalog built from the files shipped in `core/data/catalog` (embedded at compile time).
    ///
    /// # Panics
    /// Only if the shipped data files are malformed, which the crate's tests rule out.
    pub fn builtin() -> Catalog {
        match &*BUILTIN {
            Ok(catalog) => catalog.clone(),
            Err(e) => panic!("the shipped catalog data is malformed: {e}"),
        }
    }

    /// Reads the shipped file set from `dir`, plus `tenant_extension.csv` and `tenant_rules.csv`
    /// when present (see [`CatalogBuilder::from_dir`]).
    pub fn load_dir(dir: &Path) -> Result<Catalog, DataFileError> {
        CatalogBuilder::from_dir(dir)?.build()
    }

    /// A builder holding this catalog's files, to add more and build again.
    pub fn to_builder(&self) -> CatalogBuilder {
        CatalogBuilder::from_inputs(self.inputs.clone())
    }

    /// This catalog plus a tenant extension file (codes with 大类 21–99, and their rules).
    pub fn with_extensions(&self, file: &str, text: &str) -> Result<Catalog, DataFileError> {
        self.to_builder().extensions(file, text.to_owned()).build()
    }

    /// This catalog plus a tenant rules file, which overrides the rules loaded so far field by
    /// field.
    pub fn with_rules(&self, file: &str, text: &str) -> Result<Catalog, DataFileError> {
        self.to_builder().rules(file, text.to_owned()).build()
    }

    /// A current or extension category; a 4-digit code is looked up in the CJ/T 214 table (use
    /// [`Catalog::get_legacy`] for GB/T 30428.2).
    pub fn get(&self, category: &CategoryRef) -> Option<&Category> {
        let table = match category.code.standard() {
            CodeStandard::Legacy => Some(LegacyTable::Cjt214),
            CodeStandard::Current | CodeStandard::Extension => None,
        };
        self.lookup(table, category)
    }

    /// A category of a legacy table.
    pub fn get_legacy(&self, table: LegacyTable, category: &CategoryRef) -> Option<&Category> {
        self.lookup(Some(table), category)
    }

    fn lookup(&self, table: Option<LegacyTable>, category: &CategoryRef) -> Option<&Category> {
        let key = (table, category.kind, category.code.clone());
        self.index.get(&key).map(|&i| &self.categories[i])
    }

    /// Current and extension categories (the ones a new case may use) whose code starts with
    /// `query` or whose name contains it; best matches first (code prefix, then exact name, then
    /// name prefix, then name substring), in catalog order within each rank. At most `limit`.
    pub fn search(&self, query: &str, limit: usize) -> Vec<&Category> {
        let query = query.trim();
        if query.is_empty() {
            return Vec::new();
        }
        let rank = |c: &Category| -> Option<u8> {
            if c.code.as_str().starts_with(query) {
                Some(0)
            } else if c.name == query {
                Some(1)
            } else if c.name.starts_with(query) {
                Some(2)
            } else if c.name.contains(query) {
                Some(3)
            } else {
                None
            }
        };
        let mut hits: Vec<(u8, &Category)> = self
            .categories
            .iter()
            .filter(|c| c.standard != CodeStandard::Legacy)
            .filter_map(|c| rank(c).map(|r| (r, c)))
            .collect();
        hits.sort_by_key(|(r, _)| *r);
        hits.into_iter().take(limit).map(|(_, c)| c).collect()
    }

    /// The current category for `category`: itself if it is a loaded current or extension code;
    /// for a 4-digit code, its mapping in the CJ/T 214 table (see [`Catalog::to_current_from`]).
    /// Mappings of every basis are followed; check [`Catalog::mapping`] for the basis.
    pub fn to_current(&self, category: &CategoryRef) -> Option<CategoryRef> {
        match category.code.standard() {
            CodeStandard::Legacy => self.to_current_from(LegacyTable::Cjt214, category),
            CodeStandard::Current | CodeStandard::Extension => {
                self.get(category).map(Category::reference)
            }
        }
    }

    /// The current category a code of the given legacy table maps to, if a mapping is known.
    pub fn to_current_from(
        &self,
        table: LegacyTable,
        category: &CategoryRef,
    ) -> Option<CategoryRef> {
        self.mapping(table, category).map(|m| m.current.clone())
    }

    /// The mapping row of a legacy code, with its basis and provenance.
    pub fn mapping(&self, table: LegacyTable, category: &CategoryRef) -> Option<&LegacyMapping> {
        let key = (table, category.clone());
        self.mapping_index.get(&key).map(|&i| &self.mappings[i])
    }

    /// Every legacy mapping, in file order.
    pub fn mappings(&self) -> impl Iterator<Item = &LegacyMapping> {
        self.mappings.iter()
    }

    /// The handling limit (处置时限) of a current or extension category for the given urgency.
    /// Legacy codes have none: map them with [`Catalog::to_current`] first.
    pub fn handling_limit(&self, category: &CategoryRef, urgency: Urgency) -> Option<TimeLimit> {
        self.get(category)?.limit(urgency)
    }

    /// Every category, in file order (current, then legacy, then extension files as added).
    pub fn categories(&self) -> impl Iterator<Item = &Category> {
        self.categories.iter()
    }

    /// Every class (大类), in order of first appearance.
    pub fn classes(&self) -> impl Iterator<Item = &CategoryClass> {
        self.classes.iter()
    }

    /// The categories of one class.
    pub fn in_class<'a>(
        &'a self,
        class: &'a CategoryClass,
    ) -> impl Iterator<Item = &'a Category> + 'a {
        self.categories.iter().filter(move |c| {
            c.kind == class.kind
                && c.legacy_table == class.legacy_table
                && c.class_code == class.code
        })
    }
}
