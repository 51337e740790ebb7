//! The commands' error: a stable `code` for the UI's logic and a zh-CN `message` ready to show.
//! Every failure of core (store, media, sync, parse) is mapped here; nothing else reaches the UI.
//! Messages never contain a password or a token.

use gridcase_core::media::MediaError;
use gridcase_core::store::StoreError;
use gridcase_core::sync::runtime::SyncError;
use serde::Serialize;

/// A failed command.
#[derive(Clone, Debug, Serialize, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct AppError {
    /// Stable code (`not_signed_in`, `invalid_input`, `role_not_allowed`, …).
    pub code: String,
    /// zh-CN text for the user.
    pub message: String,
    /// For `invalid_input` on a form: the field at fault (the UI shows the message under it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl AppError {
    /// An error with this code and message.
    pub fn new(code: &str, message: impl Into<String>) -> AppError {
        AppError {
            code: code.to_owned(),
            message: message.into(),
            field: None,
        }
    }

    /// Bad input in one field of a form.
    pub fn invalid_field(field: &str, message: impl Into<String>) -> AppError {
        AppError {
            field: Some(field.to_owned()),
            ..AppError::invalid(message)
        }
    }

    /// Bad input from the UI; `message` names the field.
    pub fn invalid(message: impl Into<String>) -> AppError {
        AppError::new("invalid_input", message)
    }

    /// The command needs a signed-in user.
    pub fn not_signed_in() -> AppError {
        AppError::new("not_signed_in", "请先登录")
    }

    /// Something named was not found.
    pub fn not_found(what: &str) -> AppError {
        AppError::new("not_found", format!("未找到{what}"))
    }

    /// A bug or an unexpected failure of the device.
    pub fn internal(detail: impl std::fmt::Display) -> AppError {
        AppError::new("internal", format!("应用内部错误：{detail}"))
    }
}

/// Results of commands.
pub type AppResult<T> = Result<T, AppError>;

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        AppError::new(e.code(), format!("本机数据出错：{e}"))
    }
}

impl From<MediaError> for AppError {
    fn from(e: MediaError) -> AppError {
        let message = match &e {
            MediaError::UnsupportedFormat { .. } => {
                format!("不支持的图片格式：{e}。请使用 JPEG 照片")
            }
            MediaError::NotAnImage => "这不是图片文件".to_owned(),
            MediaError::TooManyPixels { .. } => format!("照片像素过大，已拒收：{e}"),
            MediaError::Truncated => "照片文件不完整（可能传输中断），请重新拍摄或选择".to_owned(),
            _ => format!("照片无法处理：{e}"),
        };
        AppError::new(e.code(), message)
    }
}

impl From<SyncError> for AppError {
    fn from(e: SyncError) -> AppError {
        let code = e.code().to_owned();
        let message = match code.as_str() {
            "unauthorized" | "bad_credentials" => "用户名或密码错误".to_owned(),
            // Account codes carry what the user must do (the seconds to wait, the rule broken).
            "too_many_attempts"
            | "password_change_required"
            | "weak_password"
            | "token_expired"
            | "device_revoked" => match &e {
                SyncError::Server(f) | SyncError::Stopped(f) => f.message.clone(),
                _ => e.to_string(),
            },
            "network" | "timeout" | "connect" => {
                "无法连接服务器，请检查网络或服务器地址".to_owned()
            }
            _ => format!("与服务器通信失败：{e}"),
        };
        AppError::new(&code, message)
    }
}

impl From<std::io::Error> for AppError {
    fn from(e: std::io::Error) -> AppError {
        AppError::new("io", format!("本机文件读写失败：{e}"))
    }
}

impl From<serde_json::Error> for AppError {
    fn from(e: serde_json::Error) -> AppError {
        AppError::new("invalid_data", format!("数据格式错误：{e}"))
    }
}
