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
