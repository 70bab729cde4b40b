//! wasmtron's worker side: runs one renderer or utility component, talking
//! to the host only through [`WorkerEnd`] messages, under the OS sandbox.
//!
//! In-process isolation runs [`run`] on a thread of the host; process
//! isolation runs the same code in a child process (the `wasmtron-worker`
//! program, see [`worker_main`]), with the connection carried over a Unix
//! socket in the formats of `wasmtron-wire`.
//!
//! This crate's wasmtime has no compiler: the host compiles each component
//! and the worker only loads the result ([`engine`]).

#[cfg(not(target_os = "linux"))]
compile_error!("wasmtron's worker sandbox uses seccomp and Landlock: Linux only for now");

mod bridge;
mod bucket;
mod client;
mod connection;
mod held;
mod links;
mod ports;
mod process;
mod run;
mod state;

pub mod bindings;
pub mod convert;
pub mod counted;
pub mod engine;
pub mod http;
pub mod memory;
pub mod message_port;
pub mod sandbox;
pub mod typed;
pub mod wasi;

use std::collections::HashSet;

use wasmtime::component::Component;

pub use connection::{HostEnd, WorkerEnd, connection_pair};
pub use held::HeldPorts;
pub use process::{SandboxProbe, WORKER_ROLE, started_as_worker};
pub use run::{PreparedWasi, run};
pub use state::MemoryCap;

use wasmtron_wire::{Grants, Limits, World};

/// What a worker needs to start: which component, as what, with which rights.
#[derive(Clone)]
pub struct WorkerSpec {
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

/// Runs this process as a worker if the host started it as one, and
/// returns the exit code to end with; returns `None` in every other case.
///
/// With process isolation the host starts each renderer and utility by
/// running a worker program (`wasmtron-worker`, or its own program again)
/// with a hidden argument. Any program that embeds the host and uses
/// process isolation calls this first thing:
///
/// ```no_run
/// fn main() -> std::process::ExitCode {
///     if let Some(code) = wasmtron_worker::worker_main() {
///         return code;
///     }
///     // ... start the app
///     std::process::ExitCode::SUCCESS
/// }
/// ```
pub fn worker_main() -> Option<std::process::ExitCode> {
    process::main_if_worker(None)
}

/// [`worker_main`] with a native probe that runs inside the worker after
/// the OS sandbox is in place and before any guest code. For tests of the
/// sandbox only (feature `test-probe`); an app has no use for it.
#[cfg(feature = "test-probe")]
#[doc(hidden)]
pub fn worker_main_with_probe(probe: SandboxProbe) -> Option<std::process::ExitCode> {
    process::main_if_worker(Some(probe))
}
