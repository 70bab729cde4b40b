//! Driving an app through real windows, for the end-to-end tests: an X
//! display (the caller's, or an Xvfb of its own), the `wasmtron` binary run
//! with `--automation`, real X11 input from `xdotool`, and screenshots.
//!
//! The automation protocol (see host/src/automation.rs) is used only to read
//! the page (`text`) and find elements on screen (`rect`, `window-id`); every
//! click and key goes through the X server, so the path under test is the
//! one a user's input takes: X11 → GTK → WebKit → the renderer component →
//! the main component and back to the DOM.
//!
//! Needs `Xvfb`, `xdotool` and ImageMagick (`scripts/install-deps.sh`).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// Bound on the app's start: launching WebKit and compiling both components
/// (a debug build, maybe on a loaded machine). Bounds a hang; not a timing
/// assertion.
pub const START_BOUND: Duration = Duration::from_secs(120);
/// Bound on every later step: an answer, a reply shown, the process exiting.
pub const STEP_BOUND: Duration = Duration::from_secs(20);
/// Pause between two reads of an element that has not changed yet.
const POLL: Duration = Duration::from_millis(100);

/// A script in `dir` that runs `wasmtron` with `assignments` (shell
/// variable assignments, such as `PATH='/stubs':"$PATH"`) in front: the
/// app's environment as a user's shell would set it.
pub fn wasmtron_with(dir: &Path, assignments: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt as _;
    let script = dir.join("wasmtron");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\n{assignments} exec '{}' \"$@\"\n",
            crate::wasmtron_binary().display()
        ),
    )
    .expect("the launcher is written");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))
        .expect("the launcher is executable");
    script
}

/// `<target>/e2e/<file>`: a stable place to look at a screenshot after a run.
pub fn screenshot_path(file: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary has a path");
    // <target>/<profile>/deps/<test>-<hash>
    let target = exe
        .ancestors()
        .nth(3)
        .expect("the test binary is inside a target folder");
    let dir = target.join("e2e");
    std::fs::create_dir_all(&dir).expect("cannot create <target>/e2e");
    dir.join(file)
}

/// Takes a screenshot of the whole display as `<target>/e2e/<file>` and
/// checks that something was painted.
///
/// # Panics
/// When the screenshot looks blank (ten colours or fewer).
pub fn assert_painted(display: &Display, file: &str) -> PathBuf {
    let screenshot = screenshot_path(file);
    display.screenshot(&screenshot);
    println!("screenshot: {}", screenshot.display());
    let colours = unique_colours(&screenshot);
    // A blank or black screen has one or two colours; the rendered page has
    // hundreds (text is anti-aliased).
    assert!(
        colours > 10,
        "the screenshot {} looks blank ({colours} colours)",
        screenshot.display()
    );
    screenshot
}

