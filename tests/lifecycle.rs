//! The app's lifecycle as main sees it: `before-quit` (which may keep the
//! app running), `will-quit` and `quit` with the exit code, in that order;
//! `window-all-closed` (which may keep it running without windows); and
//! `exit`, which ends the app without asking or telling main. Headless
//! backend, real components.
//!
//! The last events come as the app ends, when main can no longer be asked
//! what it heard, so the test main also logs each one and this test binary
//! keeps the log.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use wasmtron::single_instance::Handoff;
use wasmtron::window::HeadlessBackend;
use wasmtron::{AppError, AppExit};
use wasmtron_tests::{ALL_CHANNELS, AppDir, Running, builder, eventually, manifest_with_windows};

/// Everything logged in this test process.
fn captured() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOG.get_or_init(|| {
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = log.clone();
        let _ = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || Capture(sink.clone()))
            .try_init();
        log
    })
}

struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The lifecycle events main of app `name` logged, in order.
fn logged(name: &str) -> Vec<String> {
    let log = captured()
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    let component = format!("component=\"{name}/main\"");
    String::from_utf8_lossy(&log)
        .lines()
        .filter(|line| line.contains(&component))
        .filter_map(|line| {
            let at = line.find("lifecycle ")?;
            let event = &line[at + "lifecycle ".len()..];
            Some(
                event
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect()
}

/// An app named `name` with window `main`, and a declared `second`.
fn start(name: &str) -> Running {
    captured();
    let manifest = manifest_with_windows(&[("main", ALL_CHANNELS)])
        .replace("name = \"probe\"", &format!("name = \"{name}\""));
    let dir = AppDir::new(&format!(
        "{manifest}\n[[window]]\nlabel = \"second\"\nrenderer = \"dist/renderer.wasm\"\nopen = false\nchannels = [\"echo\", \"lifecycle\"]\n"
    ));
    Running::start(dir).expect("the app starts")
}

#[test]
fn quit_goes_through_before_quit_will_quit_and_quit_in_order() {
    let mut app = start("life-order");
    // The reply may never show: the window closes as the app ends.
    app.input("main", "#channel", "quit");
    app.input("main", "#arg", "4");
    app.click("main", "#invoke");
    assert_eq!(app.app.wait(), AppExit::Quit(4));
    eventually("main's last events in the log", || {
        logged("life-order").len() >= 3
    });
    assert_eq!(
        logged("life-order"),
        ["before-quit", "will-quit", "quit:4"],
        "and nothing after"
    );
}

#[test]
fn main_may_keep_the_app_running_past_before_quit() {
    let mut app = start("life-prevent");
    assert_eq!(app.invoke("main", "prevent-quit", "yes"), "ok:set");
    assert_eq!(app.invoke("main", "quit", "5"), "ok:quitting");
    app.wait_invoke("main", "lifecycle", "before-quit");
    // One more round trip to main is past its answer.
    assert_eq!(app.invoke("main", "echo", "still"), "ok:still");
    assert_eq!(app.app.exit(), None, "main kept it running");
    assert_eq!(app.invoke("main", "lifecycle", ""), "ok:[before-quit]");

    assert_eq!(app.invoke("main", "prevent-quit", "no"), "ok:set");
    app.input("main", "#channel", "quit");
    app.input("main", "#arg", "6");
    app.click("main", "#invoke");
    assert_eq!(app.app.wait(), AppExit::Quit(6));
}

#[test]
fn main_may_stay_when_the_last_window_closes_and_quits_by_default() {
    let app = start("life-stay");
    assert_eq!(app.invoke("main", "stay-when-closed", "yes"), "ok:set");
    app.app.close_window("main").expect("open");
    // No window is left to ask main through; a window main can still open
    // shows the app kept running.
    eventually("main to hear the last window close", || {
        logged("life-stay").contains(&"window-all-closed".to_owned())
    });
    app.app
        .open_window("second")
        .expect("the app is still running");
    app.wait_text("second", "#status", "loaded");
    assert_eq!(app.app.exit(), None);
    assert_eq!(
        app.invoke("second", "lifecycle", ""),
        "ok:[window-all-closed]"
    );

    // By default the last window closing quits, through before-quit.
    let mut app = start("life-default");
    app.app.close_window("main").expect("open");
    assert_eq!(app.app.wait(), AppExit::AllWindowsClosed);
    eventually("main's last events in the log", || {
        logged("life-default").len() >= 4
    });
    assert_eq!(
        logged("life-default"),
        ["window-all-closed", "before-quit", "will-quit", "quit:0"]
    );
}

#[test]
fn exit_ends_the_app_without_asking_main() {
    let mut app = start("life-exit");
    assert_eq!(app.invoke("main", "prevent-quit", "yes"), "ok:set");
    app.input("main", "#channel", "app-exit");
    app.input("main", "#arg", "7");
    app.click("main", "#invoke");
    assert_eq!(app.app.wait(), AppExit::Quit(7));
    assert!(logged("life-exit").is_empty(), "{:?}", logged("life-exit"));
}

/// A second launch of a single-instance app, with `args` from `cwd`.
fn launch_again(dir: &AppDir, args: &[&str], cwd: &str) -> Result<(), AppError> {
    let launch = Handoff {
        args: args.iter().map(|a| (*a).to_owned()).collect(),
        cwd: cwd.into(),
    };
    builder(dir.manifest(), std::sync::Arc::new(HeadlessBackend::new()))
        .launch(launch)
        .start()
        .map(drop)
}

#[test]
fn a_second_launch_is_handed_to_the_first_and_ends() {
    captured();
    let manifest = manifest_with_windows(&[("main", ALL_CHANNELS)]).replace(
        "name = \"probe\"",
        "name = \"life-single\"\nsingle-instance = true",
    );
    let dir = AppDir::new(&manifest);
    // The first instance, started by hand so that its folder stays here.
    let windows = std::sync::Arc::new(HeadlessBackend::new());
    let app = builder(dir.manifest(), windows.clone())
        .start()
        .expect("the first instance starts");
    let app = Running::from_parts(app, windows, AppDir::new(&manifest));

    let second = launch_again(&dir, &["--open", "notes.txt"], "/tmp/elsewhere");
    assert!(
        matches!(&second, Err(AppError::AlreadyRunning(name)) if name == "life-single"),
        "{second:?}"
    );
    app.wait_invoke(
        "main",
        "lifecycle",
        "second-instance:--open notes.txt@/tmp/elsewhere",
    );
    // Garbage on the lock's socket is refused by name; the next launch is
    // still handed over.
    let name = socket_of(&dir);
    for junk in [
        &b"not json\n"[..],
        &[b'x'; 70_000][..],
        &b"{\"args\":[]"[..],
    ] {
        let mut stream = std::os::unix::net::UnixStream::connect_addr(&name).expect("the lock");
        let _ = stream.write_all(junk);
        let _ = stream.shutdown(std::net::Shutdown::Write);
        let mut answer = String::new();
        let _ = std::io::Read::read_to_string(&mut stream, &mut answer);
        assert!(answer.starts_with("refused: "), "{answer:?}");
    }
    launch_again(&dir, &["again"], "/").expect_err("handed over again");
    app.wait_invoke("main", "lifecycle", "second-instance:again@/");
    assert_eq!(app.invoke("main", "echo", "healthy"), "ok:healthy");

    // The lock goes with the app: the next launch is the first again.
    drop(app);
    let again = builder(dir.manifest(), std::sync::Arc::new(HeadlessBackend::new()))
        .start()
        .expect("the lock was released with the app");
    drop(again);
}

/// The abstract socket the first instance of the app in `dir` holds.
fn socket_of(dir: &AppDir) -> std::os::unix::net::SocketAddr {
    use std::os::linux::net::SocketAddrExt as _;
    let name = wasmtron::single_instance::socket_name(&dir.manifest());
    std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes()).expect("a name")
}
