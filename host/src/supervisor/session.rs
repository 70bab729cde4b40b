//! The host side of one worker's connection: every message a worker sends is
//! checked here again (a worker is not trusted to have checked it), stamped
//! with the worker's identity and routed.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::task::Poll;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedReceiver;

use super::Worker;
use crate::ipc::{CallReply, ErrorCode, IpcError, OutCall, Router, Sender};
use crate::mailbox::Queued;
use crate::manifest::Limits;
use crate::ports::{Carried, Holder, PortError, PortHub, PortRef};
use crate::window::WindowBackend;
use crate::wire::{ByteBuf, DomRead, DomReadError, ExitReason, HostToWorker, WorkerToHost};

/// The longest log line a worker may write; longer ones are cut.
const MAX_LOG_LINE: usize = 16 * 1024;

/// Where a utility's posts to its parent go: payload and moved ports.
pub(crate) type PostHook = Box<dyn Fn(Vec<u8>, Vec<PortRef>, Option<Queued>) + Send + Sync>;

/// Where a worker's guest output goes instead of the log: `(stream, line)`.
pub(crate) type OutputHook = Box<dyn Fn(&str, String) + Send + Sync>;

/// Everything the host knows about the worker on the other end.
pub(crate) struct WorkerPeer {
    pub sender: Sender,
    /// Component name for logs.
    pub name: String,
    pub channels: Arc<HashSet<String>>,
    pub limits: Limits,
    /// For renderers: the window whose page DOM operations go to.
    pub window: Option<(String, Arc<dyn WindowBackend>)>,
    /// For utilities: where `parent-port.post-message` goes, with the
    /// ports it moved to main.
    pub on_post: Option<PostHook>,
    /// Where guest output goes; `None` for the host's log.
    pub on_output: Option<OutputHook>,
    /// The worker as a port holder (set by the supervisor at launch).
    pub holder: Holder,
    pub ports: Arc<PortHub>,
    /// The origins its HTTP requests may go to (`allowed-hosts`), checked
    /// again here whatever the worker says.
    pub allowed_hosts: Arc<[wasmtron_wire::http::Origin]>,
}

/// The HTTP requests the host is making for one worker: ended with its
/// session, so that a worker that is gone leaves no request running.
#[derive(Default)]
struct Requests(Vec<tokio::task::AbortHandle>);

impl Requests {
    fn add(&mut self, task: tokio::task::AbortHandle) {
        self.0.retain(|task| !task.is_finished());
        self.0.push(task);
    }
}

