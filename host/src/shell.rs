//! The host's live state: open windows and their renderers, utilities, the
//! router and the way out. Main's imports and the page-event pump both act
//! on it.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use tokio::sync::mpsc::UnboundedReceiver;
use tokio::sync::watch;

use crate::capabilities::{self, Grants, World};
use crate::engine::Engine;
use crate::ipc::{IpcError, Router, Sender};
use crate::lifecycle::{AppExit, WindowEventKind};
use crate::mailbox::{MainCall, MainHandle};
use crate::manifest::Manifest;
use crate::ports::{Holder, PortEvent, PortHub, PortId};
use crate::supervisor::{
    ProcessKind, ProcessMetric, ProcessState, STOP_GRACE, Supervisor, Worker, WorkerExit,
    WorkerPeer,
};
use crate::window::{PageEvent, PageEventSink, WindowBackend, WindowError};
use crate::wire::HostToWorker;
use wasmtron_worker::WorkerSpec;

/// Why main's request about a window failed.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum WindowControlError {
    #[error("no window `{0}` is declared in the manifest")]
    UnknownLabel(String),
    #[error("window `{0}` is not open")]
    NotOpen(String),
    #[error("window `{0}` is already open")]
    AlreadyOpen(String),
    #[error("window `{label}` could not open: {reason}")]
    Failed { label: String, reason: String },
    #[error("window `{label}`: {reason}")]
    BadOptions { label: String, reason: String },
}

mod calls;
mod content;
mod page;
mod utilities;
mod window_control;

pub(crate) use utilities::{StdioMode, UtilityOptions};
pub(crate) use window_control::{DialogRefused, WindowOptions, WindowState, window_spec};

/// Why main could not fork a utility.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ForkError {
    #[error("no utility `{0}` is declared in the manifest")]
    UnknownUtility(String),
    #[error("utility `{name}` could not start: {reason}")]
    Failed { name: String, reason: String },
    #[error("utility `{name}`: {reason}")]
    BadOption { name: String, reason: String },
    /// As many instances run as the manifest allows (`max-instances`,
    /// `app.max-utility-instances`).
    #[error("utility `{name}` refused: {reason}")]
    TooManyInstances { name: String, reason: String },
}

/// An open window: its current renderer. A window outlives a renderer that
/// crashed; `generation` tells a reload's renderer from its predecessor.
struct OpenWindow {
    renderer: Arc<Worker>,
    generation: u64,
    /// What the host knows of the window's frame.
    state: WindowState,
}

pub(crate) struct Shell {
    me: Weak<Shell>,
    manifest: Arc<Manifest>,
    engine: Engine,
    supervisor: Arc<Supervisor>,
    backend: Arc<dyn WindowBackend>,
    router: Arc<Router>,
    main: Option<MainHandle>,
    page_events: PageEventSink,
    windows: Mutex<HashMap<String, OpenWindow>>,
    /// Labels being opened or reloaded: reserved while their renderer
    /// starts, which happens outside the `windows` lock.
    opening: Mutex<HashSet<String>>,
    /// Utilities by instance name, while they run or wait to restart.
    utilities: Mutex<HashMap<String, utilities::UtilitySlot>>,
    generations: AtomicU64,
    exit: watch::Sender<Option<AppExit>>,
    ports: Arc<PortHub>,
    dev_mode: bool,
    /// Where the app's per-user folders are, or why it has none.
    app_paths: Result<crate::capabilities::folders::AppPaths, String>,
    /// Where windows with `persistent-storage` keep it.
    web_storage: Option<std::path::PathBuf>,
    /// Native app-interface providers the embedding program registered.
    natives: HashMap<String, crate::capabilities::contracts::NativeProvider>,
    /// The app-interface bindings checked at start, for the re-check of
    /// each component before it is instantiated.
    contracts: crate::capabilities::contracts::Contracts,
    /// Page calls waiting for their renderer, by window and renderer
    /// generation.
    page_calls: Mutex<HashMap<(String, u64), usize>>,
    /// Content requests waiting for their provider, by window.
    content_requests: Mutex<HashMap<String, usize>>,
    /// Held while a providing utility starts, so that calls racing to it
    /// start one instance.
    providers_starting: Mutex<()>,
    /// The workers main waits on now (an invoke of one, or a typed call
    /// to one), counted: a typed call from one of them to main would wait
    /// on main, which waits on it.
    main_waits_on: Mutex<HashMap<crate::ipc::Sender, usize>>,
}

