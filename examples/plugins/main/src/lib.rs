//! The plugins app's main component, in Rust.
//!
//! Main imports the app's own interface `plugins:app/transform` and calls it
//! with typed values, not MessagePack: which plugin answers is the
//! manifest's `[main.imports]` line, so swapping plugins needs no rebuild.
//! The window asks on two channels:
//!
//! - `describe`: the plugin's one-line description;
//! - `apply`: the page's text and options (JSON in a MessagePack string),
//!   passed to the plugin as a `request` record; the `outcome` record goes
//!   back as JSON. When the call fails (the plugin trapped, spun past its
//!   CPU time, or ended), the `ipc-error` in the result names why, and main
//!   answers the window with that code and message instead of failing
//!   itself.

use serde::{Deserialize, Serialize};
use wasmtron_guest::{HandlerError, Main, Payload, Request, ipc};

/// The bindings of the app interface main imports; the glue wit-bindgen
/// generates is unsafe code.
#[allow(unsafe_code)]
mod bindings {
    wit_bindgen::generate!({
        // wasmtron's WIT first: the app's WIT uses its `ipc-error`.
        path: ["../../../wit", "../wit"],
        world: "plugins:app/host",
        with: { "wasmtron:app/types@0.1.0": wasmtron_guest::interfaces::types },
    });
}

use bindings::plugins::app::transform;

/// What the window sends to `apply`.
#[derive(Deserialize)]
struct Apply {
    text: String,
    #[serde(default)]
    options: Vec<String>,
}

/// What the window gets back from `apply`: the plugin's `outcome`.
#[derive(Serialize)]
struct Applied {
    text: String,
    changes: u32,
    by: String,
}

#[derive(Default)]
struct Plugins;

impl Plugins {
    fn apply(request: &Request) -> Result<Payload, HandlerError> {
        let json: String = request.decode()?;
        let asked: Apply = serde_json::from_str(&json)
            .map_err(|err| HandlerError::new("bad-payload", format!("not a request: {err}")))?;
        let call = transform::Request {
            text: asked.text,
            options: asked.options,
        };
        match transform::apply(&call) {
            Ok(outcome) => {
                let applied = Applied {
                    text: outcome.text,
                    changes: outcome.changes,
                    by: outcome.by,
                };
                let json = serde_json::to_string(&applied)
                    .map_err(|err| HandlerError::new("bad-payload", err.to_string()))?;
                Request::reply(&json)
            }
            // The call failed, by name; the app carries on. The plugin's own
            // code, when it gave one, goes along in the message.
            Err(err) => {
                let message = match err.app_code {
                    Some(app_code) => format!("{app_code}: {}", err.message),
                    None => err.message,
                };
                Err(HandlerError::new(err.code.as_str(), message))
            }
        }
    }
}

impl Main for Plugins {
    fn on_ready(&mut self) {
        for channel in ["apply", "describe"] {
            ipc::handle(channel);
        }
    }

    fn handle(&mut self, request: Request) -> Result<Payload, HandlerError> {
        match request.channel.as_str() {
            "apply" => Self::apply(&request),
            // `describe` returns a bare string: if it failed, main would
            // trap. Every plugin here answers it.
            "describe" => Request::reply(&transform::describe()),
            other => Err(HandlerError::new(
                "no-handler",
                format!("main has no handler for `{other}`"),
            )),
        }
    }
}

wasmtron_guest::export_main!(Plugins);
