//! The data files shipped in `core/data/catalog`: embedded at compile time for
//! [`Catalog::builtin`](super::Catalog::builtin), or read from a directory for
//! [`Catalog::load_dir`](super::Catalog::load_dir). The only file I/O of the catalog module.

use super::builder::{Input, Role};
use super::category::{CategoryTable, LegacyTable};
use crate::error::DataFileError;
use std::borrow::Cow;
use std::path::Path;

macro_rules! shipped {
    ($($role:expr, $name:literal;)*) => {
        [$(($role, $name, include_str!(concat!("../../data/catalog/", $name))),)*]
    };
}

/// The shipped files, in load order: role, file name, embedded text.
const SHIPPED: [(Role, &str, &str); 6] = shipped! {
    Role::Categories(CategoryTable::Current), "gbt47678_5_2026.csv";
    Role::Categories(CategoryTable::Legacy(LegacyTable::Cjt214)), "cjt214_components.csv";
    Role::Categories(CategoryTable::Legacy(LegacyTable::Cjt214)), "cjt214_matters.csv";
    Role::Categories(CategoryTable::Legacy(LegacyTable::Gbt30428_2)), "gbt30428_2_matters.csv";
    Role::LegacyMap, "legacy_map.csv";
    Role::Rules, "rules.csv";
};

/// Tenant files that [`read_dir`] adds when they are present.
const TENANT_FILES: [(Role, &str); 2] = [
    (
        Role::Categories(CategoryTable::Extension),
        "tenant_extension.csv",
    ),
    (Role::Rules, "tenant_rules.csv"),
];

/// The shipped files as embedded in the binary, named by their repository path.
pub(crate) fn embedded() -> Vec<Input> {
    SHIPPED
        .iter()
        .map(|(role, name, text)| Input {
            role: *role,
            file: format!("core/data/catalog/{name}"),
            text: Cow::Borrowed(*text),
        })
        .collect()
}

/// The shipped file set read from `dir`, then the tenant files present there.
pub(crate) fn read_dir(dir: &Path) -> Result<Vec<Input>, DataFileError> {
    let mut inputs = Vec::new();
    for (role, name, _) in SHIPPED {
        inputs.push(read(role, &dir.join(name))?);
    }
    for (role, name) in TENANT_FILES {
        let path = dir.join(name);
        if path.is_file() {
            inputs.push(read(role, &path)?);
        }
    }
    Ok(inputs)
}

fn read(role: Role, path: &Path) -> Result<Input, DataFileError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        DataFileError::new(
            file.as_str(),
            0,
            "(file)",
            format!("cannot read the file: {e}"),
        )
    })?;
    Ok(Input {
        role,
        file,
        text: Cow::Owned(text),
    })
}