/// What the shell is built from.
pub(super) struct ShellParts {
    pub manifest: Arc<Manifest>,
    pub engine: Engine,
    pub supervisor: Arc<Supervisor>,
    pub backend: Arc<dyn WindowBackend>,
    pub router: Arc<Router>,
    pub main: Option<MainHandle>,
    pub page_events: PageEventSink,
    pub exit: watch::Sender<Option<AppExit>>,
    /// Windows get developer tools (`wasmtron run --dev`).
    pub dev_mode: bool,
    /// Where the app's per-user folders are, or why it has none.
    pub app_paths: Result<crate::capabilities::folders::AppPaths, String>,
    /// Where windows with `persistent-storage` keep it.
    pub web_storage: Option<std::path::PathBuf>,
    pub natives: HashMap<String, crate::capabilities::contracts::NativeProvider>,
    pub contracts: crate::capabilities::contracts::Contracts,
}

/// Main waits on a worker while this lives ([`Shell::main_waits_on`]).
pub(crate) struct MainWait {
    shell: Weak<Shell>,
    worker: crate::ipc::Sender,
}

impl Drop for MainWait {
    fn drop(&mut self) {
        let Some(shell) = self.shell.upgrade() else {
            return;
        };
        let mut waits = lock(&shell.main_waits_on);
        if let Some(count) = waits.get_mut(&self.worker) {
            *count -= 1;
            if *count == 0 {
                waits.remove(&self.worker);
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // The maps stay consistent across a panic elsewhere; keep serving.
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

impl Shell {
    pub(super) fn new(parts: ShellParts) -> Arc<Self> {
        Arc::new_cyclic(|me: &Weak<Shell>| Shell {
            ports: {
                let shell = me.clone();
                let hub = PortHub::new(
                    Box::new(move |event| {
                        if let Some(shell) = shell.upgrade() {
                            shell.deliver_port_event(event);
                        }
                    }),
                    parts.manifest.limits.max_message_bytes,
                    parts.manifest.limits.max_queued_messages,
                );
                hub.table.link_workers();
                Arc::new(hub)
            },
            me: me.clone(),
            manifest: parts.manifest,
            engine: parts.engine,
            supervisor: parts.supervisor,
            backend: parts.backend,
            router: parts.router,
            main: parts.main,
            page_events: parts.page_events,
            windows: Mutex::default(),
            opening: Mutex::default(),
            utilities: Mutex::default(),
            generations: AtomicU64::new(1),
            exit: parts.exit,
            dev_mode: parts.dev_mode,
            app_paths: parts.app_paths,
            web_storage: parts.web_storage,
            natives: parts.natives,
            contracts: parts.contracts,
            page_calls: Mutex::new(HashMap::new()),
            content_requests: Mutex::new(HashMap::new()),
            providers_starting: Mutex::new(()),
            main_waits_on: Mutex::default(),
        })
    }

    pub(crate) fn app_name(&self) -> &str {
        &self.manifest.name
    }

    pub(crate) fn router(&self) -> &Arc<Router> {
        &self.router
    }

    /// The app's manifest.
    pub(crate) fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Hands `url` to the window system's opener (checked by the caller).
    pub(crate) fn open_external(&self, url: &str) -> Result<(), String> {
        self.backend.open_external(url)
    }

    /// Where the app's per-user folders are, or why it has none.
    pub(crate) fn app_paths(&self) -> &Result<crate::capabilities::folders::AppPaths, String> {
        &self.app_paths
    }

    pub(crate) fn limits(&self) -> crate::manifest::Limits {
        self.manifest.limits
    }

    pub(crate) fn ports(&self) -> &Arc<PortHub> {
        &self.ports
    }

    /// Payload bytes of port messages the host has carried.
    pub(crate) fn port_bytes_relayed(&self) -> u64 {
        self.ports.table.relayed_bytes()
    }

    /// Delivers a port message or close to the port's holder. A holder
    /// that is gone takes its ports with it: their peers hear `close`.
    fn deliver_port_event(&self, event: PortEvent) {
        let Some(event) = self.ports.to_main_link(event) else {
            return;
        };
        let event = match event {
            PortEvent::Link {
                holder: Holder::Main,
                port,
                fd,
                state,
                ..
            } => {
                self.ports.adopt_main_link(port, fd, state);
                return;
            }
            other => other,
        };
        let (holder, message, call) = match event {
            PortEvent::Message(delivery) => (
                delivery.holder,
                HostToWorker::PortMessage {
                    port: delivery.port,
                    data: delivery.data.clone(),
                    ports: delivery.ports.clone(),
                    marked: delivery.marked,
                },
                Some(MainCall::PortMessage {
                    port: delivery.port,
                    ticket: (delivery.holder == Holder::Main)
                        .then(|| self.ports.main_ticket(delivery.port)),
                    data: delivery.data,
                    ports: delivery.ports,
                    marked: delivery.marked,
                }),
            ),
            PortEvent::Closed {
                holder,
                port,
                drain,
            } => (
                holder,
                HostToWorker::PortClosed { port, drain },
                Some(MainCall::PortClosed(port)),
            ),
            PortEvent::Link {
                holder,
                port,
                fd,
                state,
                incoming,
            } => (
                holder,
                HostToWorker::PortLink {
                    port,
                    fd: crate::wire::Attached::new(fd),
                    state,
                    incoming,
                },
                None,
            ),
            PortEvent::LinkReady { holder, port } => (
                holder,
                HostToWorker::LinkReady { port },
                Some(MainCall::LinkReady(port)),
            ),
        };
        let delivered = match holder {
            Holder::Main => self
                .main
                .as_ref()
                .zip(call)
                .is_some_and(|(main, call)| main.post(call).is_ok()),
            Holder::Worker(id) => self
                .supervisor
                .worker(id)
                .is_some_and(|worker| worker.post(message).is_ok()),
        };
        if !delivered {
            self.ports.holder_gone(holder);
        }
    }

    /// Main → worker message (a push to a renderer, a post to a utility),
    /// moving main's ports `transfer` to the worker.
    pub(crate) fn post_to_worker(
        &self,
        worker: &Arc<Worker>,
        channel: String,
        payload: Vec<u8>,
        transfer: &[PortId],
    ) -> Result<(), IpcError> {
        let limit = self.manifest.limits.max_message_bytes;
        if payload.len() > limit {
            return Err(IpcError::too_large("the payload", payload.len(), limit));
        }
        if matches!(worker.state(), ProcessState::Exiting | ProcessState::Exited) {
            return Err(IpcError::target_gone(&format!(
                "{} `{}`",
                worker.kind.as_str(),
                worker.name
            )));
        }
        let holder = Holder::Worker(worker.id);
        let (ports, carried) = self
            .ports
            .transfer(Holder::Main, transfer, holder)
            .map_err(|err| IpcError::new(crate::ipc::ErrorCode::Denied, err.to_string()))?;
        let posted = worker.post(HostToWorker::Push {
            channel,
            payload,
            ports,
        });
        self.ports.flush(carried);
        if posted.is_err() {
            // It died meanwhile: what it was given closes with it.
            self.ports.holder_gone(holder);
        }
        posted
    }

    fn ending(&self) -> bool {
        self.exit.borrow().is_some()
    }

    /// Loads a component and checks it against its world in the host, so
    /// that a refusal is the caller's error, not a worker's exit.
    /// `importer` is who the component is in the manifest, for its
    /// bindings.
    fn prepare(
        &self,
        name: &str,
        importer: &crate::manifest::Importer,
        path: &std::path::Path,
        limits: crate::manifest::Limits,
    ) -> Result<WorkerSpec, String> {
        let world = match importer {
            crate::manifest::Importer::Main => World::Main,
            crate::manifest::Importer::Window(_) => World::Renderer,
            crate::manifest::Importer::Utility(_) => World::Utility,
        };
        let component = self.engine.load(path).map_err(|e| e.to_string())?;
        let bound = self.manifest.bindings(importer);
        let http = !self.manifest.allowed_hosts(importer).is_empty();
        capabilities::check(&self.engine, &component, world, name, bound, http)
            .map_err(|e| e.to_string())?;
        capabilities::contracts::recheck(&self.engine, &component, importer, &self.contracts)
            .map_err(|e| format!("refused app interface: {e}"))?;
        let dirs = capabilities::folders::grants(&self.manifest, &self.app_paths, importer)
            .map_err(|e| format!("refused folder grant: {e}"))?;
        Ok(WorkerSpec {
            name: name.to_owned(),
            world,
            component,
            channels: HashSet::new(),
            limits,
            grants: Grants {
                dirs,
                allowed_hosts: self.manifest.allowed_hosts(importer).to_vec(),
                ..Grants::default()
            },
        })
    }

    /// Starts a renderer for window `label`.
    fn launch_renderer(&self, label: &str, generation: u64) -> Result<Arc<Worker>, String> {
        let declared = self
            .manifest
            .window(label)
            .ok_or_else(|| format!("no window `{label}` is declared"))?;
        let mut spec = self.prepare(
            label,
            &crate::manifest::Importer::Window(label.to_owned()),
            &declared.renderer,
            declared.limits,
        )?;
        spec.channels = declared.channels.iter().cloned().collect();
        spec.grants.precise_clocks = declared.precise_clocks;
        let peer = WorkerPeer {
            sender: Sender::Window(label.to_owned()),
            name: label.to_owned(),
            channels: Arc::new(spec.channels.clone()),
            limits: spec.limits,
            window: Some((label.to_owned(), self.backend.clone())),
            on_post: None,
            on_output: None,
            holder: Holder::Main,
            ports: self.ports.clone(),
            allowed_hosts: spec.grants.allowed_hosts.clone().into(),
        };
        let shell = self.me.clone();
        let owner = label.to_owned();
        let on_exit = Box::new(move |exit: WorkerExit| {
            if let Some(shell) = shell.upgrade() {
                shell.renderer_exited(&owner, generation, exit);
            }
        });
        self.supervisor
            .launch(ProcessKind::Renderer, spec, peer, on_exit)
            .map_err(|e| e.to_string())
    }

    /// Opens a window declared in the manifest: starts its renderer worker
    /// and the page. The renderer starts outside the windows lock (loading
    /// a component can take a while); the label is reserved meanwhile.
    pub(crate) fn open_window(&self, label: &str) -> Result<(), WindowControlError> {
        self.start_window(label, false, &WindowOptions::default())
    }

    /// Opens a window declared in the manifest with `options` over its
    /// declared frame.
    pub(crate) fn create_window(
        &self,
        label: &str,
        options: &WindowOptions,
    ) -> Result<(), WindowControlError> {
        self.start_window(label, false, options)
    }

    /// Gives a window whose page [`App::start`](crate::App) opened early
    /// (so that the window system builds it while components load) its
    /// renderer. On failure the page is closed again.
    pub(crate) fn adopt_window(&self, label: &str) -> Result<(), WindowControlError> {
        let adopted = self.start_window(label, true, &WindowOptions::default());
        if adopted.is_err() {
            self.backend.close(label);
        }
        adopted
    }

    fn start_window(
        &self,
        label: &str,
        page_open: bool,
        options: &WindowOptions,
    ) -> Result<(), WindowControlError> {
        let declared = self
            .manifest
            .window(label)
            .ok_or_else(|| WindowControlError::UnknownLabel(label.to_owned()))?;
        let failed = |reason: String| WindowControlError::Failed {
            label: label.to_owned(),
            reason,
        };
        let options = WindowOptions {
            devtools: self.dev_mode,
            ..options.clone()
        };
        let mut spec = window_spec(declared, &options, self.manifest.hardware_acceleration)
            .map_err(|reason| WindowControlError::BadOptions {
                label: label.to_owned(),
                reason,
            })?;
        if declared.persistent_storage {
            spec.web_storage = self.web_storage.as_ref().map(|web| web.join(label));
        }
        if self.ending() {
            return Err(failed("the app is ending".into()));
        }
        let _reservation = self.reserve(label, false)?;
        let generation = self.generations.fetch_add(1, Ordering::Relaxed);
        let renderer = self.launch_renderer(label, generation).map_err(failed)?;
        // Inserted before the page opens, so the page's `Loaded` finds it.
        lock(&self.windows).insert(
            label.to_owned(),
            OpenWindow {
                renderer: renderer.clone(),
                generation,
                state: WindowState::of(&spec),
            },
        );
        if page_open {
            return Ok(());
        }
        if let Err(err) = self.backend.open(spec, self.page_events.clone()) {
            lock(&self.windows).remove(label);
            renderer.stop();
            return Err(match err {
                WindowError::AlreadyOpen(l) => WindowControlError::AlreadyOpen(l),
                other => failed(other.to_string()),
            });
        }
        Ok(())
    }

    /// Reserves `label` for an open (`open == false`: it must not be open)
    /// or a reload (`open == true`: it must be). The reservation ends when
    /// the returned guard drops.
    fn reserve(&self, label: &str, open: bool) -> Result<Reservation<'_>, WindowControlError> {
        let windows = lock(&self.windows);
        let mut opening = lock(&self.opening);
        if opening.contains(label) || windows.contains_key(label) != open {
            return Err(if open {
                WindowControlError::NotOpen(label.to_owned())
            } else {
                WindowControlError::AlreadyOpen(label.to_owned())
            });
        }
        opening.insert(label.to_owned());
        Ok(Reservation {
            shell: self,
            label: label.to_owned(),
        })
    }

    /// Closes an open window; its renderer stops and main hears
    /// `on-window-closed` once the page is gone.
    pub(crate) fn close_window(&self, label: &str) -> Result<(), WindowControlError> {
        let window = lock(&self.windows)
            .remove(label)
            .ok_or_else(|| WindowControlError::NotOpen(label.to_owned()))?;
        window.renderer.stop();
        self.backend.close(label);
        Ok(())
    }

    /// Replaces an open window's renderer with a fresh one and loads its
    /// page again.
    pub(crate) fn reload_window(&self, label: &str) -> Result<(), WindowControlError> {
        let failed = |reason: String| WindowControlError::Failed {
            label: label.to_owned(),
            reason,
        };
        if self.ending() {
            return Err(failed("the app is ending".into()));
        }
        let _reservation = self.reserve(label, true)?;
        let generation = self.generations.fetch_add(1, Ordering::Relaxed);
        let renderer = self.launch_renderer(label, generation).map_err(failed)?;
        let old = {
            let mut windows = lock(&self.windows);
            match windows.get_mut(label) {
                Some(window) => {
                    let state = window.state.clone();
                    Some(std::mem::replace(
                        window,
                        OpenWindow {
                            renderer: renderer.clone(),
                            generation,
                            state,
                        },
                    ))
                }
                None => None,
            }
        };
        match old {
            Some(old) => {
                old.renderer.stop();
                self.backend.reload(label);
                Ok(())
            }
            // Closed while the new renderer started.
            None => {
                renderer.stop();
                Err(WindowControlError::NotOpen(label.to_owned()))
            }
        }
    }

    pub(crate) fn window_labels(&self) -> Vec<String> {
        let mut labels: Vec<String> = lock(&self.windows).keys().cloned().collect();
        labels.sort();
        labels
    }

    /// Window `label`'s renderer and its generation.
    pub(crate) fn renderer_and_generation(
        &self,
        label: &str,
    ) -> Result<(Arc<Worker>, u64), IpcError> {
        lock(&self.windows)
            .get(label)
            .map(|w| (w.renderer.clone(), w.generation))
            .ok_or_else(|| IpcError::target_gone(&format!("window `{label}`")))
    }

    pub(crate) fn renderer_of(&self, label: &str) -> Result<Arc<Worker>, IpcError> {
        lock(&self.windows)
            .get(label)
            .map(|w| w.renderer.clone())
            .ok_or_else(|| IpcError::target_gone(&format!("window `{label}`")))
    }

    /// Main → renderer push (Electron's `webContents.send`).
    pub(crate) fn push(
        &self,
        label: &str,
        channel: String,
        payload: Vec<u8>,
    ) -> Result<(), IpcError> {
        let limit = self.manifest.limits.max_message_bytes;
        if payload.len() > limit {
            return Err(IpcError::too_large("the payload", payload.len(), limit));
        }
        self.renderer_of(label)?.post(HostToWorker::Push {
            channel,
            payload,
            ports: Vec::new(),
        })
    }

    /// Main → renderer invoke.
    pub(crate) async fn invoke_window(
        &self,
        label: &str,
        channel: String,
        payload: Vec<u8>,
    ) -> Result<Vec<u8>, IpcError> {
        let renderer = self.renderer_of(label)?;
        let _waiting = self.main_waits_on(crate::ipc::Sender::Window(label.to_owned()));
        renderer.invoke(channel, payload).await
    }

    /// Marks main as waiting on `worker` until the mark is dropped.
    pub(crate) fn main_waits_on(&self, worker: crate::ipc::Sender) -> MainWait {
        *lock(&self.main_waits_on).entry(worker.clone()).or_default() += 1;
        MainWait {
            shell: self.me.clone(),
            worker,
        }
    }

    /// Whether main waits on `worker` now.
    pub(crate) fn main_is_waiting_on(&self, worker: &crate::ipc::Sender) -> bool {
        lock(&self.main_waits_on).contains_key(worker)
    }

    fn renderer_exited(&self, label: &str, generation: u64, exit: WorkerExit) {
        self.ports.holder_gone(Holder::Worker(exit.id));
        let current = lock(&self.windows)
            .get(label)
            .is_some_and(|w| w.generation == generation);
        if current && exit.reason.is_failure() && !self.ending() {
            self.backend.show_crash(label, &exit.reason.to_string());
        }
        self.report_gone(exit);
    }

    /// Tells main a worker is gone (Electron's `render-process-gone` and
    /// `child-process-gone`), unless the app itself is ending.
    pub(super) fn report_gone(&self, exit: WorkerExit) {
        if self.ending() {
            return;
        }
        if let Some(main) = &self.main {
            let _ = main.post(MainCall::ProcessGone(exit));
        }
    }

    /// The host and every worker, with usage read from the OS.
    pub(crate) fn metrics(&self) -> Vec<ProcessMetric> {
        self.supervisor.metrics(self.app_name())
    }

    /// Ends the app with `code` now, without asking main.
    pub(crate) fn quit(&self, code: i32) {
        self.finish(AppExit::Quit(code));
    }

    /// Asks main (`on-before-quit`) whether the app may end as `exit`; ends
    /// it now when there is no main.
    pub(crate) fn request_quit(&self, exit: AppExit) {
        let Some(main) = &self.main else {
            return self.finish(exit);
        };
        if self.ending() {
            return;
        }
        if main.post(MainCall::BeforeQuit(exit.clone())).is_err() {
            self.finish(exit);
        }
    }

    /// A second launch of a single-instance app handed over its arguments
    /// and folder.
    pub(crate) fn second_instance(&self, handoff: crate::single_instance::Handoff) {
        tracing::info!(args = ?handoff.args, cwd = %handoff.cwd.display(), "second launch handed over");
        if self.ending() {
            return;
        }
        if let Some(main) = &self.main {
            let _ = main.post(MainCall::SecondInstance {
                args: handoff.args,
                cwd: handoff.cwd.to_string_lossy().into_owned(),
            });
        }
    }

    /// Main's answer to the last window closing.
    pub(crate) fn all_closed_answered(&self, quit: bool) {
        // A window opened meanwhile is a reason to stay.
        if quit && lock(&self.windows).is_empty() {
            self.request_quit(AppExit::AllWindowsClosed);
        }
    }

    /// Main's answer to `on-before-quit`: main hears `on-will-quit` and
    /// `on-quit` before it stops, in that order.
    pub(crate) fn before_quit_answered(&self, exit: AppExit, quit: bool) {
        if !quit {
            tracing::info!("main kept the app running ({exit:?} asked)");
            return;
        }
        if self.ending() {
            return;
        }
        if let Some(main) = &self.main {
            let _ = main.post(MainCall::WillQuit);
            let _ = main.post(MainCall::Quit(exit.code()));
        }
        self.finish(exit);
    }

    pub(crate) fn main_crashed(&self, message: String) {
        self.finish(AppExit::MainCrashed(message));
    }

    fn finish(&self, exit: AppExit) {
        let first = self.exit.send_if_modified(|current| {
            if current.is_some() {
                return false;
            }
            *current = Some(exit.clone());
            true
        });
        if !first {
            return;
        }
        tracing::info!("app ending: {exit:?}");
        lock(&self.windows).clear();
        lock(&self.utilities).clear();
        let workers = self.supervisor.close();
        for worker in &workers {
            worker.stop();
        }
        // A worker busy in guest code cannot take `Stop`; after the grace
        // period it is killed, so that no worker outlives the app.
        let spawned = std::thread::Builder::new()
            .name("wasmtron-reaper".into())
            .spawn(move || {
                let deadline = Instant::now() + STOP_GRACE;
                while Instant::now() < deadline
                    && workers.iter().any(|w| w.state() != ProcessState::Exited)
                {
                    std::thread::sleep(Duration::from_millis(20));
                }
                for worker in workers {
                    worker.kill();
                }
            });
        if let Err(err) = spawned {
            tracing::error!("cannot start the worker reaper: {err}");
        }
        if let Some(main) = &self.main {
            let _ = main.post(MainCall::Stop);
        }
        self.backend.shutdown();
    }

    /// Delivers page events to renderers and tells main about closed windows.
    pub(super) async fn pump_page_events(
        self: Arc<Self>,
        mut events: UnboundedReceiver<(String, PageEvent)>,
    ) {
        while let Some((label, event)) = events.recv().await {
            match event {
                PageEvent::Loaded => {
                    self.to_renderer(&label, HostToWorker::Load);
                    self.window_event(&label, WindowEventKind::ReadyToShow);
                }
                PageEvent::Painted => tracing::info!(
                    window = %label,
                    since_app_start_ms = crate::lifecycle::since_start().as_millis(),
                    "page painted"
                ),
                PageEvent::Ui(event) => self.to_renderer(&label, HostToWorker::Ui { event }),
                PageEvent::Call { id, function, args } => {
                    self.page_call(label, id, function, args);
                }
                PageEvent::Content(request) => self.serve_content(label, request),
                PageEvent::CallRefused { id, failure } => {
                    self.backend.settle(&label, id, Err(failure));
                }
                PageEvent::Focused(focused) => {
                    let event =
                        [WindowEventKind::Blur, WindowEventKind::Focus][usize::from(focused)];
                    self.window_event(&label, event);
                }
                PageEvent::Resized(width, height) => {
                    self.window_event(&label, WindowEventKind::Resized(width, height));
                }
                PageEvent::Shown(shown) => {
                    let event =
                        [WindowEventKind::Hidden, WindowEventKind::Shown][usize::from(shown)];
                    self.window_event(&label, event);
                }
                PageEvent::Menu(id) => {
                    if !self.ending()
                        && let Some(main) = &self.main
                    {
                        let _ = main.post(MainCall::Menu { label, id });
                    }
                }
                PageEvent::CloseRequested => {
                    let _ = self.request_close(&label);
                }
                PageEvent::Closed => self.window_closed(&label),
            }
        }
    }

    fn to_renderer(&self, label: &str, message: HostToWorker) {
        if let Ok(renderer) = self.renderer_of(label) {
            // A crashed renderer takes nothing: its page shows the crash.
            let _ = renderer.post(message);
        }
    }

    fn window_closed(&self, label: &str) {
        let window = lock(&self.windows).remove(label);
        if let Some(window) = window {
            window.renderer.stop();
        }
        if self.ending() {
            return;
        }
        if let Some(main) = &self.main {
            let _ = main.post(MainCall::WindowClosed(label.to_owned()));
        }
        if self.manifest.quit_when_all_windows_closed && lock(&self.windows).is_empty() {
            match &self.main {
                Some(main) => {
                    if main.post(MainCall::WindowAllClosed).is_err() {
                        self.finish(AppExit::AllWindowsClosed);
                    }
                }
                None => self.finish(AppExit::AllWindowsClosed),
            }
        }
    }
}

/// A label reserved by [`Shell::reserve`] until this drops.
struct Reservation<'a> {
    shell: &'a Shell,
    label: String,
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        lock(&self.shell.opening).remove(&self.label);
    }
}
