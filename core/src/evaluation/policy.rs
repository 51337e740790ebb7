//! A tenant's evaluation policy: grade bands, the weights of every table, the tiers that turn
//! counts into scores, and one accuracy switch; loaded from a TOML file (format in
//! docs/evaluation.md; the default is `core/data/evaluation/default.toml`).
//!
//! Invariants after parsing: every weight table has only keys its level knows, non-negative
//! weights that sum to 100; grade bands and tiers are ordered highest first and the last grade
//! band starts at 0, so every score 0–100 has a grade. Errors name the file, line and field.

use super::table::Level;
use crate::error::DataFileError;
use serde::{Deserialize, Serialize};

/// The shipped default policy text.
pub const DEFAULT_POLICY: &str = include_str!("../../data/evaluation/default.toml");

/// The scored figures each policy section may weight.
pub const SECTIONS: [(&str, &[&str]); 6] = [
    (
        "region",
        &[
            "report_rate",
            "filed_score",
            "close_rate",
            "ontime_close_rate",
            "satisfaction_rate",
            "ontime_callback_rate",
        ],
    ),
    (
        "department",
        &[
            "handle_rate",
            "ontime_handle_rate",
            "rework_rate",
            "overdue_pending_rate",
            "extension_rate",
            "satisfaction_rate",
            "ontime_callback_rate",
        ],
    ),
    (
        "inspector",
        &[
            "valid_report_rate",
            "missed_rate",
            "ontime_verify_rate",
            "ontime_check_rate",
        ],
    ),
    (
        "intake_operator",
        &[
            "intake_score",
            "ontime_verify_dispatch_rate",
            "ontime_check_dispatch_rate",
        ],
    ),
    (
        "shift_leader",
        &[
            "ontime_file_rate",
            "accurate_file_rate",
            "ontime_close_rate",
        ],
    ),
    (
        "dispatcher",
        &[
            "dispatch_score",
            "ontime_dispatch_rate",
            "accurate_dispatch_rate",
        ],
    ),
];

/// A grade band: scores at or above `min` (and below the previous band) get `grade`.
#[derive(Clone, PartialEq, Serialize, Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct GradeBand {
    /// The grade, e.g. "A".
    pub grade: String,
    /// Lowest score of the band.
    pub min: f64,
}

/// A count tier: counts at or above `min` score `score`.
#[derive(Clone, Copy, PartialEq, Serialize, Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    /// Lowest count of the tier.
    pub min: u64,
    /// Score 0–100.
    pub score: f64,
}

/// Weights in percent by figure key.
#[derive(Clone, PartialEq, Serialize, Deserialize, Debug, Default)]
pub struct Weights(pub Vec<(String, f64)>);

impl Weights {
    /// The weight of `key` (0 when absent).
    pub fn get(&self, key: &str) -> f64 {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map_or(0.0, |(_, w)| *w)
    }
}

/// A tenant's evaluation policy.
#[derive(Clone, PartialEq, Serialize, Deserialize, Debug)]
pub struct EvaluationPolicy {
    /// Grade bands, highest first; the last starts at 0.
    pub grades: Vec<GradeBand>,
    /// Weights per section (see [`SECTIONS`]), in the order of `SECTIONS`.
    pub weights: Vec<(String, Weights)>,
    /// 受理数分值 tiers, highest first.
    pub intake_tiers: Vec<Tier>,
    /// 派遣数分值 tiers, highest first.
    pub dispatch_tiers: Vec<Tier>,
    /// Whether a failed check (返工) makes a dispatch inaccurate (besides a send-back).
    pub rework_makes_dispatch_inaccurate: bool,
    /// The period length, in days, the count tiers are calibrated for (default 365: a year).
    /// A period of `d` days scores a count against each tier's `min` × `d` / this, rounded up,
    /// so a month is not scored on a year's tiers (issue 12, C9).
    pub count_tiers_days: u32,
    /// Effective filings per cell per 30 days at which a region's 立案数分值 reaches 0 (100 at
    /// none, linear in between; default 20). A fixed baseline, so a region's score does not
    /// depend on the other rows of its table (issue 12, C8).
    pub filed_score_zero: f64,
}

/// Most days a tier calibration may name (ten years).
pub const MAX_COUNT_TIERS_DAYS: u32 = 3660;

