//! The tenant's deadline policy: stage limits per urgency, the yellow-light fraction and how a
//! rework round is timed, loaded from a TOML file (docs/data-formats.md).

use crate::error::DataFileError;
use crate::model::{TimeLimit, Urgency};
use serde::{Deserialize, Serialize};

/// The clocks a case runs (WORKFLOW.md "States", "Clock that runs").
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Debug)]
#[serde(rename_all = "snake_case")]
pub enum Clock {
    /// 受理 (Reported).
    Accept,
    /// 核实 (AwaitingVerification).
    Verify,
    /// 立案 (AwaitingFiling).
    File,
    /// 派遣 (AwaitingDispatch).
    Dispatch,
    /// 处置 (InProgress; the category's handling limit).
    Handling,
    /// 派核查 (FeedbackReceived).
    CheckDispatch,
    /// 核查 (AwaitingCheck).
    Check,
    /// 结案 (AwaitingClose).
    Close,
    /// 自行处置审核 (SelfHandledPendingReview).
    Review,
    /// 回访: the call-back to the public reporter after closing (a Closed public-channel case,
    /// until its first callback). Optional in the policy file (`[stages.callback]`).
    Callback,
}

impl Clock {
    /// Every stage clock that takes its limit from the policy (all but handling).
    pub const STAGES: [Clock; 8] = [
        Clock::Accept,
        Clock::Verify,
        Clock::File,
        Clock::Dispatch,
        Clock::CheckDispatch,
        Clock::Check,
        Clock::Close,
        Clock::Review,
    ];

    /// Stage clocks a policy file may leave out (then they run with no limit).
    pub const OPTIONAL: [Clock; 1] = [Clock::Callback];

    /// The key used in the policy file.
    pub fn as_str(self) -> &'static str {
        match self {
            Clock::Accept => "accept",
            Clock::Verify => "verify",
            Clock::File => "file",
            Clock::Dispatch => "dispatch",
            Clock::Handling => "handling",
            Clock::CheckDispatch => "check_dispatch",
            Clock::Check => "check",
            Clock::Close => "close",
            Clock::Review => "review",
            Clock::Callback => "callback",
        }
    }

    /// The Chinese label.
    pub fn label_zh(self) -> &'static str {
        match self {
            Clock::Accept => "受理",
            Clock::Verify => "核实",
            Clock::File => "立案",
            Clock::Dispatch => "派遣",
            Clock::Handling => "处置",
            Clock::CheckDispatch => "派核查",
            Clock::Check => "核查",
            Clock::Close => "结案",
            Clock::Review => "自行处置审核",
            Clock::Callback => "回访",
        }
    }
}

/// How the handling clock restarts after a failed check (返工).
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Debug)]
#[serde(rename_all = "snake_case")]
pub enum ReworkTiming {
    /// A new full handling limit.
    Full,
    /// Only what was left of the previous round when the department fed back.
    Remainder,
}

/// A stage limit for each urgency.
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Debug)]
pub struct UrgencyLimits {
    /// 紧急.
    pub urgent: TimeLimit,
    /// 一般.
    pub normal: TimeLimit,
}

impl UrgencyLimits {
    /// The limit for `urgency`.
    pub fn get(&self, urgency: Urgency) -> TimeLimit {
        match urgency {
            Urgency::Urgent => self.urgent,
            Urgency::Normal => self.normal,
        }
    }
}

/// A tenant's deadline policy.
#[derive(Clone, PartialEq, Serialize, Deserialize, Debug)]
pub struct DeadlinePolicy {
    /// Limits per stage clock (every clock in [`Clock::STAGES`], and those of
    /// [`Clock::OPTIONAL`] the file sets).
    pub stages: Vec<(Clock, UrgencyLimits)>,
    /// Fraction of a limit after which the light turns yellow (default 0.8).
    pub yellow_fraction: f64,
    /// How rework is timed.
    pub rework: ReworkTiming,
}

