use std::fmt;

use serde::{Deserialize, Serialize};

/// Why an IPC call produced no reply. Mirrors `error-code` in the WIT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorCode {
    NoHandler,
    HandlerFailed,
    Denied,
    Timeout,
    TargetGone,
    TooLarge,
    BadPayload,
    LimitExceeded,
}

impl ErrorCode {
    /// Every code, in the WIT's order.
    pub const ALL: [ErrorCode; 8] = [
        ErrorCode::NoHandler,
        ErrorCode::HandlerFailed,
        ErrorCode::Denied,
        ErrorCode::Timeout,
        ErrorCode::TargetGone,
        ErrorCode::TooLarge,
        ErrorCode::BadPayload,
        ErrorCode::LimitExceeded,
    ];

    /// The WIT name, such as `"no-handler"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::NoHandler => "no-handler",
            ErrorCode::HandlerFailed => "handler-failed",
            ErrorCode::Denied => "denied",
            ErrorCode::Timeout => "timeout",
            ErrorCode::TargetGone => "target-gone",
            ErrorCode::TooLarge => "too-large",
            ErrorCode::BadPayload => "bad-payload",
            ErrorCode::LimitExceeded => "limit-exceeded",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A structured IPC failure. A failing handler's own code and data travel
/// in `app_code` and `data`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{code}: {message}")]
pub struct IpcError {
    pub code: ErrorCode,
    pub message: String,
    pub app_code: Option<String>,
    #[serde(with = "serde_bytes")]
    pub data: Option<Vec<u8>>,
}

impl IpcError {
    /// An error with no application code or data.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        IpcError {
            code,
            message: message.into(),
            app_code: None,
            data: None,
        }
    }

    /// A handler ran and failed with its own `app_code`, message and data.
    pub fn handler_failed(app_code: String, message: String, data: Option<Vec<u8>>) -> Self {
        IpcError {
            code: ErrorCode::HandlerFailed,
            message,
            app_code: Some(app_code),
            data,
        }
    }

    pub fn too_large(what: &str, size: usize, limit: usize) -> Self {
        IpcError::new(
            ErrorCode::TooLarge,
            format!("{what} is {size} bytes; the limit is {limit}"),
        )
    }

    pub fn target_gone(what: &str) -> Self {
        IpcError::new(ErrorCode::TargetGone, format!("{what} is gone"))
    }
}

/// Who sent a message. Stamped by the host from the connection the message
/// came in on; never read from a payload.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Sender {
    Main,
    Window(String),
    Utility(String),
}

impl fmt::Display for Sender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Sender::Main => f.write_str("main"),
            Sender::Window(label) => write!(f, "window `{label}`"),
            Sender::Utility(name) => write!(f, "utility `{name}`"),
        }
    }
}
