//! The `message-port` resource, written once for both places a component
//! runs. Main, inside the host, reaches the port table directly; a worker
//! sends messages to the host, which checks them again. Each side is a
//! [`PortBackend`]; the operations here keep the handles, the checks and
//! the order of a move the same in both, so a port behaves alike whatever
//! the isolation mode.

use std::future::Future;
use std::time::Duration;

use wasmtime::component::Resource;
use wasmtron_wire::link::Room;
use wasmtron_wire::{IpcError, Limits, PortError, PortId, PortRef, Waiting};

use crate::HeldPorts;
use crate::bindings::shared::ports::{MessagePort, PortError as WitPortError};
use crate::convert::port_error_to_wit;

/// What differs between main's ports and a worker's.
pub trait PortBackend {
    /// A message for the component, as this side receives it.
    type Message: Waiting;

    /// The ports the component holds.
    fn held(&mut self) -> &mut HeldPorts<Self::Message>;

    fn limits(&self) -> Limits;

    /// Refuses a post on `this` that this side cannot take now: over a
    /// rate, or onto a backlog only the component itself could read.
    ///
    /// # Errors
    /// The refusal, for the guest.
    fn admit(&mut self, this: PortRef) -> Result<(), PortError>;

    /// The room left on the direct link of `port`, if it has one.
    fn room(&self, port: PortId) -> Option<Room>;

    /// Closes `port` for the component, once (marking it closed in
    /// [`held`](Self::held)): the host closes the pair.
    fn close(&mut self, port: PortId);

    /// `port` leaves the component (moved away or discarded): forgets what
    /// this side counted for it.
    fn leave(&mut self, port: PortId);

    /// Hands a message the component will not read back to the host, for
    /// whoever holds its port next.
    fn requeue(&mut self, message: Self::Message);

    /// Gives up the direct links of ports that moved away, and of the
    /// ports inside what those links held.
    fn release(&mut self, leaving: Vec<PortId>) -> impl Future<Output = ()> + Send;

    /// Posts `data` on `this` with the ports moved into it.
    ///
    /// # Errors
    /// What the port table refused; the moved ports are closed by the
    /// caller then.
    fn send(&mut self, this: PortRef, data: Vec<u8>, moved: &[PortId]) -> Result<(), PortError>;
}

/// A handle for a port the component receives.
pub fn adopt(backend: &mut impl PortBackend, port: PortRef) -> Resource<MessagePort> {
    Resource::new_own(backend.held().adopt(port))
}

/// The id of the port behind a handle (0 for a handle that lost it).
pub fn id(backend: &mut impl PortBackend, port: &Resource<MessagePort>) -> PortId {
    backend.held().get(port.rep()).map_or(0, |p| p.id)
}

/// Starts delivery on a port; what waited is released in order.
pub fn start(backend: &mut impl PortBackend, port: &Resource<MessagePort>) {
    if let Some(this) = backend.held().get(port.rep()) {
        backend.held().start(this.id);
    }
}

/// Closes a port the component keeps the handle of.
pub fn close(backend: &mut impl PortBackend, port: &Resource<MessagePort>) {
    if let Some(this) = backend.held().get(port.rep()) {
        backend.close(this.id);
    }
}

/// A dropped handle can never be used again: its peer hears `close`, and
/// the ports inside what waited on it are closed too.
pub fn drop(backend: &mut impl PortBackend, port: Resource<MessagePort>) {
    if let Some((this, waiting)) = backend.held().take(port.rep()) {
        discard(backend, this, waiting);
    }
}

/// Posts on a port: checked here, where the guest is told at once, then
/// by the host.
///
/// # Errors
/// `closed`, `too-large`, `limit-exceeded` (a rate, a full peer, a
/// backlog) or `bad-transfer`. The ports meant to move are closed then,
/// never left without a holder.
pub async fn post(
    backend: &mut impl PortBackend,
    port: &Resource<MessagePort>,
    data: Vec<u8>,
    transfer: Vec<Resource<MessagePort>>,
) -> Result<(), WitPortError> {
    let this = match backend.held().get(port.rep()) {
        Some(this) if !backend.held().is_closed(this.id) => this,
        _ => {
            discard_all(backend, transfer);
            return Err(WitPortError::Closed);
        }
    };
    let limit = backend.limits().max_message_bytes;
    let checked = PortError::check_size(data.len(), limit).and_then(|()| backend.admit(this));
    if let Err(err) = checked {
        discard_all(backend, transfer);
        return Err(port_error_to_wit(err));
    }
    if let Some(room) = backend.room(this.id) {
        // The peer's holder reads slower than this component posts: wait
        // for it (without spending CPU time), for as long as an invoke may.
        if let Err(why) = room.wait(patience(backend)).await {
            discard_all(backend, transfer);
            return Err(WitPortError::LimitExceeded(why));
        }
    }
    let moved = take_transfer(backend, transfer, Some(this))
        .await
        .map_err(port_error_to_wit)?;
    backend.send(this, data, &moved).map_err(|err| {
        close_moved(backend, &moved);
        port_error_to_wit(err)
    })
}

