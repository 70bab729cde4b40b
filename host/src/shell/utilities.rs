//! Utility workers (Electron's `utilityProcess`): forking with options,
//! instance names, where their output goes, and restarts after failures.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::{ForkError, Shell, lock};
use crate::capabilities::{DirGrant, Grants};
use crate::ipc::Sender;
use crate::mailbox::{MainCall, Queued};
use crate::ports::{Holder, PortRef};
use crate::supervisor::WorkerPeer;
use crate::supervisor::{ProcessKind, Worker, WorkerExit};

/// Where a utility's stdout and stderr lines go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum StdioMode {
    /// To main's `on-utility-output`.
    Pipe,
    /// To the host's log.
    #[default]
    Inherit,
    /// Nowhere.
    Ignore,
}

/// How main asked for a utility to be started.
#[derive(Debug, Clone, Default)]
pub(crate) struct UtilityOptions {
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    /// A granted folder's name, to resolve relative paths in.
    pub cwd: Option<String>,
    pub stdio: StdioMode,
    pub service_name: Option<String>,
    pub max_memory_bytes: Option<u64>,
    /// `(max restarts, first backoff in ms)` for restarts after failures.
    pub restart: Option<(u32, u32)>,
}

/// A utility instance: its current worker (none while it waits to
/// restart), how it was asked for, and how often it restarted.
pub(crate) struct UtilitySlot {
    /// Tells this instance from a later one that reuses its name.
    id: u64,
    worker: Option<Arc<Worker>>,
    declared: String,
    options: UtilityOptions,
    grants: Grants,
    restarts: u32,
    /// Main killed it: it stays down.
    stopped: bool,
}

impl Shell {
    /// Starts the utility declared as `name` with `options`.
    /// Returns the worker and the instance's id, which main's handle keeps
    /// so that it never reaches a later instance of the same name.
    pub(crate) fn fork(
        &self,
        name: &str,
        options: UtilityOptions,
    ) -> Result<(Arc<Worker>, u64), ForkError> {
        let declared = self
            .manifest
            .utility(name)
            .ok_or_else(|| ForkError::UnknownUtility(name.to_owned()))?;
        let bad = |reason: String| ForkError::BadOption {
            name: name.to_owned(),
            reason,
        };
        if self.ending() {
            return Err(ForkError::Failed {
                name: name.to_owned(),
                reason: "the app is ending".into(),
            });
        }
        let grants = grants_for(&declared.grants, &options).map_err(bad)?;
        if let Some(max) = options.max_memory_bytes
            && max > declared.limits.max_memory_bytes as u64
        {
            return Err(bad(format!(
                "max-memory-bytes {max} is over the utility's limit of {}",
                declared.limits.max_memory_bytes
            )));
        }
        // Reserve the instance name; the worker starts outside the lock.
        let slot_id = self
            .generations
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let instance = {
            let mut utilities = lock(&self.utilities);
            self.room_for(&utilities, name, declared.max_instances)?;
            let instance = match &options.service_name {
                Some(service) => {
                    if service.is_empty()
                        || service.contains('#')
                        || service.chars().any(|c| c.is_whitespace() || c.is_control())
                    {
                        return Err(bad(format!("service name `{service}` is not usable")));
                    }
                    if utilities.contains_key(service) {
                        return Err(bad(format!("service name `{service}` is in use")));
                    }
                    service.clone()
                }
                None => (1..)
                    .map(|n| match n {
                        1 => name.to_owned(),
                        n => format!("{name}#{n}"),
                    })
                    .find(|candidate| !utilities.contains_key(candidate))
                    .unwrap_or_else(|| name.to_owned()),
            };
            utilities.insert(
                instance.clone(),
                UtilitySlot {
                    id: slot_id,
                    worker: None,
                    declared: name.to_owned(),
                    options,
                    grants,
                    restarts: 0,
                    stopped: false,
                },
            );
            instance
        };
        self.start_utility(&instance)
            .map(|worker| (worker, slot_id))
            .map_err(|reason| {
                let mut utilities = lock(&self.utilities);
                if utilities
                    .get(&instance)
                    .is_some_and(|slot| slot.id == slot_id)
                {
                    utilities.remove(&instance);
                }
                ForkError::Failed {
                    name: name.to_owned(),
                    reason,
                }
            })
    }

