//! One open window: a tao window, the WebKitGTK view inside it, and the DOM
//! operations waiting for its page. Lives on the event-loop thread only.

use std::cell::Cell;
use std::collections::VecDeque;
use std::fmt;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use gtk::glib::Propagation;
use tao::dpi::{LogicalPosition, LogicalSize};
use tao::event_loop::{EventLoopProxy, EventLoopWindowTarget};
use tao::platform::unix::WindowExtUnix as _;
use tao::rwh_06::{HasWindowHandle as _, RawWindowHandle};
use tao::window::{Window, WindowBuilder, WindowId};
use tokio::sync::oneshot;
use webkit2gtk::{HardwareAccelerationPolicy, LoadEvent, SettingsExt as _, WebViewExt as _};
use wry::http::Request;
use wry::{
    NewWindowResponse, PageLoadEvent, PermissionResponse, WebContext, WebView, WebViewBuilder,
    WebViewBuilderExtUnix as _, WebViewExtUnix as _,
};

use super::Command;
use super::assets::{self, AppAssets};
use super::bridge::{self, FromPage};
use super::clipboard;
use crate::manifest::HardwareAcceleration;
use crate::window::{
    ContentRequest, ContentResponder, MenuBar, MenuEntry, PageEvent, PageEventSink, PageFailure,
    WindowChange, WindowSpec,
};
use crate::window::{DomRead, DomReadError, ReadAnswer};

/// How many bridge scripts (DOM operations, answers, events) may wait for a
/// page to load. A renderer that sends more before the page is up is
/// flooding; the excess is dropped.
const MAX_PENDING_OPS: usize = 65_536;

/// How many answers to pings ([`NativeWindow::pong`]) may be on their way
/// to a page at once. Each is as large as the ping it answers (up to
/// `wire::page::MAX_MESSAGE_BYTES`, twice that with U+2028 escaped); a
/// page that posts pings faster than it takes the answers gets the rest
/// refused, instead of the host holding a copy of each.
const MAX_PONGS: usize = 4;

/// What waits for a page to load.
enum Waiting {
    /// A bridge script: a DOM operation, an answer, an event.
    Script(String),
    /// A renderer's read of the page, and where its answer goes.
    Read {
        read: DomRead,
        max_bytes: usize,
        answer: oneshot::Sender<ReadAnswer>,
    },
}

/// Tells apart successive windows that reuse a label, so a late message
/// from a closed window's page never reaches its successor.
pub(super) type Serial = u64;

/// An open window and its page.
pub(super) struct NativeWindow {
    label: String,
    // Declared before `window` so it drops first: the view lives inside the
    // window's GTK container.
    webview: WebView,
    window: Window,
    events: PageEventSink,
    /// Whether `page.js` reported the current document loaded. Until it
    /// does, operations and reads wait in `pending`, in order.
    loaded: bool,
    pending: VecDeque<Waiting>,
    /// Answers to pings on their way to the page (at most [`MAX_PONGS`]).
    pongs: Arc<AtomicUsize>,
    /// Whether the web view may be drawn yet ([`hold_drawing`]).
    drawable: Rc<Cell<bool>>,
    serial: Serial,
    /// The menu bar, and the item ids of its items by their index (muda's
    /// ids are `"<serial>:<index>"`, unique across windows).
    menu: Option<(muda::Menu, Vec<String>)>,
    /// The web context keeping the page's storage on disk, for a window
    /// with `persistent-storage` (after `webview`: dropped after it).
    _storage: Option<WebContext>,
}

impl fmt::Debug for NativeWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NativeWindow")
            .field("label", &self.label)
            .field("id", &self.window.id())
            .field("loaded", &self.loaded)
            .field("pending", &self.pending.len())
            .finish_non_exhaustive()
    }
}

