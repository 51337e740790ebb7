//! The standards table (立案、处置和结案标准): the shipped sample imported as CSV and as XLSX
//! (generated here from the same rows with rust_xlsxwriter, under a title row as centres keep
//! it), bad files refused whole with file/row/column (several faults at once, a formula cell, a
//! workbook without the standards sheet, a file that is no workbook), versions (same bytes: no
//! new version; a changed file: version 2; a refused file leaves the current version), the
//! admin-only import route, the read routes, the reference bundle, tenant isolation.

use crate::support::*;
use gridcase_core::catalog::standards::DEFAULT_GRADES;
use gridcase_core::catalog::{Catalog, StandardsRelease, StandardsTable};
use gridcase_core::codes::{CategoryCode, CategoryKind, CategoryRef};
use gridcase_core::model::{LimitUnit, Role, TimeLimit, Urgency};
use gridcase_server::biz::admin::{self, UserSpec};
use gridcase_server::biz::standards::{FileForm, parse};
use rust_xlsxwriter::{Formula, Workbook};

const SAMPLE: &str = include_str!("../../../core/data/standards/standards.sample.csv");
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn grades() -> Vec<String> {
    DEFAULT_GRADES.iter().map(|g| (*g).to_owned()).collect()
}

fn matter(code: &str) -> CategoryRef {
    CategoryRef {
        kind: CategoryKind::Matter,
        code: CategoryCode::parse(code).expect("code"),
    }
}

/// The data rows (header first) of a CSV text, without comment lines.
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .comment(Some(b'#'))
        .flexible(true)
        .from_reader(text.as_bytes());
    reader
        .records()
        .map(|r| r.expect("csv").iter().map(str::to_owned).collect())
        .collect()
}

/// A workbook with a title row, then `rows` (header first); the limit columns (7, 8) as
/// numbers when they are whole numbers; `edit` may change the sheet afterwards.
fn workbook(
    sheet: &str,
    rows: &[Vec<String>],
    edit: impl FnOnce(&mut rust_xlsxwriter::Worksheet),
) -> Vec<u8> {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name(sheet).expect("name");
    ws.write_string(0, 0, "兰州市城关区数字城管立案、处置和结案标准（示例）")
        .expect("title");
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (r as u32 + 1, c as u16);
            if r > 1
                && (c == 7 || c == 8)
                && !cell.is_empty()
                && cell.bytes().all(|b| b.is_ascii_digit())
            {
                ws.write_number(r, c, cell.parse::<f64>().expect("number"))
                    .expect("write");
            } else if !cell.is_empty() {
                ws.write_string(r, c, cell).expect("write");
            }
        }
    }
    edit(ws);
    book.save_to_buffer().expect("xlsx")
}

fn sample_xlsx() -> Vec<u8> {
    workbook("立案处置结案标准", &csv_rows(SAMPLE), |_| {})
}

fn parse_xlsx(bytes: &[u8]) -> Result<StandardsTable, Vec<(String, usize, String)>> {
    parse(
        FileForm::Xlsx,
        "标准.xlsx",
        bytes,
        &Catalog::builtin(),
        &grades(),
    )
    .map_err(|e| {
        e.errors
            .into_iter()
            .map(|e| (e.file, e.line, e.field))
            .collect()
    })
}

#[test]
fn sample_imports_the_same_from_csv_and_xlsx() {
    let csv = parse(
        FileForm::Csv,
        "standards.csv",
        SAMPLE.as_bytes(),
        &Catalog::builtin(),
        &grades(),
    )
    .expect("csv sample");
    let xlsx = parse_xlsx(&sample_xlsx()).expect("xlsx sample");
    assert_eq!(xlsx.file(), "标准.xlsx[立案处置结案标准]");
    assert_eq!(csv.categories().len(), 7);
    assert_eq!(xlsx.categories().len(), csv.categories().len());
    for (a, b) in csv.categories().iter().zip(xlsx.categories()) {
        assert_eq!(a.category, b.category);
        assert_eq!(a.closing_condition, b.closing_condition);
        let codes = |c: &gridcase_core::catalog::CategoryStandard| {
            c.conditions
                .iter()
                .map(|x| (x.code.clone(), x.filing_condition.clone(), x.limits.len()))
                .collect::<Vec<_>>()
        };
        assert_eq!(codes(a), codes(b));
    }
    // The same limits, in their own units; the XLSX rows count the title row.
    let look = |t: &StandardsTable| {
        t.limit_for(
            &matter("06010"),
            Some("06010-01"),
            Urgency::Urgent,
            Some("主干道"),
        )
        .expect("limit")
    };
    assert_eq!(look(&csv).limit, TimeLimit::new(2, LimitUnit::WorkingHours));
    assert_eq!(look(&xlsx).limit, look(&csv).limit);
    let bbq = xlsx
        .limit_for(&matter("06029"), Some("06029-01"), Urgency::Normal, None)
        .expect("limit");
    assert_eq!(bbq.limit, TimeLimit::new(2, LimitUnit::NaturalHours));
    assert_eq!(
        serde_json::to_value(&bbq.basis).expect("json"),
        serde_json::json!({"level": "condition", "condition": "06029-01", "row": 20})
    );
}

