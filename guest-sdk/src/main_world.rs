//! The `main` world: the app's trusted logic.

use std::time::Duration;

use serde::{Serialize, de::DeserializeOwned};

use crate::ports::{self, MessagePort, PortId, PortMessage};
use crate::wit::main::wasmtron::app as wit;
use crate::{HandlerError, IpcError, Payload, ProcessGone, Request, UtilityMessage};

pub mod processes;
pub mod utilities;

/// The app's main logic (Electron's main process script).
///
/// Every method has a default, so implement only what the app needs. The
/// value lives for the whole life of the component; [`export_main!`]
/// creates it with `Default`.
///
/// [`export_main!`]: crate::export_main
pub trait Main: Default + 'static {
    /// The host is up; the manifest's windows are opening. This runs before
    /// any other call, so handlers registered here with [`ipc::handle`] are in
    /// place before the first invoke arrives.
    fn on_ready(&mut self) {}

    /// An invoke on a channel registered with [`ipc::handle`]. The reply is
    /// the MessagePack payload returned; see [`reply`](Request::reply).
    ///
    /// # Errors
    /// The returned [`HandlerError`] reaches the caller as `handler-failed`
    /// with its code, message and data intact.
    fn handle(&mut self, request: Request) -> Result<Payload, HandlerError> {
        Err(HandlerError::new(
            "unhandled",
            format!("main does not handle `{}`", request.channel),
        ))
    }

    /// A `send` or a [`post_message`](crate::bridge::post_message) from a
    /// renderer; the latter may carry ports in [`Request::ports`]. Messages
    /// from one sender arrive in order.
    fn on_message(&mut self, message: Request) {
        let _ = message;
    }

    /// A timer set with [`timers`] fired.
    fn on_timer(&mut self, timer: TimerId) {
        let _ = timer;
    }

    /// A window was closed.
    fn on_window_closed(&mut self, label: &str) {
        let _ = label;
    }

    /// Something happened to an open window: its page is ready to show, it
    /// got or lost the focus, was resized, shown or hidden (Electron's
    /// `BrowserWindow` events of the same names).
    fn on_window_event(&mut self, label: &str, event: windows::WindowEvent) {
        let _ = (label, event);
    }

    /// The user chose menu item `id` in window `label`'s menu bar
    /// ([`windows::set_menu`]; Electron's menu item `click`).
    fn on_menu(&mut self, label: &str, id: &str) {
        let _ = (label, id);
    }

    /// The user, or [`windows::close`], asks to close window `label`.
    /// Return `false` to keep it open (Electron's `close` event and
    /// `preventDefault`). The default lets it close.
    fn on_window_close(&mut self, label: &str) -> bool {
        let _ = label;
        true
    }

    /// The last window closed. Return `false` to keep the app running
    /// without windows (Electron's `window-all-closed`); the default quits.
    /// Not called when the manifest sets `quit-when-all-windows-closed =
    /// false`.
    fn on_window_all_closed(&mut self) -> bool {
        true
    }

    /// The app is about to quit ([`app::quit`], or the last window closed).
    /// Return `false` to keep it running (Electron's `before-quit` and
    /// `preventDefault`).
    fn on_before_quit(&mut self) -> bool {
        true
    }

    /// Every window is closing and the app will quit (Electron's
    /// `will-quit`).
    fn on_will_quit(&mut self) {}

    /// The app quits with `code` (Electron's `quit`): the last call main
    /// receives.
    fn on_quit(&mut self, code: i32) {
        let _ = code;
    }

    /// The app is single-instance (`[app] single-instance = true`) and was
    /// launched again: that launch handed over its arguments and working
    /// directory and ended (Electron's `second-instance`).
    fn on_second_instance(&mut self, args: Vec<String>, cwd: &str) {
        let _ = (args, cwd);
    }

    /// A utility instance started: after [`utilities::fork`] and after each
    /// restart (`restarts` counts them). Electron's `spawn` event.
    fn on_utility_spawn(&mut self, name: &str, pid: Option<u32>, restarts: u32) {
        let _ = (name, pid, restarts);
    }

    /// A line a utility forked with [`Stdio::Pipe`](utilities::Stdio::Pipe)
    /// wrote to `stream` (`"stdout"` or `"stderr"`).
    fn on_utility_output(&mut self, name: &str, stream: &str, line: &str) {
        let _ = (name, stream, line);
    }

    /// A utility instance posted a message to its parent, perhaps with
    /// ports.
    fn on_utility_message(&mut self, message: UtilityMessage) {
        let _ = message;
    }

    /// A message arrived on a port main holds and has
    /// [started](MessagePort::start).
    fn on_port_message(&mut self, message: PortMessage) {
        let _ = message;
    }

    /// The other end of the port `port` was closed, or the process holding
    /// it ended. Posting on the port fails from now on.
    fn on_port_close(&mut self, port: PortId) {
        let _ = port;
    }

    /// A renderer or utility worker ended: it stopped cleanly, crashed, ran
    /// out of memory or was killed. [`ProcessGone::reason`] says which.
    fn on_process_gone(&mut self, gone: ProcessGone) {
        let _ = gone;
    }
}

