//! Fixtures for wasmtron's integration tests: the guest components (built
//! from source by `build.rs`), temporary app folders, and a running app on
//! the headless window backend.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmtron::window::HeadlessBackend;
use wasmtron::{App, AppBuilder, AppError, Isolation, Manifest};

/// Paths of the guest components, built for this test run.
pub mod guests {
    include!(concat!(env!("OUT_DIR"), "/guests.rs"));
}

pub mod desktop;
mod log;

pub use log::{CapturedLog, captured_log};

/// The probe page the test renderer drives.
pub const PROBE_PAGE: &str = include_str!("../fixtures/probe.html");

/// The page of the page-event tests, and its own script.
pub const EVENTS_PAGE: &str = include_str!("../fixtures/events.html");
pub const EVENTS_SCRIPT: &str = include_str!("../fixtures/events.js");

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// A temporary app folder: manifest, UI and components.
#[derive(Debug)]
pub struct AppDir {
    dir: tempfile::TempDir,
}

impl AppDir {
    /// An app folder holding `manifest`, the probe page as `ui/index.html`,
    /// and the test components as `dist/main.wasm`, `dist/renderer.wasm`,
    /// `dist/sneaky.wasm`, `dist/utility.wasm`.
    pub fn new(manifest: &str) -> Self {
        let dir = tempfile::tempdir().expect("cannot create a temp dir");
        let app = AppDir { dir };
        app.write("ui/index.html", PROBE_PAGE);
        app.copy(guests::TEST_MAIN, "dist/main.wasm");
        app.copy(guests::TEST_RENDERER, "dist/renderer.wasm");
        app.copy(guests::SNEAKY_RENDERER, "dist/sneaky.wasm");
        app.copy(guests::TEST_UTILITY, "dist/utility.wasm");
        app.write("wasmtron.toml", manifest);
        app
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file under the folder.
    pub fn write(&self, relative: &str, contents: impl AsRef<[u8]>) {
        let path = self.dir.path().join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("cannot create a folder");
        }
        std::fs::write(path, contents).expect("cannot write a file");
    }

    /// Copies a file into the folder.
    pub fn copy(&self, from: &str, relative: &str) {
        let bytes = std::fs::read(from).expect("cannot read a guest component");
        self.write(relative, bytes);
    }

    /// Loads the folder's manifest.
    pub fn manifest(&self) -> Manifest {
        Manifest::load(self.path()).expect("the test manifest is valid")
    }
}

/// An app folder for the page-event tests: the test main component and
/// window `main` with the events renderer (`guests/events-renderer`) on
/// [`EVENTS_PAGE`]; `limits` is the window's `[window.limits]` table, if
/// any (`"max-message-bytes = 64"`).
pub fn events_app(limits: &str) -> AppDir {
    let mut manifest =
        manifest_with_windows(&[("main", &[])]).replace("dist/renderer.wasm", "dist/events.wasm");
    if !limits.is_empty() {
        manifest.push_str(&format!("[window.limits]\n{limits}\n"));
    }
    let dir = AppDir::new(&manifest);
    dir.copy(guests::EVENTS_RENDERER, "dist/events.wasm");
    dir.write("ui/index.html", EVENTS_PAGE);
    dir.write("ui/events.js", EVENTS_SCRIPT);
    dir
}

/// A manifest with the test main component and one window per
/// `(label, channels)`.
pub fn manifest_with_windows(windows: &[(&str, &[&str])]) -> String {
    let mut text =
        String::from("[app]\nname = \"probe\"\n\n[main]\ncomponent = \"dist/main.wasm\"\n");
    for (label, channels) in windows {
        let list: Vec<String> = channels.iter().map(|c| format!("{c:?}")).collect();
        text.push_str(&format!(
            "\n[[window]]\nlabel = \"{label}\"\nrenderer = \"dist/renderer.wasm\"\nchannels = [{}]\n",
            list.join(", ")
        ));
    }
    text
}

/// Reads the test main component's channel table
/// (`guests/test-main/src/channels.rs`), from which the component also
/// builds its dispatch, as the list of channels to grant.
macro_rules! read_channels {
    (
        handled [$($channel:literal => $handler:path,)*]
        granted_only [$($granted_only:literal,)*]
    ) => {
        /// Every channel the test main component handles, by suite, then
        /// those it hears as `send`s, never handles, or handles only after
        /// registering them: what a window granted everything may use.
        pub const ALL_CHANNELS: &[&str] = &[$($channel,)* $($granted_only,)*];
    };
}

include!("../guests/test-main/src/channels.rs");

/// A running app on the headless backend, with helpers to drive its pages.
#[derive(Debug)]
pub struct Running {
    pub app: App,
    pub windows: Arc<HeadlessBackend>,
    _dir: AppDir,
}

