//! wasmtron: a desktop runtime with Electron's process model, in which every
//! piece of application logic is a capability-restricted WebAssembly
//! component.
//!
//! The host owns windows, lifecycle and every privilege. A **main**
//! component holds the app's logic, a **renderer** component per window holds
//! that window's logic, and each can call only what its WIT world imports.
//! Start an app with [`App::builder`], on the [`DesktopBackend`] for real
//! windows or the [`HeadlessBackend`] for tests.
//!
//! [`DesktopBackend`]: window::DesktopBackend
//! [`HeadlessBackend`]: window::HeadlessBackend

#[cfg(not(target_os = "linux"))]
compile_error!(
    "wasmtron supports Linux only for now: its windows use WebKitGTK and its worker sandbox uses seccomp and Landlock"
);

mod app;
mod bindings;
mod component;
mod engine;
mod ipc;
mod memory;
mod ports;
mod sandbox;
mod supervisor;
mod worker;

pub mod automation;
pub mod capabilities;
pub mod cli;
pub mod log;
pub mod manifest;
pub mod window;
pub mod wire;

/// Entry points for the fuzz targets in `fuzz/` into parsers that are not
/// public otherwise. Not an API.
#[doc(hidden)]
pub mod fuzzing {
    /// Parses one message a page posted, as the desktop backend does;
    /// `true` when it is a valid page event.
    pub fn page_message(body: &str) -> bool {
        crate::window::desktop::bridge::parse_message(body).is_ok()
    }
}

pub use app::{
    App, AppBuilder, AppError, AppExit, Checked, ForkError, WindowControlError, check,
    single_instance,
};
pub use engine::{CACHE_ENV, CacheError, CompileCache, Compiled, Engine, LoadError, LoadReport};
pub use ipc::{ErrorCode, IpcError, NativeHandler, Router, Sender};
pub use manifest::{Isolation, Manifest, ManifestError};
pub use ports::PortError;
pub use supervisor::{ProcessKind, ProcessMetric, ProcessState, WorkerExit};
pub use wire::ExitReason;

/// Runs this process as a worker if the host started it as one, and
/// returns the exit code to end with; returns `None` in every other case.
///
/// With process isolation the host starts each renderer and utility by
/// running its own program again with a hidden argument. The `wasmtron`
/// binary calls this first thing; so must any program that embeds the host
/// and uses process isolation:
///
/// ```no_run
/// fn main() -> std::process::ExitCode {
///     if let Some(code) = wasmtron::worker_main() {
///         return code;
///     }
///     // ... start the app
///     std::process::ExitCode::SUCCESS
/// }
/// ```
pub fn worker_main() -> Option<std::process::ExitCode> {
    worker::process::main_if_worker(None)
}

/// [`worker_main`] with a native probe that runs inside the worker after
/// the OS sandbox is in place and before any guest code. For tests of the
/// sandbox only (feature `test-probe`); an app has no use for it.
#[cfg(feature = "test-probe")]
#[doc(hidden)]
pub fn worker_main_with_probe(probe: fn(&str)) -> Option<std::process::ExitCode> {
    worker::process::main_if_worker(Some(probe))
}
