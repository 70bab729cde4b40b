//! The `wasmtron` binary.

fn main() -> std::process::ExitCode {
    wasmtron::cli::main()
}