impl Running {
    /// Starts the app in `dir` and waits until every window opened at start
    /// has loaded its page.
    pub fn start(dir: AppDir) -> Result<Self, AppError> {
        let windows = Arc::new(HeadlessBackend::new());
        let manifest = dir.manifest();
        let labels: Vec<String> = manifest
            .windows
            .iter()
            .filter(|w| w.open_at_start)
            .map(|w| w.label.clone())
            .collect();
        let app = builder(manifest, windows.clone()).start()?;
        let running = Running {
            app,
            windows,
            _dir: dir,
        };
        for label in labels {
            running.wait_text(&label, "#status", "loaded");
        }
        Ok(running)
    }

    /// Starts an example app copied into `dir` on the headless backend, in
    /// the suite's isolation mode, and waits until `#status` of its window
    /// `window` reads `ready`.
    pub fn start_example(dir: AppDir, window: &str, ready: &str) -> Self {
        let windows = Arc::new(HeadlessBackend::new());
        let app = builder(dir.manifest(), windows.clone())
            .start()
            .expect("the example starts");
        let running = Running::from_parts(app, windows, dir);
        running.wait_text(window, "#status", ready);
        running
    }

    /// Wraps an app started by the caller.
    pub fn from_parts(app: App, windows: Arc<HeadlessBackend>, dir: AppDir) -> Self {
        Running {
            app,
            windows,
            _dir: dir,
        }
    }

    /// Types into an input (fires `input` events).
    pub fn input(&self, window: &str, selector: &str, text: &str) {
        self.windows
            .input(window, selector, text)
            .expect("the input exists");
    }

    /// Clicks an element.
    pub fn click(&self, window: &str, selector: &str) {
        self.windows
            .click(window, selector)
            .expect("the element exists");
    }

    /// Sets the probe's channel and argument, clicks a button and returns
    /// the new `#result`.
    pub fn probe(&self, window: &str, channel: &str, arg: &str, button: &str) -> String {
        self.windows.apply_clear(window, "#result");
        self.input(window, "#channel", channel);
        self.input(window, "#arg", arg);
        self.click(window, button);
        self.result(window)
    }

    /// Starts an invoke of `channel` with `arg` from `window` without
    /// waiting for it; [`result`](Self::result) reads the reply.
    pub fn start_invoke(&self, window: &str, channel: &str, arg: &str) {
        self.windows.apply_clear(window, "#result");
        self.input(window, "#channel", channel);
        self.input(window, "#arg", arg);
        self.click(window, "#invoke");
    }

    /// Waits for the reply of the probe started last in `window`.
    pub fn result(&self, window: &str) -> String {
        self.wait_until(window, "#result", |text| !text.is_empty())
    }

    /// Invokes `channel` with `arg` from `window` and returns `#result`.
    pub fn invoke(&self, window: &str, channel: &str, arg: &str) -> String {
        self.probe(window, channel, arg, "#invoke")
    }

    /// Waits until the element's text equals `expected`.
    pub fn wait_text(&self, window: &str, selector: &str, expected: &str) {
        self.wait_until(window, selector, |text| text == expected);
    }

    /// Invokes `channel` from `window` until the reply contains `entry`, and
    /// returns that reply: for state main builds up, such as its message
    /// log.
    ///
    /// # Panics
    /// After 20 s without it (a bound on a hang, not a timing assertion).
    pub fn wait_invoke(&self, window: &str, channel: &str, entry: &str) -> String {
        let mut last = String::new();
        eventually(&format!("`{channel}` showing `{entry}`"), || {
            last = self.invoke(window, channel, "");
            last.contains(entry)
        });
        last
    }