    /// Refuses a fork beyond the manifest's instance limits. Counted under
    /// the lock the instance is reserved in, so that forks racing each
    /// other cannot pass a limit together; an instance counts from its
    /// fork to its end, waiting to restart included.
    fn room_for(
        &self,
        utilities: &HashMap<String, UtilitySlot>,
        name: &str,
        max_instances: usize,
    ) -> Result<(), ForkError> {
        let refuse = |reason: String| ForkError::TooManyInstances {
            name: name.to_owned(),
            reason,
        };
        let app_max = self.manifest.max_utility_instances;
        if utilities.len() >= app_max {
            return Err(refuse(format!(
                "{} utility instances run, the app's `max-utility-instances`",
                utilities.len()
            )));
        }
        let running = utilities.values().filter(|s| s.declared == name).count();
        if running >= max_instances {
            return Err(refuse(format!(
                "{running} instances of it run, its `max-instances`"
            )));
        }
        Ok(())
    }

    /// Starts (or restarts) the worker of a reserved instance and tells main.
    fn start_utility(&self, instance: &str) -> Result<Arc<Worker>, String> {
        let (slot_id, declared, options, grants, restarts) = {
            let utilities = lock(&self.utilities);
            let slot = utilities
                .get(instance)
                .ok_or_else(|| format!("utility `{instance}` is gone"))?;
            (
                slot.id,
                slot.declared.clone(),
                slot.options.clone(),
                slot.grants.clone(),
                slot.restarts,
            )
        };
        let (component, limits) = self
            .manifest
            .utility(&declared)
            .map(|u| (u.component.clone(), u.limits))
            .ok_or_else(|| format!("no utility `{declared}` is declared"))?;
        let worker =
            self.launch_utility(instance, slot_id, &component, limits, grants, &options)?;
        {
            let mut utilities = lock(&self.utilities);
            // A slot of another id took the name meanwhile: this instance
            // is gone, and so is its worker.
            match utilities
                .get_mut(instance)
                .filter(|slot| slot.id == slot_id)
            {
                // Killed by main while it started: it stays down.
                Some(slot) if slot.stopped => {
                    worker.kill();
                    return Err("killed while starting".into());
                }
                // It may have ended already; then its exit has been handled.
                Some(slot) if worker.state() != crate::supervisor::ProcessState::Exited => {
                    slot.worker = Some(worker.clone());
                }
                Some(_) => {}
                None if self.ending() => {
                    worker.kill();
                    return Err("the app is ending".into());
                }
                None => {
                    worker.kill();
                    return Err("it ended as it started; see on-process-gone".into());
                }
            }
        }
        if let Some(main) = &self.main {
            let _ = main.post(MainCall::UtilitySpawn {
                name: instance.to_owned(),
                pid: worker.pid,
                restarts,
            });
        }
        Ok(worker)
    }

