//! `examples/notes` on the headless backend, in the suite's isolation mode:
//! what its page's scripts do, made as the same page API calls
//! (`wasmtron.api.*` in the window, `HeadlessBackend::call` here, since a
//! headless page runs no scripts). Notes are added, searched, pinned and
//! deleted through the renderer, which keeps none itself: main holds them,
//! tells every window of each change (the page's `notesChanged` event), and
//! refuses a bad note with the WIT variant the page shows.

use std::time::Duration;

use serde_json::{Value, json};
use wasmtron::window::{HeadlessBackend, PageAnswer};
use wasmtron_tests::{AppDir, Running, builder, eventually, example_app, guests};

/// A copy of the example, with `extra` appended to its manifest.
fn app_dir(extra: &str) -> AppDir {
    let dir = example_app(
        "notes",
        &[
            (guests::NOTES_MAIN, "notes_main.wasm"),
            (guests::NOTES_RENDERER, "notes_renderer.wasm"),
        ],
    );
    if !extra.is_empty() {
        let manifest = std::fs::read_to_string(dir.path().join("wasmtron.toml"))
            .expect("the copy has a manifest");
        dir.write("wasmtron.toml", manifest + extra);
    }
    dir
}

/// Starts the example and waits until each of `windows` has loaded: its
/// renderer then tells the page how many notes main holds.
fn start(extra: &str, windows: &[&str]) -> Running {
    let dir = app_dir(extra);
    let backend = std::sync::Arc::new(HeadlessBackend::new());
    let app = builder(dir.manifest(), backend.clone())
        .start()
        .expect("the example starts");
    let app = Running::from_parts(app, backend, dir);
    for window in windows {
        eventually(
            &format!("window `{window}` hearing the first notesChanged"),
            || !app.windows.emitted(window).is_empty(),
        );
    }
    app
}

/// Calls `function` of window `window`'s page API, as its page would.
fn call(app: &Running, window: &str, function: &str, args: Value) -> PageAnswer {
    let answer = app
        .windows
        .call(window, function, args)
        .expect("the window is open");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime");
    runtime
        .block_on(async { tokio::time::timeout(Duration::from_secs(30), answer).await })
        .expect("the call is answered")
        .expect("the answer is sent")
}

/// A call that must succeed: its value.
fn ok(app: &Running, function: &str, args: Value) -> Value {
    match call(app, "main", function, args.clone()) {
        Ok(value) => value,
        Err(failure) => panic!("{function}({args}) failed: {failure:?}"),
    }
}

/// A call the page API must refuse: the WIT `refusal` it rejected with.
fn refused(app: &Running, function: &str, args: Value) -> Value {
    match call(app, "main", function, args.clone()) {
        Err(failure) if failure.code == "rejected" => failure.payload.unwrap_or_default(),
        other => panic!("{function}({args}) was not refused: {other:?}"),
    }
}

fn draft(title: &str, body: &str, tags: &[&str]) -> Value {
    json!({ "title": title, "body": body, "tags": tags })
}

/// The titles a search shows, in order, and the total.
fn search(app: &Running, query: &str) -> (Vec<String>, u64) {
    let listing = ok(app, "search", json!([query]));
    let titles = listing["notes"]
        .as_array()
        .expect("a listing has notes")
        .iter()
        .map(|note| note["title"].as_str().unwrap_or_default().to_owned())
        .collect();
    (titles, listing["total"].as_u64().expect("a total"))
}

/// The totals of the `notesChanged` events window `window` heard.
fn changes(app: &Running, window: &str) -> Vec<Value> {
    app.windows
        .emitted(window)
        .into_iter()
        .map(|(event, args)| {
            assert_eq!(event, "notesChanged");
            args[0].clone()
        })
        .collect()
}

