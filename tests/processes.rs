//! Workers: their lifecycle, how they end and what main hears, the crash
//! page and reload, process metrics, hostile frames, the OS sandbox and
//! orphans. Tests that need a worker *process* (kill -9, frames, the
//! sandbox probe) return early in in-process isolation; the rest run in both.

use std::io::{Read as _, Write as _};
use std::os::unix::net::UnixStream;
use std::process::{Command, Stdio};
use std::time::Duration;

use wasmtron::{Isolation, ProcessKind, ProcessState};
use wasmtron_tests::{
    ALL_CHANNELS, AppDir, Running, captured_log, eventually, isolation, kill_9,
    manifest_with_windows, test_worker, wasmtron_binary,
};

/// Windows `a` and `b`, the test utility as `calc`, and `extra` as further
/// manifest text. Invokes may wait ten minutes: nothing below ends by timeout.
fn start(extra: &str) -> Running {
    let manifest = format!(
        "{}\n[[utility]]\nname = \"calc\"\ncomponent = \"dist/utility.wasm\"\n\n[limits]\ninvoke-timeout-ms = 600000\ncpu-ms-per-call = 600000\n{extra}",
        manifest_with_windows(&[("a", ALL_CHANNELS), ("b", ALL_CHANNELS)])
    );
    Running::start(AppDir::new(&manifest)).expect("the app starts")
}

fn process_isolation() -> bool {
    isolation() == Isolation::Process
}

/// Waits until main has heard `what` through `on-process-gone` (its
/// `gone` channel lists `kind|name|reason` lines).
fn wait_gone(app: &Running, what: &str) -> String {
    app.wait_invoke("a", "gone", what)
}

/// Starts an invoke from window `a` without waiting for its result.
fn start_invoke(app: &Running, channel: &str, arg: &str) {
    use wasmtron_tests::HeadlessExt as _;
    app.windows.apply_clear("a", "#result");
    app.input("a", "#channel", channel);
    app.input("a", "#arg", arg);
    app.click("a", "#invoke");
}

fn pid_of(app: &Running, kind: ProcessKind, name: &str) -> u32 {
    let mut pid = None;
    eventually(&format!("{name} running"), || {
        pid = app
            .app
            .metrics()
            .into_iter()
            .find(|m| m.kind == kind && m.name == name && m.state == ProcessState::Running)
            .map(|m| m.pid);
        pid.is_some()
    });
    pid.unwrap_or_default()
}

/// Waits until the worker has spent 100 ms more CPU time than now: it is
/// busy in guest code (its runtime is blocked, so it cannot say so itself).
fn wait_busy(app: &Running, kind: ProcessKind, name: &str) {
    let cpu = || {
        app.app
            .metrics()
            .into_iter()
            .find(|m| m.kind == kind && m.name == name)
            .map(|m| m.cpu_time)
            .unwrap_or_default()
    };
    let before = cpu();
    eventually(&format!("{name} busy"), || {
        cpu() >= before + Duration::from_millis(100)
    });
}

#[test]
fn a_trapping_renderer_is_crashed_shows_the_crash_page_and_reloads() {
    let app = start("");
    let reply = app.invoke("a", "window-invoke", "b|trap|");
    assert!(reply.starts_with("ok:err:target-gone:"), "{reply}");
    let heard = wait_gone(&app, "renderer|b|crashed:");
    assert!(
        heard.contains("unreachable"),
        "the trap message is kept: {heard}"
    );
    assert!(
        heard.contains("renderer trapped on purpose"),
        "so is the panic message the guest printed: {heard}"
    );
    app.wait_until("b", "#wasmtron-crash-reason", |t| t.starts_with("crashed:"));
    // The window is still open, and the other one is unaffected.
    assert_eq!(app.invoke("a", "labels", ""), "ok:[a,b]");
    assert_eq!(app.invoke("a", "echo", "fine"), "ok:fine");

    assert_eq!(app.invoke("a", "reload", "b"), "ok:Ok(())");
    app.wait_text("b", "#status", "loaded");
    assert_eq!(app.invoke("b", "echo", "back"), "ok:back");
    assert_eq!(
        app.invoke("a", "window-invoke", "b|echo|again"),
        "ok:ok:again"
    );
}

