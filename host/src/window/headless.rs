//! The headless backend: windows without a display, each holding its page as
//! an in-memory DOM tree that tests can query and drive with UI events.

mod dom;
mod events;
mod input;
mod keys;

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use ego_tree::NodeId;
use scraper::{ElementRef, Html, Selector};

use tokio::sync::oneshot;

use super::{
    ContentAnswer, ContentRequest, ContentResponder, Dialog, DialogAnswer, DomOp, EventKind,
    MenuBar, PageAnswer, PageEvent, PageEventSink, UiEvent, WindowBackend, WindowChange,
    WindowError, WindowSpec,
};
use super::{
    DomFound, DomRead, DomReadError, DroppedFile, EventDetail, KeyInfo, PointerInfo, ReadAnswer,
};

/// How many emitted events a headless page keeps for tests to read; older
/// ones are forgotten first.
const MAX_EMITTED: usize = 10_000;

/// Why a UI event could not be injected into a headless window.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HeadlessError {
    #[error("no window `{0}` is open")]
    NoWindow(String),
    #[error("`{0}` is not a valid CSS selector")]
    BadSelector(String),
    #[error("no element matches `{0}`")]
    NoMatch(String),
    #[error("the element matching `{0}` is not in a form")]
    NoForm(String),
    #[error("no dialog {0} is open")]
    NoDialog(u64),
    #[error("dialog {id} cannot answer {answer:?}")]
    BadAnswer { id: u64, answer: DialogAnswer },
    #[error("`{0}` is not an event of this kind of input")]
    WrongKind(&'static str),
}

/// A window system without a display, for tests.
///
/// Each open window keeps its page as a DOM tree. [`DomOp`]s edit the tree,
/// the query methods read it, and [`click`](Self::click),
/// [`input`](Self::input), [`change`](Self::change),
/// [`submit`](Self::submit), [`key`](Self::key), [`pointer`](Self::pointer),
/// [`focus_element`](Self::focus_element),
/// [`blur_element`](Self::blur_element) and
/// [`drop_files`](Self::drop_files) deliver the [`UiEvent`]s a browser
/// running the page script would (pointer moves are not coalesced: each
/// call is one).
#[derive(Debug, Default)]
pub struct HeadlessBackend {
    pages: Mutex<BTreeMap<String, Page>>,
    dialogs: Mutex<Dialogs>,
    /// The URLs handed to the opener (`shell.open-external`), in order.
    opened: Mutex<Vec<String>>,
}

/// The dialogs waiting for an answer, oldest first.
#[derive(Debug, Default)]
struct Dialogs {
    next_id: u64,
    open: Vec<(ShownDialog, oneshot::Sender<DialogAnswer>)>,
}

/// A dialog on the headless screen, waiting for a test to answer it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownDialog {
    /// What [`HeadlessBackend::answer_dialog`] takes.
    pub id: u64,
    /// The window it is modal to.
    pub parent: Option<String>,
    pub dialog: Dialog,
}

/// One open window.
#[derive(Debug)]
struct Page {
    html: Html,
    events: PageEventSink,
    /// The entry file, read again on reload.
    source: PathBuf,
    frame: Frame,
    /// Page calls waiting for their answers, by id.
    calls: BTreeMap<u64, oneshot::Sender<PageAnswer>>,
    next_call: u64,
    /// Events the renderer emitted to the page, oldest first.
    emitted: std::collections::VecDeque<(String, serde_json::Value)>,
    /// The element holding the keyboard focus, if one does.
    focused: Option<NodeId>,
}

/// A headless window's frame: what a window manager would show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub title: String,
    pub size: (u32, u32),
    pub min_size: Option<(u32, u32)>,
    pub max_size: Option<(u32, u32)>,
    pub position: Option<(i32, i32)>,
    pub resizable: bool,
    pub visible: bool,
    pub focused: bool,
    /// Whether the page's developer tools may be opened (dev mode only).
    pub devtools: bool,
    /// The window's menu bar (empty: none).
    pub menu: MenuBar,
}

impl Frame {
    /// `size` within the window's bounds, as a window manager keeps it.
    fn bounded(&self, (width, height): (u32, u32)) -> (u32, u32) {
        let (min_w, min_h) = self.min_size.unwrap_or((0, 0));
        let (max_w, max_h) = self.max_size.unwrap_or((u32::MAX, u32::MAX));
        (width.clamp(min_w, max_w), height.clamp(min_h, max_h))
    }
}

impl Page {
    fn send(&self, label: &str, event: PageEvent) {
        // A dropped receiver means nobody is listening any more; that is not
        // the page's problem.
        if self.events.send((label.to_owned(), event)).is_err() {
            tracing::debug!(window = label, "page event dropped: receiver gone");
        }
    }
}

