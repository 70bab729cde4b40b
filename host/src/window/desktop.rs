//! The desktop backend: tao windows with WebKitGTK pages (through wry).
//!
//! GTK and WebKit may only be touched from the thread that initialised them,
//! so the backend is split in two. [`DesktopEventLoop`] is created on the
//! main thread and runs there, owning every window. [`DesktopBackend`] is a
//! cloneable handle any thread may use: each call becomes a [`Command`] sent
//! to the loop, which wakes up and carries it out. Messages from pages take
//! the same road back (the page's IPC handler posts a command), so page
//! events and DOM operations are ordered with everything else.
//!
//! Pages are served from their window's `ui_root` over the `wasmtron://`
//! custom protocol with a strict content security policy; navigation to any
//! other origin, new windows, downloads and permission requests are refused.

mod assets;
pub(crate) mod bridge;
mod clipboard;
mod dialogs;
mod native;

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use anyhow::bail;
use tao::event::{Event, StartCause, WindowEvent};
use tao::event_loop::{
    ControlFlow, EventLoop, EventLoopBuilder, EventLoopProxy, EventLoopWindowTarget,
};
use tao::platform::run_return::EventLoopExtRunReturn as _;
use tao::window::WindowId;
use tokio::sync::oneshot;

use self::assets::AppAssets;
use self::dialogs::NativeDialogs;
use self::native::{NativeWindow, Serial};
use super::{
    Dialog, DialogAnswer, DomOp, PageAnswer, PageEvent, PageEventSink, WindowBackend, WindowChange,
    WindowError, WindowSpec,
};
use super::{DomRead, ReadAnswer};

/// What the handle asks of the event loop, and what pages report to it.
#[derive(Debug)]
enum Command {
    Open {
        spec: WindowSpec,
        assets: AppAssets,
        url: String,
        events: PageEventSink,
    },
    /// A script of the bridge's to run in the page once it has loaded: a
    /// DOM operation, a page call's answer, an event.
    Apply {
        label: String,
        script: String,
    },
    Close {
        label: String,
    },
    Update {
        label: String,
        change: WindowChange,
    },
    Reload {
        label: String,
    },
    Dialog {
        parent: Option<String>,
        dialog: Dialog,
        answer: oneshot::Sender<DialogAnswer>,
    },
    Query {
        label: String,
        expression: String,
        reply: oneshot::Sender<Result<String, String>>,
    },
    /// A renderer's read of its page.
    Read {
        label: String,
        read: DomRead,
        max_bytes: usize,
        answer: oneshot::Sender<ReadAnswer>,
    },
    NativeId {
        label: String,
        reply: oneshot::Sender<Option<u64>>,
    },
    /// Where a window's page starts, in window pixels.
    PageOrigin {
        label: String,
        reply: oneshot::Sender<Option<(f64, f64)>>,
    },
    /// A page posted a valid message.
    Page {
        serial: Serial,
        event: PageEvent,
    },
    /// A page pinged the bridge (`__wasmtron.ping`): answered by its
    /// window at once, without the host.
    Ping {
        serial: Serial,
        id: u64,
        data: String,
    },
    /// A page started loading a new document.
    PageStarted {
        serial: Serial,
    },
    /// The user chose a menu item (muda's id).
    MenuChosen {
        id: String,
    },
    Shutdown,
}

/// What the handle and the loop share. Kept in the handle so that `open`
/// can refuse a taken label at once, without a round trip to the loop.
#[derive(Debug, Default)]
struct Registry {
    /// Labels of windows opened and not yet closed.
    labels: HashSet<String>,
    /// Set by `shutdown`: nothing opens any more.
    shut_down: bool,
}

/// Whether GLib could find a D-Bus session bus: one named in the
/// environment, the user's bus socket, or `dbus-launch` to ask the X server
/// for one.
fn session_bus_reachable() -> bool {
    let named = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some();
    let socket = std::env::var_os("XDG_RUNTIME_DIR")
        .is_some_and(|dir| std::path::Path::new(&dir).join("bus").exists());
    let launcher = std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| dir.join("dbus-launch").is_file())
    });
    named || socket || launcher
}

/// The desktop window system. Create it on the main thread, hand out
/// [`backend`](Self::backend) handles, then [`run`](Self::run) it there.
pub struct DesktopEventLoop {
    event_loop: EventLoop<Command>,
    backend: DesktopBackend,
}

