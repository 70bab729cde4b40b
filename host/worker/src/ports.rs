//! The `ports` imports on the worker side: a port handle is a local
//! representation of a host port; posting, closing and creating channels
//! become messages to the host, which checks them again.

use wasmtime::component::Resource;

use super::state::WorkerState;
use crate::bindings::shared::ports as wit_ports;
use crate::convert::port_error_to_wit;
use std::collections::VecDeque;
use std::time::Duration;

use wasmtron_wire::link::{LinkEnd, LinkState, Settled, settle};
use wasmtron_wire::{Attached, HostToWorker, WorkerToHost};
use wasmtron_wire::{PortError, PortRef};

type MessagePort = wit_ports::MessagePort;

impl WorkerState {
    /// A handle for a port the component receives.
    pub(super) fn adopt_port(&mut self, port: PortRef) -> Resource<MessagePort> {
        Resource::new_own(self.ports.adopt(port))
    }

    fn close_port(&mut self, port: PortRef) {
        // Dropping the link end writes what was queued, then closes it.
        self.links.remove(&port.id);
        if !self.ports.is_closed(port.id) {
            self.ports.mark_closed(port.id);
            self.bridge.tell(WorkerToHost::PortClose { port: port.id });
        }
    }

    /// Takes the ports a guest moved into a message. They are gone from the
    /// guest either way; on an error they are closed, not leaked.
    pub(super) async fn take_transfer(
        &mut self,
        transfer: Vec<Resource<MessagePort>>,
        over: Option<PortRef>,
    ) -> Result<Vec<u64>, PortError> {
        // A linked port moves with its socket, but not with what its writer
        // still holds: wait for that to be written, as a post waits for
        // room, or refuse the move.
        let patience = Duration::from_millis(self.bridge.limits().invoke_timeout_ms);
        let rooms: Vec<_> = transfer
            .iter()
            .filter_map(|handle| self.ports.get(handle.rep()))
            .filter_map(|port| self.links.get(&port.id).map(LinkEnd::room))
            .collect();
        for room in rooms {
            if let Err(why) = room.wait_empty(patience).await {
                self.discard_transfer(transfer);
                return Err(PortError::LimitExceeded(why));
            }
        }
        let taken: Vec<(PortRef, Vec<HostToWorker>)> = transfer
            .into_iter()
            .filter_map(|handle| self.ports.take(handle.rep()))
            .collect();
        let bad = taken.iter().map(|(p, _)| *p).find(|p| {
            self.ports.is_closed(p.id) || over.is_some_and(|o| p.id == o.id || p.id == o.peer)
        });
        if let Some(bad) = bad {
            let why = if self.ports.is_closed(bad.id) {
                format!("port {} is closed", bad.id)
            } else {
                format!("port {} cannot travel over its own channel", bad.id)
            };
            for (port, waiting) in taken {
                self.discard(port, waiting);
            }
            return Err(PortError::BadTransfer(why));
        }
        let mut ids = Vec::with_capacity(taken.len());
        let mut leaving = Vec::new();
        for (port, waiting) in taken {
            // What waited on the port goes with it, ahead of the move.
            for message in waiting {
                leaving.extend(wasmtron_wire::Waiting::carries(&message));
                self.requeue(message);
            }
            // What is on its way back to it follows it, uncounted here.
            self.to_self.remove(&port.id);
            ids.push(port.id);
            leaving.push(port.id);
        }
        // Ports inside messages that go back with them leave too, however
        // deep.
        while let Some(port) = leaving.pop() {
            leaving.extend(self.hand_over_link(port).await);
        }
        Ok(ids)
    }

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

    /// Closes ports a guest gave up in a message that will not be sent.
    pub(super) fn discard_transfer(&mut self, transfer: Vec<Resource<MessagePort>>) {
        for handle in transfer {
            if let Some((port, waiting)) = self.ports.take(handle.rep()) {
                self.discard(port, waiting);
            }
        }
    }

    /// Closes a port nobody will hold, and the ports inside the messages
    /// that waited on it.
    fn discard(&mut self, port: PortRef, waiting: Vec<HostToWorker>) {
        self.to_self.remove(&port.id);
        self.close_port(port);
        for message in waiting {
            for carried in wasmtron_wire::Waiting::carries(&message) {
                self.links.remove(&carried);
                self.bridge.tell(WorkerToHost::PortClose { port: carried });
            }
        }
    }
}