impl Drop for Requests {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

/// Serves one worker until it exits or its connection closes. Returns the
/// reason the worker gave, or `None` when the connection ended without one.
pub(crate) async fn serve_worker(
    peer: WorkerPeer,
    worker: &Arc<Worker>,
    router: Arc<Router>,
    mut from_worker: UnboundedReceiver<WorkerToHost>,
) -> Option<ExitReason> {
    // The worker's messages waiting in main's mailbox, and its invokes
    // waiting for replies: both bounded by its limits.
    let queued = Arc::new(AtomicUsize::new(0));
    let pending = Arc::new(AtomicUsize::new(0));
    let mut requests = Requests::default();
    while let Some(message) = from_worker.recv().await {
        match message {
            WorkerToHost::Ready => {
                worker.mark_running();
                tracing::debug!(component = %peer.name, "worker ready");
            }
            WorkerToHost::Invoke {
                id,
                channel,
                payload,
            } => {
                let checked = peer
                    .check(&channel, payload.len())
                    .and_then(|()| peer.tickets(&pending, &queued));
                let router = router.clone();
                let sender = peer.sender.clone();
                let to_worker = worker.clone();
                let limits = peer.limits;
                let what = format!("the handler of `{channel}`");
                let invoke = async move {
                    let (_waiting, ticket) = checked?;
                    let held = || to_worker.answer(HostToWorker::InvokeHeld { id });
                    bounded_invoke(&router, sender, &channel, payload, limits, ticket, held)
                        .await
                        .map(|bytes| CallReply {
                            bytes,
                            ports: Vec::new(),
                            carried: Carried::default(),
                        })
                };
                answer(worker, &peer, id, what, invoke).await;
            }
            WorkerToHost::Call {
                id,
                interface,
                function,
                args,
                transfer,
            } => {
                // A call waits in main's mailbox only when main provides.
                let to_main = router
                    .calls()
                    .is_some_and(|calls| calls.goes_to_main(&peer.sender, &interface));
                let checked = if args.len() > peer.limits.max_message_bytes {
                    Err(IpcError::too_large(
                        "the arguments",
                        args.len(),
                        peer.limits.max_message_bytes,
                    ))
                } else if to_main {
                    peer.tickets(&pending, &queued)
                        .map(|(waiting, ticket)| (waiting, Some(ticket)))
                } else {
                    Queued::take(&pending, peer.limits.max_pending_invokes)
                        .map(|waiting| (waiting, None))
                        .ok_or_else(|| peer.over_pending())
                };
                if checked.is_err() {
                    // The ports it moved close rather than leak.
                    for port in &transfer {
                        peer.ports.close(peer.holder, *port);
                    }
                }
                let router = router.clone();
                let to_worker = worker.clone();
                let limits = peer.limits;
                let what = format!("the provider of `{interface}.{function}`");
                let out = OutCall {
                    caller: peer.sender.clone(),
                    holder: peer.holder,
                    interface,
                    function,
                    args,
                    transfer,
                };
                let call = async move {
                    let (_waiting, ticket) = checked?;
                    let held = || to_worker.answer(HostToWorker::InvokeHeld { id });
                    bounded_call(&router, out, to_main, limits, ticket, held).await
                };
                answer(worker, &peer, id, what, call).await;
            }
            WorkerToHost::Send {
                channel,
                payload,
                transfer,
            } => {
                let Some(ticket) = Queued::take(&queued, peer.limits.max_queued_messages) else {
                    return Some(peer.flooded(worker));
                };
                let outcome = match peer.check(&channel, payload.len()) {
                    Err(err) => {
                        // Ports in a refused message close rather than leak.
                        for port in &transfer {
                            peer.ports.close(peer.holder, *port);
                        }
                        Err(err)
                    }
                    Ok(()) => peer.take_to_main(&transfer).and_then(|(ports, carried)| {
                        let ids: Vec<u64> = ports.iter().map(|p| p.id).collect();
                        let sent = router.send_with_ports(
                            peer.sender.clone(),
                            &channel,
                            payload,
                            ports,
                            Some(ticket),
                        );
                        peer.ports.flush(carried);
                        if sent.is_err() {
                            for port in ids {
                                peer.ports.close(Holder::Main, port);
                            }
                        }
                        sent
                    }),
                };
                if let Err(err) = outcome {
                    tracing::warn!(component = %peer.name, %channel, "send dropped: {err}");
                }
            }
            WorkerToHost::PortPost {
                port,
                data,
                transfer,
                marked,
            } => {
                // Main reads its ports in its own time; a worker that keeps
                // posting to one past its queue is ended, as for sends.
                if peer
                    .ports
                    .waiting_for_main(port)
                    .is_some_and(|waiting| waiting >= peer.limits.max_queued_messages)
                {
                    return Some(peer.flooded_port(worker, port));
                }
                let limit = peer.limits.max_message_bytes;
                let posted = PortError::check_size(data.len(), limit)
                    .and_then(|()| peer.ports.post(peer.holder, port, data, &transfer, marked));
                if let Err(err) = posted {
                    // The worker checks what it can; what it could not know
                    // (a peer that just closed) or lied about ends here.
                    tracing::debug!(component = %peer.name, port, "port message dropped: {err}");
                    for port in transfer {
                        peer.ports.close(peer.holder, port);
                    }
                }
            }
            WorkerToHost::PortClose { port } => peer.ports.close(peer.holder, port),
            WorkerToHost::PortRequeue {
                port,
                data,
                ports,
                marked,
            } => {
                peer.ports.requeue(peer.holder, port, data, ports, marked);
            }
            WorkerToHost::PortLinked { port } => peer.ports.link_taken(peer.holder, port),
            WorkerToHost::LinkHandover { port, fd, state } => match fd.take() {
                Some(fd) => {
                    let handover = crate::ports::Handover { fd, state };
                    peer.ports.link_handed_over(peer.holder, port, handover);
                }
                None => {
                    tracing::warn!(component = %peer.name, port, "a link handed over without its socket")
                }
            },
            WorkerToHost::LinkReadyRequeue { port } => peer.ports.ready_requeued(peer.holder, port),
            WorkerToHost::CreateChannel { request } => {
                let (a, b) = peer.ports.table.create(peer.holder);
                worker.answer(HostToWorker::ChannelCreated { request, a, b });
            }
            WorkerToHost::DomRead { id, read } => peer.read_page(worker, id, read),
            WorkerToHost::Http { id, request } => {
                if let Some(task) = peer.fetch(worker, id, request, &pending) {
                    requests.add(task);
                }
            }
            WorkerToHost::Dom { op } => match &peer.window {
                Some((label, backend)) => backend.apply(label, op),
                None => {
                    tracing::warn!(component = %peer.name, "DOM operation from a worker with no window")
                }
            },
            WorkerToHost::Log { level, mut message } => {
                cut_line(&mut message);
                crate::log::guest_log(&peer.name, level, &message);
            }
            WorkerToHost::Refused { mut what } => {
                cut_line(&mut what);
                wasmtron_wire::log::refused(&peer.name, &what);
            }
            WorkerToHost::Output { stream, mut line } => {
                cut_line(&mut line);
                let stream = if stream == "stdout" {
                    "stdout"
                } else {
                    "stderr"
                };
                match &peer.on_output {
                    Some(route) => route(stream, line),
                    None => crate::log::guest_output(&peer.name, stream, &line),
                }
            }
            WorkerToHost::Reply {
                id,
                result,
                transfer,
            } => {
                let limit = peer.limits.max_message_bytes;
                let result = match result.map(ByteBuf::into_vec) {
                    Ok(reply) if reply.len() > limit => {
                        for port in &transfer {
                            peer.ports.close(peer.holder, *port);
                        }
                        Err(IpcError::too_large("the reply", reply.len(), limit))
                    }
                    Ok(reply) => Ok((reply, transfer)),
                    Err(err) => Err(err),
                };
                // Nobody waits for it (late, or forged): its ports close.
                if let Err(Ok((_, ports))) = worker.reply(id, result) {
                    for port in ports {
                        peer.ports.close(peer.holder, port);
                    }
                }
            }
            WorkerToHost::Post { payload, transfer } => {
                let Some(ticket) = Queued::take(&queued, peer.limits.max_queued_messages) else {
                    return Some(peer.flooded(worker));
                };
                let outcome = match &peer.on_post {
                    Some(_) if payload.len() > peer.limits.max_message_bytes => {
                        Err(IpcError::too_large(
                            "the payload",
                            payload.len(),
                            peer.limits.max_message_bytes,
                        ))
                    }
                    Some(post) => peer.take_to_main(&transfer).map(|(ports, carried)| {
                        post(payload, ports, Some(ticket));
                        peer.ports.flush(carried);
                    }),
                    None => Err(IpcError::new(
                        ErrorCode::Denied,
                        "post-message from a worker with no parent port",
                    )),
                };
                if let Err(err) = outcome {
                    tracing::warn!(component = %peer.name, "post-message dropped: {err}");
                }
            }
            WorkerToHost::Exited { reason } => return Some(reason),
        }
    }
    None
}

/// Answers the worker's invoke or call `id` with what `reply` brings:
/// its bytes, and the ports a call's results move to the worker (what
/// travels with them follows the reply). A reply that comes at once (a
/// native handler, or a refusal) is sent here, without a hop to another
/// task and thread; any other goes on with a task of its own, so that a
/// slow handler holds up only its reply, not the worker's other traffic. A
/// native handler that panics fails its invoke; the connection goes on
/// serving the worker.
async fn answer(
    worker: &Arc<Worker>,
    peer: &WorkerPeer,
    id: u64,
    what: String,
    reply: impl Future<Output = Result<CallReply, IpcError>> + Send + 'static,
) {
    let to_worker = worker.clone();
    let (hub, holder, limit) = (
        peer.ports.clone(),
        peer.holder,
        peer.limits.max_message_bytes,
    );
    let mut reply = Box::pin(async move {
        let (result, ports, carried) = match reply.await {
            Ok(reply) if reply.bytes.len() > limit => {
                for port in &reply.ports {
                    hub.close(holder, port.id);
                }
                let err = IpcError::too_large("the reply", reply.bytes.len(), limit);
                (Err(err), Vec::new(), Carried::default())
            }
            Ok(reply) => (Ok(reply.bytes), reply.ports, reply.carried),
            Err(err) => (Err(err), Vec::new(), Carried::default()),
        };
        let result = fit_reply(result, limit);
        let moved: Vec<u64> = ports.iter().map(|p| p.id).collect();
        // The worker may be gone by now; then nobody waits.
        to_worker.answer(HostToWorker::Reply { id, result, ports });
        hub.flush(carried);
        // Gone before the ports reached it (its holder's ports were closed
        // already): these close too.
        if to_worker.state() == crate::supervisor::ProcessState::Exited {
            for port in moved {
                hub.close(holder, port);
            }
        }
    });
    let first = std::future::poll_fn(|cx| {
        Poll::Ready(std::panic::catch_unwind(std::panic::AssertUnwindSafe(
            || reply.as_mut().poll(cx),
        )))
    })
    .await;
    match first {
        Ok(Poll::Ready(())) => {}
        Ok(Poll::Pending) => {
            tokio::spawn(reply);
        }
        Err(_) => {
            tracing::error!("{what} panicked");
            let result = Err(IpcError::new(
                ErrorCode::HandlerFailed,
                format!("{what} panicked"),
            ));
            worker.answer(HostToWorker::Reply {
                id,
                result,
                ports: Vec::new(),
            });
        }
    }
}

/// The host's own bound on a typed call, as [`bounded_invoke`] is on an
/// invoke: the caller's `invoke-timeout-ms`, leaving out time main spends
/// waiting on its user when main is the provider.
async fn bounded_call(
    router: &Router,
    call: OutCall,
    to_main: bool,
    limits: Limits,
    queued: Option<Queued>,
    held: impl FnOnce(),
) -> Result<CallReply, IpcError> {
    let Some(calls) = router.calls() else {
        return Err(IpcError::target_gone("the app"));
    };
    let bound = Duration::from_millis(limits.invoke_timeout_ms);
    let running = calls.call(call, queued);
    let timed_out = || {
        Err(IpcError::new(
            ErrorCode::Timeout,
            format!("no reply within {} ms", limits.invoke_timeout_ms),
        ))
    };
    if !to_main {
        return tokio::time::timeout(bound, running)
            .await
            .unwrap_or_else(|_| timed_out());
    }
    crate::ipc::within(bound, router.user_waits().watch(), running, held)
        .await
        .unwrap_or_else(timed_out)
}

/// Cuts a log line from a worker to [`MAX_LOG_LINE`] bytes.
fn cut_line(line: &mut String) {
    if line.len() > MAX_LOG_LINE {
        let mut cut = MAX_LOG_LINE;
        while !line.is_char_boundary(cut) {
            cut -= 1;
        }
        line.truncate(cut);
    }
}

/// The host's own bound on an invoke: the worker's timer is not trusted to
/// fire, and a task must not wait forever on a handler that never answers.
/// Time main spends waiting on its user does not count; `held` tells the
/// worker when such a wait begins, so that its own timer stands down too.
async fn bounded_invoke(
    router: &Router,
    sender: Sender,
    channel: &str,
    payload: Vec<u8>,
    limits: Limits,
    queued: Queued,
    held: impl FnOnce(),
) -> Result<Vec<u8>, IpcError> {
    let bound = Duration::from_millis(limits.invoke_timeout_ms);
    let invoke = router.invoke_queued(sender, channel, payload, Some(queued));
    let timed_out = || {
        Err(IpcError::new(
            ErrorCode::Timeout,
            format!("no reply within {} ms", limits.invoke_timeout_ms),
        ))
    };
    if !router.goes_to_main(channel) {
        return tokio::time::timeout(bound, invoke)
            .await
            .unwrap_or_else(|_| timed_out());
    }
    crate::ipc::within(bound, router.user_waits().watch(), invoke, held)
        .await
        .unwrap_or_else(timed_out)
}

/// Replies, and the data of failed ones, obey the message limit too.
fn fit_reply(result: Result<Vec<u8>, IpcError>, limit: usize) -> Result<ByteBuf, IpcError> {
    match result {
        Ok(reply) if reply.len() > limit => {
            Err(IpcError::too_large("the reply", reply.len(), limit))
        }
        Ok(reply) => Ok(ByteBuf::from(reply)),
        Err(err) => match &err.data {
            Some(data) if data.len() > limit => Err(IpcError::too_large(
                "the handler's error data",
                data.len(),
                limit,
            )),
            _ => Err(err),
        },
    }
}

impl WorkerPeer {
    /// Makes a worker's HTTP request ([`crate::http::fetch`], which checks
    /// it against the component's allowed hosts) and answers it; at most
    /// `max-pending-invokes` of its requests and invokes wait at once. The
    /// task making it, if one was started.
    fn fetch(
        &self,
        worker: &Arc<Worker>,
        id: u64,
        request: wasmtron_wire::http::HttpRequest,
        pending: &Arc<AtomicUsize>,
    ) -> Option<tokio::task::AbortHandle> {
        let Some(ticket) = Queued::take(pending, self.limits.max_pending_invokes) else {
            let waiting = self.limits.max_pending_invokes;
            let answer = Err(wasmtron_wire::http::HttpFailure::TooMany(waiting));
            worker.answer(HostToWorker::HttpAnswer { id, answer });
            return None;
        };
        let (name, allowed, limits) = (self.name.clone(), self.allowed_hosts.clone(), self.limits);
        let to_worker = worker.clone();
        let task = tokio::spawn(async move {
            let answer = crate::http::fetch(&name, request, &allowed, limits).await;
            drop(ticket);
            to_worker.answer(HostToWorker::HttpAnswer { id, answer });
        });
        Some(task.abort_handle())
    }