/// Takes the ports a guest moved into a message (over port `over`, if it
/// travels on one). They are gone from the guest either way: what waited
/// on them goes back to the host ahead of the move, and on an error they
/// are closed, not leaked.
///
/// # Errors
/// `limit-exceeded` when a linked port's peer does not take what was
/// written on it within `invoke-timeout-ms` (an end moves only once its
/// writes are done); `bad-transfer` for a closed port, or one of the
/// channel the message travels on.
pub async fn take_transfer(
    backend: &mut impl PortBackend,
    transfer: Vec<Resource<MessagePort>>,
    over: Option<PortRef>,
) -> Result<Vec<PortId>, PortError> {
    let ports: Vec<PortRef> = transfer
        .iter()
        .filter_map(|handle| backend.held().get(handle.rep()))
        .collect();
    let rooms: Vec<Room> = ports.iter().filter_map(|p| backend.room(p.id)).collect();
    let patience = patience(backend);
    for room in rooms {
        if let Err(why) = room.wait_empty(patience).await {
            discard_all(backend, transfer);
            return Err(PortError::LimitExceeded(why));
        }
    }
    let taken: Vec<(PortRef, Vec<_>)> = transfer
        .into_iter()
        .filter_map(|handle| backend.held().take(handle.rep()))
        .collect();
    let bad = taken.iter().map(|(p, _)| *p).find(|p| {
        backend.held().is_closed(p.id) || over.is_some_and(|o| p.id == o.id || p.id == o.peer)
    });
    if let Some(bad) = bad {
        let why = if backend.held().is_closed(bad.id) {
            format!("port {} is closed", bad.id)
        } else {
            format!("port {} cannot travel over its own channel", bad.id)
        };
        for (port, waiting) in taken {
            discard(backend, port, waiting);
        }
        return Err(PortError::BadTransfer(why));
    }
    let mut moved = Vec::with_capacity(taken.len());
    let mut leaving = Vec::new();
    for (port, waiting) in taken {
        for message in waiting {
            leaving.extend(message.carries());
            backend.requeue(message);
        }
        backend.leave(port.id);
        moved.push(port.id);
        leaving.push(port.id);
    }
    backend.release(leaving).await;
    Ok(moved)
}

/// Closes ports a guest gave up in a message that will not be sent.
pub fn discard_all(backend: &mut impl PortBackend, transfer: Vec<Resource<MessagePort>>) {
    for handle in transfer {
        if let Some((port, waiting)) = backend.held().take(handle.rep()) {
            discard(backend, port, waiting);
        }
    }
}

/// Closes ports that left the component for a message that was then
/// refused, so that none is left open with no handle anywhere.
pub fn close_moved(backend: &mut impl PortBackend, moved: &[PortId]) {
    for port in moved {
        backend.close(*port);
    }
}

/// A transfer refused before an IPC message could carry it, as an IPC
/// error: a full link stays `limit-exceeded`, the rest is `denied`.
#[must_use]
pub fn transfer_error(err: PortError) -> IpcError {
    match err {
        PortError::LimitExceeded(why) => {
            IpcError::new(wasmtron_wire::ErrorCode::LimitExceeded, why)
        }
        other => IpcError::new(wasmtron_wire::ErrorCode::Denied, other.to_string()),
    }
}

/// Closes a port nobody will hold, and the ports inside the messages that
/// waited on it.
fn discard<B: PortBackend>(backend: &mut B, port: PortRef, waiting: Vec<B::Message>) {
    backend.leave(port.id);
    backend.close(port.id);
    for message in waiting {
        for carried in message.carries() {
            backend.close(carried);
        }
    }
}