/// Identifies a timer set with [`timers`].
pub type TimerId = u64;

/// Main's control over the app's windows.
pub mod windows {
    use super::*;

    pub use super::wit::windows::{MenuEntry, MenuItem, Submenu, WindowError, WindowState};
    pub use crate::wit::main::exports::wasmtron::app::main_events::WindowEvent;

    /// How [`create`] opens a window, over what the manifest declares for
    /// it (Electron's `BrowserWindow` options). Sizes are logical pixels,
    /// 100 to 16384; `None` keeps the manifest's value or the default.
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct WindowOptions {
        pub title: Option<String>,
        pub width: Option<u32>,
        pub height: Option<u32>,
        pub min_size: Option<(u32, u32)>,
        pub max_size: Option<(u32, u32)>,
        /// The top-left corner; the window system's choice when `None`.
        pub position: Option<(i32, i32)>,
        /// Whether the user may resize it (default: yes).
        pub resizable: Option<bool>,
        /// `Some(false)` creates it hidden until [`show`]: show it on
        /// [`WindowEvent::ReadyToShow`] and the page never flashes in half
        /// drawn (Electron's `show: false` and `ready-to-show`).
        pub visible: Option<bool>,
    }

    /// Opens a window declared in the manifest.
    ///
    /// # Errors
    /// When the label is unknown or the window is already open.
    pub fn open(label: &str) -> Result<(), WindowError> {
        wit::windows::open(label)
    }

    /// Opens a window declared in the manifest with `options` over its
    /// declared title and size (Electron's `new BrowserWindow(options)`;
    /// the page and renderer are the manifest's).
    ///
    /// # Errors
    /// When the label is unknown, the window is already open, or an option
    /// is out of range ([`WindowError::BadOptions`]).
    pub fn create(label: &str, options: &WindowOptions) -> Result<(), WindowError> {
        let options = wit::windows::WindowOptions {
            title: options.title.clone(),
            width: options.width,
            height: options.height,
            min_width: options.min_size.map(|s| s.0),
            min_height: options.min_size.map(|s| s.1),
            max_width: options.max_size.map(|s| s.0),
            max_height: options.max_size.map(|s| s.1),
            x: options.position.map(|p| p.0),
            y: options.position.map(|p| p.1),
            resizable: options.resizable,
            visible: options.visible,
        };
        wit::windows::create(label, &options)
    }

    /// Gives a window a menu bar (Electron's `win.setMenu`); an empty slice
    /// removes it. Choosing an item calls [`Main::on_menu`] with its id.
    ///
    /// # Errors
    /// When the window is not open, or the menu is refused
    /// ([`WindowError::BadOptions`]: more than 32 menus or 256 entries in
    /// one, an empty or repeated item id, a shortcut that does not parse).
    pub fn set_menu(label: &str, menu: &[Submenu]) -> Result<(), WindowError> {
        wit::windows::set_menu(label, menu)
    }

    /// Asks to close an open window, as its close button does (Electron's
    /// `win.close()`): [`Main::on_window_close`] decides, after this
    /// returns.
    ///
    /// # Errors
    /// When the window is not open.
    pub fn close(label: &str) -> Result<(), WindowError> {
        wit::windows::close(label)
    }

    /// Closes an open window now, without asking (Electron's
    /// `win.destroy()`).
    ///
    /// # Errors
    /// When the window is not open.
    pub fn destroy(label: &str) -> Result<(), WindowError> {
        wit::windows::destroy(label)
    }

