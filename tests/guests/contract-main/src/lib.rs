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
        with: { "wasmtron:app/types@0.1.0": wasmtron_guest::interfaces::types },
    });

    use super::echo::Provider;

    export!(Provider);
}

use bindings::probe::contracts::echo as plugin;
use bindings::probe::contracts::echo::Failure;
use wasmtron_guest::{HandlerError, Payload, ProcessGone, Request, ipc};

#[derive(Default)]
struct Main {
    /// Every worker that ended, as `kind|name|reason`.
    gone: Vec<String>,
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
/// `fail-bare:HOW`) against the imported interface. (`gone` lists the
/// workers that ended instead.)
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

impl wasmtron_guest::Main for Main {
    fn on_ready(&mut self) {
        ipc::handle("relay");
    }

    fn handle(&mut self, request: Request) -> Result<Payload, HandlerError> {
        let op: String = request.decode()?;
        if op == "gone" {
            return Request::reply(&self.gone.join(","));
        }
        Request::reply(&relay(&op))
    }

    fn on_process_gone(&mut self, gone: ProcessGone) {
        self.gone
            .push(format!("{}|{}|{}", gone.kind, gone.name, gone.reason));
    }
}

wasmtron_guest::export_main!(Main);
