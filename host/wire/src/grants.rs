//! What the manifest grants a component beyond the empty default, as it
//! travels to the worker that enforces it.

/// What the manifest grants a component beyond the empty default.
///
/// Folders (inside the app folder for utilities; the app's own per-user
/// folders for any component), precise clocks, the origins of outbound
/// HTTP, and a utility's arguments and environment.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Grants {
    /// Environment variables, as `(name, value)`.
    pub env: Vec<(String, String)>,
    /// Command-line arguments.
    pub args: Vec<String>,
    /// Directories the component may reach, each preopened under its name.
    pub dirs: Vec<DirGrant>,
    /// Clocks at the system's precision rather than in whole milliseconds
    /// (the manifest's `precise-clocks`).
    pub precise_clocks: bool,
    /// The origins its `wasi:http` requests may go to (`allowed-hosts`);
    /// `wasi:http` is linked only when there is one.
    #[serde(default)]
    pub allowed_hosts: Vec<crate::http::Origin>,
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
        self.env.is_empty()
            && self.args.is_empty()
            && self.dirs.is_empty()
            && self.allowed_hosts.is_empty()
    }
}
