//! The hostile-guest suite: guests that reach for what they were not
//! granted, spin, allocate or recurse without bound, panic, flood, send too
//! much, use channels they may not, and ignore termination. Each case has
//! one named outcome, the same in both isolation modes; after each, the
//! host and a healthy window keep working and none of the healthy traffic
//! is lost.

use wasmtron_tests::{AppDir, HeadlessExt as _, Running, eventually, manifest_with_windows};

/// Window `a` is the healthy one; `r` may use only `echo`; `q` may keep at
/// most 20 messages waiting for main. Utility `hostile` has tight limits;
/// `stubborn` has a day of CPU time per call.
fn start() -> Running {
    let mut channels: Vec<&str> = wasmtron_tests::ALL_CHANNELS.to_vec();
    channels.push("tick");
    let manifest = format!(
        r#"{}
[[window]]
label = "r"
renderer = "dist/renderer.wasm"
channels = ["echo"]

[[window]]
label = "q"
renderer = "dist/renderer.wasm"
channels = ["tick"]
limits = {{ max-queued-messages = 20 }}

[[utility]]
name = "hostile"
component = "dist/utility.wasm"
limits = {{ cpu-ms-per-call = 300, max-memory-bytes = 67108864, max-messages-per-second = 1000, max-message-bytes = 4096 }}

[[utility]]
name = "timer"
component = "dist/utility.wasm"
precise-clocks = true

[[utility]]
name = "stubborn"
component = "dist/utility.wasm"
limits = {{ cpu-ms-per-call = 86400000 }}

[[utility]]
name = "backlogged"
component = "dist/utility.wasm"
limits = {{ max-queued-messages = 50, invoke-timeout-ms = 300 }}
"#,
        manifest_with_windows(&[("a", &channels)])
    );
    let app = Running::start(AppDir::new(&manifest)).expect("the app starts");
    assert_eq!(app.invoke("a", "fork", "hostile"), "ok:hostile");
    app
}

/// Asks the hostile utility to do `act`, through main.
fn act(app: &Running, act: &str, arg: &str) -> String {
    app.invoke("a", "utility-invoke", &format!("hostile|{act}|{arg}"))
}

/// Waits until main has heard that `name` ended, and returns what it
/// heard from there on.
fn gone(app: &Running, kind: &str, name: &str) -> String {
    let line = format!("{kind}|{name}|");
    let heard = app.wait_invoke("a", "gone", &line);
    heard[heard.find(&line).unwrap_or_default()..].to_owned()
}

/// How many of a flood of 5,000 at 1,000 a second were accepted: about a
/// second's worth, the rest refused with `limit-exceeded` and none failing
/// otherwise.
fn flood_accepted(reply: &str) -> usize {
    let counts = reply.strip_prefix("ok:ok:").expect("the flood's counts");
    let ok: usize = counts
        .split(' ')
        .find_map(|c| c.strip_prefix("ok="))
        .and_then(|n| n.parse().ok())
        .expect("ok=N");
    assert!(counts.ends_with("other=0"), "{counts}");
    assert!((1000..5000).contains(&ok), "{counts}");
    assert!(!counts.contains("limited=0 "), "{counts}");
    ok
}

/// The host and window `a` still work, and a burst of 200 messages from `a`
/// reaches main whole and in order.
fn assert_healthy(app: &Running, round: &str) {
    assert_eq!(app.invoke("a", "echo", round), format!("ok:{round}"));
    let sent = app.probe("a", "tick", "200", "#send-burst");
    assert_eq!(sent, "sent:200");
    let messages = app.wait_invoke("a", "messages", "window:a|tick|199");
    let ticks: Vec<&str> = messages
        .split(['[', ',', ']'])
        .filter(|m| m.starts_with("window:a|tick|"))
        .collect();
    let expected: Vec<String> = (0..200).map(|i| format!("window:a|tick|{i}")).collect();
    // Earlier rounds sent the same burst: the last 200 are this one.
    assert!(ticks.len() >= 200, "{} ticks arrived", ticks.len());
    assert_eq!(ticks[ticks.len() - 200..], expected[..], "round {round}");
}

