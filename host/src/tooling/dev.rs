//! `wasmtron dev`: runs the app with its developer tools on, watches its
//! folder, rebuilds what changed and applies it to the running app.
//!
//! - A file under a window's `ui` folder reloads that window (its page, and
//!   a fresh renderer) without closing it.
//! - Anything else (a component's sources, the SDK, the manifest) is a
//!   build. A renderer whose component changed is replaced in its open
//!   window, as above; a changed main or utility component, or manifest,
//!   restarts the app: its windows close and open again.
//! - A build that fails is logged with the compiler's output, and the
//!   open windows' titles say so; the running version keeps going.
//!
//! The app runs in this process on a window system wrapped by
//! [`DevWindows`], which outlives each run of the app: the app's end closes
//! its windows but ends the window system only when the session ends.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};
use tokio::sync::oneshot;

use super::build;
use crate::window::{
    Dialog, DialogAnswer, DomOp, DomRead, HeadlessBackend, PageAnswer, PageEvent, PageEventSink,
    ReadAnswer, WindowBackend, WindowChange, WindowError, WindowSpec,
};
use crate::{App, AppExit, Manifest};

/// How long a restart waits for the window system to close the windows.
const CLOSING: Duration = Duration::from_secs(5);

/// How often the app folder is looked at.
const POLL: Duration = Duration::from_millis(300);

/// Folders of the app that are never sources: build output and bundles.
const NOT_SOURCES: &[&str] = &["target", "dist", "bundle", ".git"];

/// Runs `wasmtron dev` on the app in `app_dir`, headless or in real
/// windows, with the automation protocol on stdin when `automation`.
pub fn dev(app_dir: &Path, headless: bool, automation: bool) -> ExitCode {
    if headless {
        let windows = Arc::new(HeadlessBackend::new());
        let session = Session::new(app_dir, Arc::new(DevWindows::new(windows.clone())));
        if automation {
            let quitter = session.quitter();
            crate::automation::serve_headless(windows, quitter);
        }
        return session.run();
    }
    // SAFETY: `prepare` changes the environment; this runs before the
    // window system, the build (whose engine starts threads) and the app,
    // as `wasmtron run` calls it (see cli.rs).
    #[allow(unsafe_code)]
    unsafe {
        crate::window::DesktopEventLoop::prepare(hardware_acceleration(app_dir));
    }
    let event_loop = match crate::window::DesktopEventLoop::new() {
        Ok(event_loop) => event_loop,
        Err(err) => {
            eprintln!("error: cannot open the window system: {err:#}");
            return ExitCode::FAILURE;
        }
    };
    let backend = event_loop.backend();
    let session = Session::new(
        app_dir,
        Arc::new(DevWindows::new(Arc::new(backend.clone()))),
    );
    let stopper = backend.clone();
    let running = std::thread::Builder::new()
        .name("wasmtron-dev".into())
        .spawn(move || {
            let code = session.run();
            stopper.shutdown();
            code
        });
    let running = match running {
        Ok(running) => running,
        Err(err) => {
            eprintln!("error: cannot start the dev session: {err}");
            return ExitCode::FAILURE;
        }
    };
    if automation {
        crate::automation::serve_desktop(backend);
    }
    event_loop.run();
    running.join().unwrap_or(ExitCode::FAILURE)
}

/// The manifest's `hardware-acceleration`, read before anything is built.
fn hardware_acceleration(app_dir: &Path) -> crate::manifest::HardwareAcceleration {
    use crate::manifest::HardwareAcceleration;
    let text = std::fs::read_to_string(app_dir.join("wasmtron.toml")).unwrap_or_default();
    let table: toml::Table = text.parse().unwrap_or_default();
    let value = table
        .get("app")
        .and_then(|app| app.get("hardware-acceleration"))
        .and_then(toml::Value::as_str);
    match value {
        Some("on") => HardwareAcceleration::On,
        Some("off") => HardwareAcceleration::Off,
        _ => HardwareAcceleration::Auto,
    }
}

/// Ends a run of the app with an exit code.
type Quitter = Box<dyn Fn(i32) + Send + Sync>;

