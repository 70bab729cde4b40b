//! The two ends of a host ↔ worker connection, as in-process channels.

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use crate::wire::{HostToWorker, WorkerToHost};

/// The worker's end.
#[derive(Debug)]
pub(crate) struct WorkerLink {
    pub to_host: UnboundedSender<WorkerToHost>,
    pub from_host: UnboundedReceiver<HostToWorker>,
}

/// The host's end.
#[derive(Debug)]
pub(crate) struct HostLink {
    pub to_worker: UnboundedSender<HostToWorker>,
    pub from_worker: UnboundedReceiver<WorkerToHost>,
}

/// A connected pair of ends.
pub(crate) fn link_pair() -> (HostLink, WorkerLink) {
    let (to_worker, from_host) = unbounded_channel();
    let (to_host, from_worker) = unbounded_channel();
    (
        HostLink {
            to_worker,
            from_worker,
        },
        WorkerLink { to_host, from_host },
    )
}