impl HeadlessBackend {
    /// A window system with no windows open.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether window `label` is open.
    pub fn is_open(&self, label: &str) -> bool {
        self.pages().contains_key(label)
    }

    /// The labels of the open windows, sorted.
    pub fn labels(&self) -> Vec<String> {
        self.pages().keys().cloned().collect()
    }

    /// The text content of the first element matching `selector`.
    pub fn text(&self, label: &str, selector: &str) -> Option<String> {
        self.query(label, selector, |element| element.text().collect())
    }

    /// The inner HTML of the first element matching `selector`.
    pub fn inner_html(&self, label: &str, selector: &str) -> Option<String> {
        self.query(label, selector, |element| element.inner_html())
    }

    /// Attribute `name` of the first element matching `selector`.
    pub fn attribute(&self, label: &str, selector: &str, name: &str) -> Option<String> {
        self.query(label, selector, |element| {
            element.attr(name).map(str::to_owned)
        })
        .flatten()
    }

    /// Whether the first element matching `selector` has class `class`.
    pub fn has_class(&self, label: &str, selector: &str, class: &str) -> bool {
        self.query(label, selector, |element| {
            element.value().classes().any(|name| name == class)
        })
        .unwrap_or(false)
    }

    /// The current value of the first element matching `selector`, if it is a
    /// form control (`input`, `textarea`, `select`).
    pub fn value(&self, label: &str, selector: &str) -> Option<String> {
        self.query(label, selector, dom::value).flatten()
    }

    /// How many elements match `selector`.
    pub fn count(&self, label: &str, selector: &str) -> usize {
        let pages = self.pages();
        match (pages.get(label), parse(selector)) {
            (Some(page), Ok(selector)) => dom::matches(&page.html, &selector).len(),
            _ => 0,
        }
    }

    /// Clicks the first element matching `selector`: `click` events bubble
    /// from it, then, for a submit button in a form, the form is submitted.
    ///
    /// Returns how many events were delivered.
    ///
    /// # Errors
    /// [`HeadlessError`] when the window, the selector or the element is missing.
    pub fn click(&self, label: &str, selector: &str) -> Result<usize, HeadlessError> {
        self.dispatch(label, selector, |html, target| {
            let mut events = events::bubble(html, target, EventKind::Click);
            if let Some(form) = events::submitted_by(html, target) {
                events.extend(events::submit(html, form));
            }
            Ok(events)
        })
    }

    /// Types `text` into the first element matching `selector`, replacing its
    /// value, and bubbles `input` events from it.
    ///
    /// # Errors
    /// As for [`click`](Self::click).
    pub fn input(&self, label: &str, selector: &str, text: &str) -> Result<usize, HeadlessError> {
        self.edit(label, selector, text, EventKind::Input)
    }

    /// Like [`input`](Self::input), with `change` events.
    ///
    /// # Errors
    /// As for [`click`](Self::click).
    pub fn change(&self, label: &str, selector: &str, text: &str) -> Result<usize, HeadlessError> {
        self.edit(label, selector, text, EventKind::Change)
    }

    /// Submits the form matching `selector`, or the form around the element
    /// matching it: `submit` events bubble from the form, each with its fields.
    ///
    /// # Errors
    /// As for [`click`](Self::click), and [`HeadlessError::NoForm`] when the
    /// element is not in a form.
    pub fn submit(&self, label: &str, selector: &str) -> Result<usize, HeadlessError> {
        self.dispatch(label, selector, |html, target| {
            let form = events::form_of(html, target)
                .ok_or_else(|| HeadlessError::NoForm(selector.to_owned()))?;
            Ok(events::submit(html, form))
        })
    }

    fn edit(
        &self,
        label: &str,
        selector: &str,
        text: &str,
        kind: EventKind,
    ) -> Result<usize, HeadlessError> {
        self.dispatch(label, selector, |html, target| {
            dom::set_value(html, target, text);
            Ok(events::bubble(html, target, kind))
        })
    }

    /// Runs `events_for` on the first element matching `selector` and
    /// delivers the events it returns.
    fn dispatch(
        &self,
        label: &str,
        selector: &str,
        events_for: impl FnOnce(&mut Html, NodeId) -> Result<Vec<UiEvent>, HeadlessError>,
    ) -> Result<usize, HeadlessError> {
        let mut pages = self.pages();
        let page = pages
            .get_mut(label)
            .ok_or_else(|| HeadlessError::NoWindow(label.to_owned()))?;
        let target = *dom::matches(&page.html, &parse(selector)?)
            .first()
            .ok_or_else(|| HeadlessError::NoMatch(selector.to_owned()))?;
        let events = events_for(&mut page.html, target)?;
        let delivered = events.len();
        for event in events {
            page.send(label, PageEvent::Ui(event));
        }
        Ok(delivered)
    }

