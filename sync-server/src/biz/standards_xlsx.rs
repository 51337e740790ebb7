//! Reads the standards sheet of an XLSX workbook into rows of strings for the core parser
//! ([`gridcase_core::catalog::standards::import::parse_rows`]).
//!
//! The sheet read is the one named `立案处置结案标准`, `标准` or `standards`, else the first
//! sheet. Row numbers are the sheet's (row 1 is the first row of the sheet, whatever the
//! used range); cells keep their sheet column. A formula cell (whatever its cached value), an
//! error value (`#N/A`, `#REF!` …) and a date cell are handed on as refused cells, so the parser
//! reports them with their row and column; whole numbers stored as floats become integers.
//! A workbook that cannot be opened is refused as a whole.

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use gridcase_core::catalog::standards::{MAX_ROWS, RawRow, StandardsImportError};
use std::io::Cursor;

/// The sheet names looked for, in order.
pub const SHEET_NAMES: [&str; 3] = ["立案处置结案标准", "标准", "standards"];

/// The rows of the standards sheet; the name to use in errors (`file[sheet]`).
pub fn read(file: &str, bytes: &[u8]) -> Result<(String, Vec<RawRow>), StandardsImportError> {
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
    let (height, _) = range.get_size();
    if height > MAX_ROWS + 50 {
        return Err(StandardsImportError::single(
            &label,
            0,
            "(行)",
            format!("工作表有 {height} 行，超过 {MAX_ROWS} 行数据的上限"),
        ));
    }
    let mut rows = Vec::with_capacity(height);
    for (i, cells) in range.rows().enumerate() {
        let row = top as usize + i;
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
