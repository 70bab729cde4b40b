//! Message ports: the host's table of every port, who holds it, and which
//! port is its peer.
//!
//! A port is held by main or by one worker. Every move of a port (inside a
//! port message, a push, a renderer's message to main, a message between
//! main and a utility) goes through [`PortTable::transfer`], which checks
//! that the sender holds each port, that it is open, and that it is not
//! travelling over its own channel. The table never trusts a worker's word
//! for any of this: a port id a worker does not hold is refused.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

pub(crate) mod link;

/// A port's id, unique in the host.
pub(crate) type PortId = u64;

/// A port as it travels to a new holder: its id and its peer's, so the
/// holder can refuse at once to send a port over its own channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortRef {
    pub id: u64,
    pub peer: u64,
}

/// Who holds a port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Holder {
    Main,
    /// A worker, by its supervisor id.
    Worker(u64),
}

/// Why a port operation was refused. Mirrors `port-error` in the WIT.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[non_exhaustive]
pub enum PortError {
    #[error("the port or its peer is closed")]
    Closed,
    #[error("cannot transfer: {0}")]
    BadTransfer(String),
    #[error("too large: {0}")]
    TooLarge(String),
    #[error("limit exceeded: {0}")]
    LimitExceeded(String),
}

impl PortError {
    /// A port message of `size` bytes fits the message limit, or is
    /// [`PortError::TooLarge`].
    pub(crate) fn check_size(size: usize, limit: usize) -> Result<(), PortError> {
        if size > limit {
            return Err(PortError::TooLarge(format!(
                "the message is {size} bytes; the limit is {limit}"
            )));
        }
        Ok(())
    }
}

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
    before: Vec<PortEvent>,
    after: Vec<PortEvent>,
    /// Ends whose links are in `before`: posted once `after` is sent.
    linked: Vec<PortId>,
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

/// The ports a component holds: its handles (resource representations
/// mapped to ports), which ones it started, and messages waiting for
/// `start`. `M` is how messages reach the component (a worker's host
/// message, or a call into main).
#[derive(Debug)]
pub(crate) struct HeldPorts<M> {
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

/// A message as it waits at a component: which port it is on, and which
/// ports it carries.
pub(crate) trait Waiting {
    fn port(&self) -> Option<PortId>;
    fn carries(&self) -> Vec<PortId>;
}

impl<M: Waiting> HeldPorts<M> {
    /// Takes a port the component received; returns the representation of
    /// its new handle.
    pub(crate) fn adopt(&mut self, port: PortRef) -> u32 {
        self.pending.remove(&port.id);
        self.next_rep = self.next_rep.wrapping_add(1);
        self.handles.insert(self.next_rep, port);
        self.next_rep
    }

    /// The port behind a handle.
    pub(crate) fn get(&self, rep: u32) -> Option<PortRef> {
        self.handles.get(&rep).copied()
    }

