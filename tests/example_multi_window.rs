//! The multi-window example on the headless backend: two windows share one
//! note through main, which tracks the open windows and asks before the app
//! quits with unsaved text. Runs in the suite's isolation mode.

use wasmtron::AppExit;
use wasmtron::window::{Dialog, DialogAnswer, MessageKind};
use wasmtron_tests::{Running, eventually, multi_window_app};

fn start() -> Running {
    Running::start_example(multi_window_app(), "left", "Saved")
}

/// Waits for main's question about the unsaved note, over `window`, and
/// returns its id.
fn question(app: &Running, window: &str) -> u64 {
    let mut id = None;
    eventually("the question about the unsaved note", || {
        id = app.windows.dialogs().into_iter().find_map(|shown| {
            let Dialog::Message(message) = &shown.dialog else {
                return None;
            };
            assert_eq!(shown.parent.as_deref(), Some(window));
            assert_eq!(message.kind, MessageKind::Warning);
            assert_eq!(message.buttons, ["Save", "Don't Save", "Cancel"]);
            assert_eq!((message.default_id, message.cancel_id), (0, 2));
            Some(shown.id)
        });
        id.is_some()
    });
    id.expect("asked")
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
    // The last window, unsaved: main asks in a message box over it.
    app.windows.request_close("left").expect("open");
    let asked = question(&app, "left");
    assert!(app.windows.is_open("left"));
    // Escape: Cancel, and the window stays.
    app.windows.dismiss_dialog(asked).expect("shown");
    app.wait_text("left", "#status", "Unsaved changes");
    assert!(app.windows.is_open("left"));
    assert_eq!(app.app.exit(), None);
    // Quitting from the menu asks the same; this time, Don't Save.
    app.windows
        .click_menu("left", "quit")
        .expect("the menu has Quit");
    let asked = question(&app, "left");
    app.windows
        .answer_dialog(asked, DialogAnswer::Button(1))
        .expect("shown");
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
    let asked = question(&app, "right");
    app.windows
        .answer_dialog(asked, DialogAnswer::Button(0))
        .expect("shown");
    assert_eq!(app.app.wait(), AppExit::AllWindowsClosed);
}
