//! The worker worlds' imports, implemented on the worker side: `bridge`,
//! `dom`, `parent-port` and `log` become messages to the host.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::sync::oneshot;

use super::state::WorkerState;
use super::{WorkerLink, WorkerSpec};
use crate::bindings::main::wasmtron::app::ports::MessagePort;
use crate::bindings::main::wasmtron::app::{log as wit_log, types as wit_types};
use crate::bindings::renderer::wasmtron::app::{bridge as wit_bridge, dom as wit_dom};
use crate::bindings::utility::wasmtron::app::parent_port as wit_parent_port;
use crate::ipc::{ErrorCode, IpcError};
use crate::manifest::Limits;
use crate::ports::PortRef;
use crate::wire::{ByteBuf, DomOp, DomOpError, EventKind, HostToWorker, UiEvent, WorkerToHost};
use wasmtime::component::Resource;

type Pending = Arc<Mutex<HashMap<u64, oneshot::Sender<Result<Vec<u8>, IpcError>>>>>;
type PendingChannels = Arc<Mutex<HashMap<u64, oneshot::Sender<(PortRef, PortRef)>>>>;

/// The worker's client for talking to the host.
pub(crate) struct BridgeClient {
    to_host: UnboundedSender<WorkerToHost>,
    pending: Pending,
    channels_requested: PendingChannels,
    next_id: u64,
    channels: HashSet<String>,
    limits: Limits,
    rate: Rate,
    /// Log lines dropped for going over the rate, told with the next one.
    logs_dropped: u64,
}

/// A token bucket: `per_second` messages a second, in bursts of as many.
struct Rate {
    per_second: f64,
    tokens: f64,
    refilled: std::time::Instant,
}

impl Rate {
    fn new(per_second: u32) -> Self {
        let per_second = f64::from(per_second);
        Rate {
            per_second,
            tokens: per_second,
            refilled: std::time::Instant::now(),
        }
    }

    /// Takes one message's token, or says how the rate was exceeded.
    fn take(&mut self) -> Result<(), IpcError> {
        let now = std::time::Instant::now();
        let earned = now.duration_since(self.refilled).as_secs_f64() * self.per_second;
        self.tokens = (self.tokens + earned).min(self.per_second);
        self.refilled = now;
        if self.tokens < 1.0 {
            return Err(IpcError::new(
                ErrorCode::LimitExceeded,
                format!(
                    "more than {} messages a second (max-messages-per-second)",
                    self.per_second
                ),
            ));
        }
        self.tokens -= 1.0;
        Ok(())
    }
}

impl BridgeClient {
    /// Starts the link's reader: replies go to the invoke waiting for them,
    /// everything else to the returned event queue, in order.
    pub(super) fn start(
        spec: &WorkerSpec,
        link: WorkerLink,
    ) -> (Self, UnboundedReceiver<HostToWorker>) {
        let WorkerLink {
            to_host,
            mut from_host,
        } = link;
        let pending: Pending = Arc::default();
        let channels_requested: PendingChannels = Arc::default();
        let (events_tx, events) = unbounded_channel();
        let replies = pending.clone();
        let created = channels_requested.clone();
        tokio::spawn(async move {
            while let Some(message) = from_host.recv().await {
                match message {
                    HostToWorker::Reply { id, result } => {
                        let waiter = replies.lock().ok().and_then(|mut p| p.remove(&id));
                        if let Some(waiter) = waiter {
                            let _ = waiter.send(result.map(|b| b.into_vec()));
                        }
                    }
                    HostToWorker::ChannelCreated { request, a, b } => {
                        let waiter = created.lock().ok().and_then(|mut p| p.remove(&request));
                        if let Some(waiter) = waiter {
                            let _ = waiter.send((a, b));
                        }
                    }
                    other => {
                        if events_tx.send(other).is_err() {
                            break;
                        }
                    }
                }
            }
            // The host is gone: every waiting invoke fails now, not at its timeout.
            if let Ok(mut waiting) = replies.lock() {
                waiting.clear();
            }
            if let Ok(mut waiting) = created.lock() {
                waiting.clear();
            }
        });
        let client = BridgeClient {
            to_host,
            pending,
            channels_requested,
            next_id: 0,
            channels: spec.channels.clone(),
            limits: spec.limits,
            rate: Rate::new(spec.limits.max_messages_per_second),
            logs_dropped: 0,
        };
        (client, events)
    }

    pub(super) fn ready(&self) {
        let _ = self.to_host.send(WorkerToHost::Ready);
    }

    /// Sends a message that needs no answer; a gone host is noticed by the
    /// worker's event loop, not here.
    pub(super) fn tell(&self, message: WorkerToHost) {
        let _ = self.to_host.send(message);
    }

    pub(super) fn limits(&self) -> Limits {
        self.limits
    }

    /// Asks the host for a new pair of ports; `None` when the host is gone.
    pub(super) async fn create_channel(&mut self) -> Option<(PortRef, PortRef)> {
        self.next_id += 1;
        let request = self.next_id;
        let (tx, rx) = oneshot::channel();
        if let Ok(mut waiting) = self.channels_requested.lock() {
            waiting.insert(request, tx);
        }
        self.to_host
            .send(WorkerToHost::CreateChannel { request })
            .ok()?;
        let timeout = Duration::from_millis(self.limits.invoke_timeout_ms);
        tokio::time::timeout(timeout, rx).await.ok()?.ok()
    }

