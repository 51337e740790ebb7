//! Tests of the standards table: lookup precedence, conditions, CSV import and its refusals.

use super::import::{RawRow, parse_csv, parse_rows};
use super::*;
use crate::catalog::Catalog;
use crate::codes::{CategoryCode, CategoryKind, GridCode};
use crate::model::LimitUnit;

const SAMPLE: &str = include_str!("../../../data/standards/standards.sample.csv");
const HEADER: &str = "类型,小类代码,小类名称,立案条件编号,立案条件,结案条件,区域等级,紧急时限,一般时限,时限单位,依据\n";

fn grades() -> Vec<String> {
    DEFAULT_GRADES.iter().map(|g| (*g).to_owned()).collect()
}

fn matter(code: &str) -> CategoryRef {
    CategoryRef {
        kind: CategoryKind::Matter,
        code: CategoryCode::parse(code).expect("code"),
    }
}

fn sample() -> StandardsTable {
    parse_csv("standards.csv", SAMPLE, &Catalog::builtin(), &grades()).expect("sample imports")
}

fn limit(v: u32, unit: LimitUnit) -> TimeLimit {
    TimeLimit::new(v, unit)
}

#[test]
fn lookup_precedence_condition_grade_then_condition_then_default() {
    let t = sample();
    let cat = matter("06010");
    // condition + grade (主干道 row gives both urgencies)
    let got = t
        .limit_for(&cat, Some("06010-01"), Urgency::Urgent, Some("主干道"))
        .expect("limit");
    assert_eq!(got.limit, limit(2, LimitUnit::WorkingHours));
    assert_eq!(
        got.basis,
        LimitBasis::ConditionGrade {
            condition: "06010-01".into(),
            grade: "主干道".into(),
            row: 20
        }
    );
    // the 城乡结合部 row gives only 一般: 紧急 falls back to the condition's all-grades row
    let normal = t
        .limit_for(&cat, Some("06010-01"), Urgency::Normal, Some("城乡结合部"))
        .expect("limit");
    assert_eq!(normal.limit, limit(8, LimitUnit::WorkingHours));
    let urgent = t
        .limit_for(&cat, Some("06010-01"), Urgency::Urgent, Some("城乡结合部"))
        .expect("limit");
    assert_eq!(urgent.limit, limit(4, LimitUnit::WorkingHours));
    assert_eq!(
        urgent.basis,
        LimitBasis::Condition {
            condition: "06010-01".into(),
            row: 19
        }
    );
    // a grade without its own row: the condition
    let other = t
        .limit_for(&cat, Some("06010-01"), Urgency::Normal, Some("次干道"))
        .expect("limit");
    assert_eq!(other.limit, limit(4, LimitUnit::WorkingHours));
    // no condition: category default
    let default = t
        .limit_for(&cat, None, Urgency::Normal, Some("次干道"))
        .expect("limit");
    assert_eq!(default.limit, limit(1, LimitUnit::WorkingDays));
    assert_eq!(default.basis, LimitBasis::CategoryDefault { row: 18 });
    // an unknown condition is looked up as none
    let unknown = t
        .limit_for(&cat, Some("06010-99"), Urgency::Normal, None)
        .expect("limit");
    assert_eq!(unknown.basis, LimitBasis::CategoryDefault { row: 18 });
}