/// One `wasmtron dev`: the app folder, its window system, and the app's
/// current run.
struct Session {
    app_dir: PathBuf,
    windows: Arc<DevWindows>,
    /// The running app's quitter, for the automation's `quit`.
    current: Arc<Mutex<Option<Quitter>>>,
    /// Set when the session is to end, not restart.
    ending: Arc<AtomicBool>,
}

impl Session {
    fn new(app_dir: &Path, windows: Arc<DevWindows>) -> Self {
        Session {
            app_dir: app_dir.to_path_buf(),
            windows,
            current: Arc::default(),
            ending: Arc::default(),
        }
    }

    /// A quitter that ends the session.
    fn quitter(&self) -> impl Fn(i32) + Send + 'static {
        let current = self.current.clone();
        let ending = self.ending.clone();
        let windows = self.windows.clone();
        move |code| {
            ending.store(true, Ordering::SeqCst);
            windows.restarting.store(false, Ordering::SeqCst);
            if let Some(quit) = current
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .as_ref()
            {
                quit(code);
            }
        }
    }

    /// Builds, runs and rebuilds until the app ends by itself or is quit.
    fn run(&self) -> ExitCode {
        // Taken before the build and carried across restarts: a change
        // saved while a build or a start runs is seen at the next look.
        let mut seen = snapshot(&self.app_dir);
        if let Err(err) = build::build_app(&self.app_dir) {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
        loop {
            let manifest = match Manifest::load(&self.app_dir) {
                Ok(manifest) => manifest,
                Err(err) => {
                    eprintln!("error: {err}");
                    return ExitCode::FAILURE;
                }
            };
            self.windows.restarting.store(false, Ordering::SeqCst);
            let mut builder = App::builder(manifest.clone(), self.windows.clone()).dev_mode(true);
            if let Some(worker) = std::env::current_exe()
                .ok()
                .map(|exe| exe.with_file_name("wasmtron-worker"))
                .filter(|worker| worker.is_file())
            {
                builder = builder.worker_program(worker);
            }
            let app = match builder.start() {
                Ok(app) => app,
                Err(err) => {
                    eprintln!("error: {err}");
                    return ExitCode::FAILURE;
                }
            };
            *self.current.lock().unwrap_or_else(PoisonError::into_inner) =
                Some(Box::new(app.quitter()));
            tracing::info!(
                "dev: `{}` runs; watching {}",
                manifest.name,
                self.app_dir.display()
            );
            match self.watch(&app, &manifest, &mut seen) {
                Next::Restart => {
                    tracing::info!(
                        "dev: main, a utility or the manifest changed; restarting the app"
                    );
                    self.windows.restarting.store(true, Ordering::SeqCst);
                    *self.current.lock().unwrap_or_else(PoisonError::into_inner) = None;
                    app.quit(0);
                    drop(app);
                    self.windows.close_all();
                }
                Next::Ended(exit) => {
                    *self.current.lock().unwrap_or_else(PoisonError::into_inner) = None;
                    return ExitCode::from(u8::try_from(exit.code()).unwrap_or(1));
                }
            }
        }
    }

    /// Watches the app folder while `app` runs, applying each change.
    fn watch(
        &self,
        app: &App,
        manifest: &Manifest,
        seen: &mut BTreeMap<PathBuf, (SystemTime, u64)>,
    ) -> Next {
        let mut components = component_digests(manifest);
        loop {
            if let Some(exit) = app.exit() {
                return Next::Ended(exit);
            }
            std::thread::sleep(POLL);
            let now = snapshot(&self.app_dir);
            let changed: Vec<PathBuf> = changed_files(seen, &now);
            *seen = now;
            if changed.is_empty() {
                continue;
            }
            let mut reload: BTreeSet<String> = BTreeSet::new();
            let mut rebuild = false;
            for path in &changed {
                let under_ui: Vec<_> = manifest
                    .windows
                    .iter()
                    .filter(|w| path.starts_with(&w.ui))
                    .map(|w| w.label.clone())
                    .collect();
                if under_ui.is_empty() {
                    rebuild = true;
                }
                reload.extend(under_ui);
            }
            if rebuild {
                tracing::info!("dev: {} changed; building", shown(&changed));
                match build::build_app(&self.app_dir) {
                    Ok(_) => self.windows.title_all(manifest, None),
                    Err(err) => {
                        tracing::error!(
                            "dev: the build failed; the running version keeps going: {err}"
                        );
                        self.windows
                            .title_all(manifest, Some("build failed, see the terminal"));
                        // The build wrote nothing the app uses: the last
                        // component of each stays in place.
                        continue;
                    }
                }
                let built = component_digests(manifest);
                if self.manifest_changed(manifest, &changed) {
                    return Next::Restart;
                }
                let changed_components: Vec<&PathBuf> = built
                    .iter()
                    .filter(|(path, digest)| components.get(*path) != Some(digest))
                    .map(|(path, _)| path)
                    .collect();
                for component in changed_components {
                    let renderer_of: Vec<_> = manifest
                        .windows
                        .iter()
                        .filter(|w| &w.renderer == component)
                        .map(|w| w.label.clone())
                        .collect();
                    if renderer_of.is_empty() {
                        // Main or a utility.
                        return Next::Restart;
                    }
                    reload.extend(renderer_of);
                }
                components = built;
            }
            for label in reload {
                match app.reload_window(&label) {
                    Ok(()) => tracing::info!("dev: reloaded window `{label}`"),
                    Err(err) => tracing::warn!("dev: cannot reload window `{label}`: {err}"),
                }
            }
        }
    }

    fn manifest_changed(&self, manifest: &Manifest, changed: &[PathBuf]) -> bool {
        let path = manifest.root.join("wasmtron.toml");
        changed.contains(&path)
    }
}

