//! Error codes of protocol v1: stable strings the client switches on, with the HTTP status each
//! one travels with and a Chinese message for the user.

use serde::{Deserialize, Serialize};

/// An error as it travels: `{code, message}`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Debug)]
pub struct ApiError {
    /// Stable code (see [`ErrorCode`]).
    pub code: String,
    /// Human message, Chinese first.
    pub message: String,
}

macro_rules! error_codes {
    ($($variant:ident = $code:literal, $status:literal, $zh:literal;)*) => {
        /// Every error code of protocol v1.
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
        pub enum ErrorCode {
            $(
                #[doc = $zh]
                $variant,
            )*
        }

        impl ErrorCode {
            /// Every code.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];

            /// The stable wire string.
            pub fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $code,)* }
            }

            /// The HTTP status it travels with.
            pub fn http_status(self) -> u16 {
                match self { $(ErrorCode::$variant => $status,)* }
            }

            /// The Chinese message shown to users.
            pub fn message_zh(self) -> &'static str {
                match self { $(ErrorCode::$variant => $zh,)* }
            }

            /// Parses the wire string.
            pub fn parse(text: &str) -> Option<ErrorCode> {
                Self::ALL.iter().copied().find(|c| c.as_str() == text)
            }

            /// An [`ApiError`] with this code and a detail appended to the Chinese message.
            pub fn with(self, detail: impl std::fmt::Display) -> ApiError {
                let detail = detail.to_string();
                let message = if detail.is_empty() {
                    self.message_zh().to_owned()
                } else {
                    format!("{}：{}", self.message_zh(), detail)
                };
                ApiError { code: self.as_str().to_owned(), message }
            }
        }
    };
}

error_codes! {
    UnsupportedProtocol = "unsupported_protocol", 426, "协议版本不受支持，请升级应用";
    BadRequest = "bad_request", 400, "请求格式错误";
    BadMessage = "bad_message", 400, "同步数据无法解析";
    TooLarge = "too_large", 413, "请求过大";
    Unauthorized = "unauthorized", 401, "未登录或登录已失效";
    TokenRevoked = "token_revoked", 401, "该设备的登录已被撤销";
    BadCredentials = "bad_credentials", 401, "用户名或密码错误";
    Forbidden = "forbidden", 403, "无权执行此操作";
    OutOfScope = "out_of_scope", 403, "案件不在您的管辖范围内";
    ForbiddenActor = "forbidden_actor", 403, "变更的作者不是本设备";
    EventActorMismatch = "event_actor_mismatch", 403, "事件的操作人与登录用户不符";
    RoleNotAllowed = "role_not_allowed", 403, "您的岗位不能执行此类操作";
    ImmutableChanged = "immutable_changed", 403, "不可修改的案件字段被修改";
    EventModified = "event_modified", 403, "已有的事件记录被修改";
    HlcInFuture = "hlc_in_future", 400, "设备时钟超前过多，请校准时间";
    InvalidId = "invalid_id", 400, "编号格式错误";
    NotFound = "not_found", 404, "未找到";
    RangeNotSatisfiable = "range_not_satisfiable", 416, "请求的字节范围超出文件大小";
    HashMismatch = "hash_mismatch", 422, "文件校验失败，请重新上传";
    OffsetMismatch = "offset_mismatch", 409, "上传位置不一致，请从服务器记录的位置续传";
    BadSignature = "bad_signature", 401, "签名校验失败";
    StaleRequest = "stale_request", 401, "请求时间戳超出允许范围";
    ReplayedRequest = "replayed_request", 409, "重复的请求（nonce 已使用）";
    UnknownCamera = "unknown_camera", 422, "未登记的摄像头";
    BadImage = "bad_image", 422, "快照不是有效的 JPEG 图片";
    EvaluationForbidden = "evaluation_forbidden", 403, "综合评价仅对值班长、领导和管理员开放";
    DashboardForbidden = "dashboard_forbidden", 403, "综合看板与月报、季报仅对值班长、领导和管理员开放";
    InvalidPayload = "invalid_payload", 422, "事件内容不符合规范";
    SecondReport = "second_report", 409, "案件已有上报记录，不能再次上报";
    HlcBackdated = "hlc_backdated", 409, "事件时间早于它所依据的记录";
    PhotoNotOwned = "photo_not_owned", 403, "照片不属于本次操作或本设备";
    StorageFull = "storage_full", 507, "服务器存储空间不足，本次提交未保存，请稍后重试";
    ServerBusy = "server_busy", 503, "服务器繁忙，请稍后重试";
    ObjectStoreUnavailable = "object_store_unavailable", 503, "对象存储暂时不可用，照片未保存，请保留照片稍后重试";
    RequestTimeout = "request_timeout", 408, "请求发送过慢，已超时断开，请重试";
    TooManyIds = "too_many_ids", 400, "一次查询的编号过多";
    ContactForbidden = "contact_forbidden", 403, "报案人联系方式仅对受理员、值班长和管理员开放";
    TooManyAttempts = "too_many_attempts", 429, "登录失败次数过多，账号或地址已被暂时锁定";
    WeakPassword = "weak_password", 422, "密码不符合安全要求";
    PasswordChangeRequired = "password_change_required", 403, "首次登录或密码重置后须先修改密码";
    TokenExpired = "token_expired", 401, "登录已过期，请重新登录";
    DeviceRevoked = "device_revoked", 403, "该设备已被管理员停用，请联系管理员重新启用";
    StandardsForbidden = "standards_forbidden", 403, "标准表仅限本租户管理员导入";
    StandardsInvalid = "standards_invalid", 422, "立案、处置和结案标准文件有误，已整体拒收";
    UnsupportedFileType = "unsupported_file_type", 415, "文件类型不受支持";
    Internal = "internal", 500, "服务器内部错误";
    DocumentUnreadable = "document_unreadable", 500, "案件数据损坏，已报告管理员";
    EvaluationPublishForbidden = "evaluation_publish_forbidden", 403, "发布考核结果仅限值班长和管理员";
    RepublishReasonRequired = "republish_reason_required", 409, "该期考核结果已发布，重新发布须填写原因";
    EvaluationVersionNotFound = "evaluation_version_not_found", 404, "该期考核结果没有这一发布版本";
    TrackMalformed = "track_malformed", 422, "轨迹数据格式错误";
    TrackTooLong = "track_too_long", 422, "一天的轨迹点过多";
    TrackBadTime = "track_bad_time", 422, "轨迹点时间无效或未按顺序";
    TrackBadPosition = "track_bad_position", 422, "轨迹点位置无效";
    TrackConflict = "track_conflict", 409, "该段轨迹已上传过不同的内容";
    SurveyNotAssigned = "survey_not_assigned", 403, "该网格未分配给此监督员";
    SurveyUnknownComponent = "survey_unknown_component", 422, "该部件不在本次普查范围内";
    SurveyNotStarted = "survey_not_started", 422, "普查尚未开始";
    SurveyInvalid = "survey_invalid", 422, "普查任务内容有误";
    NotChildUnit = "not_child_unit", 403, "只能下派给本单位的下级单位（三级单位或作业班组）";
    BeyondParentDeadline = "beyond_parent_deadline", 422, "下派时限不能晚于本单位的处置时限";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            assert!(seen.insert(code.as_str()), "{code:?}");
            assert_eq!(ErrorCode::parse(code.as_str()), Some(*code));
            assert!((400..600).contains(&code.http_status()));
        }
        let e = ErrorCode::OutOfScope.with("620103");
        assert_eq!(e.code, "out_of_scope");
        assert!(e.message.starts_with("案件不在"));
    }
}
