//! Reading a standards table from rows of strings: one parser for every file form. CSV is read
//! here ([`parse_csv`]); a spreadsheet reader (the server's XLSX reader) turns each sheet row
//! into a [`RawRow`] — a cell it cannot accept (a formula, an error value) as `Err(reason)` —
//! and calls [`parse_rows`].
//!
//! Rules (docs/data-formats.md, "Standards table"):
//! - rows before the header (a title) are skipped; the header is the first row with a
//!   category column (`小类代码` / `category`); every other header cell must be a known column
//!   (Chinese or English name), empty header cells are ignored; comment rows start with `#`;
//!   empty rows are skipped;
//! - rows are numbered as the user sees them (CSV: the line; XLSX: the sheet row, 1-based);
//! - the WHOLE file is refused when any row is at fault, with up to [`MAX_ERRORS`] errors,
//!   each naming the file, row and column; more than [`MAX_ROWS`] data rows are refused.

use super::{CategoryStandard, Condition, LimitRow, StandardsTable};
use crate::catalog::Catalog;
use crate::codes::{CategoryCode, CategoryKind, CategoryRef, CodeStandard};
use crate::error::DataFileError;
use crate::model::{LimitUnit, TimeLimit};
use crate::workflow::limits::{MAX_LIMIT_VALUE, MAX_NOTE_CHARS, check_text};
use std::collections::HashMap;
use std::fmt;

/// Most data rows a standards file may have.
pub const MAX_ROWS: usize = 5_000;
/// Most errors reported for one refused file.
pub const MAX_ERRORS: usize = 50;
/// Longest condition code.
const MAX_CODE_CHARS: usize = 32;

/// One row of a sheet: its 1-based row number and its cells (`Err` = a cell the reader refused,
/// with the reason).
#[derive(Clone, Debug, PartialEq)]
pub struct RawRow {
    /// The row number the user sees.
    pub number: usize,
    /// The cells, left to right.
    pub cells: Vec<Result<String, String>>,
}

/// A refused standards file: every error found (up to [`MAX_ERRORS`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StandardsImportError {
    /// The errors, in row order.
    pub errors: Vec<DataFileError>,
    /// How many more errors were found but not listed.
    pub more: usize,
}

impl StandardsImportError {
    /// A refusal with one error.
    pub fn single(file: &str, row: usize, column: &str, message: impl Into<String>) -> Self {
        Self {
            errors: vec![DataFileError::new(file, row, column, message)],
            more: 0,
        }
    }
}

impl fmt::Display for StandardsImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "共 {} 处错误", self.errors.len() + self.more)?;
        for e in &self.errors {
            write!(
                f,
                "；{} 第 {} 行「{}」：{}",
                e.file, e.line, e.field, e.message
            )?;
        }
        if self.more > 0 {
            write!(f, "；另有 {} 处错误未列出", self.more)?;
        }
        Ok(())
    }
}

impl std::error::Error for StandardsImportError {}

/// The columns: key, accepted header names (English first), whether the header must have it.
const COLUMNS: [(Col, &[&str], bool); 12] = [
    (Col::Kind, &["kind", "类型", "问题类型"], true),
    (Col::Category, &["category", "小类代码", "小类编码"], true),
    (Col::CategoryName, &["category_name", "小类名称"], false),
    (
        Col::Condition,
        &["condition", "立案条件编号", "细类编号", "细类代码"],
        false,
    ),
    (Col::Filing, &["filing_condition", "立案条件"], true),
    (Col::Closing, &["closing_condition", "结案条件"], true),
    (Col::Grade, &["grade", "区域等级"], false),
    (Col::Urgent, &["limit_urgent", "紧急时限"], true),
    (Col::Normal, &["limit_normal", "一般时限"], true),
    (Col::Unit, &["unit", "时限单位"], false),
    (Col::Source, &["source", "依据", "来源"], false),
    (Col::Note, &["note", "备注"], false),
];

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Col {
    Kind,
    Category,
    CategoryName,
    Condition,
    Filing,
    Closing,
    Grade,
    Urgent,
    Normal,
    Unit,
    Source,
    Note,
}

/// Collects errors up to [`MAX_ERRORS`].
struct Faults<'a> {
    file: &'a str,
    errors: Vec<DataFileError>,
    more: usize,
}