    /// Asks the window's page for a renderer's read, checked again here,
    /// and answers the worker when the page does, within
    /// `invoke-timeout-ms` (a page that never answers holds nothing).
    fn read_page(&self, worker: &Arc<Worker>, id: u64, read: DomRead) {
        let limit = self.limits.max_message_bytes;
        let window = match (&self.window, read.check(limit)) {
            (Some(window), Ok(())) => window,
            (None, _) => {
                tracing::warn!(component = %self.name, "DOM read from a worker with no window");
                let answer = Err(DomReadError::WindowGone);
                worker.answer(HostToWorker::DomAnswer { id, answer });
                return;
            }
            (Some(_), Err(err)) => {
                tracing::warn!(component = %self.name, "DOM read refused: {err}");
                worker.answer(HostToWorker::DomAnswer {
                    id,
                    answer: Err(err),
                });
                return;
            }
        };
        let (label, backend) = window;
        let (tx, rx) = tokio::sync::oneshot::channel();
        backend.read(label, read, limit, tx);
        let to_worker = worker.clone();
        let bound_ms = self.limits.invoke_timeout_ms;
        let answered = async move {
            let answer = match tokio::time::timeout(Duration::from_millis(bound_ms), rx).await {
                Ok(Ok(answer)) => answer.and_then(|found| match found.size() {
                    size if size > limit => Err(DomReadError::TooLarge(size)),
                    _ => Ok(found),
                }),
                Ok(Err(_)) => Err(DomReadError::WindowGone),
                Err(_) => Err(DomReadError::NoAnswer(format!(
                    "the page gave no answer within {bound_ms} ms"
                ))),
            };
            to_worker.answer(HostToWorker::DomAnswer { id, answer });
        };
        tokio::spawn(answered);
    }

