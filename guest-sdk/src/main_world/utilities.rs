//! Background workers (Electron's `utilityProcess`): main forks a utility
//! declared in the manifest and talks to it through a [`UtilityProcess`].

use serde::{Serialize, de::DeserializeOwned};

use super::wit::utilities as wit;
use crate::ports::{self, MessagePort};
use crate::{HandlerError, IpcError, Payload};

pub use wit::{ForkError, Stdio};

/// How to start a utility (Electron's `utilityProcess.fork` options). The
/// default is what [`fork`] uses: no arguments, an empty environment, no
/// working directory, output to the host's log, the manifest name, the
/// app's memory limit, and no restarts.
#[derive(Debug, Clone)]
pub struct ForkOptions {
    /// The arguments the utility sees.
    pub args: Vec<String>,
    /// The environment it sees; nothing of the host's is passed on.
    pub env: Vec<(String, String)>,
    /// Its working directory: one of its granted folders, by name.
    pub cwd: Option<String>,
    pub stdio: Stdio,
    /// The instance name (Electron's `serviceName`).
    pub service_name: Option<String>,
    /// A lower linear-memory cap for this instance, in bytes.
    pub max_memory_bytes: Option<u64>,
    /// Restart after a failure: `(max restarts, first backoff in ms)`; the
    /// backoff doubles with each restart.
    pub restart_on_failure: Option<(u32, u32)>,
}

impl Default for ForkOptions {
    fn default() -> Self {
        ForkOptions {
            args: Vec::new(),
            env: Vec::new(),
            cwd: None,
            stdio: Stdio::Inherit,
            service_name: None,
            max_memory_bytes: None,
            restart_on_failure: None,
        }
    }
}

/// Starts the utility declared as `[[utility]] name = "..."` in the manifest,
/// in a worker of its own, with default [`ForkOptions`]. Forking the same
/// name again starts another instance, named `name#2`, `name#3`, ...
///
/// # Errors
/// [`ForkError::UnknownUtility`] when the manifest declares no such utility,
/// [`ForkError::Failed`] when its component is refused or the worker cannot
/// start.
pub fn fork(name: &str) -> Result<UtilityProcess, ForkError> {
    fork_with(name, &ForkOptions::default())
}

/// [`fork`] with options.
///
/// # Errors
/// As [`fork`], and [`ForkError::BadOption`] for a `cwd` that is not a
/// granted folder, a service name in use, or a memory cap over the app's.
pub fn fork_with(name: &str, options: &ForkOptions) -> Result<UtilityProcess, ForkError> {
    let options = wit::ForkOptions {
        args: options.args.clone(),
        env: options.env.clone(),
        cwd: options.cwd.clone(),
        stdio: options.stdio,
        service_name: options.service_name.clone(),
        max_memory_bytes: options.max_memory_bytes,
        restart: match options.restart_on_failure {
            None => wit::Restart::Never,
            Some((max_restarts, backoff_ms)) => wit::Restart::OnFailure(wit::RestartLimits {
                max_restarts,
                backoff_ms,
            }),
        },
    };
    wit::fork(name, &options).map(|inner| UtilityProcess { inner })
}

/// Main's handle on one utility instance, running or exited. Its messages
/// reach [`Main::on_utility_message`](crate::Main::on_utility_message) and its
/// end reaches [`Main::on_process_gone`](crate::Main::on_process_gone), both
/// under its [`name`](Self::name).
#[derive(Debug)]
pub struct UtilityProcess {
    inner: wit::UtilityProcess,
}

impl UtilityProcess {
    /// The instance name: the manifest name, with `#2`, `#3`, ... added for
    /// further instances of the same utility.
    pub fn name(&self) -> String {
        self.inner.name()
    }

    /// The worker's OS process id; `None` when the utility runs inside the
    /// host process.
    pub fn pid(&self) -> Option<u32> {
        self.inner.pid()
    }

    /// Encodes `value` and delivers it to the utility's
    /// [`Utility::on_message`](crate::Utility::on_message).
    ///
    /// # Errors
    /// `target-gone` when the utility has exited, `too-large`, `bad-payload`.
    pub fn post_message<T: Serialize + ?Sized>(&self, value: &T) -> Result<(), IpcError> {
        self.post_raw(&crate::encode(value)?)
    }