impl Faults<'_> {
    fn add(&mut self, row: usize, column: &str, message: impl Into<String>) {
        if self.errors.len() < MAX_ERRORS {
            self.errors
                .push(DataFileError::new(self.file, row, column, message));
        } else {
            self.more += 1;
        }
    }
}

/// The header: which cell index holds which column, and each column's name as written.
struct Header {
    at: HashMap<Col, (usize, String)>,
}

impl Header {
    fn cell<'r>(&self, row: &'r RawRow, col: Col) -> Option<&'r Result<String, String>> {
        self.at.get(&col).and_then(|(i, _)| row.cells.get(*i))
    }

    fn name(&self, col: Col) -> String {
        self.at.get(&col).map_or_else(
            || {
                COLUMNS
                    .iter()
                    .find(|(c, _, _)| *c == col)
                    .map_or("?", |(_, n, _)| n[1])
                    .to_owned()
            },
            |(_, n)| n.clone(),
        )
    }
}

fn is_category_header(cell: &str) -> bool {
    COLUMNS[1].1.contains(&cell.trim())
}

fn text_of(cell: &Result<String, String>) -> &str {
    cell.as_ref().map_or("", |s| s.trim())
}

fn is_blank(row: &RawRow) -> bool {
    row.cells
        .iter()
        .all(|c| matches!(c, Ok(s) if s.trim().is_empty()))
}

fn is_comment(row: &RawRow) -> bool {
    row.cells
        .iter()
        .find(|c| !matches!(c, Ok(s) if s.trim().is_empty()))
        .is_some_and(|c| matches!(c, Ok(s) if s.trim_start().starts_with('#')))
}

fn read_header(file: &str, row: &RawRow) -> Result<Header, StandardsImportError> {
    let mut faults = Faults {
        file,
        errors: Vec::new(),
        more: 0,
    };
    let mut at = HashMap::new();
    for (i, cell) in row.cells.iter().enumerate() {
        let name = match cell {
            Ok(s) => s.trim(),
            Err(reason) => {
                faults.add(row.number, &format!("(第 {} 列)", i + 1), reason.clone());
                continue;
            }
        };
        if name.is_empty() {
            continue;
        }
        match COLUMNS.iter().find(|(_, names, _)| names.contains(&name)) {
            Some((col, _, _)) => {
                if at.insert(*col, (i, name.to_owned())).is_some() {
                    faults.add(row.number, name, "列重复");
                }
            }
            None => {
                let known: Vec<&str> = COLUMNS.iter().map(|(_, n, _)| n[1]).collect();
                faults.add(
                    row.number,
                    name,
                    format!("未知的列；可用的列：{}", known.join("、")),
                );
            }
        }
    }
    for (col, names, required) in COLUMNS {
        if required && !at.contains_key(&col) {
            faults.add(
                row.number,
                names[1],
                format!("缺少必需的列（{} / {}）", names[1], names[0]),
            );
        }
    }
    if faults.errors.is_empty() {
        Ok(Header { at })
    } else {
        Err(StandardsImportError {
            errors: faults.errors,
            more: faults.more,
        })
    }
}

/// Reads a CSV standards file (UTF-8, BOM ignored, `#` comment lines, row = line number).
pub fn parse_csv(
    file: &str,
    text: &str,
    catalog: &Catalog,
    grades: &[String],
) -> Result<StandardsTable, StandardsImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .comment(Some(b'#'))
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for result in reader.records() {
        let record = result.map_err(|e| {
            let line = e
                .position()
                .map_or(0, |p| crate::catalog::table::record_line(text, p));
            StandardsImportError::single(file, line, "(行)", format!("CSV 格式错误：{e}"))
        })?;
        let number = record
            .position()
            .map_or(0, |p| crate::catalog::table::record_line(text, p));
        rows.push(RawRow {
            number,
            cells: record.iter().map(|s| Ok(s.to_owned())).collect(),
        });
    }
    parse_rows(file, rows, catalog, grades)
}

/// One data row's parsed fields.
struct Parsed {
    category: CategoryRef,
    condition: Option<String>,
    grade: Option<String>,
    filing: Option<String>,
    closing: Option<String>,
    urgent: Option<TimeLimit>,
    normal: Option<TimeLimit>,
    source: Option<String>,
}

