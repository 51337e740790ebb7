//! Malformed catalog files: each is refused with a `DataFileError` naming the file, the 1-based
//! line (comment lines counted) and the field.

use gridcase_core::catalog::{CatalogBuilder, LegacyTable};
use gridcase_core::error::DataFileError;

const CURRENT: &str = "# provenance\n# more provenance\nkind,class_code,class_name,code,name\n\
component,01,市政公用设施,01001,供水井盖\n\
component,01,市政公用设施,01037,路灯\n\
matter,06,市容环境类,06010,暴露垃圾\n";
const LEGACY: &str = "# legacy\nkind,class_code,class_name,code,name,sources\n\
component,01,公用设施,0101,上水井盖,A+B\n\
matter,01,市容环境,0102,暴露垃圾,\n";
const MAP: &str = "# map\n\
legacy_table,kind,legacy_code,legacy_name,current_kind,current_code,current_name,basis\n\
cjt214,component,0101,上水井盖,component,01001,供水井盖,stated_rename\n\
cjt214,matter,0102,暴露垃圾,matter,06010,暴露垃圾,same_name\n";
const RULES: &str = "# rules\n\
kind,code,filing_condition,closing_condition,limit_urgent,limit_normal,source\n\
matter,*,发现,处置,2 working_hours,2 working_days,default\n\
matter,06010,成堆,清除,1 工作日,1 工作日,济源\n";
const EXT: &str = "# tenant\n\
kind,class_code,class_name,code,name,filing_condition,closing_condition,limit_urgent,limit_normal\n\
matter,21,本地事项,21001,占道晾晒,,,,\n";

const FILES: [&str; 5] = ["cur.csv", "old.csv", "map.csv", "rules.csv", "ext.csv"];

/// Builds the five files, with `from` replaced by `to` in `file` (which must contain `from`).
fn build_with(file: &str, from: &str, to: &str) -> Result<(), DataFileError> {
    let texts = [CURRENT, LEGACY, MAP, RULES, EXT].map(|t| t.to_owned());
    let mut texts = texts;
    let i = FILES.iter().position(|f| *f == file).expect("known file");
    assert!(texts[i].contains(from), "{file} has no {from:?}");
    texts[i] = texts[i].replacen(from, to, 1);
    let [current, legacy, map, rules, ext] = texts;
    CatalogBuilder::new()
        .current("cur.csv", current)
        .legacy(LegacyTable::Cjt214, "old.csv", legacy)
        .legacy_map("map.csv", map)
        .rules("rules.csv", rules)
        .extensions("ext.csv", ext)
        .build()
        .map(|_| ())
}

#[test]
fn the_valid_files_load() {
    assert_eq!(build_with("cur.csv", "", ""), Ok(()));
}

