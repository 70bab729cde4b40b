//! The events a page declares beyond clicks and typing (keys filtered by
//! `data-keys`, focus, the pointer, dropped files) reaching a real
//! renderer with what they carry, and the renderer's reads of its page
//! (`dom.get-value`, `get-attribute`, `get-text`, `count`) with their
//! limits. Headless backend, both isolation modes; the events renderer
//! (`guests/events-renderer`) writes what it hears into `#events` and what
//! it read into `#result`.

use wasmtron::window::{
    DomOp, DroppedFile, EventKind, HeadlessError, KeyInfo, PointerInfo, WindowBackend,
};
use wasmtron_tests::{HeadlessExt, Running, events_app};

fn start(limits: &str) -> Running {
    Running::start(events_app(limits)).expect("the app starts")
}

fn key(name: &str, code: &str, ctrl: bool) -> KeyInfo {
    KeyInfo {
        key: name.into(),
        code: code.into(),
        ctrl,
        shift: false,
        alt: false,
        meta: false,
        repeat: false,
    }
}

/// The renderer's `#events` once it holds `last`, as a list.
fn heard_until(app: &Running, last: &str) -> Vec<String> {
    app.wait_until("main", "#events", |text| text.ends_with(last))
        .split(" | ")
        .map(str::to_owned)
        .collect()
}

#[test]
fn keys_reach_the_renderer_only_through_their_elements_filter() {
    let app = start("");
    let page = &app.windows;
    // Typed into the textarea: `a` passes no filter; Ctrl+S and Delete pass
    // the editor's; Enter in the field passes its own.
    let down = |selector: &str, key: KeyInfo| {
        page.key("main", selector, EventKind::Keydown, key)
            .expect("the element exists")
    };
    assert_eq!(down("#text", key("a", "KeyA", false)), 0);
    assert_eq!(down("#text", key("s", "KeyS", true)), 1);
    let released = page
        .key(
            "main",
            "#text",
            EventKind::Keyup,
            key("Delete", "Delete", false),
        )
        .expect("the textarea exists");
    assert_eq!(released, 1);
    assert_eq!(down("#field", key("a", "KeyA", false)), 0);
    assert_eq!(down("#field", key("Enter", "Enter", false)), 1);
    // A filter that does not parse lets nothing through.
    assert_eq!(down("#broken-field", key("s", "KeyS", true)), 0);
    let repeated = KeyInfo {
        repeat: true,
        ..key("Enter", "NumpadEnter", false)
    };
    assert_eq!(down("#field", repeated), 1);
    assert_eq!(
        heard_until(&app, "keydown:field:Enter/NumpadEnter/repeat"),
        [
            "keydown:editor:Ctrl+s/KeyS",
            "keyup:editor:Delete/Delete",
            "keydown:field:Enter/Enter",
            "keydown:field:Enter/NumpadEnter/repeat",
        ]
    );
    assert_eq!(
        page.key("main", "#text", EventKind::Focus, key("a", "KeyA", false)),
        Err(HeadlessError::WrongKind("focus"))
    );
}

#[test]
fn focus_and_blur_reach_the_declaring_element() {
    let app = start("");
    let page = &app.windows;
    assert_eq!(page.focus_element("main", "#text").expect("exists"), 1);
    // The name field declares nothing: only the textarea hears it go.
    assert_eq!(page.focus_element("main", "#name").expect("exists"), 1);
    assert_eq!(page.focus_element("main", "#text").expect("exists"), 1);
    assert_eq!(page.blur_element("main").expect("open"), 1);
    assert_eq!(
        heard_until(&app, "blur:text:"),
        ["focus:text:", "blur:text:", "focus:text:", "blur:text:"]
    );
}

#[test]
fn pointer_events_carry_where_and_which_buttons() {
    let app = start("");
    let page = &app.windows;
    let at = |x: f64, y: f64, button: i16, buttons: u16| PointerInfo {
        x,
        y,
        button,
        buttons,
    };
    for (kind, pointer) in [
        (EventKind::Pointerdown, at(10.0, 20.5, 0, 1)),
        (EventKind::Pointermove, at(11.25, 21.0, -1, 1)),
        (EventKind::Pointerup, at(12.0, 22.0, 0, 0)),
        (EventKind::Dblclick, at(12.0, 22.0, 0, 0)),
        (EventKind::Contextmenu, at(30.0, 40.0, 2, 2)),
    ] {
        let delivered = page
            .pointer("main", "#pad", kind, pointer)
            .expect("the pad exists");
        assert_eq!(delivered, 1, "{kind:?}");
    }
    assert_eq!(
        heard_until(&app, "contextmenu:pad:30,40,2,2"),
        [
            "pointerdown:pad:10,20.5,0,1",
            "pointermove:pad:11.25,21,-1,1",
            "pointerup:pad:12,22,0,0",
            "dblclick:pad:12,22,0,0",
            "contextmenu:pad:30,40,2,2",
        ]
    );
    assert_eq!(
        page.pointer("main", "#pad", EventKind::Keydown, at(0.0, 0.0, 0, 0)),
        Err(HeadlessError::WrongKind("keydown"))
    );
}

