//! The ports a component holds, shared by the worker worlds and the host's
//! main world: one piece of logic over two ways of reaching the component.

use std::collections::HashMap;

use wasmtron_wire::{PortId, PortRef, Waiting};

/// The ports a component holds: its handles (resource representations
/// mapped to ports), which ones it started, and messages waiting for
/// `start`. `M` is how messages reach the component (a worker's host
/// message, or a call into main).
#[derive(Debug)]
pub struct HeldPorts<M> {
    handles: HashMap<u32, PortRef>,
    next_rep: u32,
    started: std::collections::HashSet<PortId>,
    closed: std::collections::HashSet<PortId>,
    parked: HashMap<PortId, std::collections::VecDeque<M>>,
    /// Messages released by `start`, to deliver before anything newer.
    pub ready: std::collections::VecDeque<M>,
    /// Ports inside waiting messages, not adopted yet.
    pending: std::collections::HashSet<PortId>,
}

impl<M> Default for HeldPorts<M> {
    fn default() -> Self {
        HeldPorts {
            handles: HashMap::new(),
            next_rep: 0,
            started: Default::default(),
            closed: Default::default(),
            parked: HashMap::new(),
            ready: Default::default(),
            pending: Default::default(),
        }
    }
}

impl<M: Waiting> HeldPorts<M> {
    /// Takes a port the component received; returns the representation of
    /// its new handle.
    pub fn adopt(&mut self, port: PortRef) -> u32 {
        self.pending.remove(&port.id);
        self.next_rep = self.next_rep.wrapping_add(1);
        self.handles.insert(self.next_rep, port);
        self.next_rep
    }

    /// The port behind a handle.
    pub fn get(&self, rep: u32) -> Option<PortRef> {
        self.handles.get(&rep).copied()
    }

    /// Removes a handle (its port moves away, or the handle was dropped),
    /// with every message that waited on the port, and on the ports those
    /// messages carry, oldest first. A moved port takes them along; a
    /// dropped one closes the ports they carry.
    pub fn take(&mut self, rep: u32) -> Option<(PortRef, Vec<M>)> {
        let port = self.handles.remove(&rep)?;
        let mut taken = Vec::new();
        let mut ports = vec![port.id];
        while let Some(id) = ports.pop() {
            self.started.remove(&id);
            self.pending.remove(&id);
            // Nothing more to know of a port no longer held (were it to
            // come back closed, the host refuses what is posted to it).
            self.closed.remove(&id);
            let (released, kept): (Vec<M>, Vec<M>) =
                self.ready.drain(..).partition(|m| m.port() == Some(id));
            self.ready = kept.into();
            let parked = self.parked.remove(&id).unwrap_or_default();
            for message in released.into_iter().chain(parked) {
                ports.extend(message.carries());
                taken.push(message);
            }
        }
        Some((port, taken))
    }

    /// Whether the component holds `port`: by a handle, or inside a message
    /// waiting to be delivered.
    pub fn holds(&self, port: PortId) -> bool {
        self.pending.contains(&port) || self.handles.values().any(|p| p.id == port)
    }

    /// Takes away what waits for `port` when the component does not hold
    /// it (a port inside a message that is leaving before it was
    /// delivered): those messages leave after it.
    pub fn take_parked(&mut self, port: PortId) -> Vec<M> {
        if self.handles.values().any(|p| p.id == port) {
            return Vec::new();
        }
        self.pending.remove(&port);
        self.parked.remove(&port).map(Vec::from).unwrap_or_default()
    }

    /// Whether the component started `port`.
    pub fn is_started(&self, port: PortId) -> bool {
        self.started.contains(&port)
    }

    /// How many messages wait for `port` to be started.
    pub fn parked(&self, port: PortId) -> usize {
        self.parked
            .get(&port)
            .map_or(0, std::collections::VecDeque::len)
    }

    /// Whether the port (or its peer) is known to be closed.
    pub fn is_closed(&self, port: PortId) -> bool {
        self.closed.contains(&port)
    }

    /// Remembers that `port` (or its peer) closed, while the component
    /// holds it: the set lives as long as the ports do.
    pub fn mark_closed(&mut self, port: PortId) {
        if self.holds(port) {
            self.closed.insert(port);
        }
    }

    /// Starts delivery on `port`; what waited is released, in order.
    pub fn start(&mut self, port: PortId) {
        if self.started.insert(port)
            && let Some(waiting) = self.parked.remove(&port)
        {
            self.ready.extend(waiting);
        }
    }

    /// A message arrived on `port`: returns it for delivery now, or keeps
    /// it until the port is started. The ports it carries count as held
    /// meanwhile, and their own messages wait for them.
    pub fn arrive(&mut self, port: PortId, message: M) -> Option<M> {
        if self.started.contains(&port) {
            Some(message)
        } else {
            self.pending.extend(message.carries());
            self.parked.entry(port).or_default().push_back(message);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Message(PortId);

    impl Waiting for Message {
        fn port(&self) -> Option<PortId> {
            Some(self.0)
        }

        fn carries(&self) -> Vec<PortId> {
            Vec::new()
        }
    }

    #[test]
    fn closed_ports_are_forgotten_with_their_handles() {
        let mut held = HeldPorts::<Message>::default();
        for id in 0..1000 {
            let rep = held.adopt(PortRef { id, peer: id + 1 });
            held.mark_closed(id);
            assert!(held.is_closed(id));
            held.take(rep).expect("held");
            assert!(!held.is_closed(id));
        }
        // Word of a port it never held, or let go of, is not kept.
        held.mark_closed(5000);
        assert!(!held.is_closed(5000));
        assert!(held.closed.is_empty());
    }
}
