//! A window's page API on the headless backend: the page's calls of the
//! functions its renderer exports (`page-api`), values converted by the
//! interface's types both ways, the renderer's events to the page (an
//! interface bound to `"page"`), and everything a hostile page can send
//! ending in its named error. Both isolation modes (the suite's).

use std::time::Duration;

use serde_json::{Value, json};
use wasmtron::Engine;
use wasmtron::window::PageAnswer;
use wasmtron::wire::page_value;
use wasmtron::wire::value::{Type, Value as Typed};
use wasmtron_tests::{AppDir, Running, eventually, guests};

/// The manifest of the page-bridge tests: window `notes` with the page
/// renderer, its API and its events; `limits` goes into its limits table.
fn manifest(limits: &str, page_api: &str) -> String {
    format!(
        "[app]\nname = \"pages\"\n\n[[window]]\nlabel = \"notes\"\nrenderer = \"dist/page-renderer.wasm\"\n\
         page-api = \"{page_api}\"\n[window.limits]\n{limits}\n\
         [window.imports]\n\"probe:page/events\" = \"page\"\n"
    )
}

fn app_dir(manifest: &str) -> AppDir {
    let dir = AppDir::new(manifest);
    dir.copy(guests::PAGE_RENDERER, "dist/page-renderer.wasm");
    dir.write(
        "ui/index.html",
        "<!doctype html><p id=\"status\"></p><p id=\"count\">0</p>",
    );
    dir
}

fn start(limits: &str) -> Running {
    Running::start(app_dir(&manifest(limits, "probe:page/api"))).expect("the app starts")
}

/// Calls `function` from the page and waits for its answer.
fn call(app: &Running, function: &str, args: Value) -> PageAnswer {
    let answer = app
        .windows
        .call("notes", function, args)
        .expect("the window is open");
    wait(answer)
}

fn wait(answer: tokio::sync::oneshot::Receiver<PageAnswer>) -> PageAnswer {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime");
    runtime
        .block_on(async { tokio::time::timeout(Duration::from_secs(30), answer).await })
        .expect("the call is answered")
        .expect("the answer is sent")
}

fn note(title: &str) -> Value {
    json!({ "title": title, "body": "b", "tags": ["x", "y"], "pinned": false })
}

/// The failure's code, for a call that must fail.
fn code(answer: &PageAnswer) -> &str {
    match answer {
        Ok(value) => panic!("expected a failure, got {value}"),
        Err(failure) => &failure.code,
    }
}

#[test]
fn a_page_calls_its_renderer_with_values_of_every_kind() {
    let app = start("");
    assert_eq!(call(&app, "count", json!([])), Ok(json!(0)));
    assert_eq!(call(&app, "addNote", json!([note("first")])), Ok(json!(0)));
    // An option field left out is `none`; set, it is there.
    let starred = json!({ "title": "second", "body": "", "tags": [], "pinned": true, "stars": 5 });
    assert_eq!(
        call(&app, "addNote", json!([starred.clone()])),
        Ok(json!(1))
    );
    assert_eq!(call(&app, "count", json!([])), Ok(json!(2)));
    assert_eq!(call(&app, "getNote", json!([1])), Ok(starred));
    // `option<note>` with nothing in it is null.
    assert_eq!(call(&app, "getNote", json!([9])), Ok(Value::Null));
    app.wait_text("notes", "#count", "2");

    let everything = json!({
        "yes": true,
        "small": -128,
        "count": 4_000_000_000u32,
        "big": { "$bigint": "18446744073709551615" },
        "negative": { "$bigint": "-9223372036854775808" },
        "ratio": { "$float": "-Infinity" },
        "letter": "🦀",
        "bytes": { "$bytes": "AAEC/w==" },
        "shapes": [
            { "tag": "circle", "val": 1.5 },
            { "tag": "labelled", "val": [-3, "three"] },
            { "tag": "blank" }
        ],
        "level": "high",
        "marks": { "seen": false, "starred": true },
        "maybe": { "tag": "some", "val": null },
        "outcome": { "tag": "err", "val": 7 },
        "pair": [65535, "max"]
    });
    assert_eq!(
        call(&app, "echoEverything", json!([everything.clone()])),
        Ok(everything)
    );
}

#[test]
fn a_mebibyte_of_bytes_crosses_both_ways() {
    let app = start("");
    let bytes: Vec<u8> = (0..1024 * 1024).map(|i| (i % 251) as u8).collect();
    let encoded = page_value::to_page(&Typed::Bytes(bytes), &Type::List(Box::new(Type::U8)))
        .expect("bytes convert");
    assert_eq!(
        call(&app, "echoBytes", json!([encoded.clone()])),
        Ok(encoded)
    );
    // A plain array of numbers is taken for bytes too; they come back as bytes.
    assert_eq!(
        call(&app, "echoBytes", json!([[0, 1, 255]])),
        Ok(json!({ "$bytes": "AAH/" }))
    );
}

#[test]
fn the_functions_own_errors_reject_with_their_payload() {
    let app = start("");
    let long = "t".repeat(81);
    match call(&app, "addNote", json!([note(&long)])) {
        Err(failure) => {
            assert_eq!(failure.code, "rejected");
            assert_eq!(
                failure.payload,
                Some(json!({ "tag": "too-long", "val": 81 }))
            );
        }
        other => panic!("{other:?}"),
    }
    match call(&app, "addNote", json!([note("")])) {
        Err(failure) => assert_eq!(failure.payload, Some(json!({ "tag": "empty-title" }))),
        other => panic!("{other:?}"),
    }
    assert_eq!(call(&app, "count", json!([])), Ok(json!(0)));
}

