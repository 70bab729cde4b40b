//! The renderer of the page-event tests (`tests/page_events.rs`,
//! `tests/e2e_page_events.rs`), driven through `tests/fixtures/events.html`.
//! It writes every event it hears into `#events`, one entry each, with what
//! the event carries, and answers the read buttons in `#result`: the tests
//! observe everything through the page.

use wasmtron_guest::{DomError, EventDetail, EventKind, Renderer, UiEvent, dom, log};

#[derive(Default)]
struct Events {
    heard: Vec<String>,
}

/// An event as one entry of `#events`: `kind:target:detail`, the detail
/// being the key with its modifiers and code, the pointer's
/// `x,y,button,buttons`, the dropped files as `name(size,type)`, or the
/// element's value.
fn describe(event: &UiEvent) -> String {
    let detail = match &event.detail {
        None => event.value.clone().unwrap_or_default(),
        Some(EventDetail::Key(key)) => {
            let mut combo = String::new();
            for (held, name) in [
                (key.ctrl, "Ctrl+"),
                (key.shift, "Shift+"),
                (key.alt, "Alt+"),
                (key.meta, "Meta+"),
            ] {
                if held {
                    combo.push_str(name);
                }
            }
            let repeat = if key.repeat { "/repeat" } else { "" };
            format!("{combo}{}/{}{repeat}", key.key, key.code)
        }
        Some(EventDetail::Pointer(at)) => {
            format!("{},{},{},{}", at.x, at.y, at.button, at.buttons)
        }
        Some(EventDetail::Drop(files)) => files
            .iter()
            .map(|file| format!("{}({},{})", file.name, file.size, file.mime_type))
            .collect::<Vec<_>>()
            .join(";"),
    };
    // `EventKind::Keydown` → `keydown`, the name `data-on` uses.
    let kind = format!("{:?}", event.kind);
    let kind = kind.rsplit("::").next().unwrap_or_default().to_lowercase();
    format!("{kind}:{}:{detail}", event.target)
}

fn show(selector: &str, text: &str) {
    if let Err(err) = dom::set_text(selector, text) {
        log::error(&format!("cannot show {selector}: {err}"));
    }
}

/// A read's outcome as `#result` shows it.
fn outcome<T: std::fmt::Debug>(read: Result<T, DomError>) -> String {
    match read {
        Ok(found) => format!("ok:{found:?}"),
        Err(err) => format!("err:{err}"),
    }
}

/// A text read's outcome; a long text by its length, so that the result
/// fits where a test sets a small `max-message-bytes`.
fn text_outcome(read: Result<Option<String>, DomError>) -> String {
    match read {
        Ok(Some(text)) if text.len() > 32 => format!("ok:Some({} bytes)", text.len()),
        other => outcome(other),
    }
}

/// The value of one of the page's own inputs, which name what to read.
fn input(selector: &str) -> String {
    dom::get_value(selector).ok().flatten().unwrap_or_default()
}

/// Runs the read a button asks for, on the selector (and attribute name)
/// typed into `#selector` (and `#attribute`).
fn read(button: &str) -> Option<String> {
    let selector = || input("#selector");
    Some(match button {
        "get-value" => text_outcome(dom::get_value(&selector())),
        "get-attribute" => text_outcome(dom::get_attribute(&selector(), &input("#attribute"))),
        "get-text" => text_outcome(dom::get_text(&selector())),
        "count" => outcome(dom::count(&selector())),
        // Clicked in a page that then hangs (`events.js`): a read with no
        // read before it.
        "hang" => return Some(outcome(dom::count("#items li"))),
        "read-name" => match dom::get_value("#name") {
            Ok(Some(name)) => format!("value:{name}"),
            other => outcome(other),
        },
        _ => return None,
    })
}

impl Renderer for Events {
    fn on_load(&mut self) {
        show("#status", "loaded");
    }

    fn on_event(&mut self, event: UiEvent) {
        if event.kind == EventKind::Click
            && let Some(result) = read(&event.target)
        {
            show("#result", &result);
            return;
        }
        self.heard.push(describe(&event));
        show("#events", &self.heard.join(" | "));
    }
}

wasmtron_guest::export_renderer!(Events);
