//! The host side of one worker's connection: every message a worker sends is
//! checked here again (a worker is not trusted to have checked it), stamped
//! with the worker's identity and routed.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

use super::{ErrorCode, IpcError, Router, Sender};
use crate::manifest::Limits;
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
}

/// Serves one worker until it exits or its connection closes, and returns
/// why it ended.
pub(crate) async fn serve_worker(
    peer: WorkerPeer,
    router: Arc<Router>,
    mut from_worker: UnboundedReceiver<WorkerToHost>,
    to_worker: UnboundedSender<HostToWorker>,
) -> ExitReason {
    while let Some(message) = from_worker.recv().await {
        match message {
            WorkerToHost::Ready => tracing::debug!(component = %peer.name, "worker ready"),
            WorkerToHost::Invoke {
                id,
                channel,
                payload,
            } => {
                let checked = peer.check(&channel, payload.len());
                let router = router.clone();
                let sender = peer.sender.clone();
                let to_worker = to_worker.clone();
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
                    let _ = to_worker.send(HostToWorker::Reply { id, result });
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
                if message.len() > MAX_LOG_LINE {
                    let mut cut = MAX_LOG_LINE;
                    while !message.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    message.truncate(cut);
                }
                crate::log::guest_log(&peer.name, level, &message);
            }
            WorkerToHost::Exited { reason } => return reason,
        }
    }
    ExitReason::Crashed {
        message: "the worker's connection closed without an exit message".into(),
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
