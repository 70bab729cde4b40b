//! wasmtron's wire: every byte format that crosses a socket between the
//! host and its workers, or between two workers, and the small vocabulary
//! those bytes carry.
//!
//! - [`HostToWorker`] and [`WorkerToHost`]: the messages between the host
//!   and a renderer or utility worker. In-process workers exchange these
//!   values over channels; worker processes exchange the same values as
//!   MessagePack frames over a Unix socket ([`frame`]), with descriptors
//!   beside them ([`fds`]) and large payloads in a shared region ([`lane`]).
//!   Keeping one set of types for both is what lets the isolation mode
//!   change without touching the WIT or the SDK.
//! - [`link`]: the framing of a port's direct socket between two holders.
//! - The vocabulary: port ids and references ([`PortRef`]), IPC errors
//!   ([`IpcError`]), quotas ([`Limits`]), grants ([`Grants`]), worlds
//!   ([`World`]) and log levels ([`log::Level`]).
//!
//! The enums here are exhaustive on purpose: the host and the worker match
//! them in other crates (each error code to its WIT form, each message to
//! its handler), and a new variant must fail their build rather than fall
//! into a wildcard arm. They change only with the wire protocol's version.
//!
//! Every decoder here treats its bytes as hostile. This crate depends on no
//! other wasmtron crate, on no WebAssembly runtime and on no window system,
//! so the fuzz targets build from it alone.

#[cfg(not(target_os = "linux"))]
compile_error!("wasmtron's wire passes descriptors and shares memory the Linux way only");

mod error;
mod event;
mod grants;
mod limits;
mod port;
mod read;
pub mod world;

pub mod fds;
pub mod frame;
pub mod http;
pub mod lane;
pub mod link;
pub mod log;
pub mod page;
pub mod page_value;
pub mod pump;
pub mod value;

use std::os::fd::OwnedFd;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

pub use error::{ErrorCode, IpcError, Sender};
pub use event::{
    DetailShape, DroppedFile, EventDetail, EventKind, KeyInfo, MAX_DROPPED_FILES, PointerInfo,
    UiEvent,
};
pub use grants::{DirGrant, Grants};
pub use limits::Limits;
pub use port::{PortError, PortId, PortRef, Waiting};
pub use read::{DomFound, DomRead, DomReadError, ReadAnswer, parse_page_answer};
pub use world::World;

/// A DOM operation a renderer asked for. Selectors were parsed by the worker,
/// and are parsed again by the backend: nothing from a worker is trusted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum DomOp {
    SetText {
        selector: String,
        text: String,
    },
    SetHtml {
        selector: String,
        html: String,
    },
    SetAttribute {
        selector: String,
        name: String,
        value: String,
    },
    RemoveAttribute {
        selector: String,
        name: String,
    },
    AddClass {
        selector: String,
        name: String,
    },
    RemoveClass {
        selector: String,
        name: String,
    },
    SetValue {
        selector: String,
        value: String,
    },
}

impl DomOp {
    /// The CSS selector the operation applies to.
    pub fn selector(&self) -> &str {
        match self {
            DomOp::SetText { selector, .. }
            | DomOp::SetHtml { selector, .. }
            | DomOp::SetAttribute { selector, .. }
            | DomOp::RemoveAttribute { selector, .. }
            | DomOp::AddClass { selector, .. }
            | DomOp::RemoveClass { selector, .. }
            | DomOp::SetValue { selector, .. } => selector,
        }
    }
}

/// Why a DOM operation is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomOpError {
    #[error("bad selector `{0}`")]
    BadSelector(String),
    #[error("bad attribute or class name `{0}`")]
    BadName(String),
    #[error("the operation is {0} bytes, over the message limit")]
    TooLarge(usize),
}

impl DomOp {
    /// Checks an operation before it reaches a page: its size, its selector
    /// and its names. The worker runs this for quick errors to the guest, and
    /// the host runs it again because a worker is not trusted.
    ///
    /// # Errors
    /// The first [`DomOpError`] found.
    pub fn check(&self, max_bytes: usize) -> Result<(), DomOpError> {
        let (name, text) = match self {
            DomOp::SetText { text, .. } | DomOp::SetHtml { html: text, .. } => (None, text.len()),
            DomOp::SetValue { value, .. } => (None, value.len()),
            DomOp::SetAttribute { name, value, .. } => (Some(name), value.len()),
            DomOp::RemoveAttribute { name, .. }
            | DomOp::AddClass { name, .. }
            | DomOp::RemoveClass { name, .. } => (Some(name), 0),
        };
        let size = text + self.selector().len() + name.map_or(0, String::len);
        if size > max_bytes {
            return Err(DomOpError::TooLarge(size));
        }
        if scraper::Selector::parse(self.selector()).is_err() {
            return Err(DomOpError::BadSelector(self.selector().to_owned()));
        }
        match name {
            Some(name) if !valid_name(name) => Err(DomOpError::BadName(name.clone())),
            _ => Ok(()),
        }
    }
}

