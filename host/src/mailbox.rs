//! Main's mailbox: how every part of the host reaches the main component.
//! Calls queue here and main's thread takes them one at a time; each
//! counts toward its sender's queue quota until it is handled.

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::sync::oneshot;
use wasmtron_wire::{IpcError, PortRef, Sender, Waiting};

use crate::lifecycle::{AppExit, WindowEventKind};

/// Main's answer to a typed call: the results and the ids of the ports
/// they move, or why there are none.
pub(crate) type CallAnswer = Result<(Vec<u8>, Vec<u64>), IpcError>;

/// A request to the main component, queued in its mailbox.
#[derive(Debug)]
pub(crate) enum MainCall {
    Ready,
    Handle {
        sender: Sender,
        channel: String,
        payload: Vec<u8>,
        reply: oneshot::Sender<Result<Vec<u8>, IpcError>>,
        queued: Option<Queued>,
    },
    /// A typed call to an app interface main exports, with the ports its
    /// arguments move. Main answers with the results and the ids of the
    /// ports they move (main's until the host moves them on).
    Call {
        sender: Sender,
        interface: String,
        function: String,
        args: Vec<u8>,
        ports: Vec<PortRef>,
        reply: oneshot::Sender<CallAnswer>,
        queued: Option<Queued>,
    },
    Message {
        sender: Sender,
        channel: String,
        payload: Vec<u8>,
        ports: Vec<PortRef>,
        queued: Option<Queued>,
    },
    Timer(u64),
    WindowClosed(String),
    /// Something happened to an open window.
    WindowEvent {
        label: String,
        event: WindowEventKind,
    },
    /// The user or main asks to close a window; main's answer decides.
    CloseRequested(String),
    /// The user chose a menu item.
    Menu {
        label: String,
        id: String,
    },
    /// The last window closed; main's answer decides whether to quit.
    WindowAllClosed,
    /// The app is asked to end this way; main's answer decides.
    BeforeQuit(AppExit),
    WillQuit,
    Quit(i32),
    /// A second launch of a single-instance app handed this over.
    SecondInstance {
        args: Vec<String>,
        cwd: String,
    },
    /// A utility posted to its parent.
    UtilityMessage {
        name: String,
        payload: Vec<u8>,
        ports: Vec<PortRef>,
        queued: Option<Queued>,
    },
    /// A utility instance started (or restarted).
    UtilitySpawn {
        name: String,
        pid: Option<u32>,
        restarts: u32,
    },
    /// A line of output from a utility forked with `stdio: pipe`.
    UtilityOutput {
        name: String,
        stream: String,
        line: String,
    },
    /// A message on one of main's ports. `marked`: it waits for its marker
    /// on a linked port (it reaches main only to be sent back, after main
    /// moved the port).
    PortMessage {
        port: u64,
        data: Vec<u8>,
        ports: Vec<PortRef>,
        marked: bool,
        /// Counts it among what waits for main on `port` until handled.
        ticket: Option<crate::ports::MainTicket>,
    },
    /// The peer of one of main's ports closed or died.
    PortClosed(u64),
    /// A link's `ready` that reached main after the port left it (main
    /// never holds a linked port): main sends it back behind the messages
    /// it sends back.
    LinkReady(u64),
    /// A worker ended.
    ProcessGone(crate::lifecycle::WorkerExit),
    /// The app is ending: finish the current call and stop.
    Stop,
}

/// One of a worker's bounded things in flight: a message waiting in main's
/// mailbox, or an invoke waiting for its reply. The worker's count goes
/// down when this is dropped (main handled the message, the reply came).
pub(crate) use wasmtron_worker::counted::Counted as Queued;

/// The way into main's mailbox. Cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct MainHandle {
    mailbox: UnboundedSender<MainCall>,
}

impl MainHandle {
    pub(crate) fn new() -> (Self, UnboundedReceiver<MainCall>) {
        let (mailbox, rx) = unbounded_channel();
        (MainHandle { mailbox }, rx)
    }

    pub(crate) fn post(&self, call: MainCall) -> Result<(), IpcError> {
        self.mailbox
            .send(call)
            .map_err(|_| IpcError::target_gone("the main component"))
    }

    pub(crate) async fn handle(
        &self,
        sender: Sender,
        channel: String,
        payload: Vec<u8>,
        queued: Option<Queued>,
    ) -> Result<Vec<u8>, IpcError> {
        let (reply, answer) = oneshot::channel();
        self.post(MainCall::Handle {
            sender,
            channel,
            payload,
            reply,
            queued,
        })?;
        // If main dies with this call queued, the reply sender is dropped and
        // the caller hears `target-gone` at once.
        answer
            .await
            .unwrap_or_else(|_| Err(IpcError::target_gone("the main component")))
    }

    pub(crate) fn message(
        &self,
        sender: Sender,
        channel: String,
        payload: Vec<u8>,
        ports: Vec<PortRef>,
        queued: Option<Queued>,
    ) -> Result<(), IpcError> {
        self.post(MainCall::Message {
            sender,
            channel,
            payload,
            ports,
            queued,
        })
    }
}

impl Waiting for MainCall {
    fn port(&self) -> Option<u64> {
        match self {
            MainCall::PortMessage { port, .. } => Some(*port),
            _ => None,
        }
    }

    fn carries(&self) -> Vec<u64> {
        match self {
            MainCall::PortMessage { ports, .. } => ports.iter().map(|p| p.id).collect(),
            _ => Vec::new(),
        }
    }
}
