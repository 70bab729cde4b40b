//! The worker's client of its connection to the host: invokes waiting for
//! replies, channels asked for, the message rate and the channel list.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::sync::oneshot;

use super::{WorkerEnd, WorkerSpec};
use crate::bindings::renderer::wasmtron::app::dom as wit_dom;
use crate::bucket::TokenBucket;
use wasmtron_wire::Limits;
use wasmtron_wire::PortRef;
use wasmtron_wire::http::{HttpAnswer, HttpFailure, HttpRequest};
use wasmtron_wire::{ByteBuf, DomOp, DomOpError, HostToWorker, WorkerToHost};
use wasmtron_wire::{DomRead, DomReadError, ReadAnswer};
use wasmtron_wire::{ErrorCode, IpcError};

type Pending = Arc<Mutex<HashMap<u64, Waiter>>>;
type PendingChannels = Arc<Mutex<HashMap<u64, oneshot::Sender<(PortRef, PortRef)>>>>;
type PendingReads = Arc<Mutex<HashMap<u64, oneshot::Sender<ReadAnswer>>>>;
type PendingHttp = Arc<Mutex<HashMap<u64, oneshot::Sender<HttpAnswer>>>>;

/// What an invoke or a typed call gets back: the reply's bytes and the
/// ports a call's results move here, or why there is none.
pub(crate) type Answer = Result<(Vec<u8>, Vec<PortRef>), IpcError>;

/// An invoke or typed call waiting for its reply.
struct Waiter {
    reply: oneshot::Sender<Answer>,
    /// The host said the reply waits on main's user.
    held: bool,
}

/// The worker's client for talking to the host.
pub(crate) struct BridgeClient {
    to_host: UnboundedSender<WorkerToHost>,
    pending: Pending,
    channels_requested: PendingChannels,
    /// Reads of the page waiting for the host's answer (one at most: a
    /// read blocks its renderer).
    reads: PendingReads,
    /// HTTP requests waiting for the host's answer.
    http: PendingHttp,
    next_id: u64,
    channels: HashSet<String>,
    limits: Limits,
    rate: Rate,
    /// Log lines dropped for going over the rate, told with the next one.
    logs_dropped: u64,
    /// Messages told to the host since the connection's writer last had a
    /// turn.
    told_since_turn: u32,
}

/// How many messages a component may tell the host in one call before the
/// connection's writer gets a turn. In a worker process the writer is a
/// task on the same single thread as the component; without turns, a
/// component that posts in a loop would queue everything in the worker's
/// memory (beyond its `max-memory-bytes`) and the host would see none of it,
/// nor apply its limits, until the call returned.
const TURN_EVERY: u32 = 16;

/// `max-messages-per-second`: a message a token.
struct Rate(TokenBucket);

impl Rate {
    fn new(per_second: u32) -> Self {
        Rate(TokenBucket::new(f64::from(per_second)))
    }

    /// Takes one message's token, or says how the rate was exceeded.
    fn take(&mut self) -> Result<(), IpcError> {
        if self.0.take(1.0) {
            return Ok(());
        }
        Err(IpcError::new(
            ErrorCode::LimitExceeded,
            format!(
                "more than {} messages a second (max-messages-per-second)",
                self.0.per_second()
            ),
        ))
    }
}