impl fmt::Debug for DesktopEventLoop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DesktopEventLoop")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl DesktopEventLoop {
    /// Sets up the environment the window system and the web engine's
    /// processes start in:
    ///
    /// - With hardware acceleration off (`acceleration`), GTK does not probe
    ///   OpenGL when it opens the display, and WebKit does not set up its
    ///   DMA-BUF renderer: on a machine without a GPU both would load Mesa's
    ///   software rasterizer for nothing.
    /// - When no D-Bus session bus can be found (no `DBUS_SESSION_BUS_ADDRESS`,
    ///   no `$XDG_RUNTIME_DIR/bus`, and no `dbus-launch` to autolaunch one
    ///   through the X server), GLib is told there is none. Otherwise each
    ///   of GTK, tao and WebKit asks GLib for one, and GLib forks to run a
    ///   `dbus-launch` that is not there, on the window system's thread,
    ///   four times per launch.
    ///
    /// Together these are 60–90 ms of the first frame under Xvfb
    /// (docs/performance.md). A variable the user set is left as it is.
    ///
    /// # Safety
    /// Changes the environment: call it before [`new`](Self::new), while no
    /// thread that reads the environment runs beside this one.
    #[allow(unsafe_code)]
    pub unsafe fn prepare(acceleration: crate::manifest::HardwareAcceleration) {
        let mut settings = Vec::new();
        if !acceleration.enabled() {
            settings.push(("GDK_GL", "disable"));
            settings.push(("WEBKIT_DISABLE_DMABUF_RENDERER", "1"));
        }
        if !session_bus_reachable() {
            settings.push(("DBUS_SESSION_BUS_ADDRESS", "disabled:"));
        }
        for (name, value) in settings {
            if std::env::var_os(name).is_none() {
                // SAFETY: the caller guarantees no other thread runs.
                unsafe { std::env::set_var(name, value) };
            }
        }
    }

    /// Initialises GTK and creates the event loop.
    ///
    /// # Errors
    /// When there is no display to connect to, GTK cannot start, or this is
    /// not the main thread.
    pub fn new() -> anyhow::Result<Self> {
        if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
            bail!(
                "no display: neither DISPLAY nor WAYLAND_DISPLAY is set \
                 (run under a desktop session, or `xvfb-run -a`)"
            );
        }
        // tao panics instead of returning an error when GTK cannot start or
        // the thread is not the main one; turn that into an error.
        let event_loop = panic::catch_unwind(AssertUnwindSafe(|| {
            EventLoopBuilder::<Command>::with_user_event().build()
        }))
        .map_err(|panic| {
            let reason = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("unknown reason");
            anyhow::anyhow!("cannot start the window system: {reason}")
        })?;
        let backend = DesktopBackend {
            proxy: event_loop.create_proxy(),
            registry: Arc::default(),
        };
        Ok(Self {
            event_loop,
            backend,
        })
    }

    /// A handle to this window system, usable from any thread.
    pub fn backend(&self) -> DesktopBackend {
        self.backend.clone()
    }

    /// Runs the window system on this thread until [`WindowBackend::shutdown`]
    /// is called. Windows closed by the user do not end it: the host decides
    /// when the app is over.
    pub fn run(mut self) {
        let mut desktop = Desktop {
            proxy: self.backend.proxy.clone(),
            registry: Arc::clone(&self.backend.registry),
            windows: HashMap::new(),
            labels_by_id: HashMap::new(),
            next_serial: 0,
            dialogs: NativeDialogs::default(),
        };
        let mut exiting = false;
        // Menu choices arrive on muda's handler; they go through the loop
        // like everything else.
        let chosen = self.backend.proxy.clone();
        muda::MenuEvent::set_event_handler(Some(move |event: muda::MenuEvent| {
            let _ = chosen.send_event(Command::MenuChosen { id: event.id.0 });
        }));
        self.event_loop
            .run_return(|event, target, control_flow| match event {
                Event::NewEvents(StartCause::Init) => *control_flow = ControlFlow::Wait,
                Event::UserEvent(command) if !exiting => {
                    exiting = desktop.handle(command, target) == Flow::Exit;
                    if exiting {
                        *control_flow = ControlFlow::Exit;
                    }
                }
                Event::WindowEvent {
                    window_id, event, ..
                } => {
                    desktop.window_event(window_id, &event);
                }
                // The loop can end without `shutdown` (tao gives up when GTK
                // hands the app to another instance); windows still report
                // `Closed`.
                Event::LoopDestroyed => desktop.close_all(),
                _ => {}
            });
        // Dropping the loop here makes every later command fail to send, so
        // handles report `BackendGone` instead of queueing forever.
    }
}

