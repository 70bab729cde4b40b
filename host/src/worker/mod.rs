//! The worker side: loads one renderer (or, later, utility) component and
//! runs it, talking to the host only through [`WorkerLink`] messages.
//!
//! In-process isolation runs this on a thread of its own; process isolation
//! will run the same code in a child process with the link carried over a
//! socket.

mod bridge;
mod link;

use std::collections::HashSet;
use std::path::PathBuf;

use anyhow::Context as _;
use wasmtime::Store;
use wasmtime::component::{Linker, ResourceTable};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

pub(crate) use bridge::{ipc_error_to_wit, level_from_wit};
pub(crate) use link::HostLink;
pub(crate) use link::{WorkerLink, link_pair};

use crate::bindings::renderer::Renderer;
use crate::capabilities::{self, Grants, World};
use crate::engine::Engine;
use crate::manifest::Limits;
use crate::wire::{ExitReason, HostToWorker, WorkerToHost};
use bridge::BridgeClient;

/// What a worker needs to start: which component, as what, with which rights.
#[derive(Debug, Clone)]
pub(crate) struct WorkerSpec {
    /// The name used in logs and errors (the window label for renderers).
    pub name: String,
    pub world: World,
    pub component: PathBuf,
    /// Channels the component may invoke and send on.
    pub channels: HashSet<String>,
    pub limits: Limits,
    pub grants: Grants,
}

/// The store data of a renderer component.
pub(crate) struct RendererState {
    wasi: WasiCtx,
    table: ResourceTable,
    pub(crate) bridge: BridgeClient,
}

impl WasiView for RendererState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// Runs a worker to the end and reports why it ended, both as the return
/// value and as a final `Exited` message to the host.
pub(crate) async fn run(engine: Engine, spec: WorkerSpec, link: WorkerLink) -> ExitReason {
    let to_host = link.to_host.clone();
    let reason = match spec.world {
        World::Renderer => run_renderer(engine, &spec, link).await,
        other => ExitReason::LaunchFailed {
            message: format!("{other} workers are not supported by this host yet"),
        },
    };
    if let ExitReason::Crashed { message } | ExitReason::LaunchFailed { message } = &reason {
        tracing::error!(component = %spec.name, "worker ended: {message}");
    }
    let _ = to_host.send(WorkerToHost::Exited {
        reason: reason.clone(),
    });
    reason
}

async fn run_renderer(engine: Engine, spec: &WorkerSpec, link: WorkerLink) -> ExitReason {
    let (instance, mut store, mut events) = match launch_renderer(&engine, spec, link).await {
        Ok(launched) => launched,
        Err(err) => {
            return ExitReason::LaunchFailed {
                message: format!("{err:#}"),
            };
        }
    };
    let exports = instance.wasmtron_app_renderer_events();
    while let Some(message) = events.recv().await {
        let outcome = match message {
            HostToWorker::Load => exports.call_on_load(&mut store).await,
            HostToWorker::Ui { event } => {
                exports
                    .call_on_event(&mut store, &bridge::ui_event_to_wit(event))
                    .await
            }
            HostToWorker::Push { channel, payload } => {
                exports.call_on_push(&mut store, &channel, &payload).await
            }
            HostToWorker::Stop => break,
            // Replies are taken by the link's reader and never reach here.
            HostToWorker::Reply { .. } => Ok(()),
        };
        if let Err(trap) = outcome {
            return ExitReason::Crashed {
                message: format!("{trap:#}"),
            };
        }
    }
    ExitReason::CleanExit
}

type Launched = (
    Renderer,
    Store<RendererState>,
    tokio::sync::mpsc::UnboundedReceiver<HostToWorker>,
);

async fn launch_renderer(
    engine: &Engine,
    spec: &WorkerSpec,
    link: WorkerLink,
) -> anyhow::Result<Launched> {
    let component = engine.load(&spec.component)?;
    capabilities::check(engine, &component, World::Renderer, &spec.name)?;
    let mut linker = Linker::<RendererState>::new(engine.wasmtime());
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)
        .map_err(anyhow::Error::from)
        .context("cannot link WASI")?;
    Renderer::add_to_linker::<_, wasmtime::component::HasSelf<_>>(&mut linker, |s| s)
        .map_err(anyhow::Error::from)
        .context("cannot link the renderer world")?;
    let (bridge, events) = BridgeClient::start(spec, link);
    let state = RendererState {
        wasi: capabilities::wasi_context(&spec.name, &spec.grants),
        table: ResourceTable::new(),
        bridge,
    };
    let mut store = Store::new(engine.wasmtime(), state);
    let instance = Renderer::instantiate_async(&mut store, &component, &linker)
        .await
        .map_err(anyhow::Error::from)
        .with_context(|| format!("cannot instantiate renderer `{}`", spec.name))?;
    store.data().bridge.ready();
    Ok((instance, store, events))
}
