//! Windows and their pages: the renderer's DOM import, UI events declared in
//! the page, main opening and closing windows, and a renderer crashing
//! without taking anything else down. Headless backend, real components.

use wasmtron::AppExit;
use wasmtron_tests::{ALL_CHANNELS, AppDir, Running, eventually, manifest_with_windows};

fn start(windows: &[(&str, &[&str])]) -> Running {
    Running::start(AppDir::new(&manifest_with_windows(windows))).expect("the app starts")
}

#[test]
fn the_renderer_edits_its_page() {
    let app = start(&[("main", ALL_CHANNELS)]);
    assert_eq!(app.probe("main", "", "", "#dom"), "dom-ok");
    let page = &app.windows;
    assert_eq!(page.count("main", "#list li.item"), 2);
    assert_eq!(page.text("main", "#list").as_deref(), Some("samesame"));
    assert_eq!(
        page.attribute("main", "#target", "data-state").as_deref(),
        Some("done")
    );
    assert_eq!(page.attribute("main", "#target", "title"), None);
    assert!(page.has_class("main", "#target", "b"));
    assert!(!page.has_class("main", "#target", "a"));
    assert_eq!(page.value("main", "#arg").as_deref(), Some("reset"));
}

#[test]
fn bad_selectors_and_names_are_errors_for_the_renderer() {
    let app = start(&[("main", ALL_CHANNELS)]);
    assert_eq!(
        app.probe("main", "", "", "#bad-selector"),
        "dom-err:DomError::BadSelector(\"p[\")"
    );
    assert_eq!(
        app.probe("main", "", "", "#bad-name"),
        "dom-err:DomError::BadName(\"a b\")"
    );
    // The renderer is still healthy.
    assert_eq!(app.invoke("main", "echo", "ok"), "ok:ok");
}

#[test]
fn declared_ui_events_reach_the_renderer() {
    let app = start(&[("main", ALL_CHANNELS)]);
    app.input("main", "#arg", "typed");
    app.click("main", "#submit-button");
    let events = app.wait_until("main", "#events", |t| t.contains("Submit"));
    assert!(events.contains("Input:arg:typed:"), "{events}");
    assert!(
        events.contains("Submit:form::first=Ada&last=Lovelace"),
        "a submit carries the form's fields: {events}"
    );
}

#[test]
fn main_opens_and_closes_windows_and_hears_about_it() {
    let dir = AppDir::new(&format!(
        "{}\n[[window]]\nlabel = \"second\"\nrenderer = \"dist/renderer.wasm\"\nopen = false\nchannels = [\"echo\"]\n",
        manifest_with_windows(&[("main", ALL_CHANNELS)])
    ));
    let app = Running::start(dir).expect("the app starts");
    assert!(!app.windows.is_open("second"));
    assert_eq!(app.invoke("main", "open", "second"), "ok:Ok(())");
    app.wait_text("second", "#status", "loaded");
    assert_eq!(app.invoke("second", "echo", "hi"), "ok:hi");
    assert_eq!(app.invoke("main", "labels", ""), "ok:[main,second]");
    assert_eq!(
        app.invoke("main", "open", "second"),
        "ok:Err(WindowError::AlreadyOpen(\"second\"))"
    );
    assert_eq!(
        app.invoke("main", "open", "ghost"),
        "ok:Err(WindowError::UnknownLabel(\"ghost\"))"
    );
    assert_eq!(app.invoke("main", "close", "second"), "ok:Ok(())");
    assert!(!app.windows.is_open("second"));
    assert_eq!(
        app.invoke("main", "close", "second"),
        "ok:Err(WindowError::NotOpen(\"second\"))"
    );
    let messages = app.invoke("main", "messages", "");
    assert!(
        messages.contains("closed|second|"),
        "main heard the close: {messages}"
    );
    // Reopening gives a fresh renderer.
    assert_eq!(app.invoke("main", "open", "second"), "ok:Ok(())");
    app.wait_text("second", "#status", "loaded");
}

#[test]
fn the_app_ends_when_its_last_window_closes() {
    let mut app = start(&[("main", ALL_CHANNELS)]);
    app.app.close_window("main").expect("open");
    assert_eq!(app.app.wait(), AppExit::AllWindowsClosed);
}

#[test]
fn a_crashing_renderer_takes_down_nothing_else() {
    let app = start(&[("left", ALL_CHANNELS), ("right", ALL_CHANNELS)]);
    app.click("left", "#crash");
    // Right, main and the host carry on.
    assert_eq!(app.invoke("right", "echo", "alive"), "ok:alive");
    assert_eq!(app.invoke("right", "whoami", ""), "ok:window:right");
    assert!(app.app.exit().is_none(), "the app is still running");
    // The crashed window's page is still there; pushes to it fail cleanly
    // once the renderer is gone instead of hanging.
    let payload = rmp_serde::to_vec("x").expect("encodes");
    eventually("noticing the crash", || {
        app.app.push("left", "note", payload.clone()).is_err()
    });
}

