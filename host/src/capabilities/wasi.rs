//! The WASI context a component gets: empty unless granted.

use anyhow::Context as _;
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder};

use super::stdio::{LogStream, OutputSink, OutputTail};

/// What the manifest grants a component beyond the empty default.
///
/// Windows and main get no grants in this version; utilities may be granted
/// directories.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Grants {
    /// Environment variables, as `(name, value)`.
    pub env: Vec<(String, String)>,
    /// Command-line arguments.
    pub args: Vec<String>,
    /// Directories the component may reach, each preopened under its name.
    pub dirs: Vec<DirGrant>,
}

/// One granted directory.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DirGrant {
    /// The directory on the host (absolute, inside the app folder).
    pub host: std::path::PathBuf,
    /// The name the component opens it by (the path as the manifest wrote it).
    pub guest: String,
    /// Whether the component may change it, or only read it.
    pub writable: bool,
}

impl Grants {
    /// True when nothing beyond the empty default is granted.
    pub fn is_empty(&self) -> bool {
        self.env.is_empty() && self.args.is_empty() && self.dirs.is_empty()
    }
}

/// Builds the WASI context for the component `name`: only the granted
/// directories (opened now), environment and arguments, every socket
/// address and name lookup denied, stdin empty, and stdout/stderr written to
/// the host log under `name`.
///
/// `stderr_tail` keeps the last lines of stderr, for crash reports.
///
/// # Errors
/// When a granted directory cannot be opened.
pub fn wasi_context(
    name: &str,
    grants: &Grants,
    stderr_tail: &OutputTail,
    output: &OutputSink,
) -> anyhow::Result<WasiCtx> {
    let mut builder = WasiCtxBuilder::new();
    for dir in &grants.dirs {
        let perms = if dir.writable {
            FsPerms::ReadWrite
        } else {
            FsPerms::ReadOnly
        };
        builder
            .preopened_dir(&dir.host, &dir.guest, perms)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("cannot open the granted directory {}", dir.host.display()))?;
    }
    builder
        .stdout(LogStream::stdout(name, output.clone()))
        .stderr(LogStream::stderr(name, stderr_tail.clone(), output.clone()))
        .allow_ip_name_lookup(false)
        .socket_addr_check(|_, _| Box::pin(async { false }))
        .envs(&grants.env)
        .args(&grants.args);
    Ok(builder.build())
}