#[test]
fn what_was_not_granted_is_not_there_and_the_clock_is_coarse() {
    let app = start();
    let reached = act(&app, "reach", "");
    assert!(reached.starts_with("ok:ok:file=denied("), "{reached}");
    assert!(reached.contains(" env=0 "), "{reached}");
    assert!(reached.contains(" net=denied("), "{reached}");
    assert!(
        reached.contains(" wall-sub-ms=0 mono-sub-ms=0"),
        "clocks read in whole milliseconds: {reached}"
    );
    assert_healthy(&app, "reach");

    // Granted precise clocks, a utility reads between the milliseconds.
    assert_eq!(app.invoke("a", "fork", "timer"), "ok:timer");
    let reached = app.invoke("a", "utility-invoke", "timer|reach|");
    assert!(!reached.contains(" wall-sub-ms=0 "), "{reached}");
    assert!(!reached.contains(" mono-sub-ms=0"), "{reached}");
}

#[test]
fn a_guest_spinning_forever_ends_with_timeout() {
    let app = start();
    let reply = act(&app, "spin-forever", "");
    assert!(reply.starts_with("ok:err:target-gone:"), "{reply}");
    let heard = gone(&app, "utility", "hostile");
    assert!(
        heard.starts_with("utility|hostile|timeout:a call used "),
        "{heard}"
    );
    assert!(
        heard.contains(" ms of CPU time; its limit is 300 ms"),
        "{heard}"
    );
    assert_healthy(&app, "spin");
}

#[test]
fn a_guest_allocating_without_bound_ends_with_oom() {
    let app = start();
    let reply = act(&app, "grow", "");
    assert!(reply.starts_with("ok:err:target-gone:"), "{reply}");
    let heard = gone(&app, "utility", "hostile");
    assert!(heard.starts_with("utility|hostile|oom:"), "{heard}");
    assert!(heard.contains("over the 67108864-byte limit"), "{heard}");
    assert_healthy(&app, "grow");
}

#[test]
fn a_guest_recursing_without_bound_or_panicking_ends_crashed() {
    let app = start();
    let reply = act(&app, "recurse", "");
    assert!(reply.starts_with("ok:err:target-gone:"), "{reply}");
    let heard = gone(&app, "utility", "hostile");
    assert!(heard.starts_with("utility|hostile|crashed:"), "{heard}");
    assert_healthy(&app, "recurse");

    assert_eq!(app.invoke("a", "fork", "hostile"), "ok:hostile");
    let reply = act(&app, "trap", "");
    assert!(reply.starts_with("ok:err:target-gone:"), "{reply}");
    // The first crash is still in main's list: wait for the second.
    let heard = app.wait_invoke("a", "gone", "utility trapped on purpose");
    let second = &heard[heard.rfind("utility|hostile|").unwrap_or_default()..];
    assert!(second.starts_with("utility|hostile|crashed:"), "{second}");
    assert_healthy(&app, "panic");
}

#[test]
fn a_flood_past_the_rate_is_refused_and_every_accepted_message_arrives() {
    let app = start();
    // The burst is the rate: 1000, and a little more refilled meanwhile.
    let ok = flood_accepted(&act(&app, "flood", "5000"));
    let last = format!("utility|hostile|flood:{}", ok - 1);
    let messages = app.wait_invoke("a", "messages", &last);
    let flood: Vec<&str> = messages
        .split(['[', ',', ']'])
        .filter(|m| m.starts_with("utility|hostile|flood:"))
        .collect();
    let expected: Vec<String> = (0..ok)
        .map(|i| format!("utility|hostile|flood:{i}"))
        .collect();
    assert_eq!(flood, expected, "every accepted message, in order");
    // The utility is fine: over the rate is an error, not an ending.
    assert_eq!(act(&app, "echo", "still"), "ok:ok:still");
    assert_healthy(&app, "flood");
}

#[test]
fn a_port_flood_past_the_rate_is_refused_and_every_accepted_message_arrives() {
    let app = start();
    // Port messages share the rate (1000 a second) with every other kind.
    let ok = flood_accepted(&act(&app, "flood-port", "5000"));
    let heard = format!("ok:ok:received={ok} out-of-order=0");
    eventually("every accepted port message to arrive", || {
        act(&app, "flood-heard", "") == heard
    });
    assert_healthy(&app, "port flood");
}