#[test]
fn hostile_page_events_do_not_disturb_the_host() {
    let app = start(&[("main", ALL_CHANNELS)]);
    // Events on elements that declare nothing, and unknown targets, are
    // dropped without effect.
    assert_eq!(app.windows.click("main", "#result").expect("exists"), 0);
    assert!(app.windows.click("main", "#does-not-exist").is_err());
    assert!(app.windows.click("main", "p[").is_err());
    assert_eq!(app.invoke("main", "echo", "fine"), "ok:fine");
}

/// Window `main` and a declared `second` that main creates.
fn start_with_second() -> Running {
    let dir = AppDir::new(&format!(
        "{}\n[[window]]\nlabel = \"second\"\nrenderer = \"dist/renderer.wasm\"\nopen = false\nchannels = [\"echo\"]\n",
        manifest_with_windows(&[("main", ALL_CHANNELS)])
    ));
    Running::start(dir).expect("the app starts")
}

/// Waits until main has recorded the window event `entry` ("label|event").
fn wait_event(app: &Running, entry: &str) -> String {
    app.wait_invoke("main", "window-events", entry)
}

#[test]
fn main_creates_a_window_with_options_and_controls_it() {
    let app = start_with_second();
    assert_eq!(
        app.invoke(
            "main",
            "create",
            "second|title=Second,width=640,height=480,min=320x240,max=1280x960,x=10,y=20,resizable=false,visible=false"
        ),
        "ok:Ok(())"
    );
    app.wait_text("second", "#status", "loaded");
    let frame = app.windows.frame("second").expect("open");
    assert_eq!(frame.title, "Second");
    assert_eq!(frame.size, (640, 480));
    assert_eq!(frame.min_size, Some((320, 240)));
    assert_eq!(frame.max_size, Some((1280, 960)));
    assert_eq!(frame.position, Some((10, 20)));
    assert!(!frame.resizable && !frame.visible);
    assert_eq!(
        app.invoke("main", "find", "second"),
        "ok:second|Second|640x480|visible=false|focused=false|resizable=false"
    );
    // Created hidden, it is shown once its page is ready: no flash.
    wait_event(&app, "second|ready-to-show");
    assert_eq!(app.invoke("main", "window-do", "second|show"), "ok:Ok(())");
    wait_event(&app, "second|shown");
    assert!(app.windows.frame("second").expect("open").visible);

    assert_eq!(
        app.invoke("main", "window-do", "second|title=Renamed"),
        "ok:Ok(())"
    );
    assert_eq!(app.windows.frame("second").expect("open").title, "Renamed");
    let reversed = app.invoke("main", "window-do", "second|title=Re\u{202E}named");
    assert!(
        reversed.contains("BadOptions") && reversed.contains("U+202E"),
        "{reversed}"
    );
    assert_eq!(app.windows.frame("second").expect("open").title, "Renamed");
    assert_eq!(
        app.invoke("main", "window-do", "second|size=700x500"),
        "ok:Ok(())"
    );
    wait_event(&app, "second|resized:700x500");
    // Within its bounds, as a window manager keeps it.
    assert_eq!(
        app.invoke("main", "window-do", "second|size=2000x2000"),
        "ok:Ok(())"
    );
    wait_event(&app, "second|resized:1280x960");
    // The user cannot resize a window that is not resizable.
    app.windows.user_resize("second", 900, 900).expect("open");
    assert_eq!(app.windows.frame("second").expect("open").size, (1280, 960));

    // Focus moves: the window losing it hears `blur`.
    assert_eq!(app.invoke("main", "window-do", "second|focus"), "ok:Ok(())");
    wait_event(&app, "second|focus");
    app.windows.user_focus("main").expect("open");
    wait_event(&app, "second|blur");
    wait_event(&app, "main|focus");
    let found = app.invoke("main", "find", "second");
    assert_eq!(
        found,
        "ok:second|Renamed|1280x960|visible=true|focused=false|resizable=false"
    );
    assert_eq!(app.invoke("main", "window-do", "second|hide"), "ok:Ok(())");
    wait_event(&app, "second|hidden");
}

