//! The three IPC shapes end to end: a renderer component invokes and sends,
//! the main component handles, main pushes back; every error code a caller
//! can meet. Components are real, built from source; windows are headless.

use wasmtron::AppExit;
use wasmtron_tests::{ALL_CHANNELS, AppDir, Running, eventually, isolation, manifest_with_windows};

fn start(windows: &[(&str, &[&str])]) -> Running {
    Running::start(AppDir::new(&manifest_with_windows(windows))).expect("the app starts")
}

fn start_one() -> Running {
    start(&[("main", ALL_CHANNELS)])
}

#[test]
fn invoke_returns_the_handlers_reply() {
    let app = start_one();
    assert_eq!(app.invoke("main", "echo", "hello"), "ok:hello");
    assert_eq!(app.invoke("main", "app-name", ""), "ok:probe");
}

#[test]
fn invoke_without_a_handler_is_no_handler() {
    let app = start_one();
    let result = app.invoke("main", "nobody", "x");
    assert!(result.starts_with("err:no-handler:-:"), "{result}");
    assert!(
        result.contains("nobody"),
        "the error names the channel: {result}"
    );
}

#[test]
fn a_failing_handler_keeps_its_code_message_and_data() {
    let app = start_one();
    assert_eq!(
        app.invoke("main", "fail", ""),
        "err:handler-failed:quota:over quota:limit=3 used=4"
    );
}

#[test]
fn a_handler_that_cannot_decode_its_payload_says_bad_payload() {
    let app = start_one();
    // `open` expects a string; a number does not decode.
    let result = app.invoke("main", "open", "42");
    assert!(
        result.starts_with("err:handler-failed:bad-payload:"),
        "{result}"
    );
}

#[test]
fn a_channel_the_window_may_not_use_is_denied() {
    let app = start(&[("main", &["echo"])]);
    let result = app.invoke("main", "fail", "");
    assert!(result.starts_with("err:denied:-:"), "{result}");
    let sent = app.probe("main", "seq", "3", "#send-burst");
    assert!(sent.starts_with("err:denied:"), "{sent}");
    // Allowed traffic still flows.
    assert_eq!(app.invoke("main", "echo", "still here"), "ok:still here");
}

#[test]
fn handlers_registered_later_and_removed_are_honoured() {
    let app = start_one();
    assert!(app.invoke("main", "late", "").starts_with("err:no-handler"));
    assert_eq!(app.invoke("main", "register", "late"), "ok:registered");
    assert_eq!(app.invoke("main", "late", ""), "ok:dynamic:late");
    assert_eq!(app.invoke("main", "unregister", "late"), "ok:unregistered");
    assert!(app.invoke("main", "late", "").starts_with("err:no-handler"));
}

#[test]
fn sends_arrive_in_order() {
    let app = start_one();
    assert_eq!(app.probe("main", "seq", "300", "#send-burst"), "sent:300");
    let messages = app.invoke("main", "messages", "");
    let expected: Vec<String> = (0..300).map(|i| format!("window:main|seq|{i}")).collect();
    assert_eq!(messages, format!("ok:[{}]", expected.join(",")));
}

#[test]
fn the_host_stamps_each_senders_identity() {
    let app = start(&[("left", ALL_CHANNELS), ("right", ALL_CHANNELS)]);
    assert_eq!(app.invoke("left", "whoami", ""), "ok:window:left");
    assert_eq!(app.invoke("right", "whoami", ""), "ok:window:right");
}

#[test]
fn main_pushes_to_a_window() {
    let app = start_one();
    assert_eq!(app.invoke("main", "push-back", "hi there"), "ok:pushed");
    app.wait_text("main", "#pushes", "pushed=hi there");
}

#[test]
fn the_host_pushes_to_a_window_and_refuses_closed_ones() {
    let app = start_one();
    let payload = rmp_serde::to_vec("from the host").expect("encodes");
    app.app
        .push("main", "note", payload.clone())
        .expect("the window is open");
    app.wait_text("main", "#pushes", "note=from the host");
    let err = app
        .app
        .push("nowhere", "note", payload)
        .expect_err("no such window");
    assert_eq!(err.code, wasmtron::ErrorCode::TargetGone);
}

