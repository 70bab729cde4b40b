//! `wasmtron run --automation`: a line protocol on stdin/stdout that lets an
//! end-to-end test (or the demo driver) read a running app's DOM and find
//! elements on screen, as WebDriver does for browsers.
//!
//! Each input line is a JSON object `{"id": N, "cmd": ..., ...}`; each answer
//! is one line `{"id": N, "ok": value}` or `{"id": N, "error": "..."}`.
//!
//! | cmd | fields | answer |
//! |---|---|---|
//! | `text` | `window`, `selector` | textContent of the first match, or null |
//! | `value` | `window`, `selector` | the value of a form field, or null |
//! | `focused` | `window`, `selector` | whether the first match has the keyboard focus |
//! | `rect` | `window`, `selector` | `{x, y, width, height}` in window pixels (below any menu bar), or null (desktop) |
//! | `window-id` | `window` | the X11 window id (desktop) |
//! | `click` | `window`, `selector` | events delivered (headless) |
//! | `input` | `window`, `selector`, `text` | events delivered (headless) |
//! | `page-call` | `window`, `function`, `args` | what the page API's `function` answered: `{"value": ...}` or `{"error": {code, message, payload}}` (headless) |
//! | `emitted` | `window` | the events the renderer emitted to the page: `[[name, args], ...]` (headless) |
//! | `quit` | | ends the app (desktop: closes every window) |

use std::io::{BufRead, Write};
use std::sync::Arc;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::window::{DesktopBackend, HeadlessBackend, WindowBackend};

/// The longest command line read; longer lines are refused.
const MAX_LINE: usize = 64 * 1024;

#[derive(Debug, Deserialize)]
#[serde(tag = "cmd", rename_all = "kebab-case")]
enum Command {
    Text {
        window: String,
        selector: String,
    },
    /// The value of a form field.
    Value {
        window: String,
        selector: String,
    },
    /// Whether a field has the keyboard focus.
    Focused {
        window: String,
        selector: String,
    },
    Rect {
        window: String,
        selector: String,
    },
    WindowId {
        window: String,
    },
    Click {
        window: String,
        selector: String,
    },
    Input {
        window: String,
        selector: String,
        text: String,
    },
    /// A call of the window's page API, as a page script makes it.
    PageCall {
        window: String,
        function: String,
        #[serde(default = "no_args")]
        args: Value,
    },
    /// The events the renderer emitted to the window's page.
    Emitted {
        window: String,
    },
    Quit,
}

fn no_args() -> Value {
    Value::Array(Vec::new())
}

#[derive(Debug, Deserialize)]
struct Request {
    id: u64,
    #[serde(flatten)]
    command: Command,
}

/// Serves automation commands for a desktop app on a thread of its own.
pub fn serve_desktop(backend: DesktopBackend) {
    let closer = backend.clone();
    serve(
        move |command| desktop(&backend, command),
        move || closer.shutdown(),
    );
}

/// Serves automation commands for a headless app on a thread of its own;
/// `quit` ends the app through `quit`.
pub fn serve_headless(backend: Arc<HeadlessBackend>, quit: impl Fn(i32) + Send + 'static) {
    serve(move |command| headless(&backend, command), move || quit(0));
}

/// Answers each command line with `answer`; `quit` is answered first and
/// carried out by `on_quit` after, so that its answer is written before the
/// app (and the process) can end.
fn serve(
    answer: impl Fn(Command) -> Result<Value, String> + Send + 'static,
    on_quit: impl Fn() + Send + 'static,
) {
    let spawned = std::thread::Builder::new()
        .name("wasmtron-automation".into())
        .spawn(move || {
            let stdin = std::io::stdin();
            for line in stdin.lock().lines() {
                let Ok(line) = line else { break };
                let mut quitting = false;
                let reply = if line.len() > MAX_LINE {
                    json!({"id": null, "error": "command line too long"})
                } else {
                    match serde_json::from_str::<Request>(&line) {
                        Ok(Request {
                            id,
                            command: Command::Quit,
                        }) => {
                            quitting = true;
                            json!({"id": id, "ok": Value::Null})
                        }
                        Ok(Request { id, command }) => match answer(command) {
                            Ok(value) => json!({"id": id, "ok": value}),
                            Err(error) => json!({"id": id, "error": error}),
                        },
                        Err(err) => json!({"id": null, "error": format!("bad command: {err}")}),
                    }
                };
                let written = {
                    let mut stdout = std::io::stdout().lock();
                    writeln!(stdout, "{reply}").and_then(|()| stdout.flush())
                };
                if quitting {
                    on_quit();
                }
                if written.is_err() {
                    break;
                }
            }
        });
    if let Err(err) = spawned {
        tracing::error!("cannot start automation: {err}");
    }
}

