//! The error types shared by every world, with conveniences on top of the
//! generated WIT types.

use serde::Serialize;

pub use crate::wit::renderer::wasmtron::app::dom::DomError;
pub use crate::wit::wasmtron::app::types::{ErrorCode, HandlerError, IpcError, Sender};

impl IpcError {
    /// An error raised inside this component, before anything was sent.
    pub(crate) fn local(code: ErrorCode, message: String) -> Self {
        IpcError {
            code,
            message,
            app_code: None,
            data: None,
        }
    }

    /// Decodes the handler's error data, when there is some.
    ///
    /// # Errors
    /// `bad-payload` when the data does not decode as `T`.
    pub fn decode_data<T: serde::de::DeserializeOwned>(&self) -> Result<Option<T>, IpcError> {
        self.data.as_deref().map(crate::decode).transpose()
    }
}

impl HandlerError {
    /// A handler failure with the application's own `code` and a message.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        HandlerError {
            code: code.into(),
            message: message.into(),
            data: None,
        }
    }

    /// Attaches data the caller receives in [`IpcError::data`].
    ///
    /// When the data cannot be encoded the error is kept without it.
    #[must_use]
    pub fn with_data<T: Serialize + ?Sized>(mut self, data: &T) -> Self {
        self.data = crate::encode(data).ok();
        self
    }
}

impl From<IpcError> for HandlerError {
    fn from(err: IpcError) -> Self {
        HandlerError {
            code: err.code.as_str().to_owned(),
            message: err.message,
            data: err.data,
        }
    }
}

impl ErrorCode {
    /// The code's WIT name, such as `"no-handler"`.
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

impl Sender {
    /// The window label or utility name; `None` for main.
    pub fn name(&self) -> Option<&str> {
        match self {
            Sender::Main => None,
            Sender::Window(name) | Sender::Utility(name) => Some(name),
        }
    }
}
