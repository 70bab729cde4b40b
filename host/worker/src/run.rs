//! Instantiating a worker's component and feeding it the host's messages
//! one at a time, until it is told to stop, its link closes or it traps.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::Context as _;
use tokio::sync::mpsc::UnboundedReceiver;
use wasmtime::Store;
use wasmtime::component::{HasSelf, Linker, ResourceTable};
use wasmtime_wasi::WasiCtx;

use super::state::{MemoryCap, WorkerState};
use super::{WorkerEnd, WorkerSpec};
use crate::bindings::renderer::Renderer;
use crate::bindings::shared::types as wit_types;
use crate::bindings::utility::Utility;
use crate::client::BridgeClient;
use crate::convert::ui_event_to_wit;
use crate::engine::{CpuBudget, Stopped};
use crate::wasi;
use wasmtron_wire::IpcError;
use wasmtron_wire::World;
use wasmtron_wire::{ByteBuf, ExitReason, HostToWorker, WorkerToHost};

/// A component's WASI context, built (granted directories opened) before
/// the worker process enters its sandbox.
pub struct PreparedWasi {
    wasi: WasiCtx,
    refusals: wasi::Refusals,
    stderr_tail: wasi::OutputTail,
    output: wasi::OutputSink,
}

impl std::fmt::Debug for PreparedWasi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedWasi").finish_non_exhaustive()
    }
}

impl PreparedWasi {
    /// Opens what `spec` grants.
    ///
    /// # Errors
    /// When a granted directory cannot be opened.
    pub fn new(spec: &WorkerSpec) -> anyhow::Result<Self> {
        let stderr_tail = wasi::OutputTail::default();
        let output = wasi::OutputSink::default();
        let (wasi, refusals) = wasi::wasi_context(&spec.name, &spec.grants, &stderr_tail, &output)?;
        Ok(PreparedWasi {
            wasi,
            refusals,
            stderr_tail,
            output,
        })
    }
}

/// Runs a worker to the end and reports why it ended, both as the return
/// value and as a final `Exited` message to the host. `prepared` is the
/// WASI context when the caller built it already; otherwise it is built
/// here.
///
/// Setting `interrupt` stops the component's running call within a tick:
/// the way to end a worker thread that is busy in guest code.
pub async fn run(
    spec: WorkerSpec,
    link: WorkerEnd,
    prepared: Option<PreparedWasi>,
    interrupt: Arc<AtomicBool>,
) -> ExitReason {
    let to_host = link.to_host.clone();
    let own_process = prepared.is_some();
    let reason = match launch(&spec, link, prepared, interrupt).await {
        Ok((instance, store, events, woken)) => {
            if own_process {
                // What starting used and let go of (the compiled component
                // as it came over the socket, above all) goes back to the
                // OS: an idle worker keeps only what it holds.
                crate::memory::trim();
            }
            serve(instance, store, events, woken).await
        }
        Err(err) => ExitReason::LaunchFailed {
            message: format!("{err:#}"),
        },
    };
    if reason.is_failure() {
        tracing::error!(component = %spec.name, "worker ended: {reason}");
    }
    let _ = to_host.send(WorkerToHost::Exited {
        reason: reason.clone(),
    });
    reason
}

/// The instantiated component, whichever world it is.
enum Instance {
    Renderer(Renderer),
    Utility(Utility),
}

/// What serving needs of the instance: its world's exports, and the raw
/// instance with the app interfaces it exports, for typed calls.
struct Served {
    world: Instance,
    raw: wasmtime::component::Instance,
    exports: crate::typed::Exports,
}

type Launched = (
    Served,
    Store<WorkerState>,
    UnboundedReceiver<HostToWorker>,
    UnboundedReceiver<u64>,
);