impl NativeWindow {
    /// Opens the window and starts loading `url` (already checked to be an
    /// asset of `assets`).
    pub(super) fn open(
        target: &EventLoopWindowTarget<Command>,
        proxy: &EventLoopProxy<Command>,
        serial: Serial,
        spec: &WindowSpec,
        assets: AppAssets,
        url: String,
        events: PageEventSink,
    ) -> anyhow::Result<Self> {
        let mut builder = WindowBuilder::new()
            .with_title(&spec.title)
            .with_inner_size(LogicalSize::new(spec.width, spec.height))
            .with_resizable(spec.resizable)
            .with_visible(spec.visible);
        if let Some((width, height)) = spec.min_size {
            builder = builder.with_min_inner_size(LogicalSize::new(width, height));
        }
        if let Some((width, height)) = spec.max_size {
            builder = builder.with_max_inner_size(LogicalSize::new(width, height));
        }
        if let Some((x, y)) = spec.position {
            builder = builder.with_position(LogicalPosition::new(x, y));
        }
        let window = builder.build(target).context("cannot create the window")?;
        let container = window
            .default_vbox()
            .context("the window has no GTK container")?;

        let label = spec.label.clone();
        let content_label = label.clone();
        let content_events = events.clone();
        let messages = proxy.clone();
        let loads = proxy.clone();
        // Ephemeral storage, unless the window keeps it (`persistent-storage`):
        // then in a context of its own over its own folder, so that windows
        // never share one (each registers the app's scheme with its own
        // assets).
        let mut storage = spec
            .web_storage
            .as_ref()
            .map(|dir| WebContext::new(Some(dir.clone())));
        let builder = match storage.as_mut() {
            Some(context) => WebViewBuilder::new_with_web_context(context),
            None => WebViewBuilder::new().with_incognito(true),
        };
        let webview = builder
            .with_id(&label)
            .with_devtools(spec.devtools)
            .with_clipboard(false)
            .with_proxy_config(no_network())
            .with_asynchronous_custom_protocol(
                assets::SCHEME.to_owned(),
                move |_id, request, responder| match assets::content_request(&request) {
                    None => responder.respond(assets.respond(&request)),
                    Some(Err(refused)) => responder.respond(refused),
                    Some(Ok((path, query))) => {
                        ask_for_content(&content_events, &content_label, path, query, responder);
                    }
                },
            )
            .with_initialization_script(bridge::PAGE_SCRIPT)
            // Every frame, not only the top one: a frame is a page too.
            .with_initialization_script_for_main_only(clipboard::SCRIPT, false)
            .with_ipc_handler(move |request| on_page_message(&messages, serial, &request))
            .with_on_page_load_handler(move |event, _url| {
                if let PageLoadEvent::Started = event {
                    // The event loop outlives every window, so this only
                    // fails during shutdown, when nobody needs it.
                    let _ = loads.send_event(Command::PageStarted { serial });
                }
            })
            .with_navigation_handler(|url| {
                let allowed = url.starts_with(assets::ORIGIN_PREFIX);
                if !allowed {
                    tracing::warn!(%url, "navigation away from the app refused");
                }
                allowed
            })
            .with_new_window_req_handler(|url, _features| {
                tracing::warn!(%url, "new window request refused");
                NewWindowResponse::Deny
            })
            .with_download_started_handler(|url, _path| {
                tracing::warn!(%url, "download refused");
                false
            })
            .with_permission_handler(|kind| {
                tracing::warn!(?kind, "permission request refused");
                PermissionResponse::Deny
            })
            .build_gtk(container)
            .context("cannot create the web view")?;
        // Set before the page loads: switching while it loads can leave
        // it without a first frame. With a GPU and `auto`, WebKit's own
        // default stands.
        let policy = match spec.hardware_acceleration {
            HardwareAcceleration::On => Some(HardwareAccelerationPolicy::Always),
            other if !other.enabled() => Some(HardwareAccelerationPolicy::Never),
            _ => None,
        };
        if let Some(settings) = webview.webview().settings() {
            if let Some(policy) = policy {
                settings.set_hardware_acceleration_policy(policy);
            }
            if let Err(why) = clipboard::switch_off_async_api(&settings) {
                tracing::warn!("pages keep navigator.clipboard: {why}");
            }
        }
        let drawable = hold_drawing(&webview);
        webview.load_url(&url).context("cannot load the page")?;

        Ok(Self {
            label,
            webview,
            window,
            events,
            loaded: false,
            pending: VecDeque::new(),
            pongs: Arc::default(),
            drawable,
            serial,
            menu: None,
            _storage: storage,
        })
    }

