//! A utility that exports `probe:contracts/echo` with other types than the
//! tests' callers import (one function changed, the others missing): the
//! check refuses a binding to it, naming each function.

/// The odd interface's bindings; the glue wit-bindgen generates is unsafe
/// code.
#[allow(unsafe_code)]
mod bindings {
    wit_bindgen::generate!({
        path: "../contracts-odd-wit",
        world: "probe:contracts/echo-provider",
    });

    struct Odd;

    impl exports::probe::contracts::echo::Guest for Odd {
        fn echo_text(text: Vec<u8>) -> String {
            String::from_utf8_lossy(&text).into_owned()
        }

        fn caller() -> String {
            "odd".into()
        }
    }

    export!(Odd);
}

#[derive(Default)]
struct Plugin;

impl wasmtron_guest::Utility for Plugin {}

wasmtron_guest::export_utility!(Plugin);
