//! End to end through a real window: the `wasmtron` binary runs the polyglot
//! example (Rust main, JavaScript renderer, Python and C utilities) on an X
//! server, a real click sends the page's text to the Python utility, and the
//! window is photographed once it shows the answer with the C utility's
//! checksum. See `wasmtron_tests::desktop` for how the window is driven.
//!
//! Needs `Xvfb`, `xdotool`, ImageMagick (`scripts/install-deps.sh`) and the
//! polyglot toolchains (`scripts/install-polyglot.sh`).

use wasmtron_tests::desktop::{AutomatedApp, Display, START_BOUND, STEP_BOUND, assert_painted};
use wasmtron_tests::{polyglot_app, wasmtron_binary};

#[test]
fn four_languages_answer_a_click_in_a_real_window() {
    let binary = wasmtron_binary();
    let app_dir = polyglot_app();
    // Declared before the app so it is dropped after it: the app must go
    // before the X server it draws on.
    let display = Display::acquire();
    let mut app = AutomatedApp::spawn(&binary, app_dir.path(), display.name());
    app.wait_text("#status", START_BOUND, |text| text == "connected");
    let window_id = app.window_id();

    app.click(&display, window_id, "#analyze");
    app.wait_text("#status", STEP_BOUND, |text| text.starts_with("analyzed"));
    // The page's own text: "The quick brown fox jumps over the lazy dog.
    // The dog sleeps."
    assert_eq!(app.wait_text("#words", STEP_BOUND, |_| true), "12");
    assert_eq!(
        app.wait_text("#top", STEP_BOUND, |_| true),
        "the ×3, dog ×2, quick ×1"
    );
    let by = app.wait_text("#by", STEP_BOUND, |_| true);
    assert!(
        by.starts_with("Python 3.") && by.contains("+ C (clang "),
        "{by}"
    );

    app.click(&display, window_id, "#about");
    let about = app.wait_text("#about-text", STEP_BOUND, |text| text.starts_with("main:"));
    println!("window shows: {about}");

    assert_painted(&display, "polyglot.png");

    let status = app.quit();
    assert!(status.success(), "wasmtron exited with {status}");
}