    /// Replaces the window's menu bar (none when `bar` is empty).
    fn set_menu(&mut self, bar: &MenuBar) {
        if let Some((old, _)) = self.menu.take() {
            let _ = old.remove_for_gtk_window(self.window.gtk_window());
        }
        if bar.menus.is_empty() {
            return;
        }
        let menu = muda::Menu::new();
        let mut ids = Vec::new();
        for submenu in &bar.menus {
            let sub = muda::Submenu::new(&submenu.label, true);
            for entry in &submenu.entries {
                let added = match entry {
                    MenuEntry::Separator => sub.append(&muda::PredefinedMenuItem::separator()),
                    MenuEntry::Item {
                        id,
                        label,
                        accelerator,
                        enabled,
                    } => {
                        let accelerator = accelerator.as_deref().and_then(|a| a.parse().ok());
                        let muda_id = format!("{}:{}", self.serial, ids.len());
                        ids.push(id.clone());
                        sub.append(&muda::MenuItem::with_id(
                            muda_id,
                            label,
                            *enabled,
                            accelerator,
                        ))
                    }
                };
                if let Err(error) = added {
                    tracing::warn!(label = %self.label, %error, "cannot add a menu entry");
                }
            }
            if let Err(error) = menu.append(&sub) {
                tracing::warn!(label = %self.label, %error, "cannot add a menu");
            }
        }
        // Into the window's box, above the web view.
        let Some(vbox) = self.window.default_vbox() else {
            tracing::warn!(label = %self.label, "the window has no box for a menu bar");
            return;
        };
        match menu.init_for_gtk_window(self.window.gtk_window(), Some(vbox)) {
            Ok(()) => self.menu = Some((menu, ids)),
            Err(error) => tracing::warn!(label = %self.label, %error, "cannot show the menu bar"),
        }
    }

    /// The item id of muda's menu id `muda_id`, if it is one of this
    /// window's.
    pub(super) fn menu_item(&self, muda_id: &str) -> Option<String> {
        let (serial, index) = muda_id.split_once(':')?;
        if serial.parse::<Serial>().ok()? != self.serial {
            return None;
        }
        let (_, ids) = self.menu.as_ref()?;
        ids.get(index.parse::<usize>().ok()?).cloned()
    }

    /// The GTK window, for dialogs modal to it.
    pub(super) fn gtk_window(&self) -> &gtk::ApplicationWindow {
        self.window.gtk_window()
    }

    pub(super) fn id(&self) -> WindowId {
        self.window.id()
    }

    pub(super) fn scale_factor(&self) -> f64 {
        self.window.scale_factor()
    }

    /// Carries out a change main asked for. Focus and size changes are
    /// reported back by the window system's own events; showing and hiding
    /// are reported here, since X11 does not say.
    pub(super) fn update(&mut self, change: WindowChange) {
        match change {
            WindowChange::Title(title) => self.window.set_title(&title),
            WindowChange::Menu(bar) => self.set_menu(&bar),
            WindowChange::Size(width, height) => {
                self.window.set_inner_size(LogicalSize::new(width, height));
            }
            WindowChange::Focus => {
                if !self.window.is_visible() {
                    self.window.set_visible(true);
                    self.send(PageEvent::Shown(true));
                }
                self.window.set_focus();
            }
            WindowChange::Show | WindowChange::Hide => {
                let visible = change == WindowChange::Show;
                if self.window.is_visible() != visible {
                    self.window.set_visible(visible);
                    self.send(PageEvent::Shown(visible));
                }
            }
        }
    }

    /// Runs a bridge script now, or after the page reports it loaded.
    pub(super) fn apply(&mut self, script: String) {
        if self.loaded {
            self.run(&script);
        } else {
            self.wait_for_load(Waiting::Script(script));
        }
    }

    /// Reads the page now, or after it reports it loaded, in order with
    /// the operations before it; the answer comes on this thread when
    /// WebKit has run the read. A window that closes (or reloads) first
    /// drops `answer`, which tells the asker the window is gone.
    pub(super) fn read(
        &mut self,
        read: DomRead,
        max_bytes: usize,
        answer: oneshot::Sender<ReadAnswer>,
    ) {
        if self.loaded {
            self.run_read(read, max_bytes, answer);
        } else {
            self.wait_for_load(Waiting::Read {
                read,
                max_bytes,
                answer,
            });
        }
    }

