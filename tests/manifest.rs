//! `wasmtron.toml`: parsed, validated, and every mistake named.

use wasmtron::{Manifest, ManifestError};
use wasmtron_tests::AppDir;

const GOOD: &str = r#"
[app]
name = "probe"

[main]
component = "dist/main.wasm"

[[window]]
label = "main"
renderer = "dist/renderer.wasm"
channels = ["echo"]
"#;

fn parse(text: &str) -> Result<Manifest, ManifestError> {
    let dir = AppDir::new(GOOD);
    Manifest::parse(text, dir.path())
}

fn error(text: &str) -> String {
    parse(text)
        .expect_err("the manifest is refused")
        .to_string()
}

#[test]
fn a_good_manifest_gets_its_defaults() {
    let manifest = parse(GOOD).expect("valid");
    assert_eq!(manifest.name, "probe");
    let window = manifest.window("main").expect("declared");
    assert_eq!(window.title, "probe");
    assert_eq!((window.width, window.height), (800, 600));
    assert_eq!(window.entry, "index.html");
    assert!(window.open_at_start);
    assert!(window.renderer.is_absolute());
    assert!(manifest.quit_when_all_windows_closed);
    assert_eq!(manifest.limits, wasmtron::manifest::Limits::default());
    assert!(!window.precise_clocks, "clocks come in 1 ms steps");
    assert!(!manifest.single_instance);
    assert_eq!(
        manifest.hardware_acceleration,
        wasmtron::manifest::HardwareAcceleration::Auto
    );
}

#[test]
fn hardware_acceleration_is_auto_on_or_off() {
    use wasmtron::manifest::HardwareAcceleration;
    for (value, expected) in [
        ("auto", HardwareAcceleration::Auto),
        ("on", HardwareAcceleration::On),
        ("off", HardwareAcceleration::Off),
    ] {
        let text = GOOD.replace(
            "name = \"probe\"",
            &format!("name = \"probe\"\nhardware-acceleration = \"{value}\""),
        );
        let manifest = parse(&text).expect("valid");
        assert_eq!(manifest.hardware_acceleration, expected);
    }
    assert!(HardwareAcceleration::On.enabled());
    assert!(!HardwareAcceleration::Off.enabled());
    // `auto` follows the machine: on with a GPU render node, off without.
    let gpu = std::fs::read_dir("/dev/dri").is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
    });
    assert_eq!(HardwareAcceleration::Auto.enabled(), gpu);
    let message = error(&GOOD.replace(
        "name = \"probe\"",
        "name = \"probe\"\nhardware-acceleration = \"yes\"",
    ));
    assert!(message.contains("app.hardware-acceleration"), "{message}");
    assert!(message.contains("\"auto\", \"on\" or \"off\""), "{message}");
}

#[test]
fn a_window_may_be_granted_precise_clocks() {
    let text = GOOD.replace("channels =", "precise-clocks = true\nchannels =");
    let manifest = parse(&text).expect("valid");
    assert!(manifest.window("main").expect("declared").precise_clocks);
    let message = error(&text.replace("precise-clocks = true", "precise-clocks = \"yes\""));
    assert!(message.contains("precise-clocks"), "{message}");
}

#[test]
fn unknown_keys_are_named() {
    let message = error(&GOOD.replace("[app]\n", "[app]\ncolour = \"red\"\n"));
    assert!(message.contains("colour"), "{message}");
    let message = error(&format!("{GOOD}\n[unknown-table]\nx = 1\n"));
    assert!(message.contains("unknown-table"), "{message}");
    let message = error(&GOOD.replace("channels =", "chanels ="));
    assert!(message.contains("chanels"), "{message}");
}

#[test]
fn paths_may_not_leave_the_app_folder() {
    for path in ["../main.wasm", "/etc/passwd", "dist/../../x.wasm"] {
        let err = parse(&GOOD.replace("dist/main.wasm", path)).expect_err("escapes");
        assert!(
            matches!(&err, ManifestError::PathEscapes { key, .. } if key == "main.component"),
            "{path}: {err}"
        );
        assert!(err.to_string().contains(path), "{err}");
    }
}

#[test]
fn a_symlink_out_of_the_app_folder_is_refused() {
    let dir = AppDir::new(GOOD);
    let outside = tempfile::tempdir().expect("a temp dir");
    std::fs::write(outside.path().join("x.wasm"), b"x").expect("write");
    std::os::unix::fs::symlink(
        outside.path().join("x.wasm"),
        dir.path().join("dist/link.wasm"),
    )
    .expect("symlink");
    let err = Manifest::parse(
        &GOOD.replace("dist/main.wasm", "dist/link.wasm"),
        dir.path(),
    )
    .expect_err("escapes through a symlink");
    assert!(matches!(err, ManifestError::PathEscapes { .. }), "{err}");
}

