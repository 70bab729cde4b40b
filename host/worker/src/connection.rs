//! The two ends of a host ↔ worker connection, as in-process channels. (A
//! "link", elsewhere, is only ever a port's direct socket between two holders.)

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use wasmtron_wire::{HostToWorker, WorkerToHost};

/// The worker's end.
#[derive(Debug)]
pub struct WorkerEnd {
    pub to_host: UnboundedSender<WorkerToHost>,
    pub from_host: UnboundedReceiver<HostToWorker>,
}

/// The host's end.
#[derive(Debug)]
pub struct HostEnd {
    pub to_worker: UnboundedSender<HostToWorker>,
    pub from_worker: UnboundedReceiver<WorkerToHost>,
}

/// A connected pair of ends.
pub fn connection_pair() -> (HostEnd, WorkerEnd) {
    let (to_worker, from_host) = unbounded_channel();
    let (to_host, from_worker) = unbounded_channel();
    (
        HostEnd {
            to_worker,
            from_worker,
        },
        WorkerEnd { to_host, from_host },
    )
}
