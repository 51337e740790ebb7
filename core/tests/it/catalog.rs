//! The shipped catalogs: every row of every data file loads, counts match the sources' claims,
//! and lookups, search, legacy mapping, rules and tenant files work on the real data.

use gridcase_core::catalog::{Catalog, LegacyTable, MappingBasis};
use gridcase_core::codes::{CategoryCode, CategoryKind, CategoryRef, CodeStandard};
use gridcase_core::model::{LimitUnit, TimeLimit, Urgency};
use std::path::PathBuf;

const SHIPPED: [&str; 6] = [
    "gbt47678_5_2026.csv",
    "cjt214_components.csv",
    "cjt214_matters.csv",
    "gbt30428_2_matters.csv",
    "legacy_map.csv",
    "rules.csv",
];

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/catalog")
}

fn r(kind: CategoryKind, code: &str) -> CategoryRef {
    CategoryRef {
        kind,
        code: CategoryCode::parse(code).expect("test code"),
    }
}
use CategoryKind::{Component as C, Matter as M};

/// Data rows of a file, counted without the catalog's reader: not a comment, not blank, not the header.
fn data_rows(name: &str) -> Vec<(usize, String)> {
    let text = std::fs::read_to_string(data_dir().join(name)).expect("shipped file");
    let mut rows: Vec<(usize, String)> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with('#') && !l.trim().is_empty())
        .map(|(i, l)| (i + 1, l.to_owned()))
        .collect();
    rows.remove(0);
    rows
}

#[test]
fn every_row_of_every_category_file_loads_at_its_line() {
    let catalog = Catalog::builtin();
    for name in &SHIPPED[..4] {
        let rows = data_rows(name);
        let loaded: Vec<_> = catalog
            .categories()
            .filter(|c| c.source_file.ends_with(name))
            .collect();
        assert_eq!(loaded.len(), rows.len(), "{name}");
        for ((line, text), category) in rows.iter().zip(&loaded) {
            assert_eq!(category.source_line, *line, "{name}: {text}");
            let code = text.split(',').nth(3).expect("code column");
            assert_eq!(category.code.as_str(), code, "{name}:{line}");
            assert_eq!(CategoryCode::parse(code).as_ref(), Ok(&category.code));
            assert_eq!(category.code.standard(), category.standard);
            assert_eq!(category.code.class(), category.class_code);
        }
    }
    assert_eq!(
        catalog.mappings().count(),
        data_rows("legacy_map.csv").len()
    );
}

#[test]
fn counts_match_the_sources() {
    let catalog = Catalog::builtin();
    let count = |standard, table, kind| {
        catalog
            .categories()
            .filter(|c| c.standard == standard && c.legacy_table == table && c.kind == kind)
            .count()
    };
    // The transcription claims 153 部件 + 250 事项.
    assert_eq!(count(CodeStandard::Current, None, C), 153);
    assert_eq!(count(CodeStandard::Current, None, M), 250);
    assert_eq!(
        count(CodeStandard::Legacy, Some(LegacyTable::Cjt214), C),
        85
    );
    assert_eq!(
        count(CodeStandard::Legacy, Some(LegacyTable::Cjt214), M),
        54
    );
    assert_eq!(
        count(CodeStandard::Legacy, Some(LegacyTable::Gbt30428_2), M),
        15
    );
    assert_eq!(
        count(CodeStandard::Extension, None, C) + count(CodeStandard::Extension, None, M),
        0
    );
    let current_classes: Vec<(CategoryKind, &str, &str, usize)> = catalog
        .classes()
        .filter(|c| c.standard == CodeStandard::Current)
        .map(|c| (c.kind, c.code.as_str(), c.name.as_str(), c.count))
        .collect();
    assert_eq!(current_classes.len(), 15);
    assert_eq!(current_classes[0], (C, "01", "市政公用设施", 76));
    assert_eq!(current_classes[14], (M, "10", "其他事项类", 2));
    for class in catalog.classes() {
        assert_eq!(catalog.in_class(class).count(), class.count, "{class:?}");
    }
    // Gaps of the transcription stay gaps; every component has its "…异常" matter.
    for gap in ["01016", "05001", "05004", "05008"] {
        assert!(
            catalog.get(&r(C, gap)).is_none() && catalog.get(&r(M, gap)).is_none(),
            "{gap}"
        );
    }
    for gap in ["06031", "07005", "09007"] {
        assert!(catalog.get(&r(M, gap)).is_none(), "{gap}");
    }
    for component in catalog
        .categories()
        .filter(|c| c.kind == C && c.legacy_table.is_none())
    {
        let matter = catalog
            .get(&r(M, component.code.as_str()))
            .expect("matching matter");
        assert!(
            matter
                .name
                .starts_with(component.name.trim_end_matches("SOS")),
            "{}",
            matter.name
        );
        assert!(matter.name.contains("异常"));
    }
}

