//! The output of an evaluation: one table per level (cells, communities, …, dispatchers), a row
//! per evaluated object, each row the same figures in the same order, then the composite score
//! (综合指标值) and grade. Also the scoring helpers every level shares.
//!
//! Invariants: every row of a table has the table's columns, in order; a rate with no
//! denominator has no value and no score (it drops out of the composite); scores are 0–100.

use super::policy::{EvaluationPolicy, Tier};
use crate::model::Timestamp;
use serde::{Deserialize, Serialize};

/// The object kind a table evaluates.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Debug)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// 单元网格.
    Cell,
    /// 社区.
    Community,
    /// 街道.
    Street,
    /// The whole tenant (区县).
    Tenant,
    /// 专业部门.
    Department,
    /// 监督员.
    Inspector,
    /// 受理员.
    IntakeOperator,
    /// 值班长.
    ShiftLeader,
    /// 派遣员.
    Dispatcher,
}

impl Level {
    /// Every level.
    pub const ALL: [Level; 9] = [
        Level::Cell,
        Level::Community,
        Level::Street,
        Level::Tenant,
        Level::Department,
        Level::Inspector,
        Level::IntakeOperator,
        Level::ShiftLeader,
        Level::Dispatcher,
    ];

    /// The stable wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Cell => "cell",
            Level::Community => "community",
            Level::Street => "street",
            Level::Tenant => "tenant",
            Level::Department => "department",
            Level::Inspector => "inspector",
            Level::IntakeOperator => "intake_operator",
            Level::ShiftLeader => "shift_leader",
            Level::Dispatcher => "dispatcher",
        }
    }

    /// Parses the wire name.
    pub fn parse(text: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.as_str() == text)
    }

    /// The Chinese name of the evaluated objects (also the sheet name of exports).
    pub fn label_zh(self) -> &'static str {
        match self {
            Level::Cell => "单元网格评价",
            Level::Community => "社区评价",
            Level::Street => "街道评价",
            Level::Tenant => "区县评价",
            Level::Department => "部门评价",
            Level::Inspector => "监督员评价",
            Level::IntakeOperator => "受理员评价",
            Level::ShiftLeader => "值班长评价",
            Level::Dispatcher => "派遣员评价",
        }
    }

    /// The evaluation family: `region`, `department` or `position`.
    pub fn family(self) -> &'static str {
        match self {
            Level::Cell | Level::Community | Level::Street | Level::Tenant => "region",
            Level::Department => "department",
            Level::Inspector | Level::IntakeOperator | Level::ShiftLeader | Level::Dispatcher => {
                "position"
            }
        }
    }
}

/// What a figure is.
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Debug)]
#[serde(rename_all = "snake_case")]
pub enum FigureKind {
    /// A count of cases or acts.
    Count,
    /// A fraction 0–1 with its numerator and denominator.
    Rate,
    /// A score 0–100 derived from a count (tiers or peers).
    Score,
}

/// One indicator of one object.
#[derive(Clone, PartialEq, Serialize, Deserialize, Debug)]
pub struct Figure {
    /// Stable key (the policy file's weight key for scored figures).
    pub key: String,
    /// Chinese column header.
    pub label: String,
    /// Count, rate or score.
    pub kind: FigureKind,
    /// The count, the rate (0–1), or the score; None for a rate with no denominator.
    pub value: Option<f64>,
    /// A rate's numerator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub numerator: Option<u64>,
    /// A rate's denominator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub denominator: Option<u64>,
    /// The 0–100 score this figure contributes (rates: 100 × rate, or 100 × (1 − rate) where
    /// lower is better); None for plain counts and empty rates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// The weight in percent from the policy (0 when not weighted).
    pub weight: f64,
}

impl Figure {
    /// A plain count.
    pub fn count(key: &str, label: &str, n: u64) -> Figure {
        Figure {
            key: key.to_owned(),
            label: label.to_owned(),
            kind: FigureKind::Count,
            value: Some(n as f64),
            numerator: None,
            denominator: None,
            score: None,
            weight: 0.0,
        }
    }

    /// A rate `num / den`; `lower_is_better` scores it as 100 × (1 − rate).
    pub fn rate(key: &str, label: &str, num: u64, den: u64, lower_is_better: bool) -> Figure {
        let value = (den > 0).then(|| num as f64 / den as f64);
        let score = value.map(|r| {
            if lower_is_better {
                100.0 * (1.0 - r)
            } else {
                100.0 * r
            }
        });
        Figure {
            key: key.to_owned(),
            label: label.to_owned(),
            kind: FigureKind::Rate,
            value,
            numerator: Some(num),
            denominator: Some(den),
            score,
            weight: 0.0,
        }
    }

    /// A score that cannot be computed (it drops out of the composite, like an empty rate).
    pub fn no_score(key: &str, label: &str) -> Figure {
        Figure {
            key: key.to_owned(),
            label: label.to_owned(),
            kind: FigureKind::Score,
            value: None,
            numerator: None,
            denominator: None,
            score: None,
            weight: 0.0,
        }
    }

    /// A score derived from a count.
    pub fn score(key: &str, label: &str, score: f64) -> Figure {
        Figure {
            key: key.to_owned(),
            label: label.to_owned(),
            kind: FigureKind::Score,
            value: Some(score),
            numerator: None,
            denominator: None,
            score: Some(score),
            weight: 0.0,
        }
    }
}

