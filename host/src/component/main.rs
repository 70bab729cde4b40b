use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Context as _;
use tokio::sync::mpsc::UnboundedReceiver;
use wasmtime::Store;
use wasmtime::component::{HasSelf, Linker, ResourceTable};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::bindings::main::Main;
use crate::bindings::main::exports::wasmtron::app::main_events::WindowEvent as WitWindowEvent;
use crate::capabilities::{self, Grants, World};
use crate::engine::{CpuBudget, Engine};
use crate::lifecycle::WindowEventKind;
use crate::mailbox::{MainCall, MainHandle};
use crate::shell::Shell;
use wasmtron_wire::{IpcError, Sender};
use wasmtron_worker::convert::sender_to_wit;

/// The store data of the main component.
pub(crate) struct MainState {
    wasi: WasiCtx,
    /// What its refusals at the WASI boundary are logged by.
    refusals: capabilities::Refusals,
    table: ResourceTable,
    pub(super) shell: Arc<Shell>,
    pub(super) mailbox: MainHandle,
    /// Running timers: their task and whether they repeat.
    pub(super) timers: HashMap<u64, (tokio::task::AbortHandle, bool)>,
    pub(super) next_timer: u64,
    /// Utility instances main holds `utility-process` handles to, by handle.
    pub(super) utilities: HashMap<u32, (String, u64)>,
    pub(super) next_utility: u32,
    /// The ports main holds.
    pub(super) ports: crate::ports::HeldPorts<MainCall>,
    /// CPU time per call (`[limits] cpu-ms-per-call`).
    cpu: CpuBudget,
    /// Linear memory (`[limits] max-memory-bytes`), as every component has.
    memory: wasmtron_worker::MemoryCap,
    /// Who made the typed call running now, if one is.
    pub(super) caller: Option<Sender>,
    /// `wasi:http`, linked only with `allowed-hosts`: main's requests are
    /// made by the host's client directly.
    http: wasmtime_wasi_http::WasiHttpCtx,
    http_hooks: wasmtron_worker::http::HttpHooks,
}

impl wasmtime_wasi_http::WasiHttpView for MainState {
    fn http(&mut self) -> wasmtime_wasi_http::WasiHttpCtxView<'_> {
        wasmtime_wasi_http::WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.http_hooks,
        }
    }
}

impl WasiView for MainState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl capabilities::Refusing for MainState {
    fn refusals(&self) -> &capabilities::Refusals {
        &self.refusals
    }
}

/// Compiles, checks and instantiates the main component, then serves its
/// mailbox on a thread of its own until the mailbox closes or main traps.
///
/// Returns once the component is instantiated (or failed to be).
pub(crate) fn spawn_main(
    engine: Engine,
    spec: crate::manifest::MainSpec,
    shell: Arc<Shell>,
    handle: MainHandle,
    mailbox: UnboundedReceiver<MainCall>,
) -> anyhow::Result<std::thread::JoinHandle<()>> {
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let thread = std::thread::Builder::new()
        .name("wasmtron-main".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(err) => {
                    let _ = started_tx.send(Err(anyhow::Error::from(err)));
                    return;
                }
            };
            runtime.block_on(async move {
                let name = shell.app_name().to_owned();
                match instantiate(&engine, &spec, &name, shell.clone(), handle).await {
                    Ok((main, store)) => {
                        let _ = started_tx.send(Ok(()));
                        serve(main, store, mailbox).await;
                    }
                    Err(err) => {
                        let _ = started_tx.send(Err(err));
                    }
                }
            });
        })
        .context("cannot start the main component's thread")?;
    started_rx
        .recv()
        .context("the main component's thread ended before starting")??;
    Ok(thread)
}

/// Main's instance: its world's exports, and the raw instance with the app
/// interfaces it exports, for typed calls.
struct Served {
    main: Main,
    raw: wasmtime::component::Instance,
    exports: wasmtron_worker::typed::Exports,
}