#[test]
fn bad_xlsx_is_refused_whole_with_sheet_row_and_column() {
    let mut rows = csv_rows(SAMPLE);
    rows[3][7] = "3 周".into(); // sheet row 5 (title, header, rows 3..): bad unit
    rows[5][1] = "99999".into(); // sheet row 7: unknown category
    rows[9][3] = "06010-01".into(); // sheet row 11: 06010-02 renamed to 06010-01, whose
    // all-grades row exists already: a duplicate condition
    let bytes = workbook("立案处置结案标准", &rows, |ws| {
        // sheet row 12, 紧急时限 (column H): a formula, even with a plausible cached value
        ws.write_formula(11, 7, Formula::new("=2*2").set_result("4"))
            .expect("formula");
        // sheet row 13, 一般时限 (column I): a formula whose result is an error value
        ws.write_formula(12, 8, Formula::new("=1/0").set_result("#DIV/0!"))
            .expect("formula");
    });
    let errors = parse_xlsx(&bytes).expect_err("refused");
    let sheet = "标准.xlsx[立案处置结案标准]".to_owned();
    let at: Vec<(usize, &str)> = errors.iter().map(|(_, r, c)| (*r, c.as_str())).collect();
    assert_eq!(
        at,
        [
            (5, "紧急时限"),
            (7, "小类代码"),
            (11, "立案条件编号"),
            (12, "紧急时限"),
            (13, "一般时限"),
        ]
    );
    assert!(errors.iter().all(|(f, _, _)| *f == sheet));
}

#[test]
fn workbook_without_the_standards_sheet_or_not_a_workbook_is_refused() {
    let other = vec![
        vec!["姓名".to_owned(), "岗位".to_owned()],
        vec!["张三".to_owned(), "监督员".to_owned()],
    ];
    let bytes = workbook("人员", &other, |_| {});
    let errors = parse_xlsx(&bytes).expect_err("refused");
    assert_eq!(
        errors,
        [("标准.xlsx[人员]".to_owned(), 0, "小类代码".to_owned())]
    );
    let errors = parse_xlsx(b"PK\x03\x04 not really a zip").expect_err("refused");
    assert_eq!(errors[0].1, 0);
    assert_eq!(errors[0].2, "(文件)");
    // A CSV that is not UTF-8 (GBK bytes) is refused with a hint.
    let gbk = [0xC0u8, 0xE0, 0xB1, 0xF0, b',', b'\n'];
    let e = parse(
        FileForm::Csv,
        "gbk.csv",
        &gbk,
        &Catalog::builtin(),
        &grades(),
    )
    .expect_err("refused");
    assert!(
        e.errors[0].message.contains("UTF-8"),
        "{}",
        e.errors[0].message
    );
}

