//! The worker's side of direct port links: taking link frames from the
//! host, handing back what reached it after a port left, and moving what
//! links bring into the component's port queues in order.

use super::state::WorkerState;
use wasmtron_wire::link::{Backlog, LinkEnd, Next};
use wasmtron_wire::{HostToWorker, WorkerToHost};

/// The most messages taken out of links that wait for the component (in
/// its queue, or on one port it has not started); the rest stays in the
/// links, bounded by count and bytes, and holds their senders back.
const PULLED: usize = 64;

impl WorkerState {
    /// Takes one message from the host. Returns it when it is for the
    /// component now; link business and messages that must wait are
    /// handled here.
    pub(super) fn take_in(&mut self, message: HostToWorker) -> Option<HostToWorker> {
        match message {
            HostToWorker::PortMessage { port, marked, .. } => {
                if let Some(count) = self.to_self.get_mut(&port) {
                    *count -= 1;
                    if *count == 0 {
                        self.to_self.remove(&port);
                    }
                }
                if !self.ports.holds(port)
                    && self.links.values().any(|link| link.carries_waiting(port))
                {
                    // Its port travels in a message still waiting in a link
                    // (behind a backlog): it waits for it, in the port's own
                    // link if it has one and this is marked.
                    if marked && let Some(link) = self.links.get_mut(&port) {
                        link.relayed(message);
                        return None;
                    }
                    return self.ports.arrive(port, message);
                }
                if !self.ports.holds(port) {
                    // It moved away after the host sent this; so do the
                    // ports it carries, and their links, which the component
                    // never saw.
                    let mut carried = wasmtron_wire::Waiting::carries(&message);
                    self.requeue(message);
                    while let Some(port) = carried.pop() {
                        let parked = self.requeue_parked(port);
                        carried.extend(parked);
                        if let Some(link) = self.links.remove(&port) {
                            let ready = link.ready;
                            carried.extend(self.give_back(port, ready, link.hand_over_idle()));
                        }
                    }
                    return None;
                }
                match self.links.get_mut(&port) {
                    // It waits for its marker in the link.
                    Some(link) if marked => {
                        link.relayed(message);
                        None
                    }
                    _ => self.ports.arrive(port, message),
                }
            }
            HostToWorker::PortLink {
                port,
                fd,
                state,
                incoming,
            } => {
                let Some(fd) = fd.take() else {
                    tracing::warn!(port, "a port link came without its socket");
                    return None;
                };
                if !incoming && !self.ports.holds(port) {
                    // The port left before its link came: back it goes.
                    self.bridge.tell(WorkerToHost::LinkHandover {
                        port,
                        fd: wasmtron_wire::Attached::new(fd),
                        state,
                    });
                    return None;
                }
                let limits = self.bridge.limits();
                let max = limits.max_message_bytes;
                let backlog = Backlog::for_limits(limits.max_queued_messages, max);
                tracing::debug!(port, incoming, "worker: link taken");
                match LinkEnd::start(port, fd, state, max, backlog, self.link_wake.clone()) {
                    Ok(link) => {
                        self.links.insert(port, link);
                        self.bridge.tell(WorkerToHost::PortLinked { port });
                    }
                    Err(err) => {
                        tracing::warn!(port, "cannot use a port's link; closing it: {err}");
                        self.bridge.tell(WorkerToHost::PortClose { port });
                    }
                }
                None
            }
            HostToWorker::LinkReady { port } => {
                tracing::debug!(
                    port,
                    linked = self.links.contains_key(&port),
                    "worker: link ready"
                );
                match self.links.get_mut(&port) {
                    Some(link) => link.ready = true,
                    None if !self.ports.holds(port) => {
                        self.bridge.tell(WorkerToHost::LinkReadyRequeue { port });
                    }
                    // Held but not linked yet: the host sends `ready` only
                    // after the link, so this is stale; nothing to do.
                    None => {}
                }
                None
            }
            HostToWorker::PortClosed { port, drain } => {
                // Nothing more comes back on a closed pair.
                self.to_self.remove(&port);
                match self.links.get_mut(&port) {
                    // What the peer sent before it closed is delivered
                    // first, once the link is ready.
                    Some(link) if drain => {
                        link.close_pending = true;
                        self.ports.mark_closed(port);
                        None
                    }
                    Some(_) => {
                        self.links.remove(&port);
                        Some(message)
                    }
                    None => Some(message),
                }
            }
            other => Some(other),
        }
    }

    /// Moves what the links brought into the port queues, as far as the
    /// order allows and the component keeps up: at most [`PULLED`] (or
    /// `max-queued-messages`, if lower) wait for the component, and as many
    /// on a port it has not started. What stays in a link is bounded there,
    /// and holds the sender back.
    pub(super) fn pump_links(&mut self) {
        // Runs before every event: no allocation unless a link ended.
        let mut ended = Vec::new();
        // Few at a time: the rest waits in the link, where bytes are
        // bounded too.
        let room = self.bridge.limits().max_queued_messages.clamp(1, PULLED);
        for (&port, link) in &mut self.links {
            if !self.ports.holds(port) {
                // Its message has not come yet.
                continue;
            }
            let started = self.ports.is_started(port);
            loop {
                let waiting = if started {
                    self.ports.ready.len()
                } else {
                    self.ports.parked(port)
                };
                if waiting >= room {
                    break;
                }
                let Some(next) = link.next_item() else {
                    break;
                };
                let message = match next {
                    Next::Data(data) => HostToWorker::PortMessage {
                        port,
                        data,
                        ports: Vec::new(),
                        marked: false,
                    },
                    Next::Relayed(HostToWorker::PortMessage {
                        port, data, ports, ..
                    }) => HostToWorker::PortMessage {
                        port,
                        data,
                        ports,
                        marked: false,
                    },
                    Next::Relayed(_) => continue,
                    Next::Ended(error) => {
                        if let Some(error) = error {
                            // The peer broke the link: the pair closes.
                            tracing::warn!(port, "closing a port whose link failed: {error}");
                            self.bridge.tell(WorkerToHost::PortClose { port });
                        }
                        self.ports.mark_closed(port);
                        self.ports
                            .ready
                            .push_back(HostToWorker::PortClosed { port, drain: false });
                        ended.push(port);
                        break;
                    }
                };
                if let Some(message) = self.ports.arrive(port, message) {
                    self.ports.ready.push_back(message);
                }
            }
        }
        for port in ended {
            self.links.remove(&port);
        }
    }
}