/// Has utility `backlogged` flood (`flood-unread` or `flood-held`) and
/// returns how many posts went before the first refusal, and the refusal.
fn backlogged_flood(app: &Running, flood: &str) -> (u32, String) {
    assert_eq!(
        app.invoke("a", "utility-post", &format!("backlogged|{flood}:200000")),
        "ok:posted"
    );
    let mut result = String::new();
    // The flood is a message, not an invoke: it may end in a wait as long
    // as an invoke may take (300 ms for this utility).
    eventually("the flood to end", || {
        result = app.invoke("a", "utility-invoke", "backlogged|unread-result|");
        result.starts_with("ok:ok:ok=")
    });
    let counts = &result["ok:ok:ok=".len()..];
    let (ok, refused) = counts.split_once(" refused=").expect("ok=N refused=...");
    (ok.parse().expect("a count"), refused.to_owned())
}

#[test]
fn posts_to_its_own_unread_port_past_the_queue_are_refused_and_none_is_lost() {
    let app = start();
    assert_eq!(app.invoke("a", "fork", "backlogged"), "ok:backlogged");
    let backlogged = |act: &str, arg: &str| {
        app.invoke("a", "utility-invoke", &format!("backlogged|{act}|{arg}"))
    };
    // Both ends of the channel are the utility's, and it never starts the
    // one it posts to: it is its own reader and cannot catch up while it
    // posts, so the 51st post is refused at once.
    let (ok, refused) = backlogged_flood(&app, "flood-unread");
    assert_eq!(ok, 50, "{refused}");
    assert!(
        refused.starts_with("limit-exceeded: ")
            && refused.contains("50 messages wait unread")
            && refused.contains("max-queued-messages 50"),
        "{refused}"
    );
    // Once read, every accepted message arrives, in order, and posting
    // goes on.
    assert_eq!(backlogged("read-unread", ""), "ok:ok:started");
    let heard = format!("ok:ok:received={ok} out-of-order=0");
    eventually("every accepted message to arrive", || {
        backlogged("unread-heard", "") == heard
    });
    assert_eq!(
        backlogged("flood-unread", "10"),
        format!("ok:ok:ok={} refused=none", ok + 10)
    );
    assert_healthy(&app, "backlog");
}

#[test]
fn a_utility_posting_to_main_faster_than_main_reads_ends_with_limit_exceeded() {
    let app = start();
    assert_eq!(app.invoke("a", "fork", "backlogged"), "ok:backlogged");
    // The utility makes a channel and gives main one end, which main
    // starts; then it floods the other end faster than main, which runs a
    // call for each message, can read, and may have only 50 waiting.
    assert_eq!(
        app.invoke("a", "utility-invoke", "backlogged|make-port|"),
        "ok:ok:made"
    );
    app.wait_invoke("a", "messages", "utility-port:backlogged");
    assert_eq!(
        app.invoke("a", "utility-post", "backlogged|flood-held:100000"),
        "ok:posted"
    );
    let heard = gone(&app, "utility", "backlogged");
    assert!(
        heard.contains("limit-exceeded:") && heard.contains("messages waiting for main on port"),
        "{heard}"
    );
    assert_healthy(&app, "port to main");
}

#[test]
fn posts_to_a_window_that_does_not_read_are_held_back_then_refused_and_none_is_lost() {
    let app = start();
    assert_eq!(app.invoke("a", "fork", "backlogged"), "ok:backlogged");
    // Main gives the utility one end of a channel and window `q` the other,
    // which `q` does not start: their workers talk over a socket of their
    // own, and what may wait at `q` fills (its 20 messages, 20 read from
    // the socket, then the socket). The utility's own queue of 50 fills
    // next, and its next post waits for room as long as an invoke may
    // (300 ms), then is refused. Nothing is dropped on the way.
    assert_eq!(
        app.invoke("a", "connect-utility", "backlogged|q"),
        "ok:connected"
    );
    app.wait_until("q", "#port-log", |log| log.contains("got-port"));
    let (ok, refused) = backlogged_flood(&app, "flood-held");
    assert!(ok >= 50, "{ok} posts went: {refused}");
    assert!(
        refused.starts_with("limit-exceeded: ")
            && refused.contains("whose holder has not read them for 300 ms")
            && refused.contains("max-queued-messages 50"),
        "{refused}"
    );
    // `q` starts reading: every accepted message arrives, in order.
    app.click("q", "#port-start");
    let last = format!("msg:f{}", ok - 1);
    let log = app.wait_until("q", "#port-log", |log| log.split(',').any(|e| e == last));
    let got: Vec<&str> = log.split(',').filter(|e| e.starts_with("msg:f")).collect();
    let expected: Vec<String> = (0..ok).map(|i| format!("msg:f{i}")).collect();
    assert_eq!(got, expected);
    assert_healthy(&app, "held back");
}

