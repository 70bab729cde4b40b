//! The multi-window example on the headless backend: two windows share one
//! note through main, which tracks the open windows and asks before the app
//! quits with unsaved text. Runs in the suite's isolation mode.

use wasmtron::AppExit;
use wasmtron_tests::{Running, eventually, multi_window_app};

fn start() -> Running {
    Running::start_example(multi_window_app(), "left", "Saved")
}

/// Whether the window shows the question about unsaved text.
fn asking(app: &Running, window: &str) -> bool {
    !app.windows.has_class(window, "#confirm", "hidden")
}

#[test]
fn an_edit_in_one_window_shows_in_the_other() {
    let app = start();
    app.wait_text("right", "#windows", "Open windows: left, right");
    app.input("left", "#note", "shopping: tea");
    eventually("the note to reach the right window", || {
        app.windows.value("right", "#note").as_deref() == Some("shopping: tea")
    });
    app.wait_text("right", "#status", "Unsaved changes");
    app.click("right", "#save");
    app.wait_text("left", "#status", "Saved");
    // File › Save in the menu bar does the same.
    app.input("right", "#note", "shopping: tea, milk");
    app.wait_text("left", "#status", "Unsaved changes");
    app.windows
        .click_menu("left", "save")
        .expect("the menu has Save");
    app.wait_text("right", "#status", "Saved");
    // Closing one of the two is not asked about; the other is told.
    app.windows.request_close("right").expect("open");
    eventually("the right window to close", || {
        !app.windows.is_open("right")
    });
    app.wait_text("left", "#windows", "Open windows: left");
}

#[test]
fn quitting_with_unsaved_text_asks_first() {
    let mut app = start();
    app.wait_text("left", "#windows", "Open windows: left, right");
    app.windows.request_close("right").expect("open");
    eventually("the right window to close", || {
        !app.windows.is_open("right")
    });
    app.input("left", "#note", "draft");
    app.wait_text("left", "#status", "Unsaved changes");
    // The last window, unsaved: main keeps it and asks.
    app.windows.request_close("left").expect("open");
    eventually("the question", || asking(&app, "left"));
    assert!(app.windows.is_open("left"));
    app.click("left", "#cancel");
    eventually("the question to go", || !asking(&app, "left"));
    assert_eq!(app.app.exit(), None);
    // Asked again; this time the user discards.
    app.windows.request_close("left").expect("open");
    eventually("the question", || asking(&app, "left"));
    app.click("left", "#discard");
    assert_eq!(app.app.wait(), AppExit::Quit(0));
}

#[test]
fn save_and_quit_saves_then_quits() {
    let mut app = start();
    app.wait_text("left", "#windows", "Open windows: left, right");
    app.input("right", "#note", "keep this");
    app.wait_text("left", "#status", "Unsaved changes");
    app.windows.request_close("left").expect("open");
    eventually("the left window to close", || !app.windows.is_open("left"));
    app.windows.request_close("right").expect("open");
    eventually("the question", || asking(&app, "right"));
    app.click("right", "#save-quit");
    assert_eq!(app.app.wait(), AppExit::Quit(0));
}