/// A handle to the desktop window system. Cheap to clone, usable from any
/// thread; every call is carried out on the event-loop thread.
#[derive(Debug, Clone)]
pub struct DesktopBackend {
    proxy: EventLoopProxy<Command>,
    registry: Arc<Mutex<Registry>>,
}

impl DesktopBackend {
    /// Evaluates a JavaScript expression in a window's page, for end-to-end
    /// tests. The reply is the JSON text of the value (`"null"` for
    /// `undefined`), or the message of the exception it threw.
    ///
    /// The expression runs with the page's privileges and is spliced into
    /// the evaluated script as code: pass only trusted test code.
    ///
    /// The receiver yields `Err(RecvError)` if the window system is gone.
    pub fn query(
        &self,
        label: &str,
        expression: String,
    ) -> oneshot::Receiver<Result<String, String>> {
        let (reply, receiver) = oneshot::channel();
        // A failed send drops `reply`, which is what the receiver reports.
        let _ = self.proxy.send_event(Command::Query {
            label: label.to_owned(),
            expression,
            reply,
        });
        receiver
    }

    /// The X11 window id of a window (for `xdotool`), or `None` when the
    /// label is not open or the display is not X11.
    ///
    /// The receiver yields `Err(RecvError)` if the window system is gone.
    pub fn native_window_id(&self, label: &str) -> oneshot::Receiver<Option<u64>> {
        let (reply, receiver) = oneshot::channel();
        let _ = self.proxy.send_event(Command::NativeId {
            label: label.to_owned(),
            reply,
        });
        receiver
    }

    /// Where the page of a window starts within the window, in window
    /// pixels: below its menu bar, if it has one. `None` when the label is
    /// not open.
    ///
    /// The receiver yields `Err(RecvError)` if the window system is gone.
    pub fn page_origin(&self, label: &str) -> oneshot::Receiver<Option<(f64, f64)>> {
        let (reply, receiver) = oneshot::channel();
        let _ = self.proxy.send_event(Command::PageOrigin {
            label: label.to_owned(),
            reply,
        });
        receiver
    }

    fn registry(&self) -> MutexGuard<'_, Registry> {
        // The registry is a plain set; a panic elsewhere cannot leave it
        // half-updated, so a poisoned lock is still good.
        self.registry.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs a bridge script in `label`'s page, in order with the others.
    fn run_script(&self, label: &str, script: Result<String, serde_json::Error>) {
        match script {
            Ok(script) => self.send(Command::Apply {
                label: label.to_owned(),
                script,
            }),
            // Only a value serde cannot write (a map with non-string keys),
            // which the bridge's types never hold.
            Err(error) => tracing::error!(%label, %error, "cannot write a bridge script"),
        }
    }

    fn send(&self, command: Command) {
        if self.proxy.send_event(command).is_err() {
            tracing::debug!("window system gone; command dropped");
        }
    }
}

impl WindowBackend for DesktopBackend {
    fn open(&self, spec: WindowSpec, events: PageEventSink) -> Result<(), WindowError> {
        let page_error = |reason: String| WindowError::Page {
            label: spec.label.clone(),
            reason,
        };
        // Checked here, not in the loop, so a bad entry is the caller's error.
        let assets = AppAssets::new(&spec.ui_root).map_err(|error| {
            page_error(format!(
                "ui root {} is not usable: {error}",
                spec.ui_root.display()
            ))
        })?;
        let url = assets.entry_url(&spec.entry).map_err(page_error)?;

        let label = spec.label.clone();
        // The command is sent under the lock so that it cannot overtake a
        // concurrent `shutdown`: an open that succeeds always reaches the
        // loop before the loop ends, and so always gets its `Closed`.
        let mut registry = self.registry();
        if registry.shut_down {
            return Err(WindowError::BackendGone);
        }
        if registry.labels.contains(&label) {
            return Err(WindowError::AlreadyOpen(label));
        }
        let command = Command::Open {
            spec,
            assets,
            url,
            events,
        };
        if self.proxy.send_event(command).is_err() {
            return Err(WindowError::BackendGone);
        }
        registry.labels.insert(label);
        Ok(())
    }

