//! What the port table decides and the hub carries out: who holds a port,
//! and the events that reach a holder.

use wasmtron_wire::link;
use wasmtron_wire::{PortId, PortRef};

/// Who holds a port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Holder {
    Main,
    /// A worker, by its supervisor id.
    Worker(u64),
}

/// A message to deliver: to `holder`, on its port `port`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Delivery {
    pub holder: Holder,
    pub port: PortId,
    pub data: Vec<u8>,
    pub ports: Vec<PortRef>,
    /// Sent on a linked port: it waits for its marker there.
    pub marked: bool,
}

/// How the host reaches a port's holder.
#[derive(Debug)]
pub(crate) enum PortEvent {
    Message(Delivery),
    /// The peer of `port` closed. `drain`: the peer may have sent on the
    /// pair's link, so what the link brings goes first.
    Closed {
        holder: Holder,
        port: PortId,
        drain: bool,
    },
    /// The holder's end of a direct link for `port`.
    Link {
        holder: Holder,
        port: PortId,
        fd: std::os::fd::OwnedFd,
        state: link::LinkState,
        incoming: bool,
    },
    /// The holder may deliver what the link of `port` brings.
    LinkReady {
        holder: Holder,
        port: PortId,
    },
}
