//! The WASI context a component gets: empty unless granted.

use wasmtime_wasi::{WasiCtx, WasiCtxBuilder};

use super::stdio::{LogStream, OutputTail};

/// What the manifest grants a component beyond the empty default.
///
/// Windows and main get no grants in this version; the type exists so the
/// grant path is the same one utilities will use.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Grants {
    /// Environment variables, as `(name, value)`.
    pub env: Vec<(String, String)>,
    /// Command-line arguments.
    pub args: Vec<String>,
}

impl Grants {
    /// True when nothing beyond the empty default is granted.
    pub fn is_empty(&self) -> bool {
        self.env.is_empty() && self.args.is_empty()
    }
}

/// Builds the WASI context for the component `name`: no preopened
/// directories, only the granted environment and arguments, every socket
/// address and name lookup denied, stdin empty, and stdout/stderr written to
/// the host log under `name`.
///
/// `stderr_tail` keeps the last lines of stderr, for crash reports.
pub fn wasi_context(name: &str, grants: &Grants, stderr_tail: &OutputTail) -> WasiCtx {
    let mut builder = WasiCtxBuilder::new();
    builder
        .stdout(LogStream::stdout(name))
        .stderr(LogStream::stderr(name, stderr_tail.clone()))
        .allow_ip_name_lookup(false)
        .socket_addr_check(|_, _| Box::pin(async { false }))
        .envs(&grants.env)
        .args(&grants.args);
    builder.build()
}