#[test]
fn lookups() {
    let catalog = Catalog::builtin();
    let lid = catalog.get(&r(C, "01001")).expect("01001");
    assert_eq!(
        (lid.name.as_str(), lid.class_name.as_str()),
        ("供水井盖", "市政公用设施")
    );
    assert_eq!(
        catalog.get(&r(M, "01001")).map(|c| c.name.as_str()),
        Some("供水井盖异常")
    );
    assert_eq!(
        catalog.get(&r(M, "01066")).map(|c| c.name.as_str()),
        Some("紧急报警点异常SOS")
    );
    // 4-digit codes mean different things in the two legacy tables.
    assert_eq!(
        catalog.get(&r(M, "0107")).map(|c| c.name.as_str()),
        Some("废弃车辆")
    );
    let other = catalog.get_legacy(LegacyTable::Gbt30428_2, &r(M, "0107"));
    assert_eq!(other.map(|c| c.name.as_str()), Some("沿街晾挂"));
    let a_only = catalog.get(&r(C, "0311")).expect("0311");
    assert_eq!(
        (a_only.sources.as_deref(), a_only.legacy_table),
        (Some("A"), Some(LegacyTable::Cjt214))
    );
    assert!(catalog.get(&r(C, "06010")).is_none());
}

#[test]
fn search_by_name_and_code() {
    let catalog = Catalog::builtin();
    let names = |q: &str, n: usize| -> Vec<String> {
        catalog
            .search(q, n)
            .iter()
            .map(|c| format!("{:?} {} {}", c.kind, c.code, c.name))
            .collect()
    };
    assert_eq!(names("暴露垃圾", 5), ["Matter 06010 暴露垃圾"]);
    assert_eq!(
        names("路灯", 4),
        [
            "Component 01037 路灯",
            "Component 01006 路灯井盖",
            "Component 01060 路灯配电箱",
            "Matter 01006 路灯井盖异常"
        ]
    );
    assert_eq!(
        names("0900", 3),
        [
            "Matter 09001 无照经营游商",
            "Matter 09002 早（夜）市管理问题",
            "Matter 09003 流浪乞讨"
        ]
    );
    assert_eq!(
        catalog.search("1003", 50).len(),
        0,
        "a code prefix matches from the start only"
    );
    assert_eq!(catalog.search("01001", 10).len(), 2, "component and matter");
    assert!(
        catalog.search("上水井盖", 10).is_empty(),
        "legacy names are not offered"
    );
    assert!(catalog.search("  ", 10).is_empty());
    assert_eq!(
        catalog.search("井盖", 100).len(),
        40,
        "20 components and their 20 matters"
    );
}

