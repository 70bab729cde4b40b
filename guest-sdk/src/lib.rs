//! Write wasmtron components in Rust.
//!
//! A wasmtron app is made of WebAssembly components: one **main** component
//! holding the app's trusted logic, one **renderer** per window holding that
//! window's logic, and **utility** workers. Each kind is a WIT world; this
//! crate hides the generated bindings behind one trait and one export macro
//! per world:
//!
//! | world | trait | macro |
//! |---|---|---|
//! | `main` | [`Main`] | [`export_main!`] |
//! | `renderer` | [`Renderer`] | [`export_renderer!`] |
//! | `utility` | [`Utility`] | [`export_utility!`] |
//!
//! Each trait's methods are the calls the host makes into the component.
//! What the component can call in turn is a set of modules, one per imported
//! interface:
//!
//! | world | modules |
//! |---|---|
//! | `main` | [`windows`], [`utilities`], [`processes`], [`ipc`], [`timers`], [`app`], [`ports`], [`log`] |
//! | `renderer` | [`bridge`], [`dom`], [`ports`], [`log`] |
//! | `utility` | [`parent_port`], [`ports`], [`log`] |
//!
//! Invokes go both ways: a renderer invokes main with [`bridge::invoke`],
//! and main invokes a renderer with [`windows::invoke`] or a utility with
//! [`UtilityProcess::invoke`](utilities::UtilityProcess::invoke). Whoever
//! is invoked answers in its trait's `handle` method.
//!
//! Message ports give two components a private line: main makes a pair with
//! [`ports::create_channel`] and moves the ends to a window
//! ([`windows::post_message`]) or a utility
//! ([`UtilityProcess::post_message_with_ports`](utilities::UtilityProcess::post_message_with_ports));
//! renderers and utilities can make pairs and move ends too. What is posted
//! on a [`MessagePort`] reaches the other end's `on_port_message`.
//!
//! Payloads are MessagePack. [`encode`] and [`decode`] convert any serde
//! type; the typed helpers ([`bridge::invoke`], [`windows::push`], ...) do it
//! for you.
//!
//! ```no_run
//! use wasmtron_guest::{bridge, dom, Renderer, UiEvent};
//!
//! #[derive(Default)]
//! struct Window;
//!
//! impl Renderer for Window {
//!     fn on_event(&mut self, event: UiEvent) {
//!         let name = event.value.unwrap_or_default();
//!         match bridge::invoke::<_, String>("greet", &name) {
//!             Ok(reply) => { let _ = dom::set_text("#reply", &reply); }
//!             Err(err) => { let _ = dom::set_text("#reply", &err.message); }
//!         }
//!     }
//! }
//!
//! wasmtron_guest::export_renderer!(Window);
//! ```
//!
//! Build a component with `cargo build --target wasm32-wasip2` and a
//! `crate-type = ["cdylib"]` library.

mod codec;
mod error;
mod export;
mod main_world;
mod renderer_world;
mod request;
mod utility_world;
mod wit;

pub use codec::{decode, encode};
pub use error::{DomError, ErrorCode, HandlerError, IpcError, Sender};
pub use main_world::processes::{self, ProcessGone};
pub use main_world::utilities::{self, UtilityMessage, UtilityProcess};
pub use main_world::{Main, TimerId, app, dialogs, ipc, shell, timers, windows};
pub use ports::{MessagePort, PortError, PortId, PortMessage};
pub use renderer_world::{
    DroppedFile, EventDetail, EventKind, KeyInfo, PointerInfo, Push, Renderer, UiEvent, bridge, dom,
};
pub use request::Request;
pub use utility_world::{ParentMessage, Utility, parent_port};

/// Writes to the host's log, tagged with this component's name.
pub mod log;

/// Typed calls: what a component that provides an app interface may ask
/// about the call it is running (main and utilities).
pub mod calls {
    use crate::Sender;

    /// Who made the typed call this component is running now, stamped by
    /// the host; `None` outside a typed call.
    #[must_use]
    pub fn caller() -> Option<Sender> {
        crate::wit::wasmtron::app::calls::caller()
    }
}

/// The generated bindings of wasmtron's shared interfaces, for an app that
/// generates bindings for its own WIT: map them with `wit_bindgen`'s `with`
/// so that an `ipc-error` in an app interface is this crate's type
/// (docs/app-interfaces.md).
///
/// ```ignore
/// wit_bindgen::generate!({
///     path: ["wasmtron-wit", "wit"],
///     world: "notes:app/store-user",
///     with: { "wasmtron:app/types@0.1.0": wasmtron_guest::interfaces::types },
/// });
/// ```
pub mod interfaces {
    pub use crate::wit::wasmtron::app::{calls, log, ports, types};
}

pub mod ports;

/// Raw bytes of a MessagePack payload.
pub type Payload = Vec<u8>;

/// Items the export macros need. Not part of the public API.
#[doc(hidden)]
pub mod __internal {
    pub use crate::wit::wasmtron::app::ports::MessagePort as RawMessagePort;
    pub use crate::wit::{main, renderer, utility};

    /// Wraps the port handles a call into the component delivered.
    pub fn ports(raw: Vec<RawMessagePort>) -> Vec<crate::MessagePort> {
        crate::ports::from_wit(raw)
    }
}
