//! Closed by default: a component gets its own world and an empty WASI.
//! Anything else is refused before it runs, with each import and the
//! component named.

use wasmtron::capabilities::{CapabilityError, ImportSource, World};
use wasmtron::{AppError, Engine};
use wasmtron_tests::{
    ALL_CHANNELS, AppDir, Running, captured_log, eventually, manifest_with_windows,
};

fn manifest_with_renderer(renderer: &str) -> String {
    manifest_with_windows(&[("main", ALL_CHANNELS)]).replace("dist/renderer.wasm", renderer)
}

#[test]
fn a_renderer_importing_main_and_unknown_interfaces_is_refused_naming_each() {
    let dir = AppDir::new(&manifest_with_renderer("dist/sneaky.wasm"));
    let err = Running::start(dir).expect_err("the sneaky renderer is refused");
    let AppError::Capability(CapabilityError::Refused {
        component,
        world,
        refused,
    }) = &err
    else {
        panic!("expected a capability refusal, got {err}");
    };
    assert_eq!(component, "main");
    assert_eq!(*world, World::Renderer);
    let names: Vec<&str> = refused.iter().map(|r| r.name.as_str()).collect();
    assert!(names.contains(&"wasmtron:app/windows@0.1.0"), "{names:?}");
    assert!(names.contains(&"test:sneaky/raw-net"), "{names:?}");
    let message = err.to_string();
    assert!(message.contains("`main`"), "{message}");
    assert!(message.contains("belongs to the main world"), "{message}");
    assert!(message.contains("test:sneaky/raw-net"), "{message}");
}

#[test]
fn a_main_component_cannot_be_a_renderer() {
    let dir = AppDir::new(&manifest_with_renderer("dist/main.wasm"));
    let err = Running::start(dir).expect_err("main's component is not a renderer");
    let message = err.to_string();
    for import in ["windows", "ipc", "timers"] {
        assert!(
            message.contains(&format!("wasmtron:app/{import}@0.1.0")),
            "{import} is named: {message}"
        );
    }
}

#[test]
fn a_renderer_cannot_be_the_main_component() {
    let dir = AppDir::new(&manifest_with_windows(&[("main", ALL_CHANNELS)]).replace(
        "component = \"dist/main.wasm\"",
        "component = \"dist/renderer.wasm\"",
    ));
    let err = Running::start(dir).expect_err("a renderer is not main");
    let message = err.to_string();
    assert!(message.contains("wasmtron:app/bridge@0.1.0"), "{message}");
    assert!(message.contains("wasmtron:app/dom@0.1.0"), "{message}");
}

/// Replaces a component file of a running app, with a new modification
/// time so that the engine's in-memory cache cannot answer for it.
fn swap(dir: &std::path::Path, relative: &str, with: &str) {
    let path = dir.join(relative);
    std::fs::copy(dir.join(with), &path).expect("the component is replaced");
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
    std::fs::File::options()
        .write(true)
        .open(&path)
        .and_then(|file| file.set_modified(later))
        .expect("the modification time is set");
}

#[test]
fn components_are_checked_again_just_before_each_is_instantiated() {
    let manifest = format!(
        "{}\n[[utility]]\nname = \"calc\"\ncomponent = \"dist/calc.wasm\"\n",
        manifest_with_windows(&[("a", ALL_CHANNELS), ("b", &[])]).replacen(
            "dist/renderer.wasm",
            "dist/a.wasm",
            1
        )
    );
    let dir = AppDir::new(&manifest);
    dir.copy(
        &dir.path().join("dist/renderer.wasm").display().to_string(),
        "dist/a.wasm",
    );
    dir.copy(
        &dir.path().join("dist/utility.wasm").display().to_string(),
        "dist/calc.wasm",
    );
    let root = dir.path().to_path_buf();
    // Every component passes the check at start.
    let app = Running::start(dir).expect("the app starts");
    assert_eq!(app.invoke("a", "reload", "b"), "ok:Ok(())");
    app.wait_text("b", "#status", "loaded");

    // Window b's renderer becomes the sneaky one: reloading b is refused
    // before it runs, naming the imports, and b's page is not reloaded.
    swap(&root, "dist/renderer.wasm", "dist/sneaky.wasm");
    let reloaded = app.invoke("a", "reload", "b");
    assert!(reloaded.starts_with("ok:Err("), "{reloaded}");
    for part in [
        "component `b` (renderer world) is refused",
        "it imports `wasmtron:app/windows@0.1.0`, which belongs to the main world",
        "it imports `test:sneaky/raw-net`, an app interface no provider is bound to",
    ] {
        assert!(reloaded.contains(part), "{part}: {reloaded}");
    }

    // The utility's component becomes a renderer: forking it is refused.
    swap(&root, "dist/calc.wasm", "dist/a.wasm");
    let forked = app.invoke("a", "fork", "calc");
    assert!(forked.contains("fork-error:"), "{forked}");
    for part in [
        "component `calc` (utility world) is refused",
        "it imports `wasmtron:app/bridge@0.1.0`, which belongs to the renderer world",
    ] {
        assert!(forked.contains(part), "{part}: {forked}");
    }
}

#[test]
fn bytes_that_are_not_a_component_are_refused_with_the_path() {
    let dir = AppDir::new(&manifest_with_windows(&[("main", ALL_CHANNELS)]));
    dir.write("dist/renderer.wasm", b"\0asm but not really");
    let err = Running::start(dir).expect_err("garbage is refused");
    assert!(matches!(err, AppError::Load(_)), "{err}");
    assert!(err.to_string().contains("renderer.wasm"), "{err}");
}