impl Default for EvaluationPolicy {
    fn default() -> Self {
        EvaluationPolicy::parse_toml("default.toml", DEFAULT_POLICY)
            .expect("the shipped default evaluation policy parses")
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSection {
    weights: toml::Spanned<toml::Table>,
    #[serde(default)]
    count_tiers: Option<toml::Spanned<Vec<Tier>>>,
    #[serde(default)]
    rework_makes_dispatch_inaccurate: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    version: toml::Spanned<u32>,
    #[serde(default)]
    count_tiers_days: Option<toml::Spanned<u32>>,
    #[serde(default)]
    filed_score_zero: Option<toml::Spanned<f64>>,
    grades: toml::Spanned<Vec<GradeBand>>,
    region: RawSection,
    department: RawSection,
    inspector: RawSection,
    intake_operator: RawSection,
    shift_leader: RawSection,
    dispatcher: RawSection,
}

impl EvaluationPolicy {
    /// The weights used for a level's table (every region level uses `region`).
    pub fn weights(&self, level: Level) -> &Weights {
        let section = match level {
            Level::Cell | Level::Community | Level::Street | Level::Tenant => "region",
            Level::Department => "department",
            Level::Inspector => "inspector",
            Level::IntakeOperator => "intake_operator",
            Level::ShiftLeader => "shift_leader",
            Level::Dispatcher => "dispatcher",
        };
        static EMPTY: Weights = Weights(Vec::new());
        self.weights
            .iter()
            .find(|(s, _)| s == section)
            .map_or(&EMPTY, |(_, w)| w)
    }

    /// The factor a period's length puts on the count tiers: its days over
    /// [`Self::count_tiers_days`] (1 for a period as long as the calibration).
    pub fn tier_scale(&self, from: crate::model::Timestamp, to: crate::model::Timestamp) -> f64 {
        let days = (to.0 - from.0).max(0) as f64 / crate::model::Timestamp::DAY_MS as f64;
        days / f64::from(self.count_tiers_days)
    }

    /// The grade of a score.
    pub fn grade(&self, score: f64) -> Option<&str> {
        self.grades
            .iter()
            .find(|b| score >= b.min)
            .map(|b| b.grade.as_str())
    }

    /// Parses a policy file; every error names the file, line and field.
    pub fn parse_toml(file: &str, text: &str) -> Result<Self, DataFileError> {
        let line_of = |offset: usize| {
            text.as_bytes()[..offset.min(text.len())]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1
        };
        let raw: Raw = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(0, |s| line_of(s.start));
            DataFileError::new(file, line, "(file)", e.message())
        })?;
        let err = |span: std::ops::Range<usize>, field: &str, msg: String| {
            DataFileError::new(file, line_of(span.start), field, msg)
        };
        if *raw.version.get_ref() != 1 {
            return Err(err(
                raw.version.span(),
                "version",
                format!("unsupported version {}, expected 1", raw.version.get_ref()),
            ));
        }
        let count_tiers_days = match &raw.count_tiers_days {
            None => 365,
            Some(d) if (1..=MAX_COUNT_TIERS_DAYS).contains(d.get_ref()) => *d.get_ref(),
            Some(d) => {
                return Err(err(
                    d.span(),
                    "count_tiers_days",
                    format!(
                        "{} is out of range: the tiers' period is 1 to {MAX_COUNT_TIERS_DAYS} days",
                        d.get_ref()
                    ),
                ));
            }
        };
        let filed_score_zero = match &raw.filed_score_zero {
            None => 20.0,
            Some(z)
                if z.get_ref().is_finite() && *z.get_ref() > 0.0 && *z.get_ref() <= 10_000.0 =>
            {
                *z.get_ref()
            }
            Some(z) => {
                return Err(err(
                    z.span(),
                    "filed_score_zero",
                    format!(
                        "{} is out of range: filings per cell per 30 days, above 0 and at most 10000",
                        z.get_ref()
                    ),
                ));
            }
        };
        let grades_span = raw.grades.span();
        let grades = raw.grades.into_inner();
        check_grades(&grades).map_err(|m| err(grades_span, "grades", m))?;
        let sections = [
            ("region", &raw.region),
            ("department", &raw.department),
            ("inspector", &raw.inspector),
            ("intake_operator", &raw.intake_operator),
            ("shift_leader", &raw.shift_leader),
            ("dispatcher", &raw.dispatcher),
        ];
        let mut weights = Vec::new();
        for ((name, section), (_, keys)) in sections.iter().zip(SECTIONS) {
            let w = parse_weights(&section.weights, keys).map_err(|(field, m)| {
                err(section.weights.span(), &format!("{name}.weights{field}"), m)
            })?;
            let has_tiers = matches!(*name, "intake_operator" | "dispatcher");
            if !has_tiers && section.count_tiers.is_some() {
                let span = section.count_tiers.as_ref().map_or(0..0, |t| t.span());
                return Err(err(
                    span,
                    &format!("{name}.count_tiers"),
                    "only intake_operator and dispatcher have count tiers".into(),
                ));
            }
            if *name != "dispatcher" && section.rework_makes_dispatch_inaccurate.is_some() {
                return Err(err(
                    section.weights.span(),
                    &format!("{name}.rework_makes_dispatch_inaccurate"),
                    "only the dispatcher section has this switch".into(),
                ));
            }
            weights.push(((*name).to_owned(), w));
        }
        let tiers = |s: &RawSection, name: &str| -> Result<Vec<Tier>, DataFileError> {
            let Some(t) = &s.count_tiers else {
                return Err(err(
                    s.weights.span(),
                    &format!("{name}.count_tiers"),
                    "missing count tiers".into(),
                ));
            };
            check_tiers(t.get_ref())
                .map_err(|m| err(t.span(), &format!("{name}.count_tiers"), m))?;
            Ok(t.get_ref().clone())
        };
        Ok(EvaluationPolicy {
            grades,
            weights,
            intake_tiers: tiers(&raw.intake_operator, "intake_operator")?,
            dispatch_tiers: tiers(&raw.dispatcher, "dispatcher")?,
            rework_makes_dispatch_inaccurate: raw
                .dispatcher
                .rework_makes_dispatch_inaccurate
                .unwrap_or(false),
            count_tiers_days,
            filed_score_zero,
        })
    }
}

