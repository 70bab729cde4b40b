//! The main component of the typed-call tests. It provides
//! `probe:contracts/echo` to renderers (the same code as the utility), and
//! imports it from a utility: invokes on `relay` make main call out.

#[path = "../../contract-utility/src/echo.rs"]
mod echo;

/// The app interface's bindings; the glue wit-bindgen generates is unsafe
/// code.
#[allow(unsafe_code)]
mod bindings {
    wit_bindgen::generate!({
        path: ["../../../wit", "../contracts-wit"],
        world: "probe:contracts/echo-both",
        with: {
            "wasmtron:app/types@0.1.0": wasmtron_guest::interfaces::types,
            "wasmtron:app/ports@0.1.0": wasmtron_guest::interfaces::ports,
        },
    });

    use super::echo::Provider;

    export!(Provider);
}

use bindings::probe::contracts::echo as plugin;
use bindings::probe::contracts::echo::Failure;
use wasmtron_guest::{
    HandlerError, Payload, ProcessGone, Request, UtilityMessage, UtilityProcess, ipc, utilities,
};

#[derive(Default)]
struct Main {
    /// Every worker that ended, as `kind|name|reason`.
    gone: Vec<String>,
    /// The utility `caller`, once forked: a utility that calls main.
    caller: Option<UtilityProcess>,
    /// What utilities posted.
    heard: Vec<String>,
}

fn failure(name: &str) -> Option<Failure> {
    Some(match name {
        "trap" => Failure::Trap,
        "spin" => Failure::Spin,
        "sleep" => Failure::Sleep,
        "huge" => Failure::Huge,
        _ => return None,
    })
}

/// Runs one typed call named by `op` (`caller`, `text:T`, `fail:HOW`,
/// `fail-bare:HOW`) against the imported interface. (Main's handler also
/// answers `gone`, the workers that ended; `heard`, what utilities posted;
/// `via-utility:OP`, posted to utility `caller`, which makes the call to
/// main and posts the answer back; `invoke-utility:OP`, the same as an
/// invoke main waits on.)
fn relay(op: &str) -> String {
    let (what, arg) = op.split_once(':').unwrap_or((op, ""));
    match (what, failure(arg)) {
        ("caller", _) => plugin::caller(),
        ("text", _) => plugin::echo_text(arg),
        ("fail", Some(how)) => match plugin::fail(how) {
            Ok(text) => format!("ok:{}", text.len()),
            Err(err) => format!("err:{}:{}", err.code.as_str(), err.message),
        },
        ("fail-bare", Some(how)) => plugin::fail_bare(how),
        _ => format!("unknown op `{op}`"),
    }
}

impl Main {
    /// Utility `caller`, forked the first time.
    fn caller(&mut self) -> Result<&UtilityProcess, HandlerError> {
        if self.caller.is_none() {
            let forked = utilities::fork("caller")
                .map_err(|e| HandlerError::new("fork", format!("{e:?}")))?;
            self.caller = Some(forked);
        }
        self.caller
            .as_ref()
            .ok_or_else(|| HandlerError::new("fork", "no utility"))
    }
}

impl wasmtron_guest::Main for Main {
    fn on_ready(&mut self) {
        ipc::handle("relay");
    }

    fn handle(&mut self, request: Request) -> Result<Payload, HandlerError> {
        let op: String = request.decode()?;
        if op == "gone" {
            return Request::reply(&self.gone.join(","));
        }
        if op == "heard" {
            return Request::reply(&self.heard.join(","));
        }
        if let Some(op) = op.strip_prefix("via-utility:") {
            self.caller()?.post_message(op)?;
            return Request::reply("posted");
        }
        if let Some(op) = op.strip_prefix("invoke-utility:") {
            // Main waits on the utility, whose typed call needs main.
            return match self.caller()?.invoke::<_, String>("run", op) {
                Ok(answer) => Request::reply(&answer),
                Err(err) => Request::reply(&format!("err:{}", err.code.as_str())),
            };
        }
        Request::reply(&relay(&op))
    }

    fn on_port_message(&mut self, message: wasmtron_guest::PortMessage) {
        echo::echo_back(&message);
    }

    fn on_utility_message(&mut self, message: UtilityMessage) {
        let text: String = message.decode().unwrap_or_default();
        self.heard.push(text);
    }

    fn on_process_gone(&mut self, gone: ProcessGone) {
        self.gone
            .push(format!("{}|{}|{}", gone.kind, gone.name, gone.reason));
    }
}

wasmtron_guest::export_main!(Main);
