//! The app author's tools, used as a new user would: wasmtron installed by
//! `scripts/install.sh` into a prefix of its own (from this build's programs,
//! so nothing is compiled twice), `new` in an empty folder outside the
//! repository, `build`, the app run headless and answering; a build error
//! naming its component; and `bundle`: the `.deb` installed with `dpkg -i`,
//! launched from its menu entry's program under Xvfb with every component
//! precompiled at install, and removed; the `.tar.gz` run from an unpacked
//! folder.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use wasmtron_tests::desktop::{AutomatedApp, Display, START_BOUND, STEP_BOUND, assert_painted};
use wasmtron_tests::{example_app, guests, wasmtron_binary, workspace_root};

/// wasmtron installed by the README's command, from this build's
/// programs, into `<target>/tooling-install` once per run of this file (a
/// fixed place, replaced at each run, rather than a gigabyte of debug
/// programs copied per test); and a compile cache of the test's own,
/// empty at first.
struct Installed {
    prefix: &'static Path,
    cache: tempfile::TempDir,
}

impl Installed {
    fn new() -> Self {
        static PREFIX: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
        let prefix = PREFIX.get_or_init(|| {
            let built = wasmtron_binary();
            let from = built.parent().expect("the binary is in a folder");
            let prefix = from
                .parent()
                .expect("<target>/debug")
                .join("tooling-install");
            let output = Command::new("bash")
                .arg(workspace_root().join("scripts/install.sh"))
                .arg("--prefix")
                .arg(&prefix)
                .arg("--from-target")
                .arg(from)
                .output()
                .expect("bash runs");
            assert_success("scripts/install.sh", &output);
            prefix
        });
        Installed {
            prefix,
            cache: tempfile::tempdir().expect("a temp folder"),
        }
    }

    fn wasmtron(&self) -> PathBuf {
        self.prefix.join("bin/wasmtron")
    }

    /// The installed `wasmtron` with `args` in `dir`, as a user's shell
    /// would run it: no variables of this build's cargo. Its guests build
    /// in the suite's own guest target folder, reusing the compiled
    /// dependencies, and offline.
    fn command(&self, dir: &Path, args: &[&str]) -> Command {
        let mut command = Command::new(self.wasmtron());
        command.args(args).current_dir(dir);
        for var in std::env::vars_os().map(|(k, _)| k) {
            let name = var.to_string_lossy();
            if name.starts_with("CARGO") || name.starts_with("RUSTC") || name == "RUSTFLAGS" {
                command.env_remove(&var);
            }
        }
        command
            .env("CARGO_TARGET_DIR", guests_target())
            .env("CARGO_NET_OFFLINE", "true")
            .env("WASMTRON_CACHE_DIR", self.cache.path())
            .env("NO_COLOR", "1");
        command
    }

    fn run(&self, dir: &Path, args: &[&str]) -> Output {
        self.command(dir, args).output().expect("wasmtron runs")
    }
}

/// `<target>/guests`, where tests/build.rs builds every guest.
fn guests_target() -> PathBuf {
    Path::new(guests::HELLO_MAIN)
        .ancestors()
        .nth(3)
        .expect("<target>/guests/wasm32-wasip2/release/x.wasm")
        .to_path_buf()
}

fn assert_success(what: &str, output: &Output) {
    assert!(
        output.status.success(),
        "{what} failed ({}):\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Every file beneath `dir`, `sdk/` and build output aside.
fn texts(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).expect("a folder") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            found.extend(texts(&path));
        } else if let Ok(text) = std::fs::read_to_string(&path) {
            found.push((path, text));
        }
    }
    found
}