async fn launch(
    spec: &WorkerSpec,
    link: WorkerEnd,
    prepared: Option<PreparedWasi>,
    interrupt: Arc<AtomicBool>,
) -> anyhow::Result<Launched> {
    let PreparedWasi {
        wasi,
        refusals,
        stderr_tail,
        output,
    } = match prepared {
        Some(prepared) => prepared,
        None => PreparedWasi::new(spec)?,
    };
    let engine = spec.component.engine();
    let mut linker = Linker::<WorkerState>::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)
        .map_err(anyhow::Error::from)
        .context("cannot link WASI")?;
    wasi::watch_refusals(&mut linker).context("cannot link WASI")?;
    if !spec.grants.allowed_hosts.is_empty() {
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)
            .map_err(anyhow::Error::from)
            .context("cannot link wasi:http")?;
    }
    match spec.world {
        World::Renderer => Renderer::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s),
        World::Utility => Utility::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s),
        World::Main => anyhow::bail!("main does not run in a worker"),
    }
    .map_err(anyhow::Error::from)
    .with_context(|| format!("cannot link the {} world", spec.world))?;
    // The app interfaces it imports call out through the host; those it
    // exports are found when a call comes in.
    crate::typed::link_imports(&mut linker, &spec.component)
        .context("cannot link the app interfaces it imports")?;
    let exports = crate::typed::Exports::of(engine, &spec.component);
    // Guest output travels to the host, which routes it (log, main, nowhere).
    output.connect(link.to_host.clone());
    let (bridge, events) = BridgeClient::start(spec, link);
    let http_hooks = crate::http::HttpHooks::new(
        &spec.grants.allowed_hosts,
        &spec.limits,
        bridge.http_carrier(),
    );
    let (link_wake, woken) = tokio::sync::mpsc::unbounded_channel();
    let state = WorkerState {
        wasi,
        refusals,
        stderr_tail,
        ports: crate::HeldPorts::default(),
        links: std::collections::HashMap::new(),
        link_wake,
        to_self: std::collections::HashMap::new(),
        caller: None,
        http: wasmtime_wasi_http::WasiHttpCtx::new(),
        http_hooks,
        table: ResourceTable::new(),
        bridge,
        memory: MemoryCap::new(spec.limits.max_memory_bytes),
        cpu: CpuBudget::new(spec.limits.cpu_ms_per_call, interrupt),
    };
    let mut store = Store::new(engine, state);
    store.set_hostcall_fuel(crate::engine::hostcall_fuel(&spec.limits));
    store.limiter(|state| &mut state.memory);
    CpuBudget::install(&mut store, |state| &mut state.cpu);
    // A start function is a call like any other.
    store.data_mut().cpu.begin();
    let instance = match linker.instantiate_async(&mut store, &spec.component).await {
        Ok(raw) => match spec.world {
            World::Renderer => Renderer::new(&mut store, &raw).map(Instance::Renderer),
            _ => Utility::new(&mut store, &raw).map(Instance::Utility),
        }
        .map(|world| (world, raw)),
        Err(err) => Err(err),
    }
    .map_err(anyhow::Error::from);
    store.data_mut().cpu.end();
    let instance = match (instance, store.data().cpu.stopped) {
        (Ok(instance), _) => instance,
        (Err(_), Some(stopped)) => anyhow::bail!(
            "cannot instantiate {} `{}`: {}",
            spec.world,
            spec.name,
            budget_message(stopped, store.data().cpu.limit())
        ),
        (Err(err), None) => Err(err)
            .with_context(|| format!("cannot instantiate {} `{}`", spec.world, spec.name))?,
    };
    store.data().bridge.ready();
    let (instance, raw) = instance;
    Ok((
        Served {
            world: instance,
            raw,
            exports,
        },
        store,
        events,
        woken,
    ))
}

async fn serve(
    served: Served,
    mut store: Store<WorkerState>,
    mut events: UnboundedReceiver<HostToWorker>,
    mut woken: UnboundedReceiver<u64>,
) -> ExitReason {
    let Served {
        world: instance,
        raw,
        mut exports,
    } = served;
    loop {
        store.data_mut().pump_links();
        // Port messages released by `start`, or brought by a link, go
        // before anything newer.
        let message = match store.data_mut().ports.ready.pop_front() {
            Some(message) => message,
            None => tokio::select! {
                event = events.recv() => match event {
                    Some(message) => match store.data_mut().take_in(message) {
                        Some(message) => message,
                        None => continue,
                    },
                    None => break,
                },
                // A link brought something: the next turn pumps it.
                Some(_) = woken.recv() => continue,
            },
        };
        store.data_mut().cpu.begin();
        // A growth refused in an earlier call that the guest survived does
        // not make a later trap an `oom`.
        store.data_mut().memory.refused = None;
        let outcome = match message {
            HostToWorker::Stop => break,
            HostToWorker::Invoke {
                id,
                channel,
                payload,
            } => match handle(&instance, &mut store, &channel, &payload).await {
                Ok(result) => {
                    let result = result
                        .map(ByteBuf::from)
                        .map_err(|e| IpcError::handler_failed(e.code, e.message, e.data));
                    store.data().bridge.reply(id, result, Vec::new());
                    Ok(())
                }
                Err(trap) => Err(trap),
            },
            HostToWorker::Call {
                id,
                caller,
                interface,
                function,
                args,
                ports,
            } => {
                store.data_mut().caller = Some(caller);
                let call = crate::typed::Incoming {
                    interface: &interface,
                    function: &function,
                    args: &args,
                    ports,
                };
                let outcome = exports.call(&mut store, &raw, call).await;
                store.data_mut().caller = None;
                outcome.map(|result| {
                    let (result, moved) = match result {
                        Ok((results, moved)) => (Ok(ByteBuf::from(results)), moved),
                        Err(err) => (Err(err), Vec::new()),
                    };
                    store.data().bridge.reply(id, result, moved);
                })
            }
            other => deliver(&instance, &mut store, other).await,
        };
        store.data_mut().cpu.end();
        if let Err(trap) = outcome {
            let said = store.data().stderr_tail.text();
            let message = if said.is_empty() {
                format!("{trap:#}")
            } else {
                format!("{said} | {trap:#}")
            };
            let cpu = &store.data().cpu;
            match cpu.stopped {
                Some(Stopped::Interrupted) => return ExitReason::Killed { signal: 9 },
                Some(stopped) => {
                    return ExitReason::Timeout {
                        message: budget_message(stopped, cpu.limit()),
                    };
                }
                None => {}
            }
            return match store.data().memory.refusal(&message) {
                Some(message) => ExitReason::Oom { message },
                None => ExitReason::Crashed { message },
            };
        }
    }
    ExitReason::CleanExit
}

