//! Message ports (Electron's `MessageChannelMain` and `MessagePort`), in
//! every world: two entangled ends, each delivering to the other what is
//! posted on it.
//!
//! [`create_channel`] makes a pair. Keep one end and move the other to
//! another component inside a message (`transfer` in
//! [`windows::post_message`](crate::windows::post_message),
//! [`bridge::post_message`](crate::bridge::post_message),
//! [`UtilityProcess::post_message_with_ports`](crate::utilities::UtilityProcess::post_message_with_ports),
//! [`parent_port::post_message_with_ports`](crate::parent_port::post_message_with_ports)
//! or [`MessagePort::post_message`] itself); from then on the two components
//! talk directly, without a channel name.
//!
//! A received port delivers nothing until its holder calls
//! [`start`](MessagePort::start); messages wait for it, in order. Then each
//! one reaches the trait's `on_port_message` as a [`PortMessage`], and the
//! other end's closing (or its holder's death) reaches `on_port_close`.
//!
//! # Examples
//!
//! Main gives two windows a line of their own:
//!
//! ```no_run
//! use wasmtron_guest::{IpcError, ports, windows};
//!
//! fn connect(left: &str, right: &str) -> Result<(), IpcError> {
//!     let (a, b) = ports::create_channel();
//!     windows::post_message(left, "port", "", vec![a])?;
//!     windows::post_message(right, "port", "", vec![b])
//! }
//! ```
//!
//! Each window keeps its end, starts it and talks through it:
//!
//! ```no_run
//! use wasmtron_guest::{MessagePort, PortMessage, Push, Renderer, log};
//!
//! #[derive(Default)]
//! struct Chat {
//!     peer: Option<MessagePort>,
//! }
//!
//! impl Renderer for Chat {
//!     fn on_push(&mut self, push: Push) {
//!         if push.channel == "port"
//!             && let Some(port) = push.ports.into_iter().next()
//!         {
//!             port.start();
//!             if let Err(err) = port.post_message("hello", Vec::new()) {
//!                 log::warn(&format!("cannot greet the peer: {err}"));
//!             }
//!             self.peer = Some(port);
//!         }
//!     }
//!
//!     fn on_port_message(&mut self, message: PortMessage) {
//!         if let Ok(text) = message.decode::<String>() {
//!             log::info(&format!("the peer says {text}"));
//!         }
//!     }
//!
//!     fn on_port_close(&mut self, _port: u64) {
//!         self.peer = None;
//!     }
//! }
//!
//! wasmtron_guest::export_renderer!(Chat);
//! ```

use std::fmt;

use serde::{Serialize, de::DeserializeOwned};

use crate::wit::wasmtron::app::ports as wit;
use crate::{HandlerError, IpcError, Payload};

/// Identifies one end of a channel, as [`MessagePort::id`] returns it and as
/// `on_port_message` and `on_port_close` name it.
pub type PortId = u64;

/// One end of a message channel.
///
/// A port is a handle, not a value: it cannot be cloned, and moving it into a
/// `transfer` list hands it to the receiving component. A port nobody holds
/// can never be used again, so dropping one closes it as
/// [`close`](Self::close) does: keep the ports you mean to use.
#[derive(Debug)]
pub struct MessagePort {
    inner: wit::MessagePort,
}

/// A new pair of entangled ports: what is posted on one reaches whoever
/// holds the other.
pub fn create_channel() -> (MessagePort, MessagePort) {
    let (a, b) = wit::create_channel();
    (MessagePort { inner: a }, MessagePort { inner: b })
}

impl MessagePort {
    /// The generated handle behind this port, for an app interface whose
    /// function takes a `message-port` (its bindings map wasmtron's
    /// `ports` to [`interfaces::ports`](crate::interfaces::ports)). The
    /// port moves with the call.
    #[must_use]
    pub fn into_handle(self) -> wit::MessagePort {
        self.inner
    }

    /// A port from the handle an app interface's function returned or was
    /// given.
    #[must_use]
    pub fn from_handle(inner: wit::MessagePort) -> Self {
        MessagePort { inner }
    }

    /// This end's id, the one [`PortMessage::port`] and `on_port_close`
    /// carry for messages and closes arriving on it.
    pub fn id(&self) -> PortId {
        self.inner.id()
    }

    /// Encodes `value` and sends it to the other end, moving the ports in
    /// `transfer` with it.
    ///
    /// Whatever the outcome, the ports in `transfer` are gone from this
    /// component.
    ///
    /// # Errors
    /// [`PortError::Closed`] when this end or the other is closed (nothing is
    /// delivered), [`PortError::BadTransfer`] when `transfer` holds this
    /// port, its other end or a closed port, [`PortError::TooLarge`] when the
    /// message is over the app's limit, [`PortError::LimitExceeded`] when
    /// the component posts faster than its `max-messages-per-second`,
    /// [`PortError::BadPayload`] when `value` cannot be encoded.
    pub fn post_message<T: Serialize + ?Sized>(
        &self,
        value: &T,
        transfer: Vec<MessagePort>,
    ) -> Result<(), PortError> {
        let data = crate::encode(value).map_err(|err| PortError::BadPayload(err.message))?;
        self.post_raw(&data, transfer)
    }

    /// [`post_message`](Self::post_message) with raw payload bytes.
    ///
    /// # Errors
    /// As [`post_message`](Self::post_message), except `BadPayload`.
    pub fn post_raw(&self, data: &[u8], transfer: Vec<MessagePort>) -> Result<(), PortError> {
        self.inner
            .post_message(data, into_wit(transfer))
            .map_err(PortError::from)
    }