/// How long a post may wait for room: as long as an invoke may.
fn patience(backend: &impl PortBackend) -> Duration {
    Duration::from_millis(backend.limits().invoke_timeout_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A message on a port, carrying ports.
    #[derive(Debug)]
    struct Note {
        port: PortId,
        carries: Vec<PortId>,
    }

    impl Waiting for Note {
        fn port(&self) -> Option<PortId> {
            Some(self.port)
        }
        fn carries(&self) -> Vec<PortId> {
            self.carries.clone()
        }
    }

    /// Records what the logic asks of a backend; `refuse` makes `send` fail.
    #[derive(Default)]
    struct Recorder {
        held: HeldPorts<Note>,
        closed: Vec<PortId>,
        requeued: Vec<PortId>,
        released: Vec<PortId>,
        sent: Vec<(PortId, Vec<u8>, Vec<PortId>)>,
        refuse: Option<PortError>,
    }

    impl PortBackend for Recorder {
        type Message = Note;
        fn held(&mut self) -> &mut HeldPorts<Note> {
            &mut self.held
        }
        fn limits(&self) -> Limits {
            Limits {
                max_message_bytes: 8,
                ..Limits::default()
            }
        }
        fn admit(&mut self, _this: PortRef) -> Result<(), PortError> {
            Ok(())
        }
        fn room(&self, _port: PortId) -> Option<Room> {
            None
        }
        fn close(&mut self, port: PortId) {
            if !self.held.is_closed(port) {
                self.held.mark_closed(port);
                self.closed.push(port);
            }
        }
        fn leave(&mut self, _port: PortId) {}
        fn requeue(&mut self, message: Note) {
            self.requeued.push(message.port);
        }
        async fn release(&mut self, leaving: Vec<PortId>) {
            self.released.extend(leaving);
        }
        fn send(
            &mut self,
            this: PortRef,
            data: Vec<u8>,
            moved: &[PortId],
        ) -> Result<(), PortError> {
            match self.refuse.take() {
                Some(err) => Err(err),
                None => {
                    self.sent.push((this.id, data, moved.to_vec()));
                    Ok(())
                }
            }
        }
    }

    fn pair(backend: &mut Recorder, a: PortId, b: PortId) -> [Resource<MessagePort>; 2] {
        [
            adopt(backend, PortRef { id: a, peer: b }),
            adopt(backend, PortRef { id: b, peer: a }),
        ]
    }

    fn block_on<F: Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime")
            .block_on(future)
    }

    fn copy(handle: &Resource<MessagePort>) -> Resource<MessagePort> {
        Resource::new_own(handle.rep())
    }

    #[test]
    fn a_post_moves_its_ports_with_what_waited_on_them() {
        let mut backend = Recorder::default();
        let [a, _b] = pair(&mut backend, 1, 2);
        let [c, _d] = pair(&mut backend, 3, 4);
        // A message waits, unstarted, on `c`, carrying port 9.
        backend.held.arrive(
            3,
            Note {
                port: 3,
                carries: vec![9],
            },
        );
        block_on(post(&mut backend, &a, b"hi".to_vec(), vec![copy(&c)])).expect("posted");
        assert_eq!(backend.sent, vec![(1, b"hi".to_vec(), vec![3])]);
        assert_eq!(
            backend.requeued,
            vec![3],
            "what waited on c goes back first"
        );
        assert_eq!(backend.released, vec![9, 3]);
        assert!(backend.closed.is_empty());
        assert_eq!(id(&mut backend, &c), 0, "the handle lost its port");
    }

    #[test]
    fn refused_posts_close_the_ports_meant_to_move() {
        let mut backend = Recorder::default();
        let [a, b] = pair(&mut backend, 1, 2);
        let [c, _] = pair(&mut backend, 3, 4);
        let [e, _] = pair(&mut backend, 5, 6);
        let [g, _] = pair(&mut backend, 7, 8);
        // Too large: nothing is sent, and `c` is closed, not leaked.
        let refused = block_on(post(&mut backend, &a, vec![0; 9], vec![copy(&c)]));
        assert!(matches!(refused, Err(WitPortError::TooLarge(_))));
        assert_eq!(backend.closed, vec![3]);
        // A port cannot travel over its own channel.
        let refused = block_on(post(&mut backend, &a, Vec::new(), vec![copy(&b)]));
        assert!(matches!(refused, Err(WitPortError::BadTransfer(_))));
        assert_eq!(backend.closed, vec![3, 2]);
        // The table refuses: the moved port is closed after it left.
        backend.refuse = Some(PortError::Closed);
        let refused = block_on(post(&mut backend, &a, Vec::new(), vec![copy(&e)]));
        assert!(matches!(refused, Err(WitPortError::Closed)));
        assert_eq!(backend.closed, vec![3, 2, 5]);
        // A closed port posts nothing and takes its transfer down with it.
        close(&mut backend, &a);
        let refused = block_on(post(&mut backend, &a, Vec::new(), vec![copy(&g)]));
        assert!(matches!(refused, Err(WitPortError::Closed)));
        assert_eq!(backend.closed, vec![3, 2, 5, 1, 7]);
        assert!(backend.sent.is_empty());
    }

    #[test]
    fn a_dropped_handle_closes_its_port_and_the_ports_waiting_on_it() {
        let mut backend = Recorder::default();
        let [a, _] = pair(&mut backend, 1, 2);
        backend.held.arrive(
            1,
            Note {
                port: 1,
                carries: vec![7, 8],
            },
        );
        drop(&mut backend, a);
        assert_eq!(backend.closed, vec![1, 7, 8]);
    }
}