#[test]
fn condition_without_limit_uses_category_grade_then_default() {
    let t = sample();
    // 06011-01 has no limit row: the 06011 default applies
    let got = t
        .limit_for(&matter("06011"), Some("06011-01"), Urgency::Urgent, None)
        .expect("limit");
    assert_eq!(got.limit, limit(4, LimitUnit::WorkingDays));
    assert_eq!(got.basis, LimitBasis::CategoryDefault { row: 23 });
    // 06012 has default rows per grade
    let road = matter("06012");
    let main = t
        .limit_for(&road, None, Urgency::Normal, Some("主干道"))
        .expect("limit");
    assert_eq!(main.limit, limit(3, LimitUnit::WorkingHours));
    assert_eq!(
        main.basis,
        LimitBasis::CategoryGrade {
            grade: "主干道".into(),
            row: 26
        }
    );
    let lane = t
        .limit_for(&road, None, Urgency::Normal, Some("背街小巷"))
        .expect("limit");
    assert_eq!(lane.limit, limit(5, LimitUnit::WorkingHours));
    // urgency: the 城乡结合部 row gives only 一般
    let fringe = t
        .limit_for(&road, None, Urgency::Urgent, Some("城乡结合部"))
        .expect("limit");
    assert_eq!(fringe.basis, LimitBasis::CategoryDefault { row: 25 });
    // a category not in the table
    assert!(
        t.limit_for(&matter("09006"), None, Urgency::Normal, None)
            .is_none()
    );
}

#[test]
fn natural_and_working_units_are_kept() {
    let t = sample();
    let bbq = matter("06029");
    let got = t
        .limit_for(&bbq, Some("06029-01"), Urgency::Normal, Some("主干道"))
        .expect("limit");
    assert_eq!(got.limit, limit(2, LimitUnit::NaturalHours));
    let default = t
        .limit_for(&bbq, None, Urgency::Normal, None)
        .expect("limit");
    assert_eq!(default.limit, limit(4, LimitUnit::NaturalHours));
    let build = t
        .limit_for(&matter("06001"), Some("06001-01"), Urgency::Normal, None)
        .expect("limit");
    assert_eq!(build.limit, limit(4, LimitUnit::WorkingHours));
}

#[test]
fn conditions_and_closing_conditions() {
    let t = sample();
    let codes: Vec<&str> = t
        .conditions(&matter("06001"))
        .iter()
        .map(|c| c.code.as_str())
        .collect();
    assert_eq!(codes, ["06001-01", "06001-02", "06001-03"]);
    assert_eq!(
        t.conditions(&matter("06001"))[1].filing_condition,
        "无规划许可、未经审批私自搭建，已建成"
    );
    assert!(t.conditions(&matter("09006")).is_empty());
    assert_eq!(
        t.closing_condition(&matter("06001"), Some("06001-03")),
        Some("彻底拆除")
    );
    assert_eq!(t.closing_condition(&matter("06001"), None), Some("拆除"));
    assert_eq!(
        t.closing_condition(&matter("06001"), Some("nope")),
        Some("拆除")
    );
    // grade rows repeat no text: the condition keeps its first row's texts and gathers the rows
    let c = t
        .condition(&matter("06010"), "06010-01")
        .expect("condition");
    assert_eq!(c.closing_condition, "彻底清理");
    assert_eq!(c.limits.len(), 3);
}

#[test]
fn serde_round_trip_keeps_lookups() {
    let t = sample();
    let json = serde_json::to_string(&t).expect("json");
    let back: StandardsTable = serde_json::from_str(&json).expect("back");
    assert_eq!(back, t);
    assert_eq!(
        back.conditions(&matter("06001")).len(),
        t.conditions(&matter("06001")).len()
    );
    let basis = serde_json::to_value(LimitBasis::ConditionGrade {
        condition: "x".into(),
        grade: "主干道".into(),
        row: 3,
    })
    .expect("json");
    assert_eq!(basis["level"], "condition_grade");
}

fn refuse(body: &str) -> super::StandardsImportError {
    let text = format!("{HEADER}{body}");
    parse_csv("bad.csv", &text, &Catalog::builtin(), &grades()).expect_err("must be refused")
}

fn faults(e: &super::StandardsImportError) -> Vec<(usize, String)> {
    e.errors.iter().map(|e| (e.line, e.field.clone())).collect()
}