    fn wait_for_load(&mut self, waiting: Waiting) {
        if self.pending.len() < MAX_PENDING_OPS {
            self.pending.push_back(waiting);
            return;
        }
        tracing::warn!(
            label = %self.label,
            limit = MAX_PENDING_OPS,
            "too many DOM operations, reads or events before the page loaded; dropping one"
        );
        if let Waiting::Read { answer, .. } = waiting {
            let why = "too many operations wait for the page to load";
            let _ = answer.send(Err(DomReadError::NoAnswer(why.into())));
        }
    }

    fn run_read(&self, read: DomRead, max_bytes: usize, answer: oneshot::Sender<ReadAnswer>) {
        let script = match bridge::read_script(&read, max_bytes) {
            Ok(script) => script,
            Err(error) => {
                let _ = answer.send(Err(DomReadError::NoAnswer(error.to_string())));
                return;
            }
        };
        // wry wants an `Fn` callback; the answer can be sent only once.
        let answer = Mutex::new(Some(answer));
        let evaluated = self
            .webview
            .evaluate_script_with_callback(&script, move |raw| {
                let answer = answer
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .take();
                if let Some(answer) = answer {
                    let _ = answer.send(bridge::parse_read_result(&read, &raw, max_bytes));
                }
            });
        if let Err(error) = evaluated {
            tracing::warn!(label = %self.label, %error, "cannot read the page");
        }
    }

    /// Answers the page's ping `id` at once with the text it carried: the
    /// bridge's own round trip, with no renderer or shell in it (the floor
    /// under a page call, docs/performance.md). Not held for the page to
    /// load: only a page's running scripts can ping, and an answer that
    /// reaches the next document settles nothing there. While
    /// [`MAX_PONGS`] answers are on their way, the ping is refused instead.
    pub(super) fn pong(&self, id: u64, data: &str) {
        let Some(on_its_way) = PongOnItsWay::start(&self.pongs) else {
            tracing::debug!(label = %self.label, limit = MAX_PONGS, "too many pings; refused");
            if let Ok(script) = bridge::pong_script(id, None) {
                self.run(&script);
            }
            return;
        };
        let script = match bridge::pong_script(id, Some(data)) {
            Ok(script) => script,
            Err(error) => {
                tracing::error!(label = %self.label, %error, "cannot write a pong");
                return;
            }
        };
        // Counted until WebKit reports the script run (or drops it).
        let evaluated = self
            .webview
            .evaluate_script_with_callback(&script, move |_| {
                let _ = &on_its_way;
            });
        if let Err(error) = evaluated {
            tracing::warn!(label = %self.label, %error, "cannot answer a ping");
        }
    }

    /// Loads the page again (after its renderer was replaced). The page
    /// reports `Loaded` when it is ready.
    pub(super) fn reload(&mut self) {
        self.loaded = false;
        self.pending.clear();
        if let Err(error) = self.webview.reload() {
            tracing::error!(label = %self.label, "cannot reload the page: {error}");
        }
    }

    /// A new document started loading (a reload or a navigation inside the
    /// app): operations wait for it.
    pub(super) fn page_started(&mut self) {
        tracing::debug!(label = %self.label, "page started loading");
        self.loaded = false;
    }

    /// Handles an event the page reported, and passes it to the host.
    pub(super) fn page_event(&mut self, event: PageEvent) {
        if event == PageEvent::Loaded {
            tracing::debug!(label = %self.label, pending = self.pending.len(), "page loaded");
            self.loaded = true;
            if !self.drawable.replace(true) {
                use gtk::prelude::WidgetExt as _;
                self.webview.webview().queue_draw();
            }
            while let Some(waiting) = self.pending.pop_front() {
                match waiting {
                    Waiting::Script(script) => self.run(&script),
                    Waiting::Read {
                        read,
                        max_bytes,
                        answer,
                    } => self.run_read(read, max_bytes, answer),
                }
            }
        }
        self.send(event);
    }

