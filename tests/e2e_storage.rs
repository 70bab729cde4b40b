//! End to end through real windows: a window with `persistent-storage`
//! keeps its page's local storage across two launches of the app, in the
//! app's own data folder; a window without it forgets. The page's own
//! script counts its visits in `localStorage`.
//!
//! Needs `Xvfb` (`scripts/install-deps.sh`).

use std::path::Path;
use std::time::{Duration, Instant};

use wasmtron_tests::AppDir;
use wasmtron_tests::desktop::{AutomatedApp, Display, START_BOUND, wasmtron_with};

const ID: &str = "org.wasmtron.storage-test";

const PAGE: &str = r#"<!doctype html>
<html><head><meta charset="utf-8"><title>storage</title></head>
<body><p id="status"></p><p id="visits"></p><script src="visits.js"></script></body></html>
"#;

/// Shows how many visits the page's storage remembers, then counts this one.
const VISITS: &str = r#"
const seen = Number(localStorage.getItem("visits") || "0");
document.getElementById("visits").textContent = "visits:" + seen;
localStorage.setItem("visits", String(seen + 1));
"#;

fn app_dir() -> AppDir {
    let window = |label: &str, keep: bool| {
        format!(
            "\n[[window]]\nlabel = \"{label}\"\ntitle = \"{label}\"\nrenderer = \"dist/renderer.wasm\"\npersistent-storage = {keep}\n"
        )
    };
    let manifest = format!(
        "[app]\nname = \"storage\"\nid = \"{ID}\"\n{}{}",
        window("keep", true),
        window("forget", false)
    );
    let dir = AppDir::new(&manifest);
    dir.write("ui/index.html", PAGE);
    dir.write("ui/visits.js", VISITS);
    dir
}

/// Whether a file under `dir` holds `needle` (as UTF-8 or UTF-16).
fn holds(dir: &Path, needle: &str) -> bool {
    let utf16: Vec<u8> = needle.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries.flatten().any(|entry| {
        let path = entry.path();
        if path.is_dir() {
            return holds(&path, needle);
        }
        std::fs::read(&path).is_ok_and(|bytes| {
            [needle.as_bytes(), &utf16[..]]
                .iter()
                .any(|n| bytes.windows(n.len()).any(|w| w == *n))
        })
    })
}

fn visits(app: &mut AutomatedApp, window: &str) -> String {
    app.wait_text_in(window, "#status", START_BOUND, |t| t == "loaded");
    app.wait_text_in(window, "#visits", START_BOUND, |t| t.starts_with("visits:"))
}

#[test]
fn a_window_with_persistent_storage_remembers_across_launches_and_others_forget() {
    let home = tempfile::tempdir().expect("a temp dir");
    // `wasmtron` with the test's own data home, as a user's would have it.
    let launcher = wasmtron_with(
        home.path(),
        &format!("XDG_DATA_HOME='{}'", home.path().display()),
    );
    let dir = app_dir();
    let display = Display::acquire();
    let web = home.path().join(ID).join("web");

    let mut first = AutomatedApp::spawn(&launcher, dir.path(), display.name());
    assert_eq!(visits(&mut first, "keep"), "visits:0");
    assert_eq!(visits(&mut first, "forget"), "visits:0");
    // WebKit writes local storage in the background: wait until the
    // value is on disk before ending the app (a bound on a hang).
    let start = Instant::now();
    while !holds(&web.join("keep"), "visits") {
        assert!(
            start.elapsed() < START_BOUND,
            "the keeping window's storage never reached {}",
            web.display()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(first.quit().success());
    assert!(
        !web.join("forget").exists(),
        "the forgetting window keeps nothing on disk"
    );

    let mut second = AutomatedApp::spawn(&launcher, dir.path(), display.name());
    assert_eq!(visits(&mut second, "keep"), "visits:1");
    assert_eq!(visits(&mut second, "forget"), "visits:0");
    assert!(second.quit().success());
}
