//! The `renderer` world: one window's logic.

use serde::{Serialize, de::DeserializeOwned};

use crate::ports::{self, MessagePort, PortId, PortMessage};
use crate::wit::renderer::wasmtron::app as wit;
use crate::{HandlerError, IpcError, Payload, Request};

pub use wit::dom::{DroppedFile, EventDetail, EventKind, KeyInfo, PointerInfo, UiEvent};

impl UiEvent {
    /// The key of a `Keydown` or `Keyup`.
    pub fn key(&self) -> Option<&KeyInfo> {
        match &self.detail {
            Some(EventDetail::Key(key)) => Some(key),
            _ => None,
        }
    }

    /// The pointer of a `Pointerdown`, `Pointerup`, `Pointermove`,
    /// `Dblclick` or `Contextmenu`.
    pub fn pointer(&self) -> Option<&PointerInfo> {
        match &self.detail {
            Some(EventDetail::Pointer(pointer)) => Some(pointer),
            _ => None,
        }
    }

    /// The files of a `Drop`: names, sizes and types (never contents);
    /// empty for every other kind.
    pub fn dropped_files(&self) -> &[DroppedFile] {
        match &self.detail {
            Some(EventDetail::Drop(files)) => files,
            _ => &[],
        }
    }
}

impl KeyInfo {
    /// Whether no modifier (Ctrl, Shift, Alt, Meta) is held.
    pub fn is_plain(&self) -> bool {
        !(self.ctrl || self.shift || self.alt || self.meta)
    }
}

/// A window's logic (what an Electron app puts in its renderer script and
/// preload). It can reach only [`bridge`], [`dom`], [`ports`] and
/// [`log`](crate::log).
pub trait Renderer: Default + 'static {
    /// The page has loaded; DOM updates apply from now on.
    fn on_load(&mut self) {}

    /// A UI event the page declared with `data-on="click input keydown ..."`;
    /// key, pointer and drop events carry an [`EventDetail`] (see
    /// [`UiEvent::key`], [`UiEvent::pointer`], [`UiEvent::dropped_files`]).
    fn on_event(&mut self, event: UiEvent) {
        let _ = event;
    }

    /// Main pushed a message to this window, perhaps with ports.
    fn on_push(&mut self, push: Push) {
        let _ = push;
    }

    /// A message arrived on a port this renderer holds and has
    /// [started](MessagePort::start).
    fn on_port_message(&mut self, message: PortMessage) {
        let _ = message;
    }

    /// The other end of the port `port` was closed, or the process holding
    /// it ended. Posting on the port fails from now on.
    fn on_port_close(&mut self, port: PortId) {
        let _ = port;
    }

    /// Main invoked a channel on this window with
    /// [`windows::invoke`](crate::windows::invoke); the request's sender is
    /// [`Sender::Main`](crate::Sender::Main). The reply is the MessagePack
    /// payload returned; see [`reply`](Request::reply).
    ///
    /// # Errors
    /// The returned [`HandlerError`] reaches main as `handler-failed` with its
    /// code, message and data intact. The default serves no channel: it fails
    /// with app code `no-handler`, naming the channel.
    fn handle(&mut self, request: Request) -> Result<Payload, HandlerError> {
        Err(request.no_handler("this window"))
    }
}

/// A message main pushed to this window.
#[derive(Debug)]
pub struct Push {
    pub channel: String,
    pub payload: Payload,
    /// Ports main moved with a
    /// [`windows::post_message`](crate::windows::post_message); they are this
    /// renderer's now. Empty for a plain push.
    pub ports: Vec<MessagePort>,
}

impl Push {
    /// Decodes the payload.
    ///
    /// # Errors
    /// `bad-payload` when the payload is not a `T`.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, IpcError> {
        crate::decode(&self.payload)
    }
}

/// The renderer's way to main: `invoke`, `send` and `post_message`.
pub mod bridge {
    use super::*;

    /// Sends `request` on `channel` and waits for main's typed reply
    /// (Electron's `ipcRenderer.invoke`).
    ///
    /// # Errors
    /// An [`IpcError`]: `no-handler`, `denied`, `handler-failed` (with the
    /// handler's code and data), `target-gone`, `too-large`, `bad-payload`.
    pub fn invoke<Req, Resp>(channel: &str, request: &Req) -> Result<Resp, IpcError>
    where
        Req: Serialize + ?Sized,
        Resp: DeserializeOwned,
    {
        let reply = invoke_raw(channel, &crate::encode(request)?)?;
        crate::decode(&reply)
    }

    /// [`invoke`] with raw payload bytes.
    ///
    /// # Errors
    /// As [`invoke`].
    pub fn invoke_raw(channel: &str, payload: &[u8]) -> Result<Payload, IpcError> {
        wit::bridge::invoke(channel, payload)
    }

    /// Sends `message` on `channel` without waiting (Electron's
    /// `ipcRenderer.send`). Messages arrive at main in the order sent.
    ///
    /// # Errors
    /// `denied`, `too-large`, `bad-payload`, `target-gone`.
    pub fn send<T: Serialize + ?Sized>(channel: &str, message: &T) -> Result<(), IpcError> {
        send_raw(channel, &crate::encode(message)?)
    }

    /// [`send`] with raw payload bytes.
    ///
    /// # Errors
    /// As [`send`].
    pub fn send_raw(channel: &str, payload: &[u8]) -> Result<(), IpcError> {
        wit::bridge::send(channel, payload)
    }

