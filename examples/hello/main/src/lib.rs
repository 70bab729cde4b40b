//! The hello app's main component: answers `greet` and pushes a tick to the
//! window every second.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use wasmtron_guest::{HandlerError, Main, Payload, Request, TimerId, ipc, log, timers, windows};

/// What the renderer sends on `greet`.
#[derive(Deserialize)]
struct Greet {
    name: String,
}

/// What main pushes on `tick`.
#[derive(Serialize)]
struct Tick {
    seconds: u64,
}

#[derive(Default)]
struct Hello {
    seconds: u64,
}

impl Main for Hello {
    fn on_ready(&mut self) {
        ipc::handle("greet");
        timers::set_interval(Duration::from_secs(1));
        log::info("hello is ready");
    }

    fn handle(&mut self, request: Request) -> Result<Payload, HandlerError> {
        let Greet { name } = request.decode()?;
        let name = name.trim();
        if name.is_empty() {
            return Err(HandlerError::new("empty-name", "Type a name first."));
        }
        Request::reply(&format!("Hello, {name}!"))
    }

    fn on_timer(&mut self, _timer: TimerId) {
        self.seconds += 1;
        for label in windows::labels() {
            if let Err(err) = windows::push(
                &label,
                "tick",
                &Tick {
                    seconds: self.seconds,
                },
            ) {
                log::warn(&format!("tick to {label} failed: {err}"));
            }
        }
    }
}

wasmtron_guest::export_main!(Hello);
