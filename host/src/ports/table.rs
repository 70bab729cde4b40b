//! The host's table of every port: who holds it, its peer, and what moves
//! with it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use wasmtron_wire::link;
use wasmtron_wire::{PortError, PortId, PortRef};

use super::event::{Delivery, Holder, PortEvent};

#[derive(Debug)]
struct Entry {
    peer: PortId,
    holder: Holder,
    closed: bool,
    /// Who held it before its last move: messages it had not delivered
    /// yet may still come back from there.
    previous: Option<Holder>,
    /// Messages its holder had waiting (not started) when it moved the
    /// port away, to go to the new holder right after the move.
    carried: Vec<(Vec<u8>, Vec<PortId>, bool)>,
    /// The pair is linked directly (a socket between the two holders).
    linked: bool,
    /// Who has this end's socket, or will once a link message reaches it.
    fd_with: Option<Holder>,
    /// The socket end its holder gave up ahead of moving the port.
    handover: Option<Handover>,
    /// The peer's holder went direct: this end may deliver from its link.
    ready_sent: bool,
    /// A message was delivered to this end since it last moved.
    delivered: bool,
    /// The holder before the last move, if messages delivered there may
    /// still come back from it.
    bounce_from: Option<Holder>,
    /// This end's link, and everything sent with the move that gave it,
    /// has been posted to its holder: a `LinkReady` cannot overtake it.
    link_posted: bool,
    /// A `LinkReady` is owed as soon as the link is posted.
    ready_waiting: bool,
    /// The holder that said it took this end's link (`PortLinked`).
    taken_by: Option<Holder>,
}

/// A link end given back by its holder, with what it had not delivered.
#[derive(Debug)]
pub(crate) struct Handover {
    pub fd: std::os::fd::OwnedFd,
    pub state: link::LinkState,
}

impl Entry {
    fn new(peer: PortId, holder: Holder) -> Self {
        Entry {
            peer,
            holder,
            closed: false,
            previous: None,
            carried: Vec::new(),
            linked: false,
            fd_with: None,
            handover: None,
            ready_sent: false,
            delivered: false,
            bounce_from: None,
            link_posted: false,
            ready_waiting: false,
            taken_by: None,
        }
    }
}

/// What goes with ports that just moved: links, delivered before the
/// message that moves them, then the messages that waited on them,
/// delivered after it with [`PortHub::flush`].
#[derive(Debug, Default)]
#[must_use]
pub(crate) struct Carried {
    pub(super) before: Vec<PortEvent>,
    pub(super) after: Vec<PortEvent>,
    /// Ends whose links are in `before`: posted once `after` is sent.
    pub(super) linked: Vec<PortId>,
}

/// Every port of the app.
#[derive(Debug, Default)]
pub(crate) struct PortTable {
    entries: Mutex<HashMap<PortId, Entry>>,
    next: AtomicU64,
    /// Payload bytes of port messages the host carried.
    relayed: AtomicU64,
    /// Workers are processes: a pair whose ends are held by two of them
    /// is linked directly.
    direct: std::sync::atomic::AtomicBool,
}