    /// Evaluates `expression` in the page; the reply carries its JSON value.
    pub(super) fn query(&self, expression: &str, reply: oneshot::Sender<Result<String, String>>) {
        // wry wants an `Fn` callback; the reply can be sent only once.
        let reply = Mutex::new(Some(reply));
        let evaluated = self.webview.evaluate_script_with_callback(
            &bridge::query_script(expression),
            move |raw| {
                let reply = reply
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .take();
                if let Some(reply) = reply {
                    let _ = reply.send(bridge::parse_query_result(&raw));
                }
            },
        );
        if let Err(error) = evaluated {
            tracing::warn!(label = %self.label, %error, "cannot evaluate a query");
        }
    }

    /// Where the page starts within the window (below a menu bar), in
    /// window pixels.
    pub(super) fn page_origin(&self) -> Option<(f64, f64)> {
        use gtk::prelude::WidgetExt as _;
        let page = self.webview.webview();
        let (x, y) = page.translate_coordinates(self.window.gtk_window(), 0, 0)?;
        let scale = f64::from(page.scale_factor());
        Some((f64::from(x) * scale, f64::from(y) * scale))
    }

    /// The X11 id of the window, when it runs on X11.
    pub(super) fn native_id(&self) -> Option<u64> {
        match self.window.window_handle().ok()?.as_raw() {
            RawWindowHandle::Xlib(handle) => Some(handle.window),
            _ => None,
        }
    }

    /// Sends a page event to the host. The host dropping its receiver means
    /// it no longer cares about this window, which is not an error here.
    pub(super) fn send(&self, event: PageEvent) {
        let _ = self.events.send((self.label.clone(), event));
    }

    fn run(&self, script: &str) {
        if let Err(error) = self.webview.evaluate_script(script) {
            tracing::warn!(label = %self.label, %error, "cannot run a bridge script");
        }
    }
}

/// One answer to a ping on its way to the page, counted until dropped.
struct PongOnItsWay(Arc<AtomicUsize>);

impl PongOnItsWay {
    /// Counts one more, or `None` when [`MAX_PONGS`] are on their way.
    fn start(count: &Arc<AtomicUsize>) -> Option<Self> {
        count
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                (n < MAX_PONGS).then_some(n + 1)
            })
            .ok()?;
        Some(Self(Arc::clone(count)))
    }
}

