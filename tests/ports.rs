//! Message ports: channels made by main, by a renderer and by a utility;
//! messages queued until the receiver starts its port; `close` and a
//! holder's death reaching the other end; transfers that cannot happen.
//! Every test runs in both isolation modes.

use wasmtron_tests::{ALL_CHANNELS, AppDir, Running, manifest_with_windows};

fn start() -> Running {
    let manifest = format!(
        "{}\n[[utility]]\nname = \"calc\"\ncomponent = \"dist/utility.wasm\"\n",
        manifest_with_windows(&[("a", ALL_CHANNELS), ("b", ALL_CHANNELS)])
    );
    Running::start(AppDir::new(&manifest)).expect("the app starts")
}

fn port_log(app: &Running, window: &str) -> String {
    app.windows.text(window, "#port-log").unwrap_or_default()
}

fn wait_log(app: &Running, window: &str, entry: &str) -> String {
    app.wait_until(window, "#port-log", |log| {
        log.split(',').any(|e| e == entry)
    })
}

/// Clicks a port button in `window` (with `#arg` set) and returns `#result`.
fn port_button(app: &Running, window: &str, button: &str, arg: &str) -> String {
    app.probe(window, "", arg, button)
}

/// Main makes a channel and gives its ends to windows `a` and `b`, which
/// hold them unstarted.
fn connect_a_and_b(app: &Running) {
    assert_eq!(app.invoke("a", "connect", "a|b"), "ok:connected");
    wait_log(app, "a", "got-port");
    wait_log(app, "b", "got-port");
}

fn wait_message(app: &Running, entry: &str) -> String {
    app.wait_invoke("a", "messages", entry)
}

#[test]
fn a_port_between_two_windows_queues_until_started_and_closes_both_ways() {
    let app = start();
    connect_a_and_b(&app);

    // Posted before b started its end: it waits, then arrives in order.
    assert_eq!(port_button(&app, "a", "#port-post", "one"), "port-ok");
    assert_eq!(port_button(&app, "a", "#port-post", "two"), "port-ok");
    app.click("b", "#port-start");
    let log = wait_log(&app, "b", "msg:two");
    assert_eq!(log, "got-port,started,msg:one,msg:two");

    app.click("a", "#port-start");
    assert_eq!(port_button(&app, "b", "#port-post", "back"), "port-ok");
    wait_log(&app, "a", "msg:back");

    // Closing one end reaches the other; posting there is then refused.
    app.click("a", "#port-close");
    wait_log(&app, "b", "peer-closed");
    assert_eq!(
        port_button(&app, "b", "#port-post", "late"),
        "port-err:closed"
    );
    assert!(!port_log(&app, "a").contains("msg:late"));
}

#[test]
fn main_and_a_utility_share_a_channel_and_the_utility_sends_a_port_back() {
    let app = start();
    assert_eq!(app.invoke("a", "fork", "calc"), "ok:calc");
    assert_eq!(app.invoke("a", "connect-utility", "calc|a"), "ok:connected");
    wait_message(&app, "utility|calc|echo:port-received");
    wait_log(&app, "a", "got-port");
    app.click("a", "#port-start");
    assert_eq!(port_button(&app, "a", "#port-post", "hello"), "port-ok");
    wait_log(&app, "a", "msg:echo:hello");

    // Unlike Electron, a utility can hand a port to its parent.
    assert_eq!(
        app.invoke("a", "utility-invoke", "calc|make-port|"),
        "ok:ok:made"
    );
    wait_message(&app, "utility-port:calc");
    assert_eq!(app.invoke("a", "main-port-post", "ping"), "ok:posted:1");
    wait_message(&app, "port-msg:echo:ping");
}

#[test]
fn a_renderer_makes_a_channel_and_gives_main_one_end() {
    let app = start();
    assert_eq!(port_button(&app, "a", "#port-pair", "mine"), "paired");
    wait_message(&app, "port-from:window:a");
    assert_eq!(
        app.invoke("b", "main-port-post", "from-main"),
        "ok:posted:1"
    );
    wait_log(&app, "a", "msg:from-main");
    assert_eq!(port_button(&app, "a", "#port-post", "yo"), "port-ok");
    wait_message(&app, "port-msg:yo");
    wait_log(&app, "a", "msg:echo:yo");
}

