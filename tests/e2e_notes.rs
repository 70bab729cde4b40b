//! End to end through a real window: `examples/notes`, whose UI is its
//! page's own JavaScript (Preact and htm, vendored from npm by the
//! example's `vendor.sh`), calling the renderer's page API. The `wasmtron`
//! binary runs it on an X server (the caller's, or an Xvfb of its own);
//! titles are typed with real keys and notes added, pinned, searched and
//! deleted with real clicks and key presses from `xdotool`; the page's DOM
//! is read back through the automation protocol and the window is
//! photographed as `<target>/e2e/notes.png`.
//!
//! Needs `Xvfb`, `xdotool`, ImageMagick (`scripts/install-deps.sh`) and npm
//! the first time (`vendor.sh` installs the packages once).

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use wasmtron_tests::desktop::{AutomatedApp, Display, START_BOUND, STEP_BOUND, assert_painted};
use wasmtron_tests::{AppDir, example_app, guests, wasmtron_binary, workspace_root};

/// The example with its components as built for this run and its page's
/// modules in `ui/vendor/`, which `vendor.sh` fills once per test binary.
fn notes_app() -> AppDir {
    static VENDORED: OnceLock<()> = OnceLock::new();
    VENDORED.get_or_init(|| {
        let script = workspace_root().join("examples/notes/vendor.sh");
        let status = std::process::Command::new("bash")
            .arg(&script)
            .status()
            .expect("cannot run bash");
        assert!(status.success(), "{} failed: {status}", script.display());
    });
    example_app(
        "notes",
        &[
            (guests::NOTES_MAIN, "notes_main.wasm"),
            (guests::NOTES_RENDERER, "notes_renderer.wasm"),
        ],
    )
}

/// The title of the `n`th note the list shows (from 1).
fn title(n: usize) -> String {
    format!("#notes li:nth-child({n}) .title")
}

/// Waits until `selector` has the keyboard focus.
///
/// # Panics
/// When it has not within [`STEP_BOUND`].
fn wait_focused(app: &mut AutomatedApp, selector: &str) {
    let question = json!({"cmd": "focused", "window": "main", "selector": selector});
    let deadline = Instant::now() + STEP_BOUND;
    while app.ask(question.clone()) != Ok(json!(true)) {
        assert!(Instant::now() < deadline, "{selector} never took the focus");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_user_adds_pins_searches_and_deletes_notes_in_a_real_window() {
    let dir = notes_app();
    // Declared before the app so it is dropped after it: the app must go
    // before the X server it draws on.
    let display = Display::acquire();
    let mut app = AutomatedApp::spawn(&wasmtron_binary(), dir.path(), display.name());
    // Preact drew the page and the renderer answered its first search.
    app.wait_text("#count", START_BOUND, |text| text == "No notes yet");
    let window = app.window_id();

    // Add with the title empty: main refuses, and the page shows the WIT
    // variant the call was rejected with.
    app.click(&display, window, "#add");
    let code = app.wait_text("#error .error-code", STEP_BOUND, |text| !text.is_empty());
    assert_eq!(code, "empty-title");
    let said = app.wait_text("#error .error-text", STEP_BOUND, |_| true);
    assert_eq!(said, "A note needs a title.");
    // The field the refusal is about has the keyboard focus.
    wait_focused(&mut app, "#title");
    assert_painted(&display, "notes-refused.png");

    // Typed with real keys, added with a real click.
    app.type_into(&display, "main", window, "#title", "Buy green tea");
    app.type_into(&display, "main", window, "#tags", "shopping, tea");
    app.type_into(
        &display,
        "main",
        window,
        "#body",
        "Loose leaf, from the market.",
    );
    app.click(&display, window, "#add");
    app.wait_text("#count", STEP_BOUND, |text| text == "1 note");
    assert_eq!(
        app.wait_text(&title(1), STEP_BOUND, |_| true),
        "Buy green tea"
    );
    let tags = app.wait_text("#notes li:nth-child(1) .meta", STEP_BOUND, |_| true);
    assert!(tags.starts_with("#shopping#tea"), "{tags}");
    // The refusal is gone, and the form is empty again for the next note.
    let error = json!({"cmd": "text", "window": "main", "selector": "#error"});
    assert_eq!(app.ask(error), Ok(Value::Null));
    for field in ["#title", "#tags", "#body"] {
        let value = json!({"cmd": "value", "window": "main", "selector": field});
        assert_eq!(app.ask(value), Ok(json!("")), "{field}");
    }

    // Enter in the title field adds too: the keyboard alone.
    app.type_into(&display, "main", window, "#title", "Call Ada");
    app.type_into(&display, "main", window, "#tags", "work");
    display.xdotool(&["key", "Return"]);
    app.wait_text("#count", STEP_BOUND, |text| text == "2 notes");
    assert_eq!(app.wait_text(&title(1), STEP_BOUND, |_| true), "Call Ada");

    // Pinning the older note puts it first.
    app.click(&display, window, "#notes li:nth-child(2) .pin");
    app.wait_text(&title(1), STEP_BOUND, |text| text == "Buy green tea");
    assert_eq!(
        app.wait_text("#notes li:nth-child(1) .pin", STEP_BOUND, |_| true),
        "Unpin"
    );

    // A search for a tag, typed; Escape clears it.
    app.type_into(&display, "main", window, "#search", "#work");
    app.wait_text("#count", STEP_BOUND, |text| text == "1 of 2 notes");
    assert_eq!(app.wait_text(&title(1), STEP_BOUND, |_| true), "Call Ada");
    display.xdotool(&["key", "Escape"]);
    app.wait_text("#count", STEP_BOUND, |text| text == "2 notes");

    app.type_into(&display, "main", window, "#title", "Plan the talk");
    app.type_into(&display, "main", window, "#tags", "work ideas");
    app.type_into(
        &display,
        "main",
        window,
        "#body",
        "Ten minutes: the page API, then a demo.",
    );
    app.click(&display, window, "#add");
    app.wait_text("#count", STEP_BOUND, |text| text == "3 notes");
    assert_painted(&display, "notes.png");

    // Deleting one, with a real click.
    app.click(&display, window, "#notes li:nth-child(3) .delete");
    app.wait_text("#count", STEP_BOUND, |text| text == "2 notes");
    assert_eq!(
        app.wait_text(&title(2), STEP_BOUND, |_| true),
        "Plan the talk"
    );
    // The focus went to the note that took its place (the last one now).
    wait_focused(&mut app, "#notes li:nth-child(2) .pin");

    let status = app.quit();
    assert!(status.success(), "wasmtron exited with {status}");
}
