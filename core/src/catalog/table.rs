//! One CSV data file as rows of named fields, each row with its 1-based line number in the file.
//!
//! Format: UTF-8 (a leading byte-order mark is ignored); lines starting with `#` are comments and
//! carry the file's provenance; blank lines are skipped; the first other line is the header. Every
//! field is trimmed. A row must have exactly as many fields as the header.
//!
//! The csv crate's record positions point just after the previous record, so a record preceded by
//! comment or blank lines would get the line of the first of them; [`record_line`] skips those
//! lines again, so that every error names the line the record is really on.

use crate::error::DataFileError;
use csv::{Position, ReaderBuilder, StringRecord, Trim};

/// The columns a kind of file must have and may have.
pub(crate) struct Schema {
    /// Columns that must be present (their values may still be empty; rows check that).
    pub required: &'static [&'static str],
    /// Columns that may be present.
    pub optional: &'static [&'static str],
}

/// A parsed file: its name, its header and its rows.
pub(crate) struct Table<'a> {
    file: &'a str,
    columns: Vec<String>,
    rows: Vec<(usize, StringRecord)>,
}

/// One row of a [`Table`].
#[derive(Clone, Copy)]
pub(crate) struct Row<'t> {
    table: &'t Table<'t>,
    line: usize,
    record: &'t StringRecord,
}

impl<'a> Table<'a> {
    /// Reads `text` (the contents of `file`) and checks the header against `schema`.
    pub(crate) fn parse(file: &'a str, text: &str, schema: &Schema) -> Result<Self, DataFileError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut reader = ReaderBuilder::new()
            .has_headers(false)
            .comment(Some(b'#'))
            .flexible(true)
            .trim(Trim::All)
            .from_reader(text.as_bytes());
        let mut header: Option<(usize, StringRecord)> = None;
        let mut rows = Vec::new();
        for result in reader.records() {
            let record = result.map_err(|e| csv_error(file, text, &e))?;
            let line = record.position().map_or(0, |p| record_line(text, p));
            if header.is_none() {
                header = Some((line, record));
            } else {
                rows.push((line, record));
            }
        }
        let Some((header_line, header)) = header else {
            return Err(DataFileError::new(
                file,
                0,
                "(header)",
                "no header row: the file is empty",
            ));
        };
        let columns: Vec<String> = header.iter().map(str::to_owned).collect();
        check_header(file, header_line, &columns, schema)?;
        let table = Self {
            file,
            columns,
            rows,
        };
        for (line, record) in &table.rows {
            table.check_width(*line, record)?;
        }
        Ok(table)
    }

    /// The rows, in file order.
    pub(crate) fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.rows.iter().map(move |(line, record)| Row {
            table: self,
            line: *line,
            record,
        })
    }

    fn index(&self, column: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == column)
    }

    fn check_width(&self, line: usize, record: &StringRecord) -> Result<(), DataFileError> {
        let (have, want) = (record.len(), self.columns.len());
        if have < want {
            let missing = &self.columns[have];
            let msg =
                format!("row has {have} fields, the header has {want}: no value for `{missing}`");
            return Err(DataFileError::new(self.file, line, missing.as_str(), msg));
        }
        if have > want {
            let msg = format!("row has {have} fields, the header has {want}");
            return Err(DataFileError::new(
                self.file,
                line,
                format!("(field {})", want + 1),
                msg,
            ));
        }
        Ok(())
    }
}

impl<'t> Row<'t> {
    /// The row's 1-based line number in the file.
    pub(crate) fn line(&self) -> usize {
        self.line
    }

    /// The file the row comes from.
    pub(crate) fn file(&self) -> &'t str {
        self.table.file
    }

    /// The field's value, or "" when the (optional) column is absent.
    pub(crate) fn get(&self, column: &str) -> &'t str {
        self.table
            .index(column)
            .and_then(|i| self.record.get(i))
            .unwrap_or("")
    }

    /// The field's value, or `None` when it is empty or its column is absent.
    pub(crate) fn optional(&self, column: &str) -> Option<&'t str> {
        Some(self.get(column)).filter(|v| !v.is_empty())
    }

    /// The field's value; an error naming the field when it is empty.
    pub(crate) fn required(&self, column: &str) -> Result<&'t str, DataFileError> {
        self.optional(column)
            .ok_or_else(|| self.error(column, "value is required"))
    }

    /// An error at this row in `column`.
    pub(crate) fn error(&self, column: &str, message: impl Into<String>) -> DataFileError {
        DataFileError::new(self.table.file, self.line, column, message)
    }
}

