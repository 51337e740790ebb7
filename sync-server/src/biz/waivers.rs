//! Filing without field verification when the evidence suffices (issue 12, item 6): the
//! tenant's `verification_waivers.csv` names the channels (and optionally the categories) whose
//! cases the server's intake marks `verification_waived`, so the intake operator may accept
//! them for filing without sending an inspector (a video snapshot of a 占道经营 stall, a
//! superior's order). Format (docs/data-formats.md):
//!
//! ```text
//! channel,category,note
//! video_analytics,matter:06010,视频抓拍足以认定暴露垃圾
//! superior,*,上级交办件以交办单为据
//! ```
//!
//! Invariants: the whole file is checked before it is stored (an unknown channel or category is
//! refused with its line and column); an inspector's patrol report needs no waiver (it needs
//! no verification) and is refused as a channel; only the server's intake channels apply a
//! waiver (`intake::create_system_case`), and the gate refuses one from any device.

use crate::error::{Result, ServerError};
use gridcase_core::catalog::Catalog;
use gridcase_core::codes::CategoryRef;
use gridcase_core::model::SourceChannel;

/// One rule: a channel, and a category (`None`: every category of the channel).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Waiver {
    /// The channel.
    pub channel: SourceChannel,
    /// The category, or every one.
    pub category: Option<CategoryRef>,
}

impl Waiver {
    /// The text recorded on the report (`video_analytics:matter:06010`, `superior:*`).
    pub fn label(&self) -> String {
        let channel = serde_json::to_value(self.channel)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        match &self.category {
            Some(c) => format!("{channel}:{}", crate::biz::intake::category_text(c)),
            None => format!("{channel}:*"),
        }
    }
}

/// Parses the waivers file, checking each category against the tenant's catalog.
pub fn parse(file: &str, text: &str, catalog: &Catalog) -> Result<Vec<Waiver>> {
    let bad = |line: usize, column: &str, why: String| {
        ServerError::bad_request(format!("{file} 第 {line} 行「{column}」：{why}"))
    };
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| bad(1, "表头", e.to_string()))?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (Some(ch), Some(cat)) = (col("channel"), col("category")) else {
        return Err(bad(1, "表头", "须有 channel 和 category 两列".into()));
    };
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| bad(0, "(csv)", e.to_string()))?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        let channel_text = record.get(ch).unwrap_or_default();
        let channel: SourceChannel = serde_json::from_value(serde_json::json!(channel_text))
            .map_err(|_| bad(line, "channel", format!("未知的受理渠道 {channel_text:?}")))?;
        if !channel.needs_verification() {
            return Err(bad(
                line,
                "channel",
                "监督员上报本就无需核实，不能设置免核实".into(),
            ));
        }
        let category_text = record.get(cat).unwrap_or_default();
        let category = match category_text {
            "*" | "" => None,
            t => Some(
                crate::biz::intake::parse_category(t, catalog)
                    .map_err(|e| bad(line, "category", e.to_string()))?,
            ),
        };
        out.push(Waiver { channel, category });
    }
    Ok(out)
}

/// The rule that waives verification for a report of `channel` in `category`, if any.
pub fn find<'a>(
    waivers: &'a [Waiver],
    channel: SourceChannel,
    category: &CategoryRef,
) -> Option<&'a Waiver> {
    waivers
        .iter()
        .find(|w| w.channel == channel && w.category.as_ref().is_none_or(|c| c == category))
}
