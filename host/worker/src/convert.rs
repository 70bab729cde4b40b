//! Conversions between the wire's vocabulary and the WIT types guests see,
//! shared by the worker worlds and the host's main world.

use crate::bindings::renderer::wasmtron::app::dom as wit_dom;
use crate::bindings::shared::{log as wit_log, ports as wit_ports, types as wit_types};
use wasmtron_wire::{
    DomReadError, ErrorCode, EventDetail, EventKind, IpcError, PortError, Sender, UiEvent,
};

/// A page's UI event as the renderer world's `ui-event`.
pub fn ui_event_to_wit(event: UiEvent) -> wit_dom::UiEvent {
    wit_dom::UiEvent {
        kind: event_kind_to_wit(event.kind),
        target: event.target,
        value: event.value,
        fields: event.fields,
        detail: event.detail.map(event_detail_to_wit),
    }
}

fn event_kind_to_wit(kind: EventKind) -> wit_dom::EventKind {
    use wit_dom::EventKind as Wit;
    match kind {
        EventKind::Click => Wit::Click,
        EventKind::Input => Wit::Input,
        EventKind::Change => Wit::Change,
        EventKind::Submit => Wit::Submit,
        EventKind::Keydown => Wit::Keydown,
        EventKind::Keyup => Wit::Keyup,
        EventKind::Focus => Wit::Focus,
        EventKind::Blur => Wit::Blur,
        EventKind::Dblclick => Wit::Dblclick,
        EventKind::Contextmenu => Wit::Contextmenu,
        EventKind::Pointerdown => Wit::Pointerdown,
        EventKind::Pointerup => Wit::Pointerup,
        EventKind::Pointermove => Wit::Pointermove,
        EventKind::Drop => Wit::Drop,
    }
}

fn event_detail_to_wit(detail: EventDetail) -> wit_dom::EventDetail {
    match detail {
        EventDetail::Key(key) => wit_dom::EventDetail::Key(wit_dom::KeyInfo {
            key: key.key,
            code: key.code,
            ctrl: key.ctrl,
            shift: key.shift,
            alt: key.alt,
            meta: key.meta,
            repeat: key.repeat,
        }),
        EventDetail::Pointer(pointer) => wit_dom::EventDetail::Pointer(wit_dom::PointerInfo {
            x: pointer.x,
            y: pointer.y,
            button: pointer.button,
            buttons: pointer.buttons,
        }),
        EventDetail::Drop(files) => wit_dom::EventDetail::Drop(
            files
                .into_iter()
                .map(|file| wit_dom::DroppedFile {
                    name: file.name,
                    size: file.size,
                    mime_type: file.mime_type,
                })
                .collect(),
        ),
    }
}

/// Why a read of the page failed, as the WIT `dom-error`.
pub fn dom_read_error_to_wit(err: DomReadError) -> wit_dom::DomError {
    match err {
        DomReadError::BadSelector(selector) => wit_dom::DomError::BadSelector(selector),
        DomReadError::BadName(name) => wit_dom::DomError::BadName(name),
        DomReadError::TooLarge(_) => wit_dom::DomError::TooLarge,
        DomReadError::WindowGone => wit_dom::DomError::WindowGone,
        DomReadError::NoAnswer(why) => wit_dom::DomError::NoAnswer(why),
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
