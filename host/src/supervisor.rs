//! Starting workers. The [`Transport`] decides where a worker runs; the host
//! talks to it through a [`HostLink`] either way, so the isolation mode never
//! shows in the WIT, the SDK or the IPC code.

use std::fmt;

use crate::engine::Engine;
use crate::worker::{self, HostLink, WorkerSpec, link_pair};

/// Why a worker could not be started.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum LaunchError {
    #[error("cannot start worker `{name}`: {reason}")]
    Spawn { name: String, reason: String },
}

/// Where workers run.
pub(crate) trait Transport: Send + Sync + fmt::Debug + 'static {
    /// Starts a worker for `spec` and returns the host's end of its link.
    /// Loading the component happens in the worker; failures there arrive
    /// as an `Exited { launch-failed }` message.
    ///
    /// # Errors
    /// [`LaunchError`] when the worker itself cannot be started.
    fn launch(&self, engine: &Engine, spec: WorkerSpec) -> Result<HostLink, LaunchError>;
}

/// Every worker on its own thread of the host process, with its own store
/// and its own single-threaded runtime: a busy renderer holds only its own
/// thread.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct InProcess;

impl Transport for InProcess {
    fn launch(&self, engine: &Engine, spec: WorkerSpec) -> Result<HostLink, LaunchError> {
        let (host, worker_end) = link_pair();
        let engine = engine.clone();
        let name = spec.name.clone();
        let spawn_error = |reason: String| LaunchError::Spawn {
            name: name.clone(),
            reason,
        };
        std::thread::Builder::new()
            .name(format!("wasmtron-{}-{}", spec.world, spec.name))
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                match runtime {
                    Ok(runtime) => {
                        runtime.block_on(worker::run(engine, spec, worker_end));
                    }
                    Err(err) => tracing::error!("cannot start a worker runtime: {err}"),
                }
            })
            .map_err(|err| spawn_error(err.to_string()))?;
        Ok(host)
    }
}