async fn instantiate(
    engine: &Engine,
    spec: &crate::manifest::MainSpec,
    name: &str,
    shell: Arc<Shell>,
    handle: MainHandle,
) -> anyhow::Result<(Served, Store<MainState>)> {
    let component = engine.load(&spec.component)?;
    let http = !spec.allowed_hosts.is_empty();
    capabilities::check(engine, &component, World::Main, name, &spec.imports, http)?;
    let cpu_ms_per_call = shell.limits().cpu_ms_per_call;
    let max_memory_bytes = shell.limits().max_memory_bytes;
    let mut linker = Linker::<MainState>::new(engine.wasmtime());
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)
        .map_err(anyhow::Error::from)
        .context("cannot link WASI")?;
    capabilities::watch_refusals(&mut linker).context("cannot link WASI")?;
    if !spec.allowed_hosts.is_empty() {
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)
            .map_err(anyhow::Error::from)
            .context("cannot link wasi:http")?;
    }
    Main::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)
        .map_err(anyhow::Error::from)
        .context("cannot link the main world")?;
    wasmtron_worker::typed::link_imports(&mut linker, &component)
        .context("cannot link the app interfaces main imports")?;
    let exports = wasmtron_worker::typed::Exports::of(engine.wasmtime(), &component);
    let (wasi, refusals) = capabilities::wasi_context(
        &format!("{name}/main"),
        &Grants {
            precise_clocks: spec.precise_clocks,
            dirs: capabilities::folders::grants(
                shell.manifest(),
                shell.app_paths(),
                &crate::manifest::Importer::Main,
            )
            .map_err(|why| anyhow::anyhow!("refused folder grant: {why}"))?,
            ..Grants::default()
        },
        &capabilities::OutputTail::default(),
        &capabilities::OutputSink::default(),
    )?;
    let limits = shell.limits();
    let carrier = crate::http::MainCarrier {
        name: format!("{name}/main"),
        allowed: spec.allowed_hosts.clone().into(),
        limits,
    };
    let http_hooks =
        wasmtron_worker::http::HttpHooks::new(&spec.allowed_hosts, &limits, Arc::new(carrier));
    let state = MainState {
        http: wasmtime_wasi_http::WasiHttpCtx::new(),
        http_hooks,
        wasi,
        refusals,
        table: ResourceTable::new(),
        shell,
        mailbox: handle,
        timers: HashMap::new(),
        next_timer: 0,
        utilities: HashMap::new(),
        next_utility: 0,
        ports: crate::ports::HeldPorts::default(),
        cpu: CpuBudget::new(cpu_ms_per_call, Default::default()),
        memory: wasmtron_worker::MemoryCap::new(max_memory_bytes),
        caller: None,
    };
    let mut store = Store::new(engine.wasmtime(), state);
    let limits = store.data().shell.limits();
    store.set_hostcall_fuel(wasmtron_worker::engine::hostcall_fuel(&limits));
    store.limiter(|state| &mut state.memory);
    CpuBudget::install(&mut store, |state| &mut state.cpu);
    store.data_mut().cpu.begin();
    let raw = linker.instantiate_async(&mut store, &component).await;
    store.data_mut().cpu.end();
    let raw = raw
        .map_err(anyhow::Error::from)
        .context("cannot instantiate the main component")?;
    let main = Main::new(&mut store, &raw)
        .map_err(anyhow::Error::from)
        .context("cannot instantiate the main component")?;
    Ok((Served { main, raw, exports }, store))
}

