//! IPC: structured errors, sender identity, and the router that takes a
//! renderer's `invoke` and `send` to main.

mod router;
mod user_wait;

pub(crate) use router::{CallFuture, CallReply, Calls, OutCall};
pub use router::{NativeHandler, Router};
pub(crate) use user_wait::{UserWaitClock, within};
pub use wasmtron_wire::{ErrorCode, IpcError, Sender};
