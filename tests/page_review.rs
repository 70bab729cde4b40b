//! A review of the page API and the app's content (docs/page.md) from a
//! hostile page's side: what a page's messages cost the host before any
//! limit applies, messages whose call can never be settled, and what an
//! old page's calls do to the page that replaces it. Headless; both
//! isolation modes (the suite's).
//!
//! Each finding of the review is a test here, stating the behaviour the
//! docs promise.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::Duration;

use serde_json::{Value, json};
use wasmtron::window::{ContentAnswer, PageAnswer};
use wasmtron::wire::page::{self, MessageError};
use wasmtron_tests::{AppDir, Running, guests};

// ---- Counting what one thread allocates ----

/// The system allocator, counting the bytes the current thread holds and
/// the most it held, so that a test can measure what one parse costs
/// without the other tests' threads in the count.
struct Counting;

thread_local! {
    static HELD: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn held(change: isize) {
    // `try_with`: the allocator runs while thread locals are torn down too.
    let _ = HELD.try_with(|held| {
        let now = held.get() + change;
        held.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

fn size(layout: Layout) -> isize {
    isize::try_from(layout.size()).unwrap_or(isize::MAX)
}

// SAFETY: every call is passed on to `System` unchanged; the counting
// touches only const-initialised thread locals, which never allocate.
// (A global allocator is unsafe code by its trait.)
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        held(size(layout));
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        held(-size(layout));
        // SAFETY: the caller's contract, passed on.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        held(size(layout));
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        held(isize::try_from(new_size).unwrap_or(isize::MAX) - size(layout));
        // SAFETY: the caller's contract, passed on.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

/// The most this thread held at once while `run` ran, beyond what it held
/// before.
fn peak_of<T>(run: impl FnOnce() -> T) -> (T, usize) {
    let before = HELD.with(Cell::get);
    PEAK.with(|peak| peak.set(before));
    let out = run();
    let peak = PEAK.with(Cell::get) - before;
    (out, usize::try_from(peak).unwrap_or(0))
}

// ---- The app ----

fn manifest(limits: &str) -> String {
    format!(
        "[app]\nname = \"review\"\n\n[[window]]\nlabel = \"notes\"\nrenderer = \"dist/page-renderer.wasm\"\n\
         page-api = \"probe:page/api\"\n[window.limits]\n{limits}\n\
         [window.imports]\n\"probe:page/events\" = \"page\"\n"
    )
}

fn start(limits: &str) -> Running {
    let dir = AppDir::new(&manifest(limits));
    dir.copy(guests::PAGE_RENDERER, "dist/page-renderer.wasm");
    dir.write(
        "ui/index.html",
        "<!doctype html><p id=\"status\"></p><p id=\"count\">0</p>",
    );
    Running::start(dir).expect("the app starts")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime")
}

fn wait(answer: tokio::sync::oneshot::Receiver<PageAnswer>) -> PageAnswer {
    runtime()
        .block_on(async { tokio::time::timeout(Duration::from_secs(30), answer).await })
        .expect("the call is answered")
        .expect("the answer is sent")
}

fn call(app: &Running, function: &str, args: Value) -> PageAnswer {
    wait(
        app.windows
            .call("notes", function, args)
            .expect("the window is open"),
    )
}

fn failure(answer: &PageAnswer) -> (&str, &str) {
    match answer {
        Ok(value) => panic!("expected a failure, got {value}"),
        Err(failure) => (&failure.code, &failure.message),
    }
}

// ---- Properties that hold ----

#[test]
fn an_answer_meant_for_the_page_before_a_reload_settles_nothing_in_the_new_one() {
    let app = start("");
    let before = app
        .windows
        .call("notes", "slow", json!([800, "old page"]))
        .expect("the window is open");
    app.app.reload_window("notes").expect("reloaded");
    app.wait_text("notes", "#status", "loaded");
    // The old page's call is gone with its page: its answer is dropped,
    // not delivered to a call of the new page.
    let old = runtime()
        .block_on(async { tokio::time::timeout(Duration::from_secs(30), before).await })
        .expect("the old call ends");
    assert!(old.is_err(), "the old page's call was settled: {old:?}");
    assert_eq!(
        call(&app, "slow", json!([0, "new page"])),
        Ok(json!("new page:"))
    );
}

#[test]
fn values_at_the_edges_cross_as_the_docs_say() {
    let app = start("");
    let note = |title: Value| json!([{ "title": title, "body": "", "tags": [], "pinned": false }]);
    // -0 is a whole number: 0.
    assert_eq!(call(&app, "getNote", json!([-0.0])), Ok(Value::Null));
    // A key given twice in the page's JSON is one key (the last), as
    // JSON.parse takes it; serde_json's map does the same.
    let twice: Value =
        serde_json::from_str(r#"[{"title":"a","title":"b","body":"","tags":[],"pinned":false}]"#)
            .expect("JSON");
    assert_eq!(call(&app, "addNote", twice), Ok(json!(0)));
    assert_eq!(
        call(&app, "getNote", json!([0])).expect("a note")["title"],
        json!("b")
    );
    // `__proto__` and `constructor` are unknown keys like any other.
    for key in ["__proto__", "constructor", "$bytes"] {
        let mut args = note(json!("c"));
        args[0][key] = json!({});
        let answer = call(&app, "addNote", args);
        assert_eq!(failure(&answer).0, "bad-payload", "{key}");
    }
    // A lone surrogate cannot reach the host as a Rust string at all; an
    // astral character is one char.
    assert_eq!(call(&app, "addNote", note(json!("🦀"))), Ok(json!(1)));
    assert_eq!(call(&app, "count", json!([])), Ok(json!(2)));
}

#[test]
fn a_content_path_reaches_the_provider_only_as_the_window_asked() {
    // The host passes the decoded path on unchanged: a provider that maps
    // paths to files must refuse `..` itself (the content test providers
    // know nothing by those names, so they answer 404, not the host).
    let dir = AppDir::new(
        "[app]\nname = \"content\"\n\n[main]\ncomponent = \"dist/content-main.wasm\"\n\n\
         [[window]]\nlabel = \"a\"\nrenderer = \"dist/renderer.wasm\"\ncontent = \"main\"\n",
    );
    dir.copy(guests::CONTENT_MAIN, "dist/content-main.wasm");
    let app = Running::start(dir).expect("the app starts");
    let fetch = |path: &str| -> ContentAnswer {
        let answer = app.windows.fetch("a", path, "").expect("window a is open");
        runtime()
            .block_on(async { tokio::time::timeout(Duration::from_secs(30), answer).await })
            .expect("answered")
            .expect("sent")
    };
    for path in [
        "../hello.txt",
        "./hello.txt",
        "hello.txt/",
        "/hello.txt",
        "hello.txt\0",
    ] {
        assert!(
            matches!(fetch(path), Err((404, _))),
            "{path:?} was served as hello.txt"
        );
    }
    assert!(fetch("hello.txt").is_ok());
}

// ---- Findings ----

/// The window's pending limit is checked after the arguments are
/// converted and encoded, on the one task that pumps every window's page
/// events: a page at its limit still has each refused call's arguments
/// walked in full (here two million numbers), and other windows wait.
#[test]
fn a_page_at_its_pending_limit_is_refused_before_its_arguments_are_converted() {
    let app = start("max-pending-invokes = 1");
    let busy = app
        .windows
        .call("notes", "slow", json!([1500, "busy"]))
        .expect("the window is open");
    std::thread::sleep(Duration::from_millis(100));
    let mut numbers = vec![json!(0); 2_000_000];
    numbers[1_999_999] = json!(256);
    let answer = call(&app, "echoBytes", json!([numbers]));
    let (code, message) = failure(&answer);
    // Today: `bad-payload` naming element [1999999], so every element was
    // read although the call was over the limit.
    assert_eq!(code, "limit-exceeded", "{message}");
    assert!(wait(busy).is_ok());
}

/// A call message the host cannot read still names its call, so the page's
/// promise is settled with the refusal instead of waiting for ever: a lone
/// surrogate (a string cut in the middle of an emoji, which `JSON.stringify`
/// writes as `\ud83e` and serde_json refuses), and arguments past
/// `MAX_MESSAGE_BYTES` (docs/page.md promises `too-large`). The desktop
/// backend settles such a call through `page::call_id`.
#[test]
fn a_call_message_the_host_refuses_still_names_the_call_to_settle() {
    let surrogate = r#"{"type":"call","id":7,"function":"addNote","args":[{"title":"\ud83e","body":"","tags":[],"pinned":false}]}"#;
    let huge = format!(
        r#"{{"type":"call","id":8,"function":"echoBytes","args":[{{"$bytes":"{}"}}]}}"#,
        "A".repeat(page::MAX_MESSAGE_BYTES)
    );
    for (what, body, id) in [
        ("a lone surrogate", surrogate.to_owned(), 7),
        ("too large", huge, 8),
    ] {
        assert!(page::parse(&body).is_err(), "{what} parses");
        assert_eq!(page::call_id(&body), Some(id), "{what}");
    }
}

/// What parsing one page message costs the host: a call of `list<u8>` sent
/// as a plain array of small numbers, as large as a page may post, is
/// refused for its number of values before anything is built; and the
/// largest number of values a message may hold parses within a bounded
/// amount of memory.
#[test]
fn parsing_the_largest_page_message_costs_a_bounded_multiple_of_its_size() {
    let numbers = |count: usize| {
        let mut body = String::with_capacity(2 * count + 100);
        body.push_str(r#"{"type":"call","id":1,"function":"echoBytes","args":[["#);
        for i in 0..count {
            if i > 0 {
                body.push(',');
            }
            body.push('0');
        }
        body.push_str("]]}");
        body
    };
    let largest = numbers(page::MAX_MESSAGE_BYTES / 2 - 100);
    assert!(
        largest.len() <= page::MAX_MESSAGE_BYTES,
        "{}",
        largest.len()
    );
    let (parsed, peak) = peak_of(|| page::parse(&largest).map(drop));
    assert!(
        matches!(parsed, Err(MessageError::TooManyValues(_))),
        "{parsed:?}"
    );
    assert!(peak < 1 << 20, "{} KiB to refuse it", peak >> 10);
    // Just under the limit of values: parsed, within tens of MiB.
    let most = numbers(page::MAX_VALUES - 10);
    let (parsed, peak) = peak_of(|| page::parse(&most).map(drop));
    parsed.expect("the message parses");
    eprintln!(
        "{} values in {} KiB: {} MiB at the peak of its parse",
        page::MAX_VALUES - 10,
        most.len() >> 10,
        peak >> 20
    );
    assert!(peak < 64 << 20, "{} MiB to parse it", peak >> 20);
}

/// The calls of a page that was replaced (reload) stay counted against
/// the label until the old renderer answers them, so the new page can be
/// refused `limit-exceeded` with no call of its own waiting.
#[test]
fn a_reloaded_page_is_not_held_to_the_old_pages_waiting_calls() {
    let app = start("max-pending-invokes = 1");
    let old = app
        .windows
        .call("notes", "slow", json!([1500, "old page"]))
        .expect("the window is open");
    std::thread::sleep(Duration::from_millis(100));
    app.app.reload_window("notes").expect("reloaded");
    app.wait_text("notes", "#status", "loaded");
    let answer = call(&app, "count", json!([]));
    drop(old);
    assert_eq!(answer, Ok(json!(0)), "the new page has no call waiting");
}