/// Runs the app in `dir` headless with automation, greets `name` and checks
/// main's reply and count reach the page.
fn greet_headless(installed: &Installed, dir: &Path, name: &str) {
    let mut child = installed
        .command(dir, &["run", "--headless", "--automation"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("wasmtron starts");
    let mut stdin = child.stdin.take().expect("piped");
    let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
    let mut ask = |line: String| -> serde_json::Value {
        writeln!(stdin, "{line}").expect("the app reads commands");
        let mut answer = String::new();
        stdout.read_line(&mut answer).expect("the app answers");
        serde_json::from_str(&answer).unwrap_or_else(|err| panic!("{err}: {answer:?}"))
    };
    let text = |ask: &mut dyn FnMut(String) -> serde_json::Value, selector: &str| {
        ask(format!(
            r#"{{"id":1,"cmd":"text","window":"main","selector":"{selector}"}}"#
        ))["ok"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    // The page is there once its count line is.
    while !text(&mut ask, "#count").contains("No greetings") {
        assert!(Instant::now() < deadline, "the page never showed");
        std::thread::sleep(Duration::from_millis(20));
    }
    ask(format!(
        r##"{{"id":2,"cmd":"input","window":"main","selector":"#name","text":"{name}"}}"##
    ));
    ask(r##"{"id":3,"cmd":"click","window":"main","selector":"#greet"}"##.into());
    let greeting = format!("Hello, {name}!");
    while text(&mut ask, "#reply") != greeting || !text(&mut ask, "#count").ends_with(": 1") {
        assert!(Instant::now() < deadline, "no greeting from main");
        std::thread::sleep(Duration::from_millis(20));
    }
    ask(r#"{"id":4,"cmd":"quit"}"#.into());
    drop(stdin);
    let status = child.wait().expect("the app exits");
    assert!(status.success(), "{status:?}");
}

#[test]
fn a_new_app_builds_and_runs_from_the_installed_wasmtron() {
    let started = Instant::now();
    let installed = Installed::new();
    let work = tempfile::tempdir().expect("a temp folder");
    assert!(!work.path().starts_with(workspace_root()));

    let made = installed.run(work.path(), &["new", "first-app"]);
    assert_success("wasmtron new", &made);
    let app = work.path().join("first-app");
    // Nothing of the app points into this repository.
    let repo = workspace_root().display().to_string();
    for (path, text) in texts(&app) {
        assert!(
            !text.contains(&repo),
            "{} names the repository",
            path.display()
        );
    }
    let again = installed.run(work.path(), &["new", "first-app"]);
    assert!(!again.status.success(), "a second `new` overwrote the app");

    let built = installed.run(&app, &["build"]);
    assert_success("wasmtron build", &built);
    // Progress goes to stderr, as cargo's own.
    let report = String::from_utf8_lossy(&built.stderr);
    assert!(
        report.contains(
            "building `dist/first_app_main.wasm` (main.component) from crate `first-app-main`"
        ),
        "{report}"
    );
    assert!(
        report.contains("from crate `first-app-renderer`"),
        "{report}"
    );
    // The check compiled both into the (empty) compile cache.
    assert_eq!(
        report.matches(": compiled into the compile cache").count(),
        2,
        "{report}"
    );
    let entries = std::fs::read_dir(installed.cache.path().join("components"))
        .expect("the cache was made")
        .count();
    assert_eq!(entries, 2);

    greet_headless(&installed, &app, "Ada");

    // A compile error names the component and shows rustc's own message;
    // the last good component stays in place.
    let source = app.join("main/src/lib.rs");
    let good = std::fs::read_to_string(&source).expect("the source");
    std::fs::write(
        &source,
        good.replace("self.greetings += 1;", "self.greetings += ;"),
    )
    .expect("written");
    let broken = installed.run(&app, &["build"]);
    assert!(!broken.status.success());
    let errors = String::from_utf8_lossy(&broken.stderr);
    assert!(
        errors.contains(
            "error: component `dist/first_app_main.wasm` (main.component): crate `first-app-main` failed to build"
        ),
        "{errors}"
    );
    assert!(errors.contains("error: expected expression"), "{errors}");
    assert!(app.join("dist/first_app_main.wasm").is_file());
    println!(
        "install, new, build, run: {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn names_that_cannot_name_an_app_are_refused_before_anything_is_made() {
    let installed = Installed::new();
    let work = tempfile::tempdir().expect("a temp folder");
    let refused = installed.run(work.path(), &["new", "My App"]);
    assert!(!refused.status.success());
    let errors = String::from_utf8_lossy(&refused.stderr);
    assert!(errors.contains("`My App` cannot name an app"), "{errors}");
    assert_eq!(std::fs::read_dir(work.path()).expect("a folder").count(), 0);
}

/// The package name of the bundled hello example: its own name would be
/// Debian's `hello` package.
const PACKAGE: &str = "wasmtron-hello-test";

/// Removes the test's package when dropped, also when the test fails.
struct InstalledPackage;

impl Drop for InstalledPackage {
    fn drop(&mut self) {
        let _ = Command::new("dpkg").args(["--purge", PACKAGE]).output();
    }
}

#[test]
fn a_bundled_app_installs_launches_precompiled_and_uninstalls() {
    if !is_root() {
        eprintln!("skipped: installing a .deb needs root (CI runs as root)");
        return;
    }
    let started = Instant::now();
    let installed = Installed::new();
    let app = example_app(
        "hello",
        &[
            (guests::HELLO_MAIN, "hello_main.wasm"),
            (guests::HELLO_RENDERER, "hello_renderer.wasm"),
        ],
    );
    let manifest = std::fs::read_to_string(app.path().join("wasmtron.toml")).expect("manifest");
    app.write(
        "wasmtron.toml",
        manifest.replace("name = \"hello\"", &format!("name = \"{PACKAGE}\"")),
    );
    let out = tempfile::tempdir().expect("a temp folder");
    let out_arg = out.path().to_str().expect("UTF-8");
    let bundled = installed.run(
        app.path(),
        &[
            "bundle",
            "--version",
            "1.2.3",
            "--description",
            "Says hello",
            "--url-scheme",
            "wasmtron-hello",
            "--out",
            out_arg,
        ],
    );
    assert_success("wasmtron bundle", &bundled);
    let deb = out
        .path()
        .join(format!("{PACKAGE}_1.2.3_{}.deb", debian_arch()));
    let tarball = out
        .path()
        .join(format!("{PACKAGE}-1.2.3-{}.tar.gz", std::env::consts::ARCH));
    assert!(
        deb.is_file() && tarball.is_file(),
        "{}",
        String::from_utf8_lossy(&bundled.stdout)
    );

    let field = |name: &str| {
        let output = Command::new("dpkg-deb")
            .arg("-f")
            .arg(&deb)
            .arg(name)
            .output()
            .expect("dpkg-deb");
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    };
    assert_eq!(field("Version"), "1.2.3");
    assert_eq!(field("Description"), "Says hello");
    assert!(field("Depends").contains("libwebkit2gtk-4.1-0"));
    // No compiled code is shipped: only the installed host makes it.
    let listing = Command::new("dpkg-deb")
        .arg("-c")
        .arg(&deb)
        .output()
        .expect("dpkg-deb");
    let listing = String::from_utf8_lossy(&listing.stdout);
    assert!(!listing.contains(".cwasm"), "{listing}");

    let _cleanup = InstalledPackage;
    let install = Command::new("dpkg")
        .arg("-i")
        .arg(&deb)
        .output()
        .expect("dpkg");
    assert_success("dpkg -i", &install);
    let desktop = std::fs::read_to_string(format!("/usr/share/applications/{PACKAGE}.desktop"))
        .expect("the menu entry is installed");
    assert!(desktop.contains(&format!("Name={PACKAGE}\n")), "{desktop}");
    assert!(
        desktop.contains(&format!("Exec=/usr/bin/{PACKAGE} %u\n")),
        "{desktop}"
    );
    assert!(
        desktop.contains("MimeType=x-scheme-handler/wasmtron-hello;\n"),
        "{desktop}"
    );
    let store = format!("/var/lib/{PACKAGE}/precompiled");
    let precompiled = std::fs::read_dir(&store)
        .expect("the install precompiled")
        .count();
    assert_eq!(precompiled, 2);

    // The menu entry's program opens the window and paints it, compiling
    // nothing: both components come from the install's store.
    let display = Display::acquire();
    {
        let launcher = format!("/usr/bin/{PACKAGE}");
        let log = tempfile::NamedTempFile::new().expect("a log file");
        // A user who never ran anything: an empty compile cache.
        let cache = tempfile::tempdir().expect("a temp folder");
        let mut child = Command::new(&launcher)
            .env("DISPLAY", display.name())
            .env("GDK_BACKEND", "x11")
            .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
            .env("NO_COLOR", "1")
            .env("WASMTRON_CACHE_DIR", cache.path())
            .stderr(log.reopen().expect("the log file"))
            .spawn()
            .expect("the launcher starts");
        let window = display.wait_window_named("Hello from wasmtron");
        let deadline = Instant::now() + START_BOUND;
        let text = loop {
            let text = std::fs::read_to_string(log.path()).unwrap_or_default();
            if text.matches("precompiled at install").count() == 2 || Instant::now() > deadline {
                break text;
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        std::thread::sleep(Duration::from_secs(1));
        assert_painted(&display, "bundled-hello.png");
        display.close_window(window);
        let status = child.wait().expect("the app ends");
        assert!(status.success(), "{status:?}\n{text}");
        assert!(
            text.contains("loaded `hello_main.wasm` precompiled at install"),
            "{text}"
        );
        assert!(
            text.contains("loaded `hello_renderer.wasm` precompiled at install"),
            "{text}"
        );
        assert!(!text.contains("compiling"), "{text}");
        let cached = std::fs::read_dir(cache.path().join("components"))
            .map(|d| d.count())
            .unwrap_or(0);
        assert_eq!(cached, 0, "the launch compiled into the user's cache");
    }

    // The greet round trip through the real window, run as the launcher
    // runs it.
    let launcher = std::fs::read_to_string(format!("/usr/bin/{PACKAGE}")).expect("the launcher");
    let lib = format!("/usr/lib/{PACKAGE}");
    assert!(
        launcher.contains(&format!(
            "exec {lib}/bin/wasmtron run --precompiled {store} {lib}/app -- \"$@\""
        )),
        "{launcher}"
    );
    let args: Vec<std::ffi::OsString> = [
        "run",
        "--automation",
        "--precompiled",
        &store,
        &format!("{lib}/app"),
    ]
    .iter()
    .map(Into::into)
    .collect();
    let args: Vec<&std::ffi::OsStr> = args.iter().map(AsRef::as_ref).collect();
    let mut window = AutomatedApp::spawn_with(
        Path::new(&format!("{lib}/bin/wasmtron")),
        &args,
        display.name(),
    );
    window.wait_text("#tick", START_BOUND, |text| text.contains("up"));
    let window_id = window.window_id();
    window.focus(&display, "main", window_id, "#name");
    display.xdotool(&["type", "--delay", "50", "Ada"]);
    window.click(&display, window_id, "#greet");
    window.wait_text("#reply", STEP_BOUND, |text| text == "Hello, Ada!");
    assert!(window.quit().success());

    let removed = Command::new("dpkg")
        .args(["--purge", PACKAGE])
        .output()
        .expect("dpkg");
    assert_success("dpkg --purge", &removed);
    for gone in [
        format!("/usr/bin/{PACKAGE}"),
        lib.clone(),
        format!("/var/lib/{PACKAGE}"),
        format!("/usr/share/applications/{PACKAGE}.desktop"),
    ] {
        assert!(!Path::new(&gone).exists(), "{gone} is left after removal");
    }

    // The portable archive runs from wherever it is unpacked.
    let unpacked = tempfile::tempdir().expect("a temp folder");
    let untar = Command::new("tar")
        .arg("-xzf")
        .arg(&tarball)
        .arg("-C")
        .arg(unpacked.path())
        .output()
        .expect("tar");
    assert_success("tar -xzf", &untar);
    let folder = unpacked.path().join(format!("{PACKAGE}-1.2.3"));
    let app_dir = folder.join("app");
    let mut portable = AutomatedApp::spawn(&folder.join("bin/wasmtron"), &app_dir, display.name());
    portable.wait_text("#tick", START_BOUND, |text| text.contains("up"));
    assert!(portable.quit().success());
    let launcher = std::fs::read_to_string(folder.join(PACKAGE)).expect("the portable launcher");
    assert!(
        launcher.contains("exec \"$here/bin/wasmtron\" run \"$here/app\""),
        "{launcher}"
    );
    println!(
        "bundle, install, launch, remove: {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn debian_arch() -> String {
    let output = Command::new("dpkg")
        .arg("--print-architecture")
        .output()
        .expect("dpkg");
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// `wasmtron dev --headless --automation` on an app: commands on its stdin,
/// answers on its stdout, its log kept.
struct DevSession {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    answers: std::sync::mpsc::Receiver<String>,
    log: std::sync::Arc<std::sync::Mutex<String>>,
}

impl DevSession {
    fn start(installed: &Installed, app: &Path) -> Self {
        Self::start_with(installed.command(app, &["dev", "--headless", "--automation"]))
    }

    /// `wasmtron dev --automation` in real windows on `display`.
    fn start_on(installed: &Installed, app: &Path, display: &Display) -> Self {
        let mut command = installed.command(app, &["dev", "--automation"]);
        command
            .env("DISPLAY", display.name())
            .env("GDK_BACKEND", "x11")
            .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
        Self::start_with(command)
    }

    fn start_with(mut command: Command) -> Self {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("wasmtron dev starts");
        let stdin = child.stdin.take().expect("piped");
        let stdout = BufReader::new(child.stdout.take().expect("piped"));
        let (sender, answers) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let kept = log.clone();
        let stderr = BufReader::new(child.stderr.take().expect("piped"));
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                eprintln!("dev: {line}");
                let mut log = kept
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                log.push_str(&line);
                log.push('\n');
            }
        });
        DevSession {
            child,
            stdin,
            answers,
            log,
        }
    }

    fn ask(&mut self, command: serde_json::Value) -> serde_json::Value {
        writeln!(self.stdin, "{command}").expect("dev reads commands");
        let line = self
            .answers
            .recv_timeout(Duration::from_secs(30))
            .expect("dev answers");
        serde_json::from_str(&line).unwrap_or_else(|err| panic!("{err}: {line:?}"))
    }

    fn text(&mut self, selector: &str) -> String {
        let answer = self.ask(
            serde_json::json!({"id": 1, "cmd": "text", "window": "main", "selector": selector}),
        );
        answer["ok"].as_str().unwrap_or_default().to_owned()
    }

    /// Waits (a build included) until `selector`'s text is `expected`.
    fn wait_text(&mut self, selector: &str, expected: &str) {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let text = self.text(selector);
            if text == expected {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{selector} shows {text:?}, not {expected:?}\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until the log holds `needle` `count` times.
    fn wait_logged(&self, needle: &str, count: usize) {
        let deadline = Instant::now() + Duration::from_secs(120);
        while self.log().matches(needle).count() < count {
            assert!(
                Instant::now() < deadline,
                "never logged {needle:?} {count} times\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn log(&self) -> String {
        self.log
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Types `name`, presses Greet, and waits for main's reply and count.
    fn greet(&mut self, name: &str, reply: &str, count: &str) {
        self.ask(serde_json::json!({"id": 2, "cmd": "input", "window": "main", "selector": "#name", "text": name}));
        self.ask(
            serde_json::json!({"id": 3, "cmd": "click", "window": "main", "selector": "#greet"}),
        );
        self.wait_text("#reply", reply);
        self.wait_text("#count", count);
    }
}

impl Drop for DevSession {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Replaces `from` with `to` in the app's file `path`.
fn edit(app: &Path, path: &str, from: &str, to: &str) {
    let file = app.join(path);
    let text = std::fs::read_to_string(&file).expect("the file");
    assert!(text.contains(from), "{path} has no {from:?}");
    std::fs::write(&file, text.replace(from, to)).expect("written");
}

#[test]
fn dev_applies_each_change_to_the_running_app_and_survives_a_broken_build() {
    let started = Instant::now();
    let installed = Installed::new();
    let work = tempfile::tempdir().expect("a temp folder");
    assert_success(
        "wasmtron new",
        &installed.run(work.path(), &["new", "live"]),
    );
    let app = work.path().join("live");
    let mut dev = DevSession::start(&installed, &app);
    dev.wait_text("#count", "No greetings yet.");
    dev.greet("Ada", "Hello, Ada!", "Greetings so far: 1");

    // The page: its window reloads; main keeps its count, so the app was
    // not restarted.
    edit(
        &app,
        "ui/index.html",
        "No greetings yet.",
        "Nobody greeted yet.",
    );
    dev.wait_text("#count", "Nobody greeted yet.");
    dev.greet("Ada", "Hello, Ada!", "Greetings so far: 2");

    // The renderer: rebuilt and replaced in its open window; main still
    // counts on.
    edit(
        &app,
        "renderer/src/lib.rs",
        "Greetings so far: {greetings}",
        "Greeted {greetings} times",
    );
    dev.wait_logged("dev: reloaded window `main`", 2);
    dev.wait_text("#count", "Nobody greeted yet.");
    dev.greet("Ada", "Hello, Ada!", "Greeted 3 times");
    assert!(!dev.log().contains("restarting the app"), "{}", dev.log());

    // Main: rebuilt, and the app restarts with a count from zero.
    edit(
        &app,
        "main/src/lib.rs",
        "format!(\"Hello, {name}!\")",
        "format!(\"Hi, {name}!\")",
    );
    dev.wait_logged("restarting the app", 1);
    dev.wait_text("#count", "Nobody greeted yet.");
    dev.greet("Ada", "Hi, Ada!", "Greeted 1 times");

    // A compile error: reported with rustc's message, and the running
    // version keeps answering.
    edit(
        &app,
        "main/src/lib.rs",
        "self.greetings += 1;",
        "self.greetings += ;",
    );
    dev.wait_logged("the build failed; the running version keeps going", 1);
    assert!(
        dev.log().contains("error: expected expression"),
        "{}",
        dev.log()
    );
    dev.greet("Grace", "Hi, Grace!", "Greeted 2 times");
    assert_eq!(dev.log().matches("restarting the app").count(), 1);

    dev.ask(serde_json::json!({"id": 9, "cmd": "quit"}));
    let status = dev.child.wait().expect("dev ends");
    assert!(status.success(), "{status:?}");
    println!("dev: {:.1} s", started.elapsed().as_secs_f64());
}

#[test]
fn dev_restarts_an_app_in_real_windows() {
    let installed = Installed::new();
    let work = tempfile::tempdir().expect("a temp folder");
    assert_success(
        "wasmtron new",
        &installed.run(work.path(), &["new", "shown"]),
    );
    let app = work.path().join("shown");
    let display = Display::acquire();
    let mut dev = DevSession::start_on(&installed, &app, &display);
    dev.wait_text("#count", "No greetings yet.");
    display.wait_window_named("^shown$");

    // A page edit reloads the real window in place.
    edit(&app, "ui/index.html", "No greetings yet.", "Reloaded.");
    dev.wait_text("#count", "Reloaded.");

    // A main edit restarts the app: its window closes, and the new run
    // opens it again under the same label once the window system has
    // closed the old one.
    edit(
        &app,
        "main/src/lib.rs",
        "format!(\"Hello, {name}!\")",
        "format!(\"Hi, {name}!\")",
    );
    dev.wait_logged("restarting the app", 1);
    dev.wait_logged("dev: `shown` runs", 2);
    dev.wait_text("#count", "Reloaded.");
    display.wait_window_named("^shown$");
    assert!(!dev.log().contains("already open"), "{}", dev.log());

    dev.ask(serde_json::json!({"id": 9, "cmd": "quit"}));
    let status = dev.child.wait().expect("dev ends");
    assert!(status.success(), "{status:?}\n{}", dev.log());
}