impl PortTable {
    /// The peer of `port`, when `holder` holds it.
    pub(crate) fn peer_held_by(&self, port: PortId, holder: Holder) -> Option<PortId> {
        let entries = self.lock();
        let peer = entries.get(&port)?.peer;
        (entries.get(&peer)?.holder == holder).then_some(peer)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<PortId, Entry>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A new entangled pair, both ends held by `holder`.
    pub(crate) fn create(&self, holder: Holder) -> (PortRef, PortRef) {
        let a = self.next.fetch_add(2, Ordering::Relaxed) + 1;
        let b = a + 1;
        let mut entries = self.lock();
        entries.insert(a, Entry::new(b, holder));
        entries.insert(b, Entry::new(a, holder));
        (PortRef { id: a, peer: b }, PortRef { id: b, peer: a })
    }

    /// Moves `ports` from `from` to `to`. `over` is the port the message
    /// travels on, if any: neither it nor its peer may be among `ports`.
    ///
    /// # Errors
    /// [`PortError::BadTransfer`] naming the first port that cannot move;
    /// nothing moves then.
    pub(crate) fn transfer(
        &self,
        from: Holder,
        ports: &[PortId],
        to: Holder,
        over: Option<PortId>,
    ) -> Result<(Vec<PortRef>, Carried), PortError> {
        let mut entries = self.lock();
        Self::check_transfer(&entries, from, ports, over)?;
        Ok(self.hand_over(&mut entries, ports, to))
    }

    /// Links pairs whose ends are held by two worker processes from now on.
    pub(crate) fn link_workers(&self) {
        self.direct.store(true, Ordering::Relaxed);
    }

    /// Whether a new pair held by `holder` and another is linked.
    fn linkable(&self, holder: Holder) -> bool {
        matches!(holder, Holder::Worker(_)) && self.direct.load(Ordering::Relaxed)
    }

    /// Whether a linked port's link can follow it wherever it moves: to
    /// any worker process, and to main (the host reads and writes main's
    /// end).
    fn links_follow(&self) -> bool {
        self.direct.load(Ordering::Relaxed)
    }

    /// Gives checked `ports` to `to`, with the messages and links they
    /// carry.
    fn hand_over(
        &self,
        entries: &mut HashMap<PortId, Entry>,
        ports: &[PortId],
        to: Holder,
    ) -> (Vec<PortRef>, Carried) {
        let mut out = Carried::default();
        let mut ready = Vec::new();
        let moved = self.move_to(entries, ports, to, &mut out, &mut ready);
        // Messages that waited on moved ports go too, with the ports they
        // carry, however deep; a loop, not recursion, since a worker
        // chooses the depth.
        let mut pending: Vec<PortId> = ports.to_vec();
        while let Some(id) = pending.pop() {
            let waiting = entries
                .get_mut(&id)
                .map(|entry| std::mem::take(&mut entry.carried))
                .unwrap_or_default();
            if let Some(entry) = entries.get_mut(&id)
                && !waiting.is_empty()
            {
                entry.delivered = true;
            }
            for (data, nested, marked) in waiting {
                let nested_refs = self.move_to(entries, &nested, to, &mut out, &mut ready);
                pending.extend(nested.iter().copied());
                out.after.push(PortEvent::Message(Delivery {
                    holder: to,
                    port: id,
                    data,
                    ports: nested_refs,
                    marked,
                }));
            }
        }
        out.after.extend(ready);
        (moved, out)
    }

    fn move_to(
        &self,
        entries: &mut HashMap<PortId, Entry>,
        ports: &[PortId],
        to: Holder,
        out: &mut Carried,
        ready: &mut Vec<PortEvent>,
    ) -> Vec<PortRef> {
        let mut refs = Vec::with_capacity(ports.len());
        for id in ports {
            let Some(entry) = entries.get_mut(id) else {
                continue;
            };
            let from = entry.holder;
            entry.previous = Some(from);
            entry.holder = to;
            entry.bounce_from = entry.delivered.then_some(from);
            entry.delivered = false;
            refs.push(PortRef {
                id: *id,
                peer: entry.peer,
            });
            self.relink(entries, *id, from, to, out, ready);
        }
        refs
    }

    /// After `id` moved from `from` to `to`: its link follows it, or the
    /// pair is linked now that both ends are in worker processes.
    fn relink(
        &self,
        entries: &mut HashMap<PortId, Entry>,
        id: PortId,
        from: Holder,
        to: Holder,
        out: &mut Carried,
        ready: &mut Vec<PortEvent>,
    ) {
        let Some(entry) = entries.get_mut(&id) else {
            return;
        };
        if entry.linked {
            let handover = entry.handover.take();
            // No link given up: either it is still on its way to `from`
            // (which will send it back), or `from` took it and kept it.
            let on_its_way =
                handover.is_none() && entry.fd_with == Some(from) && entry.taken_by != Some(from);
            if self.links_follow() && (handover.is_some() || on_its_way) {
                if let Some(handover) = handover {
                    entry.fd_with = Some(to);
                    entry.taken_by = None;
                    entry.link_posted = false;
                    out.linked.push(id);
                    out.before.push(PortEvent::Link {
                        holder: to,
                        port: id,
                        fd: handover.fd,
                        state: handover.state,
                        incoming: true,
                    });
                }
                if on_its_way {
                    // The link reaches `from` after the port left it, and
                    // comes back to be passed on; `ready` waits for that.
                    entry.link_posted = false;
                    entry.ready_waiting |= entry.ready_sent;
                    return;
                }
                // Messages sent to `from` before the move come back from
                // there; `ready` follows the same way, behind them.
                if entry.ready_sent {
                    ready.push(PortEvent::LinkReady {
                        holder: Self::ready_route(entry),
                        port: id,
                    });
                }
                return;
            }
            // A holder that gave no link up broke the protocol: the pair
            // closes rather than lose order.
            tracing::warn!(
                port = id,
                "a port linked between two workers moved where its link cannot follow; the pair is closed"
            );
            out.after.extend(Self::close_moved(entries, id, to));
            return;
        }
        let (peer, closed) = (entry.peer, entry.closed);
        let peer_holder = match entries.get(&peer) {
            Some(peer) if !peer.closed => peer.holder,
            _ => return,
        };
        if closed || peer_holder == to || !self.linkable(to) || !self.linkable(peer_holder) {
            return;
        }
        let (mine, theirs) = match std::os::unix::net::UnixStream::pair() {
            Ok(pair) => pair,
            Err(err) => {
                tracing::warn!(port = id, "cannot link a port directly, relaying it: {err}");
                return;
            }
        };
        link::size_buffers(&mine);
        link::size_buffers(&theirs);
        for (end, holder) in [(id, to), (peer, peer_holder)] {
            if let Some(entry) = entries.get_mut(&end) {
                entry.linked = true;
                entry.fd_with = Some(holder);
                entry.link_posted = false;
            }
            out.linked.push(end);
        }
        out.before.push(PortEvent::Link {
            holder: to,
            port: id,
            fd: mine.into(),
            state: link::LinkState::default(),
            incoming: true,
        });
        out.before.push(PortEvent::Link {
            holder: peer_holder,
            port: peer,
            fd: theirs.into(),
            state: link::LinkState::default(),
            incoming: false,
        });
    }

    /// `from` took the link of `port` and sends on it: once it is the
    /// holder, everything it relayed before is on its way, and the peer
    /// may deliver from its own end.
    pub(crate) fn link_taken(&self, from: Holder, port: PortId) -> Option<PortEvent> {
        let mut entries = self.lock();
        tracing::debug!(?from, port, "host: link taken");
        let entry = entries.get_mut(&port)?;
        if entry.holder != from || !entry.linked {
            return None;
        }
        entry.taken_by = Some(from);
        let peer_id = entry.peer;
        let peer = entries.get_mut(&peer_id)?;
        peer.ready_sent = true;
        Self::ready_when_posted(peer, peer_id)
    }

    /// A `LinkReady` for `port` now, or once its link is posted.
    fn ready_when_posted(entry: &mut Entry, port: PortId) -> Option<PortEvent> {
        if !entry.link_posted {
            entry.ready_waiting = true;
            return None;
        }
        Some(PortEvent::LinkReady {
            holder: Self::ready_route(entry),
            port,
        })
    }

    /// The link of `port` and what came with it were posted to its holder;
    /// returns the `LinkReady` that waited for that, if any.
    pub(crate) fn link_posted(&self, port: PortId) -> Option<PortEvent> {
        let mut entries = self.lock();
        let entry = entries.get_mut(&port)?;
        entry.link_posted = true;
        if !std::mem::take(&mut entry.ready_waiting) {
            return None;
        }
        Some(PortEvent::LinkReady {
            holder: Self::ready_route(entry),
            port,
        })
    }

    /// Where a `LinkReady` goes: through the holder before the last move,
    /// if any, so that it arrives behind the messages that come back from
    /// there.
    fn ready_route(entry: &Entry) -> Holder {
        match entry.bounce_from {
            Some(previous) if previous != entry.holder => previous,
            _ => entry.holder,
        }
    }

    /// A link end given back by `from`: kept for the move that follows, or
    /// (when the port left `from` before the link reached it) passed on.
    pub(crate) fn link_handed_over(
        &self,
        from: Holder,
        port: PortId,
        handover: Handover,
    ) -> Vec<PortEvent> {
        let mut entries = self.lock();
        let Some(entry) = entries.get_mut(&port) else {
            return Vec::new();
        };
        if !entry.linked {
            return Vec::new();
        }
        if entry.holder == from {
            entry.handover = Some(handover);
            entry.fd_with = None;
            return Vec::new();
        }
        if entry.previous != Some(from) || entry.fd_with != Some(from) {
            return Vec::new();
        }
        let holder = entry.holder;
        if self.links_follow() {
            entry.fd_with = Some(holder);
            entry.taken_by = None;
            entry.link_posted = false;
            return vec![PortEvent::Link {
                holder,
                port,
                fd: handover.fd,
                state: handover.state,
                incoming: false,
            }];
        }
        Self::close_moved(&mut entries, port, holder)
    }

    /// Closes the pair of `port`, which just moved to `holder` and whose
    /// link cannot follow it: both holders hear `close`.
    fn close_moved(
        entries: &mut HashMap<PortId, Entry>,
        port: PortId,
        holder: Holder,
    ) -> Vec<PortEvent> {
        let peer =
            Self::close_pair(entries, port).map(|(peer_holder, peer, drain)| PortEvent::Closed {
                holder: peer_holder,
                port: peer,
                drain,
            });
        peer.into_iter()
            .chain(std::iter::once(PortEvent::Closed {
                holder,
                port,
                drain: false,
            }))
            .collect()
    }

    /// A `LinkReady` that reached `from` after `port` left it: on to the
    /// holder.
    pub(crate) fn ready_requeued(&self, from: Holder, port: PortId) -> Option<PortEvent> {
        let mut entries = self.lock();
        let entry = entries.get_mut(&port)?;
        if !entry.linked || entry.previous != Some(from) || entry.holder == from {
            return None;
        }
        // Past the detour: straight to the holder.
        entry.bounce_from = None;
        Self::ready_when_posted(entry, port)
    }

    /// A message that came back from a port's holder: either one it had
    /// waiting when it moves the port away (kept until the move), or one
    /// that reached it after the move (passed on to the new holder).
    ///
    /// # Errors
    /// [`PortError::Closed`] when `from` neither holds nor last held `port`.
    pub(crate) fn requeue(
        &self,
        from: Holder,
        port: PortId,
        data: Vec<u8>,
        ports: Vec<PortId>,
        marked: bool,
    ) -> Result<Option<(Delivery, Carried)>, PortError> {
        let mut entries = self.lock();
        let (holder, previous) = entries
            .get(&port)
            .map(|e| (e.holder, e.previous))
            .ok_or(PortError::Closed)?;
        if holder != from && previous != Some(from) {
            return Err(PortError::Closed);
        }
        // The ports a requeued message carries must be the sender's, like
        // any transfer: a worker cannot take a port it does not hold this way.
        Self::check_transfer(&entries, from, &ports, Some(port))?;
        self.relayed.fetch_add(data.len() as u64, Ordering::Relaxed);
        if holder == from {
            if let Some(entry) = entries.get_mut(&port) {
                entry.carried.push((data, ports, marked));
            }
            return Ok(None);
        }
        let (nested, carried) = self.hand_over(&mut entries, &ports, holder);
        if let Some(entry) = entries.get_mut(&port) {
            entry.delivered = true;
        }
        Ok(Some((
            Delivery {
                holder,
                port,
                data,
                ports: nested,
                marked,
            },
            carried,
        )))
    }

    fn check_transfer(
        entries: &HashMap<PortId, Entry>,
        from: Holder,
        ports: &[PortId],
        over: Option<PortId>,
    ) -> Result<(), PortError> {
        let channel = over.and_then(|p| entries.get(&p).map(|e| (p, e.peer)));
        for (i, id) in ports.iter().enumerate() {
            let bad = |why: &str| PortError::BadTransfer(format!("port {id} {why}"));
            let entry = entries.get(id).ok_or_else(|| bad("does not exist"))?;
            if entry.holder != from {
                return Err(bad("is not held by the sender (moved already?)"));
            }
            if entry.closed {
                return Err(bad("is closed"));
            }
            if let Some((port, peer)) = channel
                && (*id == port || *id == peer)
            {
                return Err(bad("cannot travel over its own channel"));
            }
            if ports[..i].contains(id) {
                return Err(bad("is listed twice"));
            }
        }
        Ok(())
    }

    /// Posts `data` on `port` (held by `from`), moving `transfer` to the
    /// peer's holder.
    ///
    /// # Errors
    /// [`PortError::Closed`] when the port is not `from`'s open port or its
    /// peer is closed (nothing is delivered), or the transfer's error.
    /// Checks that `from` may post on `port` now: it holds it, and the
    /// pair is open.
    ///
    /// # Errors
    /// [`PortError::Closed`] otherwise.
    pub(crate) fn check_post(&self, from: Holder, port: PortId) -> Result<(), PortError> {
        let entries = self.lock();
        let entry = entries.get(&port).ok_or(PortError::Closed)?;
        let open = entry.holder == from
            && !entry.closed
            && entries.get(&entry.peer).is_some_and(|peer| !peer.closed);
        if open { Ok(()) } else { Err(PortError::Closed) }
    }

    pub(crate) fn post(
        &self,
        from: Holder,
        port: PortId,
        data: Vec<u8>,
        transfer: &[PortId],
        marked: bool,
    ) -> Result<(Delivery, Carried), PortError> {
        let mut entries = self.lock();
        let (peer, peer_holder) = {
            let entry = entries.get(&port).ok_or(PortError::Closed)?;
            if entry.holder != from || entry.closed {
                return Err(PortError::Closed);
            }
            let peer = entries.get(&entry.peer).ok_or(PortError::Closed)?;
            if peer.closed {
                return Err(PortError::Closed);
            }
            (entry.peer, peer.holder)
        };
        Self::check_transfer(&entries, from, transfer, Some(port))?;
        let (ports, carried) = self.hand_over(&mut entries, transfer, peer_holder);
        self.relayed.fetch_add(data.len() as u64, Ordering::Relaxed);
        if let Some(entry) = entries.get_mut(&peer) {
            entry.delivered = true;
        }
        Ok((
            Delivery {
                holder: peer_holder,
                port: peer,
                data,
                ports,
                marked,
            },
            carried,
        ))
    }

    /// Closes `port` (held by `from`) and its peer. Returns who must hear
    /// `on-port-close`, and on which port.
    pub(crate) fn close(&self, from: Holder, port: PortId) -> Option<(Holder, PortId, bool)> {
        let mut entries = self.lock();
        let entry = entries.get(&port)?;
        if entry.holder != from || entry.closed {
            return None;
        }
        Self::close_pair(&mut entries, port)
    }

    /// Closes every port `holder` holds (it died or ended). Returns the
    /// peers to tell.
    pub(crate) fn holder_gone(&self, holder: Holder) -> Vec<(Holder, PortId, bool)> {
        let mut entries = self.lock();
        // Its ports, and ports whose link was on its way to it or back from
        // it (that socket end dies with it).
        let held: Vec<PortId> = entries
            .iter()
            .filter(|(_, e)| {
                !e.closed && (e.holder == holder || (e.linked && e.fd_with == Some(holder)))
            })
            .map(|(id, _)| *id)
            .collect();
        let mut notify: Vec<(Holder, PortId, bool)> = held
            .into_iter()
            .flat_map(|port| {
                let moved_to = entries
                    .get(&port)
                    .map(|e| e.holder)
                    .filter(|h| *h != holder);
                let peer = Self::close_pair(&mut entries, port);
                // A port that had moved on, whose link died here: its new
                // holder hears the close too.
                peer.into_iter()
                    .chain(moved_to.map(|h| (h, port, false)))
                    .collect::<Vec<_>>()
            })
            .filter(|(peer_holder, _, _)| *peer_holder != holder)
            .collect();
        notify.sort_by_key(|(_, port, _)| *port);
        notify
    }

    /// `LinkReady`s that were routed through `holder`, which is gone and
    /// will not pass them on: they go to the ports' holders directly.
    pub(crate) fn ready_stranded(&self, holder: Holder) -> Vec<PortEvent> {
        let entries = self.lock();
        entries
            .iter()
            .filter(|(_, e)| {
                e.linked && e.ready_sent && e.bounce_from == Some(holder) && e.holder != holder
            })
            .map(|(port, e)| PortEvent::LinkReady {
                holder: e.holder,
                port: *port,
            })
            .collect()
    }

    /// Marks a pair closed and forgets it; returns the peer to tell, unless
    /// it had closed already, and whether it must first drain its link:
    /// it was told `LinkReady`, so the closing side may have sent on it.
    fn close_pair(
        entries: &mut HashMap<PortId, Entry>,
        port: PortId,
    ) -> Option<(Holder, PortId, bool)> {
        let peer = entries.remove(&port)?.peer;
        let peer_entry = entries.remove(&peer)?;
        (!peer_entry.closed).then_some((peer_entry.holder, peer, peer_entry.ready_sent))
    }

    /// A message was delivered to `port`'s holder outside [`PortTable::post`].
    pub(crate) fn mark_delivered(&self, port: PortId) {
        if let Some(entry) = self.lock().get_mut(&port) {
            entry.delivered = true;
        }
    }

    /// Payload bytes of port messages the host carried so far.
    pub(crate) fn relayed_bytes(&self) -> u64 {
        self.relayed.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const W1: Holder = Holder::Worker(1);
    const W2: Holder = Holder::Worker(2);

    #[test]
    fn a_message_goes_to_the_peers_holder_with_its_ports() {
        let table = PortTable::default();
        let (a, b) = table.create(Holder::Main);
        let _ = table
            .transfer(Holder::Main, &[b.id], W1, None)
            .expect("moves");
        let (c, d) = table.create(Holder::Main);
        let (delivery, _) = table
            .post(Holder::Main, a.id, b"hi".to_vec(), &[c.id], false)
            .expect("delivered");
        assert_eq!(delivery.holder, W1);
        assert_eq!(delivery.port, b.id);
        assert_eq!(delivery.ports, vec![c]);
        // `c` moved: main cannot send it again, but W1 can.
        assert!(matches!(
            table.post(Holder::Main, a.id, Vec::new(), &[c.id], false),
            Err(PortError::BadTransfer(_))
        ));
        assert!(table.transfer(W1, &[c.id], W2, None).is_ok());
        assert_eq!(table.relayed_bytes(), 2);
        let _ = d;
    }

    #[test]
    fn waiting_messages_follow_a_moved_port_and_late_ones_are_passed_on() {
        let table = PortTable::default();
        let (a, b) = table.create(Holder::Main);
        let (moved, _) = table
            .transfer(Holder::Main, &[b.id], W1, None)
            .expect("moves");
        assert_eq!(moved, vec![b]);
        // W1 had one message waiting on `b` when it moves `b` to W2.
        assert!(matches!(
            table.requeue(W1, b.id, b"waiting".to_vec(), Vec::new(), false),
            Ok(None)
        ));
        let (_, carried) = table.transfer(W1, &[b.id], W2, None).expect("moves");
        assert!(matches!(
            carried.after.as_slice(),
            [PortEvent::Message(Delivery { holder: W2, data, .. })] if data == b"waiting"
        ));
        // One that reached W1 after the move goes on to W2...
        let passed = table
            .requeue(W1, b.id, b"late".to_vec(), Vec::new(), false)
            .expect("W1 held it last");
        assert!(matches!(passed, Some((Delivery { holder: W2, .. }, _))));
        // ...but nobody else can inject messages that way, nor take a port
        // it does not hold by listing it in one.
        let (c, _) = table.create(Holder::Main);
        assert!(matches!(
            table.requeue(W1, b.id, Vec::new(), vec![c.id], false),
            Err(PortError::BadTransfer(_))
        ));
        assert!(matches!(
            table.requeue(Holder::Worker(9), b.id, Vec::new(), Vec::new(), false),
            Err(PortError::Closed)
        ));
        let _ = a;
    }

    #[test]
    fn a_port_cannot_travel_over_its_own_channel() {
        let table = PortTable::default();
        let (a, b) = table.create(Holder::Main);
        for port in [a.id, b.id] {
            assert!(matches!(
                table.post(Holder::Main, a.id, Vec::new(), &[port], false),
                Err(PortError::BadTransfer(_))
            ));
        }
    }

    #[test]
    fn ports_a_holder_does_not_hold_are_refused() {
        let table = PortTable::default();
        let (a, b) = table.create(W1);
        assert_eq!(
            table.post(W2, a.id, Vec::new(), &[], false).err(),
            Some(PortError::Closed)
        );
        assert!(table.transfer(W2, &[b.id], W2, None).is_err());
        assert!(table.transfer(W1, &[999], W2, None).is_err());
        assert!(table.transfer(W1, &[b.id, b.id], W2, None).is_err());
        assert_eq!(table.close(W2, a.id), None);
    }

    #[test]
    fn closing_or_dying_tells_the_peer_once() {
        let table = PortTable::default();
        let (a, b) = table.create(Holder::Main);
        let _ = table
            .transfer(Holder::Main, &[b.id], W1, None)
            .expect("moves");
        assert_eq!(table.close(Holder::Main, a.id), Some((W1, b.id, false)));
        assert_eq!(table.close(W1, b.id), None);
        assert_eq!(
            table.post(W1, b.id, Vec::new(), &[], false).err(),
            Some(PortError::Closed)
        );

        let (c, d) = table.create(Holder::Main);
        let _ = table
            .transfer(Holder::Main, &[d.id], W2, None)
            .expect("moves");
        let (e, f) = table.create(W2);
        assert_eq!(table.holder_gone(W2), vec![(Holder::Main, c.id, false)]);
        assert!(table.holder_gone(W2).is_empty());
        let _ = (e, f);
    }
}
