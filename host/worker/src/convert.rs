//! Conversions between the wire's vocabulary and the WIT types guests see,
//! shared by the worker worlds and the host's main world.

use crate::bindings::renderer::wasmtron::app::dom as wit_dom;
use crate::bindings::shared::{log as wit_log, ports as wit_ports, types as wit_types};
use wasmtron_wire::{ErrorCode, EventKind, IpcError, PortError, Sender, UiEvent};

/// A page's UI event as the renderer world's `ui-event`.
pub fn ui_event_to_wit(event: UiEvent) -> wit_dom::UiEvent {
    wit_dom::UiEvent {
        kind: match event.kind {
            EventKind::Click => wit_dom::EventKind::Click,
            EventKind::Input => wit_dom::EventKind::Input,
            EventKind::Change => wit_dom::EventKind::Change,
            EventKind::Submit => wit_dom::EventKind::Submit,
        },
        target: event.target,
        value: event.value,
        fields: event.fields,
    }
}

/// Who sent a message or made a call, as the WIT `sender`.
pub fn sender_to_wit(sender: Sender) -> wit_types::Sender {
    match sender {
        Sender::Main => wit_types::Sender::Main,
        Sender::Window(label) => wit_types::Sender::Window(label),
        Sender::Utility(name) => wit_types::Sender::Utility(name),
    }
}

/// An IPC error as the WIT `ipc-error`.
pub fn ipc_error_to_wit(err: IpcError) -> wit_types::IpcError {
    wit_types::IpcError {
        code: match err.code {
            ErrorCode::NoHandler => wit_types::ErrorCode::NoHandler,
            ErrorCode::HandlerFailed => wit_types::ErrorCode::HandlerFailed,
            ErrorCode::Denied => wit_types::ErrorCode::Denied,
            ErrorCode::Timeout => wit_types::ErrorCode::Timeout,
            ErrorCode::TargetGone => wit_types::ErrorCode::TargetGone,
            ErrorCode::TooLarge => wit_types::ErrorCode::TooLarge,
            ErrorCode::BadPayload => wit_types::ErrorCode::BadPayload,
            ErrorCode::LimitExceeded => wit_types::ErrorCode::LimitExceeded,
        },
        message: err.message,
        app_code: err.app_code,
        data: err.data,
    }
}

/// A guest's log level as the host's.
pub fn level_from_wit(level: wit_log::Level) -> wasmtron_wire::log::Level {
    match level {
        wit_log::Level::Trace => wasmtron_wire::log::Level::Trace,
        wit_log::Level::Debug => wasmtron_wire::log::Level::Debug,
        wit_log::Level::Info => wasmtron_wire::log::Level::Info,
        wit_log::Level::Warn => wasmtron_wire::log::Level::Warn,
        wit_log::Level::Error => wasmtron_wire::log::Level::Error,
    }
}

/// A port error as the WIT `port-error`.
pub fn port_error_to_wit(err: PortError) -> wit_ports::PortError {
    match err {
        PortError::Closed => wit_ports::PortError::Closed,
        PortError::BadTransfer(why) => wit_ports::PortError::BadTransfer(why),
        PortError::TooLarge(why) => wit_ports::PortError::TooLarge(why),
        PortError::LimitExceeded(why) => wit_ports::PortError::LimitExceeded(why),
    }
}