#[test]
fn bad_rows_are_refused_whole_with_row_and_column() {
    let e = refuse(concat!(
        "事件,06010,暴露垃圾,,成堆垃圾,清除,,1,1,工作日,\n", // row 2: fine
        "事件,99999,无,,x,y,,1,1,工作日,\n",                 // row 3: unknown category
        "事件,06010,暴露垃圾,,成堆垃圾,清除,,1,1,工作日,\n", // row 4: duplicate default row
        "事件,06012,道路不洁,,x,y,,4,5,周,\n",               // row 5: bad unit
        "事件,06012,道路不洁,06012-01,x,y,,0,5,工作时,\n",   // row 6: zero limit
        "事件,06012,道路不洁,06012-02,x,y,,4,10001,工作时,\n", // row 7: too large
        "事件,06012,道路不洁,06012-03,x,y,快速路,4,5,工作时,\n", // row 8: unknown grade
        "事件,06012,道路不洁,06012-04,,y,,4,5,工作时,\n",    // row 9: missing 立案条件
        "部件,06010,暴露垃圾,,x,y,,4,5,工作时,\n",           // row 10: no such component
        "事件,06012,道路不洁,06012-05,x,y,,4,5,工作时,\n",
        "事件,06012,道路不洁,06012-05,x,y,,4,5,工作时,\n", // row 12: duplicate condition
        "事件,06012,道路不洁,06012-06,x,y,,4,,,\n",        // row 13: bare number, no unit
    ));
    assert_eq!(
        faults(&e),
        [
            (3, "小类代码".to_owned()),
            (4, "小类代码".to_owned()),
            (5, "时限单位".to_owned()),
            (6, "紧急时限".to_owned()),
            (7, "一般时限".to_owned()),
            (8, "区域等级".to_owned()),
            (9, "立案条件".to_owned()),
            (10, "小类代码".to_owned()),
            (12, "立案条件编号".to_owned()),
            (13, "紧急时限".to_owned()),
        ]
    );
    assert!(e.errors.iter().all(|x| x.file == "bad.csv"));
    let text = e.to_string();
    assert!(text.contains("bad.csv 第 8 行「区域等级」"), "{text}");
}

#[test]
fn long_text_and_conflicting_text_are_refused() {
    let long = "长".repeat(crate::workflow::limits::MAX_NOTE_CHARS + 1);
    let e = refuse(&format!(
        "事件,06010,暴露垃圾,06010-01,{long},清除,,1,1,工作日,\n\
         事件,06010,暴露垃圾,06010-02,a,b,,1,1,工作日,\n\
         事件,06010,暴露垃圾,06010-02,a,c,主干道,1,1,工作日,\n"
    ));
    assert_eq!(
        faults(&e),
        [(2, "立案条件".to_owned()), (4, "结案条件".to_owned())]
    );
}

#[test]
fn header_faults_and_errors_are_capped() {
    let e = parse_csv(
        "h.csv",
        "类型,小类代码,立案条件,结案条件,紧急时限,颜色\n",
        &Catalog::builtin(),
        &grades(),
    )
    .expect_err("refused");
    assert_eq!(
        faults(&e),
        [(1, "颜色".to_owned()), (1, "一般时限".to_owned())]
    );
    let e =
        parse_csv("empty.csv", "# nothing\n", &Catalog::builtin(), &grades()).expect_err("refused");
    assert_eq!(faults(&e), [(0, "小类代码".to_owned())]);
    let many: String = (0..80)
        .map(|_| "事件,99999,x,,a,b,,1,1,工作日,\n")
        .collect();
    let e = refuse(&many);
    assert_eq!(e.errors.len(), MAX_ERRORS);
    assert_eq!(e.more, 30);
}

#[test]
fn too_many_rows_are_refused() {
    let rows: String = (0..=MAX_ROWS)
        .map(|i| format!("事件,06010,暴露垃圾,c{i},a,b,,1,1,工作日,\n"))
        .collect();
    let e = refuse(&rows);
    assert_eq!(e.errors[0].field, "(行)");
    assert!(
        e.errors[0].message.contains("5000"),
        "{}",
        e.errors[0].message
    );
}