    /// Runs `read` on the first element matching `selector`; `None` when
    /// there is no such window or element.
    fn query<T>(
        &self,
        label: &str,
        selector: &str,
        read: impl FnOnce(ElementRef<'_>) -> T,
    ) -> Option<T> {
        let pages = self.pages();
        let html = &pages.get(label)?.html;
        let target = *dom::matches(html, &parse(selector).ok()?).first()?;
        dom::element(html, target).map(read)
    }

    /// Calls function `function` of the window's page API with `args` (a
    /// JSON array, values as the page bridge encodes them), as a page
    /// script's `wasmtron.api[function](...args)` does. The receiver gets
    /// the answer; it is dropped unanswered when the page reloads or closes.
    ///
    /// # Errors
    /// [`HeadlessError::NoWindow`].
    pub fn call(
        &self,
        label: &str,
        function: &str,
        args: serde_json::Value,
    ) -> Result<oneshot::Receiver<PageAnswer>, HeadlessError> {
        let mut pages = self.pages();
        let page = pages
            .get_mut(label)
            .ok_or_else(|| HeadlessError::NoWindow(label.to_owned()))?;
        let (answer, answered) = oneshot::channel();
        let id = page.next_call;
        page.next_call += 1;
        page.calls.insert(id, answer);
        page.send(
            label,
            PageEvent::Call {
                id,
                function: function.to_owned(),
                args,
            },
        );
        Ok(answered)
    }

    /// Asks for the app's content at `path` (what follows `@content/`,
    /// decoded) with `query`, as the page would by loading
    /// `@content/PATH?QUERY`. The receiver gets the answer; it is dropped
    /// unanswered when the host is gone.
    ///
    /// # Errors
    /// [`HeadlessError::NoWindow`].
    pub fn fetch(
        &self,
        label: &str,
        path: &str,
        query: &str,
    ) -> Result<oneshot::Receiver<ContentAnswer>, HeadlessError> {
        let pages = self.pages();
        let page = pages
            .get(label)
            .ok_or_else(|| HeadlessError::NoWindow(label.to_owned()))?;
        let (answer, answered) = ContentResponder::new();
        page.send(
            label,
            PageEvent::Content(ContentRequest {
                path: path.to_owned(),
                query: query.to_owned(),
                answer,
            }),
        );
        Ok(answered)
    }

    /// The events the renderer emitted to window `label`'s page, oldest
    /// first, with their arguments as the page's listeners get them.
    pub fn emitted(&self, label: &str) -> Vec<(String, serde_json::Value)> {
        self.pages()
            .get(label)
            .map(|page| page.emitted.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// The frame of window `label`: title, size, visibility, focus.
    pub fn frame(&self, label: &str) -> Option<Frame> {
        self.pages().get(label).map(|page| page.frame.clone())
    }

    /// What the window manager does when the user clicks a window's close
    /// button: asks the host, which may keep it open.
    ///
    /// # Errors
    /// [`HeadlessError::NoWindow`].
    pub fn request_close(&self, label: &str) -> Result<(), HeadlessError> {
        let pages = self.pages();
        let page = pages
            .get(label)
            .ok_or_else(|| HeadlessError::NoWindow(label.to_owned()))?;
        page.send(label, PageEvent::CloseRequested);
        Ok(())
    }

    /// The user chooses menu item `id` in a window's menu bar.
    ///
    /// # Errors
    /// [`HeadlessError::NoWindow`], or [`HeadlessError::NoMatch`] when the
    /// bar has no enabled item `id`.
    pub fn click_menu(&self, label: &str, id: &str) -> Result<(), HeadlessError> {
        let pages = self.pages();
        let page = pages
            .get(label)
            .ok_or_else(|| HeadlessError::NoWindow(label.to_owned()))?;
        if !page.frame.menu.enabled_item(id) {
            return Err(HeadlessError::NoMatch(format!("menu item {id}")));
        }
        page.send(label, PageEvent::Menu(id.to_owned()));
        Ok(())
    }

    /// The user resizes a window (within its bounds, unless it is not
    /// resizable).
    ///
    /// # Errors
    /// [`HeadlessError::NoWindow`].
    pub fn user_resize(&self, label: &str, width: u32, height: u32) -> Result<(), HeadlessError> {
        let mut pages = self.pages();
        let page = pages
            .get_mut(label)
            .ok_or_else(|| HeadlessError::NoWindow(label.to_owned()))?;
        if page.frame.resizable {
            Self::resize(label, page, (width, height));
        }
        Ok(())
    }

    /// The user clicks into a window: it takes the focus from whichever
    /// window had it.
    ///
    /// # Errors
    /// [`HeadlessError::NoWindow`].
    pub fn user_focus(&self, label: &str) -> Result<(), HeadlessError> {
        let mut pages = self.pages();
        if !pages.contains_key(label) {
            return Err(HeadlessError::NoWindow(label.to_owned()));
        }
        Self::focus(&mut pages, label);
        Ok(())
    }

    /// The dialogs waiting for an answer, oldest first.
    pub fn dialogs(&self) -> Vec<ShownDialog> {
        self.open_dialogs()
            .open
            .iter()
            .map(|(shown, _)| shown.clone())
            .collect()
    }

    /// The URLs main had opened outside the app (`shell.open-external`),
    /// in order: what the desktop's opener would have been given.
    pub fn opened_externally(&self) -> Vec<String> {
        self.opened
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The user answers dialog `id`: chooses files, or a button.
    ///
    /// # Errors
    /// [`HeadlessError::NoDialog`], or [`HeadlessError::BadAnswer`] when the
    /// dialog cannot give `answer` (a button it does not have, files from a
    /// message box, several files where one is allowed).
    pub fn answer_dialog(&self, id: u64, answer: DialogAnswer) -> Result<(), HeadlessError> {
        let mut dialogs = self.open_dialogs();
        let index = dialogs
            .open
            .iter()
            .position(|(shown, _)| shown.id == id)
            .ok_or(HeadlessError::NoDialog(id))?;
        if !dialogs.open[index].0.dialog.accepts(&answer) {
            return Err(HeadlessError::BadAnswer { id, answer });
        }
        let (_, reply) = dialogs.open.remove(index);
        // The asker gave up (its app ended): nothing to answer.
        let _ = reply.send(answer);
        Ok(())
    }

    /// The user dismisses dialog `id` (Escape, or its close button).
    ///
    /// # Errors
    /// [`HeadlessError::NoDialog`].
    pub fn dismiss_dialog(&self, id: u64) -> Result<(), HeadlessError> {
        let answer = {
            let dialogs = self.open_dialogs();
            let (shown, _) = dialogs
                .open
                .iter()
                .find(|(shown, _)| shown.id == id)
                .ok_or(HeadlessError::NoDialog(id))?;
            shown.dialog.dismissed()
        };
        self.answer_dialog(id, answer)
    }

    fn open_dialogs(&self) -> MutexGuard<'_, Dialogs> {
        self.dialogs.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes away the dialogs of window `label` (all of them for `None`),
    /// unanswered.
    fn drop_dialogs(&self, label: Option<&str>) {
        self.open_dialogs()
            .open
            .retain(|(shown, _)| label.is_some() && shown.parent.as_deref() != label);
    }

    fn focus(pages: &mut BTreeMap<String, Page>, label: &str) {
        for (other, page) in pages.iter_mut() {
            let focused = other == label;
            if page.frame.focused != focused {
                page.frame.focused = focused;
                page.send(other, PageEvent::Focused(focused));
            }
        }
    }

    fn resize(label: &str, page: &mut Page, size: (u32, u32)) {
        let size = page.frame.bounded(size);
        if page.frame.size != size {
            page.frame.size = size;
            page.send(label, PageEvent::Resized(size.0, size.1));
        }
    }

    fn pages(&self) -> MutexGuard<'_, BTreeMap<String, Page>> {
        // Recovering keeps one panicking test thread from failing every later
        // call; at worst a DOM operation was half applied.
        self.pages.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl WindowBackend for HeadlessBackend {
    fn open(&self, spec: WindowSpec, events: PageEventSink) -> Result<(), WindowError> {
        let page_error = |reason: String| WindowError::Page {
            label: spec.label.clone(),
            reason,
        };
        if !is_inside(Path::new(&spec.entry)) {
            return Err(page_error(format!(
                "entry `{}` is not a relative path inside the UI folder",
                spec.entry
            )));
        }
        let path = spec.ui_root.join(&spec.entry);
        let source = std::fs::read_to_string(&path)
            .map_err(|error| page_error(format!("{}: {error}", path.display())))?;

        let mut pages = self.pages();
        if pages.contains_key(&spec.label) {
            return Err(WindowError::AlreadyOpen(spec.label));
        }
        let frame = Frame {
            title: spec.title.clone(),
            size: (spec.width, spec.height),
            min_size: spec.min_size,
            max_size: spec.max_size,
            position: spec.position,
            resizable: spec.resizable,
            visible: spec.visible,
            focused: false,
            devtools: spec.devtools,
            menu: MenuBar::default(),
        };
        let size = frame.bounded(frame.size);
        let page = Page {
            html: Html::parse_document(&source),
            events,
            source: path,
            frame: Frame { size, ..frame },
            calls: BTreeMap::new(),
            next_call: 0,
            emitted: std::collections::VecDeque::new(),
            focused: None,
        };
        page.send(&spec.label, PageEvent::Loaded);
        pages.insert(spec.label, page);
        Ok(())
    }

    fn settle(&self, label: &str, id: u64, answer: PageAnswer) {
        let waiting = self
            .pages()
            .get_mut(label)
            .and_then(|page| page.calls.remove(&id));
        if let Some(waiting) = waiting {
            let _ = waiting.send(answer);
        }
    }

    fn emit(&self, label: &str, event: &str, args: serde_json::Value) {
        if let Some(page) = self.pages().get_mut(label) {
            if page.emitted.len() == MAX_EMITTED {
                page.emitted.pop_front();
            }
            page.emitted.push_back((event.to_owned(), args));
        }
    }

    fn apply(&self, label: &str, op: DomOp) {
        let mut pages = self.pages();
        let Some(page) = pages.get_mut(label) else {
            tracing::warn!(
                window = label,
                ?op,
                "DOM operation for a window that is not open"
            );
            return;
        };
        let selector = match parse(op.selector()) {
            Ok(selector) => selector,
            Err(error) => {
                tracing::warn!(window = label, %error, "DOM operation ignored");
                return;
            }
        };
        for target in dom::matches(&page.html, &selector) {
            dom::apply(&mut page.html, target, &op);
        }
    }

    fn read(
        &self,
        label: &str,
        read: DomRead,
        max_bytes: usize,
        answer: oneshot::Sender<ReadAnswer>,
    ) {
        let found = match self.pages().get(label) {
            Some(page) => dom::read(&page.html, &read),
            // Dropping `answer` says the window is gone.
            None => return,
        };
        let found = found.and_then(|found| match found.size() {
            size if size > max_bytes => Err(DomReadError::TooLarge(size)),
            _ => Ok(found),
        });
        let _ = answer.send(found);
    }

    fn close(&self, label: &str) {
        let page = self.pages().remove(label);
        self.drop_dialogs(Some(label));
        match page {
            Some(page) => page.send(label, PageEvent::Closed),
            None => tracing::debug!(window = label, "close of a window that is not open"),
        }
    }

    fn update(&self, label: &str, change: WindowChange) {
        let mut pages = self.pages();
        if !pages.contains_key(label) {
            return;
        }
        if change == WindowChange::Focus {
            // A window manager shows a window it focuses.
            if let Some(page) = pages.get_mut(label)
                && !page.frame.visible
            {
                page.frame.visible = true;
                page.send(label, PageEvent::Shown(true));
            }
            Self::focus(&mut pages, label);
            return;
        }
        let Some(page) = pages.get_mut(label) else {
            return;
        };
        match change {
            WindowChange::Title(title) => page.frame.title = title,
            WindowChange::Menu(menu) => page.frame.menu = menu,
            WindowChange::Size(width, height) => Self::resize(label, page, (width, height)),
            WindowChange::Show | WindowChange::Hide => {
                let visible = change == WindowChange::Show;
                if page.frame.visible != visible {
                    page.frame.visible = visible;
                    page.send(label, PageEvent::Shown(visible));
                }
            }
            WindowChange::Focus => {}
        }
    }

    fn dialog(&self, parent: Option<&str>, dialog: Dialog, answer: oneshot::Sender<DialogAnswer>) {
        // Held across the check so a window closing now either drops the
        // dialog with it or is not open for it.
        let pages = self.pages();
        if parent.is_some_and(|label| !pages.contains_key(label)) {
            return;
        }
        let mut dialogs = self.open_dialogs();
        let id = dialogs.next_id;
        dialogs.next_id += 1;
        let shown = ShownDialog {
            id,
            parent: parent.map(str::to_owned),
            dialog,
        };
        dialogs.open.push((shown, answer));
    }

    fn shutdown(&self) {
        self.drop_dialogs(None);
        let pages = std::mem::take(&mut *self.pages());
        for (label, page) in pages {
            page.send(&label, PageEvent::Closed);
        }
    }

    fn open_external(&self, url: &str) -> Result<(), String> {
        self.opened
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(url.to_owned());
        Ok(())
    }

    fn reload(&self, label: &str) {
        let mut pages = self.pages();
        let Some(page) = pages.get_mut(label) else {
            return;
        };
        match std::fs::read_to_string(&page.source) {
            Ok(source) => {
                page.html = Html::parse_document(&source);
                // A new document: the old one's calls and events are gone.
                page.calls.clear();
                page.emitted.clear();
                page.focused = None;
                page.send(label, PageEvent::Loaded);
            }
            Err(error) => tracing::error!(window = label, %error, "cannot reload the page"),
        }
    }
}

fn parse(selector: &str) -> Result<Selector, HeadlessError> {
    Selector::parse(selector).map_err(|_| HeadlessError::BadSelector(selector.to_owned()))
}

/// Whether `entry` stays below the folder it is joined to: relative, no `..`.
fn is_inside(entry: &Path) -> bool {
    entry
        .components()
        .all(|component| matches!(component, Component::Normal(_) | Component::CurDir))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

    use super::*;

    const PAGE: &str = r#"<!DOCTYPE html>
<html><head><title>t</title></head>
<body data-on="click submit">
  <h1 id="title" class="big big">Hello <b>you</b></h1>
  <ul id="list"><li class="item">a</li><li class="item">b</li></ul>
  <table><tbody id="rows"></tbody></table>
  <div id="outer" data-on="click"><button id="inner" type="button" data-on="click">Go</button></div>
  <form id="login" data-on="submit">
    <input id="user" name="user" value="ann" data-on="input change">
    <input id="remember" type="checkbox" name="remember">
    <input id="agree" type="checkbox" name="agree" checked>
    <textarea id="bio" name="bio">hi</textarea>
    <select id="color" name="color"><option>red</option><option value="g" selected>green</option></select>
    <input id="nameless" value="x">
    <button id="send">Send</button>
  </form>
</body></html>"#;

    type Events = UnboundedReceiver<(String, PageEvent)>;

    fn spec(root: &Path, entry: &str) -> WindowSpec {
        WindowSpec {
            label: "main".into(),
            title: "Test".into(),
            width: 800,
            height: 600,
            ui_root: root.to_path_buf(),
            entry: entry.into(),
            min_size: None,
            max_size: None,
            position: None,
            resizable: true,
            visible: true,
            devtools: false,
            hardware_acceleration: Default::default(),
            web_storage: None,
        }
    }

    /// A backend with window `main` showing [`PAGE`], its `Loaded` consumed.
    fn open_page() -> (HeadlessBackend, Events) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("index.html"), PAGE).unwrap();
        let backend = HeadlessBackend::new();
        let (sink, mut events) = unbounded_channel();
        backend.open(spec(dir.path(), "index.html"), sink).unwrap();
        assert_eq!(
            events.try_recv().unwrap(),
            ("main".into(), PageEvent::Loaded)
        );
        (backend, events)
    }

    fn ui_events(events: &mut Events) -> Vec<UiEvent> {
        let mut delivered = Vec::new();
        while let Ok((label, event)) = events.try_recv() {
            assert_eq!(label, "main");
            match event {
                PageEvent::Ui(event) => delivered.push(event),
                other => panic!("expected a UI event, got {other:?}"),
            }
        }
        delivered
    }

    fn event(kind: EventKind, target: &str, value: Option<&str>) -> UiEvent {
        UiEvent {
            kind,
            target: target.into(),
            value: value.map(str::to_owned),
            fields: Vec::new(),
            detail: None,
        }
    }

    #[test]
    fn open_parses_the_page() {
        let (backend, _events) = open_page();
        assert!(backend.is_open("main"));
        assert_eq!(backend.labels(), ["main"]);
        assert_eq!(backend.text("main", "#title").unwrap(), "Hello you");
        assert_eq!(
            backend.inner_html("main", "#title").unwrap(),
            "Hello <b>you</b>"
        );
        assert_eq!(backend.count("main", "li"), 2);
        assert_eq!(backend.text("main", "#missing"), None);
    }

    #[test]
    fn set_text_replaces_children() {
        let (backend, _events) = open_page();
        let op = DomOp::SetText {
            selector: "#title".into(),
            text: "<i>plain</i>".into(),
        };
        backend.apply("main", op);
        assert_eq!(backend.text("main", "h1").unwrap(), "<i>plain</i>");
        assert_eq!(backend.count("main", "b"), 0);
        assert_eq!(
            backend.inner_html("main", "h1").unwrap(),
            "&lt;i&gt;plain&lt;/i&gt;"
        );
    }

    #[test]
    fn set_html_replaces_children_in_context() {
        let (backend, _events) = open_page();
        let html = r#"<li class="item">c</li><li class="item">d</li><li class="item">e</li>"#;
        backend.apply(
            "main",
            DomOp::SetHtml {
                selector: "#list".into(),
                html: html.into(),
            },
        );
        assert_eq!(backend.count("main", "li"), 3, "old items are gone");
        assert_eq!(backend.inner_html("main", "#list").unwrap(), html);
        assert_eq!(backend.text("main", "#list li:last-child").unwrap(), "e");

        // Rows only survive parsing in the context of a table section.
        let rows = "<tr><td>1</td></tr><tr><td>2</td></tr>";
        backend.apply(
            "main",
            DomOp::SetHtml {
                selector: "#rows".into(),
                html: rows.into(),
            },
        );
        assert_eq!(backend.count("main", "#rows > tr"), 2);
    }

    #[test]
    fn attributes_are_set_and_removed() {
        let (backend, _events) = open_page();
        // Match first so scraper's id cache is filled before the edit.
        assert_eq!(backend.count("main", "#title"), 1);
        let op = DomOp::SetAttribute {
            selector: "h1".into(),
            name: "id".into(),
            value: "head".into(),
        };
        backend.apply("main", op);
        assert_eq!(backend.count("main", "#title"), 0);
        assert_eq!(backend.text("main", "#head").unwrap(), "Hello you");

        let op = DomOp::SetAttribute {
            selector: "li".into(),
            name: "Data-X".into(),
            value: "1".into(),
        };
        backend.apply("main", op);
        assert_eq!(backend.count("main", "[data-x='1']"), 2);

        backend.apply(
            "main",
            DomOp::RemoveAttribute {
                selector: "li".into(),
                name: "data-x".into(),
            },
        );
        assert_eq!(backend.attribute("main", "li", "data-x"), None);
        assert_eq!(backend.count("main", "[data-x]"), 0);
    }

    #[test]
    fn class_edits_change_what_selectors_match() {
        let (backend, _events) = open_page();
        let add = |selector: &str, name: &str| {
            backend.apply(
                "main",
                DomOp::AddClass {
                    selector: selector.into(),
                    name: name.into(),
                },
            );
        };
        // Match first so scraper's class cache is filled before the edit.
        assert_eq!(backend.count("main", ".item"), 2);
        add(".item", "active");
        add(".item", "active");
        assert_eq!(backend.count("main", ".item.active"), 2);
        assert_eq!(
            backend.attribute("main", "li", "class").unwrap(),
            "item active"
        );
        assert!(backend.has_class("main", "li", "active"));

        add("h1", "x");
        assert_eq!(backend.attribute("main", "h1", "class").unwrap(), "big x");

        backend.apply(
            "main",
            DomOp::RemoveClass {
                selector: ".item".into(),
                name: "item".into(),
            },
        );
        assert_eq!(backend.count("main", ".item"), 0);
        assert_eq!(backend.count("main", ".active"), 2);
        assert!(!backend.has_class("main", "li", "item"));
    }

    #[test]
    fn set_value_follows_the_control() {
        let (backend, _events) = open_page();
        let set_value = |selector: &str, value: &str| {
            backend.apply(
                "main",
                DomOp::SetValue {
                    selector: selector.into(),
                    value: value.into(),
                },
            );
        };
        assert_eq!(
            backend.value("main", "#color").unwrap(),
            "g",
            "the selected option"
        );
        set_value("#user", "bob");
        set_value("#bio", "about me");
        set_value("#color", "red");
        assert_eq!(backend.value("main", "#user").unwrap(), "bob");
        assert_eq!(backend.attribute("main", "#user", "value").unwrap(), "bob");
        assert_eq!(backend.value("main", "#bio").unwrap(), "about me");
        assert_eq!(backend.text("main", "#bio").unwrap(), "about me");
        assert_eq!(backend.value("main", "#color").unwrap(), "red");
        assert_eq!(backend.value("main", "h1"), None, "not a form control");
    }

    #[test]
    fn click_bubbles_innermost_first() {
        let (backend, mut events) = open_page();
        assert_eq!(backend.click("main", "#inner").unwrap(), 3);
        assert_eq!(
            ui_events(&mut events),
            [
                event(EventKind::Click, "inner", None),
                event(EventKind::Click, "outer", None),
                event(EventKind::Click, "", None),
            ]
        );
    }

    #[test]
    fn clicking_a_submit_button_submits_its_form() {
        let (backend, mut events) = open_page();
        assert_eq!(backend.click("main", "#send").unwrap(), 3);
        let fields: Vec<(String, String)> = [
            ("user", "ann"),
            ("agree", "on"),
            ("bio", "hi"),
            ("color", "g"),
        ]
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .into();
        let submit = |target: &str| UiEvent {
            fields: fields.clone(),
            ..event(EventKind::Submit, target, None)
        };
        assert_eq!(
            ui_events(&mut events),
            [
                event(EventKind::Click, "", None),
                submit("login"),
                submit("")
            ]
        );
    }

    #[test]
    fn submit_finds_the_enclosing_form() {
        let (backend, mut events) = open_page();
        backend.input("main", "#user", "zed").unwrap();
        ui_events(&mut events);
        assert_eq!(backend.submit("main", "#bio").unwrap(), 2);
        let delivered = ui_events(&mut events);
        assert_eq!(delivered[0].target, "login");
        assert_eq!(
            delivered[0].fields[0],
            ("user".to_owned(), "zed".to_owned())
        );
        assert_eq!(
            backend.submit("main", "#title"),
            Err(HeadlessError::NoForm("#title".into()))
        );
    }

    #[test]
    fn input_and_change_update_the_value() {
        let (backend, mut events) = open_page();
        assert_eq!(backend.input("main", "#user", "zed").unwrap(), 1);
        assert_eq!(backend.value("main", "#user").unwrap(), "zed");
        assert_eq!(backend.change("main", "#user", "zoe").unwrap(), 1);
        assert_eq!(
            ui_events(&mut events),
            [
                event(EventKind::Input, "user", Some("zed")),
                event(EventKind::Change, "user", Some("zoe")),
            ]
        );
        assert_eq!(backend.input("main", "#bio", "no listener").unwrap(), 0);
        assert_eq!(backend.text("main", "#bio").unwrap(), "no listener");
    }

    #[test]
    fn bad_selectors_are_reported_not_fatal() {
        let (backend, mut events) = open_page();
        backend.apply(
            "main",
            DomOp::SetText {
                selector: "##".into(),
                text: "x".into(),
            },
        );
        assert_eq!(backend.text("main", "#title").unwrap(), "Hello you");
        assert_eq!(backend.text("main", "["), None);
        assert_eq!(backend.count("main", "["), 0);
        assert_eq!(
            backend.click("main", "["),
            Err(HeadlessError::BadSelector("[".into()))
        );
        assert_eq!(
            backend.click("main", "p"),
            Err(HeadlessError::NoMatch("p".into()))
        );
        assert!(ui_events(&mut events).is_empty());
    }

    #[test]
    fn unknown_windows_are_ignored() {
        let (backend, mut events) = open_page();
        backend.apply(
            "other",
            DomOp::SetText {
                selector: "h1".into(),
                text: "x".into(),
            },
        );
        backend.close("other");
        assert_eq!(backend.text("main", "h1").unwrap(), "Hello you");
        assert_eq!(backend.text("other", "h1"), None);
        assert_eq!(
            backend.click("other", "h1"),
            Err(HeadlessError::NoWindow("other".into()))
        );
        assert!(events.try_recv().is_err());
    }

    #[test]
    fn close_and_shutdown_send_closed() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("index.html"), PAGE).unwrap();
        let backend = HeadlessBackend::new();
        let (sink, mut events) = unbounded_channel();
        for label in ["a", "b", "c"] {
            let spec = WindowSpec {
                label: label.into(),
                ..spec(dir.path(), "index.html")
            };
            backend.open(spec, sink.clone()).unwrap();
        }
        backend.close("b");
        assert_eq!(backend.labels(), ["a", "c"]);
        backend.shutdown();
        assert!(backend.labels().is_empty());

        let mut closed = Vec::new();
        while let Ok((label, event)) = events.try_recv() {
            if event == PageEvent::Closed {
                closed.push(label);
            }
        }
        assert_eq!(closed, ["b", "a", "c"]);
    }

    #[test]
    fn open_refuses_bad_entries_and_taken_labels() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("index.html"), PAGE).unwrap();
        let backend = HeadlessBackend::new();
        let (sink, _events) = unbounded_channel();
        let absolute = dir.path().join("index.html").display().to_string();
        for entry in [
            "../index.html",
            "sub/../../index.html",
            &absolute,
            "missing.html",
        ] {
            let result = backend.open(spec(dir.path(), entry), sink.clone());
            assert!(
                matches!(result, Err(WindowError::Page { .. })),
                "{entry}: {result:?}"
            );
        }
        backend
            .open(spec(dir.path(), "./index.html"), sink.clone())
            .unwrap();
        let again = backend.open(spec(dir.path(), "index.html"), sink);
        assert!(matches!(again, Err(WindowError::AlreadyOpen(label)) if label == "main"));
    }
}