    /// Brings a window to the front with the keyboard focus (showing it if
    /// hidden).
    ///
    /// # Errors
    /// When the window is not open.
    pub fn focus(label: &str) -> Result<(), WindowError> {
        wit::windows::focus(label)
    }

    /// Shows a hidden window.
    ///
    /// # Errors
    /// When the window is not open.
    pub fn show(label: &str) -> Result<(), WindowError> {
        wit::windows::show(label)
    }

    /// Hides a window without closing it.
    ///
    /// # Errors
    /// When the window is not open.
    pub fn hide(label: &str) -> Result<(), WindowError> {
        wit::windows::hide(label)
    }

    /// Sets a window's title bar text.
    ///
    /// # Errors
    /// When the window is not open, or the title is over 1024 characters.
    pub fn set_title(label: &str, title: &str) -> Result<(), WindowError> {
        wit::windows::set_title(label, title)
    }

    /// Resizes a window (logical pixels, 100 to 16384).
    ///
    /// # Errors
    /// When the window is not open, or a size is out of range.
    pub fn set_size(label: &str, width: u32, height: u32) -> Result<(), WindowError> {
        wit::windows::set_size(label, width, height)
    }

    /// What the host knows of open window `label`: title, size, focus,
    /// visibility; `None` when it is not open.
    pub fn find(label: &str) -> Option<WindowState> {
        wit::windows::find(label)
    }

    /// The labels of the open windows.
    pub fn labels() -> Vec<String> {
        wit::windows::labels()
    }

    /// Pushes a value to a window's renderer (Electron's `webContents.send`).
    ///
    /// # Errors
    /// `target-gone` when the window is not open, `too-large`, `bad-payload`.
    pub fn push<T: Serialize + ?Sized>(
        label: &str,
        channel: &str,
        value: &T,
    ) -> Result<(), IpcError> {
        push_raw(label, channel, &crate::encode(value)?)
    }

    /// Pushes an already encoded payload.
    ///
    /// # Errors
    /// As [`push`].
    pub fn push_raw(label: &str, channel: &str, payload: &[u8]) -> Result<(), IpcError> {
        wit::windows::push(label, channel, payload)
    }

    /// A [`push`] that moves the ports in `transfer` to the window's
    /// renderer (Electron's `webContents.postMessage`); they arrive in
    /// [`Push::ports`](crate::Push::ports). Whatever the outcome, the ports
    /// are gone from main.
    ///
    /// # Errors
    /// As [`push`].
    pub fn post_message<T: Serialize + ?Sized>(
        label: &str,
        channel: &str,
        value: &T,
        transfer: Vec<MessagePort>,
    ) -> Result<(), IpcError> {
        post_message_raw(label, channel, &crate::encode(value)?, transfer)
    }

    /// [`post_message`] with raw payload bytes.
    ///
    /// # Errors
    /// As [`push`].
    pub fn post_message_raw(
        label: &str,
        channel: &str,
        payload: &[u8],
        transfer: Vec<MessagePort>,
    ) -> Result<(), IpcError> {
        wit::windows::post_message(label, channel, payload, ports::into_wit(transfer))
    }

    /// Invokes `channel` on a window's renderer and waits for its typed reply;
    /// the renderer answers in [`Renderer::handle`](crate::Renderer::handle).
    /// Main runs nothing else while it waits.
    ///
    /// # Errors
    /// An [`IpcError`]: `handler-failed` (with the handler's code and data),
    /// `target-gone` when the window is not open or its renderer dies before
    /// replying, `timeout`, `too-large`, `bad-payload`.
    pub fn invoke<Req, Resp>(label: &str, channel: &str, request: &Req) -> Result<Resp, IpcError>
    where
        Req: Serialize + ?Sized,
        Resp: DeserializeOwned,
    {
        let reply = invoke_raw(label, channel, &crate::encode(request)?)?;
        crate::decode(&reply)
    }

    /// [`invoke`] with raw payload bytes.
    ///
    /// # Errors
    /// As [`invoke`].
    pub fn invoke_raw(label: &str, channel: &str, payload: &[u8]) -> Result<Payload, IpcError> {
        wit::windows::invoke(label, channel, payload)
    }

