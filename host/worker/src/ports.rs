//! The `ports` imports on the worker side: a port handle is a local
//! representation of a host port; posting, closing and creating channels
//! become messages to the host, which checks them again.

use wasmtime::component::Resource;

use std::collections::VecDeque;

use wasmtron_wire::link::{LinkEnd, LinkState, Room, Settled, settle};
use wasmtron_wire::{Attached, HostToWorker, Limits, WorkerToHost};
use wasmtron_wire::{PortError, PortId, PortRef};

use super::state::WorkerState;
use crate::HeldPorts;
use crate::bindings::shared::ports as wit_ports;
use crate::message_port::{self, PortBackend};

type MessagePort = wit_ports::MessagePort;

impl PortBackend for WorkerState {
    type Message = HostToWorker;

    fn held(&mut self) -> &mut HeldPorts<HostToWorker> {
        &mut self.ports
    }

    fn limits(&self) -> Limits {
        self.bridge.limits()
    }

    fn admit(&mut self, this: PortRef) -> Result<(), PortError> {
        self.bridge
            .take_rate()
            .map_err(|err| PortError::LimitExceeded(err.message))?;
        if self.ports.holds(this.peer) {
            // Both ends are here: the component is its own reader, which
            // cannot catch up while it posts, so a full backlog is refused
            // at once.
            let limit = self.bridge.limits().max_queued_messages;
            let waiting =
                self.to_self.get(&this.peer).copied().unwrap_or(0) + self.ports.parked(this.peer);
            if waiting >= limit {
                return Err(PortError::LimitExceeded(format!(
                    "{waiting} messages wait unread on port {}, whose other end this \
                     component holds (max-queued-messages {limit})",
                    this.peer
                )));
            }
        }
        Ok(())
    }

    fn room(&self, port: PortId) -> Option<Room> {
        self.links.get(&port).map(LinkEnd::room)
    }

    fn close(&mut self, port: PortId) {
        // Dropping the link end writes what was queued, then closes it.
        self.links.remove(&port);
        if !self.ports.is_closed(port) {
            self.ports.mark_closed(port);
            self.bridge.tell(WorkerToHost::PortClose { port });
        }
    }

    fn leave(&mut self, port: PortId) {
        // What is on its way back to it follows it, uncounted here.
        self.to_self.remove(&port);
    }

    fn requeue(&mut self, message: HostToWorker) {
        WorkerState::requeue(self, message);
    }

    async fn release(&mut self, mut leaving: Vec<PortId>) {
        // Ports inside messages that go back with them leave too, however
        // deep.
        while let Some(port) = leaving.pop() {
            leaving.extend(self.hand_over_link(port).await);
        }
    }

    fn send(&mut self, this: PortRef, data: Vec<u8>, moved: &[PortId]) -> Result<(), PortError> {
        if let Some(link) = self.links.get(&this.id) {
            if moved.is_empty() {
                // Straight to the peer's worker: the host never sees it.
                link.send(data);
                return Ok(());
            }
            // Ports move through the host; a marker keeps the message's
            // place among the direct ones.
            link.send_marker();
        }
        if self.ports.holds(this.peer) {
            *self.to_self.entry(this.peer).or_default() += 1;
        }
        self.bridge.tell(WorkerToHost::PortPost {
            port: this.id,
            data,
            transfer: moved.to_vec(),
            marked: self.links.contains_key(&this.id),
        });
        Ok(())
    }
}

impl WorkerState {
    /// Gives up the link of a port that is moving away: what it brought
    /// and can be put in order goes back as plain messages, ahead of the
    /// move; the socket end and the rest go with the port.
    /// Returns the ports inside the messages it sent back, which leave too.
    async fn hand_over_link(&mut self, port: u64) -> Vec<u64> {
        let mut nested = self.requeue_parked(port);
        let Some(link) = self.links.remove(&port) else {
            return nested;
        };
        let ready = link.ready;
        let given = link.hand_over().await;
        nested.extend(self.give_back(port, ready, given));
        nested
    }