    fn launch_utility(
        &self,
        instance: &str,
        slot_id: u64,
        component: &Path,
        limits: crate::manifest::Limits,
        grants: Grants,
        options: &UtilityOptions,
    ) -> Result<Arc<Worker>, String> {
        let declared = self
            .declared_utility(instance)
            .ok_or_else(|| format!("utility `{instance}` is gone"))?;
        let mut spec = self.prepare(
            instance,
            &crate::manifest::Importer::Utility(declared),
            component,
            limits,
        )?;
        // The app's own folders and its origins (from `prepare`), beside
        // the declared folders.
        let app_folders = std::mem::take(&mut spec.grants.dirs);
        let hosts = std::mem::take(&mut spec.grants.allowed_hosts);
        spec.grants = grants;
        spec.grants.dirs.extend(app_folders);
        spec.grants.allowed_hosts = hosts;
        if let Some(max) = options.max_memory_bytes {
            spec.limits.max_memory_bytes = usize::try_from(max).unwrap_or(usize::MAX);
        }
        let on_post = {
            let main = self.main.clone();
            let from = instance.to_owned();
            Box::new(
                move |payload: Vec<u8>, ports: Vec<PortRef>, queued: Option<Queued>| {
                    if let Some(main) = &main {
                        let _ = main.post(MainCall::UtilityMessage {
                            name: from.clone(),
                            payload,
                            ports,
                            queued,
                        });
                    }
                },
            )
        };
        let on_output: Option<crate::supervisor::OutputHook> = match options.stdio {
            StdioMode::Inherit => None,
            StdioMode::Ignore => Some(Box::new(|_: &str, _: String| {})),
            StdioMode::Pipe => {
                let main = self.main.clone();
                let from = instance.to_owned();
                Some(Box::new(move |stream: &str, line: String| {
                    if let Some(main) = &main {
                        let _ = main.post(MainCall::UtilityOutput {
                            name: from.clone(),
                            stream: stream.to_owned(),
                            line,
                        });
                    }
                }))
            }
        };
        let peer = WorkerPeer {
            sender: Sender::Utility(instance.to_owned()),
            name: instance.to_owned(),
            channels: Arc::new(Default::default()),
            limits: spec.limits,
            window: None,
            on_post: Some(on_post),
            on_output,
            holder: Holder::Main,
            ports: self.ports.clone(),
            allowed_hosts: spec.grants.allowed_hosts.clone().into(),
        };
        let shell = self.me.clone();
        let owner = instance.to_owned();
        let on_exit = Box::new(move |exit: WorkerExit| {
            if let Some(shell) = shell.upgrade() {
                shell.utility_exited(&owner, slot_id, exit);
            }
        });
        self.supervisor
            .launch(ProcessKind::Utility, spec, peer, on_exit)
            .map_err(|e| e.to_string())
    }

