//! The worker side: runs one renderer or utility component, talking to the
//! host only through [`WorkerLink`] messages.
//!
//! In-process isolation runs this on a thread of the host; process
//! isolation runs the same code in a child process ([`process`]), with the
//! link carried over a Unix socket.

mod bridge;
mod link;
mod links;
mod ports;
pub(crate) mod process;
mod run;
mod state;

use std::collections::HashSet;

use wasmtime::component::Component;

pub(crate) use bridge::{ipc_error_to_wit, level_from_wit};
pub(crate) use link::{HostLink, WorkerLink, link_pair};
pub(crate) use ports::port_error_to_wit;
pub(crate) use run::{PreparedWasi, run};

use crate::capabilities::{Grants, World};
use crate::manifest::Limits;

/// What a worker needs to start: which component, as what, with which rights.
#[derive(Clone)]
pub(crate) struct WorkerSpec {
    /// The name used in logs and errors (the window label for renderers,
    /// the instance name for utilities).
    pub name: String,
    pub world: World,
    /// Compiled, and already checked against `world` by the host.
    pub component: Component,
    /// Channels the component may invoke and send on.
    pub channels: HashSet<String>,
    pub limits: Limits,
    pub grants: Grants,
}

impl std::fmt::Debug for WorkerSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkerSpec")
            .field("name", &self.name)
            .field("world", &self.world)
            .finish_non_exhaustive()
    }
}
