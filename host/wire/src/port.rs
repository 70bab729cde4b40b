//! Ports as they travel: their ids, the reference a new holder receives,
//! why an operation on one was refused, and what a message waiting at a
//! port says about the ports it carries.

use serde::{Deserialize, Serialize};

/// A port's id, unique in the host.
pub type PortId = u64;

/// A port as it travels to a new holder: its id and its peer's, so the
/// holder can refuse at once to send a port over its own channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortRef {
    pub id: u64,
    pub peer: u64,
}

/// Why a port operation was refused. Mirrors `port-error` in the WIT.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum PortError {
    #[error("the port or its peer is closed")]
    Closed,
    #[error("cannot transfer: {0}")]
    BadTransfer(String),
    #[error("too large: {0}")]
    TooLarge(String),
    #[error("limit exceeded: {0}")]
    LimitExceeded(String),
}

impl PortError {
    /// A port message of `size` bytes fits the message limit, or is
    /// [`PortError::TooLarge`].
    pub fn check_size(size: usize, limit: usize) -> Result<(), PortError> {
        if size > limit {
            return Err(PortError::TooLarge(format!(
                "the message is {size} bytes; the limit is {limit}"
            )));
        }
        Ok(())
    }
}

/// A message as it waits at a component: which port it is on, and which
/// ports it carries.
pub trait Waiting {
    fn port(&self) -> Option<PortId>;
    fn carries(&self) -> Vec<PortId>;
}