    /// Starts a fresh renderer for an open window and loads its page again.
    /// This is how a window whose renderer crashed comes back; the new
    /// renderer starts from its `Default` state.
    ///
    /// # Errors
    /// When the label is unknown, the window is not open, or the new renderer
    /// cannot start.
    pub fn reload(label: &str) -> Result<(), WindowError> {
        wit::windows::reload(label)
    }
}

/// Native dialogs (Electron's `dialog` module): file choosers and message
/// boxes drawn by the window system.
///
/// Each call waits for the user's answer (Electron's `showOpenDialogSync`
/// and friends): main handles nothing else meanwhile, and what arrives for
/// it waits in order. A dialog given a window is modal to it; if that
/// window closes, or the app ends, the call fails with
/// [`DialogError::Closed`].
///
/// A chosen path is only a name: main can read or write the file only
/// inside a folder its manifest grants.
pub mod dialogs {
    use super::wit;

    pub use super::wit::dialogs::{DialogError, FileFilter, MessageKind};

    /// What an open dialog offers (Electron's `showOpenDialog` options).
    #[derive(Debug, Clone, Default)]
    pub struct OpenOptions {
        pub title: Option<String>,
        /// An absolute path: the folder to start in, or a file to select.
        pub default_path: Option<String>,
        /// The accept button's text ("Open" by default).
        pub button_label: Option<String>,
        pub filters: Vec<FileFilter>,
        /// Choose folders instead of files.
        pub directories: bool,
        /// Allow more than one.
        pub multiple: bool,
        pub show_hidden: bool,
    }

    /// What a save dialog offers (Electron's `showSaveDialog` options).
    #[derive(Debug, Clone, Default)]
    pub struct SaveOptions {
        pub title: Option<String>,
        /// An absolute path to propose, or only a file name.
        pub default_path: Option<String>,
        pub button_label: Option<String>,
        pub filters: Vec<FileFilter>,
        pub show_hidden: bool,
    }

    /// A message box (Electron's `showMessageBox` options).
    #[derive(Debug, Clone)]
    pub struct MessageOptions {
        pub kind: MessageKind,
        pub title: Option<String>,
        pub message: String,
        /// Smaller text under the message.
        pub detail: Option<String>,
        /// Left to right; none gives one "OK".
        pub buttons: Vec<String>,
        /// The button Enter chooses (default: the first).
        pub default_id: Option<u32>,
        /// The answer to Escape or the close button (default: a button
        /// labelled "Cancel" or "No", else the first).
        pub cancel_id: Option<u32>,
    }

    impl Default for MessageOptions {
        fn default() -> Self {
            MessageOptions {
                kind: MessageKind::None,
                title: None,
                message: String::new(),
                detail: None,
                buttons: Vec::new(),
                default_id: None,
                cancel_id: None,
            }
        }
    }

    /// A filter listing files with these extensions (without the dot).
    pub fn filter(name: &str, extensions: &[&str]) -> FileFilter {
        FileFilter {
            name: name.to_owned(),
            extensions: extensions.iter().map(|e| (*e).to_owned()).collect(),
        }
    }

    /// Lets the user choose files or folders, in a dialog modal to
    /// `window` (free-standing for `None`). An empty list is a cancel.
    ///
    /// # Errors
    /// [`DialogError::NotOpen`], [`DialogError::BadOptions`] (a relative
    /// default path, a filter extension with a dot, text too long), or
    /// [`DialogError::Closed`].
    pub fn open_file(
        window: Option<&str>,
        options: &OpenOptions,
    ) -> Result<Vec<String>, DialogError> {
        wit::dialogs::open_file(
            window,
            &wit::dialogs::OpenOptions {
                title: options.title.clone(),
                default_path: options.default_path.clone(),
                button_label: options.button_label.clone(),
                filters: options.filters.clone(),
                directories: options.directories,
                multiple: options.multiple,
                show_hidden: options.show_hidden,
            },
        )
    }

    /// Lets the user choose where to save; `None` is a cancel.
    ///
    /// # Errors
    /// As [`open_file`].
    pub fn save_file(
        window: Option<&str>,
        options: &SaveOptions,
    ) -> Result<Option<String>, DialogError> {
        wit::dialogs::save_file(
            window,
            &wit::dialogs::SaveOptions {
                title: options.title.clone(),
                default_path: options.default_path.clone(),
                button_label: options.button_label.clone(),
                filters: options.filters.clone(),
                show_hidden: options.show_hidden,
            },
        )
    }