#[test]
fn main_invokes_renderers_and_utilities_and_gets_their_errors() {
    let app = start("");
    assert_eq!(app.invoke("a", "window-invoke", "b|echo|hi"), "ok:ok:hi");
    let failed = app.invoke("a", "window-invoke", "b|fail|");
    assert!(failed.starts_with("ok:err:handler-failed:"), "{failed}");
    let none = app.invoke("a", "window-invoke", "b|nothing|");
    assert!(none.starts_with("ok:err:handler-failed:"), "{none}");
    let closed = app.invoke("a", "window-invoke", "nowhere|echo|x");
    assert!(closed.starts_with("ok:err:target-gone:"), "{closed}");

    assert_eq!(app.invoke("a", "fork", "calc"), "ok:calc");
    assert_eq!(app.invoke("a", "utility-invoke", "calc|echo|u"), "ok:ok:u");
    assert_eq!(
        app.invoke("a", "fork", "nothing"),
        "ok:fork-error:ForkError::UnknownUtility(\"nothing\")"
    );
}

#[test]
fn utilities_talk_to_main_through_the_parent_port() {
    let app = start("");
    assert_eq!(app.invoke("a", "fork", "calc"), "ok:calc");
    assert_eq!(app.invoke("a", "fork", "calc"), "ok:calc#2");
    assert_eq!(app.invoke("a", "utility-post", "calc|hello"), "ok:posted");
    assert_eq!(
        app.invoke("a", "utility-post", "calc#2|burst:3"),
        "ok:posted"
    );
    eventually("the utilities' answers", || {
        let messages = app.invoke("a", "messages", "");
        messages.contains("utility|calc|echo:hello")
            && messages.contains("utility|calc#2|1,utility|calc#2|2,utility|calc#2|3")
    });
    if process_isolation() {
        let pid = app.invoke("a", "utility-pid", "calc");
        assert!(
            pid.trim_start_matches("ok:").parse::<u32>().is_ok(),
            "{pid}"
        );
    } else {
        assert_eq!(app.invoke("a", "utility-pid", "calc"), "ok:none");
    }
    assert_eq!(app.invoke("a", "utility-kill", "calc#2"), "ok:true");
    wait_gone(&app, "utility|calc#2|killed:9");
    let late = app.invoke("a", "utility-post", "calc#2|anyone");
    assert!(late.starts_with("ok:err:target-gone:"), "{late}");
    assert_eq!(app.invoke("a", "utility-kill", "calc#2"), "ok:false");
}

#[test]
fn a_trapping_utility_is_crashed_and_its_pending_invoke_fails() {
    let app = start("");
    assert_eq!(app.invoke("a", "fork", "calc"), "ok:calc");
    let reply = app.invoke("a", "utility-invoke", "calc|trap|");
    assert!(reply.starts_with("ok:err:target-gone:"), "{reply}");
    let heard = wait_gone(&app, "utility|calc|crashed:");
    assert!(heard.contains("unreachable"), "{heard}");
    assert!(heard.contains("utility trapped on purpose"), "{heard}");
    assert_eq!(app.invoke("b", "echo", "still"), "ok:still");
}

#[test]
fn a_utility_over_its_memory_limit_ends_with_oom() {
    let app = start("max-memory-bytes = 33554432\n");
    assert_eq!(app.invoke("a", "fork", "calc"), "ok:calc");
    let reply = app.invoke("a", "utility-invoke", "calc|grow|");
    assert!(reply.starts_with("ok:err:target-gone:"), "{reply}");
    let heard = wait_gone(&app, "utility|calc|oom:");
    assert!(heard.contains("33554432"), "the limit is named: {heard}");
    assert_eq!(app.invoke("a", "echo", "after"), "ok:after");
}