/// Parses sheet rows into a table checked against `catalog` (categories) and `grades` (the
/// tenant's area grades). Refuses the whole file on any fault.
pub fn parse_rows(
    file: &str,
    rows: impl IntoIterator<Item = RawRow>,
    catalog: &Catalog,
    grades: &[String],
) -> Result<StandardsTable, StandardsImportError> {
    let mut rows = rows.into_iter().filter(|r| !is_blank(r) && !is_comment(r));
    let header_row = loop {
        match rows.next() {
            Some(r) if r.cells.iter().any(|c| is_category_header(text_of(c))) => break r,
            Some(_) => {}
            None => {
                return Err(StandardsImportError::single(
                    file,
                    0,
                    "小类代码",
                    "找不到表头：没有含「小类代码」或 category 的行",
                ));
            }
        }
    };
    let header = read_header(file, &header_row)?;
    let mut faults = Faults {
        file,
        errors: Vec::new(),
        more: 0,
    };
    let mut parsed = Vec::new();
    let mut count = 0usize;
    for row in rows {
        count += 1;
        if count > MAX_ROWS {
            return Err(StandardsImportError::single(
                file,
                row.number,
                "(行)",
                format!("数据行超过 {MAX_ROWS} 行"),
            ));
        }
        if let Some(p) = parse_row(&header, &row, catalog, grades, &mut faults) {
            parsed.push((row.number, p));
        }
    }
    if count == 0 {
        faults.add(header_row.number, "(行)", "表头下没有任何数据行");
    }
    let table = assemble(file, &header, parsed, catalog, grades, &mut faults);
    if faults.errors.is_empty() {
        Ok(table)
    } else {
        // Row faults and grouping faults (duplicates) in row order; stable within a row.
        let mut errors = faults.errors;
        errors.sort_by_key(|e| e.line);
        Err(StandardsImportError {
            errors,
            more: faults.more,
        })
    }
}

/// The trimmed text of a column, `None` when empty or absent; a refused cell is reported.
fn field(
    header: &Header,
    row: &RawRow,
    col: Col,
    faults: &mut Faults<'_>,
    ok: &mut bool,
) -> Option<String> {
    match header.cell(row, col)? {
        Ok(s) => {
            let s = s.trim();
            if s.is_empty() {
                return None;
            }
            if let Err(e) = check_text("text", s, MAX_NOTE_CHARS) {
                faults.add(row.number, &header.name(col), e.reason);
                *ok = false;
                return None;
            }
            Some(s.to_owned())
        }
        Err(reason) => {
            faults.add(row.number, &header.name(col), reason.clone());
            *ok = false;
            None
        }
    }
}

