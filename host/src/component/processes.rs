//! Main's imports for workers: forking utilities (`utilities`) and reading
//! the app's processes (`processes`).

use std::sync::Arc;

use wasmtime::component::Resource;

use super::main::MainState;
use crate::bindings::main::wasmtron::app::{
    ports as wit_ports, processes as wit_processes, types as wit_types, utilities as wit_utilities,
};
use crate::shell::{ForkError, StdioMode, UtilityOptions};
use crate::supervisor::{ProcessKind, ProcessMetric, ProcessState, Worker, WorkerExit};
use crate::wire::ExitReason;
use wasmtron_wire::IpcError;
use wasmtron_worker::convert::ipc_error_to_wit;
use wasmtron_worker::message_port;

/// Main's handle on a utility: the resource's representation is a key
/// into `MainState::utilities`, which names the instance. A handle outlives
/// restarts: it reaches whichever worker runs the instance now.
type UtilityHandle = wit_utilities::UtilityProcess;

impl MainState {
    fn instance(&self, handle: &Resource<UtilityHandle>) -> Result<(String, u64), IpcError> {
        self.utilities
            .get(&handle.rep())
            .cloned()
            .ok_or_else(|| IpcError::target_gone("the utility handle"))
    }

    fn utility(&self, handle: &Resource<UtilityHandle>) -> Result<Arc<Worker>, IpcError> {
        let (instance, id) = self.instance(handle)?;
        self.shell
            .utility(&instance, id)
            .ok_or_else(|| IpcError::target_gone(&format!("utility `{instance}`")))
    }
}

fn options_from_wit(options: wit_utilities::ForkOptions) -> UtilityOptions {
    UtilityOptions {
        args: options.args,
        env: options.env,
        cwd: options.cwd,
        stdio: match options.stdio {
            wit_utilities::Stdio::Pipe => StdioMode::Pipe,
            wit_utilities::Stdio::Inherit => StdioMode::Inherit,
            wit_utilities::Stdio::Ignore => StdioMode::Ignore,
        },
        service_name: options.service_name,
        max_memory_bytes: options.max_memory_bytes,
        restart: match options.restart {
            wit_utilities::Restart::Never => None,
            wit_utilities::Restart::OnFailure(limits) => {
                Some((limits.max_restarts, limits.backoff_ms))
            }
        },
    }
}

impl wit_utilities::Host for MainState {
    async fn fork(
        &mut self,
        name: String,
        options: wit_utilities::ForkOptions,
    ) -> Result<Resource<UtilityHandle>, wit_utilities::ForkError> {
        let (worker, id) = self
            .shell
            .fork(&name, options_from_wit(options))
            .map_err(|err| match err {
                ForkError::UnknownUtility(name) => wit_utilities::ForkError::UnknownUtility(name),
                ForkError::BadOption { reason, .. } => wit_utilities::ForkError::BadOption(reason),
                other => wit_utilities::ForkError::Failed(other.to_string()),
            })?;
        self.next_utility += 1;
        let rep = self.next_utility;
        self.utilities.insert(rep, (worker.name.clone(), id));
        Ok(Resource::new_own(rep))
    }
}

impl wit_utilities::HostUtilityProcess for MainState {
    async fn name(&mut self, this: Resource<UtilityHandle>) -> String {
        self.instance(&this)
            .map(|(instance, _)| instance)
            .unwrap_or_default()
    }

    async fn pid(&mut self, this: Resource<UtilityHandle>) -> Option<u32> {
        self.utility(&this).ok().and_then(|w| w.pid)
    }

    async fn post_message(
        &mut self,
        this: Resource<UtilityHandle>,
        payload: Vec<u8>,
        transfer: Vec<Resource<wit_ports::MessagePort>>,
    ) -> Result<(), wit_types::IpcError> {
        let transfer = message_port::take_transfer(self, transfer, None)
            .await
            .map_err(|err| ipc_error_to_wit(message_port::transfer_error(err)))?;
        let posted = self.utility(&this).and_then(|worker| {
            self.shell
                .post_to_worker(&worker, String::new(), payload, &transfer)
        });
        posted.map_err(|err| {
            message_port::close_moved(self, &transfer);
            ipc_error_to_wit(err)
        })
    }

    async fn invoke(
        &mut self,
        this: Resource<UtilityHandle>,
        channel: String,
        payload: Vec<u8>,
    ) -> Result<Vec<u8>, wit_types::IpcError> {
        let worker = self.utility(&this).map_err(ipc_error_to_wit)?;
        let _waiting = self
            .shell
            .main_waits_on(crate::ipc::Sender::Utility(worker.name.clone()));
        worker
            .invoke(channel, payload)
            .await
            .map_err(ipc_error_to_wit)
    }

    async fn kill(&mut self, this: Resource<UtilityHandle>) -> bool {
        self.instance(&this)
            .is_ok_and(|(instance, id)| self.shell.kill_utility(&instance, id))
    }

    async fn drop(&mut self, this: Resource<UtilityHandle>) -> wasmtime::Result<()> {
        // Dropping the handle does not end the worker (as in Electron,
        // where losing the reference does not kill the child).
        self.utilities.remove(&this.rep());
        Ok(())
    }
}

impl wit_processes::Host for MainState {
    async fn metrics(&mut self) -> Vec<wit_processes::ProcessMetric> {
        self.shell
            .metrics()
            .into_iter()
            .map(metric_to_wit)
            .collect()
    }
}

fn kind_to_wit(kind: ProcessKind) -> wit_processes::ProcessKind {
    match kind {
        ProcessKind::Host => wit_processes::ProcessKind::Host,
        ProcessKind::Renderer => wit_processes::ProcessKind::Renderer,
        ProcessKind::Utility => wit_processes::ProcessKind::Utility,
    }
}

fn metric_to_wit(metric: ProcessMetric) -> wit_processes::ProcessMetric {
    wit_processes::ProcessMetric {
        pid: metric.pid,
        kind: kind_to_wit(metric.kind),
        name: metric.name,
        state: match metric.state {
            ProcessState::Creating => wit_processes::ProcessState::Creating,
            ProcessState::Running => wit_processes::ProcessState::Running,
            ProcessState::Exiting => wit_processes::ProcessState::Exiting,
            ProcessState::Exited => wit_processes::ProcessState::Exited,
        },
        cpu_time_us: u64::try_from(metric.cpu_time.as_micros()).unwrap_or(u64::MAX),
        resident_bytes: metric.resident_bytes,
    }
}

pub(super) fn gone_to_wit(exit: WorkerExit) -> wit_processes::ProcessGone {
    use wit_processes::ExitReason as Wit;
    let reason = match exit.reason {
        ExitReason::CleanExit => Wit::CleanExit,
        ExitReason::AbnormalExit { code } => Wit::AbnormalExit(code),
        ExitReason::Killed { signal } => Wit::Killed(signal),
        ExitReason::Crashed { message } => Wit::Crashed(message),
        ExitReason::Oom { message } => Wit::Oom(message),
        ExitReason::Timeout { message } => Wit::Timeout(message),
        ExitReason::LimitExceeded { message } => Wit::LimitExceeded(message),
        ExitReason::LaunchFailed { message } => Wit::LaunchFailed(message),
        ExitReason::ProtocolError { message } => Wit::ProtocolError(message),
    };
    wit_processes::ProcessGone {
        kind: kind_to_wit(exit.kind),
        name: exit.name,
        pid: exit.pid,
        reason,
    }
}