    /// Removes a handle (its port moves away, or the handle was dropped),
    /// with every message that waited on the port, and on the ports those
    /// messages carry, oldest first. A moved port takes them along; a
    /// dropped one closes the ports they carry.
    pub(crate) fn take(&mut self, rep: u32) -> Option<(PortRef, Vec<M>)> {
        let port = self.handles.remove(&rep)?;
        let mut taken = Vec::new();
        let mut ports = vec![port.id];
        while let Some(id) = ports.pop() {
            self.started.remove(&id);
            self.pending.remove(&id);
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
    pub(crate) fn holds(&self, port: PortId) -> bool {
        self.pending.contains(&port) || self.handles.values().any(|p| p.id == port)
    }

    /// Takes away what waits for `port` when the component does not hold
    /// it (a port inside a message that is leaving before it was
    /// delivered): those messages leave after it.
    pub(crate) fn take_parked(&mut self, port: PortId) -> Vec<M> {
        if self.handles.values().any(|p| p.id == port) {
            return Vec::new();
        }
        self.pending.remove(&port);
        self.parked.remove(&port).map(Vec::from).unwrap_or_default()
    }

    /// Whether the component started `port`.
    pub(crate) fn is_started(&self, port: PortId) -> bool {
        self.started.contains(&port)
    }

    /// How many messages wait for `port` to be started.
    pub(crate) fn parked(&self, port: PortId) -> usize {
        self.parked
            .get(&port)
            .map_or(0, std::collections::VecDeque::len)
    }

    /// Whether the port (or its peer) is known to be closed.
    pub(crate) fn is_closed(&self, port: PortId) -> bool {
        self.closed.contains(&port)
    }

    pub(crate) fn mark_closed(&mut self, port: PortId) {
        self.closed.insert(port);
    }

    /// Starts delivery on `port`; what waited is released, in order.
    pub(crate) fn start(&mut self, port: PortId) {
        if self.started.insert(port)
            && let Some(waiting) = self.parked.remove(&port)
        {
            self.ready.extend(waiting);
        }
    }

    /// A message arrived on `port`: returns it for delivery now, or keeps
    /// it until the port is started. The ports it carries count as held
    /// meanwhile, and their own messages wait for them.
    pub(crate) fn arrive(&mut self, port: PortId, message: M) -> Option<M> {
        if self.started.contains(&port) {
            Some(message)
        } else {
            self.pending.extend(message.carries());
            self.parked.entry(port).or_default().push_back(message);
            None
        }
    }
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

/// Main's link pumps: only a port's pump delivers what its link brings, so
/// deliveries keep their order; and it stops while `limit` messages on the
/// port wait in main's mailbox (or for main to start the port), so that a
/// peer posting faster than main reads is held back at its own end.
#[derive(Debug)]
pub(crate) struct MainPumps {
    state: Mutex<PumpState>,
    limit: usize,
}

#[derive(Debug, Default)]
struct PumpState {
    wakes: HashMap<PortId, tokio::sync::mpsc::UnboundedSender<PortId>>,
    /// Messages on each port handed to main and not handled yet.
    waiting: HashMap<PortId, usize>,
    /// Pumps stopped at the limit.
    stopped: std::collections::HashSet<PortId>,
}

impl MainPumps {
    fn state(&self) -> std::sync::MutexGuard<'_, PumpState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts a message for main on `port` until the ticket is dropped.
    pub(crate) fn ticket(self: &Arc<Self>, port: PortId) -> MainTicket {
        *self.state().waiting.entry(port).or_default() += 1;
        MainTicket {
            pumps: Arc::clone(self),
            port,
        }
    }

    /// Whether the pump of `port` may deliver one more; if not, it stops
    /// until main has handled some.
    fn may_deliver(&self, port: PortId) -> bool {
        let mut state = self.state();
        if state.waiting.get(&port).copied().unwrap_or(0) < self.limit {
            return true;
        }
        state.stopped.insert(port);
        false
    }

    fn handled(&self, port: PortId) {
        let mut state = self.state();
        let left = match state.waiting.get_mut(&port) {
            Some(count) => {
                *count -= 1;
                *count
            }
            None => return,
        };
        if left == 0 {
            state.waiting.remove(&port);
        }
        if left < self.limit
            && state.stopped.remove(&port)
            && let Some(wake) = state.wakes.get(&port)
        {
            let _ = wake.send(port);
        }
    }
}

/// A message on `port` in main's mailbox or waiting for main to start the
/// port; dropping it (handled, sent back, discarded) makes room.
#[derive(Debug)]
pub(crate) struct MainTicket {
    pumps: Arc<MainPumps>,
    port: PortId,
}

impl Drop for MainTicket {
    fn drop(&mut self) {
        self.pumps.handled(self.port);
    }
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
        let peer = {
            let entries = self.table.lock();
            let peer = entries.get(&port)?.peer;
            (entries.get(&peer)?.holder == Holder::Main).then_some(peer)?
        };
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
                Some(end) => end.next(),
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
