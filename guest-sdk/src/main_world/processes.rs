//! The app's processes (Electron's `app.getAppMetrics`, and the process
//! gone events that reach [`Main::on_process_gone`](crate::Main::on_process_gone)).

use std::fmt;

use super::wit::processes as wit;

pub use wit::{ExitReason, ProcessGone, ProcessKind, ProcessMetric, ProcessState};

/// Every process of the app: the host first, then each live renderer and
/// utility worker, with CPU time and resident memory read from the OS.
pub fn metrics() -> Vec<ProcessMetric> {
    wit::metrics()
}

impl ProcessKind {
    /// The kind's WIT name: `"host"`, `"renderer"` or `"utility"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ProcessKind::Host => "host",
            ProcessKind::Renderer => "renderer",
            ProcessKind::Utility => "utility",
        }
    }
}

impl fmt::Display for ProcessKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ProcessState {
    /// The state's WIT name: `"creating"`, `"running"`, `"exiting"` or
    /// `"exited"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ProcessState::Creating => "creating",
            ProcessState::Running => "running",
            ProcessState::Exiting => "exiting",
            ProcessState::Exited => "exited",
        }
    }
}

impl fmt::Display for ProcessState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ExitReason {
    /// The case's WIT name, such as `"crashed"`, without its detail.
    pub fn as_str(&self) -> &'static str {
        match self {
            ExitReason::CleanExit => "clean-exit",
            ExitReason::AbnormalExit(_) => "abnormal-exit",
            ExitReason::Killed(_) => "killed",
            ExitReason::Crashed(_) => "crashed",
            ExitReason::Oom(_) => "oom",
            ExitReason::Timeout(_) => "timeout",
            ExitReason::LimitExceeded(_) => "limit-exceeded",
            ExitReason::LaunchFailed(_) => "launch-failed",
            ExitReason::ProtocolError(_) => "protocol-error",
        }
    }

    /// Whether the worker stopped because it was asked to.
    pub fn is_clean(&self) -> bool {
        matches!(self, ExitReason::CleanExit)
    }
}

/// The case's WIT name followed by its detail: `clean-exit`,
/// `abnormal-exit:<code>`, `killed:<signal>`, `crashed:<trap message>`, and
/// so on.
impl fmt::Display for ExitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.as_str();
        match self {
            ExitReason::CleanExit => f.write_str(name),
            ExitReason::AbnormalExit(code) => write!(f, "{name}:{code}"),
            ExitReason::Killed(signal) => write!(f, "{name}:{signal}"),
            ExitReason::Crashed(message)
            | ExitReason::Oom(message)
            | ExitReason::Timeout(message)
            | ExitReason::LimitExceeded(message)
            | ExitReason::LaunchFailed(message)
            | ExitReason::ProtocolError(message) => write!(f, "{name}:{message}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_reasons_read_as_name_and_detail() {
        let cases = [
            (ExitReason::CleanExit, "clean-exit"),
            (ExitReason::AbnormalExit(3), "abnormal-exit:3"),
            (ExitReason::Killed(9), "killed:9"),
            (ExitReason::Crashed("boom".into()), "crashed:boom"),
            (ExitReason::Oom("4 GiB".into()), "oom:4 GiB"),
            (ExitReason::Timeout("30 s".into()), "timeout:30 s"),
            (
                ExitReason::LimitExceeded("queue".into()),
                "limit-exceeded:queue",
            ),
            (ExitReason::LaunchFailed("bad".into()), "launch-failed:bad"),
            (
                ExitReason::ProtocolError("eof".into()),
                "protocol-error:eof",
            ),
        ];
        for (reason, expected) in cases {
            assert_eq!(reason.to_string(), expected);
        }
    }

    #[test]
    fn kinds_and_states_read_as_their_wit_names() {
        assert_eq!(ProcessKind::Host.to_string(), "host");
        assert_eq!(ProcessKind::Renderer.to_string(), "renderer");
        assert_eq!(ProcessKind::Utility.to_string(), "utility");
        assert_eq!(ProcessState::Creating.to_string(), "creating");
        assert_eq!(ProcessState::Running.to_string(), "running");
        assert_eq!(ProcessState::Exiting.to_string(), "exiting");
        assert_eq!(ProcessState::Exited.to_string(), "exited");
    }
}
