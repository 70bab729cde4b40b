//! The port table with the way to deliver to each port's holder.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use wasmtron_wire::link;
use wasmtron_wire::{PortError, PortId, PortRef};

use super::event::{Delivery, Holder, PortEvent};
use super::pumps::{MainPumps, MainTicket};
use super::table::{Carried, Handover, PortTable};

/// The table plus the way to deliver: shared by the shell, every worker's
/// connection and main's imports.
pub(crate) struct PortHub {
    pub table: PortTable,
    deliver: Box<dyn Fn(PortEvent) + Send + Sync>,
    /// Link ends of ports main holds: main runs in the host, so the host
    /// reads and writes them for it.
    main_links: Mutex<HashMap<PortId, link::LinkEnd<Delivery>>>,
    /// Each main link's pump task, woken by port id, and what waits for
    /// main on each port.
    main_pumps: Arc<MainPumps>,
    /// The largest message main takes.
    main_max: usize,
}

impl std::fmt::Debug for PortHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PortHub")
            .field("table", &self.table)
            .finish_non_exhaustive()
    }
}

impl PortHub {
    /// `main_max` is the largest message main takes, `main_queue` how many
    /// may wait for it on one port.
    pub(crate) fn new(
        deliver: Box<dyn Fn(PortEvent) + Send + Sync>,
        main_max: usize,
        main_queue: usize,
    ) -> Self {
        PortHub {
            table: PortTable::default(),
            deliver,
            main_links: Mutex::default(),
            main_pumps: Arc::new(MainPumps {
                state: Mutex::default(),
                limit: main_queue.max(1),
            }),
            main_max,
        }
    }

    /// Counts a message for main on `port` while it waits (see
    /// [`MainPumps`]).
    pub(crate) fn main_ticket(&self, port: PortId) -> MainTicket {
        self.main_pumps.ticket(port)
    }

    /// How many messages wait for main on the peer of `port`, when main
    /// holds that peer (a message posted on `port` would join them).
    pub(crate) fn waiting_for_main(&self, port: PortId) -> Option<usize> {
        let peer = self.table.peer_held_by(port, Holder::Main)?;
        Some(
            self.main_pumps
                .state()
                .waiting
                .get(&peer)
                .copied()
                .unwrap_or(0),
        )
    }

    /// The backlog of main's link end of `port`, if it has one: a post
    /// waits on it for room.
    pub(crate) fn main_room(&self, port: PortId) -> Option<link::Room> {
        self.main_links().get(&port).map(link::LinkEnd::room)
    }

    fn main_links(&self) -> std::sync::MutexGuard<'_, HashMap<PortId, link::LinkEnd<Delivery>>> {
        self.main_links.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Forgets main's link of `port`, if any, and stops its pump.
    fn drop_main_link(&self, port: PortId) -> Option<link::LinkEnd<Delivery>> {
        {
            let mut pumps = self.main_pumps.state();
            pumps.wakes.remove(&port);
            pumps.stopped.remove(&port);
        }
        self.main_links().remove(&port)
    }

    fn wake_main_pump(&self, port: PortId) {
        if let Some(wake) = self.main_pumps.state().wakes.get(&port) {
            let _ = wake.send(port);
        }
    }

    /// Main takes a link end: the host reads it for main from now on.
    /// Returns false (and main gets nothing) when the socket is unusable.
    pub(crate) fn adopt_main_link(
        self: &Arc<Self>,
        port: PortId,
        fd: std::os::fd::OwnedFd,
        state: link::LinkState,
    ) {
        let (wake, mut woken) = tokio::sync::mpsc::unbounded_channel();
        let backlog = link::Backlog::for_limits(self.main_pumps.limit, self.main_max);
        match link::LinkEnd::start(port, fd, state, self.main_max, backlog, wake.clone()) {
            Ok(end) => {
                self.main_links().insert(port, end);
                self.main_pumps.state().wakes.insert(port, wake);
            }
            Err(err) => {
                tracing::warn!(port, "cannot use a port's link for main: {err}");
                self.close(Holder::Main, port);
                return;
            }
        }
        self.link_taken(Holder::Main, port);
        let hub = Arc::downgrade(self);
        tokio::spawn(async move {
            while woken.recv().await.is_some() {
                match hub.upgrade() {
                    Some(hub) if hub.pump_main(port) => {}
                    _ => return,
                }
            }
        });
    }

