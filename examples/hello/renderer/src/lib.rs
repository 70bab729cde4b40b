//! The hello window's logic: keeps the typed name, asks main to greet it on
//! click, and shows main's ticks.

use serde::{Deserialize, Serialize};
use wasmtron_guest::{EventKind, Push, Renderer, UiEvent, bridge, dom, log};

#[derive(Serialize)]
struct Greet<'a> {
    name: &'a str,
}

#[derive(Deserialize)]
struct Tick {
    seconds: u64,
}

#[derive(Default)]
struct HelloWindow {
    name: String,
}

impl HelloWindow {
    fn greet(&self) {
        let (text, failed) = match bridge::invoke::<_, String>("greet", &Greet { name: &self.name })
        {
            Ok(reply) => (reply, false),
            Err(err) => (err.message, true),
        };
        let shown = dom::set_text("#reply", &text).and_then(|()| {
            if failed {
                dom::add_class("#reply", "error")
            } else {
                dom::remove_class("#reply", "error")
            }
        });
        if let Err(err) = shown {
            log::warn(&format!("cannot show the reply: {err}"));
        }
    }
}

impl Renderer for HelloWindow {
    fn on_event(&mut self, event: UiEvent) {
        match (event.kind, event.target.as_str()) {
            (EventKind::Input, "name") => self.name = event.value.unwrap_or_default(),
            (EventKind::Click, "greet") => self.greet(),
            _ => {}
        }
    }

    fn on_push(&mut self, push: Push) {
        if push.channel != "tick" {
            return;
        }
        if let Ok(Tick { seconds }) = push.decode() {
            let _ = dom::set_text("#tick", &format!("Main has been up for {seconds} s"));
        }
    }
}

wasmtron_guest::export_renderer!(HelloWindow);
