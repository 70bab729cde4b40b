//! An invoke or a message, as the component that receives it sees it.

use serde::{Serialize, de::DeserializeOwned};

use crate::{HandlerError, MessagePort, Payload, Sender};

/// An invoke or a message as the receiving component gets it: main from a
/// renderer or utility, or a renderer or utility from main.
///
/// It is not `Clone`: the ports it carries are handles with one owner.
#[derive(Debug)]
pub struct Request {
    /// Stamped by the host: who sent it. Invokes that reach a renderer or a
    /// utility always come from [`Sender::Main`].
    pub sender: Sender,
    pub channel: String,
    pub payload: Payload,
    /// Ports a renderer moved with its message
    /// ([`bridge::post_message`](crate::bridge::post_message)); they are
    /// the receiver's now. Always empty for invokes and plain sends.
    pub ports: Vec<MessagePort>,
}

impl Request {
    /// Decodes the payload.
    ///
    /// # Errors
    /// A `bad-payload` [`HandlerError`] when the payload is not a `T`.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, HandlerError> {
        crate::decode(&self.payload).map_err(|err| HandlerError::new("bad-payload", err.message))
    }

    /// Encodes a reply.
    ///
    /// # Errors
    /// A `bad-payload` [`HandlerError`] when the value cannot be encoded.
    pub fn reply<T: Serialize + ?Sized>(value: &T) -> Result<Payload, HandlerError> {
        crate::encode(value).map_err(|err| HandlerError::new("bad-payload", err.message))
    }

    /// The error a handler returns for a channel it does not serve: app code
    /// `no-handler`, with the channel named in the message.
    pub(crate) fn no_handler(&self, who: &str) -> HandlerError {
        HandlerError::new(
            "no-handler",
            format!("{who} has no handler for `{}`", self.channel),
        )
    }
}