impl WorkerState {
    /// Hands a port message this worker will not deliver back to the host,
    /// for whoever holds the port now.
    pub(super) fn requeue(&self, message: HostToWorker) {
        if let HostToWorker::PortMessage { marked, .. } = &message {
            let marked = *marked;
            self.requeue_as(message, marked);
        }
    }

    fn requeue_as(&self, message: HostToWorker, marked: bool) {
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
            Some((a, b)) => (self.adopt_port(a), self.adopt_port(b)),
            None => {
                // The host is gone: a pair that is closed from the start.
                let dead = |id| PortRef { id, peer: id };
                let (a, b) = (self.adopt_port(dead(0)), self.adopt_port(dead(0)));
                self.ports.mark_closed(0);
                (a, b)
            }
        }
    }
}

impl wit_ports::HostMessagePort for WorkerState {
    async fn id(&mut self, port: Resource<MessagePort>) -> u64 {
        self.ports.get(port.rep()).map_or(0, |p| p.id)
    }

    async fn post_message(
        &mut self,
        port: Resource<MessagePort>,
        data: Vec<u8>,
        transfer: Vec<Resource<MessagePort>>,
    ) -> Result<(), wit_ports::PortError> {
        let limit = self.bridge.limits().max_message_bytes;
        let this = match self.ports.get(port.rep()) {
            Some(this) if !self.ports.is_closed(this.id) => this,
            _ => {
                self.discard_transfer(transfer);
                return Err(wit_ports::PortError::Closed);
            }
        };
        if let Err(err) = PortError::check_size(data.len(), limit) {
            self.discard_transfer(transfer);
            return Err(port_error_to_wit(err));
        }
        if let Err(err) = self.bridge.take_rate() {
            self.discard_transfer(transfer);
            return Err(wit_ports::PortError::LimitExceeded(err.message));
        }
        if let Some(room) = self.links.get(&this.id).map(LinkEnd::room) {
            // The peer's holder reads slower than this posts: wait for it
            // (without spending CPU time), for as long as an invoke may.
            let patience = Duration::from_millis(self.bridge.limits().invoke_timeout_ms);
            if let Err(why) = room.wait(patience).await {
                self.discard_transfer(transfer);
                return Err(wit_ports::PortError::LimitExceeded(why));
            }
        }
        if transfer.is_empty()
            && let Some(link) = self.links.get(&this.id)
        {
            // Straight to the peer's worker: the host never sees it.
            link.send(data);
            return Ok(());
        }
        if self.ports.holds(this.peer) {
            // Both ends are here: the component is its own reader, which
            // cannot catch up while it posts, so a full backlog is refused
            // at once.
            let limit = self.bridge.limits().max_queued_messages;
            let waiting =
                self.to_self.get(&this.peer).copied().unwrap_or(0) + self.ports.parked(this.peer);
            if waiting >= limit {
                self.discard_transfer(transfer);
                return Err(wit_ports::PortError::LimitExceeded(format!(
                    "{waiting} messages wait unread on port {}, whose other end this \
                     component holds (max-queued-messages {limit})",
                    this.peer
                )));
            }
        }
        let transfer = self
            .take_transfer(transfer, Some(this))
            .await
            .map_err(port_error_to_wit)?;
        if self.ports.holds(this.peer) {
            *self.to_self.entry(this.peer).or_default() += 1;
        }
        // Ports move through the host; a marker keeps the message's place
        // among the direct ones.
        let marked = match self.links.get(&this.id) {
            Some(link) => {
                link.send_marker();
                true
            }
            None => false,
        };
        self.bridge.tell(WorkerToHost::PortPost {
            port: this.id,
            data,
            transfer,
            marked,
        });
        Ok(())
    }

    async fn start(&mut self, port: Resource<MessagePort>) {
        if let Some(this) = self.ports.get(port.rep()) {
            self.ports.start(this.id);
        }
    }

    async fn close(&mut self, port: Resource<MessagePort>) {
        if let Some(this) = self.ports.get(port.rep()) {
            self.close_port(this);
        }
    }

    async fn drop(&mut self, port: Resource<MessagePort>) -> wasmtime::Result<()> {
        // A dropped handle can never be used again: its peer hears `close`.
        if let Some((this, waiting)) = self.ports.take(port.rep()) {
            self.discard(this, waiting);
        }
        Ok(())
    }
}