#[test]
fn a_utility_reaches_only_its_granted_folders() {
    let log = captured_log();
    let manifest = format!(
        "{}\n[[utility]]\nname = \"files\"\ncomponent = \"dist/utility.wasm\"\nread-dirs = [\"data\"]\nwrite-dirs = [\"out\"]\n",
        manifest_with_windows(&[("a", ALL_CHANNELS)])
    );
    let dir = AppDir::new(&manifest);
    dir.write("data/hello.txt", "hello from the host");
    dir.write("out/.keep", "");
    let root = dir.path().to_path_buf();
    let app = Running::start(dir).expect("the app starts");
    assert_eq!(app.invoke("a", "fork", "files"), "ok:files");
    let ask = |channel: &str, path: &str| {
        app.invoke("a", "utility-invoke", &format!("files|{channel}|{path}"))
    };
    assert_eq!(
        ask("read", "data/hello.txt"),
        "ok:ok:read:hello from the host"
    );
    assert_eq!(ask("write", "out/new.txt"), "ok:ok:written");
    assert_eq!(
        std::fs::read_to_string(root.join("out/new.txt"))
            .ok()
            .as_deref(),
        Some("written by the utility")
    );
    // Read-only means read-only; nothing outside the grants exists.
    assert!(ask("write", "data/evil.txt").starts_with("ok:ok:denied:"));
    assert!(!root.join("data/evil.txt").exists());
    for outside in ["wasmtron.toml", "/etc/passwd", "data/../wasmtron.toml"] {
        let reply = ask("read", outside);
        assert!(reply.starts_with("ok:ok:denied:"), "{outside}: {reply}");
    }
    // The host names each refusal in its log.
    for refused in [
        "refused: open `/wasmtron.toml`: outside the folders granted to it \
         (granted: data (read-only), out (read-write))",
        "refused: open `/etc/passwd`: outside the folders granted to it",
        "in a granted folder: not permitted",
    ] {
        log.wait_line(&["component=\"files\"", refused]);
    }
}

#[test]
fn closing_a_window_is_a_clean_exit_for_main() {
    let app = start("");
    assert_eq!(app.invoke("a", "close", "b"), "ok:Ok(())");
    wait_gone(&app, "renderer|b|clean-exit");
}

#[test]
fn metrics_list_the_host_and_every_worker_with_os_figures() {
    let app = start("");
    assert_eq!(app.invoke("a", "fork", "calc"), "ok:calc");
    pid_of(&app, ProcessKind::Utility, "calc");
    let rows = app.app.metrics();
    let host = std::process::id();
    assert_eq!(rows[0].kind, ProcessKind::Host);
    assert_eq!(rows[0].pid, host);
    assert!(rows[0].resident_bytes > 0 && rows[0].cpu_time > Duration::ZERO);
    let names: Vec<(ProcessKind, &str)> = rows[1..]
        .iter()
        .map(|r| (r.kind, r.name.as_str()))
        .collect();
    for expected in [
        (ProcessKind::Renderer, "a"),
        (ProcessKind::Renderer, "b"),
        (ProcessKind::Utility, "calc"),
    ] {
        assert!(names.contains(&expected), "{expected:?} in {names:?}");
    }
    for row in &rows[1..] {
        assert!(row.resident_bytes > 0, "{row:?}");
        if process_isolation() {
            assert_ne!(row.pid, host, "{row:?} has a process of its own");
        } else {
            assert_eq!(row.pid, host, "{row:?} runs in the host");
        }
    }
    // Main reads the same table through its import.
    let listed = app.invoke("a", "metrics", "");
    assert!(
        listed.contains(&format!("{host}|host|probe|running|")),
        "{listed}"
    );
    assert!(listed.contains("|utility|calc|running|"), "{listed}");
}