#[test]
fn notes_are_added_searched_pinned_and_deleted_through_the_page_api() {
    let app = start("", &["main"]);
    assert_eq!(search(&app, ""), (vec![], 0));

    // Main tidies what it stores: trimmed, tags lower case, once, no `#`.
    let tea = ok(
        &app,
        "add",
        json!([draft(
            "  Buy green tea ",
            "loose leaf",
            &["Shopping", "#tea", "shopping"]
        )]),
    );
    assert_eq!(tea["title"], "Buy green tea");
    assert_eq!(tea["body"], "loose leaf");
    assert_eq!(tea["tags"], json!(["shopping", "tea"]));
    assert_eq!(tea["pinned"], false);
    // A WIT u64 crosses as a BigInt: tagged in the page's JSON.
    assert!(tea["createdMs"]["$bigint"].is_string(), "{tea}");
    let ada = ok(
        &app,
        "add",
        json!([draft("Call Ada", "about the engine", &["work"])]),
    );
    ok(
        &app,
        "add",
        json!([draft("Tea party", "", &["home", "work"])]),
    );

    // Newest first; pinned before everything.
    assert_eq!(
        search(&app, "").0,
        ["Tea party", "Call Ada", "Buy green tea"]
    );
    let pinned = ok(&app, "setPinned", json!([tea["id"], true]));
    assert_eq!(pinned["pinned"], true);
    assert_eq!(
        search(&app, "").0,
        ["Buy green tea", "Tea party", "Call Ada"]
    );

    // Words match the title, body or tags; `#tag` a whole tag.
    assert_eq!(
        search(&app, "TEA"),
        (vec!["Buy green tea".into(), "Tea party".into()], 3)
    );
    assert_eq!(search(&app, "engine").0, ["Call Ada"]);
    assert_eq!(search(&app, "#work").0, ["Tea party", "Call Ada"]);
    assert_eq!(search(&app, "#work party").0, ["Tea party"]);
    assert_eq!(search(&app, "nothing like it"), (vec![], 3));

    assert_eq!(ok(&app, "remove", json!([ada["id"]])), Value::Null);
    assert_eq!(search(&app, "").0, ["Buy green tea", "Tea party"]);
    assert_eq!(
        refused(&app, "remove", json!([ada["id"]])),
        json!({ "tag": "not-found", "val": ada["id"] })
    );
    assert_eq!(
        refused(&app, "setPinned", json!([999, true])),
        json!({ "tag": "not-found", "val": 999 })
    );

    // The page heard every change, with the new total, and nothing for a
    // refusal: first the count at load, then three adds, a pin, a delete.
    eventually("the last change reaching the page", || {
        changes(&app, "main").len() == 6
    });
    assert_eq!(changes(&app, "main"), [0, 1, 2, 3, 3, 2]);
}

#[test]
fn bad_notes_are_refused_with_the_wit_variant_and_nothing_is_stored() {
    let app = start("", &["main"]);
    assert_eq!(
        refused(&app, "add", json!([draft("", "a body", &[])])),
        json!({ "tag": "empty-title" })
    );
    assert_eq!(
        refused(&app, "add", json!([draft(" \t ", "", &[])])),
        json!({ "tag": "empty-title" })
    );
    let long = "x".repeat(121);
    assert_eq!(
        refused(&app, "add", json!([draft(&long, "", &[])])),
        json!({ "tag": "title-too-long", "val": 120 })
    );
    let many = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    assert_eq!(
        refused(&app, "add", json!([draft("tags", "", &many)])),
        json!({ "tag": "too-many-tags", "val": 8 })
    );
    // What does not fit the types never reaches the renderer.
    match call(&app, "main", "add", json!([{ "title": "no body" }])) {
        Err(failure) => assert_eq!(failure.code, "bad-payload"),
        other => panic!("{other:?}"),
    }
    assert_eq!(search(&app, ""), (vec![], 0));
    assert_eq!(changes(&app, "main"), [0]);
}

#[test]
fn two_windows_share_mains_notes_and_both_hear_each_change() {
    let second = "\n[[window]]\nlabel = \"second\"\nrenderer = \"dist/notes_renderer.wasm\"\n\
                  page-api = \"notes:app/api\"\n[window.imports]\n\
                  \"notes:app/store\" = \"main\"\n\"notes:app/events\" = \"page\"\n";
    let app = start(second, &["main", "second"]);
    ok(&app, "add", json!([draft("From main", "", &["shared"])]));
    match call(&app, "second", "search", json!(["#shared"])) {
        Ok(listing) => {
            assert_eq!(listing["total"], 1);
            assert_eq!(listing["notes"][0]["title"], "From main");
        }
        other => panic!("{other:?}"),
    }
    eventually("both windows hearing the change", || {
        changes(&app, "main") == [0, 1] && changes(&app, "second") == [0, 1]
    });
}