    fn over_pending(&self) -> IpcError {
        IpcError::new(
            ErrorCode::LimitExceeded,
            format!(
                "{} has {} invokes waiting for replies (max-pending-invokes)",
                self.sender, self.limits.max_pending_invokes
            ),
        )
    }

    fn over_queue(&self) -> IpcError {
        IpcError::new(
            ErrorCode::LimitExceeded,
            format!(
                "{} has {} messages waiting for main (max-queued-messages)",
                self.sender, self.limits.max_queued_messages
            ),
        )
    }

    /// Ends a worker that posted on a port more than main's queue may hold
    /// for it: like a send, a post has no way to fail back.
    fn flooded_port(&self, worker: &Arc<Worker>, port: u64) -> ExitReason {
        let reason = ExitReason::LimitExceeded {
            message: format!(
                "{} has {} messages waiting for main on port {port} (max-queued-messages)",
                self.sender, self.limits.max_queued_messages
            ),
        };
        tracing::warn!(component = %self.name, "ending the worker: {reason}");
        worker.end_for(reason.clone());
        reason
    }

    /// Ends a worker that sent more than main's queue may hold for it: a
    /// message with no reply has no way to fail back, and dropping it would
    /// lose it silently.
    fn flooded(&self, worker: &Arc<Worker>) -> ExitReason {
        let reason = ExitReason::LimitExceeded {
            message: self.over_queue().message,
        };
        tracing::warn!(component = %self.name, "ending the worker: {reason}");
        worker.end_for(reason.clone());
        reason
    }

