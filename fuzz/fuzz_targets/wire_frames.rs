//! A byte stream as a worker or the host could send it: frames (header,
//! body, tail) read with the same size limit, each decoded as every message
//! either side accepts with its tail put back as the payload, and DOM
//! operations checked as the host checks them. The same bytes also go
//! through a socket pair into `FdReader`, the reader both sides use.
//! Anything may be refused; nothing may panic or allocate past the limit.

#![no_main]

use std::sync::OnceLock;

use std::io::Write as _;

use libfuzzer_sys::fuzz_target;
use wasmtron_wire::fds::FdReader;
use wasmtron_wire::{DomOp, HostToWorker, WorkerToHost, frame};

/// The limit the host reads worker frames with, scaled down so that a
/// length prefix near it is cheap to fuzz.
const MAX_FRAME: usize = 1 << 20;

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
            .expect("a runtime")
    })
}

fuzz_target!(|data: &[u8]| {
    runtime().block_on(async {
        let mut stream = data;
        while let Ok(Some(frame)) = frame::read_frame(&mut stream, MAX_FRAME).await {
            if let Ok(op) = frame::decode::<DomOp>(&frame.body) {
                let _ = op.check(MAX_FRAME);
            }
            let _ = frame.clone().decode::<WorkerToHost>();
            let _ = frame.decode::<HostToWorker>();
        }
        // Small enough to sit whole in the socket's buffer before reading.
        if data.len() > 64 * 1024 {
            return;
        }
        let Ok((mut writer, reader)) = std::os::unix::net::UnixStream::pair() else {
            return;
        };
        if writer.write_all(data).is_err() {
            return;
        }
        drop(writer);
        let Ok(reader) = reader
            .set_nonblocking(true)
            .and_then(|()| tokio::net::UnixStream::from_std(reader))
        else {
            return;
        };
        let mut frames = FdReader::default();
        while let Ok(Some(frame)) = frames.next_frame(&reader, MAX_FRAME).await {
            let _ = frame.decode::<WorkerToHost>();
        }
    });
});
