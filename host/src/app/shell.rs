//! The host's live state: open windows, their renderers, the router and the
//! way out. Main's window imports and the page-event pump both act on it.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio::sync::watch;

use super::AppExit;
use crate::capabilities::{Grants, World};
use crate::component::{MainCall, MainHandle};
use crate::engine::Engine;
use crate::ipc::WorkerPeer;
use crate::ipc::{IpcError, Router, Sender, serve_worker};
use crate::manifest::Manifest;
use crate::supervisor::Transport;
use crate::window::{PageEvent, PageEventSink, WindowBackend, WindowError, WindowSpec};
use crate::wire::HostToWorker;
use crate::worker::WorkerSpec;

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
}

/// An open window: the way to its renderer.
struct OpenWindow {
    to_renderer: UnboundedSender<HostToWorker>,
}

pub(crate) struct Shell {
    manifest: Arc<Manifest>,
    engine: Engine,
    transport: Arc<dyn Transport>,
    backend: Arc<dyn WindowBackend>,
    router: Arc<Router>,
    main: Option<MainHandle>,
    runtime: tokio::runtime::Handle,
    page_events: PageEventSink,
    windows: Mutex<HashMap<String, OpenWindow>>,
    exit: watch::Sender<Option<AppExit>>,
}

impl Shell {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn new(
        manifest: Arc<Manifest>,
        engine: Engine,
        transport: Arc<dyn Transport>,
        backend: Arc<dyn WindowBackend>,
        router: Arc<Router>,
        main: Option<MainHandle>,
        runtime: tokio::runtime::Handle,
        page_events: PageEventSink,
        exit: watch::Sender<Option<AppExit>>,
    ) -> Self {
        Shell {
            manifest,
            engine,
            transport,
            backend,
            router,
            main,
            runtime,
            page_events,
            windows: Mutex::default(),
            exit,
        }
    }

    pub(crate) fn app_name(&self) -> &str {
        &self.manifest.name
    }

    pub(crate) fn router(&self) -> &Arc<Router> {
        &self.router
    }

    fn windows(&self) -> MutexGuard<'_, HashMap<String, OpenWindow>> {
        // The map stays consistent across a panic elsewhere; keep serving.
        self.windows.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Opens a window declared in the manifest: starts its renderer worker,
    /// the host side of the worker's connection, and the page.
    pub(crate) fn open_window(&self, label: &str) -> Result<(), WindowControlError> {
        let declared = self
            .manifest
            .window(label)
            .ok_or_else(|| WindowControlError::UnknownLabel(label.to_owned()))?;
        let mut windows = self.windows();
        if windows.contains_key(label) {
            return Err(WindowControlError::AlreadyOpen(label.to_owned()));
        }
        let failed = |reason: String| WindowControlError::Failed {
            label: label.to_owned(),
            reason,
        };
        let channels: HashSet<String> = declared.channels.iter().cloned().collect();
        let spec = WorkerSpec {
            name: label.to_owned(),
            world: World::Renderer,
            component: declared.renderer.clone(),
            channels: channels.clone(),
            limits: self.manifest.limits,
            grants: Grants::default(),
        };
        let link = self
            .transport
            .launch(&self.engine, spec)
            .map_err(|e| failed(e.to_string()))?;
        let peer = WorkerPeer {
            sender: Sender::Window(label.to_owned()),
            name: label.to_owned(),
            channels: Arc::new(channels),
            limits: self.manifest.limits,
            window: Some((label.to_owned(), self.backend.clone())),
        };
        let to_renderer = link.to_worker.clone();
        let router = self.router.clone();
        let name = label.to_owned();
        self.runtime.spawn(async move {
            let reason = serve_worker(peer, router, link.from_worker, link.to_worker).await;
            tracing::info!(window = %name, "renderer ended: {reason}");
        });
        let spec = WindowSpec {
            label: label.to_owned(),
            title: declared.title.clone(),
            width: declared.width,
            height: declared.height,
            ui_root: declared.ui.clone(),
            entry: declared.entry.clone(),
        };
        if let Err(err) = self.backend.open(spec, self.page_events.clone()) {
            let _ = to_renderer.send(HostToWorker::Stop);
            return Err(match err {
                WindowError::AlreadyOpen(l) => WindowControlError::AlreadyOpen(l),
                other => failed(other.to_string()),
            });
        }
        windows.insert(label.to_owned(), OpenWindow { to_renderer });
        Ok(())
    }

    /// Closes an open window; its renderer stops and main hears
    /// `on-window-closed` once the page is gone.
    pub(crate) fn close_window(&self, label: &str) -> Result<(), WindowControlError> {
        let window = self
            .windows()
            .remove(label)
            .ok_or_else(|| WindowControlError::NotOpen(label.to_owned()))?;
        let _ = window.to_renderer.send(HostToWorker::Stop);
        self.backend.close(label);
        Ok(())
    }

    pub(crate) fn window_labels(&self) -> Vec<String> {
        let mut labels: Vec<String> = self.windows().keys().cloned().collect();
        labels.sort();
        labels
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
        let windows = self.windows();
        let window = windows
            .get(label)
            .ok_or_else(|| IpcError::target_gone(&format!("window `{label}`")))?;
        window
            .to_renderer
            .send(HostToWorker::Push { channel, payload })
            .map_err(|_| IpcError::target_gone(&format!("the renderer of window `{label}`")))
    }

    /// Ends the app with `code`.
    pub(crate) fn quit(&self, code: i32) {
        self.finish(AppExit::Quit(code));
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
        for (_, window) in self.windows().drain() {
            let _ = window.to_renderer.send(HostToWorker::Stop);
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
                PageEvent::Loaded => self.to_renderer(&label, HostToWorker::Load),
                PageEvent::Ui(event) => self.to_renderer(&label, HostToWorker::Ui { event }),
                PageEvent::Closed => self.window_closed(&label),
            }
        }
    }

    fn to_renderer(&self, label: &str, message: HostToWorker) {
        if let Some(window) = self.windows().get(label) {
            let _ = window.to_renderer.send(message);
        }
    }

    fn window_closed(&self, label: &str) {
        let window = self.windows().remove(label);
        if let Some(window) = window {
            let _ = window.to_renderer.send(HostToWorker::Stop);
        }
        if self.exit.borrow().is_some() {
            return;
        }
        if let Some(main) = &self.main {
            let _ = main.post(MainCall::WindowClosed(label.to_owned()));
        }
        if self.manifest.quit_when_all_windows_closed && self.windows().is_empty() {
            self.finish(AppExit::AllWindowsClosed);
        }
    }
}