/// Attribute and class names: what HTML allows, minus anything that could
/// break out of an attribute.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 256
        && name
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && !"\"'<>/=`".contains(c))
}

/// What the host tells a worker. (`PartialEq` only: a UI event's pointer
/// coordinates are floating point.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "kebab-case")]
pub enum HostToWorker {
    /// The window's page loaded (renderer only).
    Load,
    /// A UI event from the window's page (renderer only).
    Ui { event: UiEvent },
    /// Main pushed a message (renderer) or the parent posted one
    /// (utility), with the ports it moved.
    Push {
        channel: String,
        #[serde(with = "serde_bytes")]
        payload: Vec<u8>,
        #[serde(default)]
        ports: Vec<PortRef>,
    },
    /// A message on one of the worker's ports. `marked` when it was sent
    /// on a directly linked port and waits there for its marker.
    PortMessage {
        port: u64,
        #[serde(with = "serde_bytes")]
        data: Vec<u8>,
        ports: Vec<PortRef>,
        #[serde(default)]
        marked: bool,
    },
    /// `port` is now linked directly to its peer's holder through the
    /// socket end attached to this frame. `incoming`: the port arrives in a
    /// message that follows; otherwise the worker holds it already (or
    /// moved it away, and hands the link back).
    PortLink {
        port: u64,
        #[serde(default)]
        fd: Attached,
        state: crate::link::LinkState,
        incoming: bool,
    },
    /// Every message relayed to `port` before its peer went direct has
    /// been sent: the worker may now deliver what the link brings.
    LinkReady { port: u64 },
    /// The peer of one of the worker's ports closed or died. `drain`: the
    /// port is linked and the peer may have sent on the link; what it
    /// brings is delivered before the close.
    PortClosed {
        port: u64,
        #[serde(default)]
        drain: bool,
    },
    /// The pair the worker asked for with `CreateChannel { request }`.
    ChannelCreated {
        request: u64,
        a: PortRef,
        b: PortRef,
    },
    /// The answer to the worker's invoke or call `id`, with the ports a
    /// call's results move to the worker (their values name them in order).
    Reply {
        id: u64,
        result: Result<ByteBuf, crate::IpcError>,
        #[serde(default)]
        ports: Vec<PortRef>,
    },
    /// The reply to the worker's invoke `id` waits on main's user (a dialog
    /// is open): the worker's own timer stands down, and the host's bound,
    /// which leaves that wait out, ends the invoke if nothing else does.
    InvokeHeld { id: u64 },
    /// The answer to the worker's [`WorkerToHost::DomRead`] `id`.
    DomAnswer { id: u64, answer: ReadAnswer },
    /// The answer to the worker's [`WorkerToHost::Http`] `id`.
    HttpAnswer {
        id: u64,
        answer: crate::http::HttpAnswer,
    },
    /// Main invokes a handler the worker exports; answered by
    /// [`WorkerToHost::Reply`] with the same `id`.
    Invoke {
        id: u64,
        channel: String,
        #[serde(with = "serde_bytes")]
        payload: Vec<u8>,
    },
    /// Another component calls a function of an app interface the worker
    /// exports (`interface` as the caller's manifest binds it, without a
    /// version); answered by [`WorkerToHost::Reply`] with the same `id`.
    /// `args` are the arguments in the typed encoding
    /// ([`value`](crate::value)), which the worker decodes against its
    /// own types.
    Call {
        id: u64,
        caller: crate::Sender,
        interface: String,
        function: String,
        #[serde(with = "serde_bytes")]
        args: Vec<u8>,
        /// The ports the arguments move to the worker, in the order their
        /// values name them.
        #[serde(default)]
        ports: Vec<PortRef>,
    },
    /// Finish the current call and exit.
    Stop,
}