#[test]
fn missing_files_are_named() {
    let err = parse(&GOOD.replace("dist/renderer.wasm", "dist/nope.wasm")).expect_err("missing");
    assert!(
        matches!(&err, ManifestError::MissingPath { key, path } if key == "window[0].renderer" && path == "dist/nope.wasm"),
        "{err}"
    );
}

#[test]
fn repeated_labels_and_bad_names_are_refused() {
    let twice =
        format!("{GOOD}\n[[window]]\nlabel = \"main\"\nrenderer = \"dist/renderer.wasm\"\n");
    assert!(error(&twice).contains("window[1].label"));
    let message = error(&GOOD.replace("[\"echo\"]", "[\"has space\"]"));
    assert!(message.contains("window[0].channels[0]"), "{message}");
    let message = error(&GOOD.replace("name = \"probe\"", "name = \"\""));
    assert!(message.contains("app.name"), "{message}");
    // A right-to-left override would show the title backwards from there.
    let message = error(&GOOD.replace("name = \"probe\"", "name = \"probe\u{202E}txt.exe\""));
    assert!(
        message.contains("`app.name` contains the character U+202E"),
        "{message}"
    );
    let message = error(&GOOD.replace(
        "label = \"main\"",
        "label = \"main\"\ntitle = \"Notes \u{2067}hidden\u{2069}\"",
    ));
    assert!(
        message.contains("`window[0].title` contains the character U+2067"),
        "{message}"
    );
    let spaced = parse(&GOOD.replace("label = \"main\"", "label = \"main\"\ntitle = \"My notes\""))
        .expect("a title may have spaces");
    assert_eq!(spaced.window("main").expect("declared").title, "My notes");
}

#[test]
fn values_out_of_range_are_refused() {
    let message = error(&GOOD.replace("label = \"main\"", "label = \"main\"\nwidth = 5"));
    assert!(message.contains("window[0].width"), "{message}");
    let message = error(&format!("{GOOD}\n[limits]\nmax-message-bytes = 0\n"));
    assert!(message.contains("limits.max-message-bytes"), "{message}");
    let message = error(&GOOD.replace("name = \"probe\"", "name = \"probe\"\nisolation = \"vm\""));
    assert!(message.contains("app.isolation"), "{message}");
    let message = error(&GOOD.replace("name = \"probe\"", "name = 7"));
    assert!(message.contains("name"), "{message}");
    let message = error(&GOOD.replace(
        "name = \"probe\"",
        "name = \"probe\"\nmax-utility-instances = 0",
    ));
    assert!(
        message.contains("`app.max-utility-instances` is 0; it must be between 1 and 4096"),
        "{message}"
    );
}

#[test]
fn a_component_s_own_limits_override_the_app_s() {
    let text = format!(
        "{}\n[limits]\ncpu-ms-per-call = 500\nmax-messages-per-second = 50\n",
        GOOD.replace(
            "channels = [\"echo\"]",
            "channels = [\"echo\"]\nlimits = { cpu-ms-per-call = 20, max-queued-messages = 7 }"
        )
    );
    let manifest = parse(&text).expect("valid");
    assert_eq!(manifest.limits.cpu_ms_per_call, 500);
    let window = manifest.window("main").expect("declared").limits;
    assert_eq!(window.cpu_ms_per_call, 20);
    assert_eq!(window.max_queued_messages, 7);
    // What the window does not set, it takes from `[limits]`.
    assert_eq!(window.max_messages_per_second, 50);
    assert_eq!(
        window.max_pending_invokes,
        wasmtron::manifest::Limits::default().max_pending_invokes
    );

    let message = error(&GOOD.replace(
        "channels = [\"echo\"]",
        "channels = [\"echo\"]\nlimits = { cpu-ms-per-call = 0 }",
    ));
    assert!(
        message.contains("`window[0].limits.cpu-ms-per-call` must be between 1 and"),
        "{message}"
    );
    let message = error(&GOOD.replace(
        "channels = [\"echo\"]",
        "channels = [\"echo\"]\nlimits = { fuel = 5 }",
    ));
    assert!(message.contains("unknown field `fuel`"), "{message}");
}

#[test]
fn malformed_toml_is_an_error_not_a_panic() {
    for text in [
        "",
        "[app",
        "\u{0}\u{1}",
        "[[window]]\nlabel = 1",
        "[app]\nname = \"x\"\n[main]\n",
    ] {
        assert!(parse(text).is_err(), "{text:?} is refused");
    }
}

