//! `wasmtron-worker`: the program the `wasmtron` command starts for each
//! renderer and utility in a worker process. It is the worker half of the
//! `wasmtron` binary alone: without the window system linked, a worker maps
//! a fraction of the memory (WebKitGTK and GTK are not loaded at all).
//!
//! It runs only when started by a host; see `wasmtron::worker_main`.

fn main() -> std::process::ExitCode {
    if let Some(code) = wasmtron::worker_main() {
        return code;
    }
    eprintln!("wasmtron-worker only runs as a worker started by the wasmtron host");
    std::process::ExitCode::from(64)
}
