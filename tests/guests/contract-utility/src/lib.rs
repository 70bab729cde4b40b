//! A utility that provides `probe:contracts/echo` to the typed-call tests.

mod echo;

/// The app interface's bindings; the glue wit-bindgen generates is unsafe
/// code.
#[allow(unsafe_code)]
mod bindings {
    wit_bindgen::generate!({
        path: ["../../../wit", "../contracts-wit"],
        world: "probe:contracts/echo-provider",
        with: {
            "wasmtron:app/types@0.1.0": wasmtron_guest::interfaces::types,
            "wasmtron:app/ports@0.1.0": wasmtron_guest::interfaces::ports,
        },
    });

    use super::echo::Provider;

    export!(Provider);
}

#[derive(Default)]
struct Plugin;

impl wasmtron_guest::Utility for Plugin {
    fn on_port_message(&mut self, message: wasmtron_guest::PortMessage) {
        echo::echo_back(&message);
    }
}

wasmtron_guest::export_utility!(Plugin);
