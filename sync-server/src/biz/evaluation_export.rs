//! Evaluation tables as files: XLSX (rust_xlsxwriter) and CSV (UTF-8 with a byte-order mark so
//! spreadsheet programs read the Chinese headers).
//!
//! Invariant: both files hold exactly the numbers of the JSON report, in the same order — row
//! 1 is the header (编码, 名称, one column per figure, 综合指标值, 等级), then one row per object;
//! a rate is its fraction (shown as a percentage in XLSX), a figure without a value is an empty
//! cell. The XLSX has a second sheet, 评价口径, with the tenant, period and weights; a published
//! period's workbook ([`xlsx_stamped`]) lists its publication below the weights and carries
//! the publication time as its creation time, so the same version gives the same bytes.
//!
//! Names come from tenant data (departments, users): CSV text cells are neutralised against
//! formula injection ([`csv_text`]); XLSX text is always written as a string cell (never
//! `write` or `write_formula`), which spreadsheet programs do not evaluate.

use super::evaluation::EvaluationReport;
use crate::error::{Result, ServerError};
use gridcase_core::evaluation::FigureKind;
use gridcase_core::model::Timestamp;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, XlsxError};

/// The header row.
pub fn header(report: &EvaluationReport) -> Vec<String> {
    let mut h = vec!["编码".to_owned(), "名称".to_owned()];
    h.extend(report.table.columns.iter().map(|c| c.label.clone()));
    h.push("综合指标值".to_owned());
    h.push("等级".to_owned());
    h
}

fn local(t: Timestamp) -> String {
    t.to_shanghai().map_or_else(
        || t.0.to_string(),
        |d| d.format("%Y-%m-%d %H:%M").to_string(),
    )
}

fn xlsx_error(e: XlsxError) -> ServerError {
    ServerError::Internal(format!("xlsx: {e}"))
}

/// What a published period's workbook adds: label/value lines for the 评价口径 sheet and the
/// publication time (Unix ms), used as the workbook's creation time.
#[derive(Clone, Debug)]
pub struct Stamp {
    /// Lines written below the weights (版本, 发布时间, …).
    pub lines: Vec<(&'static str, String)>,
    /// The publication time.
    pub created_at_ms: i64,
}

/// The report as an XLSX workbook.
pub fn xlsx(report: &EvaluationReport) -> Result<Vec<u8>> {
    xlsx_stamped(report, None)
}

/// The report as an XLSX workbook, with a published period's stamp.
pub fn xlsx_stamped(report: &EvaluationReport, stamp: Option<&Stamp>) -> Result<Vec<u8>> {
    let mut book = Workbook::new();
    if let Some(stamp) = stamp {
        let at = ExcelDateTime::from_timestamp(stamp.created_at_ms.div_euclid(1000))
            .map_err(xlsx_error)?;
        book.set_properties(&DocProperties::new().set_creation_datetime(&at));
    }
    let bold = Format::new().set_bold();
    let percent = Format::new().set_num_format("0.00%");
    let score = Format::new().set_num_format("0.00");
    let sheet = book.add_worksheet();
    sheet.set_name(report.title).map_err(xlsx_error)?;
    for (c, h) in header(report).iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, h, &bold)
            .map_err(xlsx_error)?;
    }
    sheet.set_column_width(1, 16).map_err(xlsx_error)?;
    for (r, row) in report.table.rows.iter().enumerate() {
        let r = r as u32 + 1;
        sheet.write_string(r, 0, &row.id).map_err(xlsx_error)?;
        sheet.write_string(r, 1, &row.name).map_err(xlsx_error)?;
        for (i, f) in row.figures.iter().enumerate() {
            let c = i as u16 + 2;
            let Some(v) = f.value else { continue };
            match f.kind {
                FigureKind::Count => sheet.write_number(r, c, v),
                FigureKind::Rate => sheet.write_number_with_format(r, c, v, &percent),
                FigureKind::Score => sheet.write_number_with_format(r, c, v, &score),
            }
            .map_err(xlsx_error)?;
        }
        let c = row.figures.len() as u16 + 2;
        if let Some(s) = row.score {
            sheet
                .write_number_with_format(r, c, s, &score)
                .map_err(xlsx_error)?;
        }
        if let Some(g) = &row.grade {
            sheet.write_string(r, c + 1, g).map_err(xlsx_error)?;
        }
    }
    let about = book.add_worksheet();
    about.set_name("评价口径").map_err(xlsx_error)?;
    about.set_column_width(0, 18).map_err(xlsx_error)?;
    about.set_column_width(1, 24).map_err(xlsx_error)?;
    let lines = [
        (
            "区县",
            format!("{}（{}）", report.tenant_name, report.tenant),
        ),
        ("评价对象", report.title.to_owned()),
        ("起始", local(report.table.from)),
        ("截止（不含）", local(report.table.to)),
    ];
    for (r, (k, v)) in lines.iter().enumerate() {
        about
            .write_string_with_format(r as u32, 0, *k, &bold)
            .map_err(xlsx_error)?;
        about.write_string(r as u32, 1, v).map_err(xlsx_error)?;
    }
    let first = lines.len() as u32 + 1;
    about
        .write_string_with_format(first, 0, "指标", &bold)
        .map_err(xlsx_error)?;
    about
        .write_string_with_format(first, 1, "权重（%）", &bold)
        .map_err(xlsx_error)?;
    let weighted = report.table.columns.iter().filter(|c| c.weight > 0.0);
    let mut next = first + 1;
    for c in weighted {
        about.write_string(next, 0, &c.label).map_err(xlsx_error)?;
        about.write_number(next, 1, c.weight).map_err(xlsx_error)?;
        next += 1;
    }
    if let Some(stamp) = stamp {
        for (i, (k, v)) in stamp.lines.iter().enumerate() {
            let r = next + 1 + i as u32;
            about
                .write_string_with_format(r, 0, *k, &bold)
                .map_err(xlsx_error)?;
            about.write_string(r, 1, v).map_err(xlsx_error)?;
        }
    }
    book.save_to_buffer().map_err(xlsx_error)
}

/// A number as CSV text: integers without a fraction, others in the shortest exact form.
fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// A text cell made safe for spreadsheet programs (CSV injection): a cell that starts with
/// `=`, `+`, `-`, `@`, a tab or a carriage return would be read as a formula, so it gets a
/// leading `'`. Every text cell of every CSV the server writes goes through this; numbers the
/// server formats itself (a negative score) stay numbers.
pub fn csv_text(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

/// The report as CSV (UTF-8 with BOM).
pub fn csv(report: &EvaluationReport) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let io = |e: csv::Error| ServerError::Internal(format!("csv: {e}"));
    w.write_record(header(report).iter().map(|h| csv_text(h)))
        .map_err(io)?;
    for row in &report.table.rows {
        let mut rec = vec![csv_text(&row.id), csv_text(&row.name)];
        rec.extend(
            row.figures
                .iter()
                .map(|f| f.value.map(number).unwrap_or_default()),
        );
        rec.push(row.score.map(number).unwrap_or_default());
        rec.push(csv_text(row.grade.as_deref().unwrap_or_default()));
        w.write_record(&rec).map_err(io)?;
    }
    w.into_inner()
        .map_err(|e| ServerError::Internal(format!("csv: {e}")))
}
