//! Starting, watching and ending workers.
//!
//! A [`Transport`] decides where a worker runs: on a thread of the host
//! ([`InProcess`]) or in a child process of its own ([`Process`]). Either
//! way the host holds a [`Worker`]: its lifecycle state, the way to post and
//! invoke, and the way to kill it. When a worker ends, for any reason, its
//! pending invokes fail with `target-gone` at once and the supervisor's
//! owner hears a [`WorkerExit`] with the reason.

mod in_process;
pub(crate) mod metrics;
mod process;
mod session;

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::oneshot;

pub(crate) use in_process::InProcess;
pub(crate) use process::Process;

pub use crate::lifecycle::{ProcessKind, WorkerExit};

use crate::ipc::{IpcError, Router};
use crate::manifest::Limits;
use crate::wire::{ExitReason, HostToWorker};
use session::serve_worker;
pub(crate) use session::{OutputHook, WorkerPeer};
use wasmtron_worker::{HostEnd, WorkerSpec};

/// Where a worker is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProcessState {
    /// Started; the component is loading.
    Creating,
    /// The component is instantiated and taking events.
    Running,
    /// Asked to stop or killed; not yet reaped.
    Exiting,
    /// Gone.
    Exited,
}

impl ProcessState {
    /// The WIT name.
    pub fn as_str(self) -> &'static str {
        match self {
            ProcessState::Creating => "creating",
            ProcessState::Running => "running",
            ProcessState::Exiting => "exiting",
            ProcessState::Exited => "exited",
        }
    }
}

/// One row of [`App::metrics`](crate::App::metrics), read from the OS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessMetric {
    pub pid: u32,
    pub kind: ProcessKind,
    /// The window label, utility instance name, or app name for the host.
    pub name: String,
    pub state: ProcessState,
    /// User plus system CPU time.
    pub cpu_time: Duration,
    pub resident_bytes: u64,
}

/// Why a worker could not be started.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum LaunchError {
    #[error("cannot start worker `{name}`: {reason}")]
    Spawn { name: String, reason: String },
}

/// How the OS ended a worker process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OsExit {
    Code(i32),
    Signal(i32),
}

/// The host's account of a worker process's end: what the OS said, and
/// whether the host itself dropped the worker for breaking the protocol.
/// Nothing here comes from the worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ProcessEnd {
    pub exit: OsExit,
    pub dropped: Option<String>,
}

/// How long a worker asked to stop may take before it is killed, and how
/// long a worker whose connection ended may take to exit.
pub(crate) const STOP_GRACE: Duration = Duration::from_secs(2);

/// Control over a started worker that does not go through its link.
pub(crate) trait WorkerControl: Send + Sync + fmt::Debug {
    /// Ends the worker now (SIGKILL for a process).
    fn kill(&self);
}

/// A started worker, as its transport hands it over.
pub(crate) struct Launched {
    pub link: HostEnd,
    /// The worker's process id, when it has its own process.
    pub pid: Option<u32>,
    pub control: Box<dyn WorkerControl>,
    /// Fires with the host's account of the exit, for worker processes.
    pub os_exit: Option<oneshot::Receiver<ProcessEnd>>,
}

/// Where workers run.
pub(crate) trait Transport: Send + Sync + fmt::Debug + 'static {
    /// Starts a worker for `spec`. Instantiating the component happens in
    /// the worker; a failure there arrives as an `Exited { launch-failed }`
    /// message.
    ///
    /// # Errors
    /// [`LaunchError`] when the worker itself cannot be started.
    fn launch(
        &self,
        spec: WorkerSpec,
        runtime: &tokio::runtime::Handle,
    ) -> Result<Launched, LaunchError>;
}

/// Host → worker invokes waiting for their reply, by id.
/// A worker's answer to the host's invoke or call: the reply's bytes and
/// the ports a call's results move (held by the worker until the host
/// moves them on), or why there is none.
pub(crate) type WorkerAnswer = Result<(Vec<u8>, Vec<crate::ports::PortId>), IpcError>;
type WaiterMap = HashMap<u64, oneshot::Sender<WorkerAnswer>>;
type Waiters = Mutex<WaiterMap>;