fn parse_weights(
    table: &toml::Spanned<toml::Table>,
    keys: &[&str],
) -> Result<Weights, (String, String)> {
    let mut out = Vec::new();
    for (k, v) in table.get_ref() {
        if !keys.contains(&k.as_str()) {
            return Err((
                format!(".{k}"),
                format!("unknown indicator; expected one of {}", keys.join(", ")),
            ));
        }
        let w = v
            .as_float()
            .or_else(|| v.as_integer().map(|i| i as f64))
            .ok_or_else(|| {
                (
                    format!(".{k}"),
                    "weight must be a number (percent)".to_owned(),
                )
            })?;
        if !(0.0..=100.0).contains(&w) {
            return Err((
                format!(".{k}"),
                "weight must be between 0 and 100".to_owned(),
            ));
        }
        out.push((k.clone(), w));
    }
    let sum: f64 = out.iter().map(|(_, w)| w).sum();
    if (sum - 100.0).abs() > 1e-6 {
        return Err((
            String::new(),
            format!("weights sum to {sum}, must sum to 100"),
        ));
    }
    // Keep the order of the level's keys, not the file's.
    out.sort_by_key(|(k, _)| keys.iter().position(|x| x == k));
    Ok(Weights(out))
}

fn check_grades(grades: &[GradeBand]) -> Result<(), String> {
    if grades.is_empty() {
        return Err("at least one grade band is needed".into());
    }
    for pair in grades.windows(2) {
        if pair[1].min >= pair[0].min {
            return Err(format!(
                "grade bands must be ordered highest first ({} then {})",
                pair[0].grade, pair[1].grade
            ));
        }
    }
    if grades.iter().any(|g| g.grade.trim().is_empty()) {
        return Err("a grade band has an empty grade".into());
    }
    if grades.last().is_some_and(|g| g.min != 0.0) {
        return Err("the last grade band must start at 0 so every score has a grade".into());
    }
    Ok(())
}

fn check_tiers(tiers: &[Tier]) -> Result<(), String> {
    for pair in tiers.windows(2) {
        if pair[1].min >= pair[0].min {
            return Err("tiers must be ordered highest `min` first".into());
        }
    }
    if tiers.iter().any(|t| !(0.0..=100.0).contains(&t.score)) {
        return Err("a tier score must be between 0 and 100".into());
    }
    Ok(())
}
