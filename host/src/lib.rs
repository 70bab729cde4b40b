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
mod http;
mod ipc;
mod lifecycle;
mod mailbox;
mod ports;
mod shell;
mod supervisor;

pub mod automation;
pub mod capabilities;
pub mod cli;
pub mod single_instance;
pub mod tooling;
pub mod window;

/// The app manifest, `wasmtron.toml` (the `wasmtron-manifest` crate).
pub use wasmtron_manifest as manifest;
/// The byte formats between the host and its workers (the `wasmtron-wire`
/// crate).
pub use wasmtron_wire as wire;
/// Where guest log lines go.
pub use wasmtron_wire::log;

pub use app::{
    App, AppBuilder, AppError, AppExit, Checked, ForkError, WindowControlError, check, check_with,
};
pub use engine::{
    CACHE_ENV, CacheError, CompileCache, Compiled, Engine, LoadError, LoadReport, Precompiled,
    PrecompiledError,
};
pub use ipc::{ErrorCode, IpcError, NativeHandler, Router, Sender};
pub use manifest::{Isolation, Manifest, ManifestError};
pub use ports::PortError;
pub use supervisor::{ProcessKind, ProcessMetric, ProcessState, WorkerExit};
pub use wire::ExitReason;

pub use wasmtron_worker::worker_main;
#[cfg(feature = "test-probe")]
#[doc(hidden)]
pub use wasmtron_worker::worker_main_with_probe;