/// The host's handle on one worker.
#[derive(Debug)]
pub(crate) struct Worker {
    pub id: u64,
    pub kind: ProcessKind,
    pub name: String,
    pub pid: Option<u32>,
    limits: Limits,
    state: Mutex<ProcessState>,
    to_worker: UnboundedSender<HostToWorker>,
    /// Host → worker invokes waiting for their reply.
    waiters: Waiters,
    next_invoke: AtomicU64,
    control: Box<dyn WorkerControl>,
    /// Set when the host killed the worker: an in-process worker can only
    /// be asked to stop, and still counts as killed.
    killed: std::sync::atomic::AtomicBool,
    /// Ends the host's side of the connection at once on a kill, so that
    /// waiting invokes fail now even if the worker (a thread, in-process)
    /// cannot be stopped.
    kill_signal: tokio::sync::Notify,
    /// Set once the host stopped serving the connection: the worker is
    /// ending by itself and a kill would only blur its reason.
    serving_done: std::sync::atomic::AtomicBool,
    /// The reason the host ended the worker for, when it did
    /// ([`Worker::end_for`]): it wins over what the worker or the OS says.
    imposed: Mutex<Option<ExitReason>>,
    runtime: tokio::runtime::Handle,
}

impl Worker {
    fn lock_state(&self) -> MutexGuard<'_, ProcessState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn state(&self) -> ProcessState {
        *self.lock_state()
    }

    fn set_state(&self, next: ProcessState) {
        let mut state = self.lock_state();
        // States only move forward.
        let rank = |s: ProcessState| s as u8;
        if rank(next) > rank(*state) {
            *state = next;
        }
    }

    pub(crate) fn mark_running(&self) {
        self.set_state(ProcessState::Running);
    }

    fn gone(&self) -> IpcError {
        IpcError::target_gone(&format!("{} `{}`", self.kind.as_str(), self.name))
    }

    /// Queues a message for the worker.
    ///
    /// # Errors
    /// `target-gone` once the worker has exited or is exiting.
    pub(crate) fn post(&self, message: HostToWorker) -> Result<(), IpcError> {
        if matches!(self.state(), ProcessState::Exiting | ProcessState::Exited) {
            return Err(self.gone());
        }
        self.to_worker.send(message).map_err(|_| self.gone())
    }

    /// Invokes a handler the worker exports and waits for the reply, at
    /// most the invoke timeout. Fails with `target-gone` the moment the
    /// worker ends.
    pub(crate) async fn invoke(
        &self,
        channel: String,
        payload: Vec<u8>,
    ) -> Result<Vec<u8>, IpcError> {
        let limit = self.limits.max_message_bytes;
        if payload.len() > limit {
            return Err(IpcError::too_large("the payload", payload.len(), limit));
        }
        let waiting = self.send_waiting(|id| HostToWorker::Invoke {
            id,
            channel,
            payload,
        });
        // An invoke moves no ports; the session closes any a reply names.
        self.wait(waiting?).await.map(|(reply, _)| reply)
    }

    /// Sends a call of a function of an app interface the worker's
    /// component exports (as `caller`'s binding names), with the ports its
    /// arguments move; the call is on its way when this returns, and the
    /// future waits for the results.
    ///
    /// # Errors
    /// `too-large`, or `target-gone` when the worker is ending.
    pub(crate) fn call(
        self: &Arc<Self>,
        caller: crate::ipc::Sender,
        interface: String,
        function: String,
        args: Vec<u8>,
        ports: Vec<crate::ports::PortRef>,
    ) -> Result<impl Future<Output = WorkerAnswer> + Send + 'static + use<>, IpcError> {
        let limit = self.limits.max_message_bytes;
        if args.len() > limit {
            return Err(IpcError::too_large("the arguments", args.len(), limit));
        }
        let waiting = self.send_waiting(|id| HostToWorker::Call {
            id,
            caller,
            interface,
            function,
            args,
            ports,
        })?;
        let worker = self.clone();
        Ok(async move { worker.wait(waiting).await })
    }

    /// Sends what `message` makes of a fresh id, with a waiter for the
    /// worker's reply to it.
    fn send_waiting(
        &self,
        message: impl FnOnce(u64) -> HostToWorker,
    ) -> Result<(u64, oneshot::Receiver<WorkerAnswer>), IpcError> {
        let id = self.next_invoke.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        self.lock_waiters().insert(id, tx);
        if let Err(err) = self.post(message(id)) {
            self.lock_waiters().remove(&id);
            return Err(err);
        }
        Ok((id, rx))
    }

    /// Waits for the reply to `id`, within the worker's
    /// `invoke-timeout-ms`.
    async fn wait(&self, (id, mut rx): (u64, oneshot::Receiver<WorkerAnswer>)) -> WorkerAnswer {
        let bound = Duration::from_millis(self.limits.invoke_timeout_ms);
        match tokio::time::timeout(bound, &mut rx).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(self.gone()),
            // Taken by a reply as the time ran out: that reply is the
            // answer (a call's ports are in it).
            Err(_) if self.lock_waiters().remove(&id).is_none() => {
                rx.await.unwrap_or_else(|_| Err(self.gone()))
            }
            Err(_) => Err(IpcError::new(
                crate::ipc::ErrorCode::Timeout,
                format!("no reply within {} ms", self.limits.invoke_timeout_ms),
            )),
        }
    }

    fn lock_waiters(&self) -> MutexGuard<'_, WaiterMap> {
        self.waiters.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Delivers the worker's reply to a host invoke or call. A reply to an
    /// unknown id (late, or forged), or that nobody waits for any more, is
    /// given back: the ports it names are the caller's to close.
    pub(crate) fn reply(&self, id: u64, result: WorkerAnswer) -> Result<(), WorkerAnswer> {
        match self.lock_waiters().remove(&id) {
            Some(waiter) => waiter.send(result),
            None => Err(result),
        }
    }

    /// Fails every waiting invoke with `target-gone`.
    fn reject_waiting(&self) {
        let waiting: Vec<_> = self.lock_waiters().drain().collect();
        for (_, waiter) in waiting {
            let _ = waiter.send(Err(self.gone()));
        }
    }

    /// Sends a reply or other message that must reach the worker even
    /// while it is stopping.
    pub(crate) fn answer(&self, message: HostToWorker) {
        let _ = self.to_worker.send(message);
    }

    /// Asks the worker to finish its current call and exit; one still
    /// running after [`STOP_GRACE`] (busy in guest code) is killed.
    pub(crate) fn stop(self: &Arc<Self>) {
        if self.state() == ProcessState::Exited {
            return;
        }
        let _ = self.to_worker.send(HostToWorker::Stop);
        self.set_state(ProcessState::Exiting);
        let worker = self.clone();
        self.runtime.spawn(async move {
            tokio::time::sleep(STOP_GRACE).await;
            if worker.state() != ProcessState::Exited {
                tracing::warn!(name = %worker.name, "worker ignored stop; killing it");
                worker.kill();
            }
        });
    }

    /// Ends the worker now for `reason` (a quota it broke), which is then
    /// the reason main hears.
    pub(crate) fn end_for(&self, reason: ExitReason) {
        *self.imposed.lock().unwrap_or_else(|p| p.into_inner()) = Some(reason);
        self.killed.store(true, Ordering::Relaxed);
        self.control.kill();
        self.kill_signal.notify_one();
    }

    /// Ends the worker now. False when it had already exited or was ending
    /// by itself.
    pub(crate) fn kill(&self) -> bool {
        if self.state() == ProcessState::Exited || self.serving_done.load(Ordering::Acquire) {
            return false;
        }
        self.set_state(ProcessState::Exiting);
        self.killed.store(true, Ordering::Relaxed);
        self.control.kill();
        self.kill_signal.notify_one();
        true
    }
}