#[test]
fn kill_9_of_a_renderer_fails_its_pending_invoke_at_once_and_reload_works() {
    if !process_isolation() {
        return;
    }
    let app = start("");
    let pid = pid_of(&app, ProcessKind::Renderer, "b");
    // Main waits on b, which spins for ten minutes: only b's death can end it.
    start_invoke(&app, "window-invoke", "b|spin|600000");
    wait_busy(&app, ProcessKind::Renderer, "b");
    kill_9(pid);
    let reply = app.wait_until("a", "#result", |t| !t.is_empty());
    assert!(reply.starts_with("ok:err:target-gone:"), "{reply}");
    wait_gone(&app, "renderer|b|killed:9");
    app.wait_until("b", "#wasmtron-crash-reason", |t| t.contains("killed"));
    assert_eq!(app.invoke("a", "echo", "unaffected"), "ok:unaffected");

    assert_eq!(app.invoke("a", "reload", "b"), "ok:Ok(())");
    app.wait_text("b", "#status", "loaded");
    assert_ne!(pid_of(&app, ProcessKind::Renderer, "b"), pid);
    assert_eq!(app.invoke("b", "echo", "reborn"), "ok:reborn");
}

#[test]
fn kill_9_of_a_utility_fails_its_pending_invoke_and_main_can_fork_again() {
    if !process_isolation() {
        return;
    }
    let app = start("");
    assert_eq!(app.invoke("a", "fork", "calc"), "ok:calc");
    let pid = pid_of(&app, ProcessKind::Utility, "calc");
    start_invoke(&app, "utility-invoke", "calc|spin|600000");
    wait_busy(&app, ProcessKind::Utility, "calc");
    kill_9(pid);
    let reply = app.wait_until("a", "#result", |t| !t.is_empty());
    assert!(reply.starts_with("ok:err:target-gone:"), "{reply}");
    wait_gone(&app, "utility|calc|killed:9");
    let late = app.invoke("a", "utility-post", "calc|anyone");
    assert!(late.starts_with("ok:err:target-gone:"), "{late}");
    assert_eq!(app.invoke("b", "echo", "unaffected"), "ok:unaffected");
    assert_eq!(app.invoke("a", "fork", "calc"), "ok:calc");
    assert_eq!(
        app.invoke("a", "utility-invoke", "calc|echo|new"),
        "ok:ok:new"
    );
}

/// A window whose worker (the test worker program) misbehaves natively.
fn hostile_window(label: &str) -> String {
    format!("[[window]]\nlabel = \"{label}\"\nrenderer = \"dist/renderer.wasm\"\nopen = false\n")
}

#[test]
fn bad_frames_from_a_worker_drop_it_with_a_protocol_error() {
    if !process_isolation() {
        return;
    }
    let app = start(&format!(
        "{}{}{}{}",
        hostile_window("hostile-oversized"),
        hostile_window("hostile-malformed"),
        hostile_window("hostile-tail"),
        hostile_window("hostile-lane")
    ));
    assert_eq!(app.invoke("a", "open", "hostile-oversized"), "ok:Ok(())");
    let heard = wait_gone(&app, "renderer|hostile-oversized|protocol-error:");
    assert!(heard.contains("2147483647 bytes is over"), "{heard}");
    assert_eq!(app.invoke("a", "open", "hostile-malformed"), "ok:Ok(())");
    let heard = wait_gone(&app, "renderer|hostile-malformed|protocol-error:");
    assert!(heard.contains("malformed frame"), "{heard}");
    assert_eq!(app.invoke("a", "open", "hostile-tail"), "ok:Ok(())");
    let heard = wait_gone(&app, "renderer|hostile-tail|protocol-error:");
    assert!(
        heard.contains("a tail on a message without a payload"),
        "{heard}"
    );
    assert_eq!(app.invoke("a", "open", "hostile-lane"), "ok:Ok(())");
    let heard = wait_gone(&app, "renderer|hostile-lane|protocol-error:");
    assert!(
        heard.contains("a tail in a shared region that was never handed over"),
        "{heard}"
    );
    // All were killed, not left running; the healthy windows carry on.
    eventually("the hostile workers reaped", || {
        !app.app
            .metrics()
            .iter()
            .any(|m| m.name.starts_with("hostile"))
    });
    assert_eq!(app.invoke("b", "echo", "healthy"), "ok:healthy");
}

