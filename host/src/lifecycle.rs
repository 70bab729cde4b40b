//! The app's lifecycle as every layer sees it: when the app started, how
//! it ends, the window events main hears, and how a worker ended.

use wasmtron_wire::ExitReason;

/// How an app ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AppExit {
    /// Main (or the host API) asked to quit with this code.
    Quit(i32),
    /// The last window closed.
    AllWindowsClosed,
    /// The main component trapped; the message says where.
    MainCrashed(String),
}

impl AppExit {
    /// The process exit code for this ending.
    pub fn code(&self) -> i32 {
        match self {
            AppExit::Quit(code) => *code,
            AppExit::AllWindowsClosed => 0,
            AppExit::MainCrashed(_) => 70,
        }
    }
}

/// What main hears of an open window (`on-window-event`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WindowEventKind {
    ReadyToShow,
    Focus,
    Blur,
    Resized(u32, u32),
    Shown,
    Hidden,
}

/// When the first app of this process started.
static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

/// Marks the start of the first app of this process (later calls keep it).
pub(crate) fn mark_start() {
    STARTED.get_or_init(std::time::Instant::now);
}

/// Time since the first app of this process started.
pub(crate) fn since_start() -> std::time::Duration {
    STARTED
        .get()
        .map(std::time::Instant::elapsed)
        .unwrap_or_default()
}

/// What kind of process an entry of the metrics is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProcessKind {
    /// The host process: windows, IPC and the main component.
    Host,
    Renderer,
    Utility,
}

impl ProcessKind {
    /// The WIT name.
    pub fn as_str(self) -> &'static str {
        match self {
            ProcessKind::Host => "host",
            ProcessKind::Renderer => "renderer",
            ProcessKind::Utility => "utility",
        }
    }
}

/// A worker that ended (Electron's `render-process-gone` and
/// `child-process-gone`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerExit {
    /// The supervisor's id of the worker (its port holder id).
    pub(crate) id: u64,
    pub kind: ProcessKind,
    pub name: String,
    pub pid: Option<u32>,
    pub reason: ExitReason,
}
