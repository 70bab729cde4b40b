//! Windows: the trait every backend implements, and the two backends.
//!
//! The host never talks to WebKit directly. It asks a [`WindowBackend`] to
//! open a page, apply DOM operations to it and close it; the backend reports
//! what happens in the page as [`PageEvent`]s. The desktop backend does this
//! with tao + wry, the headless backend with an in-memory DOM tree that tests
//! can query and drive.

pub(crate) mod desktop;
mod dialog;
mod headless;

use std::fmt;
use std::path::PathBuf;

use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::oneshot;

pub use crate::wire::{
    DomFound, DomOp, DomRead, DomReadError, DroppedFile, EventDetail, EventKind, KeyInfo,
    PointerInfo, ReadAnswer, UiEvent,
};
pub use desktop::{DesktopBackend, DesktopEventLoop};
pub use dialog::{
    Dialog, DialogAnswer, FileFilter, MessageBox, MessageKind, OpenDialog, SaveDialog,
    default_cancel_id,
};
pub use headless::{Frame, HeadlessBackend, HeadlessError, ShownDialog};

/// Everything a backend needs to open one window.
#[derive(Debug, Clone)]
pub struct WindowSpec {
    /// The manifest label; unique among open windows.
    pub label: String,
    pub title: String,
    pub width: u32,
    pub height: u32,
    /// The folder the page's assets are served from. Nothing outside it is reachable.
    pub ui_root: PathBuf,
    /// The page to load, relative to `ui_root` (for example `index.html`).
    pub entry: String,
    /// The smallest and largest size the user may give it.
    pub min_size: Option<(u32, u32)>,
    pub max_size: Option<(u32, u32)>,
    /// Where its top-left corner goes; the window system's choice if `None`.
    pub position: Option<(i32, i32)>,
    pub resizable: bool,
    /// Shown at once, or hidden until [`WindowChange::Show`].
    pub visible: bool,
    /// The page's developer tools may be opened: only when the app runs in
    /// dev mode (`wasmtron run --dev`).
    pub devtools: bool,
    /// Whether the page draws through the GPU (the app's setting).
    pub hardware_acceleration: crate::manifest::HardwareAcceleration,
    /// Where the page's web storage (local storage, IndexedDB, cookies) is
    /// kept between launches (`persistent-storage`); none keeps it in
    /// memory only, forgotten when the app ends.
    pub web_storage: Option<PathBuf>,
}

/// A window's menu bar: menus of items and separators.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MenuBar {
    pub menus: Vec<Submenu>,
}

/// One menu of a menu bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submenu {
    pub label: String,
    pub entries: Vec<MenuEntry>,
}

/// An item or a separator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MenuEntry {
    Item {
        id: String,
        label: String,
        /// Checked to parse as a shortcut before it gets here.
        accelerator: Option<String>,
        enabled: bool,
    },
    Separator,
}

impl MenuBar {
    /// The enabled item `id`, if the bar has one.
    pub fn enabled_item(&self, id: &str) -> bool {
        self.menus.iter().flat_map(|m| &m.entries).any(
            |entry| matches!(entry, MenuEntry::Item { id: item, enabled: true, .. } if item == id),
        )
    }
}

/// A change main asks of an open window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WindowChange {
    Title(String),
    Size(u32, u32),
    Focus,
    Show,
    Hide,
    /// A new menu bar (empty: none).
    Menu(MenuBar),
}

/// Something that happened in a window's page.
#[derive(Debug, Clone, PartialEq)]
pub enum PageEvent {
    /// The page finished loading; DOM operations apply from now on.
    Loaded,
    /// The first frame with the loaded page in it was drawn.
    Painted,
    /// A UI event the page declared with `data-on`.
    Ui(UiEvent),
    /// The page asked for the app's own content (`@content/...`).
    Content(ContentRequest),
    /// A page call whose message the backend could not read (too large,
    /// malformed): it is refused with `failure`, to settle the page's
    /// promise.
    CallRefused { id: u64, failure: PageFailure },
    /// A page script called its renderer's page API: answer with
    /// [`WindowBackend::settle`] and the same `id`. `function` is the name
    /// the script used; nothing about the call is checked yet.
    Call {
        id: u64,
        function: String,
        args: serde_json::Value,
    },
    /// The window got (`true`) or lost the keyboard focus.
    Focused(bool),
    /// The window's new size, in logical pixels.
    Resized(u32, u32),
    /// The window was shown (`true`) or hidden.
    Shown(bool),
    /// The user asked to close the window; the host decides whether it
    /// closes.
    CloseRequested,
    /// The user chose the menu item with this id.
    Menu(String),
    /// The window was closed (by the user or by the host).
    Closed,
}

/// Why a page call failed, as its promise rejects with it: a wasmtron
/// error code (`no-function`, `bad-value`, `limit-exceeded`,
/// `target-gone`, `timeout`, `too-large`...) or `rejected` when the
/// function returned its own error, which `payload` then holds.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PageFailure {
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload: Option<serde_json::Value>,
}

impl PageFailure {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        PageFailure {
            code: code.into(),
            message: message.into(),
            payload: None,
        }
    }
}

/// A page call's answer: the value its promise resolves with (as the
/// bridge encodes values, see `wire::page_value`), or why it rejects.
pub type PageAnswer = Result<serde_json::Value, PageFailure>;

/// The prefix of the paths a page asks the app's content provider for,
/// rather than the window's `ui` folder: `wasmtron://app/@content/...`.
pub const CONTENT_PREFIX: &str = "@content/";

