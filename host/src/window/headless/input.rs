//! Input a test gives a headless page beyond clicks and typing: keys, the
//! pointer, the keyboard focus and dropped files, delivered as the events
//! `page.js` would send for them.

use super::events;
use super::{
    DroppedFile, EventDetail, EventKind, HeadlessBackend, HeadlessError, KeyInfo, PageEvent,
    PointerInfo,
};
use crate::wire::{DetailShape, MAX_DROPPED_FILES};

impl HeadlessBackend {
    /// A key goes down (`Keydown`) or up (`Keyup`) in the first element
    /// matching `selector`: the events bubble from it to the elements that
    /// declare the kind and whose `data-keys` the key matches.
    ///
    /// Returns how many events were delivered.
    ///
    /// # Errors
    /// [`HeadlessError::WrongKind`] for a kind that is not a key's, and as
    /// for [`click`](Self::click).
    pub fn key(
        &self,
        label: &str,
        selector: &str,
        kind: EventKind,
        key: KeyInfo,
    ) -> Result<usize, HeadlessError> {
        if kind.detail_shape() != DetailShape::Key {
            return Err(HeadlessError::WrongKind(kind.name()));
        }
        self.dispatch(label, selector, |html, target| {
            Ok(events::bubble_with(
                html,
                target,
                kind,
                Some(EventDetail::Key(key)),
            ))
        })
    }

    /// The pointer does `kind` (`Pointerdown`, `Pointerup`, `Pointermove`,
    /// `Dblclick`, `Contextmenu`) over the first element matching
    /// `selector`. Each call is one event per declaring element: moves are
    /// not coalesced here, as they are in a real page.
    ///
    /// # Errors
    /// [`HeadlessError::WrongKind`] for a kind that is not the pointer's,
    /// and as for [`click`](Self::click).
    pub fn pointer(
        &self,
        label: &str,
        selector: &str,
        kind: EventKind,
        pointer: PointerInfo,
    ) -> Result<usize, HeadlessError> {
        if kind.detail_shape() != DetailShape::Pointer {
            return Err(HeadlessError::WrongKind(kind.name()));
        }
        self.dispatch(label, selector, |html, target| {
            Ok(events::bubble_with(
                html,
                target,
                kind,
                Some(EventDetail::Pointer(pointer)),
            ))
        })
    }

    /// Drops `files` on the first element matching `selector`; as in a
    /// real page, only the first [`MAX_DROPPED_FILES`] are named.
    ///
    /// # Errors
    /// As for [`click`](Self::click).
    pub fn drop_files(
        &self,
        label: &str,
        selector: &str,
        mut files: Vec<DroppedFile>,
    ) -> Result<usize, HeadlessError> {
        files.truncate(MAX_DROPPED_FILES);
        self.dispatch(label, selector, |html, target| {
            Ok(events::bubble_with(
                html,
                target,
                EventKind::Drop,
                Some(EventDetail::Drop(files)),
            ))
        })
    }

    /// Moves the keyboard focus to the first element matching `selector`:
    /// `blur` events bubble from the element that had it, then `focus`
    /// events from this one (as `focusout` and `focusin` do). Focusing the
    /// element that has it already delivers nothing.
    ///
    /// # Errors
    /// As for [`click`](Self::click).
    pub fn focus_element(&self, label: &str, selector: &str) -> Result<usize, HeadlessError> {
        let mut pages = self.pages();
        let page = pages
            .get_mut(label)
            .ok_or_else(|| HeadlessError::NoWindow(label.to_owned()))?;
        let target = *super::dom::matches(&page.html, &super::parse(selector)?)
            .first()
            .ok_or_else(|| HeadlessError::NoMatch(selector.to_owned()))?;
        if page.focused == Some(target) {
            return Ok(0);
        }
        let mut delivered = match page.focused.replace(target) {
            Some(old) => events::bubble(&page.html, old, EventKind::Blur),
            None => Vec::new(),
        };
        delivered.extend(events::bubble(&page.html, target, EventKind::Focus));
        let count = delivered.len();
        for event in delivered {
            page.send(label, PageEvent::Ui(event));
        }
        Ok(count)
    }