#[test]
fn the_hello_example_manifest_is_valid() {
    let root = wasmtron_tests::workspace_root().join("examples/hello");
    let dir = AppDir::new(
        &std::fs::read_to_string(root.join("wasmtron.toml")).expect("the example manifest"),
    );
    dir.copy(wasmtron_tests::guests::HELLO_MAIN, "dist/hello_main.wasm");
    dir.copy(
        wasmtron_tests::guests::HELLO_RENDERER,
        "dist/hello_renderer.wasm",
    );
    let manifest = dir.manifest();
    assert_eq!(manifest.name, "hello");
    assert_eq!(
        manifest.window("main").map(|w| w.channels.clone()),
        Some(vec!["greet".to_owned()])
    );
}

#[test]
fn utilities_are_checked_with_their_grants() {
    let utility = |extra: &str| {
        format!("{GOOD}\n[[utility]]\nname = \"calc\"\ncomponent = \"dist/utility.wasm\"\n{extra}")
    };
    let manifest = parse(&utility("read-dirs = [\"ui\"]\n")).expect("valid");
    assert_eq!(manifest.isolation, wasmtron::Isolation::Process);
    let calc = manifest.utility("calc").expect("declared");
    assert_eq!(calc.grants.dirs.len(), 1);
    assert_eq!(calc.grants.dirs[0].guest, "ui");
    assert!(!calc.grants.dirs[0].writable);

    let message = error(&utility("write-dirs = [\"../elsewhere\"]\n"));
    assert!(message.contains("utility[0].write-dirs[0]"), "{message}");
    let message = error(&utility("read-dirs = [\"dist/main.wasm\"]\n"));
    assert!(message.contains("not a folder"), "{message}");
    let message = error(&utility("read-dirs = [\"ui\", \"./ui/\"]\n"));
    assert!(message.contains("twice"), "{message}");
    // A folder to write that holds the app's components, its manifest or a
    // page's folder would let the utility rewrite the app.
    for grants in [
        "read-dirs = [\".\"]\nwrite-dirs = [\"dist\"]",
        "write-dirs = [\".\"]",
        "write-dirs = [\"ui\"]",
    ] {
        let message = error(&utility(&format!("{grants}\n")));
        assert!(
            message.contains("`utility[0].write-dirs[0]` grants")
                && message.contains("the app's components, manifest or a window's ui folder"),
            "{grants}: {message}"
        );
    }
    // A page's folder that holds the manifest would serve it to the page.
    let message = error(&GOOD.replace(
        "label = \"main\"",
        "label = \"main\"\nui = \".\"\nentry = \"wasmtron.toml\"",
    ));
    assert!(
        message.contains("`window[0].ui` would serve `wasmtron.toml` to the page"),
        "{message}"
    );
    let message = error(&format!(
        "{GOOD}\n[[utility]]\nname = \"a#2\"\ncomponent = \"dist/utility.wasm\"\n"
    ));
    assert!(message.contains("utility[0].name"), "{message}");
    let message = error(&GOOD.replace(
        "name = \"probe\"",
        "name = \"probe\"\nisolation = \"in-process\"\n[limits]\nmax-message-bytes = 4294967295",
    ));
    assert!(message.contains("limits.max-message-bytes"), "{message}");
}

#[test]
fn a_ui_folder_that_holds_a_component_is_refused() {
    // The components' own folder as the page's folder.
    let message = error(&GOOD.replace(
        "label = \"main\"",
        "label = \"main\"\nui = \"dist\"\nentry = \"renderer.wasm\"",
    ));
    assert!(
        message.contains("`window[0].ui` would serve `dist/main.wasm` to the page"),
        "{message}"
    );
    // A component kept inside the default `ui` folder.
    let dir = AppDir::new(GOOD);
    dir.copy(
        wasmtron_tests::guests::TEST_RENDERER,
        "ui/lib/renderer.wasm",
    );
    let message = Manifest::parse(
        &GOOD.replace("dist/renderer.wasm", "ui/lib/renderer.wasm"),
        dir.path(),
    )
    .expect_err("the page's folder holds the renderer")
    .to_string();
    assert!(
        message.contains("`window[0].ui` would serve `ui/lib/renderer.wasm` to the page"),
        "{message}"
    );
}