/// A page's request for content the app makes: answered by the provider
/// the window's manifest names, or refused.
#[derive(Debug, Clone)]
pub struct ContentRequest {
    /// What follows [`CONTENT_PREFIX`], percent-decoded.
    pub path: String,
    /// What follows `?`, as the page wrote it.
    pub query: String,
    /// Where the answer goes; taken by whoever answers.
    pub answer: ContentResponder,
}

impl PartialEq for ContentRequest {
    fn eq(&self, other: &Self) -> bool {
        self.path == other.path && self.query == other.query
    }
}

/// The content for a page: its MIME type and bytes, or the HTTP status
/// that refuses it and why (for the log; the page gets the status alone).
pub type ContentAnswer = Result<(String, Vec<u8>), (u16, String)>;

/// The way back to the page that asked, usable once. Dropped unanswered,
/// the page gets a 503.
#[derive(Clone, Default)]
pub struct ContentResponder(
    std::sync::Arc<std::sync::Mutex<Option<oneshot::Sender<ContentAnswer>>>>,
);

impl fmt::Debug for ContentResponder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ContentResponder")
    }
}

impl ContentResponder {
    /// A responder and the receiver of its answer.
    pub fn new() -> (Self, oneshot::Receiver<ContentAnswer>) {
        let (sender, receiver) = oneshot::channel();
        (
            ContentResponder(std::sync::Arc::new(std::sync::Mutex::new(Some(sender)))),
            receiver,
        )
    }

    /// Answers the page; later answers are ignored.
    pub fn answer(&self, answer: ContentAnswer) {
        let sender = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(sender) = sender {
            let _ = sender.send(answer);
        }
    }
}

/// Where a backend delivers page events: `(window label, event)`.
pub type PageEventSink = UnboundedSender<(String, PageEvent)>;

/// Why a backend could not open a window.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WindowError {
    #[error("window `{0}` is already open")]
    AlreadyOpen(String),
    #[error("cannot load the page of window `{label}`: {reason}")]
    Page { label: String, reason: String },
    #[error("the window system is gone")]
    BackendGone,
}

/// A window system: desktop (tao + wry) or headless.
///
/// Calls come from any thread and must not block on the page: DOM
/// operations are queued and applied in order.
pub trait WindowBackend: Send + Sync + 'static {
    /// Opens a window and starts loading its page. Page events for it go to `events`.
    ///
    /// # Errors
    /// [`WindowError`] when the label is taken or the page cannot be loaded.
    fn open(&self, spec: WindowSpec, events: PageEventSink) -> Result<(), WindowError>;

    /// Applies one DOM operation to a window's page. Unknown labels are ignored.
    fn apply(&self, label: &str, op: DomOp);

    /// Reads window `label`'s page and sends what it found to `answer`, in
    /// order with the operations applied before it: at once, or once the
    /// page has loaded. A text over `max_bytes` is
    /// [`DomReadError::TooLarge`]. Dropping `answer` unanswered says the
    /// window is not open, or closed or reloaded before its page answered;
    /// the caller bounds the wait.
    fn read(
        &self,
        label: &str,
        read: DomRead,
        max_bytes: usize,
        answer: oneshot::Sender<ReadAnswer>,
    );

    /// Answers page call `id` of window `label` ([`PageEvent::Call`]).
    /// Unknown labels, and calls the page no longer waits for, are ignored.
    fn settle(&self, label: &str, id: u64, answer: PageAnswer);

    /// Gives the listeners window `label`'s page registered for `event`
    /// (`wasmtron.on(event, listener)`) the arguments `args`, a JSON array.
    fn emit(&self, label: &str, event: &str, args: serde_json::Value);

    /// Closes a window. A `Closed` event follows.
    fn close(&self, label: &str);

    /// Changes an open window; the events it causes (`Focused`, `Resized`,
    /// `Shown`) follow. Unknown labels are ignored.
    fn update(&self, label: &str, change: WindowChange);

    /// The app is ending: close everything and stop the window system.
    fn shutdown(&self);

    /// Shows a native dialog, modal to window `parent` when given, and
    /// sends the user's answer to `answer`. Dropping `answer` unanswered says
    /// the dialog went away: `parent` is not open or closed under it, or
    /// the window system is ending. `dialog` has been
    /// [checked](Dialog::checked).
    fn dialog(&self, parent: Option<&str>, dialog: Dialog, answer: oneshot::Sender<DialogAnswer>);

    /// Loads a window's page again from its entry; a `Loaded` event follows.
    /// Unknown labels are ignored.
    fn reload(&self, label: &str);

    /// Hands `url` (checked by [`crate::shell`] against the manifest's
    /// schemes) to the desktop's opener, which shows it in the user's
    /// browser or mail client. `Err` says why it could not be started.
    fn open_external(&self, url: &str) -> Result<(), String>;

    /// Replaces a window's page content with the host's crash page, saying
    /// that its renderer is gone and why. The page stays until main reloads
    /// the window or closes it.
    fn show_crash(&self, label: &str, reason: &str) {
        self.apply(
            label,
            DomOp::SetHtml {
                selector: "body".into(),
                html: crash_page(reason),
            },
        );
    }
}

/// The crash page's body: a fixed message and the exit reason, escaped.
pub fn crash_page(reason: &str) -> String {
    let mut escaped = String::with_capacity(reason.len());
    for c in reason.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    format!(
        "<main id=\"wasmtron-crashed\">\
         <h1>This window stopped working</h1>\
         <p>Its renderer is gone: <code id=\"wasmtron-crash-reason\">{escaped}</code></p>\
         <p>The app can reload it.</p></main>"
    )
}
