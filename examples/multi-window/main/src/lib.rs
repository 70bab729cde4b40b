//! The multi-window example's main: keeps the shared note, relays each edit
//! to every open window, tracks which windows are open, and asks before the
//! app quits while the note has unsaved text.
//!
//! A window closing is not asked about unless it is the last one: closing
//! one of two leaves the note in the other. Closing the last window, or
//! quitting, with unsaved text is refused, and the window that was asked
//! shows a question; "Discard" quits, "Save" keeps the text and quits.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use wasmtron_guest::{HandlerError, Main, Payload, Request, app, ipc, log, windows};

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

    /// Asks `label` what to do with the unsaved text.
    fn ask(&self, label: &str) {
        if let Err(err) = windows::push(label, "confirm-quit", &()) {
            log::warn(&format!("cannot ask window {label}: {}", err.message));
        }
    }

    /// Saves the note (a real app would write a file, with a folder grant).
    fn save(&mut self) {
        self.unsaved = false;
        log::info(&format!("saved {} characters", self.text.chars().count()));
        self.relay();
    }

    /// Quits after the user's answer.
    fn leave(&mut self) {
        self.leaving = true;
        app::quit(0);
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
        for channel in ["edit", "save", "discard"] {
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
                let quitting: bool = request.decode().unwrap_or(false);
                if quitting {
                    self.leave();
                }
                Request::reply(&())
            }
            "discard" => {
                self.leave();
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
        let last = self.open.len() <= 1;
        if last && self.unsaved && !self.leaving {
            self.ask(label);
            return false;
        }
        true
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
        if self.unsaved
            && !self.leaving
            && let Some(label) = self.open.iter().next()
        {
            self.ask(label);
            return false;
        }
        true
    }
}

wasmtron_guest::export_main!(Notes);
