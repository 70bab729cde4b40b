//! Where guest log lines go: the host's `tracing` log, under the target
//! `wasmtron::guest`, with the component's name as a field.

/// The tracing target of every line a guest writes.
pub const GUEST_TARGET: &str = "wasmtron::guest";

/// Log levels a guest can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
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

/// In a worker process, where guest output goes instead of the local log:
/// the connection to the host, so that it lands in the host's log as it
/// would in-process.
static WORKER_OUTPUT: std::sync::OnceLock<
    tokio::sync::mpsc::UnboundedSender<crate::wire::WorkerToHost>,
> = std::sync::OnceLock::new();

/// Sends this process's guest output to the host (worker processes only).
pub(crate) fn forward_output_to_host(
    to_host: tokio::sync::mpsc::UnboundedSender<crate::wire::WorkerToHost>,
) {
    let _ = WORKER_OUTPUT.set(to_host);
}

/// Logs a line a guest wrote to stdout or stderr.
pub fn guest_output(component: &str, stream: &str, line: &str) {
    if let Some(to_host) = WORKER_OUTPUT.get() {
        let forwarded = to_host.send(crate::wire::WorkerToHost::Output {
            stream: stream.to_owned(),
            line: line.to_owned(),
        });
        if forwarded.is_ok() {
            return;
        }
    }
    tracing::info!(target: GUEST_TARGET, component, stream, "{line}");
}