/// What a worker tells the host. The host stamps the sender; nothing here
/// says who the worker is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "kebab-case")]
pub enum WorkerToHost {
    /// The component is instantiated and ready for events.
    Ready,
    Invoke {
        id: u64,
        channel: String,
        #[serde(with = "serde_bytes")]
        payload: Vec<u8>,
    },
    /// A call to a function of an app interface the worker imports,
    /// answered by [`HostToWorker::Reply`] with the same `id` (invokes and
    /// calls share the ids). The host finds the provider from the
    /// manifest's binding of the worker's component.
    Call {
        id: u64,
        interface: String,
        function: String,
        #[serde(with = "serde_bytes")]
        args: Vec<u8>,
        /// The ports the arguments move, in the order their values name
        /// them.
        #[serde(default)]
        transfer: Vec<u64>,
    },
    Send {
        channel: String,
        #[serde(with = "serde_bytes")]
        payload: Vec<u8>,
        /// Ports moved to main with the message.
        #[serde(default)]
        transfer: Vec<u64>,
    },
    Dom {
        op: DomOp,
    },
    /// A read of the window's page, answered by
    /// [`HostToWorker::DomAnswer`] with the same `id` (its own ids, apart
    /// from invokes').
    DomRead {
        id: u64,
        read: DomRead,
    },
    Log {
        level: crate::log::Level,
        message: String,
    },
    /// An outbound HTTP request of the component (`wasi:http`), which the
    /// host checks against the component's `allowed-hosts` and makes;
    /// answered by [`HostToWorker::HttpAnswer`] with the same `id` (its
    /// own ids).
    Http {
        id: u64,
        request: crate::http::HttpRequest,
    },
    /// The answer to the host's invoke or call `id`, with the ports a
    /// call's results move (in the order their values name them).
    Reply {
        id: u64,
        result: Result<ByteBuf, crate::IpcError>,
        #[serde(default)]
        transfer: Vec<u64>,
    },
    /// What the guest was refused at its WASI boundary, named (for the
    /// host's log, never for main).
    Refused {
        what: String,
    },
    /// A line the guest wrote to stdout or stderr.
    Output {
        stream: String,
        line: String,
    },
    /// A utility posted a message to its parent.
    Post {
        #[serde(with = "serde_bytes")]
        payload: Vec<u8>,
        #[serde(default)]
        transfer: Vec<u64>,
    },
    /// A message on one of the worker's ports, moving `transfer` along.
    /// `marked`: the port is linked, and a marker in the link says where
    /// this message goes in the order.
    PortPost {
        port: u64,
        #[serde(with = "serde_bytes")]
        data: Vec<u8>,
        transfer: Vec<u64>,
        #[serde(default)]
        marked: bool,
    },
    /// The worker closed (or dropped) one of its ports.
    PortClose {
        port: u64,
    },
    /// A message on `port` the worker will not deliver: the port waited
    /// unstarted and the worker is moving it away (sent just before the
    /// move), or it arrived after the port moved away. The host passes it
    /// to whoever holds the port now.
    PortRequeue {
        port: u64,
        #[serde(with = "serde_bytes")]
        data: Vec<u8>,
        ports: Vec<u64>,
        #[serde(default)]
        marked: bool,
    },
    /// The worker took `PortLink` for `port` and sends on the link from
    /// now on.
    PortLinked {
        port: u64,
    },
    /// The link of `port`, given up: sent just before the message that
    /// moves the port away, or at once for a `PortLink` that came after
    /// the port left.
    LinkHandover {
        port: u64,
        #[serde(default)]
        fd: Attached,
        state: crate::link::LinkState,
    },
    /// A `LinkReady` for a port that had moved away.
    LinkReadyRequeue {
        port: u64,
    },
    /// The worker wants a new pair of ports.
    CreateChannel {
        request: u64,
    },
    /// The worker is ending, and why.
    Exited {
        reason: ExitReason,
    },
}

/// Why a worker ended (Electron's `render-process-gone` reasons).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
pub enum ExitReason {
    /// Asked to stop, and did.
    CleanExit,
    /// The worker process exited by itself with this code.
    AbnormalExit { code: i32 },
    /// The worker process was ended by this signal (9 for `kill -9`).
    Killed { signal: i32 },
    /// The guest trapped; the message says where.
    Crashed { message: String },
    /// The guest ran out of memory: its memory limit refused to grow, and
    /// it trapped.
    Oom { message: String },
    /// A call into the component used more CPU time than its limit.
    Timeout { message: String },
    /// The component outran a quota (messages queued for main), and the
    /// host ended it.
    LimitExceeded { message: String },
    /// The component could not be loaded, checked or instantiated.
    LaunchFailed { message: String },
    /// The worker broke the wire protocol (a malformed or oversized frame,
    /// a bad handshake) and the host dropped it.
    ProtocolError { message: String },
}

