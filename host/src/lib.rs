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

mod app;
mod bindings;
mod component;
mod engine;
mod ipc;
mod supervisor;
mod worker;

pub mod automation;
pub mod capabilities;
pub mod cli;
pub mod log;
pub mod manifest;
pub mod window;
pub mod wire;

pub use app::{App, AppBuilder, AppError, AppExit, WindowControlError, check};
pub use engine::{Engine, LoadError};
pub use ipc::{ErrorCode, IpcError, NativeHandler, Router, Sender};
pub use manifest::{Manifest, ManifestError};