#[test]
fn messages_waiting_on_an_unstarted_port_move_with_it() {
    let app = start();
    connect_a_and_b(&app);
    app.click("b", "#port-start");
    // These wait at `a`, whose end is not started...
    assert_eq!(port_button(&app, "b", "#port-post", "early"), "port-ok");
    assert_eq!(port_button(&app, "b", "#port-post", "later"), "port-ok");
    // ...and follow the port when `a` hands it to main, which starts it.
    assert_eq!(port_button(&app, "a", "#port-forward", "x"), "forwarded");
    wait_message(&app, "port-msg:later");
    let messages = app.invoke("a", "messages", "");
    let early = messages.find("port-msg:early").expect("early arrived");
    let later = messages.find("port-msg:later").expect("later arrived");
    assert!(early < later, "in order: {messages}");
    wait_log(&app, "b", "msg:echo:later");
    assert!(!port_log(&app, "a").contains("msg:"), "a delivered nothing");
}

#[test]
fn a_worker_cannot_touch_ports_it_was_never_given() {
    if wasmtron_tests::isolation() != wasmtron::Isolation::Process {
        return;
    }
    let manifest = format!(
        "{}\n[[window]]\nlabel = \"hostile-ports\"\nrenderer = \"dist/renderer.wasm\"\nopen = false\n",
        manifest_with_windows(&[("a", ALL_CHANNELS), ("b", ALL_CHANNELS)])
    );
    let app = Running::start(AppDir::new(&manifest)).expect("the app starts");
    connect_a_and_b(&app);
    app.click("a", "#port-start");
    app.click("b", "#port-start");
    // A worker whose native code sends well-formed frames closing, posting
    // on, moving and requeueing every low port id (see test_worker.rs).
    assert_eq!(app.invoke("a", "open", "hostile-ports"), "ok:Ok(())");
    app.wait_text("hostile-ports", "#status", "loaded");
    // The channel between a and b is untouched.
    assert_eq!(port_button(&app, "a", "#port-post", "after"), "port-ok");
    wait_log(&app, "b", "msg:after");
    assert_eq!(port_button(&app, "b", "#port-post", "back"), "port-ok");
    wait_log(&app, "a", "msg:back");
    for window in ["a", "b"] {
        let log = port_log(&app, window);
        assert!(
            !log.contains("peer-closed") && !log.contains("forged"),
            "{window}: {log}"
        );
    }
}

#[test]
fn a_port_cannot_travel_over_its_own_channel() {
    let app = start();
    assert_eq!(app.invoke("a", "self-transfer", ""), "ok:err:bad-transfer");
    // Nothing else is disturbed.
    assert_eq!(app.invoke("a", "echo", "fine"), "ok:fine");
}

#[test]
fn a_dead_holder_closes_its_ports_for_the_other_end() {
    let app = start();
    assert_eq!(app.invoke("a", "fork", "calc"), "ok:calc");
    assert_eq!(app.invoke("a", "connect-utility", "calc|a"), "ok:connected");
    wait_log(&app, "a", "got-port");
    app.click("a", "#port-start");
    assert_eq!(app.invoke("a", "utility-kill", "calc"), "ok:true");
    wait_log(&app, "a", "peer-closed");
    assert_eq!(
        port_button(&app, "a", "#port-post", "anyone"),
        "port-err:closed"
    );
}

