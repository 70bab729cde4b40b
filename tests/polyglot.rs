//! Utility components written in JavaScript, Python and C, built from source
//! with their languages' own toolchains (`scripts/build-polyglot.sh`), run
//! through the real host like the Rust test utility: main forks each, posts
//! to it, invokes it and hands it a port to a window. Both isolation modes.
//!
//! Each guest tags what it sends with its language ("js:", "py:", "c:"), so
//! a reply can only have come from that guest.

use wasmtron_tests::{ALL_CHANNELS, AppDir, Running, manifest_with_windows, polyglot_guests};

/// An app with one window `a` and the utility `name` built from `guest`.
fn start(guest: &str, name: &str) -> Running {
    let component = polyglot_guests().join(format!("{guest}.wasm"));
    let manifest = format!(
        "{}\n[[utility]]\nname = \"{name}\"\ncomponent = \"dist/{guest}.wasm\"\n",
        manifest_with_windows(&[("a", ALL_CHANNELS)])
    );
    let dir = AppDir::new(&manifest);
    dir.copy(
        component.to_str().expect("the target dir is UTF-8"),
        &format!("dist/{guest}.wasm"),
    );
    Running::start(dir).expect("the app starts")
}

fn wait_message(app: &Running, entry: &str) -> String {
    app.wait_invoke("a", "messages", entry)
}

fn wait_port_log(app: &Running, entry: &str) -> String {
    app.wait_until("a", "#port-log", |log| log.split(',').any(|e| e == entry))
}

/// Runs the utility `name` (tagging its replies with `tag`) through every
/// path a utility has: its parent port, handlers and a message port. Returns
/// its reply to `lang`, for the caller to check.
fn exercise(guest: &str, name: &str, tag: &str) -> String {
    let app = start(guest, name);
    assert_eq!(app.invoke("a", "fork", name), format!("ok:{name}"));
    wait_message(&app, &format!("spawn|{name}|0"));

    // on-message: the reply comes back through the parent port.
    assert_eq!(
        app.invoke("a", "utility-post", &format!("{name}|hello")),
        "ok:posted"
    );
    wait_message(&app, &format!("utility|{name}|{tag}:hello"));

    // handle: echo returns the payload unchanged; errors are structured.
    assert_eq!(
        app.invoke("a", "utility-invoke", &format!("{name}|echo|back")),
        "ok:ok:back"
    );
    let missing = app.invoke("a", "utility-invoke", &format!("{name}|nope|"));
    assert!(
        missing.starts_with("ok:err:handler-failed:") && missing.contains("no handler for `nope`"),
        "{missing}"
    );
    let lang = app.invoke("a", "utility-invoke", &format!("{name}|lang|"));

    // A port from main: the utility starts it, says so to its parent, greets
    // the window on it and answers what the window posts.
    assert_eq!(
        app.invoke("a", "connect-utility", &format!("{name}|a")),
        "ok:connected"
    );
    wait_message(&app, &format!("utility|{name}|{tag}:port-received"));
    wait_port_log(&app, "got-port");
    app.click("a", "#port-start");
    wait_port_log(&app, &format!("msg:{tag}:port-ready"));
    assert_eq!(app.probe("a", "", "over", "#port-post"), "port-ok");
    let log = wait_port_log(&app, &format!("msg:{tag}:over"));
    assert_eq!(
        log,
        format!("got-port,started,msg:{tag}:port-ready,msg:{tag}:over")
    );

    // Nothing above crashed it.
    let gone = app.invoke("a", "gone", "");
    assert!(!gone.contains(name), "{gone}");
    lang
}

#[test]
fn a_javascript_utility_answers_through_every_path() {
    let lang = exercise("js-utility", "js", "js");
    // `typeof TextEncoder` and a sort, evaluated by SpiderMonkey.
    assert_eq!(lang, "ok:ok:js:function 123");
}

#[test]
fn a_python_utility_answers_through_every_path() {
    let lang = exercise("py-utility", "py", "py");
    assert!(lang.starts_with("ok:ok:py:cpython 3."), "{lang}");
    assert!(lang.ends_with(" on wasi"), "{lang}");
}

#[test]
fn a_c_utility_answers_through_every_path() {
    let lang = exercise("c-utility", "c", "c");
    // clang's `__VERSION__`, compiled in.
    assert!(lang.starts_with("ok:ok:c:"), "{lang}");
    assert!(lang.contains("Clang"), "{lang}");
}

/// Runs the renderer built from `guest` (tagging what it writes with `tag`)
/// in window `a`, with the Rust test renderer in `b` to invoke main while `a`
/// answers main's invoke.
fn drive_renderer(guest: &str, tag: &str) {
    let manifest = manifest_with_windows(&[("a", ALL_CHANNELS), ("b", ALL_CHANNELS)]).replacen(
        "dist/renderer.wasm",
        &format!("dist/{guest}.wasm"),
        1,
    );
    let dir = AppDir::new(&manifest);
    let component = polyglot_guests().join(format!("{guest}.wasm"));
    dir.copy(
        component.to_str().expect("the target dir is UTF-8"),
        &format!("dist/{guest}.wasm"),
    );
    // `start` waits for each page's `#status` to read "loaded", which only
    // the guest's `on-load` writes in `a`.
    let app = Running::start(dir).expect("the app starts");

    // DOM events in, an invoke of main, the reply into the page.
    assert_eq!(app.invoke("a", "echo", "hi"), format!("{tag}:ok:hi"));
    let refused = app.invoke("a", "nobody", "");
    assert!(
        refused.starts_with(&format!("{tag}:err:no-handler:")),
        "{refused}"
    );
    // A push from main.
    assert_eq!(
        app.invoke("a", "push-back", "yo"),
        format!("{tag}:ok:pushed")
    );
    app.wait_text("a", "#pushes", &format!("{tag}:pushed:yo"));
    // Main invokes the guest's handlers.
    assert_eq!(
        app.invoke("b", "window-invoke", "a|echo|x"),
        format!("ok:ok:{tag}:x")
    );
    let missing = app.invoke("b", "window-invoke", "a|nope|");
    assert!(
        missing.starts_with("ok:err:handler-failed:")
            && missing.contains(&format!("{guest} has no handler for `nope`")),
        "{missing}"
    );
}

#[test]
fn a_javascript_renderer_drives_its_page_and_answers_main() {
    drive_renderer("js-renderer", "js");
}

#[test]
fn a_python_renderer_drives_its_page_and_answers_main() {
    drive_renderer("py-renderer", "py");
}
