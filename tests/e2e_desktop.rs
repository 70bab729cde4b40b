//! End to end through real windows: the `wasmtron` binary runs the hello and
//! multi-window examples on an X server (the caller's, or an Xvfb of its
//! own), WebKitGTK renders the pages, and real X11 input from `xdotool`
//! drives them, GTK's own dialogs included; a window manager's close button
//! is a WM_DELETE_WINDOW message (`tests/tools/wm_close.py`, since Xvfb has
//! no window manager).
//!
//! The app runs with `--automation` (see host/src/automation.rs), which only
//! reads the page (`text`) and finds elements on screen (`rect`,
//! `window-id`); every click and key goes through the X server, so the path
//! under test is the one a user's input takes: X11 → GTK → WebKit → the
//! renderer component → the main component and back to the DOM.
//!
//! Needs `Xvfb`, `xdotool`, ImageMagick and python3-xlib
//! (`scripts/install-deps.sh`).

use wasmtron_tests::desktop::{AutomatedApp, Display, START_BOUND, STEP_BOUND, assert_painted};
use wasmtron_tests::{
    ALL_CHANNELS, AppDir, copy_folder, guests, manifest_with_windows, wasmtron_binary,
    workspace_root,
};

#[test]
fn hello_greets_through_a_real_window() {
    let binary = wasmtron_binary();
    let app_dir = hello_app_dir();
    // Declared before the app so it is dropped after it: the app must go
    // before the X server it draws on.
    let display = Display::acquire();
    let mut app = AutomatedApp::spawn(&binary, app_dir.path(), display.name());

    // Main's periodic push reached the page: both components run and the
    // page's bridge works.
    let tick = app.wait_text("#tick", START_BOUND, |text| text.contains("up"));
    println!("window shows: {tick}");
    let window_id = app.window_id();

    // A structured handler error from main crosses the real window path and
    // is shown by the renderer.
    app.click(&display, window_id, "#greet");
    let refusal = app.wait_text("#reply", STEP_BOUND, |text| text == "Type a name first.");
    println!("empty name, window shows: {refusal}");

    app.focus(&display, "main", window_id, "#name");
    display.xdotool(&["type", "--delay", "50", "Ada"]);
    app.click(&display, window_id, "#greet");
    let greeting = app.wait_text("#reply", STEP_BOUND, |text| text == "Hello, Ada!");
    println!("typed Ada, window shows: {greeting}");

    assert_painted(&display, "hello.png");

    let status = app.quit();
    assert!(status.success(), "wasmtron exited with {status}");
}

#[test]
fn a_refused_renderer_ends_the_app_with_its_reason_and_status_2() {
    // The window opens while the components load; the refusal must still end
    // the window system and the program, not leave a window behind.
    let app_dir = hello_app_dir();
    std::fs::copy(
        guests::HELLO_MAIN,
        app_dir.path().join("dist/hello_renderer.wasm"),
    )
    .expect("cannot put main's component in the renderer's place");
    let display = Display::acquire();
    let mut child = std::process::Command::new(wasmtron_binary())
        .arg("run")
        .arg(app_dir.path())
        .env("DISPLAY", display.name())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("wasmtron runs");
    // What this guards against is a program that never ends: wait with a
    // deadline, and fail (not hang) past it.
    let deadline = std::time::Instant::now() + START_BOUND;
    let status = loop {
        if let Some(status) = child.try_wait().expect("waitable") {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("wasmtron did not end after a refused start");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("piped"), &mut stderr)
        .expect("readable");
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("(renderer world) is refused")
            && stderr.contains("wasmtron:app/windows@0.1.0"),
        "{stderr}"
    );
}

/// A temporary copy of the hello example with the components this test run
/// built from source.
fn hello_app_dir() -> tempfile::TempDir {
    example_dir(
        "hello",
        &[
            (guests::HELLO_MAIN, "hello_main.wasm"),
            (guests::HELLO_RENDERER, "hello_renderer.wasm"),
        ],
    )
}

/// The example `name` in a temp folder: its manifest and `ui/`, and
/// `components` (built from source) copied into `dist/` under their names.
fn example_dir(name: &str, components: &[(&str, &str)]) -> tempfile::TempDir {
    let example = workspace_root().join("examples").join(name);
    let dir = tempfile::tempdir().expect("cannot create a temp dir");
    std::fs::copy(
        example.join("wasmtron.toml"),
        dir.path().join("wasmtron.toml"),
    )
    .expect("cannot copy the example's manifest");
    copy_folder(&example.join("ui"), &dir.path().join("ui"));
    let dist = dir.path().join("dist");
    std::fs::create_dir_all(&dist).expect("cannot create dist/");
    for (from, to) in components {
        std::fs::copy(from, dist.join(to)).expect("cannot copy a component");
    }
    dir
}