impl BridgeClient {
    /// Starts the link's reader: replies go to the invoke waiting for them,
    /// everything else to the returned event queue, in order.
    pub(crate) fn start(
        spec: &WorkerSpec,
        link: WorkerEnd,
    ) -> (Self, UnboundedReceiver<HostToWorker>) {
        let WorkerEnd {
            to_host,
            mut from_host,
        } = link;
        let pending: Pending = Arc::default();
        let channels_requested: PendingChannels = Arc::default();
        let reads: PendingReads = Arc::default();
        let http: PendingHttp = Arc::default();
        let (events_tx, events) = unbounded_channel();
        let replies = pending.clone();
        let created = channels_requested.clone();
        let answers = reads.clone();
        let fetched = http.clone();
        let closer = to_host.clone();
        tokio::spawn(async move {
            while let Some(message) = from_host.recv().await {
                match message {
                    HostToWorker::Reply { id, result, ports } => {
                        let waiter = replies.lock().ok().and_then(|mut p| p.remove(&id));
                        let answer = result.map(|b| (b.into_vec(), ports));
                        let unheard = match waiter {
                            Some(waiter) => waiter.reply.send(answer).err(),
                            None => Some(answer),
                        };
                        // Nobody waits any more (timed out): the ports the
                        // reply moved here close rather than stay unheld.
                        if let Some(Ok((_, ports))) = unheard {
                            for port in ports {
                                let _ = closer.send(WorkerToHost::PortClose { port: port.id });
                            }
                        }
                    }
                    HostToWorker::InvokeHeld { id } => {
                        // Only an invoke still waiting is marked: word of one
                        // that ended has nothing to mark.
                        if let Ok(mut pending) = replies.lock()
                            && let Some(waiter) = pending.get_mut(&id)
                        {
                            waiter.held = true;
                        }
                    }
                    HostToWorker::DomAnswer { id, answer } => {
                        let waiter = answers.lock().ok().and_then(|mut r| r.remove(&id));
                        if let Some(waiter) = waiter {
                            let _ = waiter.send(answer);
                        }
                    }
                    HostToWorker::HttpAnswer { id, answer } => {
                        let waiter = fetched.lock().ok().and_then(|mut w| w.remove(&id));
                        if let Some(waiter) = waiter {
                            let _ = waiter.send(answer);
                        }
                    }
                    HostToWorker::ChannelCreated { request, a, b } => {
                        let waiter = created.lock().ok().and_then(|mut p| p.remove(&request));
                        if let Some(waiter) = waiter {
                            let _ = waiter.send((a, b));
                        }
                    }
                    other => {
                        if events_tx.send(other).is_err() {
                            break;
                        }
                    }
                }
            }
            // The host is gone: every waiting invoke fails now, not at its timeout.
            if let Ok(mut waiting) = replies.lock() {
                waiting.clear();
            }
            if let Ok(mut waiting) = created.lock() {
                waiting.clear();
            }
            if let Ok(mut waiting) = answers.lock() {
                waiting.clear();
            }
            if let Ok(mut waiting) = fetched.lock() {
                waiting.clear();
            }
        });
        let client = BridgeClient {
            to_host,
            pending,
            channels_requested,
            reads,
            http,
            next_id: 0,
            channels: spec.channels.clone(),
            limits: spec.limits,
            rate: Rate::new(spec.limits.max_messages_per_second),
            logs_dropped: 0,
            told_since_turn: 0,
        };
        (client, events)
    }

    /// What carries the component's HTTP requests to the host.
    pub(crate) fn http_carrier(&self) -> Arc<dyn crate::http::HttpCarrier> {
        Arc::new(HostCarrier {
            to_host: self.to_host.clone(),
            waiting: self.http.clone(),
            next: std::sync::atomic::AtomicU64::new(1),
            limits: self.limits,
        })
    }

    pub(crate) fn ready(&self) {
        let _ = self.to_host.send(WorkerToHost::Ready);
    }

    /// Sends a message that needs no answer; a gone host is noticed by the
    /// worker's event loop, not here.
    pub(crate) fn tell(&mut self, message: WorkerToHost) {
        let _ = self.queue(message);
    }

    /// Queues a message for the connection's writer; an error when the
    /// host is gone.
    fn queue(&mut self, message: WorkerToHost) -> Result<(), ()> {
        self.told_since_turn = self.told_since_turn.saturating_add(1);
        self.to_host.send(message).map_err(drop)
    }

    /// Gives the connection's writer a turn when the component has told the
    /// host [`TURN_EVERY`] messages since its last one, so that what a long
    /// call posts goes out as it is posted (see [`TURN_EVERY`]).
    pub(crate) async fn let_writer_run(&mut self) {
        if self.told_since_turn >= TURN_EVERY {
            self.told_since_turn = 0;
            tokio::task::yield_now().await;
        }
    }

    pub(crate) fn limits(&self) -> Limits {
        self.limits
    }

    /// Asks the host for a new pair of ports; `None` when the host is gone.
    pub(super) async fn create_channel(&mut self) -> Option<(PortRef, PortRef)> {
        self.next_id += 1;
        let request = self.next_id;
        let (tx, rx) = oneshot::channel();
        if let Ok(mut waiting) = self.channels_requested.lock() {
            waiting.insert(request, tx);
        }
        self.to_host
            .send(WorkerToHost::CreateChannel { request })
            .ok()?;
        let timeout = Duration::from_millis(self.limits.invoke_timeout_ms);
        tokio::time::timeout(timeout, rx).await.ok()?.ok()
    }

    /// Answers the host's invoke or call `id`; `transfer`: the ports a
    /// call's results move.
    pub(crate) fn reply(&self, id: u64, result: Result<ByteBuf, IpcError>, transfer: Vec<u64>) {
        let _ = self.to_host.send(WorkerToHost::Reply {
            id,
            result,
            transfer,
        });
    }

    /// A utility's message to its parent (checked by the caller).
    pub(crate) fn post(&mut self, payload: Vec<u8>, transfer: Vec<u64>) -> Result<(), IpcError> {
        self.queue(WorkerToHost::Post { payload, transfer })
            .map_err(|_| IpcError::target_gone("the parent"))
    }