    /// Shows a message box and returns the index of the button chosen.
    ///
    /// # Errors
    /// As [`open_file`]; more than 16 buttons, or an id past them, is
    /// [`DialogError::BadOptions`].
    pub fn message_box(window: Option<&str>, options: &MessageOptions) -> Result<u32, DialogError> {
        wit::dialogs::message_box(
            window,
            &wit::dialogs::MessageOptions {
                kind: options.kind,
                title: options.title.clone(),
                message: options.message.clone(),
                detail: options.detail.clone(),
                buttons: options.buttons.clone(),
                default_id: options.default_id,
                cancel_id: options.cancel_id,
            },
        )
    }
}

/// Registration of invoke handlers (Electron's `ipcMain.handle`).
pub mod ipc {
    use super::wit;

    /// Delivers invokes on `channel` to [`Main::handle`](super::Main::handle).
    /// Invokes on channels nobody registered fail with `no-handler`.
    pub fn handle(channel: &str) {
        wit::ipc::handle(channel);
    }

    /// Makes invokes on `channel` fail with `no-handler` again.
    pub fn remove_handler(channel: &str) {
        wit::ipc::remove_handler(channel);
    }
}

/// Timers; each firing calls [`Main::on_timer`](super::Main::on_timer).
pub mod timers {
    use super::*;

    /// Fires once after `delay`.
    pub fn set_timeout(delay: Duration) -> TimerId {
        wit::timers::set_timeout(millis(delay))
    }

    /// Fires every `period` until cleared.
    pub fn set_interval(period: Duration) -> TimerId {
        wit::timers::set_interval(millis(period))
    }

    /// Stops a timer. Unknown ids are ignored.
    pub fn clear(timer: TimerId) {
        wit::timers::clear(timer);
    }

    fn millis(duration: Duration) -> u32 {
        u32::try_from(duration.as_millis()).unwrap_or(u32::MAX)
    }
}

/// Opening what lies outside the app (Electron's `shell`).
pub mod shell {
    use super::wit;

    pub use wit::shell::OpenError;

    /// Opens `url` with the user's browser, mail client or the application
    /// registered for its scheme (Electron's `shell.openExternal`), if the
    /// manifest's `app.open-external` lists its scheme (`https` and
    /// `mailto` by default). Returns once the desktop's opener started.
    ///
    /// # Errors
    /// [`OpenError::SchemeNotAllowed`], [`OpenError::BadUrl`], or
    /// [`OpenError::Failed`] when there is no opener.
    pub fn open_external(url: &str) -> Result<(), OpenError> {
        wit::shell::open_external(url)
    }
}

/// The application as a whole.
pub mod app {
    use super::wit;

    /// The app's name from the manifest.
    pub fn name() -> String {
        wit::app::name()
    }

    /// Asks to end the app with `code` (Electron's `app.quit()`):
    /// [`Main::on_before_quit`] may refuse; otherwise main hears
    /// [`Main::on_will_quit`] and [`Main::on_quit`], every window closes and
    /// the host exits with `code`. Returns before any of it.
    ///
    /// [`Main::on_before_quit`]: crate::Main::on_before_quit
    /// [`Main::on_will_quit`]: crate::Main::on_will_quit
    /// [`Main::on_quit`]: crate::Main::on_quit
    pub fn quit(code: i32) {
        wit::app::quit(code);
    }

    /// Ends the app with `code` at once, without asking or telling main
    /// (Electron's `app.exit()`).
    pub fn exit(code: i32) {
        wit::app::exit(code);
    }

    pub use wit::app::{AppFolder, PathError};

    /// Where one of the app's per-user folders is on this machine, made if
    /// missing (Electron's `app.getPath`). A component reads and writes
    /// the folder only when its manifest entry grants it (`app-folders`),
    /// and then by its fixed name (`/data`, `/cache`, `/config`), not by
    /// this path.
    ///
    /// # Errors
    /// [`PathError::NoAppId`] when the manifest gives no `app.id`;
    /// [`PathError::Unavailable`] when the folder cannot be made.
    pub fn get_path(folder: AppFolder) -> Result<String, PathError> {
        wit::app::get_path(folder)
    }
}

