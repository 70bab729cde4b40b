//! The app's main component: its trusted logic. It answers the window's
//! `greet` invokes and tells every window how many greetings it has given.

use serde::{Deserialize, Serialize};
use wasmtron_guest::{HandlerError, Main, Payload, Request, ipc, log, windows};

/// What the window sends on `greet`.
#[derive(Deserialize)]
struct Greet {
    name: String,
}

/// What main pushes to the windows on `count`.
#[derive(Serialize)]
struct Count {
    greetings: u64,
}

#[derive(Default)]
struct App {
    greetings: u64,
}

impl Main for App {
    fn on_ready(&mut self) {
        ipc::handle("greet");
        log::info("{{name}} is ready");
    }

    fn handle(&mut self, request: Request) -> Result<Payload, HandlerError> {
        let Greet { name } = request.decode()?;
        let name = name.trim();
        if name.is_empty() {
            return Err(HandlerError::new("empty-name", "Type a name first."));
        }
        self.greetings += 1;
        let count = Count {
            greetings: self.greetings,
        };
        for label in windows::labels() {
            if let Err(err) = windows::push(&label, "count", &count) {
                log::warn(&format!("count to {label} failed: {err}"));
            }
        }
        Request::reply(&format!("Hello, {name}!"))
    }
}

wasmtron_guest::export_main!(App);