#[test]
fn a_worker_lying_about_its_pending_invokes_is_refused_by_the_host() {
    if !process_isolation() {
        return;
    }
    // The worker's own check stops a guest at max-pending-invokes; native
    // code past it meets the host's: 2 of its 20 invokes wait for main, the
    // other 18 are refused at once (see src/bin/test_worker.rs).
    let app = start(
        "[[window]]\nlabel = \"hostile-invokes\"\nrenderer = \"dist/renderer.wasm\"\nopen = false\nchannels = [\"spin\"]\nlimits = { max-pending-invokes = 2 }\n",
    );
    assert_eq!(app.invoke("a", "open", "hostile-invokes"), "ok:Ok(())");
    wait_gone(&app, "renderer|hostile-invokes|abnormal-exit:118");
    // Main gets through the two it took and answers again.
    assert_eq!(app.invoke("b", "echo", "healthy"), "ok:healthy");
}

#[test]
fn the_os_sandbox_stops_native_code_in_a_worker() {
    if !process_isolation() {
        return;
    }
    // The same attempts succeed in the unsandboxed test process...
    assert!(std::fs::File::open("/etc/passwd").is_ok());
    assert!(std::net::UdpSocket::bind("127.0.0.1:0").is_ok());
    // ...and are all refused inside a worker, by the OS: the probe is native
    // code, so no Wasm boundary is involved. Exit code 100 means none got
    // through (see src/bin/test_worker.rs).
    let app = start(&hostile_window("escape-probe"));
    assert_eq!(app.invoke("a", "open", "escape-probe"), "ok:Ok(())");
    wait_gone(&app, "renderer|escape-probe|abnormal-exit:100");
}

#[test]
fn workers_start_with_an_empty_environment_root_as_working_directory_and_the_socket_as_stdin() {
    use std::os::unix::fs::FileTypeExt as _;
    if !process_isolation() {
        return;
    }
    // The test process itself has an environment (cargo's, at least) and
    // another working directory, so neither comes from inheriting ours.
    assert!(std::env::vars_os().next().is_some());
    assert_ne!(std::env::current_dir().ok(), Some("/".into()));
    let app = start("");
    assert_eq!(app.invoke("a", "fork", "calc"), "ok:calc");
    for (kind, name) in [(ProcessKind::Renderer, "b"), (ProcessKind::Utility, "calc")] {
        let pid = pid_of(&app, kind, name);
        assert_ne!(pid, std::process::id());
        let proc = std::path::PathBuf::from(format!("/proc/{pid}"));
        let environ = std::fs::read(proc.join("environ")).expect("the worker's environment");
        let variables: Vec<String> = environ
            .split(|&b| b == 0)
            .filter(|v| !v.is_empty())
            .map(|v| String::from_utf8_lossy(v).into_owned())
            .collect();
        assert_eq!(variables, ["Malloc=1"], "{name}'s environment");
        let cwd = std::fs::read_link(proc.join("cwd")).expect("the worker's working directory");
        assert_eq!(cwd, std::path::Path::new("/"), "{name}'s working directory");
        let stdin = std::fs::metadata(proc.join("fd/0")).expect("the worker's stdin");
        assert!(
            stdin.file_type().is_socket(),
            "{name}'s stdin is {:?}, not a socket",
            std::fs::read_link(proc.join("fd/0"))
        );
        // Talking over it works: the worker still answers.
        let reply = match kind {
            ProcessKind::Utility => app.invoke("a", "utility-invoke", "calc|echo|still"),
            _ => app.invoke("a", "window-invoke", "b|echo|still"),
        };
        assert!(reply.ends_with(":still"), "{name}: {reply}");
    }
}