async fn post_file(
    dev: &Device,
    query: &str,
    content_type: &str,
    body: Vec<u8>,
) -> Result<serde_json::Value, Failure> {
    let resp = dev
        .client
        .post(format!("{}/v1/standards{query}", dev.base))
        .bearer_auth(&dev.login.token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("send");
    let bytes = ok_bytes(resp).await?;
    Ok(serde_json::from_slice(&bytes).expect("json"))
}

async fn add_admins(ts: &TestServer) {
    let dep = ts.server.deployment().clone();
    tokio::task::spawn_blocking(move || {
        for (tenant, username) in [(TENANT, "admin"), (OTHER_TENANT, "admin_x")] {
            admin::create_user(
                &dep,
                &UserSpec {
                    tenant: tenant.to_owned(),
                    username: username.to_owned(),
                    display_name: format!("测试{username}"),
                    role: Role::Admin,
                    department: None,
                    cells: Vec::new(),
                    password: PASSWORD.to_owned(),
                },
            )
            .expect("admin");
        }
    })
    .await
    .expect("setup");
}

async fn current(dev: &Device) -> Result<StandardsRelease, Failure> {
    let v = dev.get_json("/v1/standards").await?;
    Ok(serde_json::from_value(v).expect("release"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_route_versions_roles_and_isolation() {
    let ts = TestServer::start().await;
    add_admins(&ts).await;
    let admin = Device::login(&ts.url(), TENANT, "admin", "install-admin")
        .await
        .expect("login");
    let inspector = ts.device("insp_a").await;
    let dispatcher = ts.device("disp1").await;

    // Nothing imported yet.
    let none = current(&inspector).await.expect_err("none yet");
    assert_eq!((none.status, none.error.code.as_str()), (404, "not_found"));

    // Roles other than the tenant admin are refused, with the code.
    let refused = post_file(
        &dispatcher,
        "?file=standards.csv",
        "text/csv",
        SAMPLE.into(),
    )
    .await
    .expect_err("dispatcher refused");
    assert_eq!(
        (refused.status, refused.error.code.as_str()),
        (403, "standards_forbidden")
    );
    let refused = post_file(&inspector, "", "text/csv", SAMPLE.into())
        .await
        .expect_err("inspector refused");
    assert_eq!(refused.error.code, "standards_forbidden");

    // The admin imports the sample: version 1.
    let first = post_file(&admin, "?file=standards.csv", "text/csv", SAMPLE.into())
        .await
        .expect("imported");
    assert_eq!(first["version"], 1);
    assert_eq!(first["created"], true);
    assert_eq!(first["categories"], 7);
    let v1 = current(&inspector).await.expect("current");
    assert_eq!(v1.version, 1);
    assert_eq!(v1.file, "standards.csv");
    assert!(v1.imported_by.starts_with("user:"));
    assert_eq!(v1.table.conditions(&matter("06001")).len(), 3);

    // The same bytes again: no new version.
    let again = post_file(&admin, "?file=standards.csv", "text/csv", SAMPLE.into())
        .await
        .expect("same again");
    assert_eq!(
        (again["version"].clone(), again["created"].clone()),
        (1.into(), false.into())
    );

    // A bad file is refused whole, with file, row and column; version 1 stays current.
    let bad = format!(
        "{SAMPLE}事件,06012,道路不洁,06012-09,x,y,快速路,4,5,工作时,\n事件,88888,x,,a,b,,1,1,工作日,\n"
    );
    let refused = post_file(&admin, "?file=bad.csv", "text/csv", bad.into())
        .await
        .expect_err("refused");
    assert_eq!(
        (refused.status, refused.error.code.as_str()),
        (422, "standards_invalid")
    );
    let message = &refused.error.message;
    assert!(
        message.contains("bad.csv 第 35 行「区域等级」"),
        "{message}"
    );
    assert!(
        message.contains("bad.csv 第 36 行「小类代码」"),
        "{message}"
    );
    assert!(message.contains("共 2 处错误"), "{message}");
    assert_eq!(current(&inspector).await.expect("current").version, 1);

    // An unknown content type.
    let refused = post_file(&admin, "", "application/pdf", b"%PDF".to_vec())
        .await
        .expect_err("refused");
    assert_eq!(
        (refused.status, refused.error.code.as_str()),
        (415, "unsupported_file_type")
    );

    // The XLSX form (a changed file): version 2, with the rows of the sheet.
    let second = post_file(&admin, "?file=标准.xlsx", XLSX, sample_xlsx())
        .await
        .expect("xlsx imported");
    assert_eq!(second["version"], 2);
    let v2 = current(&inspector).await.expect("current");
    assert_eq!(v2.version, 2);
    assert_eq!(v2.file, "标准.xlsx");
    assert_ne!(v2.sha256, v1.sha256);
    let versions = inspector
        .get_json("/v1/standards/versions")
        .await
        .expect("versions");
    let numbers: Vec<u64> = versions
        .as_array()
        .expect("array")
        .iter()
        .map(|v| v["version"].as_u64().expect("n"))
        .collect();
    assert_eq!(numbers, [2, 1]);
    let old = inspector
        .get_json("/v1/standards/versions/1")
        .await
        .expect("version 1");
    assert_eq!(old["file"], "standards.csv");
    let missing = inspector
        .get_json("/v1/standards/versions/9")
        .await
        .expect_err("no version 9");
    assert_eq!(missing.status, 404);

    // Devices get the current table with the other reference data.
    let bundle = inspector.get_json("/v1/reference").await.expect("bundle");
    let in_bundle: StandardsRelease = serde_json::from_str(
        bundle["files"]["standards"]
            .as_str()
            .expect("standards file"),
    )
    .expect("release");
    assert_eq!(in_bundle.version, 2);
    assert_eq!(in_bundle.table, v2.table);

    // The other tenant sees none of it and keeps its own versions.
    let other_admin = Device::login(&ts.url(), OTHER_TENANT, "admin_x", "install-admin-x")
        .await
        .expect("login");
    let none = current(&other_admin).await.expect_err("none in 620103");
    assert_eq!(none.status, 404);
    let own = post_file(&other_admin, "?file=s.csv", "text/csv", SAMPLE.into())
        .await
        .expect("imported in 620103");
    assert_eq!(own["version"], 1);
    assert_eq!(current(&inspector).await.expect("current").version, 2);
    let bundle = ts
        .device("insp_x")
        .await
        .get_json("/v1/reference")
        .await
        .expect("bundle");
    let theirs: StandardsRelease =
        serde_json::from_str(bundle["files"]["standards"].as_str().expect("standards"))
            .expect("release");
    assert_eq!(theirs.version, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imports_and_refusals_are_audited() {
    let ts = TestServer::start().await;
    add_admins(&ts).await;
    let admin = Device::login(&ts.url(), TENANT, "admin", "install-admin")
        .await
        .expect("login");
    post_file(&admin, "?file=standards.csv", "text/csv", SAMPLE.into())
        .await
        .expect("imported");
    post_file(&admin, "?file=bad.csv", "text/csv", b"kind\n".to_vec())
        .await
        .expect_err("refused");
    let rows: Vec<(bool, String)> = ts
        .sql(|c| {
            let mut stmt = c.prepare(
                "SELECT success, details FROM audit_log WHERE event = 'standards_import' ORDER BY seq",
            )?;
            let rows = stmt.query_map((), |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .expect("rows");
    assert_eq!(rows.len(), 2);
    assert!(
        rows[0].0 && rows[0].1.contains("\"version\":1"),
        "{:?}",
        rows[0]
    );
    assert!(!rows[1].0 && rows[1].1.contains("bad.csv"), "{:?}", rows[1]);
    // Versions are append-only.
    let err = ts.sql(|c| Ok(c.execute("DELETE FROM standards_versions", ())?));
    assert!(err.is_err());
}

async fn put_grades(dev: &Device, body: &str) -> Result<serde_json::Value, Failure> {
    let resp = dev
        .client
        .put(format!(
            "{}/v1/standards/grades?file=area_grades.csv",
            dev.base
        ))
        .bearer_auth(&dev.login.token)
        .header("content-type", "text/csv")
        .body(body.to_owned())
        .send()
        .await
        .expect("send");
    let bytes = ok_bytes(resp).await?;
    Ok(serde_json::from_slice(&bytes).expect("json"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn area_grades_route_and_the_table_that_uses_them() {
    let ts = TestServer::start().await;
    add_admins(&ts).await;
    let admin = Device::login(&ts.url(), TENANT, "admin", "install-admin")
        .await
        .expect("login");
    let inspector = ts.device("insp_a").await;
    let dispatcher = ts.device("disp1").await;

    let defaults = inspector
        .get_json("/v1/standards/grades")
        .await
        .expect("grades");
    assert_eq!(defaults, serde_json::json!(DEFAULT_GRADES));
    let refused = put_grades(&dispatcher, "grade,cell\n主干道,\n")
        .await
        .expect_err("dispatcher refused");
    assert_eq!(refused.error.code, "standards_forbidden");
    let bad = put_grades(&admin, "grade,cell\n主干道,12345\n")
        .await
        .expect_err("bad cell");
    assert_eq!(bad.error.code, "bad_request");
    assert!(
        bad.error.message.contains("area_grades.csv:2"),
        "{}",
        bad.error.message
    );

    let outcome = put_grades(&admin, "区域等级,网格编码\n主干道,\n快速路,620102001\n")
        .await
        .expect("grades");
    assert_eq!(outcome["grades"], serde_json::json!(["主干道", "快速路"]));
    let table = "类型,小类代码,立案条件,结案条件,区域等级,紧急时限,一般时限,时限单位\n\
                 事件,06012,未及时处理的道路保洁问题,清除,,5,5,工作时\n\
                 事件,06012,,,快速路,1,2,工作时\n";
    // 城乡结合部 is no longer a grade of the tenant: the sample is refused.
    let refused = post_file(&admin, "?file=standards.csv", "text/csv", SAMPLE.into())
        .await
        .expect_err("sample names 城乡结合部");
    assert_eq!(refused.error.code, "standards_invalid");
    assert!(
        refused.error.message.contains("城乡结合部"),
        "{}",
        refused.error.message
    );
    post_file(&admin, "?file=s.csv", "text/csv", table.into())
        .await
        .expect("imported");

    // Devices get both with the reference data; CELL_A lies in street 620102001: 快速路.
    let bundle = inspector.get_json("/v1/reference").await.expect("bundle");
    let files: std::collections::BTreeMap<String, String> =
        serde_json::from_value(bundle["files"].clone()).expect("files");
    let (release, grades) =
        gridcase_core::catalog::standards::from_reference(&files).expect("readable");
    let release = release.expect("standards");
    let cell = gridcase_core::codes::GridCode::parse(CELL_A).expect("cell");
    let grade = grades.grade_of(&cell);
    assert_eq!(grade, Some("快速路"));
    let got = release
        .table
        .limit_for(&matter("06012"), None, Urgency::Normal, grade)
        .expect("limit");
    assert_eq!(got.limit, TimeLimit::new(2, LimitUnit::WorkingHours));

    // Grades the current table uses cannot be dropped.
    let refused = put_grades(&admin, "grade,cell\n主干道,\n")
        .await
        .expect_err("快速路 in use");
    assert_eq!(refused.error.code, "bad_request");
    assert!(
        refused.error.message.contains("快速路"),
        "{}",
        refused.error.message
    );
    let still = inspector
        .get_json("/v1/standards/grades")
        .await
        .expect("grades");
    assert_eq!(still, serde_json::json!(["主干道", "快速路"]));
}

#[test]
fn an_xlsx_over_the_row_bound_is_refused() {
    let mut rows = vec![csv_rows(SAMPLE)[0].clone()];
    for i in 0..=gridcase_core::catalog::standards::MAX_ROWS {
        let mut row = vec![String::new(); 11];
        row[0] = "事件".into();
        row[1] = "06010".into();
        row[3] = format!("c{i}");
        row[4] = "a".into();
        row[5] = "b".into();
        row[7] = "1".into();
        row[8] = "1".into();
        row[9] = "工作日".into();
        rows.push(row);
    }
    let errors = parse_xlsx(&workbook("标准", &rows, |_| {})).expect_err("refused");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].2, "(行)");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dispatch_must_record_what_the_standards_version_gives() {
    // Issue 12, item 2: a tablet records the handling limit with its basis; a limit claimed
    // from the standards table must be what that version of the table gives the case, else the
    // push is refused (an attacker could otherwise hide an override, which needs a reason).
    let ts = TestServer::start().await;
    add_admins(&ts).await;
    let admin = Device::login(&ts.url(), TENANT, "admin", "install-admin")
        .await
        .expect("login");
    post_file(&admin, "?file=standards.csv", "text/csv", SAMPLE.into())
        .await
        .expect("version 1");
    let mut insp = ts.device("insp_a").await;
    let mut intake = ts.device("intake").await;
    let mut shift = ts.device("shift").await;
    let mut disp = ts.device("disp1").await;
    // A 供水井盖 (component 01001) report in cell A (no area grade), filed under 01001-01:
    // version 1 gives 8 working hours for 一般 (the condition's row).
    let case = insp.report(CELL_A);
    insp.push(case).await.expect("push");
    act(
        &mut intake,
        case,
        gridcase_core::workflow::EventKind::Accept,
    )
    .await;
    act(
        &mut shift,
        case,
        gridcase_core::workflow::EventKind::File {
            note: String::new(),
            condition: Some("01001-01".into()),
        },
    )
    .await;
    let dispatch = |value: u32, version: &str| gridcase_core::workflow::EventKind::Dispatch {
        department: ts.departments["water"],
        limit: Some(TimeLimit::new(value, LimitUnit::WorkingHours)),
        basis: Some(gridcase_core::model::LimitBasis::Standard {
            condition: Some("01001-01".into()),
            grade: None,
            rules_version: Some(version.into()),
        }),
    };
    for (value, version, says) in [(48, "1", "不符"), (8, "7", "第 7 版"), (8, "x", "无效")] {
        disp.pull(case).await.expect("pull");
        disp.append(case, dispatch(value, version));
        let r = disp.push(case).await.expect("answered");
        assert_eq!(outcome(&r.docs[0]), "invalid_payload", "{value} {version}");
        let gridcase_core::protocol::DocOutcome::Rejected { message, .. } = &r.docs[0].outcome
        else {
            unreachable!()
        };
        assert!(message.contains(says), "{message}");
        disp = ts.device("disp1").await;
    }
    act(&mut disp, case, dispatch(8, "1")).await;
}