#[test]
fn rows_from_a_sheet_title_formula_and_english_headers() {
    let ok = |s: &str| Ok(s.to_owned());
    let rows = vec![
        RawRow {
            number: 1,
            cells: vec![ok("某区数字城管立案、处置和结案标准")],
        },
        RawRow {
            number: 2,
            cells: [
                "kind",
                "category",
                "condition",
                "filing_condition",
                "closing_condition",
                "grade",
                "limit_urgent",
                "limit_normal",
                "",
            ]
            .map(ok)
            .to_vec(),
        },
        RawRow {
            number: 3,
            cells: [
                "matter",
                "06010",
                "a-1",
                "x",
                "y",
                "",
                "4 working_hours",
                "1 工作日",
                "",
            ]
            .map(ok)
            .to_vec(),
        },
        RawRow {
            number: 4,
            cells: vec![
                ok("matter"),
                ok("06012"),
                ok(""),
                ok("x"),
                ok("y"),
                ok(""),
                Err("公式单元格（=A1*2）不接受，请粘贴为数值".to_owned()),
                ok("2 小时"),
            ],
        },
    ];
    let e = parse_rows("s.xlsx", rows.clone(), &Catalog::builtin(), &grades())
        .expect_err("formula refused");
    assert_eq!(faults(&e), [(4, "limit_urgent".to_owned())]);
    let t =
        parse_rows("s.xlsx", rows[..3].to_vec(), &Catalog::builtin(), &grades()).expect("valid");
    assert_eq!(
        t.limit_for(&matter("06010"), Some("a-1"), Urgency::Urgent, None)
            .map(|l| l.limit),
        Some(limit(4, LimitUnit::WorkingHours))
    );
}

#[test]
fn area_grades_most_specific_wins() {
    let text = "# grades\n区域等级,网格编码\n主干道,\n次干道,620102001001\n背街小巷,620102001001003\n城乡结合部,620102002\n";
    let g = AreaGrades::parse_csv("area_grades.csv", text).expect("valid");
    assert_eq!(g.grades(), ["主干道", "次干道", "背街小巷", "城乡结合部"]);
    let cell = |s: &str| GridCode::parse(s).expect("cell");
    assert_eq!(g.grade_of(&cell("620102001001003")), Some("背街小巷"));
    assert_eq!(g.grade_of(&cell("620102001001004")), Some("次干道"));
    assert_eq!(g.grade_of(&cell("620102002005001")), Some("城乡结合部"));
    assert_eq!(g.grade_of(&cell("620102003001001")), None);
    let dup = AreaGrades::parse_csv("a.csv", "grade,cell\n主干道,620102002\n次干道,620102002\n")
        .expect_err("duplicate");
    assert_eq!((dup.line, dup.field.as_str()), (3, "cell"));
    let bad = AreaGrades::parse_csv("a.csv", "grade,cell\n主干道,12345\n").expect_err("bad");
    assert_eq!((bad.line, bad.field.as_str()), (2, "cell"));
    assert_eq!(AreaGrades::default().grades().len(), 4);
}

#[test]
fn a_release_gives_what_a_dispatch_records() {
    // The app records this at 派遣 and the gate recomputes it: the row's condition and grade
    // and the table's version travel with the limit.
    let release = StandardsRelease {
        version: 3,
        sha256: String::new(),
        file: "standards.csv".into(),
        imported_by: "cli".into(),
        imported_at: 0,
        table: sample(),
    };
    let got = release.recorded_limit(
        &matter("06010"),
        Some("06010-01"),
        Urgency::Urgent,
        Some("主干道"),
    );
    let basis = crate::model::LimitBasis::Standard {
        condition: Some("06010-01".into()),
        grade: Some("主干道".into()),
        rules_version: Some("3".into()),
    };
    assert_eq!(got, Some((limit(2, LimitUnit::WorkingHours), basis)));
    // No condition row for an unknown condition: the category default, no condition recorded.
    let (_, basis) = release
        .recorded_limit(&matter("06010"), Some("nope"), Urgency::Normal, None)
        .expect("default");
    assert_eq!(
        basis,
        crate::model::LimitBasis::Standard {
            condition: None,
            grade: None,
            rules_version: Some("3".into()),
        }
    );
}
