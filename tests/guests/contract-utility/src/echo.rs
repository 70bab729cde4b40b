//! `probe:contracts/echo` as the tests' providers implement it (the
//! utility and main share this file): values come back as they came, and
//! `fail` misbehaves as asked.

use crate::bindings::exports::probe::contracts::echo::{Everything, Failure, Guest};
use wasmtron_guest::Sender;
use wasmtron_guest::interfaces::types::IpcError;

pub struct Provider;

impl Guest for Provider {
    fn echo(value: Everything) -> Everything {
        value
    }

    fn echo_bytes(bytes: Vec<u8>) -> Result<Vec<u8>, IpcError> {
        Ok(bytes)
    }

    fn echo_text(text: String) -> String {
        text
    }

    fn caller() -> String {
        match wasmtron_guest::calls::caller() {
            Some(Sender::Main) => "main".into(),
            Some(Sender::Window(label)) => format!("window:{label}"),
            Some(Sender::Utility(name)) => format!("utility:{name}"),
            None => "nobody".into(),
        }
    }

    fn fail(how: Failure) -> Result<String, IpcError> {
        Ok(misbehave(how))
    }

    fn fail_bare(how: Failure) -> String {
        misbehave(how)
    }
}

/// Does what `how` says; returns only for `sleep` (late) and `huge`.
fn misbehave(how: Failure) -> String {
    match how {
        Failure::Trap => panic!("the provider traps on purpose"),
        Failure::Spin => loop {
            std::hint::spin_loop();
        },
        Failure::Sleep => {
            std::thread::sleep(std::time::Duration::from_millis(1500));
            "slept".into()
        }
        Failure::Huge => "x".repeat(2 * 1024 * 1024),
    }
}