#[test]
fn legacy_mapping() {
    let catalog = Catalog::builtin();
    assert_eq!(catalog.to_current(&r(C, "0101")), Some(r(C, "01001")));
    let renamed = catalog
        .mapping(LegacyTable::Cjt214, &r(C, "0101"))
        .expect("mapped");
    assert_eq!(renamed.basis, MappingBasis::StatedRename);
    assert_eq!(catalog.to_current(&r(M, "0102")), Some(r(M, "06010")));
    let same = catalog
        .mapping(LegacyTable::Cjt214, &r(M, "0102"))
        .map(|m| m.basis);
    assert_eq!(same, Some(MappingBasis::SameName));
    let stated = catalog
        .mapping(LegacyTable::Gbt30428_2, &r(M, "0136"))
        .expect("stated");
    assert_eq!(
        (stated.current.clone(), stated.basis),
        (r(M, "06036"), MappingBasis::Stated)
    );
    assert_eq!(
        catalog.to_current_from(LegacyTable::Gbt30428_2, &r(M, "0107")),
        Some(r(M, "06007"))
    );
    assert_eq!(catalog.to_current(&r(M, "0107")), Some(r(M, "06034")));
    assert_eq!(
        catalog.to_current(&r(M, "0401")),
        None,
        "突发事件 has no stated counterpart"
    );
    assert_eq!(
        catalog.to_current_from(LegacyTable::Gbt30428_2, &r(M, "0198")),
        None
    );
    assert_eq!(catalog.to_current(&r(M, "06010")), Some(r(M, "06010")));
    assert_eq!(catalog.to_current(&r(M, "06031")), None);
    let stated_count = catalog
        .mappings()
        .filter(|m| m.basis == MappingBasis::Stated)
        .count();
    assert_eq!(stated_count, 14);
    for m in catalog.mappings() {
        let target = catalog.get(&m.current).expect("target exists");
        assert_eq!(target.standard, CodeStandard::Current);
        assert!(catalog.get_legacy(m.table, &m.legacy).is_some());
    }
}

#[test]
fn handling_limits_by_urgency() {
    let catalog = Catalog::builtin();
    let limit = |kind, code: &str, urgency| catalog.handling_limit(&r(kind, code), urgency);
    let wh = |v| Some(TimeLimit::new(v, LimitUnit::WorkingHours));
    let wd = |v| Some(TimeLimit::new(v, LimitUnit::WorkingDays));
    assert_eq!(limit(M, "06012", Urgency::Urgent), wh(5));
    assert_eq!(limit(M, "06010", Urgency::Normal), wd(1));
    assert_eq!(
        limit(M, "06029", Urgency::Normal),
        Some(TimeLimit::new(2, LimitUnit::NaturalHours))
    );
    // Subclasses without a local example get the documented example default of their kind.
    assert_eq!(
        (
            limit(M, "09009", Urgency::Urgent),
            limit(M, "09009", Urgency::Normal)
        ),
        (wh(2), wd(2))
    );
    assert_eq!(
        (
            limit(C, "01001", Urgency::Urgent),
            limit(C, "01001", Urgency::Normal)
        ),
        (wh(4), wd(5))
    );
    assert_eq!(
        limit(M, "0102", Urgency::Normal),
        None,
        "legacy codes carry no rules"
    );
    let bbq = catalog.get(&r(M, "06029")).expect("06029");
    assert_eq!(bbq.filing_condition.as_deref(), Some("未经许可露天烧烤"));
    assert_eq!(
        bbq.closing_condition.as_deref(),
        Some("问题已处置，现场核查与处置反馈一致")
    );
    let origins: Vec<(bool, usize)> = bbq
        .rule_origins
        .iter()
        .map(|o| (o.default, o.line))
        .collect();
    assert_eq!(origins.len(), 2);
    assert!(
        origins[0].0 && !origins[1].0,
        "default first, then the 太原 row: {origins:?}"
    );
    for c in catalog
        .categories()
        .filter(|c| c.standard == CodeStandard::Current)
    {
        let complete = c.filing_condition.is_some()
            && c.closing_condition.is_some()
            && c.limit_urgent.is_some()
            && c.limit_normal.is_some();
        assert!(complete, "{:?} {} has every rule", c.kind, c.code);
    }
}