    /// Delivers to main what its link of `port` brought, as far as the
    /// order allows; false once the link is gone.
    fn pump_main(&self, port: PortId) -> bool {
        loop {
            if !self.main_pumps.may_deliver(port) {
                // Main is behind on this port: the rest waits in the link
                // (bounded there) until it catches up.
                return true;
            }
            let next = match self.main_links().get_mut(&port) {
                Some(end) => end.next_item(),
                None => return false,
            };
            let delivery = match next {
                None => return true,
                Some(link::Next::Data(data)) => Delivery {
                    holder: Holder::Main,
                    port,
                    data,
                    ports: Vec::new(),
                    marked: false,
                },
                Some(link::Next::Relayed(delivery)) => Delivery {
                    marked: false,
                    ..delivery
                },
                Some(link::Next::Ended(error)) => {
                    self.drop_main_link(port);
                    if let Some(error) = error {
                        tracing::warn!(port, "closing main's port whose link failed: {error}");
                        self.close(Holder::Main, port);
                    }
                    (self.deliver)(PortEvent::Closed {
                        holder: Holder::Main,
                        port,
                        drain: false,
                    });
                    return false;
                }
            };
            // Messages reached main through here: ones still in its
            // mailbox when it moves the port come back from it.
            self.table.mark_delivered(port);
            (self.deliver)(PortEvent::Message(delivery));
        }
    }

    /// Routes an event for main through its link end, if the port has one.
    /// Returns the event when main should get it as it is.
    pub(crate) fn to_main_link(&self, event: PortEvent) -> Option<PortEvent> {
        let port = match &event {
            PortEvent::Message(d) if d.holder == Holder::Main => d.port,
            PortEvent::Closed { holder, port, .. } | PortEvent::LinkReady { holder, port }
                if *holder == Holder::Main =>
            {
                *port
            }
            _ => return Some(event),
        };
        let mut links = self.main_links();
        let Some(end) = links.get_mut(&port) else {
            return Some(event);
        };
        match event {
            PortEvent::Message(delivery) if delivery.marked => end.relayed(delivery),
            PortEvent::LinkReady { .. } => end.ready = true,
            PortEvent::Closed { drain: true, .. } => end.close_pending = true,
            PortEvent::Closed { .. } => {
                drop(links);
                self.drop_main_link(port);
                return Some(event);
            }
            other => return Some(other),
        }
        drop(links);
        self.wake_main_pump(port);
        None
    }

    /// Gives up main's link ends of `ports`, which are moving away. What
    /// they brought and can be put in order goes to main's mailbox behind
    /// what is already there, so that main sends it all back in order.
    pub(crate) async fn release_main_links(&self, ports: &[PortId]) {
        for port in ports {
            let Some(end) = self.drop_main_link(*port) else {
                continue;
            };
            let ready = end.ready;
            let (fd, state, relayed) = match end.hand_over().await {
                Ok(given) => given,
                Err(err) => {
                    tracing::warn!(port, "cannot hand main's port link over: {err}");
                    continue;
                }
            };
            let (settled, state) = link::settle(ready, state, relayed);
            for message in settled {
                let (data, ports, marked) = match message {
                    link::Settled::Data(data) => (data, Vec::new(), false),
                    link::Settled::InOrder(d) => (d.data, d.ports, false),
                    link::Settled::Marked(d) => (d.data, d.ports, true),
                };
                self.table.mark_delivered(*port);
                (self.deliver)(PortEvent::Message(Delivery {
                    holder: Holder::Main,
                    port: *port,
                    data,
                    ports,
                    marked,
                }));
            }
            let handover = Handover { fd, state };
            self.link_handed_over(Holder::Main, *port, handover);
        }
    }

    fn deliver_all(&self, events: Vec<PortEvent>) {
        for event in events {
            (self.deliver)(event);
        }
    }