    /// Answers the host's invoke `id`.
    pub(super) fn reply(&self, id: u64, result: Result<ByteBuf, IpcError>) {
        let _ = self.to_host.send(WorkerToHost::Reply { id, result });
    }

    /// A utility's message to its parent (checked by the caller).
    fn post(&self, payload: Vec<u8>, transfer: Vec<u64>) -> Result<(), IpcError> {
        self.to_host
            .send(WorkerToHost::Post { payload, transfer })
            .map_err(|_| IpcError::target_gone("the parent"))
    }

    /// One message's share of `max-messages-per-second` (port messages
    /// count with the rest).
    pub(super) fn take_rate(&mut self) -> Result<(), IpcError> {
        self.rate.take()
    }

    /// The worker's own check, so a guest gets `denied`, `too-large` or
    /// `limit-exceeded` at once. The host checks again (all but the rate).
    fn check(&mut self, channel: &str, size: usize) -> Result<(), IpcError> {
        if !self.channels.contains(channel) {
            return Err(IpcError::new(
                ErrorCode::Denied,
                format!("this component may not use channel `{channel}`"),
            ));
        }
        if size > self.limits.max_message_bytes {
            return Err(IpcError::too_large(
                "the payload",
                size,
                self.limits.max_message_bytes,
            ));
        }
        self.rate.take()
    }

    async fn invoke(&mut self, channel: String, payload: Vec<u8>) -> Result<Vec<u8>, IpcError> {
        self.check(&channel, payload.len())?;
        let waiting = self.pending.lock().map_or(0, |p| p.len());
        if waiting >= self.limits.max_pending_invokes {
            return Err(IpcError::new(
                ErrorCode::LimitExceeded,
                format!("{waiting} invokes are waiting for replies (max-pending-invokes)"),
            ));
        }
        self.next_id += 1;
        let id = self.next_id;
        let (tx, rx) = oneshot::channel();
        if let Ok(mut pending) = self.pending.lock() {
            pending.insert(id, tx);
        }
        let sent = self.to_host.send(WorkerToHost::Invoke {
            id,
            channel,
            payload,
        });
        if sent.is_err() {
            self.forget(id);
            return Err(IpcError::target_gone("the host"));
        }
        let timeout = Duration::from_millis(self.limits.invoke_timeout_ms);
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(IpcError::target_gone("the host")),
            Err(_) => {
                self.forget(id);
                Err(IpcError::new(
                    ErrorCode::Timeout,
                    format!("no reply within {} ms", self.limits.invoke_timeout_ms),
                ))
            }
        }
    }

    fn forget(&self, id: u64) {
        if let Ok(mut pending) = self.pending.lock() {
            pending.remove(&id);
        }
    }

    fn send(
        &mut self,
        channel: String,
        payload: Vec<u8>,
        transfer: Vec<u64>,
    ) -> Result<(), IpcError> {
        self.check(&channel, payload.len())?;
        self.to_host
            .send(WorkerToHost::Send {
                channel,
                payload,
                transfer,
            })
            .map_err(|_| IpcError::target_gone("the host"))
    }

    fn dom(&mut self, op: DomOp) -> Result<(), wit_dom::DomError> {
        op.check(self.limits.max_message_bytes)
            .map_err(|err| match err {
                DomOpError::BadSelector(s) => wit_dom::DomError::BadSelector(s),
                DomOpError::BadName(s) => wit_dom::DomError::BadName(s),
                _ => wit_dom::DomError::TooLarge,
            })?;
        self.to_host
            .send(WorkerToHost::Dom { op })
            .map_err(|_| wit_dom::DomError::WindowGone)
    }
}

pub(super) fn ui_event_to_wit(event: UiEvent) -> wit_dom::UiEvent {
    wit_dom::UiEvent {
        kind: match event.kind {
            EventKind::Click => wit_dom::EventKind::Click,
            EventKind::Input => wit_dom::EventKind::Input,
            EventKind::Change => wit_dom::EventKind::Change,
            EventKind::Submit => wit_dom::EventKind::Submit,
        },
        target: event.target,
        value: event.value,
        fields: event.fields,
    }
}

pub(crate) fn ipc_error_to_wit(err: IpcError) -> wit_types::IpcError {
    wit_types::IpcError {
        code: match err.code {
            ErrorCode::NoHandler => wit_types::ErrorCode::NoHandler,
            ErrorCode::HandlerFailed => wit_types::ErrorCode::HandlerFailed,
            ErrorCode::Denied => wit_types::ErrorCode::Denied,
            ErrorCode::Timeout => wit_types::ErrorCode::Timeout,
            ErrorCode::TargetGone => wit_types::ErrorCode::TargetGone,
            ErrorCode::TooLarge => wit_types::ErrorCode::TooLarge,
            ErrorCode::BadPayload => wit_types::ErrorCode::BadPayload,
            ErrorCode::LimitExceeded => wit_types::ErrorCode::LimitExceeded,
        },
        message: err.message,
        app_code: err.app_code,
        data: err.data,
    }
}