fn parse_row(
    header: &Header,
    row: &RawRow,
    catalog: &Catalog,
    grades: &[String],
    faults: &mut Faults<'_>,
) -> Option<Parsed> {
    let mut ok = true;
    let n = row.number;
    let width = header.at.values().map(|(i, _)| *i).max().unwrap_or(0);
    for (i, cell) in row.cells.iter().enumerate().skip(width + 1) {
        match cell {
            Ok(s) if s.trim().is_empty() => {}
            _ => {
                faults.add(n, &format!("(第 {} 列)", i + 1), "表头之外的单元格有内容");
                ok = false;
            }
        }
    }
    let mut f = |col| field(header, row, col, faults, &mut ok);
    let kind = f(Col::Kind);
    let code = f(Col::Category);
    let condition = f(Col::Condition);
    let grade = f(Col::Grade);
    let filing = f(Col::Filing);
    let closing = f(Col::Closing);
    let urgent = f(Col::Urgent);
    let normal = f(Col::Normal);
    let unit = f(Col::Unit);
    let source = f(Col::Source);
    let _ = f(Col::CategoryName);
    let _ = f(Col::Note);
    let mut err = |col: Col, msg: String| {
        faults.add(n, &header.name(col), msg);
        false
    };
    let kind = match kind.as_deref() {
        Some("component" | "部件") => Some(CategoryKind::Component),
        Some("matter" | "事项" | "事件") => Some(CategoryKind::Matter),
        Some(other) => {
            ok = err(
                Col::Kind,
                format!("未知类型 {other:?}：应为 部件/事件（component/matter）"),
            );
            None
        }
        None => {
            ok = err(Col::Kind, "必填".to_owned());
            None
        }
    };
    let category = match (kind, code.as_deref()) {
        (_, None) => {
            ok = err(Col::Category, "必填".to_owned());
            None
        }
        (None, Some(_)) => None,
        (Some(kind), Some(text)) => match CategoryCode::parse(text) {
            Err(e) => {
                ok = err(Col::Category, format!("小类代码格式错误：{}", e.reason));
                None
            }
            Ok(code) => {
                let reference = CategoryRef { kind, code };
                match catalog.get(&reference) {
                    Some(c) if c.standard != CodeStandard::Legacy => Some(reference),
                    Some(_) => {
                        ok = err(
                            Col::Category,
                            format!("{text} 是旧标准代码，请用 GB/T 47678.5 或本地扩展代码"),
                        );
                        None
                    }
                    None => {
                        let k = if kind == CategoryKind::Component {
                            "部件"
                        } else {
                            "事件"
                        };
                        ok = err(
                            Col::Category,
                            format!("本租户的分类目录中没有{k}小类 {text}"),
                        );
                        None
                    }
                }
            }
        },
    };
    if let Some(c) = &condition {
        let valid = c.chars().count() <= MAX_CODE_CHARS
            && c.chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_');
        if !valid {
            ok = err(
                Col::Condition,
                format!("立案条件编号 {c:?} 须为不超过 {MAX_CODE_CHARS} 个字母、数字、- 或 _"),
            );
        }
    }
    if let Some(g) = &grade
        && !grades.iter().any(|x| x == g)
    {
        ok = err(
            Col::Grade,
            format!(
                "未知区域等级 {g:?}；本租户的区域等级：{}",
                grades.join("、")
            ),
        );
    }
    let unit_given = unit.is_some();
    let unit = match unit.as_deref().map(LimitUnit::parse) {
        None => None,
        Some(Ok(u)) => Some(u),
        Some(Err(_)) => {
            ok = err(
                Col::Unit,
                format!(
                    "未知时限单位 {:?}：应为 工作分钟/工作时/工作日/分钟/小时/天",
                    unit.unwrap_or_default()
                ),
            );
            None
        }
    };
    let mut limit = |col: Col, text: Option<String>| -> Option<TimeLimit> {
        let text = text?;
        match parse_limit(&text, unit) {
            Ok(l) => Some(l),
            // A bare number under a bad unit: the unit's error says it.
            Err(_) if unit_given && unit.is_none() => {
                ok = false;
                None
            }
            Err(msg) => {
                ok = err(col, msg);
                None
            }
        }
    };
    let urgent = limit(Col::Urgent, urgent);
    let normal = limit(Col::Normal, normal);
    if let (Some(u), Some(nl)) = (urgent, normal)
        && u.unit == nl.unit
        && u.value > nl.value
    {
        ok = err(Col::Urgent, format!("紧急时限 {u} 长于一般时限 {nl}"));
    }
    if grade.is_some() && urgent.is_none() && normal.is_none() && ok {
        ok = err(Col::Urgent, "区域等级行须至少给出一个时限".to_owned());
    }
    let category = category?;
    ok.then_some(Parsed {
        category,
        condition,
        grade,
        filing,
        closing,
        urgent,
        normal,
        source,
    })
}

/// "4", with the unit column, or "4 工作时" / "4工作时" / "4 working_hours".
fn parse_limit(text: &str, unit: Option<LimitUnit>) -> Result<TimeLimit, String> {
    let limit = if text.bytes().all(|b| b.is_ascii_digit()) {
        let value = text
            .parse::<u32>()
            .map_err(|_| format!("时限 {text:?} 过大"))?;
        let unit = unit
            .ok_or_else(|| format!("时限 {text:?} 没有单位：写成「4 工作时」或填写时限单位列"))?;
        TimeLimit::new(value, unit)
    } else {
        TimeLimit::parse(text).map_err(|e| {
            format!(
                "时限 {text:?} 无法识别（{}）：应为整数加单位，如 4 工作时、2 小时、15 工作日",
                e.reason
            )
        })?
    };
    if limit.value == 0 || limit.value > MAX_LIMIT_VALUE {
        return Err(format!("时限 {} 超出范围 1–{MAX_LIMIT_VALUE}", limit.value));
    }
    Ok(limit)
}