#[test]
fn oversized_messages_are_refused_and_traffic_goes_on() {
    let dir = AppDir::new(&format!(
        "{}\n[limits]\nmax-message-bytes = 1024\n",
        manifest_with_windows(&[("main", ALL_CHANNELS)])
    ));
    let app = Running::start(dir).expect("the app starts");
    let result = app.probe("main", "", "4096", "#big");
    assert!(result.starts_with("err:too-large:"), "{result}");
    assert_eq!(app.probe("main", "", "100", "#big"), "ok:bytes:100");
    let err = app
        .app
        .push("main", "note", vec![0; 2048])
        .expect_err("too large");
    assert_eq!(err.code, wasmtron::ErrorCode::TooLarge);
}

#[test]
fn large_payloads_cross_intact_in_both_directions() {
    // Sizes on both sides of the shared-memory threshold (128 KiB), each
    // twice (the second reuses the region), then one larger than the
    // region the first ones made.
    let app = start_one();
    for size in [100, 200_000, 200_000, 1 << 20, 1 << 20, (3 << 20) + 5, 64] {
        let result = app.probe("main", "", &size.to_string(), "#big");
        assert_eq!(result, format!("ok:bytes:{size}"));
    }
    if isolation() == wasmtron::Isolation::Process {
        // They went through shared memory, not the socket: this process (the
        // host) maps the region it made for the worker and the one the
        // worker made for it.
        let maps = std::fs::read_to_string("/proc/self/maps").expect("maps");
        let regions = maps.lines().filter(|l| l.contains("wasmtron-lane")).count();
        assert!(regions >= 2, "{regions} shared regions mapped");
    }
}

#[test]
fn an_invoke_that_outlives_its_timeout_fails_with_timeout() {
    let dir = AppDir::new(&format!(
        "{}\n[limits]\ninvoke-timeout-ms = 200\n",
        manifest_with_windows(&[("main", ALL_CHANNELS)])
    ));
    let app = Running::start(dir).expect("the app starts");
    let result = app.invoke("main", "spin", "1500");
    assert!(result.starts_with("err:timeout:"), "{result}");
    // Main is healthy again once its slow handler is done (until then,
    // invokes queued behind it time out too).
    eventually("main's recovery", || {
        app.invoke("main", "echo", "later") == "ok:later"
    });
}

#[test]
fn a_slow_handler_blocks_neither_other_windows_nor_the_pages() {
    let app = start(&[("left", ALL_CHANNELS), ("right", ALL_CHANNELS)]);
    app.input("left", "#channel", "spin");
    app.input("left", "#arg", "4000");
    app.click("left", "#invoke");
    // While main is busy with left's invoke, right's renderer still runs
    // and its DOM updates still land.
    app.click("right", "#dom");
    app.wait_text("right", "#result", "dom-ok");
    assert_eq!(
        app.windows.text("left", "#result").unwrap_or_default(),
        "",
        "left's invoke is still waiting for main"
    );
    app.wait_text("left", "#result", "ok:spun");
}

#[test]
fn a_busy_renderer_does_not_hold_up_another_window() {
    let app = start(&[("left", ALL_CHANNELS), ("right", ALL_CHANNELS)]);
    app.input("right", "#arg", "8000");
    app.click("right", "#spin");
    assert_eq!(app.invoke("left", "echo", "free"), "ok:free");
    assert_eq!(
        app.windows.text("right", "#result").unwrap_or_default(),
        "",
        "right's renderer is still busy"
    );
    app.wait_text("right", "#result", "spun");
}

#[test]
fn timers_fire_into_main() {
    let app = start_one();
    assert_eq!(app.invoke("main", "timeout", ""), "ok:set");
    eventually("the timer firing", || {
        app.invoke("main", "timer-count", "") == "ok:1"
    });
}

#[test]
fn main_can_quit_the_app_with_a_code() {
    let mut app = start_one();
    // Quitting closes the window, so the reply is never shown; the exit is
    // what counts.
    app.input("main", "#channel", "quit");
    app.click("main", "#invoke");
    assert_eq!(app.app.wait(), AppExit::Quit(3));
}

