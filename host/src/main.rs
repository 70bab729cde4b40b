//! The `wasmtron` binary.

fn main() -> std::process::ExitCode {
    if let Some(code) = wasmtron::worker_main() {
        return code;
    }
    wasmtron::cli::main()
}
