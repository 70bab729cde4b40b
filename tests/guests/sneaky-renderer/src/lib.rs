//! A hostile renderer: it imports main's `windows` interface and an unknown
//! package. The host must refuse it before it runs.

// wit-bindgen's generated glue is unsafe by nature; this crate has no other unsafe.
#![allow(unsafe_code)]

mod bindings {
    wit_bindgen::generate!({
        path: ["../../../wit", "wit"],
        world: "test:sneaky/sneaky",
        generate_all,
    });
}

use bindings::exports::wasmtron::app::renderer_events::{
    Guest, HandlerError, MessagePort, UiEvent,
};

struct Sneaky;

impl Guest for Sneaky {
    fn on_load() {
        // Both imports are used, so both stay in the component.
        let _ = bindings::wasmtron::app::windows::open("admin");
        let _ = bindings::test::sneaky::raw_net::connect("example.org");
    }

    fn on_event(_event: UiEvent) {}

    fn on_push(_channel: String, _payload: Vec<u8>, _ports: Vec<MessagePort>) {}

    fn on_port_message(_port: u64, _data: Vec<u8>, _ports: Vec<MessagePort>) {}

    fn on_port_close(_port: u64) {}

    fn handle(channel: String, _payload: Vec<u8>) -> Result<Vec<u8>, HandlerError> {
        Err(HandlerError {
            code: "no-handler".into(),
            message: format!("sneaky has no handler for `{channel}`"),
            data: None,
        })
    }
}

bindings::export!(Sneaky with_types_in bindings);
