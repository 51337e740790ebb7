//! The errors of gridcase-core. Each has a stable `code()` that the app and the server pass on
//! as `{code, message}`; messages name what was wrong and where.

use thiserror::Error;

/// A value that failed to parse or validate (ids, codes, coordinates, hashes).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("invalid {what} {input:?}: {reason}")]
pub struct ParseError {
    /// What kind of value was being parsed ("case id", "grid cell code" …).
    pub what: &'static str,
    /// The offending input (truncated to 80 characters).
    pub input: String,
    /// Why it was refused.
    pub reason: String,
}

impl ParseError {
    /// A parse error for `input`.
    pub fn new(what: &'static str, input: impl Into<String>, reason: impl Into<String>) -> Self {
        let mut input: String = input.into();
        if input.chars().count() > 80 {
            input = input.chars().take(80).collect::<String>() + "…";
        }
        Self {
            what,
            input,
            reason: reason.into(),
        }
    }

    /// Stable error code.
    pub fn code(&self) -> &'static str {
        "invalid_value"
    }
}

/// A data file (catalog, calendar, limits) that could not be loaded: names the file, the line
/// (1-based; 0 when the whole file is at fault) and the field.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{file}:{line}: field `{field}`: {message}")]
pub struct DataFileError {
    /// The file's path or name.
    pub file: String,
    /// 1-based line number, 0 when unknown.
    pub line: usize,
    /// The field (column or key) at fault.
    pub field: String,
    /// What was wrong.
    pub message: String,
}

impl DataFileError {
    /// An error at `file:line` in `field`.
    pub fn new(
        file: impl Into<String>,
        line: usize,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            file: file.into(),
            line,
            field: field.into(),
            message: message.into(),
        }
    }

    /// Stable error code.
    pub fn code(&self) -> &'static str {
        "bad_data_file"
    }
}