/// What a stopped call is told.
fn budget_message(stopped: Stopped, limit: std::time::Duration) -> String {
    match stopped {
        Stopped::OverBudget { used } => format!(
            "a call used {} ms of CPU time; its limit is {} ms",
            used.as_millis(),
            limit.as_millis()
        ),
        Stopped::Interrupted => "ended by the host".to_owned(),
    }
}

async fn handle(
    instance: &Instance,
    store: &mut Store<WorkerState>,
    channel: &str,
    payload: &Vec<u8>,
) -> wasmtime::Result<Result<Vec<u8>, wit_types::HandlerError>> {
    match instance {
        Instance::Renderer(r) => {
            r.wasmtron_app_renderer_events()
                .call_handle(store, channel, payload)
                .await
        }
        Instance::Utility(u) => {
            u.wasmtron_app_utility_events()
                .call_handle(store, channel, payload)
                .await
        }
    }
}

/// Delivers an event. Events meant for the other world are dropped: the
/// host never sends them, and a worker does not trust that it didn't.
async fn deliver(
    instance: &Instance,
    store: &mut Store<WorkerState>,
    message: HostToWorker,
) -> wasmtime::Result<()> {
    match (instance, message) {
        (
            _,
            HostToWorker::PortMessage {
                port, data, ports, ..
            },
        ) => {
            let ports = adopt(store, ports);
            match instance {
                Instance::Renderer(r) => {
                    r.wasmtron_app_renderer_events()
                        .call_on_port_message(store, port, &data, &ports)
                        .await
                }
                Instance::Utility(u) => {
                    u.wasmtron_app_utility_events()
                        .call_on_port_message(store, port, &data, &ports)
                        .await
                }
            }
        }
        (_, HostToWorker::PortClosed { port, .. }) => {
            store.data_mut().ports.mark_closed(port);
            match instance {
                Instance::Renderer(r) => {
                    r.wasmtron_app_renderer_events()
                        .call_on_port_close(store, port)
                        .await
                }
                Instance::Utility(u) => {
                    u.wasmtron_app_utility_events()
                        .call_on_port_close(store, port)
                        .await
                }
            }
        }
        (Instance::Renderer(r), HostToWorker::Load) => {
            r.wasmtron_app_renderer_events().call_on_load(store).await
        }
        (Instance::Renderer(r), HostToWorker::Ui { event }) => {
            r.wasmtron_app_renderer_events()
                .call_on_event(store, &ui_event_to_wit(event))
                .await
        }
        (
            Instance::Renderer(r),
            HostToWorker::Push {
                channel,
                payload,
                ports,
            },
        ) => {
            let ports = adopt(store, ports);
            r.wasmtron_app_renderer_events()
                .call_on_push(store, &channel, &payload, &ports)
                .await
        }
        (Instance::Utility(u), HostToWorker::Push { payload, ports, .. }) => {
            let ports = adopt(store, ports);
            u.wasmtron_app_utility_events()
                .call_on_message(store, &payload, &ports)
                .await
        }
        _ => Ok(()),
    }
}

/// Handles for ports arriving with a message.
fn adopt(
    store: &mut Store<WorkerState>,
    ports: Vec<wasmtron_wire::PortRef>,
) -> Vec<wasmtime::component::Resource<crate::bindings::shared::ports::MessagePort>> {
    ports
        .into_iter()
        .map(|port| crate::message_port::adopt(store.data_mut(), port))
        .collect()
}
