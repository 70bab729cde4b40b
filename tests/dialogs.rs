//! Native dialogs from main: message boxes and file choosers, answered by
//! the test as a user would, through the headless window system. Main waits
//! in the call; the answer, a dismissal, or the dialog's window closing
//! ends the wait.

use wasmtron::window::{Dialog, DialogAnswer, ShownDialog, WindowBackend as _};
use wasmtron_tests::{ALL_CHANNELS, AppDir, Running, eventually, manifest_with_windows};

fn start() -> Running {
    let dir = AppDir::new(&format!(
        "{}\n[[window]]\nlabel = \"second\"\nrenderer = \"dist/renderer.wasm\"\nchannels = [\"echo\"]\n",
        manifest_with_windows(&[("main", ALL_CHANNELS)])
    ));
    Running::start(dir).expect("the app starts")
}

/// Has main show a dialog (`what|window|arg`, as test-main's `dialog`
/// channel reads it) and returns it as the window system shows it.
fn ask(app: &Running, request: &str) -> ShownDialog {
    app.start_invoke("main", "dialog", request);
    let mut shown = None;
    eventually("the dialog on screen", || {
        shown = app.windows.dialogs().into_iter().next();
        shown.is_some()
    });
    shown.expect("shown")
}

#[test]
fn a_message_box_answers_with_the_button_chosen() {
    let app = start();
    let shown = ask(&app, "box|main|Save,Don't Save,Cancel");
    assert_eq!(shown.parent.as_deref(), Some("main"));
    let Dialog::Message(message) = &shown.dialog else {
        panic!("a message box: {shown:?}");
    };
    assert_eq!(message.message, "Save the note?");
    assert_eq!(message.title.as_deref(), Some("Unsaved"));
    assert_eq!(message.buttons, ["Save", "Don't Save", "Cancel"]);
    // Enter chooses the first; Escape the one labelled Cancel.
    assert_eq!((message.default_id, message.cancel_id), (0, 2));
    // A button the box does not have is not an answer.
    assert!(
        app.windows
            .answer_dialog(shown.id, DialogAnswer::Button(3))
            .is_err()
    );
    app.windows
        .answer_dialog(shown.id, DialogAnswer::Button(1))
        .expect("answered");
    assert_eq!(app.result("main"), "ok:Ok(1)");
    assert!(app.windows.dialogs().is_empty());

    // Dismissed: the cancel button's index.
    let shown = ask(&app, "box|main|Save,Cancel");
    app.windows.dismiss_dialog(shown.id).expect("dismissed");
    assert_eq!(app.result("main"), "ok:Ok(1)");

    // No buttons: one OK, free-standing.
    let shown = ask(&app, "box|-|");
    assert_eq!(shown.parent, None);
    let Dialog::Message(message) = &shown.dialog else {
        panic!("a message box: {shown:?}");
    };
    assert_eq!(message.buttons, ["OK"]);
    app.windows
        .answer_dialog(shown.id, DialogAnswer::Button(0))
        .expect("answered");
    assert_eq!(app.result("main"), "ok:Ok(0)");
}

