//! Declared page events and reads in a real window: the `wasmtron` binary
//! shows `tests/fixtures/events.html` in WebKitGTK under X, and real X11
//! input from `xdotool` (keys, double and right clicks) goes through GTK
//! and WebKit to `page.js`, which filters keys by `data-keys`, and on to
//! the events renderer, which writes what it heard into `#events` and
//! reads the page for `#result`. The automation protocol only reads the
//! page and finds elements.
//!
//! Needs `Xvfb` and `xdotool` (`scripts/install-deps.sh`).

use serde_json::json;
use wasmtron_tests::desktop::{AutomatedApp, Display, START_BOUND, STEP_BOUND};
use wasmtron_tests::{events_app, wasmtron_binary};

/// The renderer's `#events` as a list, once `done` accepts it.
fn heard(app: &mut AutomatedApp, done: impl Fn(&str) -> bool) -> Vec<String> {
    app.wait_text("#events", STEP_BOUND, done)
        .split(" | ")
        .map(str::to_owned)
        .collect()
}

/// The centre of an element, in window pixels (here the page's own: the
/// window has no menu bar), as `xdotool` takes it.
fn centre(app: &mut AutomatedApp, selector: &str) -> (f64, f64) {
    let rect = app.rect_in("main", selector);
    let at = |start: &str, length: &str| {
        rect[start].as_f64().expect("rect has numbers")
            + rect[length].as_f64().expect("rect has numbers") / 2.0
    };
    (at("x", "width").round(), at("y", "height").round())
}

/// The pointer detail (`x,y,button,buttons`) of the first event heard that
/// starts with `prefix`.
fn pointer_of(heard: &[String], prefix: &str) -> (f64, f64, i16) {
    let entry = heard
        .iter()
        .find(|entry| entry.starts_with(prefix))
        .unwrap_or_else(|| panic!("no `{prefix}` in {heard:?}"));
    let parts: Vec<&str> = entry[prefix.len()..].split(',').collect();
    let number = |i: usize| parts[i].parse::<f64>().expect("a number");
    (number(0), number(1), parts[2].parse().expect("a button"))
}

#[test]
fn keys_through_their_filter_double_and_right_clicks_and_a_read_reach_the_renderer() {
    let binary = wasmtron_binary();
    let app_dir = events_app("");
    let display = Display::acquire();
    let mut app = AutomatedApp::spawn(&binary, app_dir.path(), display.name());
    app.wait_text("#status", START_BOUND, |t| t == "loaded");
    let window = app.window_id();

    // Keys typed into the textarea: `a` is not in the editor's
    // `data-keys="Ctrl+S Delete"` and never reaches the renderer; Ctrl+S
    // does, down and up. (`a` is seen to land in the field first, so that
    // it was handled before Ctrl+S is sent.)
    app.focus(&display, "main", window, "#text");
    display.xdotool(&["key", "a"]);
    let value = json!({"cmd": "value", "window": "main", "selector": "#text"});
    let deadline = std::time::Instant::now() + STEP_BOUND;
    while app.ask(value.clone()).ok() != Some(json!("a")) {
        assert!(std::time::Instant::now() < deadline, "`a` never landed");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // Ctrl held while `s` goes down and up (`key ctrl+s` may let Ctrl go
    // before `s`, whose keyup is then a plain `s`).
    display.xdotool(&["keydown", "ctrl", "key", "s", "keyup", "ctrl"]);
    let keys = heard(&mut app, |t| t.contains("keyup:editor:Ctrl+s/KeyS"));
    assert!(
        keys.contains(&"keydown:editor:Ctrl+s/KeyS".to_owned()),
        "{keys:?}"
    );
    assert!(
        !keys.iter().any(|entry| entry.contains("editor:a/")),
        "a key outside the filter reached the renderer: {keys:?}"
    );
    assert_eq!(keys[0], "focus:text:", "the textarea took the focus");

    // A double click on the pad, with the pointer where it was clicked.
    let (x, y) = centre(&mut app, "#pad");
    let (x_text, y_text) = (format!("{x:.0}"), format!("{y:.0}"));
    let id = window.to_string();
    display.xdotool(&["mousemove", "--window", &id, &x_text, &y_text]);
    display.xdotool(&["click", "--repeat", "2", "--delay", "80", "1"]);
    let clicks = heard(&mut app, |t| t.contains("dblclick:pad:"));
    let (dx, dy, button) = pointer_of(&clicks, "dblclick:pad:");
    assert!(
        (dx - x).abs() <= 1.0 && (dy - y).abs() <= 1.0 && button == 0,
        "double click at {dx},{dy} with {button}, pad at {x},{y}: {clicks:?}"
    );
    assert!(
        clicks.iter().any(|e| e.starts_with("pointerdown:pad:"))
            && clicks.iter().any(|e| e.starts_with("pointerup:pad:")),
        "{clicks:?}"
    );

    // The secondary button: the renderer hears `contextmenu`, and the
    // page's own script sees WebKit's menu kept shut.
    display.xdotool(&["click", "3"]);
    let menus = heard(&mut app, |t| t.contains("contextmenu:pad:"));
    let (_, _, button) = pointer_of(&menus, "contextmenu:pad:");
    assert_eq!(button, 2, "{menus:?}");
    let menu = app.wait_text("#menu", STEP_BOUND, |t| t.starts_with("prevented="));
    assert_eq!(menu, "prevented=true");

    // What the user typed, read by the renderer from the page.
    app.type_into(&display, "main", window, "#name", "hello");
    app.click(&display, window, "#read-name");
    let result = app.wait_text("#result", STEP_BOUND, |t| !t.is_empty());
    assert_eq!(result, "value:hello");

    let status = app.quit();
    assert!(status.success(), "wasmtron exited with {status}");
}

#[test]
fn a_read_the_page_cannot_answer_in_time_is_no_answer_not_a_hang() {
    let binary = wasmtron_binary();
    let app_dir = events_app("invoke-timeout-ms = 1000");
    let display = Display::acquire();
    let mut app = AutomatedApp::spawn(&binary, app_dir.path(), display.name());
    app.wait_text("#status", START_BOUND, |t| t == "loaded");
    let window = app.window_id();
    // The click reaches the renderer, which reads the page; the page's own
    // script keeps it busy for 3 s, past the window's invoke timeout.
    let started = std::time::Instant::now();
    app.click(&display, window, "#hang");
    let result = app.wait_text("#result", STEP_BOUND, |t| !t.is_empty());
    assert!(
        result.starts_with("err:DomError::NoAnswer(") && result.contains("1000 ms"),
        "{result}"
    );
    // The renderer carries on: its next read is answered.
    app.click(&display, window, "#read-name");
    app.wait_text("#result", STEP_BOUND, |t| t == "value:");
    println!("no answer shown after {:?}", started.elapsed());
    let status = app.quit();
    assert!(status.success(), "wasmtron exited with {status}");
}
