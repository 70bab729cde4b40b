//! The utility-parse example on the headless backend: main forks the parser
//! with a read-only grant on `data/`, the parser streams its progress over a
//! port to the window's renderer, and main answers pings meanwhile. Runs in
//! the suite's isolation mode (`WASMTRON_TEST_ISOLATION`).

use wasmtron::ProcessKind;
use wasmtron_tests::{HeadlessExt, Running, eventually, utility_parse_app};

/// Records in the generated file: about 3 MB, enough for many progress
/// steps, small enough to parse in well under a second.
const RECORDS: u32 = 20_000;

fn start() -> Running {
    Running::start_example(utility_parse_app(RECORDS), "main", "ready")
}

/// Types `file` into the file field and clicks Parse. `#status` is cleared
/// first, so that what it shows next is this parse's.
fn parse(app: &Running, file: &str) {
    app.windows.apply_clear("main", "#status");
    app.input("main", "#file", file);
    app.click("main", "#parse");
}

fn parsers(app: &Running) -> Vec<String> {
    app.app
        .metrics()
        .into_iter()
        .filter(|row| row.kind == ProcessKind::Utility)
        .map(|row| row.name)
        .collect()
}

#[test]
fn the_parse_streams_progress_to_the_window_while_main_answers_pings() {
    let app = start();
    parse(&app, "records.json");
    // Main is asked while the parser works in its own worker: the answer
    // does not wait for the parse.
    app.click("main", "#ping");
    let pong = app.wait_until("main", "#pong", |text| text.starts_with("pong 1 "));
    let status_at_pong = app.windows.text("main", "#status").unwrap_or_default();
    println!("main answered {pong:?} while the window showed {status_at_pong:?}");

    app.wait_text("main", "#status", "done");
    let result = app.windows.text("main", "#result").unwrap_or_default();
    println!("result: {result}");
    assert!(
        result.starts_with(&format!("{RECORDS} records, mean score ")),
        "{result}"
    );
    assert_eq!(
        app.windows.attribute("main", "#bar", "value").as_deref(),
        Some("100")
    );
    assert_eq!(
        app.windows.text("main", "#percent").as_deref(),
        Some("100%")
    );
    // The progress went from the utility to the renderer over their own
    // socket (in either isolation mode): the host carried none of it.
    let relayed = app.app.port_bytes_relayed();
    println!("port bytes relayed by the host: {relayed}");
    assert_eq!(relayed, 0, "the host relayed port payload bytes");

    // A second parse reuses the running parser rather than forking again.
    parse(&app, "records.json");
    app.wait_text("main", "#status", "done");
    assert_eq!(parsers(&app), ["parser"]);
}

#[test]
fn a_missing_file_is_reported_by_the_parser() {
    let app = start();
    parse(&app, "missing.json");
    app.wait_text("main", "#status", "failed");
    // The page sets the status, then the result, then its class.
    let result = app.wait_until("main", "#result", |text| !text.is_empty());
    assert!(
        result.starts_with("cannot open data/missing.json"),
        "{result}"
    );
    eventually("the result marked as an error", || {
        app.windows.has_class("main", "#result", "error")
    });
}

#[test]
fn a_path_that_is_not_a_plain_file_name_is_refused_by_main() {
    let app = start();
    for file in ["../wasmtron.toml", "sub/records.json", ""] {
        // The page sets the status before the result: wait for the result
        // itself, cleared first so that the last one does not pass for it.
        app.windows.apply_clear("main", "#result");
        parse(&app, file);
        app.wait_text("main", "#status", "failed");
        let result = app.wait_until("main", "#result", |text| !text.is_empty());
        assert!(
            result.ends_with("is not a file name inside data/"),
            "{result}"
        );
    }
    // Refused before any fork.
    assert!(parsers(&app).is_empty());
}

#[test]
fn stop_kills_the_parser_and_the_next_parse_forks_a_fresh_one() {
    let app = start();
    parse(&app, "records.json");
    app.wait_text("main", "#status", "done");

    // The parser is idle but alive; Stop kills it, and main tells the
    // window how it ended.
    app.click("main", "#stop");
    app.wait_text("main", "#status", "parser ended: killed:9");
    eventually("the parser leaving the metrics", || {
        parsers(&app).is_empty()
    });

    parse(&app, "records.json");
    app.wait_text("main", "#status", "done");
    assert_eq!(parsers(&app), ["parser"]);
}