fn check_header(
    file: &str,
    line: usize,
    columns: &[String],
    schema: &Schema,
) -> Result<(), DataFileError> {
    for (i, column) in columns.iter().enumerate() {
        let known = schema.required.contains(&column.as_str())
            || schema.optional.contains(&column.as_str());
        if !known {
            let expected: Vec<&str> = schema
                .required
                .iter()
                .chain(schema.optional)
                .copied()
                .collect();
            let msg = format!(
                "unknown column; expected the columns {}",
                expected.join(", ")
            );
            let field = if column.is_empty() {
                format!("(column {})", i + 1)
            } else {
                column.clone()
            };
            return Err(DataFileError::new(file, line, field, msg));
        }
        if columns[..i].contains(column) {
            return Err(DataFileError::new(
                file,
                line,
                column.as_str(),
                "duplicate column",
            ));
        }
    }
    for required in schema.required {
        if !columns.iter().any(|c| c == required) {
            return Err(DataFileError::new(file, line, *required, "missing column"));
        }
    }
    Ok(())
}

/// The 1-based line a record starts on: its position, moved past comment and blank lines.
pub(crate) fn record_line(text: &str, position: &Position) -> usize {
    let mut line = usize::try_from(position.line()).unwrap_or(usize::MAX);
    let start = usize::try_from(position.byte()).unwrap_or(usize::MAX);
    let mut rest = text.get(start..).unwrap_or("");
    while rest.starts_with('#') || rest.starts_with('\n') || rest.starts_with("\r\n") {
        let Some(end) = rest.find('\n') else { break };
        rest = &rest[end + 1..];
        line += 1;
    }
    line
}

fn csv_error(file: &str, text: &str, error: &csv::Error) -> DataFileError {
    let line = error.position().map_or(0, |p| record_line(text, p));
    DataFileError::new(file, line, "(row)", format!("not valid CSV: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: Schema = Schema {
        required: &["a", "b"],
        optional: &["c"],
    };

    fn lines(text: &str) -> Vec<(usize, String)> {
        let table = Table::parse("t.csv", text, &SCHEMA).expect("valid table");
        table
            .rows()
            .map(|r| (r.line(), r.get("a").to_owned()))
            .collect()
    }

    #[test]
    fn line_numbers_count_comments_and_blank_lines() {
        let text = "# one\n#two\n\na,b\n# three\nx,1\n\n\ny,2\r\n#\r\nz,3";
        assert_eq!(
            lines(text),
            [(6, "x".into()), (9, "y".into()), (11, "z".into())]
        );
        let bom = "\u{feff}# c\na,b\nx,1\n";
        assert_eq!(lines(bom), [(3, "x".into())]);
        let quoted = "a,b\n\"multi\nline\",1\nnext,2\n";
        assert_eq!(
            lines(quoted),
            [(2, "multi\nline".into()), (4, "next".into())]
        );
    }

    #[test]
    fn header_errors_name_the_header_line() {
        let err = |text: &str| {
            Table::parse("t.csv", text, &SCHEMA)
                .err()
                .map(|e| (e.line, e.field))
        };
        assert_eq!(err("# c\n\na\nx\n"), Some((3, "b".into())));
        assert_eq!(err("# c\na,b,d\n"), Some((2, "d".into())));
        assert_eq!(err("a,b,a\n"), Some((1, "a".into())));
        assert_eq!(err("# only comments\n"), Some((0, "(header)".into())));
        assert_eq!(err("a,b\n# c\nx\n"), Some((3, "b".into())));
        assert_eq!(err("a,b\nx,1,2\n"), Some((2, "(field 3)".into())));
    }

    #[test]
    fn optional_columns_and_values() {
        let table = Table::parse("t.csv", "a,b\nx,\n", &SCHEMA).expect("valid");
        let row = table.rows().next().expect("one row");
        assert_eq!(row.optional("c"), None);
        assert_eq!(row.optional("b"), None);
        assert_eq!(
            row.required("b").map_err(|e| (e.line, e.field)),
            Err((2, "b".into()))
        );
        assert_eq!(row.required("a"), Ok("x"));
    }
}