/// Called once per worker with how it ended.
pub(crate) type ExitHook = Box<dyn FnOnce(WorkerExit) + Send>;

/// Starts workers and keeps the table of live ones.
pub(crate) struct Supervisor {
    transport: Arc<dyn Transport>,
    router: Arc<Router>,
    runtime: tokio::runtime::Handle,
    workers: Mutex<HashMap<u64, Arc<Worker>>>,
    next_id: AtomicU64,
    /// Set when the app ends: no worker may start after that.
    closing: std::sync::atomic::AtomicBool,
}

impl fmt::Debug for Supervisor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Supervisor")
            .field("transport", &self.transport)
            .finish_non_exhaustive()
    }
}

impl Supervisor {
    pub(crate) fn new(
        transport: Arc<dyn Transport>,
        router: Arc<Router>,
        runtime: tokio::runtime::Handle,
    ) -> Self {
        Supervisor {
            transport,
            router,
            runtime,
            workers: Mutex::default(),
            next_id: AtomicU64::new(1),
            closing: std::sync::atomic::AtomicBool::new(false),
        }
    }

    fn lock_workers(&self) -> MutexGuard<'_, HashMap<u64, Arc<Worker>>> {
        self.workers.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts a worker and serves its connection until it ends; `on_exit`
    /// then hears why.
    ///
    /// # Errors
    /// [`LaunchError`] when the worker cannot be started at all.
    pub(crate) fn launch(
        self: &Arc<Self>,
        kind: ProcessKind,
        spec: WorkerSpec,
        mut peer: WorkerPeer,
        on_exit: ExitHook,
    ) -> Result<Arc<Worker>, LaunchError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        peer.holder = crate::ports::Holder::Worker(id);
        let limits = spec.limits;
        let name = spec.name.clone();
        let launched = self.transport.launch(spec, &self.runtime)?;
        let Launched {
            link,
            pid,
            control,
            os_exit,
        } = launched;
        let worker = Arc::new(Worker {
            id,
            kind,
            name,
            pid,
            limits,
            state: Mutex::new(ProcessState::Creating),
            to_worker: link.to_worker,
            waiters: Mutex::default(),
            next_invoke: AtomicU64::new(1),
            control,
            killed: std::sync::atomic::AtomicBool::new(false),
            kill_signal: tokio::sync::Notify::new(),
            serving_done: std::sync::atomic::AtomicBool::new(false),
            imposed: Mutex::new(None),
            runtime: self.runtime.clone(),
        });
        {
            let mut workers = self.lock_workers();
            if self.closing.load(Ordering::Acquire) {
                // The app ended while this worker started: it must not
                // outlive the app.
                worker.control.kill();
                return Err(LaunchError::Spawn {
                    name: worker.name.clone(),
                    reason: "the app is ending".into(),
                });
            }
            workers.insert(id, worker.clone());
        }
        let supervisor = self.clone();
        let served = worker.clone();
        let router = self.router.clone();
        let from_worker = link.from_worker;
        self.runtime.spawn(async move {
            let reported = tokio::select! {
                reported = serve_worker(peer, &served, router, from_worker) => reported,
                () = served.kill_signal.notified() => None,
            };
            // The connection is over: nobody will answer what is waiting.
            served.serving_done.store(true, Ordering::Release);
            served.set_state(ProcessState::Exiting);
            served.reject_waiting();
            let end = match os_exit {
                Some(mut exit) => {
                    match tokio::time::timeout(STOP_GRACE, &mut exit).await {
                        Ok(end) => end.ok(),
                        Err(_) => {
                            // Its connection is gone but it lingers: end it.
                            served.control.kill();
                            exit.await.ok()
                        }
                    }
                }
                None => None,
            };
            let killed = served.killed.load(Ordering::Relaxed);
            let imposed = served
                .imposed
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .take();
            let reason = imposed.unwrap_or_else(|| final_reason(reported, end, killed));
            served.set_state(ProcessState::Exited);
            supervisor.lock_workers().remove(&id);
            tracing::info!(
                kind = served.kind.as_str(),
                name = %served.name,
                pid = ?served.pid,
                "worker ended: {reason}"
            );
            on_exit(WorkerExit {
                id: served.id,
                kind: served.kind,
                name: served.name.clone(),
                pid: served.pid,
                reason,
            });
        });
        Ok(worker)
    }

    /// The host and every live worker, with usage read from the OS.
    pub(crate) fn metrics(&self, app_name: &str) -> Vec<ProcessMetric> {
        let host_pid = std::process::id();
        let usage = |pid: u32| metrics::read(pid).unwrap_or_default();
        let host = usage(host_pid);
        let mut rows = vec![ProcessMetric {
            pid: host_pid,
            kind: ProcessKind::Host,
            name: app_name.to_owned(),
            state: ProcessState::Running,
            cpu_time: host.cpu_time,
            resident_bytes: host.resident_bytes,
        }];
        let mut workers: Vec<(u64, Arc<Worker>)> = self
            .lock_workers()
            .iter()
            .map(|(id, w)| (*id, w.clone()))
            .collect();
        workers.sort_by_key(|(id, _)| *id);
        for (_, worker) in workers {
            // In-process workers share the host's process and its figures.
            let pid = worker.pid.unwrap_or(host_pid);
            let used = if worker.pid.is_some() {
                usage(pid)
            } else {
                host.clone()
            };
            rows.push(ProcessMetric {
                pid,
                kind: worker.kind,
                name: worker.name.clone(),
                state: worker.state(),
                cpu_time: used.cpu_time,
                resident_bytes: used.resident_bytes,
            });
        }
        rows
    }

    /// The live worker with supervisor id `id`.
    pub(crate) fn worker(&self, id: u64) -> Option<Arc<Worker>> {
        self.lock_workers().get(&id).cloned()
    }

    /// Refuses every later launch and returns every live worker.
    pub(crate) fn close(&self) -> Vec<Arc<Worker>> {
        let workers = self.lock_workers();
        self.closing.store(true, Ordering::Release);
        workers.values().cloned().collect()
    }
}

