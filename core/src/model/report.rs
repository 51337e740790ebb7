//! How a problem reached the centre (the four channels of the provincial directive) and how
//! urgent it is.

use serde::{Deserialize, Serialize};

/// The channel a report came in by.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Debug)]
#[serde(rename_all = "snake_case")]
pub enum SourceChannel {
    /// 监督员巡查上报: an inspector's patrol.
    InspectorPatrol,
    /// 视频监控: a video-analytics alert.
    VideoAnalytics,
    /// 公众举报 by the 12319 / 12345 hotline.
    PublicHotline,
    /// 公众举报 through the Open311 GeoReport endpoint.
    PublicOpen311,
    /// 公众举报 through a public app or portal.
    PublicApp,
    /// 上级交办: handed down by a superior platform.
    Superior,
}

impl SourceChannel {
    /// Whether a report from this channel must be verified in the field before filing
    /// (everything but an inspector's own patrol report).
    pub fn needs_verification(self) -> bool {
        !matches!(self, SourceChannel::InspectorPatrol)
    }

    /// The Chinese label.
    pub fn label_zh(self) -> &'static str {
        match self {
            SourceChannel::InspectorPatrol => "监督员上报",
            SourceChannel::VideoAnalytics => "视频监控",
            SourceChannel::PublicHotline => "热线举报",
            SourceChannel::PublicOpen311 => "公众举报（Open311）",
            SourceChannel::PublicApp => "公众举报（应用）",
            SourceChannel::Superior => "上级交办",
        }
    }
}

/// 紧急程度.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Debug, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// 紧急.
    Urgent,
    /// 一般.
    Normal,
}

impl Urgency {
    /// The Chinese label.
    pub fn label_zh(self) -> &'static str {
        match self {
            Urgency::Urgent => "紧急",
            Urgency::Normal => "一般",
        }
    }
}