impl ExitReason {
    /// True for the endings that were not asked for.
    pub fn is_failure(&self) -> bool {
        !matches!(self, ExitReason::CleanExit)
    }
}

impl std::fmt::Display for ExitReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExitReason::CleanExit => f.write_str("clean-exit"),
            ExitReason::AbnormalExit { code } => write!(f, "abnormal-exit: code {code}"),
            ExitReason::Killed { signal } => write!(f, "killed: signal {signal}"),
            ExitReason::Crashed { message } => write!(f, "crashed: {message}"),
            ExitReason::Oom { message } => write!(f, "oom: {message}"),
            ExitReason::Timeout { message } => write!(f, "timeout: {message}"),
            ExitReason::LimitExceeded { message } => write!(f, "limit-exceeded: {message}"),
            ExitReason::LaunchFailed { message } => write!(f, "launch-failed: {message}"),
            ExitReason::ProtocolError { message } => write!(f, "protocol-error: {message}"),
        }
    }
}

/// Bytes that serialize as one MessagePack binary.
pub type ByteBuf = serde_bytes::ByteBuf;

/// A file descriptor that rides beside a frame (SCM_RIGHTS), not in it.
///
/// In the frame it is a placeholder; the socket writer takes the
/// descriptor out and attaches it, and the reader puts the received one
/// back. Clones share the one descriptor.
#[derive(Debug, Clone, Default)]
pub struct Attached(Arc<Mutex<Option<OwnedFd>>>);

impl Attached {
    pub fn new(fd: OwnedFd) -> Self {
        Attached(Arc::new(Mutex::new(Some(fd))))
    }

    /// Takes the descriptor out; `None` if there was none or it was taken.
    pub fn take(&self) -> Option<OwnedFd> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    pub fn put(&self, fd: OwnedFd) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(fd);
    }
}

impl PartialEq for Attached {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Attached {}

impl Serialize for Attached {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_unit()
    }
}

impl<'de> Deserialize<'de> for Attached {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        <()>::deserialize(deserializer)?;
        Ok(Attached::default())
    }
}

impl HostToWorker {
    /// The descriptor slot of a frame that carries one.
    pub fn attached(&self) -> Option<&Attached> {
        match self {
            HostToWorker::PortLink { fd, .. } => Some(fd),
            _ => None,
        }
    }
}

impl WorkerToHost {
    /// The descriptor slot of a frame that carries one.
    pub fn attached(&self) -> Option<&Attached> {
        match self {
            WorkerToHost::LinkHandover { fd, .. } => Some(fd),
            _ => None,
        }
    }
}

impl frame::Bulk for HostToWorker {
    fn bulk(&mut self) -> Option<&mut Vec<u8>> {
        match self {
            HostToWorker::Push { payload, .. }
            | HostToWorker::Invoke { payload, .. }
            | HostToWorker::Call { args: payload, .. }
            | HostToWorker::PortMessage { data: payload, .. } => Some(payload),
            HostToWorker::Reply {
                result: Ok(payload),
                ..
            } => Some(payload),
            _ => None,
        }
    }
}

impl frame::Bulk for WorkerToHost {
    fn bulk(&mut self) -> Option<&mut Vec<u8>> {
        match self {
            WorkerToHost::Invoke { payload, .. }
            | WorkerToHost::Call { args: payload, .. }
            | WorkerToHost::Send { payload, .. }
            | WorkerToHost::Post { payload, .. }
            | WorkerToHost::PortPost { data: payload, .. }
            | WorkerToHost::PortRequeue { data: payload, .. } => Some(payload),
            WorkerToHost::Reply {
                result: Ok(payload),
                ..
            } => Some(payload),
            _ => None,
        }
    }
}

impl Waiting for HostToWorker {
    fn port(&self) -> Option<u64> {
        match self {
            HostToWorker::PortMessage { port, .. } => Some(*port),
            _ => None,
        }
    }

    fn carries(&self) -> Vec<u64> {
        match self {
            HostToWorker::PortMessage { ports, .. } => ports.iter().map(|p| p.id).collect(),
            _ => Vec::new(),
        }
    }
}

/// A `Vec` that takes at most `limit` more bytes from a read.
pub(crate) struct LimitedVec<'a>(pub &'a mut Vec<u8>, pub usize);