    /// Waits until the element's text satisfies `done`, and returns it.
    ///
    /// # Panics
    /// After 20 s without success: the behaviour under test did not happen.
    /// (This bounds a hang; it is not a timing assertion.)
    pub fn wait_until(&self, window: &str, selector: &str, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let text = self.windows.text(window, selector).unwrap_or_default();
            if done(&text) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "{window} {selector} never reached the expected state; last text: {text:?}"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

/// Polls `done` until it holds.
///
/// # Panics
/// After 20 s without success, naming `what` never happened. (This bounds a
/// hang; it is not a timing assertion.)
pub fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "{what} never happened");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Small additions to the headless backend for tests.
pub trait HeadlessExt {
    /// Empties an element's text directly, as a reset between probes.
    fn apply_clear(&self, window: &str, selector: &str);
}

impl HeadlessExt for HeadlessBackend {
    fn apply_clear(&self, window: &str, selector: &str) {
        use wasmtron::window::{DomOp, WindowBackend};
        self.apply(
            window,
            DomOp::SetText {
                selector: selector.into(),
                text: String::new(),
            },
        );
    }
}

/// The isolation the suite runs in: `process` unless the environment says
/// `WASMTRON_TEST_ISOLATION=in-process`. `scripts/test.sh` runs the
/// integration suites once in each.
pub fn isolation() -> Isolation {
    match std::env::var("WASMTRON_TEST_ISOLATION").as_deref() {
        Ok("in-process") => Isolation::InProcess,
        _ => Isolation::Process,
    }
}

/// An app builder in the suite's isolation, whose worker processes run the
/// test worker program.
pub fn builder(manifest: Manifest, windows: Arc<HeadlessBackend>) -> AppBuilder {
    App::builder(manifest, windows)
        .isolation(isolation())
        .worker_program(test_worker())
}

/// `<target>/<profile>/<name>`: where cargo puts this package's binaries,
/// beside the `deps` folder holding the test binaries.
fn sibling_binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary has a path");
    exe.parent()
        .and_then(Path::parent)
        .map(|dir| dir.join(name))
        .unwrap_or_default()
}

/// The worker program of the tests (`src/bin/test_worker.rs`): the real
/// worker entry plus a native sandbox probe. Cargo builds it with the
/// integration tests.
pub fn test_worker() -> PathBuf {
    sibling_binary("wasmtron-test-worker")
}

/// `wasmtron check` on `dir`: its exit code, and what it printed on stdout
/// then stderr.
pub fn wasmtron_check(dir: &Path) -> (Option<i32>, String) {
    let output = std::process::Command::new(wasmtron_binary())
        .arg("check")
        .arg(dir)
        .output()
        .expect("wasmtron runs");
    let printed = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.code(), printed)
}

/// The manifest of a typed-call test app (tests/contracts.rs,
/// tests/polyglot_contracts.rs): main (`dist/contract-main.wasm`) bound to
/// utility `echo` (`dist/contract-utility.wasm`), and one window per label
/// with `renderer`, each bound to `window_provider`; `extra` is appended.
pub fn contracts_manifest(
    renderer: &str,
    labels: &[&str],
    window_provider: &str,
    extra: &str,
) -> String {
    let mut text = String::from(
        "[app]\nname = \"contracts\"\n\n[main]\ncomponent = \"dist/contract-main.wasm\"\n\
         [main.imports]\n\"probe:contracts/echo\" = \"utility:echo\"\n",
    );
    for label in labels {
        text.push_str(&format!(
            "\n[[window]]\nlabel = \"{label}\"\nrenderer = \"{renderer}\"\nchannels = [\"relay\"]\n\
             [window.limits]\nmax-message-bytes = 1048576\n\
             [window.imports]\n\"probe:contracts/echo\" = \"{window_provider}\"\n"
        ));
    }
    text.push_str(
        "\n[[utility]]\nname = \"echo\"\ncomponent = \"dist/contract-utility.wasm\"\n\
         [utility.limits]\ncpu-ms-per-call = 300\n",
    );
    text.push_str(extra);
    text
}

/// An app folder holding `manifest` and the Rust guests of the typed-call
/// tests, as `dist/<package>.wasm`.
pub fn contracts_app(manifest: &str) -> AppDir {
    let dir = AppDir::new(manifest);
    for (guest, name) in [
        (guests::CONTRACT_MAIN, "contract-main"),
        (guests::CONTRACT_RENDERER, "contract-renderer"),
        (guests::CONTRACT_UTILITY, "contract-utility"),
        (guests::CONTRACT_ODD, "contract-odd"),
        (guests::CONTRACT_CALLER, "contract-caller"),
    ] {
        dir.copy(guest, &format!("dist/{name}.wasm"));
    }
    dir
}

/// The program `name` of package `package` in this build.
///
/// # Panics
/// When it has not been built (scripts/test.sh builds both programs).
fn built_program(name: &str, package: &str) -> PathBuf {
    let binary = sibling_binary(name);
    assert!(
        binary.is_file(),
        "{} is missing: build it with `cargo build -p {package}` (scripts/test.sh does)",
        binary.display()
    );
    binary
}

/// The `wasmtron-worker` program of this build, built on its own
/// (`cargo build -p wasmtron-worker`) so that it links wasmtime without
/// Cranelift.
///
/// # Panics
/// When it has not been built.
pub fn worker_binary() -> PathBuf {
    built_program("wasmtron-worker", "wasmtron-worker")
}

/// The `wasmtron` binary of this build.
///
/// # Panics
/// When it has not been built.
pub fn wasmtron_binary() -> PathBuf {
    built_program("wasmtron", "wasmtron")
}