/// The multi-window example in a temp folder, its components built from
/// source.
fn multi_window_dir() -> tempfile::TempDir {
    example_dir(
        "multi-window",
        &[
            (guests::MULTI_WINDOW_MAIN, "multi_window_main.wasm"),
            (guests::MULTI_WINDOW_RENDERER, "multi_window_renderer.wasm"),
        ],
    )
}

#[test]
fn two_windows_share_a_note_and_the_last_close_asks_then_quits() {
    let binary = wasmtron_binary();
    let app_dir = multi_window_dir();
    let display = Display::acquire();
    let mut app = AutomatedApp::spawn(&binary, app_dir.path(), display.name());
    let both = |text: &str| text == "Open windows: left, right";
    app.wait_text_in("left", "#windows", START_BOUND, both);
    app.wait_text_in("right", "#windows", STEP_BOUND, both);
    let (left, right) = (app.window_id_of("left"), app.window_id_of("right"));
    // Without a window manager both open at the same place; move them apart
    // so both are seen, and so each click lands in its own window.
    display.xdotool(&["windowmove", &left.to_string(), "0", "0"]);
    display.xdotool(&["windowmove", &right.to_string(), "600", "0"]);
    // Clicks land where `rect` says: in window pixels, the page starting
    // below the menu bar (it used to say the page's own, 24 px high).
    let page_top = app.rect_in("left", "html")["y"]
        .as_f64()
        .expect("rect has numbers");
    assert!(
        page_top > 0.0,
        "the page starts at {page_top}, on the menu bar"
    );

    // Typed in the left window, relayed by main to the right one.
    app.focus(&display, "left", left, "#note");
    display.xdotool(&["type", "--delay", "50", "tea"]);
    let unsaved = |text: &str| text == "Unsaved changes";
    app.wait_text_in("right", "#status", STEP_BOUND, unsaved);
    assert_painted(&display, "multi-window.png");
    // The menu bar's File › Save, by its shortcut: the choice reaches main,
    // which saves and tells both windows.
    // (Real input to the focused window: GTK takes shortcuts only from the
    // keyboard, not from events sent to a window.)
    display.xdotool(&["key", "ctrl+s"]);
    app.wait_text_in("right", "#status", STEP_BOUND, |t| t == "Saved");
    app.focus(&display, "left", left, "#note");
    display.xdotool(&["type", "--delay", "50", " and milk"]);
    app.wait_text_in("right", "#status", STEP_BOUND, unsaved);
    // The same item with the mouse: a click on "File" at the left end of
    // the menu bar opens the menu, which takes the keyboard; Down and
    // Enter choose its first item, Save.
    display.xdotool(&["mousemove", "--window", &left.to_string(), "18", "11"]);
    display.xdotool(&["click", "1"]);
    display.xdotool(&["key", "--delay", "100", "Down", "Return"]);
    app.wait_text_in("right", "#status", STEP_BOUND, |t| t == "Saved");
    app.focus(&display, "left", left, "#note");
    display.xdotool(&["type", "--delay", "50", " and honey"]);
    app.wait_text_in("right", "#status", STEP_BOUND, unsaved);

    // A link to another origin is refused, and the page stays.
    app.click_in(&display, "left", left, "#away");
    app.wait_log("navigation away from the app refused");
    app.wait_text_in("left", "#status", STEP_BOUND, unsaved);

    // The window manager's close button on one of two: it closes.
    display.close_window(right);
    app.wait_text_in("left", "#windows", STEP_BOUND, |t| {
        t == "Open windows: left"
    });
    // On the last one, with unsaved text: main asks in a native message
    // box over it, drawn by GTK.
    let question = press_close(&display, left, "^Unsaved note$");
    assert_painted(&display, "message-box.png");
    // Escape is Cancel: the box goes, the window and its text stay.
    display.xdotool(&["windowfocus", "--sync", &question.to_string()]);
    display.xdotool(&["key", "Escape"]);
    let deadline = std::time::Instant::now() + STEP_BOUND;
    while !display.windows_named("^Unsaved note$").is_empty() {
        assert!(std::time::Instant::now() < deadline, "the box stayed");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    app.wait_text_in("left", "#status", STEP_BOUND, unsaved);
    // Asked again; Enter chooses Save, which saves, and the app quits.
    let question = press_close(&display, left, "^Unsaved note$");
    display.xdotool(&["windowfocus", "--sync", &question.to_string()]);
    display.xdotool(&["key", "Return"]);
    let status = app.wait_exit();
    assert!(status.success(), "wasmtron exited with {status}");
    // Saved three times: by the menu's shortcut, by a click in the menu,
    // and from the box.
    app.wait_logged("guest: saved ", 3);
}

/// Presses the window manager's close button on `window` once, and waits
/// for a window titled `title` to show.
///
/// An earlier version pressed up to three times, waiting 5 s each: on a
/// loaded display about one close in five had gone unanswered within that
/// (2026-12-03). With the close pressed once and the suite's usual bound,
/// 30 runs in a row passed on 2026-12-07, 15 of them beside a fuzzing build:
/// a slow answer, not a lost close, as far as can be seen. Should a close go
/// unanswered again, this fails and names it.
fn press_close(display: &Display, window: u64, title: &str) -> u64 {
    display.close_window(window);
    let deadline = std::time::Instant::now() + STEP_BOUND;
    loop {
        if let Some(id) = display.windows_named(title).first() {
            return *id;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no window `{title}` showed within {STEP_BOUND:?} of one close request"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn a_save_dialog_drawn_by_gtk_gives_main_the_path_chosen() {
    let binary = wasmtron_binary();
    let app_dir = AppDir::new(&manifest_with_windows(&[("main", ALL_CHANNELS)]));
    let display = Display::acquire();
    let mut app = AutomatedApp::spawn(&binary, app_dir.path(), display.name());
    app.wait_text_in("main", "#status", START_BOUND, |t| t == "loaded");
    let window = app.window_id_of("main");
    // The probe page invokes test-main's `dialog` channel, which asks for a
    // save dialog proposing `picked.txt` in the app's folder.
    let proposed = app_dir.path().join("picked.txt");
    let proposed = proposed.to_str().expect("a UTF-8 temp path");
    app.type_into(&display, "main", window, "#channel", "dialog");
    app.type_into(
        &display,
        "main",
        window,
        "#arg",
        &format!("save|main|{proposed}"),
    );
    app.click_in(&display, "main", window, "#invoke");
    let chooser = display.wait_window_named("^Save$");
    assert_painted(&display, "save-dialog.png");
    // Enter accepts the proposed name in the proposed folder.
    display.xdotool(&["windowfocus", "--sync", &chooser.to_string()]);
    display.xdotool(&["key", "Return"]);
    let result = app.wait_text_in("main", "#result", STEP_BOUND, |t| !t.is_empty());
    assert_eq!(result, format!("ok:Ok(Some(\"{proposed}\"))"));
    let status = app.quit();
    assert!(status.success(), "wasmtron exited with {status}");
}

#[test]
fn a_second_launch_is_handed_to_the_running_app() {
    let binary = wasmtron_binary();
    let app_dir = multi_window_dir();
    let display = Display::acquire();
    let mut app = AutomatedApp::spawn(&binary, app_dir.path(), display.name());
    app.wait_text_in("left", "#windows", START_BOUND, |t| {
        t == "Open windows: left, right"
    });
    let second = std::process::Command::new(&binary)
        .arg("run")
        .arg(app_dir.path())
        .args(["--", "notes.txt"])
        .current_dir("/tmp")
        .env("DISPLAY", display.name())
        .output()
        .expect("wasmtron runs");
    let said = String::from_utf8_lossy(&second.stderr);
    assert!(second.status.success(), "{said}");
    assert!(said.contains("is already running"), "{said}");
    let shown = app.wait_text_in("left", "#launch", STEP_BOUND, |t| t.contains("notes.txt"));
    assert_eq!(shown, "Launched again from /tmp with: notes.txt");
    let status = app.quit();
    assert!(status.success(), "wasmtron exited with {status}");
}

#[test]
fn web_content_opens_no_connection_when_a_link_out_is_clicked() {
    // A server on loopback stands for any host a hostile page would beacon
    // or probe. The page links to it, preconnects to it and asks its name
    // to be resolved; the link is clicked with the real pointer.
    let server = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback listener");
    server.set_nonblocking(true).expect("non-blocking");
    let target = format!(
        "http://127.0.0.1:{}",
        server.local_addr().expect("an address").port()
    );
    let binary = wasmtron_binary();
    let app_dir = AppDir::new(&manifest_with_windows(&[("main", ALL_CHANNELS)]));
    let page = wasmtron_tests::PROBE_PAGE.replacen(
        "<body>",
        &format!(
            "<body><a id=\"out\" href=\"{target}/beacon\">out</a>\
             <link rel=\"preconnect\" href=\"{target}\"><link rel=\"dns-prefetch\" href=\"{target}\">"
        ),
        1,
    );
    assert_ne!(
        page,
        wasmtron_tests::PROBE_PAGE,
        "the probe page has a body"
    );
    app_dir.write("ui/index.html", page);
    let display = Display::acquire();
    let mut app = AutomatedApp::spawn(&binary, app_dir.path(), display.name());
    app.wait_text_in("main", "#status", START_BOUND, |t| t == "loaded");
    let window = app.window_id_of("main");
    app.click_in(&display, "main", window, "#out");
    app.wait_log("navigation away from the app refused");
    // The navigation is refused; the page stays, and nothing reached the
    // server meanwhile (WebKit used to open a connection to the link's host
    // as it asked whether to go there).
    app.wait_text_in("main", "#status", STEP_BOUND, |t| t == "loaded");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    while std::time::Instant::now() < deadline {
        if let Ok((_, from)) = server.accept() {
            panic!("web content opened a connection to {target} (from {from})");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let status = app.quit();
    assert!(status.success(), "wasmtron exited with {status}");
}

/// What the page's own script tries: `navigator.clipboard`, then
/// `execCommand('copy')` of a selection, then putting `execCommand` back
/// and trying again; it writes what happened into `#clip-result`.
const CLIPBOARD_SCRIPT: &str = r"document.getElementById('clip').addEventListener('click', function () {
  var api = typeof navigator.clipboard;
  var area = document.createElement('textarea');
  area.value = 'written by the page';
  document.body.appendChild(area);
  area.select();
  var copied = document.execCommand('copy');
  var restored;
  try {
    Object.defineProperty(Document.prototype, 'execCommand', { value: function () { return true; } });
    restored = 'yes';
  } catch (e) {
    restored = 'no';
  }
  area.select();
  var again = document.execCommand('copy');
  document.getElementById('clip-result').textContent =
    'api=' + api + ' copy=' + copied + ' restored=' + restored + ' again=' + again;
});";

/// Puts `text` on the display's clipboard. `xclip` takes the clipboard
/// before its first process exits (its second serves it, for two reads,
/// and goes with the display), so the text is there when this returns.
fn hold_clipboard(display: &Display, text: &str) {
    use std::io::Write as _;
    let mut xclip = std::process::Command::new("xclip")
        .args(["-selection", "clipboard", "-in", "-loops", "2"])
        .env("DISPLAY", display.name())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("cannot run xclip (install it: scripts/install-deps.sh)");
    let mut stdin = xclip.stdin.take().expect("xclip's stdin");
    stdin.write_all(text.as_bytes()).expect("text for xclip");
    drop(stdin);
    let status = xclip.wait().expect("xclip ends");
    assert!(status.success(), "xclip -in failed with {status}");
}

/// What is on the display's clipboard.
fn clipboard_text(display: &Display) -> String {
    let output = std::process::Command::new("xclip")
        .args(["-selection", "clipboard", "-out"])
        .env("DISPLAY", display.name())
        .output()
        .expect("cannot run xclip (install it: scripts/install-deps.sh)");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn a_page_cannot_write_the_clipboard_even_on_a_click() {
    let binary = wasmtron_binary();
    let app_dir = AppDir::new(&manifest_with_windows(&[("main", ALL_CHANNELS)]));
    let page = wasmtron_tests::PROBE_PAGE.replacen(
        "<body>",
        "<body><button id=\"clip\">copy</button><p id=\"clip-result\">none</p>\
         <script src=\"clip.js\"></script>",
        1,
    );
    assert_ne!(
        page,
        wasmtron_tests::PROBE_PAGE,
        "the probe page has a body"
    );
    app_dir.write("ui/index.html", page);
    app_dir.write("ui/clip.js", CLIPBOARD_SCRIPT);
    let display = Display::acquire();
    hold_clipboard(&display, "copied by the user");
    assert_eq!(clipboard_text(&display), "copied by the user");
    let mut app = AutomatedApp::spawn(&binary, app_dir.path(), display.name());
    app.wait_text_in("main", "#status", START_BOUND, |t| t == "loaded");
    let window = app.window_id_of("main");
    // A real click: the user gesture WebKit lets pages write the
    // clipboard in.
    app.click_in(&display, "main", window, "#clip");
    let result = app.wait_text_in("main", "#clip-result", STEP_BOUND, |t| t != "none");
    assert_eq!(
        result, "api=undefined copy=false restored=no again=false",
        "the page reached the clipboard"
    );
    assert_eq!(clipboard_text(&display), "copied by the user");
    let status = app.quit();
    assert!(status.success(), "wasmtron exited with {status}");
}