/// Starts the test worker program by hand, as a host would, with the
/// returned socket as its only link.
fn bare_worker() -> (std::process::Child, UnixStream) {
    let (ours, theirs) = UnixStream::pair().expect("a socket pair");
    let child = Command::new(test_worker())
        .args(["__wasmtron-worker", &std::process::id().to_string(), "info"])
        .env_clear()
        .stdin(Stdio::from(std::os::fd::OwnedFd::from(theirs)))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the test worker starts");
    (child, ours)
}

fn finish(mut child: std::process::Child) -> (Option<i32>, String) {
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        let _ = pipe.read_to_string(&mut stderr);
    }
    let status = child.wait().expect("the worker ends");
    (status.code(), stderr)
}

#[test]
fn bad_frames_to_a_worker_end_it_with_a_named_error() {
    use wasmtron::wire::frame::{self, Hello};
    let hello = frame::encode(&Hello::current()).expect("encodes");
    let newer = frame::encode(&Hello {
        protocol: frame::PROTOCOL_VERSION + 1,
        ..Hello::current()
    })
    .expect("encodes");
    let cases: Vec<(&str, Vec<Vec<u8>>, &str)> = vec![
        (
            "oversized hello",
            vec![[u32::MAX.to_le_bytes(), [0; 4]].concat()],
            "over the 4096-byte limit",
        ),
        (
            "garbage hello",
            vec![vec![3, 0, 0, 0, 0, 0, 0, 0, 0xc1, 0xc1, 0xc1]],
            "handshake failed",
        ),
        (
            "cut-off hello",
            vec![vec![9, 0, 0, 0, 0, 0, 0, 0, 1]],
            "closed in the middle of a frame",
        ),
        ("other protocol", vec![newer], "speaks protocol"),
        (
            "garbage start",
            vec![hello.clone(), vec![2, 0, 0, 0, 0, 0, 0, 0, 0x92, 0xc1]],
            "expected the component to run",
        ),
        (
            "hello, then silence",
            vec![hello],
            "closed the connection before sending the component",
        ),
    ];
    for (case, frames, expected) in cases {
        let (child, mut socket) = bare_worker();
        for bytes in frames {
            let _ = socket.write_all(&bytes);
        }
        let _ = socket.shutdown(std::net::Shutdown::Write);
        let (code, stderr) = finish(child);
        assert_eq!(
            code,
            Some(76),
            "{case}: protocol exit code; stderr: {stderr}"
        );
        assert!(stderr.contains(expected), "{case}: {stderr}");
        assert!(!stderr.contains("panicked"), "{case}: {stderr}");
    }
}

#[test]
fn bad_frames_to_a_running_worker_end_it_with_a_named_error() {
    use wasmtron::wire::frame::{self, Hello, Start};
    let engine = wasmtron::Engine::new().expect("an engine");
    let component = engine
        .load(std::path::Path::new(wasmtron_tests::guests::TEST_UTILITY))
        .expect("the test utility compiles")
        .serialize()
        .expect("serializes");
    let start = frame::encode(&Start {
        name: "calc".into(),
        world: "utility".into(),
        component: component.into(),
        channels: Vec::new(),
        limits: wasmtron::manifest::Limits::default(),
        grants: wasmtron::capabilities::Grants::default(),
    })
    .expect("encodes");
    let hello = frame::encode(&Hello::current()).expect("encodes");
    for (case, bad, expected) in [
        (
            "oversized",
            [u32::MAX.to_le_bytes(), [0; 4]].concat(),
            "bytes is over the",
        ),
        (
            "malformed",
            vec![3, 0, 0, 0, 0, 0, 0, 0, 0xc1, 0xc1, 0xc1],
            "malformed frame",
        ),
        (
            "foreign",
            vec![1, 0, 0, 0, 0, 0, 0, 0, 0x07],
            "malformed frame",
        ),
    ] {
        let (child, mut socket) = bare_worker();
        socket.write_all(&hello).expect("writes");
        socket.write_all(&start).expect("writes");
        // Wait for `ready`: the component runs and the worker is serving.
        let mut reader = socket.try_clone().expect("a second handle");
        let mut seen = Vec::new();
        let mut byte = [0u8; 1];
        while !seen.windows(5).any(|w| w == b"ready") {
            if reader.read(&mut byte).expect("the worker talks") == 0 {
                break;
            }
            seen.push(byte[0]);
        }
        assert!(
            seen.windows(5).any(|w| w == b"ready"),
            "{case}: never ready"
        );
        socket.write_all(&bad).expect("writes");
        let (code, stderr) = finish(child);
        assert_eq!(code, Some(76), "{case}: {stderr}");
        assert!(stderr.contains(expected), "{case}: {stderr}");
        assert!(!stderr.contains("panicked"), "{case}: {stderr}");
    }
}

