//! IPC: structured errors, sender identity, and the router that takes a
//! renderer's `invoke` and `send` to main.

mod router;
mod session;

pub use router::{NativeHandler, Router};
pub(crate) use session::{OutputHook, WorkerPeer, serve_worker};
pub use wasmtron_wire::{ErrorCode, IpcError, Sender};
