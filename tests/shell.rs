//! `shell.open-external` (Electron's `shell.openExternal`): main opens URLs
//! of the schemes `app.open-external` allows, and nothing else; the
//! headless backend records what the desktop's opener would have been
//! given. Both isolation modes.

use wasmtron_tests::{ALL_CHANNELS, AppDir, Running, captured_log, manifest_with_windows};

fn start(schemes: Option<&str>) -> Running {
    let mut manifest = manifest_with_windows(&[("a", ALL_CHANNELS)]);
    if let Some(schemes) = schemes {
        manifest = manifest.replacen(
            "name = \"probe\"\n",
            &format!("name = \"probe\"\nopen-external = {schemes}\n"),
            1,
        );
    }
    Running::start(AppDir::new(&manifest)).expect("the app starts")
}

#[test]
fn https_and_mailto_go_out_by_default_and_nothing_else_does() {
    let log = captured_log();
    let app = start(None);
    let open = |url: &str| app.invoke("a", "open-external", url);
    assert_eq!(open("https://example.com/docs?x=1"), "ok:opened");
    assert_eq!(open("mailto:someone@example.com"), "ok:opened");
    assert_eq!(
        open("file:///etc/passwd"),
        "ok:err:OpenError::SchemeNotAllowed(\"file\")"
    );
    assert_eq!(
        open("javascript:alert(1)"),
        "ok:err:OpenError::SchemeNotAllowed(\"javascript\")"
    );
    assert_eq!(
        open("http://example.com"),
        "ok:err:OpenError::SchemeNotAllowed(\"http\")"
    );
    assert!(open("example.com").starts_with("ok:err:OpenError::BadUrl("));
    assert!(open("https://a b").starts_with("ok:err:OpenError::BadUrl("));
    // Only the allowed ones reached the opener, in order.
    assert_eq!(
        app.windows.opened_externally(),
        ["https://example.com/docs?x=1", "mailto:someone@example.com"]
    );
    log.wait_line(&[
        "component=\"probe/main\"",
        "open-external `file:///etc/passwd`: its scheme `file` is not in app.open-external",
    ]);
}

#[test]
fn the_manifest_names_the_schemes_and_never_local_files_or_script() {
    let app = start(Some("[\"https\", \"My-App\"]"));
    assert_eq!(
        app.invoke("a", "open-external", "my-app://open/1"),
        "ok:opened"
    );
    assert_eq!(
        app.invoke("a", "open-external", "mailto:a@example.com"),
        "ok:err:OpenError::SchemeNotAllowed(\"mailto\")"
    );
    assert_eq!(app.windows.opened_externally(), ["my-app://open/1"]);
    for (schemes, why) in [
        ("[\"file\"]", "would open local files"),
        ("[\"JavaScript\"]", "would open local files, run script"),
        ("[\"1x\"]", "not a URL scheme"),
    ] {
        let manifest = manifest_with_windows(&[("a", ALL_CHANNELS)]).replacen(
            "name = \"probe\"\n",
            &format!("name = \"probe\"\nopen-external = {schemes}\n"),
            1,
        );
        let dir = AppDir::new(&manifest);
        let err = wasmtron::Manifest::load(dir.path()).expect_err("refused");
        assert!(
            err.to_string().contains("`app.open-external[0]`") && err.to_string().contains(why),
            "{err}"
        );
    }
}

/// In a real window under X, with real input: the desktop backend runs the
/// `xdg-open` it finds on `PATH` (a stub the test puts first, which writes
/// what it was given), only for an allowed scheme.
#[test]
fn the_desktop_runs_the_opener_for_an_allowed_url_only() {
    use wasmtron_tests::desktop::{AutomatedApp, Display, START_BOUND, STEP_BOUND, wasmtron_with};
    let stubs = tempfile::tempdir().expect("a temp dir");
    let said = stubs.path().join("opened.txt");
    let opener = stubs.path().join("xdg-open");
    std::fs::write(
        &opener,
        format!("#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{}'\n", said.display()),
    )
    .expect("the stub opener");
    std::fs::set_permissions(&opener, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("executable");
    let launcher = wasmtron_with(
        stubs.path(),
        &format!("PATH='{}':\"$PATH\"", stubs.path().display()),
    );
    let dir = AppDir::new(&manifest_with_windows(&[("main", ALL_CHANNELS)]));
    let display = Display::acquire();
    let mut app = AutomatedApp::spawn(&launcher, dir.path(), display.name());
    app.wait_text_in("main", "#status", START_BOUND, |t| t == "loaded");
    let window = app.window_id_of("main");
    for url in ["file:///etc/passwd", "https://example.com/from-a-click"] {
        app.type_into(&display, "main", window, "#channel", "open-external");
        app.type_into(&display, "main", window, "#arg", url);
        app.click_in(&display, "main", window, "#invoke");
        let expected = if url.starts_with("https") {
            "ok:opened"
        } else {
            "ok:err:OpenError::SchemeNotAllowed(\"file\")"
        };
        app.wait_text_in("main", "#result", STEP_BOUND, |t| t == expected);
    }
    // The opener runs on its own: wait for what it wrote (a bound on a hang).
    let start = std::time::Instant::now();
    while std::fs::read_to_string(&said)
        .unwrap_or_default()
        .is_empty()
    {
        assert!(start.elapsed() < STEP_BOUND, "the stub opener never ran");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(
        std::fs::read_to_string(&said).ok().as_deref(),
        Some("https://example.com/from-a-click\n")
    );
    assert!(app.quit().success());
}