    /// [`post_message`](Self::post_message) that moves the ports in
    /// `transfer` to the utility; they arrive in
    /// [`ParentMessage::ports`](crate::ParentMessage::ports). Whatever the
    /// outcome, the ports are gone from main.
    ///
    /// # Errors
    /// As [`post_message`](Self::post_message).
    pub fn post_message_with_ports<T: Serialize + ?Sized>(
        &self,
        value: &T,
        transfer: Vec<MessagePort>,
    ) -> Result<(), IpcError> {
        self.post_raw_with_ports(&crate::encode(value)?, transfer)
    }

    /// [`post_message`](Self::post_message) with raw payload bytes.
    ///
    /// # Errors
    /// As [`post_message`](Self::post_message).
    pub fn post_raw(&self, payload: &[u8]) -> Result<(), IpcError> {
        self.post_raw_with_ports(payload, Vec::new())
    }

    /// [`post_message_with_ports`](Self::post_message_with_ports) with raw
    /// payload bytes.
    ///
    /// # Errors
    /// As [`post_message`](Self::post_message).
    pub fn post_raw_with_ports(
        &self,
        payload: &[u8],
        transfer: Vec<MessagePort>,
    ) -> Result<(), IpcError> {
        self.inner.post_message(payload, ports::into_wit(transfer))
    }

    /// Invokes `channel` on the utility and waits for its typed reply; the
    /// utility answers in [`Utility::handle`](crate::Utility::handle). Main
    /// runs nothing else while it waits.
    ///
    /// # Errors
    /// An [`IpcError`]: `handler-failed` (with the handler's code and data),
    /// `target-gone` when the utility has exited or dies before replying,
    /// `timeout`, `too-large`, `bad-payload`.
    pub fn invoke<Req, Resp>(&self, channel: &str, request: &Req) -> Result<Resp, IpcError>
    where
        Req: Serialize + ?Sized,
        Resp: DeserializeOwned,
    {
        let reply = self.invoke_raw(channel, &crate::encode(request)?)?;
        crate::decode(&reply)
    }

    /// [`invoke`](Self::invoke) with raw payload bytes.
    ///
    /// # Errors
    /// As [`invoke`](Self::invoke).
    pub fn invoke_raw(&self, channel: &str, payload: &[u8]) -> Result<Payload, IpcError> {
        self.inner.invoke(channel, payload)
    }

    /// Ends the worker at once, without letting it finish what it is doing.
    /// Returns `false` when it had already exited.
    pub fn kill(&self) -> bool {
        self.inner.kill()
    }
}

/// A message a utility posted to its parent with
/// [`parent_port::post_message`](crate::parent_port::post_message), as
/// [`Main::on_utility_message`](crate::Main::on_utility_message) receives it.
#[derive(Debug)]
pub struct UtilityMessage {
    /// The instance that posted it, as [`UtilityProcess::name`] gives it.
    pub name: String,
    pub payload: Payload,
    /// Ports the utility moved with the message; they are main's now.
    pub ports: Vec<MessagePort>,
}

impl UtilityMessage {
    /// Decodes the payload.
    ///
    /// # Errors
    /// `bad-payload` when the payload is not a `T`.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, IpcError> {
        crate::decode(&self.payload)
    }
}

impl ForkError {
    /// The case's WIT name: `"unknown-utility"` or `"failed"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            ForkError::UnknownUtility(_) => "unknown-utility",
            ForkError::Failed(_) => "failed",
            ForkError::BadOption(_) => "bad-option",
        }
    }

    /// What went wrong: the utility's name, or why the worker did not start.
    pub fn message(&self) -> &str {
        match self {
            ForkError::UnknownUtility(text)
            | ForkError::Failed(text)
            | ForkError::BadOption(text) => text,
        }
    }
}

/// A failed fork inside a handler fails the invoke with the fork error's WIT
/// name as app code, so `?` works on [`fork`].
impl From<ForkError> for HandlerError {
    fn from(err: ForkError) -> Self {
        HandlerError::new(err.as_str(), err.message())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fork_error_becomes_a_handler_error_with_its_wit_name() {
        let err = HandlerError::from(ForkError::UnknownUtility("ghost".into()));
        assert_eq!(
            (err.code.as_str(), err.message.as_str()),
            ("unknown-utility", "ghost")
        );
        let err = HandlerError::from(ForkError::Failed("refused".into()));
        assert_eq!(
            (err.code.as_str(), err.message.as_str()),
            ("failed", "refused")
        );
    }
}