#[test]
fn a_folder_a_utility_may_write_inside_a_ui_folder_is_refused() {
    let dir = AppDir::new(GOOD);
    dir.write("ui/uploads/.keep", "");
    let text = format!(
        "{GOOD}\n[[utility]]\nname = \"calc\"\ncomponent = \"dist/utility.wasm\"\nwrite-dirs = [\"ui/uploads\"]\n"
    );
    let message = Manifest::parse(&text, dir.path())
        .expect_err("the utility could rewrite the page")
        .to_string();
    assert!(
        message.contains("`utility[0].write-dirs[0]` grants `ui/uploads`"),
        "{message}"
    );
    // The same folder to read only is allowed.
    Manifest::parse(&text.replace("write-dirs", "read-dirs"), dir.path())
        .expect("reading the page's folder is allowed");
}

#[test]
fn joiners_and_direction_marks_are_allowed_in_names_and_titles() {
    // Emoji sequences need the zero-width joiner, some scripts the
    // non-joiner, and right-to-left titles the direction marks.
    for shown in [
        "\u{1F469}\u{200D}\u{1F4BB}",
        "\u{645}\u{6CC}\u{200C}\u{62E}\u{648}\u{627}\u{647}\u{645}",
        "\u{5E9}\u{5DC}\u{5D5}\u{5DD}\u{200F}",
        "\u{200E}notes",
    ] {
        let text = GOOD
            .replace("name = \"probe\"", &format!("name = \"probe{shown}\""))
            .replace("[\"echo\"]", &format!("[\"echo{shown}\"]"))
            .replace(
                "label = \"main\"",
                &format!("label = \"main{shown}\"\ntitle = \"My {shown} notes\""),
            );
        let manifest = parse(&text).unwrap_or_else(|err| panic!("{shown:?}: {err}"));
        assert_eq!(manifest.name, format!("probe{shown}"));
        let window = manifest.window(&format!("main{shown}")).expect("declared");
        assert_eq!(window.title, format!("My {shown} notes"));
        assert_eq!(window.channels, vec![format!("echo{shown}")]);
    }
}

#[test]
fn hidden_characters_are_refused_in_every_name_and_title() {
    // A right-to-left override, the other embeddings and overrides, the
    // isolates, the line and paragraph separators and control characters,
    // in each place a user reads them.
    let hidden = [
        '\u{202E}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{2066}', '\u{2067}',
        '\u{2068}', '\u{2069}', '\u{2028}', '\u{2029}', '\u{1B}', '\u{7F}', '\u{85}',
    ];
    type Place = (&'static str, fn(&str) -> String);
    let places: [Place; 5] = [
        ("app.name", |c| {
            GOOD.replace("name = \"probe\"", &format!("name = \"pro{c}be\""))
        }),
        ("window[0].label", |c| {
            GOOD.replace("label = \"main\"", &format!("label = \"ma{c}in\""))
        }),
        ("window[0].channels[0]", |c| {
            GOOD.replace("[\"echo\"]", &format!("[\"ec{c}ho\"]"))
        }),
        ("window[0].title", |c| {
            GOOD.replace(
                "label = \"main\"",
                &format!("label = \"main\"\ntitle = \"My {c}notes\""),
            )
        }),
        ("utility[0].name", |c| {
            format!("{GOOD}\n[[utility]]\nname = \"ca{c}lc\"\ncomponent = \"dist/utility.wasm\"\n")
        }),
    ];
    for (key, manifest) in places {
        for c in hidden {
            // TOML strings cannot hold raw control characters; the escape
            // puts the same character in the parsed value.
            let code = format!("{:04X}", c as u32);
            let message = error(&manifest(&format!("\\u{code}")));
            assert!(
                message.contains(&format!("`{key}`")),
                "{key}, U+{code}: {message}"
            );
            if key == "window[0].title" {
                // A title may hold spaces, so the character itself is named.
                assert!(
                    message.contains(&format!("contains the character U+{code}")),
                    "{message}"
                );
            }
        }
    }
}

#[test]
fn a_manifest_loaded_under_another_name_is_kept_from_the_page_by_that_name() {
    // `ui` is the app folder itself, and the manifest is `other.toml`: the
    // page would be served `other.toml` (the check used to look for
    // `wasmtron.toml` whatever file was loaded).
    let dir = AppDir::new(GOOD);
    dir.write(
        "other.toml",
        GOOD.replace(
            "label = \"main\"",
            "label = \"main\"\nui = \".\"\nentry = \"other.toml\"",
        ),
    );
    let message = Manifest::load(&dir.path().join("other.toml"))
        .expect_err("the page's folder holds the manifest")
        .to_string();
    assert!(
        message.contains("`window[0].ui` would serve `other.toml` to the page"),
        "{message}"
    );
}
