//! The app: starting the host from a manifest, and its end.

use std::sync::Arc;

use tokio::sync::watch;

pub use crate::lifecycle::AppExit;
pub use crate::shell::{ForkError, WindowControlError};
use crate::shell::{Shell, ShellParts};

use std::collections::HashMap;

use crate::capabilities::contracts::{self, ContractError, Contracts, NativeProvider};
use crate::capabilities::{self, CapabilityError, ImportReport, World};
use crate::component::spawn_main;
use crate::engine::{Engine, LoadError, LoadReport};
use crate::ipc::{NativeHandler, Router};
use crate::mailbox::{MainCall, MainHandle};
use crate::manifest::Importer;
use crate::manifest::{Isolation, Manifest};
use crate::single_instance;
use crate::supervisor::{InProcess, Process, ProcessMetric, Supervisor, Transport};
use crate::window::{WindowBackend, WindowError};

/// Why an app could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AppError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Capability(#[from] CapabilityError),
    #[error("refused app interface: {0}")]
    Contract(Box<ContractError>),
    #[error(transparent)]
    Window(#[from] WindowControlError),
    #[error("cannot start the app: {0:#}")]
    Start(anyhow::Error),
    /// `[app] single-instance`: another instance runs, and took this
    /// launch's arguments and folder.
    #[error("`{0}` is already running; this launch was handed to it")]
    AlreadyRunning(String),
    #[error(transparent)]
    Instance(#[from] single_instance::InstanceError),
}

/// Compiles every component the manifest names and checks each against its
/// world, without running anything. This is `wasmtron check`.
///
/// # Errors
/// Every component that would be refused, with its reasons. All components
/// are checked even when an early one fails.
pub fn check(manifest: &Manifest, engine: &Engine) -> Result<Vec<Checked>, Vec<AppError>> {
    check_with(manifest, engine, None).map(|(checked, _)| checked)
}

/// [`check`], and then every app interface a component imports against the
/// provider the manifest binds it to. `natives` are the native providers
/// the program registered; `None` leaves bindings to them unchecked.
///
/// # Errors
/// As [`check`], and every binding refused.
pub fn check_with(
    manifest: &Manifest,
    engine: &Engine,
    natives: Option<&HashMap<String, NativeProvider>>,
) -> Result<(Vec<Checked>, Contracts), Vec<AppError>> {
    let mut targets = Vec::new();
    if let Some(main) = &manifest.main {
        targets.push((
            format!("{}/main", manifest.name),
            Importer::Main,
            &main.component,
        ));
    }
    for window in &manifest.windows {
        targets.push((
            window.label.clone(),
            Importer::Window(window.label.clone()),
            &window.renderer,
        ));
    }
    for utility in &manifest.utilities {
        targets.push((
            utility.name.clone(),
            Importer::Utility(utility.name.clone()),
            &utility.component,
        ));
    }
    let mut reports = Vec::new();
    let mut components = Vec::new();
    let mut errors = Vec::new();
    for (name, importer, path) in targets {
        let world = match importer {
            Importer::Main => World::Main,
            Importer::Window(_) => World::Renderer,
            Importer::Utility(_) => World::Utility,
        };
        let bound = manifest.bindings(&importer);
        let checked =
            engine
                .load_traced(path)
                .map_err(AppError::from)
                .and_then(|(component, load)| {
                    let http = !manifest.allowed_hosts(&importer).is_empty();
                    capabilities::check(engine, &component, world, &name, bound, http)
                        .map(|imports| (Checked { imports, load }, component))
                        .map_err(AppError::from)
                });
        match checked {
            Ok((report, component)) => {
                reports.push(report);
                components.push((importer, component));
            }
            Err(err) => errors.push(err),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let components: contracts::Components<'_> =
        components.iter().map(|(i, c)| (i.clone(), c)).collect();
    match contracts::check(engine, manifest, &components, natives) {
        Ok(contracts) => Ok((reports, contracts)),
        Err(refused) => Err(refused
            .into_iter()
            .map(|err| AppError::Contract(Box::new(err)))
            .collect()),
    }
}

/// A component that [`check`] accepted: what it imports, and how it was
/// compiled (or loaded from the compile cache).
#[derive(Debug, Clone)]
pub struct Checked {
    /// The component's world and imports.
    pub imports: ImportReport,
    /// Whether it was compiled or loaded, and how long that took.
    pub load: LoadReport,
}

/// Windows opened before anything else at start; closed again unless
/// adopted, so that a start that fails leaves no window behind.
struct EarlyWindows {
    backend: Arc<dyn WindowBackend>,
    labels: std::collections::VecDeque<String>,
}

impl EarlyWindows {
    fn open(
        manifest: &Manifest,
        backend: &Arc<dyn WindowBackend>,
        events: &crate::window::PageEventSink,
        dev_mode: bool,
        web_storage: Option<&std::path::Path>,
    ) -> Result<Self, AppError> {
        let mut early = EarlyWindows {
            backend: backend.clone(),
            labels: std::collections::VecDeque::new(),
        };
        for window in manifest.windows.iter().filter(|w| w.open_at_start) {
            // The manifest's sizes were checked when it was read.
            let options = crate::shell::WindowOptions {
                devtools: dev_mode,
                ..crate::shell::WindowOptions::default()
            };
            let mut spec =
                crate::shell::window_spec(window, &options, manifest.hardware_acceleration)
                    .map_err(|reason| WindowControlError::BadOptions {
                        label: window.label.clone(),
                        reason,
                    })?;
            if window.persistent_storage {
                // Each window's own folder ([`Shell::open_window`]).
                spec.web_storage = web_storage.map(|web| web.join(&window.label));
            }
            backend
                .open(spec, events.clone())
                .map_err(|err| match err {
                    WindowError::AlreadyOpen(l) => WindowControlError::AlreadyOpen(l),
                    other => WindowControlError::Failed {
                        label: window.label.clone(),
                        reason: other.to_string(),
                    },
                })?;
            early.labels.push_back(window.label.clone());
        }
        Ok(early)
    }

    /// The next window, now the caller's to give a renderer (or close).
    fn next(&mut self) -> Option<String> {
        self.labels.pop_front()
    }
}

impl Drop for EarlyWindows {
    fn drop(&mut self) {
        for label in &self.labels {
            self.backend.close(label);
        }
    }
}

/// Configures an app before it starts.
pub struct AppBuilder {
    manifest: Manifest,
    backend: Arc<dyn WindowBackend>,
    isolation: Option<Isolation>,
    worker_program: Option<std::path::PathBuf>,
    engine: Option<Engine>,
    native: Vec<(String, NativeHandler)>,
    natives: HashMap<String, NativeProvider>,
    instance_lock: Option<single_instance::InstanceLock>,
    launch: Option<single_instance::Handoff>,
    dev_mode: bool,
    app_paths: Option<crate::capabilities::folders::AppPaths>,
}

impl std::fmt::Debug for AppBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppBuilder")
            .field("app", &self.manifest.name)
            .finish_non_exhaustive()
    }
}

impl AppBuilder {
    /// Shares an engine (and its compiled components) with other apps.
    #[must_use]
    pub fn engine(mut self, engine: Engine) -> Self {
        self.engine = Some(engine);
        self
    }

    /// Runs components with `isolation` instead of the manifest's choice.
    #[must_use]
    pub fn isolation(mut self, isolation: Isolation) -> Self {
        self.isolation = Some(isolation);
        self
    }

    /// The program worker processes run. It must call
    /// [`worker_main`](crate::worker_main) first thing in `main`. The default
    /// is the running program itself, which is right for the `wasmtron`
    /// binary and for any app binary that calls `worker_main`. A relative
    /// path is taken from the current folder now (workers start in `/`).
    #[must_use]
    pub fn worker_program(mut self, program: impl Into<std::path::PathBuf>) -> Self {
        let program = program.into();
        self.worker_program = Some(std::path::absolute(&program).unwrap_or(program));
        self
    }

    /// The single-instance lock, taken beforehand with
    /// [`single_instance::acquire`] (as the `wasmtron` command does before
    /// it starts the window system). Without it, an app whose manifest asks
    /// for one instance takes the lock when it starts.
    #[must_use]
    pub fn instance_lock(mut self, lock: single_instance::InstanceLock) -> Self {
        self.instance_lock = Some(lock);
        self
    }

    /// This launch's arguments and folder, handed to the running instance
    /// when the app is single-instance and one runs (default: none, and the
    /// current folder).
    #[must_use]
    pub fn launch(mut self, launch: single_instance::Handoff) -> Self {
        self.launch = Some(launch);
        self
    }

    /// Dev mode: pages may open their developer tools (`wasmtron run
    /// --dev`). Off by default, as for a shipped app.
    #[must_use]
    pub fn dev_mode(mut self, on: bool) -> Self {
        self.dev_mode = on;
        self
    }

    /// Puts the app's per-user folders (`app-folders`, persistent web
    /// storage) at `paths` instead of where the XDG variables and the
    /// manifest's `app.id` put them.
    #[must_use]
    pub fn app_paths(mut self, paths: crate::capabilities::folders::AppPaths) -> Self {
        self.app_paths = Some(paths);
        self
    }

    /// Registers a handler written in Rust for `channel` (instead of, or
    /// beside, handlers in the main component).
    #[must_use]
    pub fn native_handler(mut self, channel: &str, handler: NativeHandler) -> Self {
        self.native.push((channel.to_owned(), handler));
        self
    }

    /// Registers a provider written in Rust for the app interfaces a
    /// manifest binds to `"native:NAME"`. Its function types are checked
    /// against every import bound to it when the app starts.
    #[must_use]
    pub fn native_provider(mut self, name: &str, provider: NativeProvider) -> Self {
        self.natives.insert(name.to_owned(), provider);
        self
    }

    /// Starts the app: hands the windows open at start to the window system
    /// (which builds them meanwhile), checks every component, starts main,
    /// queues its `on-ready` (so it runs before any invoke can reach main),
    /// then gives each window its renderer.
    ///
    /// # Errors
    /// [`AppError`] when a component is refused or cannot start.
    pub fn start(mut self) -> Result<App, AppError> {
        crate::lifecycle::mark_start();
        wasmtron_worker::memory::keep_large_buffers();
        if wasmtron_worker::started_as_worker() {
            // Starting an app here would start workers of workers without end.
            return Err(AppError::Start(anyhow::anyhow!(
                "this process was started as a wasmtron worker; call `wasmtron::worker_main()` first in `main`"
            )));
        }
        let instance_lock = match self.instance_lock.take() {
            Some(lock) => Some(lock),
            None if self.manifest.single_instance => {
                let launch = self
                    .launch
                    .take()
                    .unwrap_or_else(|| single_instance::this_launch(Vec::new()));
                match single_instance::acquire(&self.manifest, &launch)? {
                    single_instance::Acquired::First(lock) => Some(lock),
                    single_instance::Acquired::HandedOver => {
                        return Err(AppError::AlreadyRunning(self.manifest.name.clone()));
                    }
                }
            }
            None => None,
        };
        // The windows open at start are handed to the window system first:
        // it builds them and their web views while the components load and
        // main starts. Their page events wait in the channel until each has
        // its renderer.
        let (page_events, page_rx) = tokio::sync::mpsc::unbounded_channel();
        let app_paths =
            crate::capabilities::folders::resolve(&self.manifest, self.app_paths.take());
        let web_storage = crate::capabilities::folders::web_storage(&self.manifest, &app_paths)
            .map_err(|why| AppError::Start(anyhow::anyhow!("persistent storage: {why}")))?;
        let mut early = EarlyWindows::open(
            &self.manifest,
            &self.backend,
            &page_events,
            self.dev_mode,
            web_storage.as_deref(),
        )?;
        let engine = match self.engine {
            Some(engine) => engine,
            None => Engine::new().map_err(AppError::Start)?.with_default_cache(),
        };
        let contracts = match check_with(&self.manifest, &engine, Some(&self.natives)) {
            Ok((_, contracts)) => contracts,
            Err(mut errors) => return Err(errors.remove(0)),
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("wasmtron-host")
            .enable_all()
            .build()
            .map_err(|e| AppError::Start(e.into()))?;
        let manifest = Arc::new(self.manifest);
        let (main, mailbox) = match manifest.main {
            Some(_) => {
                let (handle, mailbox) = MainHandle::new();
                (Some(handle), Some(mailbox))
            }
            None => (None, None),
        };
        let router = Arc::new(Router::new(main.clone()));
        for (channel, handler) in self.native {
            router.handle_native(&channel, handler);
        }
        let transport: Arc<dyn Transport> = match self.isolation.unwrap_or(manifest.isolation) {
            Isolation::InProcess => Arc::new(InProcess),
            Isolation::Process => {
                let program = match self.worker_program {
                    Some(program) => program,
                    None => std::env::current_exe()
                        .map_err(|e| AppError::Start(anyhow::Error::from(e)))?,
                };
                let filter = std::env::var("WASMTRON_LOG").unwrap_or_else(|_| "info".to_owned());
                Arc::new(
                    Process::new(program, filter)
                        .map_err(|e| AppError::Start(anyhow::Error::from(e)))?,
                )
            }
        };
        let supervisor = Arc::new(Supervisor::new(
            transport,
            router.clone(),
            runtime.handle().clone(),
        ));
        let (exit_tx, exit) = watch::channel(None);
        let shell = Shell::new(ShellParts {
            manifest: manifest.clone(),
            engine: engine.clone(),
            supervisor,
            backend: self.backend,
            router: router.clone(),
            main: main.clone(),
            page_events,
            exit: exit_tx,
            dev_mode: self.dev_mode,
            app_paths,
            web_storage,
            natives: self.natives,
            contracts,
        });
        let calls: Arc<dyn crate::ipc::Calls> = shell.clone();
        router.set_calls(Arc::downgrade(&calls));
        if let (Some(spec), Some(handle), Some(mailbox)) = (&manifest.main, &main, mailbox) {
            spawn_main(engine, spec.clone(), shell.clone(), handle.clone(), mailbox)
                .map_err(AppError::Start)?;
            // Queued first, so handlers registered in on-ready are in place
            // before any renderer's invoke reaches main.
            let _ = handle.post(MainCall::Ready);
        }
        // The app exists before its windows are adopted: when one fails,
        // dropping it ends main and the windows already adopted, and
        // dropping `early` closes the rest.
        let app = App {
            shell,
            router,
            exit,
            runtime: Some(runtime),
            instance: None,
        };
        while let Some(label) = early.next() {
            app.shell.adopt_window(&label)?;
        }
        // Only now: a page's `Loaded` must find its window's renderer.
        if let Some(runtime) = &app.runtime {
            runtime.spawn(app.shell.clone().pump_page_events(page_rx));
        }
        let mut app = app;
        if let Some(lock) = instance_lock {
            let shell = Arc::downgrade(&app.shell);
            app.instance = lock.serve(move |handoff| {
                if let Some(shell) = shell.upgrade() {
                    shell.second_instance(handoff);
                }
            });
        }
        Ok(app)
    }
}

/// A running app.
pub struct App {
    shell: Arc<Shell>,
    router: Arc<Router>,
    exit: watch::Receiver<Option<AppExit>>,
    runtime: Option<tokio::runtime::Runtime>,
    /// The single-instance lock, while this app holds it.
    instance: Option<single_instance::Serving>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("name", &self.shell.app_name())
            .finish_non_exhaustive()
    }
}

impl App {
    /// Prepares an app from a manifest, with windows on `backend` and
    /// components isolated as the manifest says.
    pub fn builder(manifest: Manifest, backend: Arc<dyn WindowBackend>) -> AppBuilder {
        AppBuilder {
            manifest,
            backend,
            isolation: None,
            worker_program: None,
            engine: None,
            native: Vec::new(),
            natives: HashMap::new(),
            instance_lock: None,
            launch: None,
            dev_mode: false,
            app_paths: None,
        }
    }

    /// The router, for native handlers registered after start.
    pub fn router(&self) -> &Arc<Router> {
        &self.router
    }

    /// The labels of the open windows.
    pub fn window_labels(&self) -> Vec<String> {
        self.shell.window_labels()
    }

    /// Opens a window declared in the manifest.
    ///
    /// # Errors
    /// [`WindowControlError`] when the label is unknown or already open.
    pub fn open_window(&self, label: &str) -> Result<(), WindowControlError> {
        self.shell.open_window(label)
    }

    /// Closes a window.
    ///
    /// # Errors
    /// [`WindowControlError::NotOpen`].
    pub fn close_window(&self, label: &str) -> Result<(), WindowControlError> {
        self.shell.close_window(label)
    }

    /// Pushes a message to a window's renderer from the host side.
    ///
    /// # Errors
    /// `target-gone` when the window is not open, `too-large`.
    pub fn push(
        &self,
        label: &str,
        channel: &str,
        payload: Vec<u8>,
    ) -> Result<(), crate::ipc::IpcError> {
        self.shell.push(label, channel.to_owned(), payload)
    }

    /// Starts a fresh renderer for an open window and reloads its page,
    /// for example after its renderer crashed.
    ///
    /// # Errors
    /// [`WindowControlError::NotOpen`], or `Failed` when the renderer
    /// cannot start.
    pub fn reload_window(&self, label: &str) -> Result<(), WindowControlError> {
        self.shell.reload_window(label)
    }

    /// The host process and every live worker, with CPU time and resident
    /// memory read from the OS (Electron's `app.getAppMetrics()`).
    pub fn metrics(&self) -> Vec<ProcessMetric> {
        self.shell.metrics()
    }

    /// Payload bytes of port messages the host itself has carried between
    /// port holders (a measure of how much port traffic went through it).
    pub fn port_bytes_relayed(&self) -> u64 {
        self.shell.port_bytes_relayed()
    }

    /// Ends the app.
    pub fn quit(&self, code: i32) {
        self.shell.quit(code);
    }

    /// A handle that ends the app from another thread.
    pub fn quitter(&self) -> impl Fn(i32) + Send + Sync + 'static {
        let shell = self.shell.clone();
        move |code| shell.quit(code)
    }

    /// How the app ended, if it has.
    pub fn exit(&self) -> Option<AppExit> {
        self.exit.borrow().clone()
    }

    /// Blocks until the app ends.
    pub fn wait(&mut self) -> AppExit {
        let mut exit = self.exit.clone();
        let ended = async move {
            match exit.wait_for(Option::is_some).await {
                Ok(value) => value.clone().unwrap_or(AppExit::Quit(0)),
                Err(_) => AppExit::Quit(0),
            }
        };
        match &self.runtime {
            Some(runtime) => runtime.block_on(ended),
            None => AppExit::Quit(0),
        }
    }
}

impl Drop for App {
    fn drop(&mut self) {
        // The single-instance lock goes with the app.
        self.instance = None;
        self.shell.quit(0);
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}