fn children_of(parent: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
                stat.rsplit_once(')')
                    .and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok())
                    == Some(parent)
            })
        })
        .collect()
}

/// Gone, or a zombie nobody has reaped yet: either way not running.
fn is_dead(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state == "Z" || state == "X"),
    }
}

#[test]
fn no_worker_outlives_a_killed_host() {
    if !process_isolation() {
        return;
    }
    let dir = AppDir::new(&manifest_with_windows(&[
        ("a", &["echo"]),
        ("b", &["echo"]),
    ]));
    let mut host = Command::new(wasmtron_binary())
        .arg("run")
        .arg(dir.path())
        .args(["--headless", "--automation"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the host starts");
    let mut workers = Vec::new();
    eventually("two renderer workers", || {
        workers = children_of(host.id());
        workers.len() >= 2
    });
    // One renderer spins in guest code, deaf to its socket closing: only
    // the kernel's parent-death signal can end it.
    let mut commands = host.stdin.take().expect("piped");
    let mut answers = std::io::BufReader::new(host.stdout.take().expect("piped"));
    for command in [
        r##"{"id":1,"cmd":"input","window":"a","selector":"#arg","text":"600000"}"##,
        r##"{"id":2,"cmd":"click","window":"a","selector":"#spin"}"##,
    ] {
        writeln!(commands, "{command}").expect("the host reads commands");
        let mut answer = String::new();
        std::io::BufRead::read_line(&mut answers, &mut answer).expect("the host answers");
    }
    let cpu = |pid: u32| -> u64 {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|stat| {
                let rest = stat.rsplit_once(')')?.1.to_owned();
                let fields: Vec<&str> = rest.split_whitespace().collect();
                Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
            })
            .unwrap_or(0)
    };
    eventually("a renderer busy in guest code", || {
        workers.iter().any(|pid| cpu(*pid) >= 20)
    });
    kill_9(host.id());
    let _ = host.wait();
    eventually("every worker gone with its host", || {
        workers.iter().all(|pid| is_dead(*pid))
    });
}

#[test]
fn quitting_the_app_ends_every_worker() {
    if !process_isolation() {
        return;
    }
    let app = start("");
    assert_eq!(app.invoke("a", "fork", "calc"), "ok:calc");
    // One worker busy in guest code, which cannot take a polite stop.
    start_invoke(&app, "utility-invoke", "calc|spin|600000");
    wait_busy(&app, ProcessKind::Utility, "calc");
    let pids: Vec<u32> = app
        .app
        .metrics()
        .iter()
        .filter(|m| m.kind != ProcessKind::Host)
        .map(|m| m.pid)
        .collect();
    assert_eq!(pids.len(), 3);
    app.app.quit(0);
    eventually("every worker gone after quit", || {
        pids.iter().all(|pid| is_dead(*pid))
    });
}
