//! The window's renderer component: the logic of the window `main`. It
//! hears the page's events (declared with `data-on` in ui/index.html),
//! invokes main, and changes the page through DOM operations.

use serde::{Deserialize, Serialize};
use wasmtron_guest::{EventKind, Push, Renderer, UiEvent, bridge, dom};

/// What this window sends to main on `greet`.
#[derive(Serialize)]
struct Greet<'a> {
    name: &'a str,
}

/// What main pushes on `count`.
#[derive(Deserialize)]
struct Count {
    greetings: u64,
}

#[derive(Default)]
struct Window {
    name: String,
}

impl Renderer for Window {
    fn on_event(&mut self, event: UiEvent) {
        match (event.kind, event.target.as_str()) {
            (EventKind::Input, "name") => self.name = event.value.unwrap_or_default(),
            (EventKind::Click, "greet") => {
                let greet = Greet { name: &self.name };
                let text = match bridge::invoke::<_, String>("greet", &greet) {
                    Ok(reply) => reply,
                    Err(err) => err.message,
                };
                let _ = dom::set_text("#reply", &text);
            }
            _ => {}
        }
    }

    fn on_push(&mut self, push: Push) {
        if let Ok(Count { greetings }) = push.decode() {
            let _ = dom::set_text("#count", &format!("Greetings so far: {greetings}"));
        }
    }
}

wasmtron_guest::export_renderer!(Window);