    /// Takes the keyboard focus away from the element holding it: `blur`
    /// events bubble from it. Nothing happens when no element has it.
    ///
    /// # Errors
    /// [`HeadlessError::NoWindow`].
    pub fn blur_element(&self, label: &str) -> Result<usize, HeadlessError> {
        let mut pages = self.pages();
        let page = pages
            .get_mut(label)
            .ok_or_else(|| HeadlessError::NoWindow(label.to_owned()))?;
        let Some(old) = page.focused.take() else {
            return Ok(0);
        };
        let delivered = events::bubble(&page.html, old, EventKind::Blur);
        let count = delivered.len();
        for event in delivered {
            page.send(label, PageEvent::Ui(event));
        }
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

    use super::*;
    use crate::window::{DomFound, DomRead, DomReadError, UiEvent, WindowBackend, WindowSpec};

    const PAGE: &str = r#"<!DOCTYPE html>
<html><body data-on="keydown focus blur">
  <div id="editor" data-on="keydown keyup" data-keys="Ctrl+S Delete">
    <textarea id="text" data-on="keydown focus blur" data-keys="Enter">draft</textarea>
  </div>
  <div id="broken" data-on="keydown" data-keys="Ctrl+"><input id="inside" value="v"></div>
  <canvas id="canvas" data-on="pointerdown pointerup pointermove dblclick contextmenu"></canvas>
  <section id="zone" data-on="drop"><p id="hint" title="Drop here">Drop <b>files</b></p></section>
  <input id="name" data-on="focus blur" value="Ada">
  <ul><li>a</li><li>b</li><li>c</li></ul>
</body></html>"#;

    type Events = UnboundedReceiver<(String, PageEvent)>;

    fn open_page() -> (HeadlessBackend, Events) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("index.html"), PAGE).unwrap();
        let backend = HeadlessBackend::new();
        let (sink, mut events) = unbounded_channel();
        let spec = WindowSpec {
            label: "main".into(),
            title: "t".into(),
            width: 800,
            height: 600,
            ui_root: dir.path().to_path_buf(),
            entry: "index.html".into(),
            min_size: None,
            max_size: None,
            position: None,
            resizable: true,
            visible: true,
            devtools: false,
            hardware_acceleration: Default::default(),
            web_storage: None,
        };
        backend.open(spec, sink).unwrap();
        assert!(matches!(events.try_recv(), Ok((_, PageEvent::Loaded))));
        (backend, events)
    }

    /// The delivered events as `kind:target`.
    fn delivered(events: &mut Events) -> Vec<String> {
        let mut seen = Vec::new();
        while let Ok((_, event)) = events.try_recv() {
            if let PageEvent::Ui(UiEvent { kind, target, .. }) = event {
                seen.push(format!("{}:{target}", kind.name()));
            }
        }
        seen
    }

    fn key(name: &str, ctrl: bool) -> KeyInfo {
        KeyInfo {
            key: name.into(),
            code: String::new(),
            ctrl,
            shift: false,
            alt: false,
            meta: false,
            repeat: false,
        }
    }

    const AT: PointerInfo = PointerInfo {
        x: 12.0,
        y: 34.5,
        button: 0,
        buttons: 1,
    };

    #[test]
    fn keys_reach_the_declaring_elements_whose_filter_they_pass() {
        let (backend, mut events) = open_page();
        let down = |name: &str, ctrl: bool| {
            backend
                .key("main", "#text", EventKind::Keydown, key(name, ctrl))
                .unwrap()
        };
        // Enter passes the textarea's filter; the editor's lets only Ctrl+S
        // and Delete through; the body has no filter.
        assert_eq!(down("Enter", false), 2);
        assert_eq!(delivered(&mut events), ["keydown:text", "keydown:"]);
        assert_eq!(down("s", true), 2);
        assert_eq!(delivered(&mut events), ["keydown:editor", "keydown:"]);
        assert_eq!(down("s", false), 1, "typing reaches only the body");
        assert_eq!(
            backend
                .key("main", "#text", EventKind::Keyup, key("Delete", false))
                .unwrap(),
            1
        );
        assert_eq!(delivered(&mut events), ["keydown:", "keyup:editor"]);
        // A filter that does not parse lets nothing through.
        assert_eq!(
            backend
                .key("main", "#inside", EventKind::Keydown, key("s", true))
                .unwrap(),
            1
        );
        assert_eq!(delivered(&mut events), ["keydown:"]);
        assert_eq!(
            backend.key("main", "#text", EventKind::Click, key("a", false)),
            Err(HeadlessError::WrongKind("click"))
        );
    }

    #[test]
    fn key_events_carry_the_key() {
        let (backend, mut events) = open_page();
        let pressed = KeyInfo {
            repeat: true,
            code: "KeyS".into(),
            ..key("s", true)
        };
        backend
            .key("main", "#editor", EventKind::Keydown, pressed.clone())
            .unwrap();
        let Ok((_, PageEvent::Ui(event))) = events.try_recv() else {
            panic!("no event");
        };
        assert_eq!(event.target, "editor");
        assert_eq!(event.detail, Some(EventDetail::Key(pressed)));
    }

    #[test]
    fn pointer_events_carry_where_and_which_buttons() {
        let (backend, mut events) = open_page();
        for kind in [
            EventKind::Pointerdown,
            EventKind::Pointermove,
            EventKind::Pointerup,
            EventKind::Dblclick,
            EventKind::Contextmenu,
        ] {
            assert_eq!(backend.pointer("main", "#canvas", kind, AT).unwrap(), 1);
            let Ok((_, PageEvent::Ui(event))) = events.try_recv() else {
                panic!("no {kind:?}");
            };
            assert_eq!((event.kind, event.target.as_str()), (kind, "canvas"));
            assert_eq!(event.detail, Some(EventDetail::Pointer(AT)));
            assert!(event.detail_fits());
        }
        assert_eq!(
            backend
                .pointer("main", "#hint", EventKind::Pointerdown, AT)
                .unwrap(),
            0
        );
        assert_eq!(
            backend.pointer("main", "#canvas", EventKind::Drop, AT),
            Err(HeadlessError::WrongKind("drop"))
        );
    }

    #[test]
    fn focus_moves_with_blur_from_the_old_element_first() {
        let (backend, mut events) = open_page();
        assert_eq!(backend.focus_element("main", "#text").unwrap(), 2);
        assert_eq!(delivered(&mut events), ["focus:text", "focus:"]);
        assert_eq!(backend.focus_element("main", "#text").unwrap(), 0);
        assert_eq!(backend.focus_element("main", "#name").unwrap(), 4);
        assert_eq!(
            delivered(&mut events),
            ["blur:text", "blur:", "focus:name", "focus:"]
        );
        assert_eq!(backend.blur_element("main").unwrap(), 2);
        assert_eq!(delivered(&mut events), ["blur:name", "blur:"]);
        assert_eq!(backend.blur_element("main").unwrap(), 0);
    }

    #[test]
    fn a_drop_names_files_and_no_more_than_the_cap() {
        let (backend, mut events) = open_page();
        let file = |n: usize| DroppedFile {
            name: format!("f{n}.txt"),
            size: n as u64,
            mime_type: "text/plain".into(),
        };
        let files: Vec<DroppedFile> = (0..MAX_DROPPED_FILES + 5).map(file).collect();
        assert_eq!(backend.drop_files("main", "#hint", files).unwrap(), 1);
        let Ok((_, PageEvent::Ui(event))) = events.try_recv() else {
            panic!("no drop");
        };
        assert_eq!(event.target, "zone");
        let Some(EventDetail::Drop(named)) = event.detail else {
            panic!("{:?}", event.detail);
        };
        assert_eq!(named.len(), MAX_DROPPED_FILES);
        assert_eq!(named[1], file(1));
    }

    fn read(
        backend: &HeadlessBackend,
        read: DomRead,
        max: usize,
    ) -> Option<crate::wire::ReadAnswer> {
        let (answer, mut answered) = tokio::sync::oneshot::channel();
        backend.read("main", read, max, answer);
        answered.try_recv().ok()
    }

    #[test]
    fn reads_answer_from_the_page() {
        let (backend, _events) = open_page();
        let text = |selector: &str| DomRead::Text {
            selector: selector.into(),
        };
        let value = |selector: &str| DomRead::Value {
            selector: selector.into(),
        };
        let found = |text: &str| Some(Ok(DomFound::Text(Some(text.into()))));
        assert_eq!(read(&backend, text("#hint"), 64), found("Drop files"));
        assert_eq!(
            read(&backend, text("li"), 64),
            found("a"),
            "the first match"
        );
        assert_eq!(
            read(&backend, text("#none"), 64),
            Some(Ok(DomFound::Text(None)))
        );
        assert_eq!(read(&backend, value("#name"), 64), found("Ada"));
        assert_eq!(read(&backend, value("#text"), 64), found("draft"));
        assert_eq!(
            read(&backend, value("#hint"), 64),
            Some(Ok(DomFound::Text(None)))
        );
        let attribute = |name: &str| DomRead::Attribute {
            selector: "#hint".into(),
            name: name.into(),
        };
        assert_eq!(read(&backend, attribute("title"), 64), found("Drop here"));
        assert_eq!(read(&backend, attribute("TITLE"), 64), found("Drop here"));
        assert_eq!(
            read(&backend, attribute("alt"), 64),
            Some(Ok(DomFound::Text(None)))
        );
        let count = |selector: &str| DomRead::Count {
            selector: selector.into(),
        };
        assert_eq!(
            read(&backend, count("li"), 64),
            Some(Ok(DomFound::Count(3)))
        );
        assert_eq!(
            read(&backend, count("table"), 64),
            Some(Ok(DomFound::Count(0)))
        );
        // Over the limit; a selector that does not parse; a window that is
        // not open (the answer dropped).
        assert_eq!(
            read(&backend, text("#hint"), 5),
            Some(Err(DomReadError::TooLarge(10)))
        );
        assert_eq!(
            read(&backend, count("p["), 64),
            Some(Err(DomReadError::BadSelector("p[".into())))
        );
        let (answer, mut answered) = tokio::sync::oneshot::channel();
        backend.read("other", count("li"), 64, answer);
        assert!(answered.try_recv().is_err());
    }

    #[test]
    fn reads_see_the_writes_before_them() {
        let (backend, _events) = open_page();
        backend.apply(
            "main",
            crate::wire::DomOp::SetValue {
                selector: "#name".into(),
                value: "Grace".into(),
            },
        );
        let value = DomRead::Value {
            selector: "#name".into(),
        };
        assert_eq!(
            read(&backend, value, 64),
            Some(Ok(DomFound::Text(Some("Grace".into()))))
        );
    }
}