#[test]
fn oversized_payloads_and_channels_not_allowed_are_refused_by_name() {
    let app = start();
    assert_eq!(act(&app, "oversized", "5000"), "ok:ok:err:too-large");
    assert_eq!(act(&app, "echo", "after"), "ok:ok:after");
    // Beyond wasmtime's default allowance for one host call (128 MiB), from
    // a utility whose memory can hold it: the same refusal, not a crash
    // while the payload is copied.
    assert_eq!(app.invoke("a", "fork", "stubborn"), "ok:stubborn");
    let huge = format!("stubborn|oversized|{}", 256u64 << 20);
    assert_eq!(
        app.invoke("a", "utility-invoke", &huge),
        "ok:ok:err:too-large"
    );
    assert_eq!(
        app.invoke("a", "utility-invoke", "stubborn|echo|after"),
        "ok:ok:after"
    );
    let denied = app.invoke("r", "spin", "1");
    assert!(denied.starts_with("err:denied:"), "{denied}");
    assert_eq!(app.invoke("r", "echo", "r"), "ok:r");
    assert_healthy(&app, "refused");
}

#[test]
fn a_sender_outrunning_main_past_its_queue_ends_with_limit_exceeded() {
    let app = start();
    // Main is busy for two seconds, and tells `q` it has begun; then `q`
    // sends 1000 messages, and may have only 20 waiting. (`q` starting
    // before main was busy had main drain the burst as it came.)
    app.windows.apply_clear("a", "#result");
    app.input("a", "#channel", "spin");
    app.input("a", "#arg", "2000|q");
    app.click("a", "#invoke");
    app.wait_until("q", "#pushes", |pushes| pushes.contains("spinning=now"));
    app.input("q", "#channel", "tick");
    app.input("q", "#arg", "1000");
    app.click("q", "#send-burst");
    app.wait_text("a", "#result", "ok:spun");
    let heard = gone(&app, "renderer", "q");
    assert!(
        heard.starts_with(
            "renderer|q|limit-exceeded:window `q` has 20 messages waiting for main (max-queued-messages)"
        ),
        "{heard}"
    );
    // What was accepted before the limit reached main.
    let messages = app.invoke("a", "messages", "");
    let from_q = messages.matches("window:q|tick|").count();
    assert_eq!(from_q, 20, "{messages}");
    assert_healthy(&app, "queue");
}

#[test]
fn posting_to_a_closed_port_in_a_loop_fails_every_time() {
    let app = start();
    // The first call makes a channel and closes one end; once the other
    // end has heard of it, every post on it fails.
    assert_eq!(act(&app, "post-to-closed", "0"), "ok:ok:closed=0");
    wasmtron_tests::eventually("the close heard", || {
        act(&app, "post-to-closed", "1") == "ok:ok:closed=1"
    });
    assert_eq!(act(&app, "post-to-closed", "10000"), "ok:ok:closed=10000");
    assert_eq!(act(&app, "echo", "open"), "ok:ok:open");
    assert_healthy(&app, "closed-port");
}

#[test]
fn calling_a_dead_utility_keeps_failing_with_target_gone() {
    let app = start();
    let reply = act(&app, "trap", "");
    assert!(reply.starts_with("ok:err:target-gone:"), "{reply}");
    gone(&app, "utility", "hostile");
    for _ in 0..50 {
        let again = act(&app, "echo", "anyone");
        assert!(
            again == "ok:unknown" || again.starts_with("ok:err:target-gone:"),
            "{again}"
        );
    }
    assert_healthy(&app, "dead-peer");
}

#[test]
fn a_utility_ignoring_termination_is_killed() {
    let app = start();
    assert_eq!(app.invoke("a", "fork", "stubborn"), "ok:stubborn");
    // Busy in guest code, deaf to everything, with a day of CPU time.
    assert_eq!(
        app.invoke("a", "utility-post", "stubborn|spin-forever"),
        "ok:posted"
    );
    assert_eq!(app.invoke("r", "echo", "meanwhile"), "ok:meanwhile");
    let killed = app.invoke("a", "utility-kill", "stubborn");
    assert_eq!(killed, "ok:true");
    let heard = gone(&app, "utility", "stubborn");
    assert!(heard.starts_with("utility|stubborn|killed:9"), "{heard}");
    assert_healthy(&app, "stubborn");
}
