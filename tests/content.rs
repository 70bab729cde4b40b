//! The app's own content for its pages (`@content/...`, Electron's
//! `protocol.handle`): answered by main or by a utility that exports
//! `wasmtron:app/content`, as the window's manifest names, checked before
//! start, and refused with an HTTP status for everything that is not
//! content. Headless; both isolation modes (the suite's).

use std::time::Duration;

use wasmtron::Engine;
use wasmtron::window::ContentAnswer;
use wasmtron_tests::{AppDir, Running, guests};

/// An app whose window `a` gets its content from `provider`; `extra` is
/// appended to the manifest.
fn manifest(provider: &str, extra: &str) -> String {
    format!(
        "[app]\nname = \"content\"\n\n[main]\ncomponent = \"dist/content-main.wasm\"\n\n\
         [[window]]\nlabel = \"a\"\nrenderer = \"dist/renderer.wasm\"\ncontent = \"{provider}\"\n\n\
         [[utility]]\nname = \"pictures\"\ncomponent = \"dist/content-utility.wasm\"\n{extra}"
    )
}

fn app_dir(manifest: &str) -> AppDir {
    let dir = AppDir::new(manifest);
    dir.copy(guests::CONTENT_MAIN, "dist/content-main.wasm");
    dir.copy(guests::CONTENT_UTILITY, "dist/content-utility.wasm");
    dir
}

fn fetch(app: &Running, path: &str, query: &str) -> ContentAnswer {
    let answer = app
        .windows
        .fetch("a", path, query)
        .expect("window a is open");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime");
    runtime
        .block_on(async { tokio::time::timeout(Duration::from_secs(30), answer).await })
        .expect("the request is answered")
        .expect("the answer is sent")
}

fn text(answer: ContentAnswer) -> (String, String) {
    let (mime, body) = answer.expect("content");
    (mime, String::from_utf8(body).expect("text"))
}

fn status(answer: &ContentAnswer) -> u16 {
    match answer {
        Ok((mime, _)) => panic!("expected a refusal, got {mime} content"),
        Err((status, _)) => *status,
    }
}

#[test]
fn main_and_a_utility_serve_content_with_their_mime_types() {
    for (provider, name) in [("main", "main"), ("utility:pictures", "utility")] {
        let app = Running::start(app_dir(&manifest(provider, ""))).expect("the app starts");
        assert_eq!(
            text(fetch(&app, "hello.txt", "x=1")),
            (
                "text/plain; charset=utf-8".to_owned(),
                format!("hello from {name} for a (x=1)")
            ),
            "{provider}"
        );
        let (mime, svg) = text(fetch(&app, "dot.svg", ""));
        assert_eq!(mime, "image/svg+xml");
        assert!(svg.starts_with("<svg"), "{svg}");
        let (_, big) = fetch(&app, "big.bin", "").expect("a mebibyte");
        assert_eq!(big.len(), 1024 * 1024);
        assert!(big.iter().enumerate().all(|(i, b)| *b == (i % 251) as u8));
        // The provider's own refusals.
        assert_eq!(status(&fetch(&app, "nothing-here", "")), 404, "{provider}");
        assert_eq!(status(&fetch(&app, "fail", "")), 500, "{provider}");
    }
}

#[test]
fn a_provider_that_traps_or_outgrows_its_limit_fails_the_request_not_the_app() {
    let app = Running::start(app_dir(&manifest(
        "utility:pictures",
        "[utility.limits]\nmax-message-bytes = 65536\n",
    )))
    .expect("the app starts");
    // The trap ends the provider instance; the page gets a 502.
    assert_eq!(status(&fetch(&app, "trap", "")), 502);
    // A body past the provider's message limit is refused as too large.
    assert_eq!(status(&fetch(&app, "big.bin", "")), 502);
    // The next request starts the provider again.
    let (_, hello) = text(fetch(&app, "hello.txt", ""));
    assert_eq!(hello, "hello from utility for a ()");
}

#[test]
fn a_window_without_a_content_provider_has_no_content() {
    let text = "[app]\nname = \"content\"\n\n[[window]]\nlabel = \"a\"\nrenderer = \"dist/renderer.wasm\"\n";
    let app = Running::start(app_dir(text)).expect("the app starts");
    assert_eq!(status(&fetch(&app, "hello.txt", "")), 404);
}

#[test]
fn the_check_refuses_a_content_provider_that_does_not_serve() {
    // The test main exports no `wasmtron:app/content`.
    let text = "[app]\nname = \"content\"\n\n[main]\ncomponent = \"dist/main.wasm\"\n\n\
                [[window]]\nlabel = \"a\"\nrenderer = \"dist/renderer.wasm\"\ncontent = \"main\"\n";
    let dir = app_dir(text);
    let engine = Engine::new().expect("an engine");
    let errors: Vec<String> = match wasmtron::check_with(&dir.manifest(), &engine, None) {
        Ok(_) => panic!("the check passed"),
        Err(errors) => errors.iter().map(ToString::to_string).collect(),
    };
    assert!(
        errors.iter().any(|e| e.contains(
            "window `a`'s content comes from main, but it does not export `wasmtron:app/content`"
        )),
        "{errors:?}"
    );
}

#[test]
fn the_manifest_refuses_content_from_anyone_else() {
    for (provider, why) in [
        ("native:db", "expected \"main\" or \"utility:NAME\""),
        ("page", "expected \"main\" or \"utility:NAME\""),
        ("utility:nobody", "which no `[[utility]]` declares"),
    ] {
        let dir = app_dir(&manifest(provider, ""));
        let err = wasmtron::Manifest::load(dir.path()).expect_err("refused");
        assert!(err.to_string().contains(why), "{provider}: {err}");
    }
}
