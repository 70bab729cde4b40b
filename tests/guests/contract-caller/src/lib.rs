//! A utility that calls `probe:contracts/echo`, bound to main by the
//! tests' manifest. Main posts it an operation and hears back, in a post,
//! what the typed call returned; or invokes it, waiting for an answer that
//! needs main: the call that would deadlock.

/// The app interface's bindings; the glue wit-bindgen generates is unsafe
/// code.
#[allow(unsafe_code)]
mod bindings {
    wit_bindgen::generate!({
        path: ["../../../wit", "../contracts-wit"],
        world: "probe:contracts/echo-user",
        with: {
            "wasmtron:app/types@0.1.0": wasmtron_guest::interfaces::types,
            "wasmtron:app/ports@0.1.0": wasmtron_guest::interfaces::ports,
        },
    });
}

use bindings::probe::contracts::echo;
use wasmtron_guest::{HandlerError, ParentMessage, Payload, Request, log, parent_port};

#[derive(Default)]
struct Caller;

/// Runs `op` (`text:T` or `caller`) as a typed call to main.
fn run(op: &str) -> String {
    match op.split_once(':') {
        Some(("text", text)) => echo::echo_text(text),
        _ => echo::caller(),
    }
}

impl wasmtron_guest::Utility for Caller {
    fn on_message(&mut self, message: ParentMessage) {
        let op: String = message.decode().unwrap_or_default();
        if let Err(err) = parent_port::post_message(&run(&op)) {
            log::error(&format!("cannot answer main: {err}"));
        }
    }

    fn handle(&mut self, request: Request) -> Result<Payload, HandlerError> {
        let op: String = request.decode()?;
        Request::reply(&run(&op))
    }
}

wasmtron_guest::export_utility!(Caller);
