//! The OS sandbox a worker process puts itself in before any guest code runs.
//!
//! WebAssembly already keeps a component inside its linear memory and its
//! imports. The sandbox is the second wall, for the day that wall has a hole:
//! a bug in wasmtime, in Cranelift's generated code or in a host function that
//! lets guest-controlled input run as native code in the worker. Whatever runs
//! then should find a process that can touch nothing but what the component
//! was granted anyway.
//!
//! A worker calls [`apply`] once, after it has loaded its component, opened
//! its granted directories and connected to the host, and before it calls
//! into the guest. The sandbox is one-way: nothing in it can be lifted later,
//! and it is inherited by every thread the worker starts afterwards.
//!
//! Four layers, each stopping something the others do not:
//!
//! - **`no_new_privs`** makes the process unable to gain privileges through
//!   `execve` (set-uid binaries, file capabilities). The kernel requires it
//!   before an unprivileged process may install a seccomp filter or a
//!   Landlock ruleset, and it keeps both in force across any `execve`.
//! - **Resource limits** cap the address space (a runaway allocation fails
//!   instead of pushing the machine into swap), the number of open files,
//!   and turn off core dumps, which would otherwise write the guest's memory
//!   to disk.
//! - **Landlock** confines file-system access by path to the granted
//!   directories, also for files the worker opens through a path the guest
//!   chose. With no grants, no file can be opened by path at all. It also
//!   denies TCP `bind`/`connect` and, where the kernel supports it, talking to
//!   abstract Unix sockets or signalling processes outside the sandbox.
//! - **seccomp** reduces the kernel to the system calls the worker needs:
//!   memory, threads, clocks, signals, I/O on descriptors it already holds
//!   and, with grants, path calls relative to them. Creating sockets,
//!   starting programs, forking and tracing other processes are refused with
//!   `EPERM`, so a probe sees an error instead of a dead process.
//!
//! Each layer is applied on a best-effort basis: a kernel without one of them
//! gets a [`Report`] that says so, and the worker decides whether to run.

use std::fmt;
use std::path::PathBuf;

#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
mod seccomp;
#[cfg(all(test, target_os = "linux"))]
mod tests;

/// What a sandboxed worker may still reach.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Policy {
    /// Directories the component may read beneath. The worker has already
    /// opened them; the sandbox only stops everything else.
    pub read_only_dirs: Vec<PathBuf>,
    /// Directories the component may read and write beneath: create, remove,
    /// rename, truncate and link files and directories.
    pub read_write_dirs: Vec<PathBuf>,
    /// Ceiling on the process's virtual address space (`RLIMIT_AS`), in
    /// bytes. Reservations count, not just touched pages: every linear
    /// memory wasmtime creates reserves its whole bound plus guard regions up
    /// front (4 GiB and more with the default engine settings), so this must
    /// leave room for them.
    pub address_space_bytes: u64,
    /// Ceiling on open file descriptors (`RLIMIT_NOFILE`). Descriptors
    /// already open above it stay valid; new ones get the lowest free number.
    pub max_open_files: u64,
}

impl Policy {
    /// Whether the component may reach any file at all by path.
    fn has_grants(&self) -> bool {
        !self.read_only_dirs.is_empty() || !self.read_write_dirs.is_empty()
    }
}

/// How far one layer of the sandbox got.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub(crate) enum Layer {
    /// In force as designed.
    Applied,
    /// In force, but weaker than designed; the text says what is missing.
    Partial(String),
    /// Not in force; the text says why.
    Unavailable(String),
}

impl Layer {
    /// Whether the layer restricts anything at all.
    pub(crate) fn is_in_force(&self) -> bool {
        !matches!(self, Layer::Unavailable(_))
    }
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Layer::Applied => f.write_str("applied"),
            Layer::Partial(why) => write!(f, "partial: {why}"),
            Layer::Unavailable(why) => write!(f, "unavailable: {why}"),
        }
    }
}

/// The outcome of [`apply`], one entry per layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Report {
    pub no_new_privs: Layer,
    pub rlimits: Layer,
    pub landlock: Layer,
    pub seccomp: Layer,
}

impl Report {
    /// The same outcome for every layer, for platforms without them.
    #[cfg(any(test, not(target_os = "linux")))]
    fn unavailable(why: &str) -> Self {
        let layer = || Layer::Unavailable(why.to_owned());
        Report {
            no_new_privs: layer(),
            rlimits: layer(),
            landlock: layer(),
            seccomp: layer(),
        }
    }

    /// The layers as `(name, outcome)` pairs, in the order they are applied.
    pub(crate) fn layers(&self) -> [(&'static str, &Layer); 4] {
        [
            ("rlimits", &self.rlimits),
            ("no_new_privs", &self.no_new_privs),
            ("landlock", &self.landlock),
            ("seccomp", &self.seccomp),
        ]
    }

    /// One line per layer that is not fully in force, ready to log.
    pub(crate) fn warnings(&self) -> Vec<String> {
        self.layers()
            .into_iter()
            .filter(|(_, layer)| **layer != Layer::Applied)
            .map(|(name, layer)| format!("sandbox layer `{name}` {layer}"))
            .collect()
    }
}

/// Puts the calling process in the sandbox described by `policy`.
///
/// Call it once, before any guest code runs and, ideally, while the process
/// has a single thread: seccomp reaches every thread, but on kernels before
/// Landlock ABI 8 Landlock confines only the calling thread and the threads
/// it starts afterwards (the report says so when other threads exist).
///
/// Never fails: a layer the kernel lacks is reported as
/// [`Layer::Unavailable`] and the others are still applied.
#[cfg(target_os = "linux")]
pub(crate) fn apply(policy: &Policy) -> Report {
    linux::apply(policy)
}

/// Puts the calling process in the sandbox described by `policy`.
///
/// This platform has none of the layers; every one is reported unavailable.
#[cfg(not(target_os = "linux"))]
pub(crate) fn apply(_policy: &Policy) -> Report {
    Report::unavailable("not supported on this OS")
}

#[cfg(test)]
mod report_tests {
    use super::*;

    #[test]
    fn warnings_name_every_layer_not_fully_applied() {
        let report = Report {
            no_new_privs: Layer::Applied,
            rlimits: Layer::Applied,
            landlock: Layer::Partial("2 threads unconfined".into()),
            seccomp: Layer::Unavailable("no seccomp".into()),
        };
        assert_eq!(
            report.warnings(),
            [
                "sandbox layer `landlock` partial: 2 threads unconfined",
                "sandbox layer `seccomp` unavailable: no seccomp",
            ]
        );
    }

    #[test]
    fn unavailable_report_has_no_layer_in_force() {
        let report = Report::unavailable("not supported on this OS");
        assert!(report.layers().iter().all(|(_, l)| !l.is_in_force()));
        assert_eq!(report.warnings().len(), 4);
    }
}
