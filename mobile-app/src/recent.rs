//! The user's recently used categories (`recent_categories.json`, newest first, at most
//! [`KEEP`]). Losing this file loses only a convenience, so reads never fail.

use crate::dto::CategoryDto;
use crate::photos::write_atomic;
use std::path::Path;

/// How many are kept.
pub const KEEP: usize = 8;

/// The recent categories (empty when none or unreadable).
pub fn read(dir: &Path) -> Vec<CategoryDto> {
    std::fs::read(dir.join("recent_categories.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// Puts `used` first.
pub fn remember(dir: &Path, used: &CategoryDto) -> std::io::Result<()> {
    let mut list = read(dir);
    list.retain(|c| c.reference != used.reference);
    list.insert(0, used.clone());
    list.truncate(KEEP);
    let bytes = serde_json::to_vec(&list).map_err(std::io::Error::other)?;
    write_atomic(&dir.join("recent_categories.json"), &bytes)
}
