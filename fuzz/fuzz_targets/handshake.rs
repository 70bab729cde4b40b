//! The first frames of a connection: the host's hello, the worker's answer
//! and the start message, decoded and checked as each side does.

#![no_main]

use libfuzzer_sys::fuzz_target;
use wasmtron_wire::frame::{self, Hello, Start, WorkerHello};

fuzz_target!(|body: &[u8]| {
    if let Ok(hello) = frame::decode::<Hello>(body) {
        let _ = hello.check();
    }
    if let Ok(answer) = frame::decode::<WorkerHello>(body) {
        let _ = answer.hello.check();
    }
    let _ = frame::decode::<Start>(body);
});
