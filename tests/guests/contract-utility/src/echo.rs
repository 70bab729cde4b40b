//! `probe:contracts/echo` as the tests' providers implement it (the
//! utility and main share this file): values come back as they came, and
//! `fail` misbehaves as asked.

use std::cell::RefCell;

use crate::bindings::exports::probe::contracts::echo::{Everything, Failure, Guest};
use wasmtron_guest::interfaces::ports::MessagePort as PortHandle;
use wasmtron_guest::interfaces::types::IpcError;
use wasmtron_guest::{MessagePort, PortMessage, Sender, log};

pub struct Provider;

thread_local! {
    /// The ports calls gave this provider (or it kept an end of): each
    /// echoes what arrives on it.
    static KEPT: RefCell<Vec<MessagePort>> = const { RefCell::new(Vec::new()) };
}

fn keep(port: MessagePort) {
    port.start();
    KEPT.with(|kept| kept.borrow_mut().push(port));
}

/// Echoes a message on a kept port back on the same port.
pub fn echo_back(message: &PortMessage) {
    KEPT.with(|kept| {
        if let Some(port) = kept.borrow().iter().find(|p| p.id() == message.port)
            && let Err(err) = port.post_raw(&message.data, Vec::new())
        {
            log::error(&format!("cannot echo: {err:?}"));
        }
    });
}

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

    fn keep_port(p: PortHandle) -> Result<(), IpcError> {
        keep(MessagePort::from_handle(p));
        Ok(())
    }

    fn new_port() -> PortHandle {
        let (mine, theirs) = wasmtron_guest::ports::create_channel();
        keep(mine);
        theirs.into_handle()
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