    /// A utility's worker ended: tell main, and restart it if its policy
    /// says so.
    /// `slot_id` tells the instance the worker was started for from a later
    /// one that took its name: a late exit never touches the newer one.
    fn utility_exited(&self, instance: &str, slot_id: u64, exit: WorkerExit) {
        self.ports.holder_gone(Holder::Worker(exit.id));
        let failed = exit.reason.is_failure();
        // The slot is freed before main hears of the exit, so that a fork
        // main makes on hearing it finds the instance's place free.
        let backoff = {
            let mut utilities = lock(&self.utilities);
            match utilities
                .get_mut(instance)
                .filter(|slot| slot.id == slot_id)
            {
                Some(slot) => {
                    slot.worker = None;
                    match slot.options.restart {
                        Some((max, backoff_ms))
                            if failed && !slot.stopped && !self.ending() && slot.restarts < max =>
                        {
                            let doubling = 1u64 << slot.restarts.min(16);
                            slot.restarts += 1;
                            Some(Duration::from_millis(
                                u64::from(backoff_ms).saturating_mul(doubling),
                            ))
                        }
                        _ => {
                            utilities.remove(instance);
                            None
                        }
                    }
                }
                None => None,
            }
        };
        self.report_gone(exit);
        let Some(backoff) = backoff else {
            return;
        };
        let shell = self.me.clone();
        let instance = instance.to_owned();
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            self.forget_slot(&instance, slot_id);
            return;
        };
        runtime.spawn(async move {
            tokio::time::sleep(backoff).await;
            let Some(shell) = shell.upgrade() else {
                return;
            };
            let waiting = lock(&shell.utilities)
                .get(&instance)
                .is_some_and(|slot| slot.id == slot_id && !slot.stopped);
            if !waiting || shell.ending() {
                shell.forget_slot(&instance, slot_id);
                return;
            }
            if let Err(reason) = shell.start_utility(&instance) {
                tracing::error!(utility = %instance, "restart failed: {reason}");
                shell.forget_slot(&instance, slot_id);
            }
        });
    }

    /// Frees instance `instance`'s slot if it is still slot `slot_id`.
    fn forget_slot(&self, instance: &str, slot_id: u64) {
        let mut utilities = lock(&self.utilities);
        if utilities
            .get(instance)
            .is_some_and(|slot| slot.id == slot_id)
        {
            utilities.remove(instance);
        }
    }

    /// The declared utility that instance `instance` is of.
    pub(crate) fn declared_utility(&self, instance: &str) -> Option<String> {
        lock(&self.utilities)
            .get(instance)
            .map(|slot| slot.declared.clone())
    }

    /// The worker of instance `instance` (whichever slot), if it runs and
    /// is not ending.
    pub(crate) fn running_instance(&self, instance: &str) -> Option<Arc<Worker>> {
        lock(&self.utilities)
            .get(instance)
            .and_then(|slot| slot.worker.clone())
            .filter(|worker| !ending(worker))
    }

    /// Frees instance `instance`'s name when nothing runs under it any more
    /// (its worker ended and its exit is still on the way), so that it can
    /// start again at once. Its exit, when it arrives, finds another slot
    /// and leaves it alone.
    pub(crate) fn free_if_ended(&self, instance: &str) {
        let mut utilities = lock(&self.utilities);
        let ended = utilities
            .get(instance)
            .is_some_and(|slot| slot.worker.as_ref().is_some_and(|w| ending(w)));
        if ended {
            utilities.remove(instance);
        }
    }

    /// The current worker of utility instance `id`, if it runs.
    pub(crate) fn utility(&self, instance: &str, id: u64) -> Option<Arc<Worker>> {
        lock(&self.utilities)
            .get(instance)
            .filter(|slot| slot.id == id)
            .and_then(|slot| slot.worker.clone())
    }

    /// Main kills a utility: it stops for good, restart policy or not.
    /// False when it had already ended for good.
    pub(crate) fn kill_utility(&self, instance: &str, id: u64) -> bool {
        let (worker, was_waiting) = {
            let mut utilities = lock(&self.utilities);
            match utilities.get_mut(instance) {
                Some(slot) if slot.id == id && !slot.stopped => {
                    slot.stopped = true;
                    (slot.worker.clone(), slot.worker.is_none())
                }
                _ => (None, false),
            }
        };
        match worker {
            Some(worker) => worker.kill(),
            // Waiting to restart: the restart is off, which is the kill.
            None => was_waiting,
        }
    }
}

/// Whether a worker has ended or is ending (its connection is over).
fn ending(worker: &Worker) -> bool {
    use crate::supervisor::ProcessState;
    matches!(worker.state(), ProcessState::Exiting | ProcessState::Exited)
}

/// The manifest's grants for a utility plus what its options add: args,
/// env, and the working directory as a second name for a granted folder.
fn grants_for(declared: &Grants, options: &UtilityOptions) -> Result<Grants, String> {
    let mut grants = declared.clone();
    grants.args = options.args.clone();
    grants.env = options.env.clone();
    if let Some(cwd) = &options.cwd {
        let wanted = cwd.trim_start_matches("./").trim_end_matches('/');
        let dir = declared
            .dirs
            .iter()
            .find(|d| d.guest == wanted)
            .ok_or_else(|| format!("cwd `{cwd}` is not one of its granted folders"))?;
        // Relative paths resolve against a preopen named ".".
        grants.dirs.push(DirGrant {
            host: dir.host.clone(),
            guest: ".".into(),
            writable: dir.writable,
        });
        grants.env.push(("PWD".into(), format!("/{wanted}")));
    }
    Ok(grants)
}