/// Groups the rows by category and condition, checking duplicates and repeated texts.
fn assemble(
    file: &str,
    header: &Header,
    rows: Vec<(usize, Parsed)>,
    catalog: &Catalog,
    grades: &[String],
    faults: &mut Faults<'_>,
) -> StandardsTable {
    let mut categories: Vec<CategoryStandard> = Vec::new();
    let mut index: HashMap<CategoryRef, usize> = HashMap::new();
    // (category, condition, grade) → first row
    let mut seen: HashMap<(CategoryRef, Option<String>, Option<String>), usize> = HashMap::new();
    for (n, p) in rows {
        let key = (p.category.clone(), p.condition.clone(), p.grade.clone());
        if let Some(first) = seen.insert(key, n) {
            seen.insert(
                (p.category.clone(), p.condition.clone(), p.grade.clone()),
                first,
            );
            let what = match (&p.condition, &p.grade) {
                (Some(c), Some(g)) => format!("立案条件编号 {c} 的区域等级 {g}"),
                (Some(c), None) => format!("立案条件编号 {c}"),
                (None, Some(g)) => format!("小类默认行的区域等级 {g}"),
                (None, None) => "小类默认行".to_owned(),
            };
            let col = if p.condition.is_some() {
                Col::Condition
            } else {
                Col::Category
            };
            faults.add(
                n,
                &header.name(col),
                format!("{what} 重复，首次出现在第 {first} 行"),
            );
            continue;
        }
        let ci = *index.entry(p.category.clone()).or_insert_with(|| {
            let name = catalog
                .get(&p.category)
                .map(|c| c.name.clone())
                .unwrap_or_default();
            categories.push(CategoryStandard {
                category: p.category.clone(),
                name,
                filing_condition: None,
                closing_condition: None,
                default_limits: Vec::new(),
                conditions: Vec::new(),
            });
            categories.len() - 1
        });
        let standard = &mut categories[ci];
        let limits = LimitRow {
            grade: p.grade.clone(),
            urgent: p.urgent,
            normal: p.normal,
            row: n,
        };
        let has_limit = p.urgent.is_some() || p.normal.is_some();
        match &p.condition {
            None => {
                merge_text(
                    &mut standard.filing_condition,
                    p.filing,
                    n,
                    Col::Filing,
                    header,
                    faults,
                );
                merge_text(
                    &mut standard.closing_condition,
                    p.closing,
                    n,
                    Col::Closing,
                    header,
                    faults,
                );
                if has_limit {
                    standard.default_limits.push(limits);
                }
            }
            Some(code) => {
                let existing = standard.conditions.iter().position(|c| &c.code == code);
                match existing {
                    Some(i) => {
                        let cond = &mut standard.conditions[i];
                        let mut filing = Some(cond.filing_condition.clone());
                        let mut closing = Some(cond.closing_condition.clone());
                        merge_text(&mut filing, p.filing, n, Col::Filing, header, faults);
                        merge_text(&mut closing, p.closing, n, Col::Closing, header, faults);
                        if has_limit {
                            cond.limits.push(limits);
                        }
                    }
                    None => {
                        let (Some(filing), Some(closing)) = (p.filing, p.closing) else {
                            faults.add(
                                n,
                                &header.name(Col::Filing),
                                format!("立案条件 {code} 首次出现的行须填写立案条件和结案条件"),
                            );
                            continue;
                        };
                        standard.conditions.push(Condition {
                            code: code.clone(),
                            filing_condition: filing,
                            closing_condition: closing,
                            limits: if has_limit { vec![limits] } else { Vec::new() },
                            source: p.source,
                            row: n,
                        });
                    }
                }
            }
        }
    }
    StandardsTable::new(file.to_owned(), grades.to_vec(), categories)
}

/// Sets `slot` from a later row's text: empty keeps it; a different text is an error.
fn merge_text(
    slot: &mut Option<String>,
    text: Option<String>,
    row: usize,
    col: Col,
    header: &Header,
    faults: &mut Faults<'_>,
) {
    match (slot.as_ref(), text) {
        (_, None) => {}
        (None, Some(t)) => *slot = Some(t),
        (Some(old), Some(t)) if *old == t => {}
        (Some(_), Some(_)) => faults.add(
            row,
            &header.name(col),
            "与同一小类/立案条件前面行的文字不同（其他区域等级的行可留空或照抄）",
        ),
    }
}
