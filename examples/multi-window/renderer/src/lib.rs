//! A window of the multi-window example: sends each edit of the note to
//! main and shows the note as main relays it (edits from the other window
//! included). The question before quitting with unsaved text is main's, in
//! a native message box.

use serde::{Deserialize, Serialize};
use wasmtron_guest::{EventKind, Push, Renderer, UiEvent, bridge, dom, log};

#[derive(Deserialize)]
struct State {
    text: String,
    unsaved: bool,
    yours: bool,
    windows: Vec<String>,
}

#[derive(Serialize)]
struct Edit<'a> {
    text: &'a str,
}

#[derive(Default)]
struct NoteWindow;

fn show(selector: &str, text: &str) {
    if let Err(err) = dom::set_text(selector, text) {
        log::warn(&format!("cannot show {selector}: {err}"));
    }
}

fn save() {
    if let Err(err) = bridge::invoke::<_, ()>("save", &()) {
        show("#status", &format!("save failed: {}", err.message));
    }
}

impl NoteWindow {
    fn state(state: &State) {
        // The window that typed it has it already; setting its value again
        // would move the caret.
        if !state.yours {
            let _ = dom::set_value("#note", &state.text);
        }
        show(
            "#status",
            if state.unsaved {
                "Unsaved changes"
            } else {
                "Saved"
            },
        );
        show(
            "#windows",
            &format!("Open windows: {}", state.windows.join(", ")),
        );
    }
}

impl Renderer for NoteWindow {
    fn on_load(&mut self) {
        show("#status", "Saved");
    }

    fn on_event(&mut self, event: UiEvent) {
        match (event.kind, event.target.as_str()) {
            (EventKind::Input, "note") => {
                let text = event.value.unwrap_or_default();
                if let Err(err) = bridge::invoke::<_, ()>("edit", &Edit { text: &text }) {
                    show("#status", &format!("edit failed: {}", err.message));
                }
            }
            (EventKind::Click, "save") => save(),
            _ => {}
        }
    }

    fn on_push(&mut self, push: Push) {
        match push.channel.as_str() {
            "state" => match push.decode::<State>() {
                Ok(state) => Self::state(&state),
                Err(err) => log::warn(&format!("a state main sent is unreadable: {}", err.message)),
            },
            "launched" => {
                if let Ok(text) = push.decode::<String>() {
                    show("#launch", &text);
                }
            }
            _ => {}
        }
    }
}

wasmtron_guest::export_renderer!(NoteWindow);
