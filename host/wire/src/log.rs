//! Where guest log lines go: the host's `tracing` log, under the target
//! `wasmtron::guest`, with the component's name as a field; and what the
//! host refused a component at its WASI boundary, under
//! `wasmtron::refused`.

/// The tracing target of every line a guest writes.
pub const GUEST_TARGET: &str = "wasmtron::guest";

/// Log levels a guest can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

/// Logs a line from a guest's `log` import.
pub fn guest_log(component: &str, level: Level, message: &str) {
    match level {
        Level::Trace => tracing::trace!(target: GUEST_TARGET, component, "{message}"),
        Level::Debug => tracing::debug!(target: GUEST_TARGET, component, "{message}"),
        Level::Info => tracing::info!(target: GUEST_TARGET, component, "{message}"),
        Level::Warn => tracing::warn!(target: GUEST_TARGET, component, "{message}"),
        Level::Error => tracing::error!(target: GUEST_TARGET, component, "{message}"),
    }
}

/// Logs a line a guest wrote to stdout or stderr.
pub fn guest_output(component: &str, stream: &str, line: &str) {
    tracing::info!(target: GUEST_TARGET, component, stream, "{line}");
}

/// The tracing target of what a component was refused at its WASI boundary
/// (a path outside its grants, a socket, a name lookup).
pub const REFUSED_TARGET: &str = "wasmtron::refused";

/// Logs what `component` was refused; `what` names it (the path, the
/// host name) and why.
pub fn refused(component: &str, what: &str) {
    tracing::warn!(target: REFUSED_TARGET, component, "refused: {what}");
}