#[test]
fn bad_window_options_and_missing_windows_are_named_errors() {
    let app = start_with_second();
    let refused = app.invoke("main", "create", "second|width=5");
    assert!(
        refused.starts_with("ok:Err(WindowError::BadOptions(") && refused.contains("width is 5"),
        "{refused}"
    );
    let refused = app.invoke("main", "create", "second|min=500x500,max=400x400");
    assert!(refused.contains("larger than the maximum"), "{refused}");
    assert!(!app.windows.is_open("second"));
    assert_eq!(
        app.invoke("main", "create", "ghost|"),
        "ok:Err(WindowError::UnknownLabel(\"ghost\"))"
    );
    assert_eq!(
        app.invoke("main", "window-do", "second|focus"),
        "ok:Err(WindowError::NotOpen(\"second\"))"
    );
    assert_eq!(app.invoke("main", "find", "second"), "ok:none");
    let refused = app.invoke("main", "window-do", "main|size=50x50");
    assert!(refused.contains("BadOptions"), "{refused}");
    assert_eq!(app.invoke("main", "create", "second|"), "ok:Ok(())");
    assert_eq!(
        app.invoke("main", "create", "second|"),
        "ok:Err(WindowError::AlreadyOpen(\"second\"))"
    );
}

#[test]
fn a_close_asks_main_which_may_keep_the_window_open() {
    let app = start_with_second();
    assert_eq!(app.invoke("main", "open", "second"), "ok:Ok(())");
    app.wait_text("second", "#status", "loaded");
    assert_eq!(app.invoke("main", "keep-open", "second|yes"), "ok:kept");
    // The user's close button: main is asked and says no.
    app.windows.request_close("second").expect("open");
    wait_event(&app, "second|close-asked");
    // Main answers in the same call that recorded the ask; one more round
    // trip to main is past it.
    assert_eq!(app.invoke("main", "echo", "after"), "ok:after");
    assert!(app.windows.is_open("second"), "main kept it open");
    assert_eq!(app.invoke("second", "echo", "still"), "ok:still");

    // Main's own `close` asks too; now main lets it go.
    assert_eq!(app.invoke("main", "keep-open", "second|no"), "ok:kept");
    assert_eq!(app.invoke("main", "ask-close", "second"), "ok:Ok(())");
    eventually("the window to close", || !app.windows.is_open("second"));
    app.wait_invoke("main", "messages", "closed|second|");
    let events = app.invoke("main", "window-events", "");
    assert_eq!(events.matches("second|close-asked").count(), 2, "{events}");
    // `destroy` (the test main's `close`) does not ask.
    assert_eq!(app.invoke("main", "open", "second"), "ok:Ok(())");
    assert_eq!(app.invoke("main", "keep-open", "second|yes"), "ok:kept");
    assert_eq!(app.invoke("main", "close", "second"), "ok:Ok(())");
    assert!(!app.windows.is_open("second"));
}

#[test]
fn developer_tools_only_in_dev_mode() {
    let app = start_with_second();
    assert!(!app.windows.frame("main").expect("open").devtools);
    assert_eq!(app.invoke("main", "create", "second|"), "ok:Ok(())");
    assert!(!app.windows.frame("second").expect("open").devtools);
    drop(app);

    let dir = AppDir::new(&format!(
        "{}\n[[window]]\nlabel = \"second\"\nrenderer = \"dist/renderer.wasm\"\nopen = false\n",
        manifest_with_windows(&[("main", ALL_CHANNELS)])
    ));
    let windows = std::sync::Arc::new(wasmtron::window::HeadlessBackend::new());
    let app = wasmtron_tests::builder(dir.manifest(), windows.clone())
        .dev_mode(true)
        .start()
        .expect("the app starts");
    let app = Running::from_parts(app, windows, dir);
    app.wait_text("main", "#status", "loaded");
    assert!(app.windows.frame("main").expect("open").devtools);
    assert_eq!(app.invoke("main", "create", "second|"), "ok:Ok(())");
    assert!(app.windows.frame("second").expect("open").devtools);
}

#[test]
fn a_menu_item_chosen_reaches_main() {
    let app = start_with_second();
    assert_eq!(app.invoke("main", "set-menu", "main|good"), "ok:Ok(())");
    let menu = app.windows.frame("main").expect("open").menu;
    assert_eq!(menu.menus.len(), 1);
    assert_eq!(menu.menus[0].label, "File");
    assert_eq!(menu.menus[0].entries.len(), 4);
    app.windows
        .click_menu("main", "save")
        .expect("an enabled item");
    wait_event(&app, "main|menu:save");
    // A disabled item, or one that is not there, cannot be chosen.
    assert!(app.windows.click_menu("main", "print").is_err());
    assert!(app.windows.click_menu("main", "ghost").is_err());
    let refused = app.invoke("main", "set-menu", "main|twice");
    assert!(
        refused.contains("BadOptions") && refused.contains("`save` is used twice"),
        "{refused}"
    );
    assert_eq!(
        app.invoke("main", "set-menu", "second|good"),
        "ok:Err(WindowError::NotOpen(\"second\"))"
    );
}