    fn apply(&self, label: &str, op: DomOp) {
        self.run_script(label, bridge::apply_script(&op));
    }

    fn read(
        &self,
        label: &str,
        read: DomRead,
        max_bytes: usize,
        answer: oneshot::Sender<ReadAnswer>,
    ) {
        // A loop that is gone drops the command, and `answer` with it.
        self.send(Command::Read {
            label: label.to_owned(),
            read,
            max_bytes,
            answer,
        });
    }

    fn settle(&self, label: &str, id: u64, answer: PageAnswer) {
        self.run_script(label, bridge::settle_script(id, &answer));
    }

    fn emit(&self, label: &str, event: &str, args: serde_json::Value) {
        self.run_script(label, bridge::emit_script(event, &args));
    }

    fn close(&self, label: &str) {
        self.send(Command::Close {
            label: label.to_owned(),
        });
    }

    fn update(&self, label: &str, change: WindowChange) {
        self.send(Command::Update {
            label: label.to_owned(),
            change,
        });
    }

    fn shutdown(&self) {
        let mut registry = self.registry();
        registry.shut_down = true;
        self.send(Command::Shutdown);
    }

    fn reload(&self, label: &str) {
        self.send(Command::Reload {
            label: label.to_owned(),
        });
    }

    fn dialog(&self, parent: Option<&str>, dialog: Dialog, answer: oneshot::Sender<DialogAnswer>) {
        // A loop that is gone drops the command, and `answer` with it.
        self.send(Command::Dialog {
            parent: parent.map(str::to_owned),
            dialog,
            answer,
        });
    }

    /// Runs `xdg-open URL` (the freedesktop opener, from `PATH`), which
    /// hands the URL to the application registered for its scheme; the
    /// opener is waited for on a thread of its own, so no zombie is left.
    fn open_external(&self, url: &str) -> Result<(), String> {
        let mut opener = std::process::Command::new("xdg-open")
            .arg(url)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .map_err(|err| format!("cannot run xdg-open: {err}"))?;
        std::thread::Builder::new()
            .name("wasmtron-opener".into())
            .spawn(move || {
                let _ = opener.wait();
            })
            .map(drop)
            .map_err(|err| format!("cannot wait for xdg-open: {err}"))
    }
}

/// Whether the loop goes on after a command.
#[derive(Debug, PartialEq, Eq)]
enum Flow {
    Continue,
    Exit,
}

/// The event loop's state: every open window.
#[derive(Debug)]
struct Desktop {
    proxy: EventLoopProxy<Command>,
    registry: Arc<Mutex<Registry>>,
    windows: HashMap<String, (Serial, NativeWindow)>,
    labels_by_id: HashMap<WindowId, String>,
    next_serial: Serial,
    dialogs: NativeDialogs,
}

impl Desktop {
    fn handle(&mut self, command: Command, target: &EventLoopWindowTarget<Command>) -> Flow {
        match command {
            Command::Open {
                spec,
                assets,
                url,
                events,
            } => self.open(target, &spec, assets, url, events),
            Command::Apply { label, script } => {
                if let Some((_, window)) = self.windows.get_mut(&label) {
                    window.apply(script);
                }
            }
            Command::Close { label } => self.close(&label),
            Command::Update { label, change } => {
                if let Some((_, window)) = self.windows.get_mut(&label) {
                    window.update(change);
                }
            }
            Command::Reload { label } => {
                if let Some((_, window)) = self.windows.get_mut(&label) {
                    window.reload();
                }
            }
            Command::Dialog {
                parent,
                dialog,
                answer,
            } => match parent {
                None => self.dialogs.show(None, dialog, answer),
                Some(label) => match self.windows.get(&label) {
                    Some((_, window)) => {
                        self.dialogs
                            .show(Some((&label, window.gtk_window())), dialog, answer);
                    }
                    // Dropping `answer` tells the asker the window is gone.
                    None => drop(answer),
                },
            },
            Command::Query {
                label,
                expression,
                reply,
            } => match self.windows.get(&label) {
                Some((_, window)) => window.query(&expression, reply),
                None => {
                    let _ = reply.send(Err(format!("no open window `{label}`")));
                }
            },
            Command::Read {
                label,
                read,
                max_bytes,
                answer,
            } => {
                // No window: dropping `answer` says so.
                if let Some((_, window)) = self.windows.get_mut(&label) {
                    window.read(read, max_bytes, answer);
                }
            }
            Command::NativeId { label, reply } => {
                let id = self
                    .windows
                    .get(&label)
                    .and_then(|(_, window)| window.native_id());
                let _ = reply.send(id);
            }
            Command::PageOrigin { label, reply } => {
                let origin = self
                    .windows
                    .get(&label)
                    .and_then(|(_, window)| window.page_origin());
                let _ = reply.send(origin);
            }
            Command::Page { serial, event } => {
                if let Some(window) = self.by_serial(serial) {
                    window.page_event(event);
                }
            }
            Command::Ping { serial, id, data } => {
                if let Some(window) = self.by_serial(serial) {
                    window.pong(id, &data);
                }
            }
            Command::MenuChosen { id } => {
                let chosen = self
                    .windows
                    .values()
                    .find_map(|(_, window)| Some((window, window.menu_item(&id)?)));
                if let Some((window, item)) = chosen {
                    window.send(PageEvent::Menu(item));
                }
            }
            Command::PageStarted { serial } => {
                if let Some(window) = self.by_serial(serial) {
                    window.page_started();
                }
            }
            Command::Shutdown => {
                self.close_all();
                return Flow::Exit;
            }
        }
        Flow::Continue
    }

