//! End to end through real windows: the `wasmtron` binary runs the hello
//! example on an X server (the caller's, or an Xvfb of its own), WebKitGTK
//! renders the page, and real X11 input from `xdotool` drives it.
//!
//! The app runs with `--automation` (see host/src/automation.rs), which only
//! reads the page (`text`) and finds elements on screen (`rect`,
//! `window-id`); every click and key goes through the X server, so the path
//! under test is the one a user's input takes: X11 → GTK → WebKit → the
//! renderer component → the main component and back to the DOM.
//!
//! Needs `Xvfb`, `xdotool` and ImageMagick (`scripts/install-deps.sh`).

use wasmtron_tests::desktop::{AutomatedApp, Display, START_BOUND, STEP_BOUND, assert_painted};
use wasmtron_tests::{copy_folder, guests, wasmtron_binary, workspace_root};

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

    app.click(&display, window_id, "#name");
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
    let example = workspace_root().join("examples/hello");
    let dir = tempfile::tempdir().expect("cannot create a temp dir");
    std::fs::copy(
        example.join("wasmtron.toml"),
        dir.path().join("wasmtron.toml"),
    )
    .expect("cannot copy the hello manifest");
    copy_folder(&example.join("ui"), &dir.path().join("ui"));
    let dist = dir.path().join("dist");
    std::fs::create_dir_all(&dist).expect("cannot create dist/");
    std::fs::copy(guests::HELLO_MAIN, dist.join("hello_main.wasm"))
        .expect("cannot copy the hello main component");
    std::fs::copy(guests::HELLO_RENDERER, dist.join("hello_renderer.wasm"))
        .expect("cannot copy the hello renderer component");
    dir
}