/// A temporary copy of the example app `examples/<name>`: its manifest, its
/// `ui/` folder, and its components as built for this test run, each copied
/// to `dist/<file>` for every `(component, file)`. Nothing else of the
/// example (generated data, a `dist/` of its own) is copied.
pub fn example_app(name: &str, components: &[(&str, &str)]) -> AppDir {
    let example = workspace_root().join("examples").join(name);
    let manifest = std::fs::read_to_string(example.join("wasmtron.toml"))
        .expect("the example has a wasmtron.toml");
    let dir = AppDir::new(&manifest);
    copy_folder(&example.join("ui"), &dir.path().join("ui"));
    for (component, file) in components {
        dir.copy(component, &format!("dist/{file}"));
    }
    dir
}

/// `<target>`: the test binary is `<target>/<profile>/deps/<name>-<hash>`.
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary has a path");
    exe.ancestors()
        .nth(3)
        .map(Path::to_path_buf)
        .expect("the test binary is inside a target dir")
}

/// Builds the JavaScript, Python and C guests (tests and the polyglot
/// example) once per test binary with `scripts/build-polyglot.sh`, which
/// skips guests whose inputs did not change, and returns their folder.
pub fn polyglot_guests() -> &'static Path {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT.get_or_init(|| {
        let target = target_dir();
        let out = target.join("polyglot-guests");
        let script = workspace_root().join("scripts/build-polyglot.sh");
        let status = std::process::Command::new("bash")
            .arg(&script)
            .arg(&out)
            // The toolchains live under the same target dir.
            .env("CARGO_TARGET_DIR", &target)
            .status()
            .expect("cannot run bash");
        assert!(status.success(), "{} failed: {status}", script.display());
        out
    })
}

/// The polyglot example in a temporary folder: its Rust main as built for
/// this test run, and its JavaScript, Python and C guests from
/// [`polyglot_guests`].
pub fn polyglot_app() -> AppDir {
    let guests = polyglot_guests();
    let parts: Vec<(String, String)> = ["renderer", "words", "checksum"]
        .iter()
        .map(|part| {
            let built = guests.join(format!("polyglot-{part}.wasm"));
            let built = built.to_str().expect("the target dir is UTF-8").to_owned();
            (built, format!("polyglot_{part}.wasm"))
        })
        .collect();
    let mut components = vec![(guests::POLYGLOT_MAIN, "polyglot_main.wasm")];
    components.extend(parts.iter().map(|(a, b)| (a.as_str(), b.as_str())));
    example_app("polyglot", &components)
}

/// Sends SIGKILL to `pid` (a worker process), as `kill -9` would.
pub fn kill_9(pid: u32) {
    let status = std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -9 {pid} failed");
}

/// Copies the folder `from`, with everything beneath it, to `to`.
pub fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("cannot create a folder");
    for entry in std::fs::read_dir(from).expect("cannot read a folder") {
        let entry = entry.expect("cannot read a folder entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("cannot stat an entry").is_dir() {
            copy_folder(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("cannot copy a file");
        }
    }
}

/// The multi-window example in a temp folder, its components built from
/// source.
pub fn multi_window_app() -> AppDir {
    example_app(
        "multi-window",
        &[
            (guests::MULTI_WINDOW_MAIN, "multi_window_main.wasm"),
            (guests::MULTI_WINDOW_RENDERER, "multi_window_renderer.wasm"),
        ],
    )
}

/// The utility-parse example in a temporary folder, with its components as
/// built for this test run and a `data/records.json` of `records` records
/// written by the example's own `setup.py` (Python 3).
pub fn utility_parse_app(records: u32) -> AppDir {
    let dir = example_app(
        "utility-parse",
        &[
            (guests::UTILITY_PARSE_MAIN, "utility_parse_main.wasm"),
            (guests::UTILITY_PARSE_PARSER, "utility_parse_parser.wasm"),
            (
                guests::UTILITY_PARSE_RENDERER,
                "utility_parse_renderer.wasm",
            ),
        ],
    );
    let setup = workspace_root().join("examples/utility-parse/setup.py");
    let output = std::process::Command::new("python3")
        .arg(&setup)
        .args(["--records", &records.to_string(), "--out"])
        .arg(dir.path().join("data/records.json"))
        .output()
        .expect("cannot run python3, which the example's setup.py needs");
    assert!(
        output.status.success(),
        "{} failed with {}: {}",
        setup.display(),
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    dir
}

#[cfg(test)]
mod tests {
    use super::ALL_CHANNELS;

    #[test]
    fn the_channel_table_names_each_channel_once() {
        for (i, channel) in ALL_CHANNELS.iter().enumerate() {
            assert!(
                !ALL_CHANNELS[i + 1..].contains(channel),
                "`{channel}` is listed twice in guests/test-main/src/channels.rs"
            );
        }
    }
}
