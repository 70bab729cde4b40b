//! The multi-window example's main: keeps the shared note, relays each edit
//! to every open window, tracks which windows are open, and asks before the
//! app quits while the note has unsaved text.
//!
//! A window closing is not asked about unless it is the last one: closing
//! one of two leaves the note in the other. Closing the last window, or
//! quitting, with unsaved text shows a native message box over the window:
//! "Save" saves and quits, "Don't Save" quits, "Cancel" (or Escape) stays.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use wasmtron_guest::{HandlerError, Main, Payload, Request, app, dialogs, ipc, log, windows};

/// What every window shows.
#[derive(Serialize)]
struct State<'a> {
    text: &'a str,
    /// The note changed since it was last saved.
    unsaved: bool,
    /// This edit came from the window receiving it (which shows it already).
    yours: bool,
    /// The open windows, by label.
    windows: Vec<&'a str>,
}

#[derive(Deserialize)]
struct Edit {
    text: String,
}

#[derive(Default)]
struct Notes {
    text: String,
    unsaved: bool,
    open: BTreeSet<String>,
    /// The last edit's window.
    from: String,
    /// The user answered the question: quit whatever the note holds.
    leaving: bool,
}

impl Notes {
    /// Pushes the state to every open window.
    fn relay(&self) {
        for label in &self.open {
            let state = State {
                text: &self.text,
                unsaved: self.unsaved,
                yours: *label == self.from,
                windows: self.open.iter().map(String::as_str).collect(),
            };
            if let Err(err) = windows::push(label, "state", &state) {
                log::warn(&format!("cannot update window {label}: {}", err.message));
            }
        }
    }

    /// Asks the user, in a message box over `window` (free-standing for
    /// `None`), what to do with the unsaved text; returns whether to leave.
    fn may_leave(&mut self, window: Option<&str>) -> bool {
        if !self.unsaved || self.leaving {
            return true;
        }
        let asked = dialogs::message_box(
            window,
            &dialogs::MessageOptions {
                kind: dialogs::MessageKind::Warning,
                title: Some("Unsaved note".into()),
                message: "The note has unsaved changes.".into(),
                detail: Some("Save it before quitting?".into()),
                buttons: vec!["Save".into(), "Don't Save".into(), "Cancel".into()],
                default_id: Some(0),
                cancel_id: Some(2),
            },
        );
        match asked {
            Ok(0) => self.save(),
            Ok(1) => {}
            Ok(_) => return false,
            // The window went away under the question: nothing is kept.
            Err(err) => log::warn(&format!("the question about the note went away: {err:?}")),
        }
        self.leaving = true;
        true
    }

    /// Saves the note (a real app would write a file, with a folder grant).
    fn save(&mut self) {
        self.unsaved = false;
        log::info(&format!("saved {} characters", self.text.chars().count()));
        self.relay();
    }
}

/// Every window's menu bar: File with Save, Close Window and Quit.
fn file_menu() -> [windows::Submenu; 1] {
    let item = |id: &str, label: &str, accelerator: &str| {
        windows::MenuEntry::Item(windows::MenuItem {
            id: id.into(),
            label: label.into(),
            accelerator: Some(accelerator.into()),
            enabled: true,
        })
    };
    [windows::Submenu {
        label: "File".into(),
        entries: vec![
            item("save", "Save", "Ctrl+S"),
            windows::MenuEntry::Separator,
            item("close", "Close Window", "Ctrl+W"),
            item("quit", "Quit", "Ctrl+Q"),
        ],
    }]
}

impl Main for Notes {
    fn on_ready(&mut self) {
        for channel in ["edit", "save"] {
            ipc::handle(channel);
        }
    }

    fn handle(&mut self, request: Request) -> Result<Payload, HandlerError> {
        match request.channel.as_str() {
            "edit" => {
                let Edit { text } = request.decode()?;
                self.text = text;
                self.unsaved = true;
                self.from = match &request.sender {
                    wasmtron_guest::Sender::Window(label) => label.clone(),
                    _ => String::new(),
                };
                self.relay();
                Request::reply(&())
            }
            "save" => {
                self.save();
                Request::reply(&())
            }
            other => Err(HandlerError::new(
                "unknown",
                format!("no channel `{other}`"),
            )),
        }
    }

    fn on_window_event(&mut self, label: &str, event: windows::WindowEvent) {
        if let windows::WindowEvent::ReadyToShow = event {
            self.open.insert(label.to_owned());
            if let Err(err) = windows::set_menu(label, &file_menu()) {
                log::warn(&format!("cannot give window {label} its menu: {err:?}"));
            }
            self.relay();
        }
    }

    fn on_menu(&mut self, label: &str, id: &str) {
        match id {
            "save" => self.save(),
            "close" => {
                let _ = windows::close(label);
            }
            "quit" => app::quit(0),
            _ => {}
        }
    }

    fn on_window_close(&mut self, label: &str) -> bool {
        // Only the last window takes the note with it.
        self.open.len() > 1 || self.may_leave(Some(label))
    }

    fn on_window_closed(&mut self, label: &str) {
        self.open.remove(label);
        self.relay();
    }

    fn on_second_instance(&mut self, args: Vec<String>, cwd: &str) {
        // The app was launched again: bring a window forward and say so.
        let Some(label) = self.open.iter().next().cloned() else {
            return;
        };
        let _ = windows::focus(&label);
        let said = format!("Launched again from {cwd} with: {}", args.join(" "));
        if let Err(err) = windows::push(&label, "launched", &said) {
            log::warn(&format!("cannot tell window {label}: {}", err.message));
        }
    }

    fn on_before_quit(&mut self) -> bool {
        let window = self.open.iter().next().cloned();
        self.may_leave(window.as_deref())
    }
}

wasmtron_guest::export_main!(Notes);