#[test]
fn a_drop_names_the_files_without_their_contents() {
    let app = start("");
    let file = |name: &str, size: u64, mime_type: &str| DroppedFile {
        name: name.into(),
        size,
        mime_type: mime_type.into(),
    };
    let files = vec![
        file("notes.txt", 12, "text/plain"),
        file("photo.jpg", 1 << 33, "image/jpeg"),
        file("odd", 0, ""),
    ];
    assert_eq!(
        app.windows
            .drop_files("main", "#zone b", files)
            .expect("exists"),
        1
    );
    assert_eq!(
        heard_until(&app, "odd(0,)"),
        ["drop:zone:notes.txt(12,text/plain);photo.jpg(8589934592,image/jpeg);odd(0,)"]
    );
}

/// Sets `#selector` and `#attribute`, clicks read button `button`, and
/// returns what the renderer shows in `#result`.
fn read(app: &Running, button: &str, selector: &str, attribute: &str) -> String {
    let set = |field: &str, value: &str| {
        app.windows.apply(
            "main",
            DomOp::SetValue {
                selector: field.into(),
                value: value.into(),
            },
        );
    };
    app.windows.apply_clear("main", "#result");
    set("#selector", selector);
    set("#attribute", attribute);
    app.click("main", &format!("#{button}"));
    app.result("main")
}

#[test]
fn the_renderer_reads_its_page() {
    let app = start("");
    app.input("main", "#name", "Ada");
    assert_eq!(read(&app, "get-value", "#name", ""), "ok:Some(\"Ada\")");
    assert_eq!(read(&app, "get-value", "#items", ""), "ok:None");
    assert_eq!(read(&app, "get-value", "#nothing", ""), "ok:None");
    assert_eq!(
        read(&app, "get-attribute", "#items", "title"),
        "ok:Some(\"three items\")"
    );
    assert_eq!(read(&app, "get-attribute", "#items", "lang"), "ok:None");
    assert_eq!(read(&app, "get-text", "#items li", ""), "ok:Some(\"one\")");
    assert_eq!(
        read(&app, "get-text", "#zone", ""),
        "ok:Some(\"drop here\")"
    );
    assert_eq!(read(&app, "get-text", "#nothing", ""), "ok:None");
    assert_eq!(read(&app, "count", "#items li", ""), "ok:3");
    assert_eq!(read(&app, "count", "table", ""), "ok:0");
    // The renderer's own button press is what asks; its read of `#name`
    // sees what was typed last.
    app.input("main", "#name", "Grace");
    app.windows.apply_clear("main", "#result");
    app.click("main", "#read-name");
    assert_eq!(app.result("main"), "value:Grace");
}

#[test]
fn reads_are_refused_by_name_like_writes() {
    let app = start("max-message-bytes = 64");
    assert_eq!(
        read(&app, "get-text", "p[", ""),
        "err:DomError::BadSelector(\"p[\")"
    );
    assert_eq!(
        read(&app, "get-attribute", "#items", "a b"),
        "err:DomError::BadName(\"a b\")"
    );
    // A selector and a name over the limit together, and a text the page
    // holds over it.
    let (selector, name) = (format!("#{}", "x".repeat(39)), "n".repeat(30));
    assert_eq!(
        read(&app, "get-attribute", &selector, &name),
        "err:DomError::TooLarge"
    );
    app.windows.apply(
        "main",
        DomOp::SetText {
            selector: "#long".into(),
            text: "é".repeat(33),
        },
    );
    assert_eq!(
        read(&app, "get-text", "#long", ""),
        "err:DomError::TooLarge"
    );
    // 64 bytes exactly is not over it.
    app.windows.apply(
        "main",
        DomOp::SetText {
            selector: "#long".into(),
            text: "é".repeat(32),
        },
    );
    assert_eq!(read(&app, "get-text", "#long", ""), "ok:Some(64 bytes)");
    // The renderer is still healthy.
    assert_eq!(read(&app, "count", "li", ""), "ok:3");
}
