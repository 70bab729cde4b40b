//! The plugins example on the headless backend: one Rust main calls the
//! app's own interface `plugins:app/transform` with typed values, and the
//! manifest's `[main.imports]` line picks the plugin that answers. Each test
//! writes that line for one plugin: `upper` (Python), `reverse`
//! (JavaScript) or `hostile` (Rust, whose `apply` never answers), and drives
//! the page. The JavaScript and Python guests are built by
//! `scripts/build-polyglot.sh`, the Rust ones by the test crate. Runs in the
//! suite's isolation mode (`WASMTRON_TEST_ISOLATION`).

use wasmtron_tests::{AppDir, HeadlessExt, Running, example_app, guests, polyglot_guests};

/// The example with `plugins:app/transform` bound to utility `plugin`.
fn app_with(plugin: &str) -> AppDir {
    let built = |part: &str| {
        let path = polyglot_guests().join(format!("plugins-{part}.wasm"));
        path.to_str().expect("the target dir is UTF-8").to_owned()
    };
    let (renderer, upper, reverse) = (built("renderer"), built("upper"), built("reverse"));
    let dir = example_app(
        "plugins",
        &[
            (guests::PLUGINS_MAIN, "plugins_main.wasm"),
            (guests::PLUGINS_HOSTILE, "plugins_hostile.wasm"),
            (&renderer, "plugins_renderer.wasm"),
            (&upper, "plugins_upper.wasm"),
            (&reverse, "plugins_reverse.wasm"),
        ],
    );
    // The one line a user changes to swap plugins.
    let shipped = "\"plugins:app/transform\" = \"utility:upper\"";
    let manifest =
        std::fs::read_to_string(dir.path().join("wasmtron.toml")).expect("the copy has a manifest");
    assert!(manifest.contains(shipped), "the manifest binds `upper`");
    let bound = format!("\"plugins:app/transform\" = \"utility:{plugin}\"");
    dir.write("wasmtron.toml", manifest.replace(shipped, &bound));
    dir
}

/// Starts the app bound to `plugin`; the page is ready once main has told
/// it the plugin's description.
fn start(plugin: &str) -> Running {
    Running::start_example(app_with(plugin), "main", "ready")
}

fn shown(app: &Running, selector: &str) -> String {
    app.windows.text("main", selector).unwrap_or_default()
}

/// Types `text` and `options`, clicks Apply and waits for main's answer:
/// the output line and the line under it.
fn apply(app: &Running, text: &str, options: &str) -> (String, String) {
    app.windows.apply_clear("main", "#status");
    app.input("main", "#text", text);
    app.input("main", "#options", options);
    app.click("main", "#apply");
    app.wait_until("main", "#status", |s| s == "applied" || s == "failed");
    (shown(app, "#output"), shown(app, "#changes"))
}

/// Clicks "Which plugin?" and returns main's new answer.
fn describe(app: &Running) -> String {
    app.windows.apply_clear("main", "#plugin");
    app.click("main", "#describe");
    app.wait_until("main", "#plugin", |s| !s.is_empty())
}

#[test]
fn upper_in_python_answers_main_with_typed_values() {
    let app = start("upper");
    let plugin = shown(&app, "#plugin");
    assert!(plugin.starts_with("upper (Python 3."), "{plugin}");

    let (output, changes) = apply(&app, "Hello, wörld", "");
    assert_eq!(output, "HELLO, WÖRLD");
    assert!(
        changes.starts_with("9 changed, by upper (Python 3."),
        "{changes}"
    );

    let (output, changes) = apply(&app, "hello wide world", "title");
    assert_eq!(output, "Hello Wide World");
    assert!(changes.starts_with("3 changed, by upper"), "{changes}");
}

#[test]
fn a_plugins_own_error_reaches_main_with_its_app_code() {
    let app = start("upper");
    // The plugin's own error, in the `result`: `handler-failed`, with the
    // plugin's app code and no data.
    let (output, changes) = apply(&app, "hi", "shout");
    assert_eq!(output, "");
    assert_eq!(
        changes,
        "failed: handler-failed: unknown-option: upper does not know the option `shout`"
    );
}

#[test]
fn reverse_in_javascript_answers_the_same_main_differently() {
    let app = start("reverse");
    let plugin = shown(&app, "#plugin");
    assert!(plugin.starts_with("reverse (JavaScript)"), "{plugin}");

    let (output, changes) = apply(&app, "Hello, wörld", "");
    assert_eq!(output, "wörld Hello,");
    assert_eq!(changes, "2 changed, by reverse (JavaScript)");

    let (output, changes) = apply(&app, "one two three", "letters");
    assert_eq!(output, "eerht owt eno");
    assert_eq!(changes, "2 changed, by reverse (JavaScript)");
}

#[test]
fn a_hostile_plugin_fails_by_name_and_the_app_carries_on() {
    let app = start("hostile");
    let plugin = shown(&app, "#plugin");
    assert_eq!(plugin, "hostile (Rust): apply never answers; asked by main");

    // `apply` spins until the host ends the plugin at its CPU time per
    // call; main's call comes back as `target-gone`, and main answers.
    let (output, changes) = apply(&app, "Hello", "");
    assert_eq!(output, "");
    assert!(changes.starts_with("failed: target-gone: "), "{changes}");

    // The next call starts the plugin afresh and gets its answer.
    assert_eq!(describe(&app), plugin);

    // A trap is a failure by name too.
    let (_, changes) = apply(&app, "Hello", "trap");
    assert!(changes.starts_with("failed: target-gone: "), "{changes}");
    assert_eq!(describe(&app), plugin);
}