#[test]
fn check_reports_each_components_world_and_imports() {
    let dir = AppDir::new(&manifest_with_windows(&[("main", ALL_CHANNELS)]));
    let engine = Engine::new().expect("an engine");
    let reports = wasmtron::check(&dir.manifest(), &engine).expect("every component passes");
    let renderer = &reports
        .iter()
        .find(|r| r.imports.world == World::Renderer)
        .expect("the renderer is reported")
        .imports;
    let app_imports: Vec<&str> = renderer
        .imports
        .iter()
        .filter(|i| i.source == ImportSource::App)
        .map(|i| i.name.as_str())
        .collect();
    assert!(app_imports.contains(&"wasmtron:app/bridge@0.1.0"));
    assert!(app_imports.contains(&"wasmtron:app/dom@0.1.0"));
    assert!(
        !app_imports.iter().any(|i| i.contains("windows")),
        "the SDK does not drag main's imports into a renderer: {app_imports:?}"
    );
    assert!(
        renderer
            .imports
            .iter()
            .any(|i| i.source == ImportSource::Wasi)
    );
}

#[test]
fn the_check_command_exits_non_zero_and_names_the_imports() {
    let dir = AppDir::new(&manifest_with_renderer("dist/sneaky.wasm"));
    let output = std::process::Command::new(wasmtron_tests::wasmtron_binary())
        .arg("check")
        .arg(dir.path())
        .output()
        .expect("wasmtron runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("wasmtron:app/windows@0.1.0"), "{stderr}");
    assert!(stderr.contains("test:sneaky/raw-net"), "{stderr}");

    let good = AppDir::new(&manifest_with_windows(&[("main", ALL_CHANNELS)]));
    let cache = tempfile::tempdir().expect("a cache folder");
    let check = || {
        let output = std::process::Command::new(wasmtron_tests::wasmtron_binary())
            .arg("check")
            .arg(good.path())
            .env(wasmtron::CACHE_ENV, cache.path())
            .output()
            .expect("wasmtron runs");
        assert!(output.status.success(), "{output:?}");
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let stdout = check();
    assert!(
        stdout.contains("import wasmtron:app/bridge@0.1.0 [wasmtron]"),
        "{stdout}"
    );
    assert!(stdout.contains("grants: none"), "{stdout}");
    // What each WASI import holds under no grants.
    assert!(
        stdout.contains("import wasi:cli/environment@0.2.6 [wasi: empty: no env, no args]"),
        "{stdout}"
    );
    // The first check compiles and fills the cache; the second loads.
    assert!(
        stdout.contains("(renderer world, 0.") && stdout.contains(", compiled in "),
        "{stdout}"
    );
    assert!(
        !stdout.contains("loaded from the compile cache"),
        "{stdout}"
    );
    let again = check();
    assert!(!again.contains(", compiled in "), "{again}");
    assert!(again.contains("loaded from the compile cache"), "{again}");

    // An entry altered on disk is compiled again, never loaded.
    let entries = cache.path().join("components");
    for entry in std::fs::read_dir(&entries).expect("the cache has entries") {
        let path = entry.expect("an entry").path();
        let mut data = std::fs::read(&path).expect("readable");
        let last = data.len() - 1;
        data[last] ^= 0xff;
        std::fs::write(&path, data).expect("writable");
    }
    let altered = check();
    assert!(altered.contains(", compiled in "), "{altered}");
    assert!(
        !altered.contains("loaded from the compile cache"),
        "{altered}"
    );
}

#[test]
fn wasi_is_linked_empty_and_output_goes_to_the_log() {
    let log = captured_log();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a local port");
    listener.set_nonblocking(true).expect("non-blocking");
    let address = listener.local_addr().expect("an address").to_string();

    let app = Running::start(AppDir::new(&manifest_with_windows(&[(
        "main",
        ALL_CHANNELS,
    )])))
    .expect("the app starts");
    let result = app.probe("main", "", &address, "#wasi");
    assert!(result.starts_with("env=0 args=0 "), "{result}");
    assert!(
        result.contains("fs=denied("),
        "no directory is preopened: {result}"
    );
    assert!(result.contains("file=denied("), "{result}");
    assert!(
        result.contains("net=denied("),
        "sockets are denied: {result}"
    );
    assert!(result.contains("lookup=denied("), "{result}");
    assert!(result.ends_with(" stdin=eof"), "stdin is empty: {result}");
    assert!(
        matches!(listener.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "nothing reached the listener"
    );

    let logged = || log.text();
    eventually("guest output reaching the log", || {
        logged().contains("probe says hello on stdout")
    });
    let text = logged();
    let line = text
        .lines()
        .find(|l| l.contains("probe says hello on stdout"))
        .unwrap_or_default();
    assert!(
        line.contains("component=\"main\""),
        "tagged with the component: {line}"
    );
    assert!(line.contains("stdout"), "{line}");
    assert!(
        text.contains("probe says hello on stderr"),
        "stderr is captured too"
    );
    // What was refused is logged on the host side, by name.
    for refused in [
        "refused: open `/`: outside the folders granted to it (granted: none)",
        "refused: open `/etc/passwd`: outside the folders granted to it",
        "refused: open a TCP socket: no network access is granted",
        "refused: look up `wasmtron.invalid`: no network access is granted",
    ] {
        let line = log.wait_line(&[refused]);
        assert!(line.contains("component=\"main\""), "{line}");
    }
}