    /// Posts on a port and delivers the message.
    ///
    /// # Errors
    /// As [`PortTable::post`].
    pub(crate) fn post(
        &self,
        from: Holder,
        port: PortId,
        data: Vec<u8>,
        transfer: &[PortId],
        marked: bool,
    ) -> Result<(), PortError> {
        let linked = from == Holder::Main && self.main_links().contains_key(&port);
        if linked && transfer.is_empty() {
            self.table.check_post(from, port)?;
            if let Some(end) = self.main_links().get(&port) {
                end.send(data);
            }
            return Ok(());
        }
        let (delivery, carried) = self
            .table
            .post(from, port, data, transfer, marked || linked)?;
        // The message moves ports, so it goes through the host; its marker
        // keeps its place among main's direct ones.
        if linked && let Some(end) = self.main_links().get(&port) {
            end.send_marker();
        }
        self.deliver_with(delivery, carried);
        Ok(())
    }

    /// Moves ports with a message the caller sends itself (their links go
    /// now); call [`PortHub::flush`] with the second value after sending it.
    ///
    /// # Errors
    /// As [`PortTable::transfer`].
    pub(crate) fn transfer(
        &self,
        from: Holder,
        ports: &[PortId],
        to: Holder,
    ) -> Result<(Vec<PortRef>, Carried), PortError> {
        let (refs, mut carried) = self.table.transfer(from, ports, to, None)?;
        self.deliver_all(std::mem::take(&mut carried.before));
        Ok((refs, carried))
    }

    /// Delivers a message that moved ports: their links first, then the
    /// message, then what travels with them.
    fn deliver_with(&self, delivery: Delivery, mut carried: Carried) {
        self.deliver_all(std::mem::take(&mut carried.before));
        (self.deliver)(PortEvent::Message(delivery));
        self.flush(carried);
    }

    /// Delivers the messages that travel with moved ports.
    pub(crate) fn flush(&self, carried: Carried) {
        self.deliver_all(carried.before);
        self.deliver_all(carried.after);
        for port in carried.linked {
            if let Some(ready) = self.table.link_posted(port) {
                (self.deliver)(ready);
            }
        }
    }

    /// See [`PortTable::link_taken`].
    pub(crate) fn link_taken(&self, from: Holder, port: PortId) {
        if let Some(event) = self.table.link_taken(from, port) {
            (self.deliver)(event);
        }
    }

    /// See [`PortTable::link_handed_over`].
    pub(crate) fn link_handed_over(&self, from: Holder, port: PortId, handover: Handover) {
        let events = self.table.link_handed_over(from, port, handover);
        let passed_on = events
            .iter()
            .any(|event| matches!(event, PortEvent::Link { .. }));
        self.deliver_all(events);
        if passed_on && let Some(ready) = self.table.link_posted(port) {
            (self.deliver)(ready);
        }
    }

    /// See [`PortTable::ready_requeued`].
    pub(crate) fn ready_requeued(&self, from: Holder, port: PortId) {
        if let Some(event) = self.table.ready_requeued(from, port) {
            (self.deliver)(event);
        }
    }

    /// See [`PortTable::requeue`]; delivers what can go now.
    pub(crate) fn requeue(
        &self,
        from: Holder,
        port: PortId,
        data: Vec<u8>,
        ports: Vec<PortId>,
        marked: bool,
    ) {
        match self.table.requeue(from, port, data, ports, marked) {
            Ok(Some((delivery, carried))) => self.deliver_with(delivery, carried),
            Ok(None) => {}
            Err(err) => tracing::debug!(port, "requeued port message dropped: {err}"),
        }
    }

    /// Closes a port and tells its peer's holder.
    pub(crate) fn close(&self, from: Holder, port: PortId) {
        if from == Holder::Main {
            self.drop_main_link(port);
        }
        if let Some((holder, peer, drain)) = self.table.close(from, port) {
            (self.deliver)(PortEvent::Closed {
                holder,
                port: peer,
                drain,
            });
        }
    }

    /// Closes everything `holder` held and tells the peers.
    pub(crate) fn holder_gone(&self, holder: Holder) {
        for (peer_holder, port, drain) in self.table.holder_gone(holder) {
            (self.deliver)(PortEvent::Closed {
                holder: peer_holder,
                port,
                drain,
            });
        }
        let stranded = self.table.ready_stranded(holder);
        self.deliver_all(stranded);
    }
}