impl Drop for PongOnItsWay {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Keeps WebKitGTK from drawing the web view until its first page has
/// loaded (the page reports `Loaded`, or WebKit that the load finished),
/// and returns the switch that lets it.
///
/// Without accelerated compositing, WebKitGTK draws a view whose web
/// process has not sent a frame yet by asking that process for one and
/// waiting for it here, on the window system's thread, for up to 500 ms
/// (`DrawingAreaProxyCoordinatedGraphics::forceUpdateIfNeeded`), without
/// handling what the web process sends meanwhile. At launch that process
/// can be waiting on this same thread just then: while it initialises, for
/// its connection to the network process (a synchronous
/// `GetNetworkProcessConnection` that only this thread answers). Both then
/// wait out the 500 ms. That happened when the window's first expose came
/// after WebKit had finished launching the web process, in a few launches
/// in a hundred (docs/performance.md). A view drawn only once the page has
/// loaded either has a frame already or gets one at once. Until then the
/// window shows its background there, as it did anyway: the view had
/// nothing to show. The page loads and paints all the same; only the
/// window's drawing of it waits.
fn hold_drawing(webview: &WebView) -> Rc<Cell<bool>> {
    use gtk::prelude::WidgetExt as _;
    let drawable = Rc::new(Cell::new(false));
    let page = webview.webview();
    let gate = Rc::clone(&drawable);
    // Runs before WebKit's own handler, which it stops while the gate is shut.
    page.connect_draw(move |_, _| {
        if gate.get() {
            Propagation::Proceed
        } else {
            Propagation::Stop
        }
    });
    let gate = Rc::clone(&drawable);
    page.connect_load_changed(move |page, event| {
        if event == LoadEvent::Finished && !gate.replace(true) {
            page.queue_draw();
        }
    });
    drawable
}

/// The IPC handler: a message from the page, hostile until parsed.
/// Passes a page's request for the app's content to the host, and answers
/// the page on this (the window system's) thread once the host has.
fn ask_for_content(
    events: &PageEventSink,
    label: &str,
    path: String,
    query: String,
    responder: wry::RequestAsyncResponder,
) {
    let (answer, answered) = ContentResponder::new();
    let request = ContentRequest {
        path,
        query,
        answer,
    };
    // A host that stopped listening drops the request: the page gets a 503.
    let _ = events.send((label.to_owned(), PageEvent::Content(request)));
    gtk::glib::MainContext::default().spawn_local(async move {
        responder.respond(assets::content_response(answered.await.ok()));
    });
}

fn on_page_message(proxy: &EventLoopProxy<Command>, serial: Serial, request: &Request<String>) {
    // The bridge exists only in our own pages; navigation elsewhere is
    // refused, but a message from anywhere else is dropped all the same.
    let url = request.uri().to_string();
    if !url.starts_with(assets::ORIGIN_PREFIX) {
        tracing::warn!(%url, "page message from a foreign page dropped");
        return;
    }
    // Both go through the loop, which holds the window: a ping takes the
    // same way in as a call.
    match bridge::parse_message(request.body()) {
        Ok(FromPage::Event(event)) => {
            let _ = proxy.send_event(Command::Page { serial, event });
        }
        Ok(FromPage::Ping { id, data }) => {
            let _ = proxy.send_event(Command::Ping { serial, id, data });
        }
        Err(error) => {
            // A call the host cannot read is still settled, so that the
            // page's promise does not wait for ever.
            if let Some(id) = crate::wire::page::call_id(request.body()) {
                let failure = PageFailure::new(refusal_code(&error), error.to_string());
                let event = PageEvent::CallRefused { id, failure };
                let _ = proxy.send_event(Command::Page { serial, event });
            }
            log_dropped(&error);
        }
    }
}

/// The code a page call's promise rejects with when its message was
/// refused.
fn refusal_code(error: &crate::wire::page::MessageError) -> &'static str {
    use crate::wire::page::MessageError;
    match error {
        MessageError::TooLarge(_) | MessageError::TooManyValues(_) => "too-large",
        _ => "bad-payload",
    }
}

/// Logs a dropped page message: the first hundred, then one in a thousand,
/// so that a page posting garbage in a loop cannot flood the log.
fn log_dropped(error: &crate::wire::page::MessageError) {
    use std::sync::atomic::{AtomicU64, Ordering};
    static DROPPED: AtomicU64 = AtomicU64::new(0);
    let count = DROPPED.fetch_add(1, Ordering::Relaxed);
    if count < 100 || count.is_multiple_of(1000) {
        tracing::warn!(%error, dropped = count + 1, "page message dropped");
    }
}

/// Where web content's network traffic goes: nowhere. The app's own pages
/// come through its custom scheme, which no proxy sees; everything else a
/// page could reach for (a link being followed, a preconnect, a prefetch,
/// an image) would go to the proxy, and this one is a closed port on
/// loopback, so nothing leaves the machine and no host name is looked up
/// (WebKit leaves name resolution to a proxy and skips DNS prefetching
/// when one is set). Without it, WebKit opened a connection to a clicked
/// link's host while it was still asking whether to go there, so that a
/// hostile page could beacon or probe a port with each click, although
/// the navigation itself was refused.
fn no_network() -> wry::ProxyConfig {
    wry::ProxyConfig::Http(wry::ProxyEndpoint {
        host: "127.0.0.1".into(),
        // TCP port 1 (`tcpmux`) is reserved: a connection there is refused
        // on any ordinary machine, and never leaves it.
        port: "1".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pongs_on_their_way_are_bounded_and_counted_until_dropped() {
        let count = Arc::new(AtomicUsize::new(0));
        let mut on_their_way: Vec<_> = (0..MAX_PONGS)
            .map(|_| PongOnItsWay::start(&count))
            .collect::<Option<_>>()
            .expect("room for MAX_PONGS");
        assert!(PongOnItsWay::start(&count).is_none());
        on_their_way.pop();
        assert!(PongOnItsWay::start(&count).is_some());
        drop(on_their_way);
        assert_eq!(count.load(Ordering::Relaxed), 0);
    }
}
