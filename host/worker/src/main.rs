//! `wasmtron-worker`: the program the `wasmtron` host starts for each
//! renderer and utility in a worker process. It links the worker crate alone:
//! no window system (WebKitGTK and GTK are not loaded at all) and no
//! compiler (it only loads code the host compiled), so a worker maps a
//! fraction of the host's memory.
//!
//! It runs only when started by a host; see `wasmtron_worker::worker_main`.

fn main() -> std::process::ExitCode {
    if let Some(code) = wasmtron_worker::worker_main() {
        return code;
    }
    eprintln!("wasmtron-worker only runs as a worker started by the wasmtron host");
    std::process::ExitCode::from(64)
}