/// The number of distinct colours in an image, by ImageMagick.
pub fn unique_colours(image: &Path) -> u64 {
    let output = Command::new("identify")
        .args(["-format", "%k"])
        .arg(image)
        .output()
        .expect("cannot run identify (install imagemagick: scripts/install-deps.sh)");
    assert!(
        output.status.success(),
        "identify failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .expect("identify prints a number of colours")
}

/// The X display the test draws on: `$DISPLAY` when set, else an Xvfb of
/// its own, stopped on drop.
#[derive(Debug)]
pub struct Display {
    name: String,
    xvfb: Option<Child>,
}

impl Display {
    pub fn acquire() -> Self {
        match std::env::var("DISPLAY") {
            Ok(name) if !name.is_empty() => Display { name, xvfb: None },
            _ => Self::start_xvfb(),
        }
    }

    /// Starts Xvfb on a free display. With `-displayfd 1` the server picks
    /// the number itself and writes it to its stdout once it accepts
    /// connections, so there is neither a race for a number nor a guess at
    /// when it is ready.
    fn start_xvfb() -> Self {
        let mut xvfb = Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "1280x1024x24",
                "-nolisten",
                "tcp",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cannot start Xvfb (install it: scripts/install-deps.sh)");
        let mut stdout = BufReader::new(xvfb.stdout.take().expect("Xvfb's stdout is piped"));
        let (sender, reported) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = stdout.read_line(&mut line);
            let _ = sender.send(line);
            drain(stdout);
        });
        let number = match reported.recv_timeout(STEP_BOUND) {
            Ok(line) if !line.trim().is_empty() => line.trim().to_owned(),
            _ => {
                let _ = xvfb.kill();
                let mut log = String::new();
                if let Some(mut stderr) = xvfb.stderr.take() {
                    let _ = stderr.read_to_string(&mut log);
                }
                let _ = xvfb.wait();
                panic!("Xvfb did not report a display:\n{log}");
            }
        };
        // Xvfb's stderr is only shown on failure; from now on it is drained
        // so that a chatty server neither blocks on a full pipe nor dies
        // writing to a closed one.
        if let Some(stderr) = xvfb.stderr.take() {
            std::thread::spawn(move || drain(stderr));
        }
        Display {
            name: format!(":{number}"),
            xvfb: Some(xvfb),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// What `xdotool` prints.
    pub fn xdotool_output(&self, args: &[&str]) -> String {
        let output = Command::new("xdotool")
            .args(args)
            .env("DISPLAY", &self.name)
            .output()
            .expect("cannot run xdotool (install it: scripts/install-deps.sh)");
        assert!(output.status.success(), "xdotool {args:?} failed");
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// The ids of the mapped windows whose title matches the regular
    /// expression `title` (none is not an error).
    pub fn windows_named(&self, title: &str) -> Vec<u64> {
        let output = Command::new("xdotool")
            .args(["search", "--onlyvisible", "--name", title])
            .env("DISPLAY", &self.name)
            .output()
            .expect("cannot run xdotool (install it: scripts/install-deps.sh)");
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| line.trim().parse().ok())
            .collect()
    }

    /// Waits for a window titled as `title` matches to show, and returns
    /// its id.
    ///
    /// # Panics
    /// When [`STEP_BOUND`] passes first.
    pub fn wait_window_named(&self, title: &str) -> u64 {
        let deadline = Instant::now() + STEP_BOUND;
        loop {
            if let Some(id) = self.windows_named(title).first() {
                return *id;
            }
            assert!(Instant::now() < deadline, "no window `{title}` showed");
            std::thread::sleep(POLL);
        }
    }

    pub fn xdotool(&self, args: &[&str]) {
        let status = Command::new("xdotool")
            .args(args)
            .env("DISPLAY", &self.name)
            .status()
            .expect("cannot run xdotool (install it: scripts/install-deps.sh)");
        assert!(status.success(), "xdotool {args:?} failed with {status}");
    }

    /// Asks window `window_id` to close as a window manager's close button
    /// does (`tests/tools/wm_close.py`; Xvfb has no window manager).
    pub fn close_window(&self, window_id: u64) {
        let script = crate::workspace_root().join("tests/tools/wm_close.py");
        // Debian's Python, which has the python3-xlib package (another
        // python3 may come first on PATH).
        let status = Command::new("/usr/bin/python3")
            .arg(script)
            .arg(window_id.to_string())
            .env("DISPLAY", &self.name)
            .status()
            .expect("cannot run /usr/bin/python3 (scripts/install-deps.sh)");
        assert!(status.success(), "wm_close.py failed with {status}");
    }

    pub fn screenshot(&self, path: &Path) {
        let output = Command::new("import")
            .args(["-display", &self.name, "-window", "root"])
            .arg(path)
            .output()
            .expect("cannot run import (install imagemagick: scripts/install-deps.sh)");
        assert!(
            output.status.success(),
            "import failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        if let Some(xvfb) = &mut self.xvfb {
            let _ = xvfb.kill();
            let _ = xvfb.wait();
        }
    }
}

/// `wasmtron run --automation` as a child: commands on its stdin, one answer
/// line each on its stdout. Killed on drop if it is still running.
#[derive(Debug)]
pub struct AutomatedApp {
    child: Child,
    stdin: Option<ChildStdin>,
    answers: Receiver<String>,
    next_id: u64,
    /// The app's log lines so far.
    log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl AutomatedApp {
    pub fn spawn(binary: &Path, app_dir: &Path, display: &str) -> Self {
        let args = ["run".as_ref(), app_dir.as_os_str(), "--automation".as_ref()];
        Self::spawn_with(binary, &args, display)
    }

    /// `binary` with `args`, which must include `run --automation`.
    pub fn spawn_with(binary: &Path, args: &[&std::ffi::OsStr], display: &str) -> Self {
        let mut child = Command::new(binary)
            .args(args)
            .env("DISPLAY", display)
            // xdotool speaks X11; keep GTK off Wayland even if one is around.
            .env("GDK_BACKEND", "x11")
            // WebKitGTK's GPU paths do not work on Xvfb's software display.
            .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
            .env("WEBKIT_DISABLE_DMABUF_RENDERER", "1")
            // The log is read through a pipe, as plain text.
            .env("NO_COLOR", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cannot start wasmtron");
        let stdin = child.stdin.take();
        let answers = read_lines(child.stdout.take().expect("stdout is piped"));
        // The app's log goes to the test's output: captured by the harness
        // (shown when the test fails), live with --nocapture.
        let lines = read_lines(child.stderr.take().expect("stderr is piped"));
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let kept = log.clone();
        std::thread::spawn(move || {
            for line in lines {
                eprintln!("wasmtron: {line}");
                kept.lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push(line);
            }
        });
        AutomatedApp {
            child,
            stdin,
            answers,
            next_id: 0,
            log,
        }
    }

    fn send(&mut self, command: Value) -> u64 {
        self.next_id += 1;
        let mut request = command;
        request["id"] = self.next_id.into();
        let stdin = self.stdin.as_mut().expect("stdin is open until quit");
        writeln!(stdin, "{request}")
            .and_then(|()| stdin.flush())
            .expect("cannot write to wasmtron (has it exited?)");
        self.next_id
    }

    /// Sends a command and returns its answer: `Ok(ok)` or `Err(error)`.
    pub fn ask(&mut self, command: Value) -> Result<Value, String> {
        let shown = command.to_string();
        let id = self.send(command);
        let deadline = Instant::now() + STEP_BOUND;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = match self.answers.recv_timeout(left) {
                Ok(line) => line,
                Err(RecvTimeoutError::Timeout) => panic!("no answer to {shown}"),
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("wasmtron closed its output before answering {shown}")
                }
            };
            let mut answer: Value = serde_json::from_str(&line)
                .unwrap_or_else(|err| panic!("bad answer line {line:?}: {err}"));
            // Answers come in order; one for an earlier request whose wait
            // ended is skipped.
            if answer["id"] != id {
                continue;
            }
            return match answer.get_mut("ok") {
                Some(ok) => Ok(ok.take()),
                None => Err(answer["error"].to_string()),
            };
        }
    }

    /// Reads an element's text until `done` accepts it, and returns it.
    ///
    /// # Panics
    /// When `bound` passes first, with the last value seen.
    pub fn wait_text(
        &mut self,
        selector: &str,
        bound: Duration,
        done: impl Fn(&str) -> bool,
    ) -> String {
        self.wait_text_in("main", selector, bound, done)
    }

    /// Whether the element's text passes `done` within `bound`.
    pub fn text_within(
        &mut self,
        window: &str,
        selector: &str,
        bound: Duration,
        done: impl Fn(&str) -> bool,
    ) -> bool {
        self.poll_text(window, selector, bound, done).is_ok()
    }

    /// [`wait_text`](Self::wait_text) in window `window`.
    ///
    /// # Panics
    /// When `bound` passes first, with the last value seen.
    pub fn wait_text_in(
        &mut self,
        window: &str,
        selector: &str,
        bound: Duration,
        done: impl Fn(&str) -> bool,
    ) -> String {
        self.poll_text(window, selector, bound, done)
            .unwrap_or_else(|last| {
                panic!(
                    "{selector} never reached the expected state within {bound:?}; last: {last:?}"
                )
            })
    }

    /// Reads the element's text until `done` accepts it (`Ok`, the text) or
    /// `bound` passes (`Err`, the last answer).
    fn poll_text(
        &mut self,
        window: &str,
        selector: &str,
        bound: Duration,
        done: impl Fn(&str) -> bool,
    ) -> Result<String, Result<Value, String>> {
        self.poll(
            json!({"cmd": "text", "window": window, "selector": selector}),
            bound,
            |answer| answer.as_str().filter(|text| done(text)).is_some(),
        )
        .map(|answer| answer.as_str().unwrap_or_default().to_owned())
    }

    /// Asks `command` until `done` accepts its answer (`Ok`, the answer) or
    /// `bound` passes (`Err`, the last answer). Errors are expected while the
    /// window is still opening, so they are asked again.
    fn poll(
        &mut self,
        command: Value,
        bound: Duration,
        done: impl Fn(&Value) -> bool,
    ) -> Result<Value, Result<Value, String>> {
        let deadline = Instant::now() + bound;
        loop {
            let last = self.ask(command.clone());
            if let Ok(answer) = &last
                && done(answer)
            {
                return Ok(answer.clone());
            }
            if Instant::now() >= deadline {
                return Err(last);
            }
            std::thread::sleep(POLL);
        }
    }

    pub fn window_id(&mut self) -> u64 {
        self.window_id_of("main")
    }

    /// The X11 id of window `window`.
    pub fn window_id_of(&mut self, window: &str) -> u64 {
        self.ask(json!({"cmd": "window-id", "window": window}))
            .unwrap_or_else(|err| panic!("window {window} has no X11 id: {err}"))
            .as_u64()
            .expect("the window id is a number")
    }

    /// Where an element of window `window` is, in the window: `x`, `y`,
    /// `width`, `height` (all 0 for one that is not displayed).
    pub fn rect_in(&mut self, window: &str, selector: &str) -> Value {
        self.ask(json!({"cmd": "rect", "window": window, "selector": selector}))
            .unwrap_or_else(|err| panic!("rect {selector}: {err}"))
    }

    /// Clicks the centre of an element with the real pointer.
    pub fn click(&mut self, display: &Display, window_id: u64, selector: &str) {
        self.click_in(display, "main", window_id, selector);
    }

    /// Types `text` into the field `selector` of window `window` with real
    /// keys, and waits until the field holds it.
    ///
    /// Each step waits for the page to show the last one done: the click
    /// must have given the field the focus before a key is sent (keys go to
    /// whatever has it), and `xdotool` returns once the X server has the
    /// keys, before GTK and the web process have handled them, so the field
    /// is read until it holds all of them.
    ///
    /// # Panics
    /// When a step is not seen within [`STEP_BOUND`], with what the page
    /// showed last.
    pub fn type_into(
        &mut self,
        display: &Display,
        window: &str,
        window_id: u64,
        selector: &str,
        text: &str,
    ) {
        let value = json!({"cmd": "value", "window": window, "selector": selector});
        self.focus(display, window, window_id, selector);
        display.xdotool(&["key", "ctrl+a", "BackSpace"]);
        if let Err(last) = self.poll(value.clone(), STEP_BOUND, |held| held.as_str() == Some("")) {
            panic!("{selector} in {window} was never emptied; last: {last:?}");
        }
        display.xdotool(&["type", "--delay", "20", text]);
        if let Err(last) = self.poll(value, STEP_BOUND, |held| held.as_str() == Some(text)) {
            panic!("{selector} in {window} never held {text:?}; last: {last:?}");
        }
    }

    /// Clicks the field `selector` of window `window` with the real pointer
    /// and waits until it has the keyboard focus, so that keys sent next go
    /// to it.
    ///
    /// # Panics
    /// When the field has not taken the focus within [`STEP_BOUND`].
    pub fn focus(&mut self, display: &Display, window: &str, window_id: u64, selector: &str) {
        self.click_in(display, window, window_id, selector);
        let focused = json!({"cmd": "focused", "window": window, "selector": selector});
        if let Err(last) = self.poll(focused, STEP_BOUND, |focused| {
            focused.as_bool() == Some(true)
        }) {
            panic!("{selector} in {window} never took the focus after a click; last: {last:?}");
        }
    }

    /// [`click`](Self::click) in window `window`.
    pub fn click_in(&mut self, display: &Display, window: &str, window_id: u64, selector: &str) {
        let rect = self.rect_in(window, selector);
        let centre = |start: &str, length: &str| {
            let start = rect[start].as_f64().expect("rect has numbers");
            let length = rect[length].as_f64().expect("rect has numbers");
            format!("{:.0}", start + length / 2.0)
        };
        let (x, y) = (centre("x", "width"), centre("y", "height"));
        display.xdotool(&[
            "mousemove",
            "--window",
            &window_id.to_string(),
            &x,
            &y,
            "click",
            "1",
        ]);
    }

    /// Waits until the app has logged a line containing `needle`, and
    /// returns it.
    ///
    /// # Panics
    /// When [`STEP_BOUND`] passes first.
    pub fn wait_log(&self, needle: &str) -> String {
        self.wait_logged(needle, 1)
    }

    /// Waits until the app has logged `count` lines containing `needle`,
    /// and returns the last of them.
    ///
    /// # Panics
    /// When [`STEP_BOUND`] passes first.
    pub fn wait_logged(&self, needle: &str, count: usize) -> String {
        let deadline = Instant::now() + STEP_BOUND;
        loop {
            let found = self
                .log
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .iter()
                .filter(|line| line.contains(needle))
                .nth(count - 1)
                .cloned();
            if let Some(line) = found {
                return line;
            }
            assert!(
                Instant::now() < deadline,
                "the app never logged `{needle}` {count} time(s)"
            );
            std::thread::sleep(POLL);
        }
    }

    /// Waits for the app to exit by itself and returns its status.
    ///
    /// # Panics
    /// When it has not exited after [`STEP_BOUND`].
    pub fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + STEP_BOUND;
        loop {
            if let Some(status) = self.child.try_wait().expect("cannot wait for wasmtron") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "wasmtron did not exit within {STEP_BOUND:?}"
            );
            std::thread::sleep(POLL);
        }
    }

    /// Asks the app to close its windows and returns its exit status.
    ///
    /// # Panics
    /// When it has not exited after [`STEP_BOUND`].
    pub fn quit(&mut self) -> ExitStatus {
        // The process may end before its answer is written, so none is
        // awaited; the exit status is the answer.
        self.send(json!({"cmd": "quit"}));
        self.stdin = None;
        self.wait_exit()
    }
}

impl Drop for AutomatedApp {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The lines of a child's output, read on a thread of their own so that
/// waits on them can be bounded.
fn read_lines(output: impl Read + Send + 'static) -> Receiver<String> {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(output).lines() {
            let Ok(line) = line else { break };
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    receiver
}

/// Reads a child's output to its end and drops it.
fn drain(mut output: impl Read) {
    let _ = std::io::copy(&mut output, &mut std::io::sink());
}