    /// Sends a guest's log line. A log line has no way to fail: over the
    /// rate it is dropped, and the next line that fits says how many were.
    pub(crate) fn log(&mut self, level: wasmtron_wire::log::Level, message: String) {
        if self.rate.take().is_err() {
            self.logs_dropped += 1;
            return;
        }
        if self.logs_dropped > 0 {
            let dropped = std::mem::take(&mut self.logs_dropped);
            let _ = self.queue(WorkerToHost::Log {
                level: wasmtron_wire::log::Level::Warn,
                message: format!("{dropped} log lines dropped: over max-messages-per-second"),
            });
        }
        let _ = self.queue(WorkerToHost::Log { level, message });
    }

    /// One message's share of `max-messages-per-second` (port messages
    /// count with the rest).
    pub(crate) fn take_rate(&mut self) -> Result<(), IpcError> {
        self.rate.take()
    }

    /// The worker's own check, so a guest gets `denied`, `too-large` or
    /// `limit-exceeded` at once. The host checks again (all but the rate).
    pub(crate) fn check(&mut self, channel: &str, size: usize) -> Result<(), IpcError> {
        if !self.channels.contains(channel) {
            return Err(IpcError::new(
                ErrorCode::Denied,
                format!("this component may not use channel `{channel}`"),
            ));
        }
        if size > self.limits.max_message_bytes {
            return Err(IpcError::too_large(
                "the payload",
                size,
                self.limits.max_message_bytes,
            ));
        }
        self.rate.take()
    }

    pub(crate) async fn invoke(
        &mut self,
        channel: String,
        payload: Vec<u8>,
    ) -> Result<Vec<u8>, IpcError> {
        self.check(&channel, payload.len())?;
        // The host moves no ports with an invoke's reply.
        self.round_trip(|id| WorkerToHost::Invoke {
            id,
            channel,
            payload,
        })
        .await
        .map(|(reply, _)| reply)
    }

    /// A typed call to an app interface the component imports. The host
    /// knows from the manifest who provides it; the worker checks only
    /// what it can say at once (size, rate, replies waiting).
    pub(crate) async fn call(
        &mut self,
        interface: String,
        function: String,
        args: Vec<u8>,
        transfer: Vec<u64>,
    ) -> Answer {
        let refused = if args.len() > self.limits.max_message_bytes {
            Err(IpcError::too_large(
                "the arguments",
                args.len(),
                self.limits.max_message_bytes,
            ))
        } else {
            self.rate.take().and_then(|()| self.room_to_wait())
        };
        if let Err(err) = refused {
            // The ports left the component already: they close, never
            // left held by nobody.
            for port in transfer {
                self.tell(WorkerToHost::PortClose { port });
            }
            return Err(err);
        }
        self.round_trip(|id| WorkerToHost::Call {
            id,
            interface,
            function,
            args,
            transfer,
        })
        .await
    }

    /// Sends what `message` makes of a fresh id and waits for the host's
    /// reply to that id, within `invoke-timeout-ms` (which stands down when
    /// the host says the reply waits on main's user).
    async fn round_trip(&mut self, message: impl FnOnce(u64) -> WorkerToHost) -> Answer {
        self.room_to_wait()?;
        self.next_id += 1;
        let id = self.next_id;
        let (tx, rx) = oneshot::channel();
        if let Ok(mut pending) = self.pending.lock() {
            pending.insert(
                id,
                Waiter {
                    reply: tx,
                    held: false,
                },
            );
        }
        if self.to_host.send(message(id)).is_err() {
            self.forget(id);
            return Err(IpcError::target_gone("the host"));
        }
        let timeout = Duration::from_millis(self.limits.invoke_timeout_ms);
        let mut rx = rx;
        let answer = match tokio::time::timeout(timeout, &mut rx).await {
            Ok(answer) => answer,
            // The host said the reply waits on main's user: its own bound,
            // which leaves that wait out, ends the invoke instead.
            Err(_) if self.is_held(id) => rx.await,
            Err(_) => {
                self.forget(id);
                // The reply came as the time ran out: it is the answer (its
                // ports are the component's). A reply still on its way
                // finds no one and its ports are closed by the reader.
                if let Ok(answer) = rx.try_recv() {
                    return answer;
                }
                return Err(IpcError::new(
                    ErrorCode::Timeout,
                    format!("no reply within {} ms", self.limits.invoke_timeout_ms),
                ));
            }
        };
        answer.unwrap_or_else(|_| Err(IpcError::target_gone("the host")))
    }

    /// Refuses one more invoke or call past `max-pending-invokes`.
    fn room_to_wait(&self) -> Result<(), IpcError> {
        let waiting = self.pending.lock().map_or(0, |p| p.len());
        if waiting >= self.limits.max_pending_invokes {
            return Err(IpcError::new(
                ErrorCode::LimitExceeded,
                format!("{waiting} invokes are waiting for replies (max-pending-invokes)"),
            ));
        }
        Ok(())
    }

