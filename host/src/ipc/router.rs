use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, RwLock};

use super::{ErrorCode, IpcError, Sender};
use crate::mailbox::{MainHandle, Queued};

/// A handler written in Rust, registered on the host instead of (or beside)
/// a main component. Its future is first polled on the connection of the
/// worker that invoked it, so it must not block: work that takes long
/// belongs after an `.await` (for example in `spawn_blocking`).
pub type NativeHandler = Arc<
    dyn Fn(Sender, Vec<u8>) -> Pin<Box<dyn Future<Output = Result<Vec<u8>, IpcError>> + Send>>
        + Send
        + Sync,
>;

/// A typed call's results as they reach the caller: their bytes, the
/// ports they move (the caller's now), and what travels with those ports,
/// to flush once the reply that carries them is on its way.
#[derive(Debug)]
pub(crate) struct CallReply {
    pub bytes: Vec<u8>,
    pub ports: Vec<crate::ports::PortRef>,
    pub carried: crate::ports::Carried,
}

/// A typed call on its way: its results, or why there are none.
pub(crate) type CallFuture = Pin<Box<dyn Future<Output = Result<CallReply, IpcError>> + Send>>;

/// A typed call as it leaves its caller.
#[derive(Debug)]
pub(crate) struct OutCall {
    pub caller: Sender,
    /// Who holds the ports the arguments move, and gets those of the
    /// results.
    pub holder: crate::ports::Holder,
    /// Without its version.
    pub interface: String,
    pub function: String,
    pub args: Vec<u8>,
    /// The ports the arguments move, in the order their values name them.
    pub transfer: Vec<crate::ports::PortId>,
}

/// Carries typed calls to the provider the manifest binds (main, a
/// utility, a native provider): the shell, which knows all three.
pub(crate) trait Calls: Send + Sync {
    /// Calls out. `queued` is the caller's ticket for main's mailbox,
    /// given back when main takes the call.
    fn call(&self, call: OutCall, queued: Option<Queued>) -> CallFuture;

    /// Whether `caller`'s calls to `interface` go to main (and so may wait
    /// on main's user).
    fn goes_to_main(&self, caller: &Sender, interface: &str) -> bool;
}

#[derive(Clone)]
enum Handler {
    /// Registered by the main component with `ipc.handle`.
    Main,
    Native(NativeHandler),
}

/// Routes invokes and sends to whoever handles the channel.
///
/// Sender identity is an argument stamped by the caller (the host side of a
/// worker connection), never something read from the payload.
pub struct Router {
    handlers: RwLock<HashMap<String, Handler>>,
    main: Option<MainHandle>,
    /// Set once main's `on-ready` has run (or main is gone): until then an
    /// invoke waits instead of failing with `no-handler`, because main
    /// registers its handlers in `on-ready`.
    main_ready: tokio::sync::watch::Sender<bool>,
    /// Time main spends waiting on its user, left out of invoke timeouts.
    user_waits: super::UserWaitClock,
    /// Where typed calls go: set once the shell exists.
    calls: std::sync::OnceLock<std::sync::Weak<dyn Calls>>,
}

impl fmt::Debug for Router {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let channels: Vec<String> = self
            .handlers
            .read()
            .map(|h| h.keys().cloned().collect())
            .unwrap_or_default();
        f.debug_struct("Router")
            .field("channels", &channels)
            .finish_non_exhaustive()
    }
}

impl Router {
    pub(crate) fn new(main: Option<MainHandle>) -> Self {
        Router {
            handlers: RwLock::default(),
            main,
            main_ready: tokio::sync::watch::Sender::new(false),
            user_waits: super::UserWaitClock::default(),
            calls: std::sync::OnceLock::new(),
        }
    }

    /// Sets where typed calls go (once).
    pub(crate) fn set_calls(&self, calls: std::sync::Weak<dyn Calls>) {
        let _ = self.calls.set(calls);
    }

    /// Where typed calls go, while the app runs.
    pub(crate) fn calls(&self) -> Option<Arc<dyn Calls>> {
        self.calls.get().and_then(std::sync::Weak::upgrade)
    }