/// Exports a [`Main`] implementation as the component's `main` world.
///
/// ```ignore
/// #[derive(Default)]
/// struct App;
/// impl wasmtron_guest::Main for App {}
/// wasmtron_guest::export_main!(App);
/// ```
#[macro_export]
macro_rules! export_main {
    ($ty:ty) => {
        $crate::__export_world!($ty, $crate::Main, main, main_events, __export_main_world, {
            fn on_ready() {
                with_state(|app| $crate::Main::on_ready(app));
            }

            fn handle(
                sender: $crate::Sender,
                channel: ::std::string::String,
                payload: $crate::Payload,
            ) -> ::core::result::Result<$crate::Payload, $crate::HandlerError> {
                let request = $crate::Request {
                    sender,
                    channel,
                    payload,
                    ports: ::std::vec::Vec::new(),
                };
                with_state(|app| $crate::Main::handle(app, request))
            }

            fn on_message(
                sender: $crate::Sender,
                channel: ::std::string::String,
                payload: $crate::Payload,
                ports: ::std::vec::Vec<$crate::__internal::RawMessagePort>,
            ) {
                let message = $crate::Request {
                    sender,
                    channel,
                    payload,
                    ports: $crate::__internal::ports(ports),
                };
                with_state(|app| $crate::Main::on_message(app, message));
            }

            fn on_timer(id: u64) {
                with_state(|app| $crate::Main::on_timer(app, id));
            }

            fn on_window_closed(label: ::std::string::String) {
                with_state(|app| $crate::Main::on_window_closed(app, &label));
            }

            fn on_window_event(label: ::std::string::String, event: $crate::windows::WindowEvent) {
                with_state(|app| $crate::Main::on_window_event(app, &label, event));
            }

            fn on_menu(label: ::std::string::String, id: ::std::string::String) {
                with_state(|app| $crate::Main::on_menu(app, &label, &id));
            }

            fn on_window_close(label: ::std::string::String) -> bool {
                with_state(|app| $crate::Main::on_window_close(app, &label))
            }

            fn on_window_all_closed() -> bool {
                with_state(|app| $crate::Main::on_window_all_closed(app))
            }

            fn on_before_quit() -> bool {
                with_state(|app| $crate::Main::on_before_quit(app))
            }

            fn on_will_quit() {
                with_state(|app| $crate::Main::on_will_quit(app));
            }

            fn on_quit(code: i32) {
                with_state(|app| $crate::Main::on_quit(app, code));
            }

            fn on_second_instance(
                args: ::std::vec::Vec<::std::string::String>,
                cwd: ::std::string::String,
            ) {
                with_state(|app| $crate::Main::on_second_instance(app, args, &cwd));
            }

            fn on_utility_spawn(
                name: ::std::string::String,
                pid: ::core::option::Option<u32>,
                restarts: u32,
            ) {
                with_state(|app| $crate::Main::on_utility_spawn(app, &name, pid, restarts));
            }

            fn on_utility_output(
                name: ::std::string::String,
                stream: ::std::string::String,
                line: ::std::string::String,
            ) {
                with_state(|app| $crate::Main::on_utility_output(app, &name, &stream, &line));
            }

            fn on_utility_message(
                name: ::std::string::String,
                payload: $crate::Payload,
                ports: ::std::vec::Vec<$crate::__internal::RawMessagePort>,
            ) {
                let message = $crate::UtilityMessage {
                    name,
                    payload,
                    ports: $crate::__internal::ports(ports),
                };
                with_state(|app| $crate::Main::on_utility_message(app, message));
            }

            fn on_process_gone(details: $crate::ProcessGone) {
                with_state(|app| $crate::Main::on_process_gone(app, details));
            }
        });
    };
}

#[cfg(test)]
mod tests {
    use super::dialogs::DialogError;
    use crate::{ErrorCode, IpcError};

    #[test]
    fn errors_compare_as_values() {
        assert_eq!(DialogError::Closed, DialogError::Closed);
        assert_ne!(DialogError::NotOpen("notes".into()), DialogError::Closed);
        assert_eq!(
            DialogError::BadOptions("a relative default path".into()),
            DialogError::BadOptions("a relative default path".into())
        );
        let gone = |message: &str| IpcError {
            code: ErrorCode::TargetGone,
            message: message.into(),
            app_code: None,
            data: None,
        };
        assert_eq!(gone("main"), gone("main"));
        assert_ne!(gone("main"), gone("a window"));
    }
}