    /// Starts delivering the messages that arrive on this end to
    /// `on_port_message`, beginning with those that waited.
    pub fn start(&self) {
        self.inner.start();
    }

    /// Closes this end; the other end's holder hears `on_port_close`.
    /// Posting on either end fails with [`PortError::Closed`] from then on.
    pub fn close(self) {
        self.inner.close();
    }
}

/// A message that arrived on a started port.
#[derive(Debug)]
pub struct PortMessage {
    /// The [`id`](MessagePort::id) of the port it arrived on.
    pub port: PortId,
    pub data: Payload,
    /// Ports moved with the message; they are this component's now, and
    /// dropping them closes them.
    pub ports: Vec<MessagePort>,
}

impl PortMessage {
    /// Decodes the data.
    ///
    /// # Errors
    /// `bad-payload` when the data is not a `T`.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, IpcError> {
        crate::decode(&self.data)
    }
}

/// Why a message did not go out on a port. Either way, nothing reached the
/// other end.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PortError {
    /// This port or the other end is closed.
    Closed,
    /// A port in `transfer` cannot move with this message: it is the
    /// sending port or its other end, or it is closed. The text says which.
    BadTransfer(String),
    /// The message is over the app's message limit.
    TooLarge(String),
    /// The component posted faster than its `max-messages-per-second`.
    LimitExceeded(String),
    /// The value could not be encoded as MessagePack, so nothing was sent.
    BadPayload(String),
}

impl PortError {
    /// The case's name: `"closed"`, `"bad-transfer"`, `"too-large"`,
    /// `"limit-exceeded"` (the WIT names) or `"bad-payload"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            PortError::Closed => "closed",
            PortError::BadTransfer(_) => "bad-transfer",
            PortError::TooLarge(_) => "too-large",
            PortError::LimitExceeded(_) => "limit-exceeded",
            PortError::BadPayload(_) => "bad-payload",
        }
    }

    /// The detail: which port could not move, how large the message was, or
    /// why it could not be encoded. Empty for [`Closed`](Self::Closed).
    pub fn message(&self) -> &str {
        match self {
            PortError::Closed => "",
            PortError::BadTransfer(text)
            | PortError::TooLarge(text)
            | PortError::LimitExceeded(text)
            | PortError::BadPayload(text) => text,
        }
    }
}

impl From<wit::PortError> for PortError {
    fn from(err: wit::PortError) -> Self {
        match err {
            wit::PortError::Closed => PortError::Closed,
            wit::PortError::BadTransfer(text) => PortError::BadTransfer(text),
            wit::PortError::TooLarge(text) => PortError::TooLarge(text),
            wit::PortError::LimitExceeded(text) => PortError::LimitExceeded(text),
        }
    }
}

/// The case's name, then its detail when there is one:
/// `closed`, `bad-transfer:<text>`, `too-large:<text>`,
/// `limit-exceeded:<text>`, `bad-payload:<text>`.
impl fmt::Display for PortError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PortError::Closed => f.write_str(self.as_str()),
            _ => write!(f, "{}:{}", self.as_str(), self.message()),
        }
    }
}

impl std::error::Error for PortError {}

/// A failed post inside a handler fails the invoke with the case's name as
/// app code, so `?` works on [`MessagePort::post_message`].
impl From<PortError> for HandlerError {
    fn from(err: PortError) -> Self {
        HandlerError::new(err.as_str(), err.message())
    }
}

/// The generated handles behind `ports`, for the calls that move them.
pub(crate) fn into_wit(ports: Vec<MessagePort>) -> Vec<wit::MessagePort> {
    ports.into_iter().map(|port| port.inner).collect()
}

/// Wraps the handles a call into the component delivered (for the export
/// macros, through `__internal`).
pub(crate) fn from_wit(ports: Vec<wit::MessagePort>) -> Vec<MessagePort> {
    ports
        .into_iter()
        .map(|inner| MessagePort { inner })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_errors_read_as_name_and_detail() {
        let cases = [
            (PortError::Closed, "closed", "closed"),
            (
                PortError::BadTransfer("peer".into()),
                "bad-transfer",
                "bad-transfer:peer",
            ),
            (
                PortError::TooLarge("9 MiB".into()),
                "too-large",
                "too-large:9 MiB",
            ),
            (
                PortError::LimitExceeded("rate".into()),
                "limit-exceeded",
                "limit-exceeded:rate",
            ),
            (
                PortError::BadPayload("no".into()),
                "bad-payload",
                "bad-payload:no",
            ),
        ];
        for (err, name, shown) in cases {
            assert_eq!((err.as_str(), err.to_string().as_str()), (name, shown));
        }
    }

    #[test]
    fn generated_errors_keep_their_case_and_text() {
        assert_eq!(PortError::from(wit::PortError::Closed), PortError::Closed);
        assert_eq!(
            PortError::from(wit::PortError::BadTransfer("x".into())),
            PortError::BadTransfer("x".into())
        );
        assert_eq!(
            PortError::from(wit::PortError::TooLarge("y".into())),
            PortError::TooLarge("y".into())
        );
        assert_eq!(
            PortError::from(wit::PortError::LimitExceeded("z".into())),
            PortError::LimitExceeded("z".into())
        );
    }

    #[test]
    fn a_port_error_becomes_a_handler_error_with_its_name() {
        let err = HandlerError::from(PortError::BadTransfer("peer".into()));
        assert_eq!(
            (err.code.as_str(), err.message.as_str()),
            ("bad-transfer", "peer")
        );
    }
}