pub(crate) fn level_from_wit(level: wit_log::Level) -> crate::log::Level {
    match level {
        wit_log::Level::Trace => crate::log::Level::Trace,
        wit_log::Level::Debug => crate::log::Level::Debug,
        wit_log::Level::Info => crate::log::Level::Info,
        wit_log::Level::Warn => crate::log::Level::Warn,
        wit_log::Level::Error => crate::log::Level::Error,
    }
}

impl wit_types::Host for WorkerState {}

impl wit_log::Host for WorkerState {
    async fn log(&mut self, level: wit_log::Level, message: String) {
        let bridge = &mut self.bridge;
        // A log line has no way to fail: over the rate it is dropped, and
        // the next line that fits says how many were.
        if bridge.rate.take().is_err() {
            bridge.logs_dropped += 1;
            return;
        }
        if bridge.logs_dropped > 0 {
            let _ = bridge.to_host.send(WorkerToHost::Log {
                level: crate::log::Level::Warn,
                message: format!(
                    "{} log lines dropped: over max-messages-per-second",
                    std::mem::take(&mut bridge.logs_dropped)
                ),
            });
        }
        let _ = bridge.to_host.send(WorkerToHost::Log {
            level: level_from_wit(level),
            message,
        });
    }
}

impl wit_parent_port::Host for WorkerState {
    async fn post_message(
        &mut self,
        payload: Vec<u8>,
        transfer: Vec<Resource<MessagePort>>,
    ) -> Result<(), wit_types::IpcError> {
        let limit = self.bridge.limits.max_message_bytes;
        let checked = if payload.len() > limit {
            Err(IpcError::too_large("the payload", payload.len(), limit))
        } else {
            self.bridge.rate.take()
        };
        if let Err(err) = checked {
            self.discard_transfer(transfer);
            return Err(ipc_error_to_wit(err));
        }
        let transfer = self
            .take_transfer(transfer, None)
            .await
            .map_err(port_to_ipc)?;
        self.bridge
            .post(payload, transfer)
            .map_err(ipc_error_to_wit)
    }
}

/// A transfer that failed before an IPC message could carry it.
fn port_to_ipc(err: crate::ports::PortError) -> wit_types::IpcError {
    ipc_error_to_wit(IpcError::new(ErrorCode::Denied, err.to_string()))
}

impl wit_bridge::Host for WorkerState {
    async fn invoke(
        &mut self,
        channel: String,
        payload: Vec<u8>,
    ) -> Result<Vec<u8>, wit_types::IpcError> {
        self.bridge
            .invoke(channel, payload)
            .await
            .map_err(ipc_error_to_wit)
    }

    async fn send(&mut self, channel: String, payload: Vec<u8>) -> Result<(), wit_types::IpcError> {
        self.bridge
            .send(channel, payload, Vec::new())
            .map_err(ipc_error_to_wit)
    }

    async fn post_message(
        &mut self,
        channel: String,
        payload: Vec<u8>,
        transfer: Vec<Resource<MessagePort>>,
    ) -> Result<(), wit_types::IpcError> {
        if let Err(err) = self.bridge.check(&channel, payload.len()) {
            self.discard_transfer(transfer);
            return Err(ipc_error_to_wit(err));
        }
        let transfer = self
            .take_transfer(transfer, None)
            .await
            .map_err(port_to_ipc)?;
        self.bridge
            .send(channel, payload, transfer)
            .map_err(ipc_error_to_wit)
    }
}

impl wit_dom::Host for WorkerState {
    async fn set_text(&mut self, selector: String, text: String) -> Result<(), wit_dom::DomError> {
        self.bridge.dom(DomOp::SetText { selector, text })
    }

    async fn set_html(&mut self, selector: String, html: String) -> Result<(), wit_dom::DomError> {
        self.bridge.dom(DomOp::SetHtml { selector, html })
    }

    async fn set_attribute(
        &mut self,
        selector: String,
        name: String,
        value: String,
    ) -> Result<(), wit_dom::DomError> {
        self.bridge.dom(DomOp::SetAttribute {
            selector,
            name,
            value,
        })
    }

    async fn remove_attribute(
        &mut self,
        selector: String,
        name: String,
    ) -> Result<(), wit_dom::DomError> {
        self.bridge.dom(DomOp::RemoveAttribute { selector, name })
    }

    async fn add_class(&mut self, selector: String, name: String) -> Result<(), wit_dom::DomError> {
        self.bridge.dom(DomOp::AddClass { selector, name })
    }

    async fn remove_class(
        &mut self,
        selector: String,
        name: String,
    ) -> Result<(), wit_dom::DomError> {
        self.bridge.dom(DomOp::RemoveClass { selector, name })
    }

    async fn set_value(
        &mut self,
        selector: String,
        value: String,
    ) -> Result<(), wit_dom::DomError> {
        self.bridge.dom(DomOp::SetValue { selector, value })
    }
}