#[test]
fn two_worker_processes_talk_over_their_own_socket() {
    let app = start();
    connect_a_and_b(&app);
    app.click("a", "#port-start");
    app.click("b", "#port-start");
    let before = app.app.port_bytes_relayed();
    for round in 0..20 {
        let there = format!("there-{round}");
        assert_eq!(port_button(&app, "a", "#port-post", &there), "port-ok");
        let back = format!("back-{round}");
        assert_eq!(port_button(&app, "b", "#port-post", &back), "port-ok");
    }
    let log_b = wait_log(&app, "b", "msg:there-19");
    let log_a = wait_log(&app, "a", "msg:back-19");
    // All of them, in the order posted.
    let expected = |prefix: &str| -> String {
        (0..20)
            .map(|i| format!("msg:{prefix}-{i}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    assert!(log_b.ends_with(&expected("there")), "{log_b}");
    assert!(log_a.ends_with(&expected("back")), "{log_a}");
    // In either isolation mode: in-process workers are linked too.
    let relayed = app.app.port_bytes_relayed() - before;
    assert_eq!(relayed, 0, "the host relayed port payload bytes");
}

#[test]
fn a_linked_peer_killed_with_sigkill_closes_the_other_end() {
    let app = start();
    assert_eq!(app.invoke("a", "fork", "calc"), "ok:calc");
    assert_eq!(app.invoke("a", "connect-utility", "calc|a"), "ok:connected");
    wait_log(&app, "a", "got-port");
    app.click("a", "#port-start");
    // The pair works (the utility echoes) before its holder dies.
    assert_eq!(port_button(&app, "a", "#port-post", "ping"), "port-ok");
    wait_log(&app, "a", "msg:echo:ping");
    if wasmtron_tests::isolation() == wasmtron::Isolation::Process {
        let pid = app.invoke("a", "utility-pid", "calc");
        let pid: u32 = pid
            .strip_prefix("ok:")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("a pid: {pid}"));
        wasmtron_tests::kill_9(pid);
    } else {
        assert_eq!(app.invoke("a", "utility-kill", "calc"), "ok:true");
    }
    wait_log(&app, "a", "peer-closed");
    assert_eq!(
        port_button(&app, "a", "#port-post", "anyone"),
        "port-err:closed"
    );
    // The host and the window go on.
    assert_eq!(app.invoke("a", "echo", "still"), "ok:still");
}

#[test]
fn a_linked_end_moves_through_main_to_a_third_window_and_order_holds() {
    let manifest = manifest_with_windows(&[
        ("a", ALL_CHANNELS),
        ("b", ALL_CHANNELS),
        ("c", ALL_CHANNELS),
    ]);
    let app = Running::start(AppDir::new(&manifest)).expect("the app starts");
    connect_a_and_b(&app);
    app.click("a", "#port-start");
    app.click("b", "#port-start");
    assert_eq!(port_button(&app, "b", "#port-post", "x1"), "port-ok");
    wait_log(&app, "a", "msg:x1");
    // b keeps posting while a gives its end to main, which holds it (the
    // host reads that end for main) and passes it on to c.
    for i in 0..5 {
        let text = format!("m{i}");
        assert_eq!(port_button(&app, "b", "#port-post", &text), "port-ok");
    }
    assert_eq!(port_button(&app, "a", "#port-forward", "x"), "forwarded");
    for i in 5..10 {
        let text = format!("m{i}");
        assert_eq!(port_button(&app, "b", "#port-post", &text), "port-ok");
    }
    wait_message(&app, "port-from:window:a");
    assert_eq!(app.invoke("a", "port-pass", "c"), "ok:passed");
    wait_log(&app, "c", "got-port");
    app.click("c", "#port-start");
    for i in 10..15 {
        let text = format!("m{i}");
        assert_eq!(port_button(&app, "b", "#port-post", &text), "port-ok");
    }
    wait_log(&app, "c", "msg:m14");
    // Every message reached exactly one holder, and together they are in
    // the order b posted them: a's share, then main's, then c's.
    let mut seen = Vec::new();
    for entry in port_log(&app, "a").split(',') {
        if let Some(text) = entry.strip_prefix("msg:") {
            seen.push(text.to_owned());
        }
    }
    let main_log = app.invoke("a", "messages", "");
    for entry in main_log
        .trim_start_matches("ok:[")
        .trim_end_matches(']')
        .split(',')
    {
        if let Some(text) = entry.strip_prefix("port-msg:") {
            seen.push(text.to_owned());
        }
    }
    for entry in port_log(&app, "c").split(',') {
        if let Some(text) = entry.strip_prefix("msg:") {
            seen.push(text.to_owned());
        }
    }
    let expected: Vec<String> = std::iter::once("x1".to_owned())
        .chain((0..15).map(|i| format!("m{i}")))
        .collect();
    assert_eq!(
        seen,
        expected,
        "a: {}, main: {main_log}, c: {}",
        port_log(&app, "a"),
        port_log(&app, "c")
    );
    // And back the other way, from the new holder.
    assert_eq!(port_button(&app, "c", "#port-post", "from-c"), "port-ok");
    wait_log(&app, "b", "msg:from-c");
}

#[test]
fn a_message_that_moves_a_port_keeps_its_place_among_direct_ones() {
    let app = start();
    connect_a_and_b(&app);
    app.click("b", "#port-start");
    // Between two worker processes, `m1` and `m3` go over the pair's own
    // socket; `m2` moves a port, so it goes through the host.
    assert_eq!(port_button(&app, "a", "#port-post", "m1"), "port-ok");
    assert_eq!(port_button(&app, "a", "#port-post-port", "m2"), "port-ok");
    assert_eq!(port_button(&app, "a", "#port-post", "m3"), "port-ok");
    let log = wait_log(&app, "b", "msg:m3");
    let messages: Vec<&str> = log
        .split(',')
        .filter(|e| e.starts_with("msg:") || e.starts_with("+ports"))
        .collect();
    assert_eq!(
        messages,
        ["msg:m1", "msg:m2", "+ports:1", "msg:m3"],
        "{log}"
    );
}
