//! End to end through a real window: the `wasmtron` binary runs the
//! utility-parse example on an X server with its full-size input (200 000
//! records, about 30 MB), real clicks start a parse and ping main while the
//! parser works, and the window is photographed once it shows the result.
//! See `wasmtron_tests::desktop` for how the window is driven.
//!
//! Needs `Xvfb`, `xdotool`, ImageMagick (`scripts/install-deps.sh`) and
//! Python 3 for the example's `setup.py`.

use wasmtron_tests::desktop::{AutomatedApp, Display, START_BOUND, STEP_BOUND, assert_painted};
use wasmtron_tests::{utility_parse_app, wasmtron_binary};

/// The example's default input size.
const RECORDS: u32 = 200_000;

#[test]
fn a_parse_shows_its_progress_and_result_in_a_real_window() {
    let binary = wasmtron_binary();
    let app_dir = utility_parse_app(RECORDS);
    // Declared before the app so it is dropped after it: the app must go
    // before the X server it draws on.
    let display = Display::acquire();
    let mut app = AutomatedApp::spawn(&binary, app_dir.path(), display.name());
    app.wait_text("#status", START_BOUND, |text| text == "ready");
    let window_id = app.window_id();

    app.click(&display, window_id, "#parse");
    // Main answers while the parser works in its own worker process.
    app.click(&display, window_id, "#ping");
    let pong = app.wait_text("#pong", STEP_BOUND, |text| text.starts_with("pong 1 "));
    let status = app.wait_text("#status", STEP_BOUND, |_| true);
    println!("main answered {pong:?} while the window showed {status:?}");

    app.wait_text("#status", STEP_BOUND, |text| text == "done");
    let result = app.wait_text("#result", STEP_BOUND, |text| !text.trim().is_empty());
    println!("window shows: {result}");
    assert!(
        result.starts_with(&format!("{RECORDS} records, mean score ")),
        "{result}"
    );
    app.wait_text("#percent", STEP_BOUND, |text| text == "100%");

    assert_painted(&display, "utility-parse.png");

    let status = app.quit();
    assert!(status.success(), "wasmtron exited with {status}");
}