#[test]
fn file_dialogs_answer_with_the_paths_chosen_and_nothing_on_cancel() {
    let app = start();
    let shown = ask(&app, "open|main|one");
    let Dialog::Open(open) = &shown.dialog else {
        panic!("an open dialog: {shown:?}");
    };
    assert_eq!(open.title.as_deref(), Some("Pick a note"));
    assert_eq!(open.default_path.as_deref(), Some("/tmp".as_ref()));
    assert_eq!(open.filters[0].extensions, ["txt", "md"]);
    assert!(!open.multiple && !open.directories);
    // One file at most from a dialog that allows one.
    let two = DialogAnswer::Files(vec!["/tmp/a.txt".into(), "/tmp/b.txt".into()]);
    assert!(app.windows.answer_dialog(shown.id, two.clone()).is_err());
    app.windows
        .answer_dialog(shown.id, DialogAnswer::Files(vec!["/tmp/a.txt".into()]))
        .expect("answered");
    assert_eq!(app.result("main"), "ok:Ok([\"/tmp/a.txt\"])");

    let shown = ask(&app, "open|main|many");
    app.windows.answer_dialog(shown.id, two).expect("answered");
    assert_eq!(
        app.result("main"),
        "ok:Ok([\"/tmp/a.txt\", \"/tmp/b.txt\"])"
    );

    let shown = ask(&app, "open|-|one");
    app.windows.dismiss_dialog(shown.id).expect("dismissed");
    assert_eq!(app.result("main"), "ok:Ok([])");

    let shown = ask(&app, "save|main|notes.txt");
    let Dialog::Save(save) = &shown.dialog else {
        panic!("a save dialog: {shown:?}");
    };
    assert_eq!(save.default_path.as_deref(), Some("notes.txt".as_ref()));
    app.windows
        .answer_dialog(shown.id, DialogAnswer::Files(vec!["/tmp/notes.txt".into()]))
        .expect("answered");
    assert_eq!(app.result("main"), "ok:Ok(Some(\"/tmp/notes.txt\"))");

    let shown = ask(&app, "save|main|/tmp/notes.txt");
    app.windows.dismiss_dialog(shown.id).expect("dismissed");
    assert_eq!(app.result("main"), "ok:Ok(None)");
}

#[test]
fn bad_options_and_windows_that_are_not_open_are_named() {
    let app = start();
    let refused = app.invoke("main", "dialog", "bad-box|main|A,B");
    assert!(
        refused.contains("BadOptions") && refused.contains("cancel-id 7 is not a button"),
        "{refused}"
    );
    let refused = app.invoke("main", "dialog", "bad-open|main|");
    assert!(
        refused.contains("BadOptions") && refused.contains("`relative/folder` is not absolute"),
        "{refused}"
    );
    let refused = app.invoke("main", "dialog", "box|third|");
    assert_eq!(refused, "ok:Err(DialogError::NotOpen(\"third\"))");
    // Nothing was shown, and main goes on.
    assert!(app.windows.dialogs().is_empty());
    assert_eq!(app.invoke("main", "echo", "still here"), "ok:still here");
}

#[test]
fn a_dialog_whose_window_closes_ends_unanswered() {
    let app = start();
    app.wait_text("second", "#status", "loaded");
    let shown = ask(&app, "box|second|Yes,No");
    assert_eq!(shown.parent.as_deref(), Some("second"));
    // The window system destroys the window under its dialog.
    app.windows.close("second");
    assert_eq!(app.result("main"), "ok:Err(DialogError::Closed)");
    assert!(app.windows.dialogs().is_empty());
    // What waited for main meanwhile is handled now.
    app.wait_invoke("main", "messages", "closed|second|");
}

#[test]
fn time_main_waits_on_the_user_does_not_count_toward_an_invoke_timeout() {
    // Window `patient` gives main 300 ms to answer.
    let dir = AppDir::new(&format!(
        "{}\n[[window]]\nlabel = \"patient\"\nrenderer = \"dist/renderer.wasm\"\n\
         channels = [\"dialog\", \"spin\"]\nlimits = {{ invoke-timeout-ms = 300 }}\n",
        manifest_with_windows(&[("main", ALL_CHANNELS)])
    ));
    let app = Running::start(dir).expect("the app starts");
    // Main's handler shows a box; the user reads it for longer than the
    // timeout (the sleep stands for reading, it is not measured), then
    // answers. The invoke gets the answer.
    app.start_invoke("patient", "dialog", "box|patient|OK,Cancel");
    let mut shown = None;
    eventually("the dialog on screen", || {
        shown = app.windows.dialogs().into_iter().next();
        shown.is_some()
    });
    std::thread::sleep(std::time::Duration::from_millis(1_000));
    assert_eq!(
        app.windows.text("patient", "#result").unwrap_or_default(),
        ""
    );
    app.windows
        .answer_dialog(shown.expect("shown").id, DialogAnswer::Button(0))
        .expect("answered");
    assert_eq!(app.result("patient"), "ok:Ok(0)");
    // A handler that is merely slow still times out.
    let slow = app.invoke("patient", "spin", "1000");
    assert!(slow.starts_with("err:timeout:"), "{slow}");
}
