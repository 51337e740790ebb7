//! A small CSV reader for the tenant's hand-writable tables: `#` comment lines, blank lines
//! skipped, a header row naming the columns (any order; unknown columns refused), every field
//! trimmed, and each row with its real 1-based line in the file for errors. (The same
//! conventions as the catalog's reader, which is private to `catalog`.)

use crate::error::DataFileError;
use csv::{ReaderBuilder, StringRecord, Trim};

/// The rows of one file.
pub(crate) struct Rows<'a> {
    file: &'a str,
    columns: Vec<String>,
    rows: Vec<(usize, StringRecord)>,
}

/// One row.
pub(crate) struct Row<'r> {
    rows: &'r Rows<'r>,
    /// The 1-based line in the file.
    pub line: usize,
    record: &'r StringRecord,
}

/// The 1-based line a record starts on, from the byte offset where the csv reader left off
/// (which is before any comment or blank lines preceding the record).
fn record_line(text: &str, byte: u64) -> usize {
    let start = usize::try_from(byte).unwrap_or(text.len()).min(text.len());
    let before = text.get(..start).unwrap_or("");
    let mut line = before.matches('\n').count() + 1;
    let mut rest = text.get(start..).unwrap_or("");
    while rest.starts_with('#') || rest.starts_with('\n') || rest.starts_with("\r\n") {
        let Some(end) = rest.find('\n') else { break };
        rest = &rest[end + 1..];
        line += 1;
    }
    line
}

impl<'a> Rows<'a> {
    /// Reads `text`; the header must hold every `required` column and only those or `optional`.
    pub fn parse(
        file: &'a str,
        text: &str,
        required: &[&str],
        optional: &[&str],
    ) -> Result<Self, DataFileError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut reader = ReaderBuilder::new()
            .has_headers(false)
            .comment(Some(b'#'))
            .flexible(true)
            .trim(Trim::All)
            .from_reader(text.as_bytes());
        let mut records = Vec::new();
        for result in reader.records() {
            let record = result.map_err(|e| {
                let line = e.position().map_or(0, |p| record_line(text, p.byte()));
                DataFileError::new(file, line, "(row)", format!("not valid CSV: {e}"))
            })?;
            let line = record.position().map_or(0, |p| record_line(text, p.byte()));
            records.push((line, record));
        }
        let mut records = records.into_iter();
        let Some((header_line, header)) = records.next() else {
            return Err(DataFileError::new(
                file,
                0,
                "(header)",
                "no header row: the file is empty",
            ));
        };
        let columns: Vec<String> = header.iter().map(str::to_owned).collect();
        for c in &columns {
            if !required.contains(&c.as_str()) && !optional.contains(&c.as_str()) {
                let all: Vec<&str> = required.iter().chain(optional).copied().collect();
                return Err(DataFileError::new(
                    file,
                    header_line,
                    c.as_str(),
                    format!("unknown column; expected {}", all.join(", ")),
                ));
            }
        }
        if let Some(missing) = required.iter().find(|r| !columns.iter().any(|c| c == *r)) {
            return Err(DataFileError::new(
                file,
                header_line,
                *missing,
                "missing column",
            ));
        }
        let rows: Vec<(usize, StringRecord)> = records.collect();
        for (line, record) in &rows {
            if record.len() != columns.len() {
                let msg = format!(
                    "row has {} fields, the header has {}",
                    record.len(),
                    columns.len()
                );
                return Err(DataFileError::new(file, *line, "(row)", msg));
            }
        }
        Ok(Rows {
            file,
            columns,
            rows,
        })
    }

    /// The rows in file order.
    pub fn iter(&self) -> impl Iterator<Item = Row<'_>> {
        self.rows.iter().map(move |(line, record)| Row {
            rows: self,
            line: *line,
            record,
        })
    }
}

impl<'r> Row<'r> {
    /// The field's value, "" when empty or when the (optional) column is absent.
    pub fn get(&self, column: &str) -> &'r str {
        let i = self.rows.columns.iter().position(|c| c == column);
        i.and_then(|i| self.record.get(i)).unwrap_or("")
    }

    /// The field's value; an error naming the field when it is empty.
    pub fn required(&self, column: &str) -> Result<&'r str, DataFileError> {
        Some(self.get(column))
            .filter(|v| !v.is_empty())
            .ok_or_else(|| self.error(column, "value is required"))
    }

    /// An error at this row in `column`.
    pub fn error(&self, column: &str, message: impl Into<String>) -> DataFileError {
        DataFileError::new(self.rows.file, self.line, column, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_count_comments() {
        let text = "# c\n#\na,b\n\n# x\n1,2\n3,4\n";
        let rows = Rows::parse("t.csv", text, &["a", "b"], &[]).expect("valid");
        let lines: Vec<usize> = rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [6, 7]);
        let e = Rows::parse("t.csv", "a\n1\n", &["a", "b"], &[])
            .err()
            .map(|e| (e.line, e.field));
        assert_eq!(e, Some((1, "b".into())));
        let e = Rows::parse("t.csv", "a,b\n1\n", &["a", "b"], &[])
            .err()
            .map(|e| e.line);
        assert_eq!(e, Some(2));
    }
}
