//! A survey's progress as an XLSX workbook (rust_xlsxwriter; the house style of
//! biz::evaluation_export): sheet 网格进度 (one row per cell), sheet 监督员进度 (one row per
//! assigned inspector) and sheet 任务 (title, window, rate, cases).
//!
//! Invariant: the workbook holds exactly the numbers of the JSON progress, in its order; text
//! from tenant data (titles, names) is always written as a string cell, never as a formula.

use crate::error::{Result, ServerError};
use gridcase_core::model::Timestamp;
use gridcase_core::protocol::SurveyProgressWire;
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use std::collections::BTreeMap;

/// The header of 网格进度.
pub const CELL_HEADER: [&str; 6] = [
    "网格编码",
    "监督员",
    "状态",
    "发现问题数",
    "是否完成",
    "监督员编号",
];
/// The header of 监督员进度.
pub const INSPECTOR_HEADER: [&str; 6] = [
    "监督员",
    "分配网格数",
    "已完成网格数",
    "上报案件数",
    "无问题标记数",
    "监督员编号",
];

/// The Chinese label of a cell status (`pending`, `clear`, `found`).
pub fn status_zh(status: &str) -> &'static str {
    match status {
        "clear" => "已查无问题",
        "found" => "发现问题",
        _ => "未查",
    }
}

fn xlsx_error(e: XlsxError) -> ServerError {
    ServerError::Internal(format!("xlsx: {e}"))
}

fn local(ms: i64) -> String {
    Timestamp(ms).to_shanghai().map_or_else(
        || ms.to_string(),
        |d| d.format("%Y-%m-%d %H:%M").to_string(),
    )
}

/// The workbook.
pub fn xlsx(p: &SurveyProgressWire) -> Result<Vec<u8>> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let percent = Format::new().set_num_format("0.00%");
    let names: BTreeMap<_, _> = p
        .inspectors
        .iter()
        .map(|i| (i.inspector, i.name.as_str()))
        .collect();

    let sheet = book.add_worksheet();
    sheet.set_name("网格进度").map_err(xlsx_error)?;
    for (c, h) in CELL_HEADER.iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, *h, &bold)
            .map_err(xlsx_error)?;
    }
    sheet.set_column_width(0, 18).map_err(xlsx_error)?;
    for (r, cell) in p.cells.iter().enumerate() {
        let r = r as u32 + 1;
        sheet
            .write_string(r, 0, cell.cell.to_string())
            .map_err(xlsx_error)?;
        sheet
            .write_string(r, 1, names.get(&cell.inspector).copied().unwrap_or(""))
            .map_err(xlsx_error)?;
        sheet
            .write_string(r, 2, status_zh(&cell.status))
            .map_err(xlsx_error)?;
        sheet
            .write_number(r, 3, f64::from(cell.found))
            .map_err(xlsx_error)?;
        sheet
            .write_string(r, 4, if cell.done { "是" } else { "否" })
            .map_err(xlsx_error)?;
        sheet
            .write_string(r, 5, cell.inspector.to_string())
            .map_err(xlsx_error)?;
    }

    let sheet = book.add_worksheet();
    sheet.set_name("监督员进度").map_err(xlsx_error)?;
    for (c, h) in INSPECTOR_HEADER.iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, *h, &bold)
            .map_err(xlsx_error)?;
    }
    for (r, i) in p.inspectors.iter().enumerate() {
        let r = r as u32 + 1;
        sheet.write_string(r, 0, &i.name).map_err(xlsx_error)?;
        for (c, v) in [i.cells, i.done, i.reported, i.clear]
            .into_iter()
            .enumerate()
        {
            sheet
                .write_number(r, c as u16 + 1, f64::from(v))
                .map_err(xlsx_error)?;
        }
        sheet
            .write_string(r, 5, i.inspector.to_string())
            .map_err(xlsx_error)?;
    }

    let about = book.add_worksheet();
    about.set_name("任务").map_err(xlsx_error)?;
    about.set_column_width(0, 14).map_err(xlsx_error)?;
    about.set_column_width(1, 28).map_err(xlsx_error)?;
    let lines = [
        ("任务", p.task.title.clone()),
        ("开始", local(p.task.starts_at)),
        ("截止", local(p.task.due_at)),
    ];
    for (r, (k, v)) in lines.iter().enumerate() {
        about
            .write_string_with_format(r as u32, 0, *k, &bold)
            .map_err(xlsx_error)?;
        about.write_string(r as u32, 1, v).map_err(xlsx_error)?;
    }
    about
        .write_string_with_format(3, 0, "完成率", &bold)
        .map_err(xlsx_error)?;
    about
        .write_number_with_format(3, 1, p.rate, &percent)
        .map_err(xlsx_error)?;
    about
        .write_string_with_format(4, 0, "上报案件数", &bold)
        .map_err(xlsx_error)?;
    about
        .write_number(4, 1, f64::from(p.cases))
        .map_err(xlsx_error)?;
    book.save_to_buffer().map_err(xlsx_error)
}
