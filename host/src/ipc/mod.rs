//! IPC: structured errors, sender identity, and the router that takes a
//! renderer's `invoke` and `send` to main.

mod error;
mod router;
mod session;

pub use error::{ErrorCode, IpcError, Sender};
pub use router::{NativeHandler, Router};
pub(crate) use session::{OutputHook, WorkerPeer, serve_worker};