#[test]
fn bad_files_name_file_line_and_field() {
    let add = "matter,06,市容环境类,06010,暴露垃圾\n";
    #[rustfmt::skip]
    let cases: &[(&str, &str, &str, usize, &str)] = &[
        // category tables
        ("cur.csv", ",01001,", ",01A01,", 4, "code"),
        ("cur.csv", "component,01,市政公用设施,01037", "thing,01,市政公用设施,01037", 5, "kind"),
        ("cur.csv", "01,市政公用设施,01037", "02,市政公用设施,01037", 5, "code"),
        ("cur.csv", add, &format!("{add}{add}"), 7, "code"),
        ("cur.csv", "01,市政公用设施,01037", "01,公用设施,01037", 5, "class_name"),
        ("cur.csv", "01037", "0137", 5, "code"),
        ("cur.csv", "06,市容环境类,06010", "26,扩展,26010", 6, "code"),
        ("cur.csv", "class_code,class_name,code,name", "class_code,class_name,code", 3, "name"),
        ("cur.csv", "code,name\n", "code,name,colour\n", 3, "colour"),
        ("cur.csv", "01037,路灯", "01037,", 5, "name"),
        ("cur.csv", ",01037,路灯", "", 5, "code"),
        ("cur.csv", "01,市政公用设施,01037", "1,市政公用设施,01037", 5, "class_code"),
        ("cur.csv", "component,01,市政公用设施,01037", "\n# comment\ncomponent,1,市政公用设施,01037", 7, "class_code"),
        ("old.csv", "0102,暴露垃圾", "01020,暴露垃圾", 4, "code"),
        ("ext.csv", "21,本地事项,21001", "06,市容环境类,06011", 3, "code"),
        ("ext.csv", "21001,占道晾晒,,,,", "21001,占道晾晒,,,2 fortnights,", 3, "limit_urgent"),
        ("ext.csv", "占道晾晒,,,,", "占道晾晒,,,,0 working_days", 3, "limit_normal"),
        // rules
        ("rules.csv", "1 工作日,1 工作日", "1 工作日,1 fortnight", 4, "limit_normal"),
        ("rules.csv", "matter,06010", "matter,06011", 4, "code"),
        ("rules.csv", "matter,06010", "component,06010", 4, "code"),
        ("rules.csv", "matter,06010", "matter,0102", 4, "code"),
        ("rules.csv", "发现,处置,2 working_hours", "发现,,2 working_hours", 3, "closing_condition"),
        ("rules.csv", "济源\n", "济源\nmatter,06010,,,,,again\n", 5, "code"),
        ("rules.csv", "1 工作日,1 工作日", "3 工作日,1 工作日", 4, "limit_urgent"),
        ("rules.csv", ",济源", ",", 4, "source"),
        ("rules.csv", "matter,*", "matters,*", 3, "kind"),
        // legacy map
        ("map.csv", "matter,06010,暴露垃圾", "matter,06011,暴露垃圾", 4, "current_code"),
        ("map.csv", "matter,06010,暴露垃圾", "matter,0102,暴露垃圾", 4, "current_code"),
        ("map.csv", "cjt214,matter,0102", "cjt214,matter,0103", 4, "legacy_code"),
        ("map.csv", "cjt214,matter,0102", "gbt30428_2,matter,0102", 4, "legacy_code"),
        ("map.csv", "cjt214,matter", "cjt215,matter", 4, "legacy_table"),
        ("map.csv", "01001,供水井盖", "01001,上水井盖", 3, "current_name"),
        ("map.csv", "0101,上水井盖", "0101,供水井盖", 3, "legacy_name"),
        ("map.csv", "same_name", "similar", 4, "basis"),
        ("map.csv", "same_name\n", "same_name\ncjt214,matter,0102,暴露垃圾,matter,06010,暴露垃圾,same_name\n", 5, "legacy_code"),
    ];
    for (file, from, to, line, field) in cases {
        let err = build_with(file, from, to).expect_err(&format!("{file}: {from:?} -> {to:?}"));
        assert_eq!(
            (err.file.as_str(), err.line, err.field.as_str()),
            (*file, *line, *field),
            "{file}: {from:?} -> {to:?}: {err}"
        );
        assert!(
            err.to_string()
                .starts_with(&format!("{file}:{line}: field `{field}`: ")),
            "{err}"
        );
        assert_eq!(err.code(), "bad_data_file");
    }
}

#[test]
fn an_empty_file_is_refused_at_line_0() {
    let err = CatalogBuilder::new()
        .current("empty.csv", "# only a comment\n")
        .build();
    let err = err.expect_err("empty");
    assert_eq!(
        (err.file.as_str(), err.line, err.field.as_str()),
        ("empty.csv", 0, "(header)")
    );
}

#[test]
fn a_broken_line_in_a_shipped_file_is_found_at_its_real_line() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/catalog/gbt47678_5_2026.csv");
    let text = std::fs::read_to_string(path).expect("shipped file");
    let line = text
        .lines()
        .position(|l| l.ends_with(",09009,机动车乱停放"))
        .expect("row")
        + 1;
    assert!(line > 20, "after the comment header");
    let broken = text.replace(",09009,机动车乱停放", ",09009,机动车乱停放,extra");
    let err = CatalogBuilder::new()
        .current("gbt47678_5_2026.csv", broken)
        .build()
        .expect_err("broken");
    assert_eq!((err.line, err.field.as_str()), (line, "(field 6)"));
}

#[test]
fn extension_files_refuse_non_extension_codes_and_duplicates() {
    let good = CatalogBuilder::builtin()
        .extensions("a.csv", EXT)
        .build()
        .expect("extension loads");
    assert!(good.categories().any(|c| c.code.as_str() == "21001"));
    let national = EXT.replace("21,本地事项,21001", "09,街面秩序类,09099");
    let err = CatalogBuilder::builtin()
        .extensions("b.csv", national)
        .build()
        .expect_err("refused");
    assert_eq!(
        (err.file.as_str(), err.line, err.field.as_str()),
        ("b.csv", 3, "code")
    );
    assert!(err.message.contains("21–99"), "{err}");
    let err = good.with_extensions("c.csv", EXT).expect_err("duplicate");
    assert_eq!(
        (err.file.as_str(), err.line, err.field.as_str()),
        ("c.csv", 3, "code")
    );
    assert!(err.message.contains("a.csv:3"), "{err}");
}
