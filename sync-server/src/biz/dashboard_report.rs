//! 月报 / 季报: the dashboard of a whole month or quarter as the XLSX workbook a centre sends
//! upward — 概况 (key figures against the previous period), 分类统计 (by category), 部门考核
//! (the evaluation's department table) and 高发区域 (streets, then cells).
//!
//! Invariants: every number is the dashboard's ([`super::dashboard::compute`]), which is the
//! evaluation's for the same period; headers are Chinese; rates are fractions shown as
//! percentages, a rate without a denominator is an empty cell; text from tenant data is always
//! written as a string cell (never a formula).

use super::dashboard::{Dashboard, HotLine};
use crate::error::{Result, ServerError};
use gridcase_core::evaluation::FigureKind;
use gridcase_core::model::Timestamp;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

fn xlsx_error(e: XlsxError) -> ServerError {
    ServerError::Internal(format!("xlsx: {e}"))
}

fn day(ms: i64) -> String {
    Timestamp(ms)
        .to_shanghai()
        .map_or_else(|| ms.to_string(), |d| d.format("%Y-%m-%d").to_string())
}

/// The inclusive dates of a half-open span, `2026-11-01 至 2026-11-30`.
pub fn span_text(from: i64, to: i64) -> String {
    format!("{} 至 {}", day(from), day(to - 1))
}

struct Formats {
    bold: Format,
    percent: Format,
    score: Format,
}

fn header(sheet: &mut Worksheet, row: u32, cols: &[&str], f: &Formats) -> Result<()> {
    for (c, h) in cols.iter().enumerate() {
        sheet
            .write_string_with_format(row, c as u16, *h, &f.bold)
            .map_err(xlsx_error)?;
    }
    Ok(())
}