#[test]
fn main_is_held_to_max_memory_bytes_like_every_component() {
    // Before, main could grow to wasm32's 4 GiB whatever `[limits]` said.
    let manifest = format!(
        "{}\n[limits]\nmax-memory-bytes = 33554432\n",
        manifest_with_windows(&[("main", ALL_CHANNELS)])
    );
    let mut app = Running::start(AppDir::new(&manifest)).expect("the app starts");
    app.input("main", "#channel", "grow");
    app.click("main", "#invoke");
    match app.app.wait() {
        AppExit::MainCrashed(message) => assert!(
            message.starts_with("oom: linear memory would grow to")
                && message.contains("over the 33554432-byte limit"),
            "{message}"
        ),
        other => panic!("expected MainCrashed, got {other:?}"),
    }
}

#[test]
fn main_over_its_cpu_ms_per_call_is_stopped_and_ends_the_app() {
    // A generous wall-clock bound on the invoke, so only the CPU budget can
    // stop a handler that spins for a minute.
    let manifest = format!(
        "{}\n[limits]\ncpu-ms-per-call = 200\ninvoke-timeout-ms = 600000\n",
        manifest_with_windows(&[("main", ALL_CHANNELS)])
    );
    let mut app = Running::start(AppDir::new(&manifest)).expect("the app starts");
    // Calls within the budget are fine.
    assert_eq!(app.invoke("main", "spin", "10"), "ok:spun");
    app.input("main", "#channel", "spin");
    app.input("main", "#arg", "60000");
    app.click("main", "#invoke");
    // Well before the spin would end by itself.
    eventually("the app ending", || app.app.exit().is_some());
    match app.app.wait() {
        AppExit::MainCrashed(message) => {
            let used = message
                .strip_prefix("timeout: a call used ")
                .and_then(|rest| rest.strip_suffix(" ms of CPU time; its limit is 200 ms"))
                .and_then(|used| used.parse::<u64>().ok());
            assert!(used.is_some_and(|used| used >= 200), "{message}");
        }
        other => panic!("expected MainCrashed, got {other:?}"),
    }
}

#[test]
fn a_crashing_main_fails_the_invoke_and_ends_the_app() {
    let mut app = start_one();
    // Like a crashed Electron main process, a trapped main ends the app (its
    // windows close, so the renderer's reply is never shown).
    app.input("main", "#channel", "crash");
    app.click("main", "#invoke");
    match app.app.wait() {
        AppExit::MainCrashed(message) => {
            assert!(message.contains("wasm"), "the trap is described: {message}");
        }
        other => panic!("expected MainCrashed, got {other:?}"),
    }
    // Anyone still calling main hears `target-gone` at once.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let err = runtime
        .block_on(app.app.router().invoke(
            wasmtron::Sender::Window("main".into()),
            "echo",
            Vec::new(),
        ))
        .expect_err("main is gone");
    assert_eq!(err.code, wasmtron::ErrorCode::TargetGone);
}

#[test]
fn native_handlers_answer_beside_the_main_component() {
    use std::sync::Arc;
    let dir = AppDir::new(&manifest_with_windows(&[("main", &["native", "echo"])]));
    let windows = Arc::new(wasmtron::window::HeadlessBackend::new());
    let handler: wasmtron::NativeHandler = Arc::new(|sender, payload| {
        Box::pin(async move {
            let arg: String = rmp_serde::from_slice(&payload).unwrap_or_default();
            Ok(rmp_serde::to_vec(&format!("native saw {arg} from {sender}")).unwrap_or_default())
        })
    });
    let app = wasmtron_tests::builder(dir.manifest(), windows.clone())
        .native_handler("native", handler)
        .start()
        .expect("the app starts");
    let running = Running::from_parts(app, windows, dir);
    running.wait_text("main", "#status", "loaded");
    assert_eq!(
        running.invoke("main", "native", "x"),
        "ok:native saw x from window `main`"
    );
    assert_eq!(running.invoke("main", "echo", "y"), "ok:y");
}
