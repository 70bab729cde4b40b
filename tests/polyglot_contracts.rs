//! JavaScript and Python as *users* of an app interface: a JavaScript
//! renderer (componentize-js) and a Python utility (componentize-py) that
//! import `probe:contracts/echo` (tests/guests/contracts-wit), built by
//! `scripts/build-polyglot.sh`, calling the Rust providers of the typed-call
//! tests (tests/contracts.rs): main, and the utility `echo`. Both isolation
//! modes.

use wasmtron_tests::{Running, contracts_app, contracts_manifest, eventually, polyglot_guests};

/// The Python utility `caller`, bound to main.
const PY_CALLER: &str = "\n[[utility]]\nname = \"caller\"\ncomponent = \"dist/py-contract-caller.wasm\"\n\
                         [utility.imports]\n\"probe:contracts/echo\" = \"main\"\n";

/// The manifest of tests/contracts.rs with the JavaScript renderer in
/// window `a`, bound to `window_provider`; main bound to utility `echo`;
/// `extra` is appended.
fn manifest(window_provider: &str, extra: &str) -> String {
    contracts_manifest(
        "dist/js-contract-renderer.wasm",
        &["a"],
        window_provider,
        extra,
    )
}

fn start_with(manifest: &str) -> Running {
    let dir = contracts_app(manifest);
    for guest in ["js-contract-renderer", "py-contract-caller"] {
        let built = polyglot_guests().join(format!("{guest}.wasm"));
        dir.copy(
            built.to_str().expect("the target dir is UTF-8"),
            &format!("dist/{guest}.wasm"),
        );
    }
    // `start` waits for `#status` to read "loaded", which only the
    // JavaScript renderer's `on-load` writes.
    Running::start(dir).expect("the app starts")
}

fn start(window_provider: &str) -> Running {
    start_with(&manifest(window_provider, ""))
}

#[test]
fn a_javascript_renderer_calls_main_and_a_utility_with_every_kind_of_value() {
    for provider in ["main", "utility:echo"] {
        let app = start(provider);
        // A record of every kind, built in JavaScript, back deep-equal.
        assert_eq!(app.invoke("a", "echo", "a record"), "ok:same", "{provider}");
        assert_eq!(app.invoke("a", "echo", ""), "ok:same", "{provider}");
        let text = "héllo 🌍 — 漢字 \u{200d} end";
        assert_eq!(app.invoke("a", "echo", text), "ok:same", "{provider}");
        assert_eq!(
            app.invoke("a", "text", text),
            format!("ok:{text}"),
            "{provider}"
        );
        assert_eq!(app.invoke("a", "text", ""), "ok:", "{provider}");
        assert_eq!(app.invoke("a", "bytes", "0"), "ok:0", "{provider}");
        assert_eq!(app.invoke("a", "bytes", "100000"), "ok:100000");
        assert_eq!(app.invoke("a", "caller", ""), "ok:window:a", "{provider}");
        assert_eq!(app.invoke("a", "burst", "50"), "ok:50", "{provider}");
    }
}

#[test]
fn ports_move_with_a_javascript_call_and_with_its_results() {
    for provider in ["main", "utility:echo"] {
        let app = start(provider);
        // A port in the arguments: the provider keeps it and echoes on it.
        app.start_invoke("a", "port-keep", "ping");
        assert_eq!(app.result("a"), "echo:ping", "{provider}");
        // A port in the results: the provider keeps the other end.
        app.start_invoke("a", "port-new", "pong");
        assert_eq!(app.result("a"), "echo:pong", "{provider}");
    }
}

#[test]
fn a_failed_call_comes_back_to_javascript_as_the_carried_error() {
    let app = start("utility:echo");
    let trapped = app.invoke("a", "fail", "trap");
    assert!(trapped.starts_with("err:target-gone:"), "{trapped}");
    // The provider starts again for the next call.
    assert_eq!(app.invoke("a", "caller", ""), "ok:window:a");
    let huge = app.invoke("a", "fail", "huge");
    assert!(huge.starts_with("err:too-large:"), "{huge}");
    let over = app.invoke("a", "bytes", &(1024 * 1024 + 1).to_string());
    assert!(over.starts_with("err:too-large:"), "{over}");
    assert_eq!(app.invoke("a", "text", "still here"), "ok:still here");
}

#[test]
fn a_javascript_call_past_its_timeout_is_a_timeout() {
    let manifest = manifest("utility:echo", "")
        .replace("max-message-bytes = 1048576", "invoke-timeout-ms = 400");
    let app = start_with(&manifest);
    let late = app.invoke("a", "fail", "sleep");
    assert!(late.starts_with("err:timeout:"), "{late}");
    // The provider finishes its sleep, then answers again (asked with a
    // function that carries failures: until then, calls time out).
    eventually("the provider answering again", || {
        app.invoke("a", "bytes", "3") == "ok:3"
    });
    assert_eq!(app.invoke("a", "text", "after"), "ok:after");
}

#[test]
fn a_failure_javascript_cannot_carry_traps_the_renderer_naming_the_call() {
    let app = start("utility:echo");
    app.start_invoke("a", "fail-bare", "trap");
    let reason = app.wait_until("a", "#wasmtron-crash-reason", |t| t.starts_with("crashed:"));
    assert!(
        reason.contains("probe:contracts/echo.fail-bare") && reason.contains("target-gone"),
        "{reason}"
    );
}

#[test]
fn a_python_utility_calls_main_and_main_sees_who_called() {
    let app = start_with(&manifest("main", PY_CALLER));
    assert_eq!(app.invoke("a", "relay", "via-utility:caller"), "ok:posted");
    assert_eq!(
        app.invoke("a", "relay", "via-utility:text:héllo"),
        "ok:posted"
    );
    eventually("main hearing both answers", || {
        app.invoke("a", "relay", "heard") == "ok:utility:caller,héllo"
    });
    // Main still answers the window's own calls.
    assert_eq!(app.invoke("a", "caller", ""), "ok:window:a");
}

#[test]
fn a_python_call_back_into_a_waiting_main_is_refused_and_traps_the_utility() {
    let app = start_with(&manifest("main", PY_CALLER));
    // Main invokes the utility and waits; the utility's typed call to main is
    // refused at once, and `caller`, which cannot carry it, traps.
    assert_eq!(
        app.invoke("a", "relay", "invoke-utility:caller"),
        "ok:err:target-gone"
    );
    let mut gone = String::new();
    eventually("the utility's end told to main", || {
        gone = app.invoke("a", "relay", "gone");
        gone.contains("utility|caller|crashed:")
    });
    assert!(gone.contains("would deadlock"), "{gone}");
    assert_eq!(app.invoke("a", "caller", ""), "ok:window:a");
}
