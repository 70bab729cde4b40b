//! Main's link pumps and the tickets that hold them back.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use wasmtron_wire::PortId;

/// Main's link pumps: only a port's pump delivers what its link brings, so
/// deliveries keep their order; and it stops while `limit` messages on the
/// port wait in main's mailbox (or for main to start the port), so that a
/// peer posting faster than main reads is held back at its own end.
#[derive(Debug)]
pub(crate) struct MainPumps {
    pub(super) state: Mutex<PumpState>,
    pub(super) limit: usize,
}

#[derive(Debug, Default)]
pub(super) struct PumpState {
    pub(super) wakes: HashMap<PortId, tokio::sync::mpsc::UnboundedSender<PortId>>,
    /// Messages on each port handed to main and not handled yet.
    pub(super) waiting: HashMap<PortId, usize>,
    /// Pumps stopped at the limit.
    pub(super) stopped: std::collections::HashSet<PortId>,
}

impl MainPumps {
    pub(super) fn state(&self) -> std::sync::MutexGuard<'_, PumpState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts a message for main on `port` until the ticket is dropped.
    pub(crate) fn ticket(self: &Arc<Self>, port: PortId) -> MainTicket {
        *self.state().waiting.entry(port).or_default() += 1;
        MainTicket {
            pumps: Arc::clone(self),
            port,
        }
    }

    /// Whether the pump of `port` may deliver one more; if not, it stops
    /// until main has handled some.
    pub(super) fn may_deliver(&self, port: PortId) -> bool {
        let mut state = self.state();
        if state.waiting.get(&port).copied().unwrap_or(0) < self.limit {
            return true;
        }
        state.stopped.insert(port);
        false
    }

    fn handled(&self, port: PortId) {
        let mut state = self.state();
        let left = match state.waiting.get_mut(&port) {
            Some(count) => {
                *count -= 1;
                *count
            }
            None => return,
        };
        if left == 0 {
            state.waiting.remove(&port);
        }
        if left < self.limit
            && state.stopped.remove(&port)
            && let Some(wake) = state.wakes.get(&port)
        {
            let _ = wake.send(port);
        }
    }
}

/// A message on `port` in main's mailbox or waiting for main to start the
/// port; dropping it (handled, sent back, discarded) makes room.
#[derive(Debug)]
pub(crate) struct MainTicket {
    pumps: Arc<MainPumps>,
    port: PortId,
}

impl Drop for MainTicket {
    fn drop(&mut self) {
        self.pumps.handled(self.port);
    }
}
