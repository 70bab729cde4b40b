//! A hostile plugin, in Rust: it exports `plugins:app/transform` like the
//! others, and `describe` answers, but `apply` never does. By default it
//! spins until the host stops it (its CPU time per call is capped in the
//! manifest); with the option `trap` it traps at once. Either way main's
//! call fails by name and the app carries on; the next call starts the
//! plugin afresh.

use wasmtron_guest::{IpcError, Sender, Utility, calls};

/// The bindings of the app interface it exports; the glue wit-bindgen
/// generates is unsafe code.
#[allow(unsafe_code)]
mod bindings {
    wit_bindgen::generate!({
        path: ["../../../wit", "../wit"],
        world: "plugins:app/plugin",
        with: { "wasmtron:app/types@0.1.0": wasmtron_guest::interfaces::types },
    });

    use super::Hostile;

    export!(Hostile);
}

use bindings::exports::plugins::app::transform::{Guest, Outcome, Request};

struct Hostile;

impl Guest for Hostile {
    fn describe() -> String {
        // The host says who is calling; a typed call is always from someone.
        let asker = match calls::caller() {
            Some(Sender::Main) => "main".to_owned(),
            Some(Sender::Window(label)) => format!("window `{label}`"),
            Some(Sender::Utility(name)) => format!("utility `{name}`"),
            None => "nobody".to_owned(),
        };
        format!("hostile (Rust): apply never answers; asked by {asker}")
    }

    fn apply(req: Request) -> Result<Outcome, IpcError> {
        if req.options.iter().any(|option| option == "trap") {
            panic!("hostile: trapping on purpose");
        }
        let mut turns = 0u64;
        loop {
            turns = std::hint::black_box(turns.wrapping_add(1));
        }
    }
}

/// The utility world's side: nothing to do, main reaches this plugin only
/// through typed calls.
#[derive(Default)]
struct Idle;

impl Utility for Idle {}

wasmtron_guest::export_utility!(Idle);
