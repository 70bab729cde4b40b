//! The `wasmtron` command line: `run --headless --automation` drives the
//! hello example without a display; bad manifests exit non-zero with the
//! reason; `types` writes a window's page declarations.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use wasmtron_tests::{AppDir, guests, wasmtron_binary, wasmtron_check, workspace_root};

/// The hello example in a temp folder, with its components built from source.
fn hello_app() -> AppDir {
    let example = workspace_root().join("examples/hello");
    let dir = AppDir::new(
        &std::fs::read_to_string(example.join("wasmtron.toml")).expect("the example manifest"),
    );
    for file in ["index.html", "style.css"] {
        dir.copy(
            &example.join("ui").join(file).display().to_string(),
            &format!("ui/{file}"),
        );
    }
    dir.copy(guests::HELLO_MAIN, "dist/hello_main.wasm");
    dir.copy(guests::HELLO_RENDERER, "dist/hello_renderer.wasm");
    dir
}

#[test]
fn run_headless_drives_the_hello_example() {
    let dir = hello_app();
    let mut child = Command::new(wasmtron_binary())
        .args(["run", "--headless", "--automation"])
        .arg(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("wasmtron starts");
    let mut stderr = child.stderr.take().expect("piped");
    let log = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
        text
    });
    let mut stdin = child.stdin.take().expect("piped");
    let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
    let mut ask = |line: &str| -> serde_json::Value {
        writeln!(stdin, "{line}").expect("the app reads commands");
        let mut answer = String::new();
        stdout.read_line(&mut answer).expect("the app answers");
        serde_json::from_str(&answer).unwrap_or_else(|err| {
            panic!("answers are JSON: {err}; the answer to {line} was {answer:?}")
        })
    };

    let text = |ask: &mut dyn FnMut(&str) -> serde_json::Value, selector: &str| {
        ask(&format!(
            r#"{{"id":1,"cmd":"text","window":"main","selector":"{selector}"}}"#
        ))["ok"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    // Main's periodic push shows up in the page.
    while !text(&mut ask, "#tick").contains("up for") {
        assert!(std::time::Instant::now() < deadline, "no tick from main");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // The renderer runs in `wasmtron-worker`, the program beside
    // `wasmtron` without the window system linked.
    let workers: Vec<String> = std::fs::read_dir("/proc")
        .expect("/proc is readable")
        .filter_map(|entry| {
            let pid: u32 = entry.ok()?.file_name().to_str()?.parse().ok()?;
            let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
            let parent = status.lines().find_map(|l| l.strip_prefix("PPid:"))?;
            (parent.trim() == child.id().to_string()).then_some(pid)
        })
        .filter_map(|pid| std::fs::read_link(format!("/proc/{pid}/exe")).ok())
        .map(|exe| {
            exe.file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(workers, ["wasmtron-worker"]);
    ask(r##"{"id":2,"cmd":"input","window":"main","selector":"#name","text":"Grace"}"##);
    let value = ask(r##"{"id":5,"cmd":"value","window":"main","selector":"#name"}"##);
    assert_eq!(value["ok"], "Grace", "{value}");
    ask(r##"{"id":3,"cmd":"click","window":"main","selector":"#greet"}"##);
    while text(&mut ask, "#reply") != "Hello, Grace!" {
        assert!(std::time::Instant::now() < deadline, "no greeting");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let bad = ask("this is not json");
    assert!(
        bad["error"]
            .as_str()
            .is_some_and(|e| e.contains("bad command"))
    );
    // A line over 64 KiB is refused, even one that would be a good command;
    // one of exactly 64 KiB is answered.
    let command = r##"{"id":6,"cmd":"text","window":"main","selector":"#reply"}"##;
    let padded = |len: usize| format!("{command}{}", " ".repeat(len - command.len()));
    assert_eq!(
        ask(&padded(64 * 1024 + 1)),
        serde_json::json!({"id": null, "error": "command line too long"})
    );
    assert_eq!(
        ask(&padded(64 * 1024)),
        serde_json::json!({"id": 6, "ok": "Hello, Grace!"})
    );
    ask(r#"{"id":4,"cmd":"quit"}"#);
    drop(stdin);
    let status = child.wait().expect("the app exits");
    assert!(status.success(), "{status:?}");
    // The real binary's workers get every layer of the OS sandbox.
    let log = log.join().unwrap_or_default();
    assert!(!log.contains("sandbox layer"), "{log}");
}

#[test]
fn run_with_a_bad_manifest_exits_non_zero_with_the_reason() {
    let dir = hello_app();
    dir.write(
        "wasmtron.toml",
        "[app]\nname = \"hello\"\nsurprise = true\n",
    );
    let output = Command::new(wasmtron_binary())
        .args(["run", "--headless"])
        .arg(dir.path())
        .output()
        .expect("wasmtron runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("surprise"), "{stderr}");

    let output = Command::new(wasmtron_binary())
        .args(["check"])
        .arg(dir.path().join("no-such-folder"))
        .output()
        .expect("wasmtron runs");
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn manifests_and_components_that_are_not_plain_small_files_are_refused_unread() {
    // A manifest that is a device (it would never end), a FIFO (reading
    // would wait for a writer), or far larger than any manifest.
    let dir = hello_app();
    let manifest = dir.path().join("wasmtron.toml");
    let text = std::fs::read_to_string(&manifest).expect("the manifest");
    std::fs::remove_file(&manifest).expect("removed");
    std::os::unix::fs::symlink("/dev/zero", &manifest).expect("a symlink");
    let (code, printed) = wasmtron_check(dir.path());
    assert_eq!(code, Some(2), "{printed}");
    assert!(printed.contains("is not a regular file"), "{printed}");
    std::fs::remove_file(&manifest).expect("removed");
    let made = Command::new("mkfifo")
        .arg(&manifest)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let (code, printed) = wasmtron_check(dir.path());
    assert_eq!(code, Some(2), "{printed}");
    assert!(printed.contains("is not a regular file"), "{printed}");
    std::fs::remove_file(&manifest).expect("removed");
    let padded = format!("{text}\n{}", "# padding\n".repeat(120_000));
    std::fs::write(&manifest, padded).expect("written");
    let (code, printed) = wasmtron_check(dir.path());
    assert_eq!(code, Some(2), "{printed}");
    assert!(
        printed.contains("over the 1048576-byte limit for a manifest"),
        "{printed}"
    );
    std::fs::write(&manifest, &text).expect("written");

    // A 3 GiB sparse file as a component: refused by its first bytes; with
    // the magic number, by its size. Neither is read whole.
    let component = dir.path().join("dist/hello_renderer.wasm");
    let sparse = |head: &[u8]| {
        std::fs::write(&component, head).expect("written");
        std::fs::OpenOptions::new()
            .write(true)
            .open(&component)
            .and_then(|f| f.set_len(3 << 30))
            .expect("a sparse file");
    };
    sparse(b"");
    let (code, printed) = wasmtron_check(dir.path());
    assert_eq!(code, Some(2), "{printed}");
    assert!(
        printed.contains("does not start with the WebAssembly magic number"),
        "{printed}"
    );
    sparse(b"\0asm\x0d\0\x01\0");
    let (code, printed) = wasmtron_check(dir.path());
    assert_eq!(code, Some(2), "{printed}");
    assert!(
        printed.contains("over the 268435456-byte limit for a component"),
        "{printed}"
    );
}

#[test]
fn a_second_launch_of_a_single_instance_app_is_handed_to_the_first() {
    let dir = hello_app();
    let manifest = std::fs::read_to_string(dir.path().join("wasmtron.toml")).expect("manifest");
    dir.write(
        "wasmtron.toml",
        manifest.replacen("[app]\n", "[app]\nsingle-instance = true\n", 1),
    );
    let mut first = Command::new(wasmtron_binary())
        .args(["run", "--headless"])
        .arg(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("wasmtron starts");
    let (lines_tx, lines) = std::sync::mpsc::channel();
    let stderr = first.stderr.take().expect("piped");
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = lines_tx.send(line);
        }
    });
    let wait_for = |what: &str| -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match lines.recv_timeout(left) {
                Ok(line) if line.contains(what) => return line,
                Ok(_) => {}
                Err(_) => panic!("the first instance never logged `{what}`"),
            }
        }
    };
    wait_for("hello is ready");
    let second = Command::new(wasmtron_binary())
        .args(["run", "--headless"])
        .arg(dir.path())
        .args(["--", "--open", "notes.txt"])
        .current_dir("/tmp")
        .output()
        .expect("wasmtron runs");
    let said = String::from_utf8_lossy(&second.stderr);
    assert!(second.status.success(), "{said}");
    assert!(said.contains("is already running"), "{said}");
    let handed = wait_for("second launch handed over");
    // Without the log's colours.
    let mut plain = String::new();
    let mut escaped = false;
    for c in handed.chars() {
        match (escaped, c) {
            (_, '\u{1b}') => escaped = true,
            (true, 'm') => escaped = false,
            (true, _) => {}
            (false, c) => plain.push(c),
        }
    }
    assert!(plain.contains(r#"args=["--open", "notes.txt"]"#), "{plain}");
    assert!(plain.contains("cwd=/tmp"), "{plain}");
    let _ = first.kill();
    let _ = first.wait();
}

/// An app for `wasmtron types`: window `notes` with the page renderer, its
/// page API `page_api` and its events (as in tests/page_api.rs), and
/// window `plain`, whose page has neither.
fn types_app(page_api: &str) -> AppDir {
    let dir = AppDir::new(&format!(
        "[app]\nname = \"pages\"\n\n[[window]]\nlabel = \"notes\"\n\
         renderer = \"dist/page-renderer.wasm\"\npage-api = \"{page_api}\"\n\
         [window.imports]\n\"probe:page/events\" = \"page\"\n\n\
         [[window]]\nlabel = \"plain\"\nrenderer = \"dist/renderer.wasm\"\n"
    ));
    dir.copy(guests::PAGE_RENDERER, "dist/page-renderer.wasm");
    dir
}

/// Runs `wasmtron types` with `args`: its exit code, stdout and stderr.
fn wasmtron_types(args: &[&std::ffi::OsStr]) -> (Option<i32>, String, String) {
    let output = Command::new(wasmtron_binary())
        .arg("types")
        .args(args)
        .output()
        .expect("wasmtron runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn types_writes_each_pages_declarations_into_its_ui_folder() {
    let dir = types_app("probe:page/api");
    let (code, stdout, stderr) = wasmtron_types(&[dir.path().as_os_str()]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    let written = dir.path().join("ui/wasmtron-notes.d.ts");
    assert!(
        stdout.contains(&written.display().to_string()),
        "the path is printed: {stdout}"
    );
    assert!(
        stdout.contains("window `plain`: skipped (no page API and no page events)"),
        "{stdout}"
    );
    assert!(!dir.path().join("ui/wasmtron-plain.d.ts").exists());
    let text = std::fs::read_to_string(&written).expect("the declarations are written");
    for expected in [
        "// Page API (`wasmtron.api`): `probe:page/api@0.1.0`.",
        // A parameter takes an option left out; the result has every key.
        "  addNote(note: {\n    title: string;\n    body: string;\n    tags: string[];\n    \
         pinned: boolean;\n    stars?: number | null | undefined;\n  }): Promise<number>;",
        "whose `payload` is:\n   * `{ tag: 'empty-title' } | { tag: 'too-long'; val: number }`",
        "  getNote(index: number): Promise<{\n    title: string;\n    body: string;\n    \
         tags: string[];\n    pinned: boolean;\n    stars: number | null;\n  } | null>;",
        "  count(): Promise<number>;",
        "  crash(): Promise<null>;",
        "  slow(ms: number, text: string): Promise<string>;",
        "  echoBytes(data: Uint8Array | number[]): Promise<Uint8Array>;",
        // Every kind in `everything`, passed and got back.
        "    big: bigint | number;\n",
        "    big: bigint;\n",
        "    bytes: Uint8Array | number[];\n",
        "    bytes: Uint8Array;\n",
        "    letter: string;\n",
        "    level: 'low' | 'high';\n",
        "    marks: { seen?: boolean; starred?: boolean };\n",
        "    marks: { seen: boolean; starred: boolean };\n",
        "    maybe: { tag: 'some'; val: string | null } | null;\n",
        "    outcome: { tag: 'ok'; val: string } | { tag: 'err'; val: number };\n",
        "    pair: [number, string];\n",
        "{ tag: 'labelled'; val: [number, string] }",
        "{ tag: 'blank' }",
        // The events, each with its arguments.
        "  noteAdded: [title: string, tags: string[], total: number];",
        "  ticked: [n: number];",
        "on<E extends keyof WasmtronEvents>(",
        "export interface WasmtronError extends Error {",
        "declare global {\n  interface Window {\n    readonly wasmtron: Wasmtron;\n  }\n  \
         const wasmtron: Wasmtron;\n}\n\nexport {};\n",
    ] {
        assert!(text.contains(expected), "no {expected:?} in:\n{text}");
    }
}

#[test]
fn types_with_out_writes_into_that_folder() {
    let dir = types_app("probe:page/api");
    let out = dir.path().join("generated/types");
    let (code, stdout, stderr) =
        wasmtron_types(&[dir.path().as_os_str(), "--out".as_ref(), out.as_os_str()]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    let written = out.join("wasmtron-notes.d.ts");
    assert!(stdout.contains(&written.display().to_string()), "{stdout}");
    let text = std::fs::read_to_string(&written).expect("the declarations are written");
    assert!(text.contains("export interface WasmtronApi {"), "{text}");
    assert!(!dir.path().join("ui/wasmtron-notes.d.ts").exists());
}

#[test]
fn types_of_an_app_the_check_refuses_fail_with_its_message_and_write_nothing() {
    let dir = types_app("probe:page/nope");
    let (code, stdout, stderr) = wasmtron_types(&[dir.path().as_os_str()]);
    assert_eq!(code, Some(2), "{stdout}{stderr}");
    // As `wasmtron check` prints it.
    assert!(
        stderr.lines().any(|line| line.starts_with("refused: ")
            && line.ends_with(
                "window `notes` names `probe:page/nope` as its page API, \
                 but its renderer does not export it"
            )),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 refusal(s): the app would not start"),
        "{stderr}"
    );
    assert!(!dir.path().join("ui/wasmtron-notes.d.ts").exists());

    dir.write(
        "wasmtron.toml",
        "[app]\nname = \"pages\"\nsurprise = true\n",
    );
    let (code, stdout, stderr) = wasmtron_types(&[dir.path().as_os_str()]);
    assert_eq!(code, Some(2), "{stdout}{stderr}");
    assert!(stderr.contains("surprise"), "{stderr}");
}