async fn serve(
    served: Served,
    mut store: Store<MainState>,
    mut mailbox: UnboundedReceiver<MainCall>,
) {
    let Served {
        main,
        raw,
        exports: mut app_exports,
    } = served;
    let exports = main.wasmtron_app_main_events();
    loop {
        // Port messages released by `start` go before anything newer.
        let call = match store.data_mut().ports.ready.pop_front() {
            Some(call) => call,
            None => match mailbox.recv().await {
                Some(call @ MainCall::PortMessage { .. }) => {
                    let Some(port) = crate::ports::Waiting::port(&call) else {
                        continue;
                    };
                    if !store.data().ports.holds(port) {
                        // It moved away after this was sent; so do the
                        // ports it carries, and their links.
                        let carried = crate::ports::Waiting::carries(&call);
                        store.data().requeue(call);
                        let hub = store.data().shell.ports().clone();
                        hub.release_main_links(&carried).await;
                        continue;
                    }
                    match store.data_mut().ports.arrive(port, call) {
                        Some(call) => call,
                        None => continue,
                    }
                }
                Some(MainCall::LinkReady(port)) => {
                    store
                        .data()
                        .shell
                        .ports()
                        .ready_requeued(crate::ports::Holder::Main, port);
                    continue;
                }
                Some(call) => call,
                None => break,
            },
        };
        store.data_mut().cpu.begin();
        // A growth refused in an earlier call that main survived does not
        // make a later trap an `oom`.
        store.data_mut().memory.refused = None;
        let outcome = match call {
            MainCall::Ready => {
                let outcome = exports.call_on_ready(&mut store).await;
                store.data().shell.router().main_ready();
                outcome
            }
            MainCall::Handle {
                sender,
                channel,
                payload,
                reply,
                queued,
            } => {
                let result = exports
                    .call_handle(&mut store, &sender_to_wit(sender), &channel, &payload)
                    .await;
                // Handled: the sender may queue one more.
                drop(queued);
                match result {
                    Ok(answer) => {
                        let _ = reply.send(
                            answer.map_err(|e| IpcError::handler_failed(e.code, e.message, e.data)),
                        );
                        Ok(())
                    }
                    Err(trap) => {
                        let _ = reply.send(Err(IpcError::target_gone(
                            "the main component (it crashed)",
                        )));
                        Err(trap)
                    }
                }
            }
            MainCall::Call {
                sender,
                interface,
                function,
                args,
                ports,
                reply,
                queued,
            } => {
                drop(queued);
                store.data_mut().caller = Some(sender);
                let call = wasmtron_worker::typed::Incoming {
                    interface: &interface,
                    function: &function,
                    args: &args,
                    ports,
                };
                let outcome = app_exports.call(&mut store, &raw, call).await;
                store.data_mut().caller = None;
                match outcome {
                    Ok(result) => {
                        // Nobody waits any more: the ports the results move
                        // close rather than stay with main, unheld.
                        if let Err(Ok((_, moved))) = reply.send(result) {
                            for port in moved {
                                store
                                    .data()
                                    .shell
                                    .ports()
                                    .close(crate::ports::Holder::Main, port);
                            }
                        }
                        Ok(())
                    }
                    Err(trap) => {
                        let _ = reply.send(Err(IpcError::target_gone(
                            "the main component (it crashed)",
                        )));
                        Err(trap)
                    }
                }
            }
            MainCall::Message {
                sender,
                channel,
                payload,
                ports,
                queued,
            } => {
                let ports = store.data_mut().adopt_ports(ports);
                let outcome = exports
                    .call_on_message(
                        &mut store,
                        &sender_to_wit(sender),
                        &channel,
                        &payload,
                        &ports,
                    )
                    .await;
                drop(queued);
                outcome
            }
            MainCall::PortMessage {
                port,
                data,
                ports,
                ticket,
                ..
            } => {
                let ports = store.data_mut().adopt_ports(ports);
                let outcome = exports
                    .call_on_port_message(&mut store, port, &data, &ports)
                    .await;
                // Handled: the port's pump may bring one more.
                drop(ticket);
                outcome
            }
            MainCall::UtilitySpawn {
                name,
                pid,
                restarts,
            } => {
                exports
                    .call_on_utility_spawn(&mut store, &name, pid, restarts)
                    .await
            }
            MainCall::UtilityOutput { name, stream, line } => {
                exports
                    .call_on_utility_output(&mut store, &name, &stream, &line)
                    .await
            }
            // Handled as it arrives.
            MainCall::LinkReady(_) => Ok(()),
            MainCall::PortClosed(port) => {
                store.data_mut().ports.mark_closed(port);
                exports.call_on_port_close(&mut store, port).await
            }
            MainCall::Timer(id) => match store.data().timers.get(&id) {
                // Cleared while its firing was queued: drop the firing.
                None => Ok(()),
                Some(&(_, repeat)) => {
                    if !repeat {
                        store.data_mut().timers.remove(&id);
                    }
                    exports.call_on_timer(&mut store, id).await
                }
            },
            MainCall::WindowClosed(label) => {
                exports.call_on_window_closed(&mut store, &label).await
            }
            MainCall::WindowEvent { label, event } => {
                exports
                    .call_on_window_event(&mut store, &label, window_event_to_wit(event))
                    .await
            }
            MainCall::WindowAllClosed => {
                let answer = exports.call_on_window_all_closed(&mut store).await;
                let quit = answer.as_ref().map_or(true, |quit| *quit);
                store.data().shell.all_closed_answered(quit);
                answer.map(drop)
            }
            MainCall::BeforeQuit(exit) => {
                let answer = exports.call_on_before_quit(&mut store).await;
                let quit = answer.as_ref().map_or(true, |quit| *quit);
                store.data().shell.before_quit_answered(exit, quit);
                answer.map(drop)
            }
            MainCall::WillQuit => exports.call_on_will_quit(&mut store).await,
            MainCall::Menu { label, id } => exports.call_on_menu(&mut store, &label, &id).await,
            MainCall::SecondInstance { args, cwd } => {
                exports
                    .call_on_second_instance(&mut store, &args, &cwd)
                    .await
            }
            MainCall::Quit(code) => exports.call_on_quit(&mut store, code).await,
            MainCall::CloseRequested(label) => {
                let answer = exports.call_on_window_close(&mut store, &label).await;
                // A main that traps in its answer does not keep the window.
                let close = answer.as_ref().map_or(true, |close| *close);
                store.data().shell.close_answered(&label, close);
                answer.map(drop)
            }
            MainCall::UtilityMessage {
                name,
                payload,
                ports,
                queued,
            } => {
                let ports = store.data_mut().adopt_ports(ports);
                let outcome = exports
                    .call_on_utility_message(&mut store, &name, &payload, &ports)
                    .await;
                drop(queued);
                outcome
            }
            MainCall::ProcessGone(exit) => {
                exports
                    .call_on_process_gone(&mut store, &super::processes::gone_to_wit(exit))
                    .await
            }
            MainCall::Stop => break,
        };
        store.data_mut().cpu.end();
        if let Err(trap) = outcome {
            // A trapped instance cannot be trusted again. Like a crashed
            // Electron main process, this ends the app, with the reason.
            let message = match store.data().cpu.stopped {
                Some(crate::engine::Stopped::OverBudget { used }) => format!(
                    "timeout: a call used {} ms of CPU time; its limit is {} ms",
                    used.as_millis(),
                    store.data().cpu.limit().as_millis()
                ),
                _ => {
                    let trap = format!("{trap:#}");
                    match store.data().memory.refusal(&trap) {
                        Some(refusal) => format!("oom: {refusal}"),
                        None => trap,
                    }
                }
            };
            tracing::error!("the main component crashed: {message}");
            store.data().shell.main_crashed(message);
            break;
        }
    }
    // A `Stop` leaves its call begun: no call runs any more.
    store.data_mut().cpu.end();
    // Dropping the mailbox fails every queued invoke with `target-gone`;
    // invokes waiting for `on-ready` stop waiting.
    store.data().shell.router().main_ready();
    mailbox.close();
    while let Some(call) = mailbox.recv().await {
        match call {
            MainCall::Handle { reply, .. } => {
                let _ = reply.send(Err(IpcError::target_gone("the main component")));
            }
            MainCall::Call { reply, .. } => {
                let _ = reply.send(Err(IpcError::target_gone("the main component")));
            }
            _ => {}
        }
    }
    for (_, (timer, _)) in store.data_mut().timers.drain() {
        timer.abort();
    }
}

fn window_event_to_wit(event: WindowEventKind) -> WitWindowEvent {
    use WindowEventKind as Kind;
    match event {
        Kind::ReadyToShow => WitWindowEvent::ReadyToShow,
        Kind::Focus => WitWindowEvent::Focus,
        Kind::Blur => WitWindowEvent::Blur,
        Kind::Resized(width, height) => WitWindowEvent::Resized((width, height)),
        Kind::Shown => WitWindowEvent::Shown,
        Kind::Hidden => WitWindowEvent::Hidden,
    }
}
