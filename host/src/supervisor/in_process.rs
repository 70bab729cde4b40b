//! In-process isolation: every worker on a thread of the host, with its own
//! store and its own single-threaded runtime, so a busy renderer holds only
//! its own thread. The Wasm boundary is the only wall.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::{LaunchError, Launched, Transport, WorkerControl};
use crate::wire::HostToWorker;
use wasmtron_worker::{self as worker, WorkerEnd, WorkerSpec, connection_pair};

#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct InProcess;

/// A thread cannot be killed from outside: the host stops talking to it,
/// asks it to stop, interrupts the guest code it may be busy in (at the
/// next CPU-time tick), and treats it as gone.
#[derive(Debug)]
struct ThreadControl {
    to_worker: tokio::sync::mpsc::UnboundedSender<HostToWorker>,
    interrupt: Arc<AtomicBool>,
}

impl WorkerControl for ThreadControl {
    fn kill(&self) {
        self.interrupt.store(true, Ordering::Release);
        let _ = self.to_worker.send(HostToWorker::Stop);
    }
}

impl Transport for InProcess {
    fn launch(
        &self,
        spec: WorkerSpec,
        _runtime: &tokio::runtime::Handle,
    ) -> Result<Launched, LaunchError> {
        let (host, worker_end): (_, WorkerEnd) = connection_pair();
        let name = spec.name.clone();
        let interrupt = Arc::new(AtomicBool::new(false));
        let interrupted = interrupt.clone();
        std::thread::Builder::new()
            .name(format!("wasmtron-{}-{}", spec.world, spec.name))
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                match runtime {
                    Ok(runtime) => {
                        runtime.block_on(worker::run(spec, worker_end, None, interrupted));
                    }
                    Err(err) => tracing::error!("cannot start a worker runtime: {err}"),
                }
            })
            .map_err(|err| LaunchError::Spawn {
                name,
                reason: err.to_string(),
            })?;
        let control = Box::new(ThreadControl {
            to_worker: host.to_worker.clone(),
            interrupt,
        });
        Ok(Launched {
            link: host,
            pid: None,
            control,
            os_exit: None,
        })
    }
}
