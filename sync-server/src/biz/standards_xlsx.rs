//! Reads the standards sheet of an XLSX workbook into rows of strings for the core parser
//! ([`gridcase_core::catalog::standards::import::parse_rows`]).
//!
//! The sheet read is the one named `立案处置结案标准`, `标准` or `standards`, else the first
//! sheet. Row numbers are the sheet's (row 1 is the first row of the sheet, whatever the
//! used range); cells keep their sheet column. A formula cell (whatever its cached value), an
//! error value (`#N/A`, `#REF!` …) and a date cell are handed on as refused cells, so the parser
//! reports them with their row and column; whole numbers stored as floats become integers.
//! A workbook that cannot be opened is refused as a whole, and so is one whose ZIP entries
//! declare more than [`MAX_UNZIPPED_BYTES`] in all or more than [`MAX_ENTRIES`] entries (checked
//! before calamine inflates anything; a file lying about its sizes is not caught by this).

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use gridcase_core::catalog::standards::{MAX_ROWS, RawRow, StandardsImportError};
use std::io::Cursor;

/// Most bytes a workbook's entries may declare, uncompressed, in all.
pub const MAX_UNZIPPED_BYTES: u64 = 64 * 1024 * 1024;
/// Most entries in a workbook.
pub const MAX_ENTRIES: usize = 500;

/// Refuses a ZIP whose declared sizes or entry count are out of bounds.
fn precheck(file: &str, bytes: &[u8]) -> Result<(), StandardsImportError> {
    let refuse = |msg: String| StandardsImportError::single(file, 0, "(文件)", msg);
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| refuse(format!("不是有效的 XLSX 工作簿：{e}")))?;
    if zip.len() > MAX_ENTRIES {
        return Err(refuse(format!(
            "工作簿含 {} 个部件，超过上限 {MAX_ENTRIES}",
            zip.len()
        )));
    }
    let mut total = 0u64;
    for i in 0..zip.len() {
        let entry = zip
            .by_index_raw(i)
            .map_err(|e| refuse(format!("不是有效的 XLSX 工作簿：{e}")))?;
        total = total.saturating_add(entry.size());
    }
    if total > MAX_UNZIPPED_BYTES {
        return Err(refuse(format!(
            "工作簿解压后超过 {} MiB",
            MAX_UNZIPPED_BYTES >> 20
        )));
    }
    Ok(())
}

/// The sheet names looked for, in order.
pub const SHEET_NAMES: [&str; 3] = ["立案处置结案标准", "标准", "standards"];

/// The rows of the standards sheet; the name to use in errors (`file[sheet]`).
pub fn read(file: &str, bytes: &[u8]) -> Result<(String, Vec<RawRow>), StandardsImportError> {
    precheck(file, bytes)?;
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| {
        StandardsImportError::single(file, 0, "(文件)", format!("不是有效的 XLSX 工作簿：{e}"))
    })?;
    let names = book.sheet_names();
    let sheet = SHEET_NAMES
        .iter()
        .find_map(|want| names.iter().find(|n| n.trim() == *want))
        .or_else(|| names.first())
        .cloned()
        .ok_or_else(|| StandardsImportError::single(file, 0, "(文件)", "工作簿中没有工作表"))?;
    let label = format!("{file}[{sheet}]");
    let range = book.worksheet_range(&sheet).map_err(|e| {
        StandardsImportError::single(&label, 0, "(工作表)", format!("无法读取工作表：{e}"))
    })?;
    let formulas = book.worksheet_formula(&sheet).map_err(|e| {
        StandardsImportError::single(&label, 0, "(工作表)", format!("无法读取公式：{e}"))
    })?;
    let Some((top, left)) = range.start() else {
        return Ok((label, Vec::new()));
    };
    let mut rows = Vec::new();
    for (i, cells) in range.rows().enumerate() {
        let row = top as usize + i;
        if cells.iter().all(|c| matches!(c, Data::Empty)) {
            continue;
        }
        // Title, header and comment rows besides the data rows; the parser counts exactly.
        if rows.len() > MAX_ROWS + 50 {
            return Err(StandardsImportError::single(
                &label,
                row + 1,
                "(行)",
                format!("数据行超过 {MAX_ROWS} 行"),
            ));
        }
        let mut out: Vec<Result<String, String>> = vec![Ok(String::new()); left as usize];
        for (j, cell) in cells.iter().enumerate() {
            let at = (row as u32, left + j as u32);
            let formula = formulas.get_value(at).filter(|f| !f.is_empty());
            out.push(match formula {
                Some(f) => Err(format!(
                    "公式单元格（={}）不接受：请复制后「选择性粘贴 → 数值」",
                    truncate(f)
                )),
                None => cell_text(cell),
            });
        }
        rows.push(RawRow {
            number: row + 1,
            cells: out,
        });
    }
    Ok((label, rows))
}

fn truncate(s: &str) -> String {
    if s.chars().count() > 40 {
        s.chars().take(40).collect::<String>() + "…"
    } else {
        s.to_owned()
    }
}

fn cell_text(cell: &Data) -> Result<String, String> {
    match cell {
        Data::Empty => Ok(String::new()),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => Ok(s.clone()),
        Data::Int(i) => Ok(i.to_string()),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => Ok(format!("{}", *f as i64)),
        Data::Float(f) => Ok(f.to_string()),
        Data::Bool(b) => Ok(if *b { "TRUE" } else { "FALSE" }.to_owned()),
        Data::DateTime(_) => Err("日期单元格不接受：请设为文本或数值".to_owned()),
        Data::Error(e) => Err(format!("错误值 {e} 不接受")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    #[test]
    fn cells_become_text_or_refusals() {
        assert_eq!(cell_text(&Data::Float(4.0)), Ok("4".to_owned()));
        assert_eq!(cell_text(&Data::Float(4.5)), Ok("4.5".to_owned()));
        assert_eq!(cell_text(&Data::Int(15)), Ok("15".to_owned()));
        assert!(cell_text(&Data::Error(calamine::CellErrorType::NA)).is_err());
        assert_eq!(cell_text(&Data::Empty), Ok(String::new()));
    }

    #[test]
    fn a_zip_declaring_too_much_is_refused_before_inflating() {
        let mut out = Cursor::new(Vec::new());
        {
            let mut zip = zip::ZipWriter::new(&mut out);
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored);
            zip.start_file("xl/worksheets/sheet1.xml", options)
                .expect("entry");
            // 65 MiB of zeros, stored: the declared size is over the bound.
            let chunk = vec![0u8; 1 << 20];
            for _ in 0..65 {
                zip.write_all(&chunk).expect("write");
            }
            zip.finish().expect("finish");
        }
        let e = read("big.xlsx", out.get_ref()).expect_err("refused");
        assert_eq!(e.errors[0].field, "(文件)");
        assert!(
            e.errors[0].message.contains("64 MiB"),
            "{}",
            e.errors[0].message
        );
    }
}