    /// Sends back what waited here for a port the component never held (it
    /// travels in a message that is leaving undelivered), behind that
    /// message. Returns the ports inside, which leave too.
    pub(super) fn requeue_parked(&mut self, port: u64) -> Vec<u64> {
        let mut nested = Vec::new();
        for message in self.ports.take_parked(port) {
            nested.extend(wasmtron_wire::Waiting::carries(&message));
            self.requeue(message);
        }
        nested
    }

    /// Sends back what a handed-over link held, then the link itself. A
    /// link that could not be handed over, or holds more than a message may
    /// carry, is dropped instead: the host then closes the pair, with a
    /// warning, rather than lose order.
    pub(super) fn give_back(
        &mut self,
        port: u64,
        ready: bool,
        given: std::io::Result<(std::os::fd::OwnedFd, LinkState, VecDeque<HostToWorker>)>,
    ) -> Vec<u64> {
        let (fd, state, relayed) = match given {
            Ok(given) => given,
            Err(err) => {
                tracing::warn!(port, "cannot hand a port's link over: {err}");
                return Vec::new();
            }
        };
        let (settled, state) = settle(ready, state, relayed);
        let limit = self.bridge.limits().max_message_bytes;
        if state.size() > limit {
            tracing::warn!(
                port,
                "a moving port's link holds {} bytes not yet deliverable, over the {limit}-byte limit; the pair closes",
                state.size()
            );
            return Vec::new();
        }
        let mut nested = Vec::new();
        for message in settled {
            if let Settled::InOrder(m) | Settled::Marked(m) = &message {
                nested.extend(wasmtron_wire::Waiting::carries(m));
            }
            match message {
                Settled::Data(data) => self.bridge.tell(WorkerToHost::PortRequeue {
                    port,
                    data,
                    ports: Vec::new(),
                    marked: false,
                }),
                Settled::InOrder(message) => self.requeue_as(message, false),
                Settled::Marked(message) => self.requeue_as(message, true),
            }
        }
        self.bridge.tell(WorkerToHost::LinkHandover {
            port,
            fd: Attached::new(fd),
            state,
        });
        nested
    }
}

impl WorkerState {
    /// Hands a port message this worker will not deliver back to the host,
    /// for whoever holds the port now.
    pub(super) fn requeue(&mut self, message: HostToWorker) {
        if let HostToWorker::PortMessage { marked, .. } = &message {
            let marked = *marked;
            self.requeue_as(message, marked);
        }
    }

    fn requeue_as(&mut self, message: HostToWorker, marked: bool) {
        if let HostToWorker::PortMessage {
            port, data, ports, ..
        } = message
        {
            self.bridge.tell(WorkerToHost::PortRequeue {
                port,
                data,
                ports: ports.into_iter().map(|p| p.id).collect(),
                marked,
            });
        }
    }
}

impl wit_ports::Host for WorkerState {
    async fn create_channel(&mut self) -> (Resource<MessagePort>, Resource<MessagePort>) {
        match self.bridge.create_channel().await {
            Some((a, b)) => (message_port::adopt(self, a), message_port::adopt(self, b)),
            None => {
                // The host is gone: a pair that is closed from the start.
                let dead = PortRef { id: 0, peer: 0 };
                let pair = (
                    message_port::adopt(self, dead),
                    message_port::adopt(self, dead),
                );
                self.ports.mark_closed(0);
                pair
            }
        }
    }
}

impl wit_ports::HostMessagePort for WorkerState {
    async fn id(&mut self, port: Resource<MessagePort>) -> u64 {
        message_port::id(self, &port)
    }

    async fn post_message(
        &mut self,
        port: Resource<MessagePort>,
        data: Vec<u8>,
        transfer: Vec<Resource<MessagePort>>,
    ) -> Result<(), wit_ports::PortError> {
        let posted = message_port::post(self, &port, data, transfer).await;
        self.bridge.let_writer_run().await;
        posted
    }

    async fn start(&mut self, port: Resource<MessagePort>) {
        message_port::start(self, &port);
    }

    async fn close(&mut self, port: Resource<MessagePort>) {
        message_port::close(self, &port);
    }

    async fn drop(&mut self, port: Resource<MessagePort>) -> wasmtime::Result<()> {
        message_port::drop(self, port);
        Ok(())
    }
}
