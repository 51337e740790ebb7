//! The policy file: the shipped default, and bad files refused with file, line and field.

use crate::evaluation::{DEFAULT_POLICY, EvaluationPolicy, Level};

#[test]
fn the_default_policy_has_the_sources_weights_and_the_region_fix() {
    let p = EvaluationPolicy::default();
    let w = |level, key| p.weights(level).get(key);
    assert_eq!(
        [
            w(Level::Cell, "report_rate"),
            w(Level::Street, "filed_score"),
            w(Level::Tenant, "close_rate"),
            w(Level::Community, "ontime_close_rate"),
        ],
        [10.0, 20.0, 30.0, 40.0]
    );
    assert_eq!(w(Level::Inspector, "valid_report_rate"), 40.0);
    assert_eq!(w(Level::IntakeOperator, "ontime_check_dispatch_rate"), 35.0);
    assert_eq!(w(Level::ShiftLeader, "accurate_file_rate"), 40.0);
    assert_eq!(w(Level::Dispatcher, "dispatch_score"), 20.0);
    assert_eq!(w(Level::Department, "extension_rate"), 10.0);
    assert_eq!(p.grade(90.0), Some("A"));
    assert_eq!(p.grade(89.99), Some("B"));
    assert_eq!(p.grade(75.0), Some("B"));
    assert_eq!(p.grade(60.0), Some("C"));
    assert_eq!(p.grade(40.0), Some("D"));
    assert_eq!(p.grade(39.9), Some("E"));
    assert_eq!(p.grade(0.0), Some("E"));
    assert_eq!(
        p.intake_tiers.first().map(|t| (t.min, t.score)),
        Some((2001, 100.0))
    );
    assert!(!p.rework_makes_dispatch_inaccurate);
}

fn refused(from: &str, to: &str) -> crate::error::DataFileError {
    let text = DEFAULT_POLICY.replacen(from, to, 1);
    assert_ne!(text, DEFAULT_POLICY, "the replacement applies");
    EvaluationPolicy::parse_toml("eval.toml", &text).expect_err("refused")
}

fn line_of(needle: &str) -> usize {
    DEFAULT_POLICY
        .lines()
        .position(|l| l.contains(needle))
        .map_or(0, |i| i + 1)
}

#[test]
fn the_sources_70_percent_region_weights_are_refused() {
    let e = refused("ontime_close_rate = 40", "ontime_close_rate = 10");
    assert_eq!(
        (e.file.as_str(), e.field.as_str()),
        ("eval.toml", "region.weights")
    );
    assert!(e.message.contains("sum to 70"), "{}", e.message);
    assert_eq!(e.line, line_of("[region.weights]"));
}

#[test]
fn a_rescaled_region_table_is_accepted() {
    // The other fix docs/evaluation.md names: scale the source's 10/20/30/10 to 100.
    let text = DEFAULT_POLICY
        .replace("report_rate = 10 ", "report_rate = 14.2857142857143 ")
        .replace("filed_score = 20 ", "filed_score = 28.5714285714286 ")
        .replace("close_rate = 30 ", "close_rate = 42.8571428571428 ")
        .replace(
            "ontime_close_rate = 40",
            "ontime_close_rate = 14.2857142857143",
        );
    let p = EvaluationPolicy::parse_toml("eval.toml", &text).expect("sums to 100");
    assert!((p.weights(Level::Cell).get("close_rate") - 42.857_142_857_142_8).abs() < 1e-9);
}

#[test]
fn bad_files_name_the_field() {
    let e = refused("handle_rate = 30", "handling_rate = 30");
    assert_eq!(e.field, "department.weights.handling_rate");
    let e = refused("{ grade = \"E\", min = 0 }", "{ grade = \"E\", min = 10 }");
    assert_eq!(
        (e.field.as_str(), e.line),
        ("grades", line_of("grades = ["))
    );
    let e = refused("{ grade = \"B\", min = 75 }", "{ grade = \"B\", min = 95 }");
    assert_eq!(e.field, "grades");
    let e = refused("version = 1", "version = 2");
    assert_eq!(
        (e.field.as_str(), e.line),
        ("version", line_of("version = 1"))
    );
    let e = refused("{ min = 1201, score = 90 }", "{ min = 3000, score = 90 }");
    assert_eq!(e.field, "intake_operator.count_tiers");
    let e = refused(
        "[shift_leader.weights]",
        "[shift_leader]\ncount_tiers = []\n[shift_leader.weights]",
    );
    assert_eq!(e.field, "shift_leader.count_tiers");
    let e = refused("ontime_file_rate = 25", "ontime_file_rate = \"25\"");
    assert_eq!(e.field, "shift_leader.weights.ontime_file_rate");
    let e = refused("version = 1", "version = 1\ncolour = \"red\"");
    assert_eq!(e.field, "(file)");
    assert!(e.line > 0);
}