    /// A [`send`] that moves the ports in `transfer` to main (Electron's
    /// `ipcRenderer.postMessage`); they arrive in
    /// [`Request::ports`](crate::Request::ports). Whatever the outcome, the
    /// ports are gone from this renderer.
    ///
    /// # Errors
    /// As [`send`].
    pub fn post_message<T: Serialize + ?Sized>(
        channel: &str,
        message: &T,
        transfer: Vec<MessagePort>,
    ) -> Result<(), IpcError> {
        post_message_raw(channel, &crate::encode(message)?, transfer)
    }

    /// [`post_message`] with raw payload bytes.
    ///
    /// # Errors
    /// As [`send`].
    pub fn post_message_raw(
        channel: &str,
        payload: &[u8],
        transfer: Vec<MessagePort>,
    ) -> Result<(), IpcError> {
        wit::bridge::post_message(channel, payload, ports::into_wit(transfer))
    }
}

/// This window's page. Selectors are CSS selectors; writes apply to every
/// match, reads to the first.
pub mod dom {
    use super::wit::dom;

    pub use crate::DomError;

    /// Replaces the text of the matching elements.
    ///
    /// # Errors
    /// `bad-selector`, `too-large`, `window-gone`.
    pub fn set_text(selector: &str, text: &str) -> Result<(), DomError> {
        dom::set_text(selector, text)
    }

    /// Replaces the children of the matching elements with parsed HTML.
    /// Scripts in it do not run: the page's CSP forbids inline script.
    ///
    /// # Errors
    /// As [`set_text`].
    pub fn set_html(selector: &str, html: &str) -> Result<(), DomError> {
        dom::set_html(selector, html)
    }

    /// Sets an attribute.
    ///
    /// # Errors
    /// As [`set_text`], and `bad-name` for an invalid attribute name.
    pub fn set_attribute(selector: &str, name: &str, value: &str) -> Result<(), DomError> {
        dom::set_attribute(selector, name, value)
    }

    /// Removes an attribute.
    ///
    /// # Errors
    /// As [`set_attribute`].
    pub fn remove_attribute(selector: &str, name: &str) -> Result<(), DomError> {
        dom::remove_attribute(selector, name)
    }

    /// Adds a class.
    ///
    /// # Errors
    /// As [`set_attribute`].
    pub fn add_class(selector: &str, name: &str) -> Result<(), DomError> {
        dom::add_class(selector, name)
    }

    /// Removes a class.
    ///
    /// # Errors
    /// As [`set_attribute`].
    pub fn remove_class(selector: &str, name: &str) -> Result<(), DomError> {
        dom::remove_class(selector, name)
    }

    /// Sets the current value of form controls.
    ///
    /// # Errors
    /// As [`set_text`].
    pub fn set_value(selector: &str, value: &str) -> Result<(), DomError> {
        dom::set_value(selector, value)
    }

    /// The current value of the first matching form control (`input`,
    /// `textarea`, `select`); `None` when nothing matches or the match is
    /// not one. Like every read, it waits for the page to answer (after it
    /// has loaded), in order with the writes made before it.
    ///
    /// # Errors
    /// `bad-selector`, `too-large` (the value is over `max-message-bytes`),
    /// `window-gone`, `no-answer` (the page gave none within
    /// `invoke-timeout-ms`).
    pub fn get_value(selector: &str) -> Result<Option<String>, DomError> {
        dom::get_value(selector)
    }

    /// Attribute `name` of the first match; `None` when nothing matches or
    /// it has no such attribute.
    ///
    /// # Errors
    /// As [`get_value`], and `bad-name` for an invalid attribute name.
    pub fn get_attribute(selector: &str, name: &str) -> Result<Option<String>, DomError> {
        dom::get_attribute(selector, name)
    }

    /// The text content of the first match; `None` when nothing matches.
    ///
    /// # Errors
    /// As [`get_value`].
    pub fn get_text(selector: &str) -> Result<Option<String>, DomError> {
        dom::get_text(selector)
    }

    /// How many elements match.
    ///
    /// # Errors
    /// As [`get_value`], but never `too-large`.
    pub fn count(selector: &str) -> Result<u32, DomError> {
        dom::count(selector)
    }
}

/// Exports a [`Renderer`] implementation as the component's `renderer` world.
///
/// ```ignore
/// #[derive(Default)]
/// struct Window;
/// impl wasmtron_guest::Renderer for Window {}
/// wasmtron_guest::export_renderer!(Window);
/// ```
#[macro_export]
macro_rules! export_renderer {
    ($ty:ty) => {
        $crate::__export_world!(
            $ty,
            $crate::Renderer,
            renderer,
            renderer_events,
            __export_renderer_world,
            invoked_by_main {
                fn on_load() {
                    with_state(|window| $crate::Renderer::on_load(window));
                }

                fn on_event(event: $crate::UiEvent) {
                    with_state(|window| $crate::Renderer::on_event(window, event));
                }

                fn on_push(
                    channel: ::std::string::String,
                    payload: $crate::Payload,
                    ports: ::std::vec::Vec<$crate::__internal::RawMessagePort>,
                ) {
                    let push = $crate::Push {
                        channel,
                        payload,
                        ports: $crate::__internal::ports(ports),
                    };
                    with_state(|window| $crate::Renderer::on_push(window, push));
                }
            }
        );
    };
}