fn rate(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

fn opt(sheet: &mut Worksheet, r: u32, c: u16, v: Option<f64>, f: Option<&Format>) -> Result<()> {
    if let Some(v) = v {
        match f {
            Some(f) => sheet.write_number_with_format(r, c, v, f),
            None => sheet.write_number(r, c, v),
        }
        .map_err(xlsx_error)?;
    }
    Ok(())
}

/// 概况.
fn overview(sheet: &mut Worksheet, d: &Dashboard, title: &str, f: &Formats) -> Result<()> {
    sheet.set_name("概况").map_err(xlsx_error)?;
    sheet.set_column_width(0, 16).map_err(xlsx_error)?;
    sheet.set_column_width(1, 26).map_err(xlsx_error)?;
    sheet.set_column_width(2, 26).map_err(xlsx_error)?;
    let p = &d.periods;
    let lines = [
        ("报表", title.to_owned()),
        ("区县", format!("{}（{}）", d.tenant_name, d.tenant)),
        ("统计周期", span_text(p.current.from, p.current.to)),
        ("上期", span_text(p.previous.from, p.previous.to)),
    ];
    for (r, (k, v)) in lines.iter().enumerate() {
        sheet
            .write_string_with_format(r as u32, 0, *k, &f.bold)
            .map_err(xlsx_error)?;
        sheet.write_string(r as u32, 1, v).map_err(xlsx_error)?;
    }
    let top = lines.len() as u32 + 1;
    header(sheet, top, &["指标", "本期", "上期", "增减", "环比"], f)?;
    for (i, h) in d.figures.iter().enumerate() {
        let r = top + 1 + i as u32;
        sheet.write_string(r, 0, h.label).map_err(xlsx_error)?;
        let fmt = (h.kind == "rate").then_some(&f.percent);
        opt(sheet, r, 1, h.value, fmt)?;
        opt(sheet, r, 2, h.previous, fmt)?;
        if let (Some(v), Some(p)) = (h.value, h.previous) {
            opt(sheet, r, 3, Some(v - p), fmt)?;
            if h.kind == "count" && p > 0.0 {
                opt(sheet, r, 4, Some((v - p) / p), Some(&f.percent))?;
            }
        }
    }
    let r = top + 1 + d.figures.len() as u32;
    let overdue: u64 = d.departments.iter().map(|x| x.overdue_now).sum();
    sheet
        .write_string(r, 0, "当前超期案件（报表生成时）")
        .map_err(xlsx_error)?;
    sheet
        .write_number(r, 1, overdue as f64)
        .map_err(xlsx_error)?;
    Ok(())
}

fn hot_sheet_rows(
    sheet: &mut Worksheet,
    first: u32,
    lines: &[HotLine],
    with_class: bool,
    f: &Formats,
) -> Result<u32> {
    for (i, l) in lines.iter().enumerate() {
        let r = first + i as u32;
        let mut c = 0u16;
        sheet.write_string(r, c, &l.id).map_err(xlsx_error)?;
        c += 1;
        if with_class {
            sheet
                .write_string(r, c, l.class.as_deref().unwrap_or(""))
                .map_err(xlsx_error)?;
            c += 1;
        }
        sheet.write_string(r, c, &l.name).map_err(xlsx_error)?;
        for (k, v) in [l.filed, l.due_close, l.closed, l.ontime_closed]
            .iter()
            .enumerate()
        {
            sheet
                .write_number(r, c + 1 + k as u16, *v as f64)
                .map_err(xlsx_error)?;
        }
        opt(
            sheet,
            r,
            c + 5,
            rate(l.ontime_closed, l.due_close),
            Some(&f.percent),
        )?;
        sheet
            .write_number(r, c + 6, l.previous_filed as f64)
            .map_err(xlsx_error)?;
    }
    Ok(first + lines.len() as u32)
}

const HOT_FIGURES: [&str; 6] = [
    "立案数",
    "应结案数",
    "结案数",
    "按期结案数",
    "按期结案率",
    "上期立案数",
];

fn hot_header(first: &[&'static str]) -> Vec<&'static str> {
    let mut h = first.to_vec();
    h.extend(HOT_FIGURES);
    h
}

/// The workbook. `title` names it (e.g. `2026年11月 城市管理月报`).
pub fn workbook(d: &Dashboard, title: &str) -> Result<Vec<u8>> {
    let f = Formats {
        bold: Format::new().set_bold(),
        percent: Format::new().set_num_format("0.00%"),
        score: Format::new().set_num_format("0.00"),
    };
    let mut book = Workbook::new();
    overview(book.add_worksheet(), d, title, &f)?;

    let sheet = book.add_worksheet();
    sheet.set_name("分类统计").map_err(xlsx_error)?;
    sheet.set_column_width(2, 24).map_err(xlsx_error)?;
    header(sheet, 0, &hot_header(&["类别编码", "大类", "小类"]), &f)?;
    hot_sheet_rows(sheet, 1, &d.categories, true, &f)?;

    let sheet = book.add_worksheet();
    sheet.set_name("部门考核").map_err(xlsx_error)?;
    sheet.set_column_width(1, 16).map_err(xlsx_error)?;
    let table = &d.department_table;
    let mut cols: Vec<&str> = vec!["编码", "部门"];
    cols.extend(table.columns.iter().map(|c| c.label.as_str()));
    cols.extend(["综合指标值", "等级", "当前超期"]);
    header(sheet, 0, &cols, &f)?;
    let now_red: std::collections::BTreeMap<&str, u64> = d
        .departments
        .iter()
        .map(|x| (x.id.as_str(), x.overdue_now))
        .collect();
    for (i, row) in table.rows.iter().enumerate() {
        let r = i as u32 + 1;
        sheet.write_string(r, 0, &row.id).map_err(xlsx_error)?;
        sheet.write_string(r, 1, &row.name).map_err(xlsx_error)?;
        for (k, fig) in row.figures.iter().enumerate() {
            let fmt = match fig.kind {
                FigureKind::Count => None,
                FigureKind::Rate => Some(&f.percent),
                FigureKind::Score => Some(&f.score),
            };
            opt(sheet, r, k as u16 + 2, fig.value, fmt)?;
        }
        let c = row.figures.len() as u16 + 2;
        opt(sheet, r, c, row.score, Some(&f.score))?;
        if let Some(g) = &row.grade {
            sheet.write_string(r, c + 1, g).map_err(xlsx_error)?;
        }
        sheet
            .write_number(
                r,
                c + 2,
                now_red.get(row.id.as_str()).copied().unwrap_or(0) as f64,
            )
            .map_err(xlsx_error)?;
    }

    let sheet = book.add_worksheet();
    sheet.set_name("高发区域").map_err(xlsx_error)?;
    sheet.set_column_width(0, 18).map_err(xlsx_error)?;
    sheet.set_column_width(1, 16).map_err(xlsx_error)?;
    header(sheet, 0, &hot_header(&["街道编码", "街道"]), &f)?;
    let next = hot_sheet_rows(sheet, 1, &d.streets, false, &f)?;
    header(sheet, next + 1, &hot_header(&["网格编码", "网格"]), &f)?;
    hot_sheet_rows(sheet, next + 2, &d.cells, false, &f)?;
    book.save_to_buffer().map_err(xlsx_error)
}

/// Which report: a month `YYYY-MM` or a quarter `YYYY-Qn`.
#[derive(Clone, Debug)]
pub enum ReportPeriod {
    /// 月报.
    Month(String),
    /// 季报.
    Quarter(String),
}

/// The report for the caller's tenant: the workbook and its file name.
pub fn report(
    dep: &crate::deployment::Deployment,
    caller: &super::Caller,
    which: &ReportPeriod,
) -> Result<(Vec<u8>, String)> {
    super::dashboard::check_may_view(caller)?;
    let (query, kind, label) = match which {
        ReportPeriod::Month(m) => (
            super::dashboard::DashboardQuery {
                month: Some(m.clone()),
                ..Default::default()
            },
            "月报",
            m.replacen('-', "年", 1) + "月",
        ),
        ReportPeriod::Quarter(q) => (
            super::dashboard::DashboardQuery {
                quarter: Some(q.clone()),
                ..Default::default()
            },
            "季报",
            q.replacen("-Q", "年第", 1) + "季度",
        ),
    };
    let periods = query.periods(dep.now())?;
    let d = super::dashboard::compute(dep, &caller.tenant_code(), periods)?;
    let title = format!("{} {}城市管理{kind}", d.tenant_name, label);
    let bytes = workbook(&d, &title)?;
    let name = format!(
        "report-{}-{}.xlsx",
        d.tenant,
        match which {
            ReportPeriod::Month(m) => m.as_str(),
            ReportPeriod::Quarter(q) => q.as_str(),
        }
    );
    Ok((bytes, name))
}