/// What ended a run of the app.
enum Next {
    Restart,
    Ended(AppExit),
}

/// Every source file of the app folder with its modification time and
/// size: all but build output, bundles and the component files.
fn snapshot(app_dir: &Path) -> BTreeMap<PathBuf, (SystemTime, u64)> {
    let root = app_dir
        .canonicalize()
        .unwrap_or_else(|_| app_dir.to_path_buf());
    let mut files = BTreeMap::new();
    walk(&root, &root, &mut files);
    files
}

fn walk(root: &Path, dir: &Path, files: &mut BTreeMap<PathBuf, (SystemTime, u64)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(meta) = entry.metadata() else { continue };
        if meta.is_dir() {
            let top = dir == root;
            let name = entry.file_name();
            if !(top && NOT_SOURCES.iter().any(|n| name == *n)) {
                walk(root, &path, files);
            }
        } else if meta.is_file() && !(dir == root && entry.file_name() == "Cargo.lock") {
            // Cargo.lock is written by the build itself.
            let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
            files.insert(path, (modified, meta.len()));
        }
    }
}

fn changed_files(
    before: &BTreeMap<PathBuf, (SystemTime, u64)>,
    after: &BTreeMap<PathBuf, (SystemTime, u64)>,
) -> Vec<PathBuf> {
    let mut changed: Vec<PathBuf> = after
        .iter()
        .filter(|(path, stamp)| before.get(*path) != Some(stamp))
        .map(|(path, _)| path.clone())
        .collect();
    changed.extend(before.keys().filter(|p| !after.contains_key(*p)).cloned());
    changed
}

/// The SHA-256 of each component file the manifest names.
fn component_digests(manifest: &Manifest) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut paths: Vec<&PathBuf> = Vec::new();
    paths.extend(manifest.main.iter().map(|m| &m.component));
    paths.extend(manifest.windows.iter().map(|w| &w.renderer));
    paths.extend(manifest.utilities.iter().map(|u| &u.component));
    paths
        .into_iter()
        .filter_map(|path| {
            let bytes = std::fs::read(path).ok()?;
            Some((path.clone(), Sha256::digest(&bytes).to_vec()))
        })
        .collect()
}

/// A few changed paths for the log.
fn shown(changed: &[PathBuf]) -> String {
    let mut names: Vec<String> = changed
        .iter()
        .take(3)
        .map(|p| p.display().to_string())
        .collect();
    if changed.len() > 3 {
        names.push(format!("and {} more", changed.len() - 3));
    }
    names.join(", ")
}