/// Combines what the worker said about its end with what the host saw.
/// The host's account wins wherever the worker could not know or might lie:
/// only the host can say it dropped a worker or that a signal ended it, and
/// a worker claiming a clean exit must have exited with status 0.
fn final_reason(reported: Option<ExitReason>, end: Option<ProcessEnd>, killed: bool) -> ExitReason {
    let reported = reported.filter(|reason| {
        !matches!(
            reason,
            ExitReason::Killed { .. }
                | ExitReason::ProtocolError { .. }
                | ExitReason::AbnormalExit { .. }
        )
    });
    match end {
        Some(ProcessEnd {
            dropped: Some(message),
            ..
        }) => ExitReason::ProtocolError { message },
        Some(ProcessEnd {
            exit: OsExit::Signal(signal),
            ..
        }) => ExitReason::Killed { signal },
        Some(ProcessEnd {
            exit: OsExit::Code(code),
            ..
        }) => match reported {
            Some(ExitReason::CleanExit) | None if code != 0 => ExitReason::AbnormalExit { code },
            Some(reason) => reason,
            None => ExitReason::AbnormalExit { code },
        },
        // In-process: no OS account. A worker the host killed counts as
        // killed whatever it said.
        None if killed => ExitReason::Killed { signal: 9 },
        None => reported.unwrap_or_else(|| ExitReason::Crashed {
            message: "the worker's connection closed without an exit message".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exited(code: i32) -> Option<ProcessEnd> {
        Some(ProcessEnd {
            exit: OsExit::Code(code),
            dropped: None,
        })
    }

    #[test]
    fn the_host_decides_signals_drops_and_silent_deaths() {
        let crashed = ExitReason::Crashed {
            message: "trap".into(),
        };
        assert_eq!(
            final_reason(Some(crashed.clone()), exited(0), false),
            crashed
        );
        let signalled = Some(ProcessEnd {
            exit: OsExit::Signal(9),
            dropped: None,
        });
        assert_eq!(
            final_reason(None, signalled.clone(), false),
            ExitReason::Killed { signal: 9 }
        );
        assert_eq!(
            final_reason(Some(ExitReason::CleanExit), signalled, false),
            ExitReason::Killed { signal: 9 }
        );
        assert_eq!(
            final_reason(None, exited(3), false),
            ExitReason::AbnormalExit { code: 3 }
        );
        let dropped = Some(ProcessEnd {
            exit: OsExit::Signal(9),
            dropped: Some("bad frame".into()),
        });
        assert_eq!(
            final_reason(None, dropped, false),
            ExitReason::ProtocolError {
                message: "bad frame".into()
            }
        );
    }

    #[test]
    fn a_worker_cannot_claim_what_only_the_host_knows() {
        let forged = ExitReason::ProtocolError {
            message: "forged".into(),
        };
        assert_eq!(
            final_reason(Some(forged), exited(0), false),
            ExitReason::AbnormalExit { code: 0 }
        );
        assert_eq!(
            final_reason(Some(ExitReason::Killed { signal: 15 }), exited(0), false),
            ExitReason::AbnormalExit { code: 0 }
        );
        assert_eq!(
            final_reason(Some(ExitReason::CleanExit), exited(5), false),
            ExitReason::AbnormalExit { code: 5 }
        );
    }

    #[test]
    fn in_process_workers_report_for_themselves_unless_killed() {
        assert_eq!(
            final_reason(Some(ExitReason::CleanExit), None, false),
            ExitReason::CleanExit
        );
        assert_eq!(
            final_reason(Some(ExitReason::CleanExit), None, true),
            ExitReason::Killed { signal: 9 }
        );
        assert!(matches!(
            final_reason(None, None, false),
            ExitReason::Crashed { .. }
        ));
    }
}
