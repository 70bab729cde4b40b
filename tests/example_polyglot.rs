//! The polyglot example on the headless backend: a Rust main, a JavaScript
//! renderer, a Python utility and a C utility, built from source by their
//! own toolchains (`scripts/build-polyglot.sh`). The window's text goes over
//! a port to Python, Python asks C over a port of their own, and the answer
//! comes back to the page. Runs in the suite's isolation mode
//! (`WASMTRON_TEST_ISOLATION`).

use wasmtron::{Isolation, ProcessKind};
use wasmtron_tests::{HeadlessExt, Running, eventually, isolation, kill_9, polyglot_app};

fn start() -> Running {
    Running::start_example(polyglot_app(), "main", "connected")
}

/// CRC-32 as zlib computes it, to check the C utility's answer.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for byte in data {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                0xedb8_8320 ^ (crc >> 1)
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Types `text`, clicks Analyze and waits for the answer.
fn analyze(app: &Running, text: &str) {
    app.windows.apply_clear("main", "#status");
    app.input("main", "#text", text);
    app.click("main", "#analyze");
    app.wait_until("main", "#status", |s| s.starts_with("analyzed"));
}

fn utilities(app: &Running) -> Vec<(String, u32)> {
    let mut rows: Vec<_> = app
        .app
        .metrics()
        .into_iter()
        .filter(|row| row.kind == ProcessKind::Utility)
        .map(|row| (row.name, row.pid))
        .collect();
    rows.sort();
    rows
}

#[test]
fn text_goes_to_python_which_asks_c_and_the_page_shows_both() {
    let app = start();
    let text = "one two two three three three — déjà vu";
    analyze(&app, text);
    let shown = |selector: &str| app.windows.text("main", selector).unwrap_or_default();
    assert_eq!(shown("#words"), "8");
    assert_eq!(shown("#distinct"), "5");
    assert_eq!(shown("#top"), "three ×3, two ×2, one ×1");
    assert_eq!(
        shown("#checksum"),
        format!("{:08x} ({} bytes)", crc32(text.as_bytes()), text.len())
    );
    let by = shown("#by");
    assert!(
        by.starts_with("Python 3.") && by.contains(" + C (clang "),
        "{by}"
    );
    assert_eq!(shown("#status"), "analyzed (request 1)");

    // The window and the two utilities talked over ports main set up, over
    // their own sockets (in either isolation mode), with nothing relayed.
    let relayed = app.app.port_bytes_relayed();
    assert_eq!(relayed, 0, "the host relayed port payload bytes");

    // Main invokes each utility's handler to say who runs what.
    app.click("main", "#about");
    let about = app.wait_until("main", "#about-text", |t| t.starts_with("main:"));
    assert!(
        about.starts_with("main: Rust · renderer: JavaScript · words: Python 3.")
            && about.contains("(cpython) · checksum: C (clang "),
        "{about}"
    );

    // Another request, on the same ports.
    analyze(&app, "");
    assert_eq!(shown("#words"), "0");
    assert_eq!(shown("#checksum"), "00000000 (0 bytes)");
    assert_eq!(shown("#status"), "analyzed (request 2)");
    assert_eq!(
        utilities(&app)
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>(),
        ["checksum", "words"]
    );
}

#[test]
fn a_killed_utility_is_replaced_and_the_page_reconnects() {
    if isolation() != Isolation::Process {
        // A utility inside the host process has no process to kill.
        return;
    }
    let app = start();
    analyze(&app, "before");
    let before = utilities(&app);
    let words = before
        .iter()
        .find(|(name, _)| name == "words")
        .map(|(_, pid)| *pid)
        .expect("words runs in a worker process");
    kill_9(words);

    // Main hears it, ends the C utility too, and tells the window, which
    // connects again: main forks a fresh pair.
    app.wait_until("main", "#status", |s| s == "connected");
    eventually("a fresh pair of utilities", || {
        let now = utilities(&app);
        now.len() == 2 && now.iter().all(|row| !before.contains(row))
    });
    analyze(&app, "after");
    assert_eq!(
        app.windows.text("main", "#checksum").unwrap_or_default(),
        format!("{:08x} (5 bytes)", crc32(b"after"))
    );
}