    /// Moves ports the worker sent along with a message to main.
    fn take_to_main(&self, transfer: &[u64]) -> Result<(Vec<PortRef>, Carried), IpcError> {
        if transfer.is_empty() {
            return Ok((Vec::new(), Carried::default()));
        }
        self.ports
            .transfer(self.holder, transfer, Holder::Main)
            .map_err(|err| {
                for port in transfer {
                    self.ports.close(self.holder, *port);
                }
                IpcError::new(ErrorCode::Denied, err.to_string())
            })
    }

    /// The host's own check of a message: the channel is allowed and the
    /// payload fits.
    /// The tickets an invoke or call holds: a place among the worker's
    /// invokes waiting for replies, and one in main's mailbox.
    fn tickets(
        &self,
        pending: &Arc<AtomicUsize>,
        queued: &Arc<AtomicUsize>,
    ) -> Result<(Queued, Queued), IpcError> {
        let waiting = Queued::take(pending, self.limits.max_pending_invokes)
            .ok_or_else(|| self.over_pending())?;
        let ticket = Queued::take(queued, self.limits.max_queued_messages)
            .ok_or_else(|| self.over_queue())?;
        Ok((waiting, ticket))
    }

    fn check(&self, channel: &str, size: usize) -> Result<(), IpcError> {
        if !self.channels.contains(channel) {
            return Err(IpcError::new(
                ErrorCode::Denied,
                format!("{} may not use channel `{channel}`", self.sender),
            ));
        }
        let limit = self.limits.max_message_bytes;
        if size > limit {
            return Err(IpcError::too_large("the payload", size, limit));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{MAX_LOG_LINE, cut_line};

    #[test]
    fn a_worker_log_line_over_16_kib_is_cut_to_16_kib() {
        assert_eq!(MAX_LOG_LINE, 16 * 1024);
        let mut line = "x".repeat(MAX_LOG_LINE + 100);
        cut_line(&mut line);
        assert_eq!(line.len(), MAX_LOG_LINE);
        assert!(line.bytes().all(|b| b == b'x'));
    }

    #[test]
    fn a_worker_log_line_is_cut_between_characters_never_inside_one() {
        // 2-, 3- and 4-byte characters after 0 to 3 ASCII bytes: the limit
        // falls at every offset into a character, and the line must stop
        // before that character, not in it (nor a whole character early).
        let mut straddled = 0;
        for wide in ['é', '€', '🦀'] {
            for pad in 0..4 {
                let original = format!(
                    "{}{}",
                    "a".repeat(pad),
                    wide.to_string().repeat(MAX_LOG_LINE / wide.len_utf8() + 1)
                );
                if !original.is_char_boundary(MAX_LOG_LINE) {
                    straddled += 1;
                }
                let mut line = original.clone();
                cut_line(&mut line);
                assert!(
                    line.len() <= MAX_LOG_LINE && line.len() > MAX_LOG_LINE - wide.len_utf8(),
                    "{wide:?} after {pad}: {} bytes",
                    line.len()
                );
                assert!(original.starts_with(&line), "{wide:?} after {pad}");
                assert!(line.ends_with(wide), "{wide:?} after {pad}");
            }
        }
        assert!(
            straddled >= 6,
            "only {straddled} cases put the limit inside a character"
        );
    }

    #[test]
    fn a_worker_log_line_of_16_kib_or_less_is_left_alone() {
        for line in [
            String::new(),
            "short line".to_owned(),
            "é".repeat(MAX_LOG_LINE / 2),
            "y".repeat(MAX_LOG_LINE),
        ] {
            let mut cut = line.clone();
            cut_line(&mut cut);
            assert_eq!(cut, line);
        }
    }
}
