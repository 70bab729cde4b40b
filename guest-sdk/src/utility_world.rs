//! The `utility` world: a background worker started by main.

use serde::{Serialize, de::DeserializeOwned};

use crate::ports::{self, MessagePort, PortId, PortMessage};
use crate::wit::utility::wasmtron::app as wit;
use crate::{HandlerError, IpcError, Payload, Request};

/// A background worker (Electron's utility process script), started by main
/// with [`utilities::fork`](crate::utilities::fork). It can reach only
/// [`parent_port`], [`ports`] and [`log`](crate::log).
///
/// Every method has a default, so implement only what the worker needs.
/// [`export_utility!`](crate::export_utility) creates the value with
/// `Default` and keeps it for the worker's whole life.
pub trait Utility: Default + 'static {
    /// The parent posted a message with
    /// [`UtilityProcess::post_message`](crate::utilities::UtilityProcess::post_message)
    /// or
    /// [`post_message_with_ports`](crate::utilities::UtilityProcess::post_message_with_ports).
    fn on_message(&mut self, message: ParentMessage) {
        let _ = message;
    }

    /// A message arrived on a port this utility holds and has
    /// [started](MessagePort::start).
    fn on_port_message(&mut self, message: PortMessage) {
        let _ = message;
    }

    /// The other end of the port `port` was closed, or the process holding
    /// it ended. Posting on the port fails from now on.
    fn on_port_close(&mut self, port: PortId) {
        let _ = port;
    }

    /// The parent invoked a channel with
    /// [`UtilityProcess::invoke`](crate::utilities::UtilityProcess::invoke);
    /// the request's sender is [`Sender::Main`](crate::Sender::Main). The
    /// reply is the MessagePack payload returned; see
    /// [`reply`](Request::reply).
    ///
    /// # Errors
    /// The returned [`HandlerError`] reaches the parent as `handler-failed`
    /// with its code, message and data intact. The default serves no
    /// channel: it fails with app code `no-handler`, naming the channel.
    fn handle(&mut self, request: Request) -> Result<Payload, HandlerError> {
        Err(request.no_handler("this utility"))
    }
}

/// A message the parent posted to this utility, as
/// [`Utility::on_message`] receives it.
#[derive(Debug)]
pub struct ParentMessage {
    pub payload: Payload,
    /// Ports the parent moved with the message; they are this utility's now.
    pub ports: Vec<MessagePort>,
}

impl ParentMessage {
    /// Decodes the payload.
    ///
    /// # Errors
    /// `bad-payload` when the payload is not a `T`.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, IpcError> {
        crate::decode(&self.payload)
    }
}

/// The link to the component that started this worker
/// (Electron's `process.parentPort`). What is posted here reaches
/// [`Main::on_utility_message`](crate::Main::on_utility_message).
pub mod parent_port {
    use super::*;

    /// Posts a value to the parent.
    ///
    /// # Errors
    /// `target-gone`, `too-large`, `bad-payload`.
    pub fn post_message<T: Serialize + ?Sized>(value: &T) -> Result<(), IpcError> {
        post_raw(&crate::encode(value)?)
    }

    /// [`post_message`] that moves the ports in `transfer` to the parent;
    /// they arrive in [`UtilityMessage::ports`](crate::UtilityMessage::ports).
    /// Unlike in Electron, a utility can send ports this way. Whatever the
    /// outcome, the ports are gone from this utility.
    ///
    /// # Errors
    /// As [`post_message`].
    pub fn post_message_with_ports<T: Serialize + ?Sized>(
        value: &T,
        transfer: Vec<MessagePort>,
    ) -> Result<(), IpcError> {
        post_raw_with_ports(&crate::encode(value)?, transfer)
    }

    /// Posts an already encoded payload.
    ///
    /// # Errors
    /// As [`post_message`].
    pub fn post_raw(payload: &[u8]) -> Result<(), IpcError> {
        post_raw_with_ports(payload, Vec::new())
    }

    /// [`post_message_with_ports`] with raw payload bytes.
    ///
    /// # Errors
    /// As [`post_message`].
    pub fn post_raw_with_ports(payload: &[u8], transfer: Vec<MessagePort>) -> Result<(), IpcError> {
        wit::parent_port::post_message(payload, ports::into_wit(transfer))
    }
}

/// Exports a [`Utility`] implementation as the component's `utility` world.
///
/// ```ignore
/// #[derive(Default)]
/// struct Worker;
/// impl wasmtron_guest::Utility for Worker {}
/// wasmtron_guest::export_utility!(Worker);
/// ```
#[macro_export]
macro_rules! export_utility {
    ($ty:ty) => {
        $crate::__export_world!(
            $ty,
            $crate::Utility,
            utility,
            utility_events,
            __export_utility_world,
            invoked_by_main {
                fn on_message(
                    payload: $crate::Payload,
                    ports: ::std::vec::Vec<$crate::__internal::RawMessagePort>,
                ) {
                    let message = $crate::ParentMessage {
                        payload,
                        ports: $crate::__internal::ports(ports),
                    };
                    with_state(|worker| $crate::Utility::on_message(worker, message));
                }
            }
        );
    };
}