/// One evaluated object.
#[derive(Clone, PartialEq, Serialize, Deserialize, Debug)]
pub struct Row {
    /// The object's id (cell/community/street code, department or user id).
    pub id: String,
    /// Its name.
    pub name: String,
    /// The figures, in the table's column order.
    pub figures: Vec<Figure>,
    /// 综合指标值 (0–100): the weighted mean of the weighted figures that have a score; None
    /// when none has.
    pub score: Option<f64>,
    /// The grade of the score.
    pub grade: Option<String>,
}

impl Row {
    /// The figure with `key`.
    pub fn figure(&self, key: &str) -> Option<&Figure> {
        self.figures.iter().find(|f| f.key == key)
    }

    /// The value of the figure with `key`.
    pub fn value(&self, key: &str) -> Option<f64> {
        self.figure(key).and_then(|f| f.value)
    }
}

/// A column of a table.
#[derive(Clone, PartialEq, Serialize, Deserialize, Debug)]
pub struct Column {
    /// The figure key.
    pub key: String,
    /// The Chinese header.
    pub label: String,
    /// Count, rate or score.
    pub kind: FigureKind,
    /// The weight in percent (0 when not weighted).
    pub weight: f64,
}

/// One evaluation table.
#[derive(Clone, PartialEq, Serialize, Deserialize, Debug)]
pub struct Table {
    /// The evaluated level.
    pub level: Level,
    /// Period start (inclusive).
    pub from: Timestamp,
    /// Period end (exclusive).
    pub to: Timestamp,
    /// The figure columns, in order.
    pub columns: Vec<Column>,
    /// One row per object.
    pub rows: Vec<Row>,
}

impl Table {
    /// The row of the object `id`.
    pub fn row(&self, id: &str) -> Option<&Row> {
        self.rows.iter().find(|r| r.id == id)
    }
}

/// Applies the policy's weights of `section` to the rows and computes their scores and
/// grades; returns the finished table.
pub(crate) fn finish(
    level: Level,
    from: Timestamp,
    to: Timestamp,
    mut rows: Vec<Row>,
    columns_of_empty: Vec<Figure>,
    policy: &EvaluationPolicy,
) -> Table {
    let weights = policy.weights(level);
    for row in &mut rows {
        for f in &mut row.figures {
            f.weight = weights.get(&f.key);
        }
        row.score = composite(&row.figures);
        row.grade = row.score.and_then(|s| policy.grade(s).map(str::to_owned));
    }
    let template = rows.first().map_or(columns_of_empty, |r| r.figures.clone());
    let columns = template
        .into_iter()
        .map(|f| Column {
            weight: weights.get(&f.key),
            key: f.key,
            label: f.label,
            kind: f.kind,
        })
        .collect();
    Table {
        level,
        from,
        to,
        columns,
        rows,
    }
}

/// The weighted mean of the scored, weighted figures (weights of figures without a score are
/// left out and the others scaled up).
fn composite(figures: &[Figure]) -> Option<f64> {
    let (sum, weight) = figures
        .iter()
        .filter(|f| f.weight > 0.0)
        .filter_map(|f| f.score.map(|s| (s * f.weight, f.weight)))
        .fold((0.0, 0.0), |(a, b), (s, w)| (a + s, b + w));
    (weight > 0.0).then(|| sum / weight)
}

/// The tier score of a count: the first tier (highest `min` first) the count reaches; 0 below
/// every tier.
pub(crate) fn tier_score(tiers: &[Tier], count: u64, scale: f64) -> f64 {
    tiers
        .iter()
        .find(|t| count as f64 >= (t.min as f64 * scale).ceil())
        .map_or(0.0, |t| t.score)
}

/// The 回访 counts of a row: 应回访数, 回访数, 按时回访数, 满意数.
#[derive(Default, Clone, Copy)]
pub(crate) struct CallbackCounts {
    pub due: u64,
    pub called: u64,
    pub ontime: u64,
    pub satisfied: u64,
}

impl CallbackCounts {
    pub fn add(&mut self, f: Option<super::case::CallbackFacts>) {
        if let Some(f) = f {
            self.due += u64::from(f.due);
            self.called += u64::from(f.called);
            self.ontime += u64::from(f.ontime);
            self.satisfied += u64::from(f.satisfied);
        }
    }

    /// The 回访 figures: counts, 回访率 and 按时回访率 over 应回访数, 满意率 = 满意数 ÷ 回访数.
    pub fn figures(&self) -> Vec<Figure> {
        vec![
            Figure::count("callback_due", "应回访数", self.due),
            Figure::count("called_back", "回访数", self.called),
            Figure::count("ontime_called_back", "按时回访数", self.ontime),
            Figure::count("satisfied", "满意数", self.satisfied),
            Figure::rate("callback_rate", "回访率", self.called, self.due, false),
            Figure::rate(
                "ontime_callback_rate",
                "按时回访率",
                self.ontime,
                self.due,
                false,
            ),
            Figure::rate(
                "satisfaction_rate",
                "满意率",
                self.satisfied,
                self.called,
                false,
            ),
        ]
    }
}