/// The window system of a dev session: the real one, except that the end
/// of one run of the app closes its windows instead of ending the window
/// system, while the app restarts.
struct DevWindows {
    inner: Arc<dyn WindowBackend>,
    /// The windows the window system has open: a label leaves when its
    /// `Closed` event passes, which `closed` announces.
    open: Arc<Mutex<BTreeSet<String>>>,
    closed: Arc<Condvar>,
    restarting: AtomicBool,
}

impl std::fmt::Debug for DevWindows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevWindows").finish_non_exhaustive()
    }
}

impl DevWindows {
    fn new(inner: Arc<dyn WindowBackend>) -> Self {
        DevWindows {
            inner,
            open: Arc::default(),
            closed: Arc::default(),
            restarting: AtomicBool::new(false),
        }
    }

    /// Closes every open window and waits (a few seconds at most) until
    /// the window system has: the next run opens them again by label, and
    /// a real window closes on the window system's own thread.
    fn close_all(&self) {
        let labels = self
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        for label in &labels {
            self.inner.close(label);
        }
        let open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let (open, waited) = self
            .closed
            .wait_timeout_while(open, CLOSING, |open| !open.is_empty())
            .unwrap_or_else(PoisonError::into_inner);
        if waited.timed_out() {
            tracing::warn!("dev: windows {open:?} did not close in time");
        }
    }

    /// Each open window's title as the manifest gives it, followed by
    /// `note` when there is one.
    fn title_all(&self, manifest: &Manifest, note: Option<&str>) {
        let open = self
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        for window in manifest.windows.iter().filter(|w| open.contains(&w.label)) {
            let title = match note {
                Some(note) => format!("{} ({note})", window.title),
                None => window.title.clone(),
            };
            self.inner.update(&window.label, WindowChange::Title(title));
        }
    }
}

impl WindowBackend for DevWindows {
    fn open(&self, spec: WindowSpec, events: PageEventSink) -> Result<(), WindowError> {
        let label = spec.label.clone();
        // The window's events pass through here on their way to the app,
        // so that its `Closed` is seen. The relay ends with the window, or
        // at once when it does not open (its sender is dropped).
        let (passing, mut arriving) = tokio::sync::mpsc::unbounded_channel::<(String, PageEvent)>();
        let (open, closed) = (self.open.clone(), self.closed.clone());
        std::thread::Builder::new()
            .name("wasmtron-dev-events".into())
            .spawn(move || {
                while let Some((label, event)) = arriving.blocking_recv() {
                    let ends = event == PageEvent::Closed;
                    let _ = events.send((label.clone(), event));
                    if ends {
                        open.lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .remove(&label);
                        closed.notify_all();
                        break;
                    }
                }
            })
            .map_err(|err| WindowError::Page {
                label: label.clone(),
                reason: format!("cannot relay its events: {err}"),
            })?;
        self.open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(label.clone());
        let opened = self.inner.open(spec, passing);
        if opened.is_err() {
            self.open
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(&label);
        }
        opened
    }

    fn apply(&self, label: &str, op: DomOp) {
        self.inner.apply(label, op);
    }

    fn read(
        &self,
        label: &str,
        read: DomRead,
        max_bytes: usize,
        answer: oneshot::Sender<ReadAnswer>,
    ) {
        self.inner.read(label, read, max_bytes, answer);
    }

    fn settle(&self, label: &str, id: u64, answer: PageAnswer) {
        self.inner.settle(label, id, answer);
    }

    fn emit(&self, label: &str, event: &str, args: serde_json::Value) {
        self.inner.emit(label, event, args);
    }

    fn close(&self, label: &str) {
        self.inner.close(label);
    }

    fn update(&self, label: &str, change: WindowChange) {
        self.inner.update(label, change);
    }

    fn shutdown(&self) {
        if self.restarting.load(Ordering::SeqCst) {
            self.close_all();
        } else {
            self.inner.shutdown();
        }
    }

    fn dialog(&self, parent: Option<&str>, dialog: Dialog, answer: oneshot::Sender<DialogAnswer>) {
        self.inner.dialog(parent, dialog, answer);
    }

    fn open_external(&self, url: &str) -> Result<(), String> {
        self.inner.open_external(url)
    }

    fn reload(&self, label: &str) {
        self.inner.reload(label);
    }

    fn show_crash(&self, label: &str, reason: &str) {
        self.inner.show_crash(label, reason);
    }
}