    fn open(
        &mut self,
        target: &EventLoopWindowTarget<Command>,
        spec: &WindowSpec,
        assets: AppAssets,
        url: String,
        events: PageEventSink,
    ) {
        let serial = self.next_serial;
        self.next_serial += 1;
        tracing::debug!(
            label = %spec.label,
            since_app_start_ms = crate::lifecycle::since_start().as_millis(),
            "creating the window and its web view"
        );
        match NativeWindow::open(
            target,
            &self.proxy,
            serial,
            spec,
            assets,
            url,
            events.clone(),
        ) {
            Ok(window) => {
                tracing::debug!(
                    label = %spec.label,
                    since_app_start_ms = crate::lifecycle::since_start().as_millis(),
                    "window and web view created"
                );
                self.labels_by_id.insert(window.id(), spec.label.clone());
                self.windows.insert(spec.label.clone(), (serial, window));
            }
            Err(error) => {
                // `open` already returned Ok; the host learns of the failure
                // the way it learns of any window going away.
                tracing::error!(label = %spec.label, "cannot open window: {error:#}");
                self.forget(&spec.label);
                let _ = events.send((spec.label.clone(), PageEvent::Closed));
            }
        }
    }

    /// Destroys a window and tells the host. Unknown labels are ignored.
    fn close(&mut self, label: &str) {
        self.dialogs.close(Some(label));
        if let Some((_, window)) = self.windows.remove(label) {
            self.labels_by_id.remove(&window.id());
            self.forget(label);
            window.send(PageEvent::Closed);
            // Dropping destroys the web view, then the window.
            drop(window);
        }
    }

    fn close_all(&mut self) {
        self.dialogs.close(None);
        let labels: Vec<String> = self.windows.keys().cloned().collect();
        for label in labels {
            self.close(&label);
        }
    }

    /// What the window system reports of a window: the user's close
    /// request goes to the host, which decides; focus and size are told.
    fn window_event(&mut self, id: WindowId, event: &WindowEvent<'_>) {
        let Some(label) = self.labels_by_id.get(&id) else {
            return;
        };
        let Some((_, window)) = self.windows.get(label) else {
            return;
        };
        match event {
            WindowEvent::CloseRequested => window.send(PageEvent::CloseRequested),
            WindowEvent::Focused(focused) => window.send(PageEvent::Focused(*focused)),
            WindowEvent::Resized(size) => {
                let logical = size.to_logical::<f64>(window.scale_factor());
                // Whole logical pixels, as sizes are given.
                window.send(PageEvent::Resized(
                    logical.width.round() as u32,
                    logical.height.round() as u32,
                ));
            }
            _ => {}
        }
    }

    fn by_serial(&mut self, serial: Serial) -> Option<&mut NativeWindow> {
        self.windows
            .values_mut()
            .find(|(window_serial, _)| *window_serial == serial)
            .map(|(_, window)| window)
    }

    /// Frees a label for reuse.
    fn forget(&self, label: &str) {
        self.registry
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .labels
            .remove(label);
    }
}