// SAFETY: delegates to `Vec<u8>`'s `BufMut`, only shortening the chunk it
// offers; `advance_mut` is called with at most what that chunk holds.
#[allow(unsafe_code)]
unsafe impl bytes::BufMut for LimitedVec<'_> {
    fn remaining_mut(&self) -> usize {
        self.1
    }

    unsafe fn advance_mut(&mut self, cnt: usize) {
        // SAFETY: the caller initialised `cnt` bytes of `chunk_mut`.
        unsafe { self.0.advance_mut(cnt) };
        self.1 -= cnt;
    }

    fn chunk_mut(&mut self) -> &mut bytes::buf::UninitSlice {
        let limit = self.1;
        let chunk = self.0.chunk_mut();
        let len = chunk.len().min(limit);
        &mut chunk[..len]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ErrorCode, IpcError};

    fn round_trip<T: Serialize + for<'de> Deserialize<'de> + PartialEq + std::fmt::Debug>(v: T) {
        let bytes = rmp_serde::to_vec_named(&v).expect("encodes");
        let back: T = rmp_serde::from_slice(&bytes).expect("decodes");
        assert_eq!(back, v);
    }

    #[test]
    fn every_message_survives_messagepack() {
        round_trip(HostToWorker::Ui {
            event: UiEvent {
                kind: EventKind::Submit,
                target: "form".into(),
                value: None,
                fields: vec![("a".into(), "b".into())],
                detail: None,
            },
        });
        round_trip(HostToWorker::Ui {
            event: UiEvent {
                kind: EventKind::Pointermove,
                target: "canvas".into(),
                value: None,
                fields: Vec::new(),
                detail: Some(EventDetail::Pointer(PointerInfo {
                    x: 1.5,
                    y: 2.0,
                    button: -1,
                    buttons: 1,
                })),
            },
        });
        round_trip(WorkerToHost::DomRead {
            id: 3,
            read: DomRead::Attribute {
                selector: "#a".into(),
                name: "title".into(),
            },
        });
        round_trip(HostToWorker::DomAnswer {
            id: 3,
            answer: Err(DomReadError::TooLarge(9)),
        });
        round_trip(HostToWorker::Reply {
            id: 7,
            result: Err(IpcError::handler_failed(
                "quota".into(),
                "over".into(),
                Some(vec![1, 2, 3]),
            )),
            ports: Vec::new(),
        });
        round_trip(HostToWorker::Reply {
            id: 8,
            result: Ok(ByteBuf::from(vec![0xc1, 0xff])),
            ports: vec![PortRef { id: 4, peer: 5 }],
        });
        round_trip(WorkerToHost::Invoke {
            id: 1,
            channel: "greet".into(),
            payload: vec![0; 100],
        });
        round_trip(WorkerToHost::Call {
            id: 2,
            interface: "notes:app/store".into(),
            function: "add".into(),
            args: vec![3, b'a', b'b', b'c'],
            transfer: vec![9],
        });
        round_trip(HostToWorker::Call {
            id: 3,
            caller: Sender::Window("main".into()),
            interface: "notes:app/store".into(),
            function: "add".into(),
            args: vec![0],
            ports: Vec::new(),
        });
        round_trip(WorkerToHost::Dom {
            op: DomOp::SetAttribute {
                selector: "#a".into(),
                name: "title".into(),
                value: "x".into(),
            },
        });
        round_trip(WorkerToHost::Exited {
            reason: ExitReason::Crashed {
                message: "trap".into(),
            },
        });
        round_trip(IpcError::new(ErrorCode::Denied, "no"));
    }

    #[test]
    fn dom_operations_are_checked_for_size_selector_and_names() {
        let set = |selector: &str, name: &str| DomOp::SetAttribute {
            selector: selector.into(),
            name: name.into(),
            value: "v".into(),
        };
        assert_eq!(set("#a", "title").check(1024), Ok(()));
        assert_eq!(
            set("p[", "title").check(1024),
            Err(DomOpError::BadSelector("p[".into()))
        );
        for name in ["", "a b", "x\"y", "on>", "a=b"] {
            assert_eq!(
                set("#a", name).check(1024),
                Err(DomOpError::BadName(name.into()))
            );
        }
        let big = DomOp::SetText {
            selector: "#a".into(),
            text: "x".repeat(100),
        };
        assert!(matches!(big.check(50), Err(DomOpError::TooLarge(_))));
    }

    #[test]
    fn hostile_bytes_are_an_error_not_a_panic() {
        for bytes in [
            &b""[..],
            b"\xff",
            b"\x81\xa1t\xa5nope!",
            b"\x93\x01\x02\x03",
        ] {
            assert!(rmp_serde::from_slice::<WorkerToHost>(bytes).is_err());
            assert!(rmp_serde::from_slice::<HostToWorker>(bytes).is_err());
        }
    }
}