#[test]
fn tenant_extensions_and_rules() {
    let text =
        std::fs::read_to_string(data_dir().join("tenant_extension.example.csv")).expect("example");
    let catalog = Catalog::builtin()
        .with_extensions("tenant_extension.csv", &text)
        .expect("loads");
    let vent = catalog.get(&r(C, "21001")).expect("21001");
    assert_eq!(
        (vent.standard, vent.name.as_str()),
        (CodeStandard::Extension, "地铁通风口")
    );
    assert_eq!(
        vent.limit_normal,
        Some(TimeLimit::new(5, LimitUnit::WorkingDays)),
        "default"
    );
    let crops = catalog.handling_limit(&r(M, "22001"), Urgency::Normal);
    assert_eq!(crops, Some(TimeLimit::new(1, LimitUnit::WorkingDays)));
    assert_eq!(catalog.search("晾晒", 5).len(), 1);
    assert_eq!(catalog.to_current(&r(M, "22001")), Some(r(M, "22001")));

    let tenant = "# 本市规定\nkind,code,filing_condition,closing_condition,limit_urgent,limit_normal,source\n\
                  matter,06010,,,1 工作时,,本市规定\nmatter,22001,,,,3 working_days,本市规定\n";
    let catalog = catalog
        .with_rules("tenant_rules.csv", tenant)
        .expect("rules load");
    let garbage = catalog.get(&r(M, "06010")).expect("06010");
    assert_eq!(
        garbage.limit_urgent,
        Some(TimeLimit::new(1, LimitUnit::WorkingHours))
    );
    assert_eq!(
        garbage.limit_normal,
        Some(TimeLimit::new(1, LimitUnit::WorkingDays)),
        "kept"
    );
    assert_eq!(
        garbage.filing_condition.as_deref(),
        Some("成堆、成片的垃圾"),
        "kept"
    );
    let files: Vec<&str> = garbage
        .rule_origins
        .iter()
        .map(|o| o.file.as_str())
        .collect();
    assert_eq!(files, ["core/data/catalog/rules.csv", "tenant_rules.csv"]);
    let crops = catalog.handling_limit(&r(M, "22001"), Urgency::Normal);
    assert_eq!(
        crops,
        Some(TimeLimit::new(3, LimitUnit::WorkingDays)),
        "later file wins"
    );

    // Layers follow the order files were added in, whatever their role.
    let early = "kind,code,filing_condition,closing_condition,limit_urgent,limit_normal,source\n\
                 matter,22001,,,,9 working_days,earlier\n";
    let catalog = gridcase_core::catalog::CatalogBuilder::builtin()
        .rules("early.csv", early)
        .extensions("tenant_extension.csv", text)
        .build()
        .expect("loads");
    let crops = catalog.handling_limit(&r(M, "22001"), Urgency::Normal);
    assert_eq!(
        crops,
        Some(TimeLimit::new(1, LimitUnit::WorkingDays)),
        "the extension file came later"
    );
}

#[test]
fn load_dir_reads_the_same_files() {
    let from_disk = Catalog::load_dir(&data_dir()).expect("loads");
    let builtin = Catalog::builtin();
    let key =
        |c: &gridcase_core::catalog::Category| (c.reference(), c.name.clone(), c.limit_normal);
    let disk: Vec<_> = from_disk.categories().map(key).collect();
    let embedded: Vec<_> = builtin.categories().map(key).collect();
    assert_eq!(disk, embedded);

    let dir = tempfile::tempdir().expect("temp dir");
    for name in &SHIPPED[1..] {
        std::fs::copy(data_dir().join(name), dir.path().join(name)).expect("copy");
    }
    let err = Catalog::load_dir(dir.path()).expect_err("a file is missing");
    assert!(err.file.ends_with("gbt47678_5_2026.csv"));
    assert_eq!((err.line, err.field.as_str()), (0, "(file)"));
}

#[test]
fn categories_serialise_for_the_ui() {
    let catalog = Catalog::builtin();
    let json = serde_json::to_value(catalog.get(&r(M, "06012")).expect("06012")).expect("json");
    assert_eq!(json["kind"], "matter");
    assert_eq!(json["code"], "06012");
    assert_eq!(json["standard"], "current");
    assert_eq!(json["limit_urgent"]["unit"], "working_hours");
    let legacy = serde_json::to_value(catalog.get(&r(C, "0606")).expect("0606")).expect("json");
    assert_eq!(legacy["legacy_table"], "cjt214");
}