impl DeadlinePolicy {
    /// The limit of a stage clock for an urgency (None for handling, which comes from the
    /// category or the dispatch).
    pub fn stage_limit(&self, clock: Clock, urgency: Urgency) -> Option<TimeLimit> {
        self.stages
            .iter()
            .find(|(c, _)| *c == clock)
            .map(|(_, l)| l.get(urgency))
    }

    /// Parses a policy file; every error names the file, line and field.
    pub fn parse_toml(file: &str, text: &str) -> Result<Self, DataFileError> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            yellow_fraction: Option<toml::Spanned<f64>>,
            rework: Option<toml::Spanned<String>>,
            stages: toml::Spanned<toml::Table>,
        }
        let line_of = |offset: usize| text[..offset.min(text.len())].lines().count().max(1);
        let raw: Raw = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(0, |s| line_of(s.start));
            DataFileError::new(file, line, "(file)", e.message())
        })?;
        let yellow_fraction = match raw.yellow_fraction {
            Some(y) if !(y.get_ref() > &0.0 && y.get_ref() < &1.0) => {
                return Err(DataFileError::new(
                    file,
                    line_of(y.span().start),
                    "yellow_fraction",
                    "must be between 0 and 1",
                ));
            }
            Some(y) => *y.get_ref(),
            None => 0.8,
        };
        let rework = match raw.rework {
            None => ReworkTiming::Full,
            Some(r) => match r.get_ref().as_str() {
                "full" => ReworkTiming::Full,
                "remainder" => ReworkTiming::Remainder,
                other => {
                    return Err(DataFileError::new(
                        file,
                        line_of(r.span().start),
                        "rework",
                        format!("expected \"full\" or \"remainder\", found {other:?}"),
                    ));
                }
            },
        };
        let stages_line = line_of(raw.stages.span().start);
        let mut stages = Vec::new();
        for clock in Clock::STAGES.into_iter().chain(Clock::OPTIONAL) {
            let key = clock.as_str();
            let field = format!("stages.{key}");
            let optional = Clock::OPTIONAL.contains(&clock);
            if optional && !raw.stages.get_ref().contains_key(key) {
                continue;
            }
            let table = raw
                .stages
                .get_ref()
                .get(key)
                .and_then(|v| v.as_table())
                .ok_or_else(|| {
                    DataFileError::new(
                        file,
                        stages_line,
                        &field,
                        "missing table with urgent and normal limits",
                    )
                })?;
            let limit = |which: &str| -> Result<TimeLimit, DataFileError> {
                let field = format!("{field}.{which}");
                let text_value = table.get(which).and_then(|v| v.as_str()).ok_or_else(|| {
                    DataFileError::new(
                        file,
                        find_line(text, key, which),
                        &field,
                        "missing limit such as \"30 working_minutes\"",
                    )
                })?;
                TimeLimit::parse(text_value).map_err(|e| {
                    DataFileError::new(file, find_line(text, key, which), &field, e.to_string())
                })
            };
            stages.push((
                clock,
                UrgencyLimits {
                    urgent: limit("urgent")?,
                    normal: limit("normal")?,
                },
            ));
        }
        if let Some(extra) = raw.stages.get_ref().keys().find(|k| {
            !Clock::STAGES
                .iter()
                .chain(&Clock::OPTIONAL)
                .any(|c| c.as_str() == k.as_str())
        }) {
            return Err(DataFileError::new(
                file,
                stages_line,
                format!("stages.{extra}"),
                "unknown stage clock",
            ));
        }
        Ok(Self {
            stages,
            yellow_fraction,
            rework,
        })
    }
}

/// The line of `key = ...` inside the `[stages.<table>]` section (best effort; 0 if not found).
fn find_line(text: &str, table: &str, key: &str) -> usize {
    let header = format!("[stages.{table}]");
    let mut in_table = false;
    for (i, line) in text.lines().enumerate() {
        let t = line.split('#').next().unwrap_or("").trim();
        if t.starts_with('[') {
            in_table = t == header;
        } else if in_table && t.split('=').next().map(str::trim) == Some(key) {
            return i + 1;
        }
    }
    0
}