    /// Whether the host said invoke `id` waits on main's user.
    fn is_held(&self, id: u64) -> bool {
        self.pending
            .lock()
            .is_ok_and(|pending| pending.get(&id).is_some_and(|waiter| waiter.held))
    }

    pub(crate) fn forget(&self, id: u64) {
        if let Ok(mut pending) = self.pending.lock() {
            pending.remove(&id);
        }
    }

    pub(crate) fn send(
        &mut self,
        channel: String,
        payload: Vec<u8>,
        transfer: Vec<u64>,
    ) -> Result<(), IpcError> {
        self.check(&channel, payload.len())?;
        self.queue(WorkerToHost::Send {
            channel,
            payload,
            transfer,
        })
        .map_err(|_| IpcError::target_gone("the host"))
    }

    /// Sends a DOM operation to the window, giving the writer its turn.
    pub(crate) async fn dom(&mut self, op: DomOp) -> Result<(), wit_dom::DomError> {
        let sent = self.queue_dom(op);
        self.let_writer_run().await;
        sent
    }

    /// Reads the window's page: checked here as a write is, then asked of
    /// the host, which asks the page. Waits at most `invoke-timeout-ms`,
    /// like an invoke (the host gives up at the same bound).
    pub(crate) async fn read(&mut self, read: DomRead) -> ReadAnswer {
        read.check(self.limits.max_message_bytes)?;
        self.next_id += 1;
        let id = self.next_id;
        let (tx, rx) = oneshot::channel();
        if let Ok(mut waiting) = self.reads.lock() {
            waiting.insert(id, tx);
        }
        if self.queue(WorkerToHost::DomRead { id, read }).is_err() {
            self.forget_read(id);
            return Err(DomReadError::WindowGone);
        }
        let timeout = Duration::from_millis(self.limits.invoke_timeout_ms);
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(answer)) => answer,
            // The host is gone, and the window with it.
            Ok(Err(_)) => Err(DomReadError::WindowGone),
            Err(_) => {
                self.forget_read(id);
                Err(DomReadError::NoAnswer(format!(
                    "no answer within {} ms",
                    self.limits.invoke_timeout_ms
                )))
            }
        }
    }

    fn forget_read(&self, id: u64) {
        if let Ok(mut waiting) = self.reads.lock() {
            waiting.remove(&id);
        }
    }

    fn queue_dom(&mut self, op: DomOp) -> Result<(), wit_dom::DomError> {
        op.check(self.limits.max_message_bytes)
            .map_err(|err| match err {
                DomOpError::BadSelector(s) => wit_dom::DomError::BadSelector(s),
                DomOpError::BadName(s) => wit_dom::DomError::BadName(s),
                _ => wit_dom::DomError::TooLarge,
            })?;
        self.queue(WorkerToHost::Dom { op })
            .map_err(|_| wit_dom::DomError::WindowGone)
    }
}

/// Carries a worker's HTTP requests to the host, which makes them: the
/// worker holds no socket.
struct HostCarrier {
    to_host: UnboundedSender<WorkerToHost>,
    waiting: PendingHttp,
    next: std::sync::atomic::AtomicU64,
    limits: Limits,
}

impl crate::http::HttpCarrier for HostCarrier {
    fn carry(&self, request: HttpRequest) -> crate::http::Carried {
        let id = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let waiting = self.waiting.clone();
        let to_host = self.to_host.clone();
        let limits = self.limits;
        Box::pin(async move {
            let (tx, rx) = oneshot::channel();
            // How many may wait is the hooks' count (`HttpHooks`), which
            // every request passes before it gets here.
            waiting
                .lock()
                .map_err(|_| HttpFailure::ConnectionTerminated("the worker is ending".into()))?
                .insert(id, tx);
            let gone = || HttpFailure::ConnectionTerminated("the host is gone".into());
            if to_host.send(WorkerToHost::Http { id, request }).is_err() {
                return Err(gone());
            }
            // The host ends the request at `http-timeout-ms` and says so;
            // a little longer here, so that its answer is the one heard.
            let bound = Duration::from_millis(limits.http_timeout_ms) + Duration::from_secs(1);
            match tokio::time::timeout(bound, rx).await {
                Ok(Ok(answer)) => answer,
                Ok(Err(_)) => Err(gone()),
                Err(_) => {
                    if let Ok(mut pending) = waiting.lock() {
                        pending.remove(&id);
                    }
                    Err(HttpFailure::ResponseTimeout(limits.http_timeout_ms))
                }
            }
        })
    }

    fn refused(&self, what: String) {
        let _ = self.to_host.send(WorkerToHost::Refused { what });
    }
}