#[test]
fn the_renderer_emits_typed_events_to_the_page() {
    let app = start("");
    call(&app, "addNote", json!([note("hello")])).expect("added");
    assert_eq!(call(&app, "tick", json!([3])), Ok(json!(3)));
    let emitted = app.windows.emitted("notes");
    assert_eq!(
        emitted,
        vec![
            ("noteAdded".to_owned(), json!(["hello", ["x", "y"], 1])),
            ("ticked".to_owned(), json!([0])),
            ("ticked".to_owned(), json!([1])),
            ("ticked".to_owned(), json!([2])),
        ]
    );
}

#[test]
fn what_a_hostile_page_sends_ends_in_its_named_error_and_reaches_nothing() {
    let app = start("");
    let refused = [
        // Names the API does not have, in any spelling but jco's.
        ("deleteEverything", json!([]), "no-handler"),
        ("add-note", json!([note("a")]), "no-handler"),
        ("__proto__", json!([]), "no-handler"),
        ("", json!([]), "no-handler"),
        // Values that do not fit the types.
        ("addNote", json!([]), "bad-payload"),
        ("addNote", json!([{ "title": 7 }]), "bad-payload"),
        ("addNote", json!([note("a"), "extra"]), "bad-payload"),
        ("addNote", json!({ "0": note("a") }), "bad-payload"),
        (
            "addNote",
            json!([{ "title": "a", "body": "", "tags": [], "pinned": false, "admin": true }]),
            "bad-payload",
        ),
        ("getNote", json!([-1]), "bad-payload"),
        ("getNote", json!([1.5]), "bad-payload"),
        ("getNote", json!([{ "$bigint": "1" }]), "bad-payload"),
        (
            "echoBytes",
            json!([{ "$bytes": "not base64!" }]),
            "bad-payload",
        ),
        ("echoBytes", json!([[256]]), "bad-payload"),
        ("slow", json!([1, { "$bytes": "" }]), "bad-payload"),
    ];
    for (function, args, expected) in refused {
        let answer = call(&app, function, args.clone());
        assert_eq!(code(&answer), expected, "{function}({args})");
    }
    // Nothing reached the renderer: it has no notes and emitted nothing.
    assert_eq!(call(&app, "count", json!([])), Ok(json!(0)));
    assert!(app.windows.emitted("notes").is_empty());
    // And a name past any sensible length is refused without being echoed
    // whole.
    let long = "x".repeat(100_000);
    match call(&app, &long, json!([])) {
        Err(failure) => assert!(failure.message.len() < 1_000, "{}", failure.message.len()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_page_flooding_calls_is_held_to_its_renderers_pending_limit() {
    let app = start("max-pending-invokes = 4");
    // Eight calls at once, each keeping the renderer busy: the first four
    // wait for it, the other four are refused at once.
    let waiting: Vec<_> = (0..8)
        .map(|i| {
            app.windows
                .call("notes", "slow", json!([500, format!("call {i}")]))
                .expect("the window is open")
        })
        .collect();
    let answers: Vec<PageAnswer> = waiting.into_iter().map(wait).collect();
    for (i, answer) in answers.iter().enumerate() {
        if i < 4 {
            assert_eq!(answer, &Ok(json!(format!("call {i}:"))), "call {i}");
        } else {
            assert_eq!(code(answer), "limit-exceeded", "call {i}");
        }
    }
    // Once they are answered, the page may call again.
    assert_eq!(call(&app, "count", json!([])), Ok(json!(0)));
}

#[test]
fn a_renderer_that_crashes_in_a_page_call_rejects_it_and_the_app_goes_on() {
    let app = start("");
    assert_eq!(code(&call(&app, "crash", json!([]))), "target-gone");
    // The window shows the crash page; the host answers the page's next
    // call with the same error instead of hanging.
    eventually("the crash page", || {
        app.windows
            .text("notes", "#wasmtron-crash-reason")
            .is_some()
    });
    assert_eq!(code(&call(&app, "count", json!([]))), "target-gone");
}

#[test]
fn a_window_without_a_page_api_refuses_every_call() {
    let text = "[app]\nname = \"pages\"\n\n[[window]]\nlabel = \"notes\"\nrenderer = \"dist/page-renderer.wasm\"\n\
                [window.imports]\n\"probe:page/events\" = \"page\"\n";
    let app = Running::start(app_dir(text)).expect("the app starts");
    let answer = call(&app, "count", json!([]));
    assert_eq!(code(&answer), "no-handler");
}

#[test]
fn the_check_refuses_a_page_api_the_renderer_does_not_export() {
    let dir = app_dir(&manifest("", "probe:page/missing"));
    let engine = Engine::new().expect("an engine");
    let errors: Vec<String> = match wasmtron::check_with(&dir.manifest(), &engine, None) {
        Ok(_) => panic!("the check passed"),
        Err(errors) => errors.iter().map(ToString::to_string).collect(),
    };
    assert!(
        errors
            .iter()
            .any(|e| e.contains("window `notes` names `probe:page/missing` as its page API")),
        "{errors:?}"
    );
}

#[test]
fn only_a_window_may_bind_an_interface_to_its_page() {
    let text = "[app]\nname = \"pages\"\n\n[main]\ncomponent = \"dist/main.wasm\"\n\
                [main.imports]\n\"probe:page/events\" = \"page\"\n";
    let dir = AppDir::new(text);
    let err = wasmtron::Manifest::load(dir.path()).expect_err("refused");
    assert!(
        err.to_string().contains("only a window's renderer has one"),
        "{err}"
    );
}