    /// Main's `on-ready` has returned, or main will never run it.
    pub(crate) fn main_ready(&self) {
        self.main_ready.send_replace(true);
    }

    /// The clock of main's waits on its user (its dialogs).
    pub(crate) fn user_waits(&self) -> &super::UserWaitClock {
        &self.user_waits
    }

    /// Whether an invoke on `channel` waits for main (a channel with no
    /// handler yet waits for main to register one).
    pub(crate) fn goes_to_main(&self, channel: &str) -> bool {
        self.main.is_some() && !matches!(self.lookup(channel), Some(Handler::Native(_)))
    }

    /// Registers a native handler for `channel`, replacing any other.
    pub fn handle_native(&self, channel: &str, handler: NativeHandler) {
        self.set(channel, Some(Handler::Native(handler)));
    }

    pub(crate) fn handle_in_main(&self, channel: &str) {
        self.set(channel, Some(Handler::Main));
    }

    pub(crate) fn remove_main_handler(&self, channel: &str) {
        let is_main = self
            .handlers
            .read()
            .is_ok_and(|h| matches!(h.get(channel), Some(Handler::Main)));
        if is_main {
            self.set(channel, None);
        }
    }

    fn set(&self, channel: &str, handler: Option<Handler>) {
        // A poisoned lock only means a panic elsewhere mid-insert; the map
        // itself is still consistent, so keep serving.
        let mut handlers = self.handlers.write().unwrap_or_else(|p| p.into_inner());
        match handler {
            Some(h) => handlers.insert(channel.to_owned(), h),
            None => handlers.remove(channel),
        };
    }

    fn lookup(&self, channel: &str) -> Option<Handler> {
        self.handlers
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(channel)
            .cloned()
    }

    /// Delivers an invoke and waits for the reply.
    ///
    /// # Errors
    /// `no-handler` when nobody handles `channel`; `handler-failed` with the
    /// handler's own code and data; `target-gone` when main is gone.
    pub async fn invoke(
        &self,
        sender: Sender,
        channel: &str,
        payload: Vec<u8>,
    ) -> Result<Vec<u8>, IpcError> {
        self.invoke_queued(sender, channel, payload, None).await
    }

    /// [`Router::invoke`] for a worker: `queued` counts the call in the
    /// worker's messages waiting for main.
    pub(crate) async fn invoke_queued(
        &self,
        sender: Sender,
        channel: &str,
        payload: Vec<u8>,
        queued: Option<Queued>,
    ) -> Result<Vec<u8>, IpcError> {
        if self.main.is_some() && self.lookup(channel).is_none() {
            let mut ready = self.main_ready.subscribe();
            let _ = ready.wait_for(|ready| *ready).await;
        }
        match self.lookup(channel) {
            None => Err(IpcError::new(
                ErrorCode::NoHandler,
                format!("no handler for channel `{channel}`"),
            )),
            Some(Handler::Native(handler)) => handler(sender, payload).await,
            Some(Handler::Main) => match &self.main {
                Some(main) => {
                    main.handle(sender, channel.to_owned(), payload, queued)
                        .await
                }
                None => Err(IpcError::target_gone("the main component")),
            },
        }
    }

    /// Delivers a fire-and-forget message to main. Messages from one sender
    /// are delivered in the order this is called.
    ///
    /// # Errors
    /// `target-gone` when there is no main component to receive it.
    pub fn send(&self, sender: Sender, channel: &str, payload: Vec<u8>) -> Result<(), IpcError> {
        self.send_with_ports(sender, channel, payload, Vec::new(), None)
    }

    /// [`Router::send`] with ports moved to main.
    pub(crate) fn send_with_ports(
        &self,
        sender: Sender,
        channel: &str,
        payload: Vec<u8>,
        ports: Vec<crate::ports::PortRef>,
        queued: Option<Queued>,
    ) -> Result<(), IpcError> {
        match &self.main {
            Some(main) => main.message(sender, channel.to_owned(), payload, ports, queued),
            None => Err(IpcError::target_gone("the main component")),
        }
    }
}