fn desktop(backend: &DesktopBackend, command: Command) -> Result<Value, String> {
    let query = |window: &str, expression: String| -> Result<Value, String> {
        let answer = backend
            .query(window, expression)
            .blocking_recv()
            .map_err(|_| "the window system is gone".to_owned())??;
        serde_json::from_str(&answer).map_err(|e| format!("bad answer from the page: {e}"))
    };
    match command {
        Command::Text { window, selector } => query(
            &window,
            format!(
                "(function(){{var e=document.querySelector({});return e?e.textContent:null}})()",
                js_string(&selector)
            ),
        ),
        Command::Value { window, selector } => query(
            &window,
            format!(
                "(function(){{var e=document.querySelector({});return e&&'value' in e?String(e.value):null}})()",
                js_string(&selector)
            ),
        ),
        Command::Focused { window, selector } => query(
            &window,
            format!(
                "(function(){{var e=document.querySelector({});return !!e&&e===document.activeElement&&document.hasFocus()}})()",
                js_string(&selector)
            ),
        ),
        Command::Rect { window, selector } => {
            let mut rect = query(
                &window,
                format!(
                    "(function(){{var e=document.querySelector({});if(!e)return null;var r=e.getBoundingClientRect();var s=window.devicePixelRatio||1;return {{x:r.x*s,y:r.y*s,width:r.width*s,height:r.height*s,viewport_height:window.innerHeight*s}}}})()",
                    js_string(&selector)
                ),
            )?;
            // The page's coordinates start at the page; the window's, above
            // any menu bar.
            let (left, top) = backend
                .page_origin(&window)
                .blocking_recv()
                .map_err(|_| "the window system is gone".to_owned())?
                .ok_or_else(|| format!("no window `{window}`"))?;
            for (key, offset) in [("x", left), ("y", top)] {
                if let Some(value) = rect.get(key).and_then(Value::as_f64) {
                    rect[key] = json!(value + offset);
                }
            }
            Ok(rect)
        }
        Command::WindowId { window } => backend
            .native_window_id(&window)
            .blocking_recv()
            .map_err(|_| "the window system is gone".to_owned())?
            .map(Value::from)
            .ok_or_else(|| format!("no native window for `{window}`")),
        Command::Click { .. } | Command::Input { .. } => {
            Err("click and input are headless-only; drive a real window with real input".into())
        }
        Command::PageCall { .. } | Command::Emitted { .. } => Err(
            "page-call and emitted are headless-only; a real page calls through its own scripts"
                .into(),
        ),
        Command::Quit => Err("quit is served by the caller".into()),
    }
}

fn headless(backend: &HeadlessBackend, command: Command) -> Result<Value, String> {
    match command {
        Command::Text { window, selector } => Ok(backend.text(&window, &selector).into()),
        Command::Value { window, selector } => Ok(backend.value(&window, &selector).into()),
        Command::Click { window, selector } => backend
            .click(&window, &selector)
            .map(Value::from)
            .map_err(|e| e.to_string()),
        Command::Input {
            window,
            selector,
            text,
        } => backend
            .input(&window, &selector, &text)
            .map(Value::from)
            .map_err(|e| e.to_string()),
        Command::PageCall {
            window,
            function,
            args,
        } => {
            let answer = backend
                .call(&window, &function, args)
                .map_err(|e| e.to_string())?
                .blocking_recv()
                .map_err(|_| "the page went away before the call was answered".to_owned())?;
            Ok(match answer {
                Ok(value) => json!({ "value": value }),
                Err(failure) => json!({ "error": failure }),
            })
        }
        Command::Emitted { window } => Ok(backend
            .emitted(&window)
            .into_iter()
            .map(|(name, args)| json!([name, args]))
            .collect()),
        Command::Focused { .. } | Command::Rect { .. } | Command::WindowId { .. } => {
            Err("headless windows have no screen geometry".into())
        }
        Command::Quit => Err("quit is served by the caller".into()),
    }
}

/// A JavaScript string literal for `text` (JSON strings are JS strings).
fn js_string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_are_embedded_as_json_string_literals() {
        for selector in [
            "#plain",
            r#"a"); document.title = "owned"; ("#,
            r"a\",
            "</script><script>x()</script>",
            "line\nbreak\r\u{2028}\u{2029}",
            "'single' `${back}`",
            "\0nul",
        ] {
            let literal = js_string(selector);
            // One JSON string, which is one JavaScript string literal, that
            // reads back as exactly the selector.
            assert_eq!(
                serde_json::from_str::<String>(&literal).ok().as_deref(),
                Some(selector),
                "{literal}"
            );
            assert!(
                literal.starts_with('"') && literal.ends_with('"'),
                "{literal}"
            );
            assert!(
                !literal.contains(['\n', '\r', '\0']),
                "no raw line break or NUL: {literal}"
            );
        }
    }
}
