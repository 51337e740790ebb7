//! Time limits (时限) as written in the rules: a value and a unit, counted on the tenant's work
//! calendar (working minutes, hours, days) or in natural time.

use crate::error::ParseError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The unit of a time limit.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Debug)]
#[serde(rename_all = "snake_case")]
pub enum LimitUnit {
    /// 工作分钟: minutes of working time on the calendar.
    WorkingMinutes,
    /// 工作时: hours of working time on the calendar.
    WorkingHours,
    /// 工作日: working days on the calendar.
    WorkingDays,
    /// 分钟 (natural).
    NaturalMinutes,
    /// 小时 (natural).
    NaturalHours,
    /// 天 (natural).
    NaturalDays,
}

impl LimitUnit {
    /// Every unit.
    pub const ALL: [LimitUnit; 6] = [
        LimitUnit::WorkingMinutes,
        LimitUnit::WorkingHours,
        LimitUnit::WorkingDays,
        LimitUnit::NaturalMinutes,
        LimitUnit::NaturalHours,
        LimitUnit::NaturalDays,
    ];

    /// The stable name used in data files.
    pub fn as_str(self) -> &'static str {
        match self {
            LimitUnit::WorkingMinutes => "working_minutes",
            LimitUnit::WorkingHours => "working_hours",
            LimitUnit::WorkingDays => "working_days",
            LimitUnit::NaturalMinutes => "natural_minutes",
            LimitUnit::NaturalHours => "natural_hours",
            LimitUnit::NaturalDays => "natural_days",
        }
    }

    /// The Chinese unit as written in local rules.
    pub fn label_zh(self) -> &'static str {
        match self {
            LimitUnit::WorkingMinutes => "工作分钟",
            LimitUnit::WorkingHours => "工作时",
            LimitUnit::WorkingDays => "工作日",
            LimitUnit::NaturalMinutes => "分钟",
            LimitUnit::NaturalHours => "小时",
            LimitUnit::NaturalDays => "天",
        }
    }

    /// Parses a unit from its stable name or its Chinese label.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        LimitUnit::ALL
            .into_iter()
            .find(|u| u.as_str() == text || u.label_zh() == text)
            .ok_or_else(|| {
                ParseError::new(
                    "time limit unit",
                    text,
                    "expected working_minutes, working_hours, working_days, natural_minutes, natural_hours or natural_days",
                )
            })
    }

    /// Whether the unit counts on the work calendar.
    pub fn is_working(self) -> bool {
        matches!(
            self,
            LimitUnit::WorkingMinutes | LimitUnit::WorkingHours | LimitUnit::WorkingDays
        )
    }
}

/// A time limit such as "4 工作时" or "15 工作日".
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Debug)]
pub struct TimeLimit {
    /// How many units.
    pub value: u32,
    /// The unit.
    pub unit: LimitUnit,
}

impl TimeLimit {
    /// A limit of `value` `unit`s.
    pub const fn new(value: u32, unit: LimitUnit) -> Self {
        Self { value, unit }
    }

    /// Parses "4 working_hours", "4工作时", "15 工作日".
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let t = text.trim();
        let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        let value = num
            .parse::<u32>()
            .map_err(|_| ParseError::new("time limit", text, "must start with a whole number"))?;
        let unit = LimitUnit::parse(unit.trim())?;
        Ok(Self { value, unit })
    }
}

impl fmt::Display for TimeLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.value, self.unit.label_zh())
    }
}

/// Where the handling limit recorded at dispatch (派遣) came from. Recorded on the dispatch
/// event with the limit's value and unit, so the deadline and the evaluation read what was in
/// force when the limit was set, never the tenant's rules of today (a rules re-import moves no
/// deadline already set).
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Debug)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum LimitBasis {
    /// The category's limit for the case's urgency (处置时限 of the 小类) in the tenant's rules.
    Category {
        /// The version of the rules it was read from (the standards table's version number,
        /// or the first 12 hex digits of the reference data's SHA-256), when known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rules_version: Option<String>,
    },
    /// A row of the standards table (《立案、处置和结案标准》): a 立案条件 and/or an area grade.
    Standard {
        /// The 立案条件 code chosen at filing, when the row is a condition's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        condition: Option<String>,
        /// The area grade (主干道, 背街小巷, …) of the case's cell, when the row is per grade.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        grade: Option<String>,
        /// The version of the standards table.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rules_version: Option<String>,
    },
    /// Typed by the dispatcher (调整时限), with an explicit unit and a reason.
    Override {
        /// Why the standard limit does not fit this case.
        reason: String,
    },
}

impl LimitBasis {
    /// The Chinese label shown beside the limit (时限依据).
    pub fn label_zh(&self) -> String {
        match self {
            LimitBasis::Category { rules_version } => match rules_version {
                Some(v) => format!("类别处置时限（规则版本 {v}）"),
                None => "类别处置时限".to_owned(),
            },
            LimitBasis::Standard {
                condition,
                grade,
                rules_version,
            } => {
                let mut s = "立案处置结案标准".to_owned();
                if let Some(c) = condition {
                    s.push_str(&format!("·立案条件 {c}"));
                }
                if let Some(g) = grade {
                    s.push_str(&format!("·{g}"));
                }
                if let Some(v) = rules_version {
                    s.push_str(&format!("（版本 {v}）"));
                }
                s
            }
            LimitBasis::Override { reason } => format!("派遣员调整：{reason}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_spellings() {
        assert_eq!(
            TimeLimit::parse("4 working_hours"),
            Ok(TimeLimit::new(4, LimitUnit::WorkingHours))
        );
        assert_eq!(
            TimeLimit::parse("15工作日"),
            Ok(TimeLimit::new(15, LimitUnit::WorkingDays))
        );
        assert_eq!(
            TimeLimit::parse("2 小时"),
            Ok(TimeLimit::new(2, LimitUnit::NaturalHours))
        );
        assert!(TimeLimit::parse("hours 4").is_err());
        assert!(TimeLimit::parse("4 fortnights").is_err());
        assert_eq!(
            TimeLimit::new(4, LimitUnit::WorkingHours).to_string(),
            "4工作时"
        );
    }
}
