//! End to end through a real window: a page's own scripts (an ES module
//! importing another, and a classic script) call their renderer's page API
//! through `window.wasmtron` and listen to its events, in a WebKitGTK view
//! on an X server (the caller's, or an Xvfb of its own), set off by a real
//! click from `xdotool`; and a hostile page that replaces built-ins, calls
//! what is not exposed, forges messages and floods, each ending in its
//! named error while the renderer goes on.
//!
//! Needs `Xvfb` and `xdotool` (`scripts/install-deps.sh`).

use serde_json::{Value, json};
use wasmtron_tests::desktop::{AutomatedApp, Display, START_BOUND, STEP_BOUND, assert_painted};
use wasmtron_tests::{AppDir, guests, wasmtron_binary};

const INDEX: &str = include_str!("fixtures/page-api/index.html");
const APP_JS: &str = include_str!("fixtures/page-api/app.js");
const FORMAT_JS: &str = include_str!("fixtures/page-api/format.js");
const HOSTILE_JS: &str = include_str!("fixtures/page-api/hostile.js");
const CONTENT_JS: &str = include_str!("fixtures/page-api/content.js");

/// An app whose window `main` runs the page renderer with its page API and
/// events, and whose page loads `script` (`app.js` or `hostile.js`).
fn app_dir(script: &str, limits: &str) -> AppDir {
    let manifest = format!(
        "[app]\nname = \"page-api\"\n\n[[window]]\nlabel = \"main\"\ntitle = \"page api\"\n\
         renderer = \"dist/page-renderer.wasm\"\npage-api = \"probe:page/api\"\n\
         [window.limits]\n{limits}\n[window.imports]\n\"probe:page/events\" = \"page\"\n"
    );
    let dir = AppDir::new(&manifest);
    dir.copy(guests::PAGE_RENDERER, "dist/page-renderer.wasm");
    let page = if script == "app.js" {
        INDEX.to_owned()
    } else {
        INDEX.replace(
            "<script type=\"module\" src=\"app.js\"></script>",
            &format!("<script src=\"{script}\"></script>"),
        )
    };
    dir.write("ui/index.html", page);
    dir.write("ui/app.js", APP_JS);
    dir.write("ui/format.js", FORMAT_JS);
    dir.write("ui/hostile.js", HOSTILE_JS);
    dir.write("ui/content.js", CONTENT_JS);
    dir
}

fn launch(dir: &AppDir, display: &Display) -> (AutomatedApp, u64) {
    let mut app = AutomatedApp::spawn(&wasmtron_binary(), dir.path(), display.name());
    app.wait_text_in("main", "#status", START_BOUND, |t| t == "loaded");
    let window = app.window_id_of("main");
    (app, window)
}

#[test]
fn page_scripts_call_their_renderer_and_hear_its_events() {
    let dir = app_dir("app.js", "");
    let display = Display::acquire();
    let (mut app, window) = launch(&dir, &display);

    // The module's mebibyte went to the renderer and back, byte for byte.
    let bytes = app.wait_text_in("main", "#bytes", STEP_BOUND, |t| !t.is_empty());
    assert_eq!(bytes, "bytes same");

    // A real click: the page's handler calls addNote, then getNote.
    app.click_in(&display, "main", window, "#add");
    let result = app.wait_text_in("main", "#result", STEP_BOUND, |t| !t.is_empty());
    assert_eq!(result, "added 0: from a click stars=null");
    // The renderer's event reached the page's listener (through the
    // imported module's formatting), and its DOM write landed.
    let item = app.wait_text_in("main", "#notes li", STEP_BOUND, |t| !t.is_empty());
    assert_eq!(item, "from a click [ui] #1");
    app.wait_text_in("main", "#count", STEP_BOUND, |t| t == "1");

    // Again, with typed text.
    app.type_into(&display, "main", window, "#title", "second note");
    app.click_in(&display, "main", window, "#add");
    let result = app.wait_text_in("main", "#result", STEP_BOUND, |t| t.starts_with("added 1"));
    assert_eq!(result, "added 1: second note stars=null");
    assert_painted(&display, "page-api.png");
    let status = app.quit();
    assert!(status.success(), "wasmtron exited with {status}");
}

#[test]
fn a_hostile_page_gets_named_errors_and_reaches_nothing_else() {
    let dir = app_dir("hostile.js", "max-pending-invokes = 4");
    let display = Display::acquire();
    let (mut app, _window) = launch(&dir, &display);
    let summary = app.wait_text_in("main", "#hostile", START_BOUND, |t| !t.is_empty());
    let report: Value = serde_json::from_str(&summary).expect("the page's report is JSON");
    let expected = json!({
        "global": "kept",
        "count": "ok:0",
        "bytes": "ok:\"true:3:123\"",
        "everything": "ok:[\"bigint\",true,true,9,false]",
        "unexposed": "err:no-handler",
        "kebab": "err:no-handler",
        "shape": "err:bad-payload",
        "extraKey": "err:bad-payload",
        "function": "err:bad-payload",
        "symbol": "err:bad-payload",
        "rejected": "err:rejected:empty-title:WasmtronError",
        "flood": { "ok": 4, "limit-exceeded": 16 },
        "after": 0,
    });
    assert_eq!(report, expected);
    // The forged message the host could not read was dropped and logged.
    app.wait_log("page message dropped");
    // The renderer is alive and well: its page is still the app's.
    app.wait_text_in("main", "#status", STEP_BOUND, |t| t == "loaded");
    let status = app.quit();
    assert!(status.success(), "wasmtron exited with {status}");
}

#[test]
fn a_page_loads_the_content_main_makes() {
    let dir = app_dir("content.js", "");
    // Main makes the content; the window names it.
    let manifest = std::fs::read_to_string(dir.path().join("wasmtron.toml")).expect("a manifest");
    let manifest = manifest
        .replace(
            "[[window]]",
            "[main]\ncomponent = \"dist/content-main.wasm\"\n\n[[window]]",
        )
        .replace(
            "page-api = \"probe:page/api\"",
            "page-api = \"probe:page/api\"\ncontent = \"main\"",
        );
    dir.write("wasmtron.toml", manifest);
    dir.copy(guests::CONTENT_MAIN, "dist/content-main.wasm");
    let page = std::fs::read_to_string(dir.path().join("ui/index.html")).expect("a page");
    dir.write(
        "ui/index.html",
        page.replace(
            "<p id=\"hostile\"></p>",
            "<img id=\"dot\" src=\"@content/dot.svg\"><p id=\"dot-size\"></p>\
             <p id=\"fetched\"></p><p id=\"missing\"></p><p id=\"own-file\"></p>",
        ),
    );
    let display = Display::acquire();
    let (mut app, _window) = launch(&dir, &display);
    let size = app.wait_text_in("main", "#dot-size", STEP_BOUND, |t| !t.is_empty());
    assert_eq!(size, "40x30");
    let fetched = app.wait_text_in("main", "#fetched", STEP_BOUND, |t| !t.is_empty());
    assert_eq!(
        fetched,
        "200 text/plain; charset=utf-8 hello from main for main (from=page)"
    );
    let missing = app.wait_text_in("main", "#missing", STEP_BOUND, |t| !t.is_empty());
    assert_eq!(missing, "404");
    let own = app.wait_text_in("main", "#own-file", STEP_BOUND, |t| !t.is_empty());
    assert_eq!(own, "blocked", "the policy opens only @content/ to fetch");
    let status = app.quit();
    assert!(status.success(), "wasmtron exited with {status}");
}
