//! Message ports: the host's table of every port, who holds it, and which
//! port is its peer.
//!
//! A port is held by main or by one worker. Every move of a port (inside a
//! port message, a push, a renderer's message to main, a message between
//! main and a utility) goes through [`PortTable::transfer`], which checks
//! that the sender holds each port, that it is open, and that it is not
//! travelling over its own channel. The table never trusts a worker's word
//! for any of this: a port id a worker does not hold is refused.

mod event;
mod hub;
mod pumps;
mod table;

pub(crate) use event::{Holder, PortEvent};
pub(crate) use hub::PortHub;
pub(crate) use pumps::MainTicket;
pub(crate) use table::{Carried, Handover};
pub use wasmtron_wire::{PortError, PortId, PortRef, Waiting};
pub(crate) use wasmtron_worker::HeldPorts;
