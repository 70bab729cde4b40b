//! IPC: structured errors, sender identity, and the router that takes a
//! renderer's `invoke` and `send` to main.

mod router;

pub use router::{NativeHandler, Router};
pub use wasmtron_wire::{ErrorCode, IpcError, Sender};
