//! The host side of one worker's connection: every message a worker sends is
//! checked here again (a worker is not trusted to have checked it), stamped
//! with the worker's identity and routed.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedReceiver;

use super::{ErrorCode, IpcError, Router, Sender};
use crate::manifest::Limits;
use crate::supervisor::Worker;
use crate::window::WindowBackend;
use crate::wire::{ByteBuf, ExitReason, HostToWorker, WorkerToHost};

/// The longest log line a worker may write; longer ones are cut.
const MAX_LOG_LINE: usize = 16 * 1024;

/// Everything the host knows about the worker on the other end.
pub(crate) struct WorkerPeer {
    pub sender: Sender,
    /// Component name for logs.
    pub name: String,
    pub channels: Arc<HashSet<String>>,
    pub limits: Limits,
    /// For renderers: the window whose page DOM operations go to.
    pub window: Option<(String, Arc<dyn WindowBackend>)>,
    /// For utilities: where `parent-port.post-message` goes.
    pub on_post: Option<Box<dyn Fn(Vec<u8>) + Send + Sync>>,
}

/// Serves one worker until it exits or its connection closes. Returns the
/// reason the worker gave, or `None` when the connection ended without one.
pub(crate) async fn serve_worker(
    peer: WorkerPeer,
    worker: &Arc<Worker>,
    router: Arc<Router>,
    mut from_worker: UnboundedReceiver<WorkerToHost>,
) -> Option<ExitReason> {
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
                let checked = peer.check(&channel, payload.len());
                let router = router.clone();
                let sender = peer.sender.clone();
                let to_worker = worker.clone();
                let limits = peer.limits;
                // Each invoke runs on its own task: a slow handler holds up
                // only this reply, not the worker's other traffic.
                tokio::spawn(async move {
                    let result = match checked {
                        Ok(()) => bounded_invoke(&router, sender, &channel, payload, limits).await,
                        Err(err) => Err(err),
                    };
                    let result = fit_reply(result, limits.max_message_bytes);
                    // The worker may be gone by now; then nobody waits.
                    to_worker.answer(HostToWorker::Reply { id, result });
                });
            }
            WorkerToHost::Send { channel, payload } => {
                let outcome = peer
                    .check(&channel, payload.len())
                    .and_then(|()| router.send(peer.sender.clone(), &channel, payload));
                if let Err(err) = outcome {
                    tracing::warn!(component = %peer.name, %channel, "send dropped: {err}");
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
            WorkerToHost::Output { stream, mut line } => {
                cut_line(&mut line);
                let stream = if stream == "stdout" {
                    "stdout"
                } else {
                    "stderr"
                };
                crate::log::guest_output(&peer.name, stream, &line);
            }
            WorkerToHost::Reply { id, result } => {
                let result = result.map(ByteBuf::into_vec);
                let limit = peer.limits.max_message_bytes;
                let result = match result {
                    Ok(reply) if reply.len() > limit => {
                        Err(IpcError::too_large("the reply", reply.len(), limit))
                    }
                    other => other,
                };
                worker.reply(id, result);
            }
            WorkerToHost::Post { payload } => match &peer.on_post {
                Some(post) if payload.len() <= peer.limits.max_message_bytes => post(payload),
                Some(_) => tracing::warn!(
                    component = %peer.name,
                    "post-message dropped: {}",
                    IpcError::too_large("the payload", payload.len(), peer.limits.max_message_bytes)
                ),
                None => {
                    tracing::warn!(component = %peer.name, "post-message from a worker with no parent port")
                }
            },
            WorkerToHost::Exited { reason } => return Some(reason),
        }
    }
    None
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
async fn bounded_invoke(
    router: &Router,
    sender: Sender,
    channel: &str,
    payload: Vec<u8>,
    limits: Limits,
) -> Result<Vec<u8>, IpcError> {
    let bound = Duration::from_millis(limits.invoke_timeout_ms);
    tokio::time::timeout(bound, router.invoke(sender, channel, payload))
        .await
        .unwrap_or_else(|_| {
            Err(IpcError::new(
                ErrorCode::Timeout,
                format!("no reply within {} ms", limits.invoke_timeout_ms),
            ))
        })
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
    /// The host's own check of a message: the channel is allowed and the
    /// payload fits.
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
