//! The parent's side: a spawned child and this process's end of the socket
//! pair joining them.

use std::io::{self, Read};
use std::net::Shutdown;
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::child::{READY, Role};

/// The longest any read or write on the socket may block. A child that
/// stopped answering turns into an error, not a benchmark that never ends.
const PATIENCE: Duration = Duration::from_secs(30);

/// How long a child may take to end once its socket is closed.
const EXIT_PATIENCE: Duration = Duration::from_secs(5);

/// A child serving one role, and the socket to it.
#[derive(Debug)]
pub(crate) struct Peer {
    process: Child,
    socket: UnixStream,
}

impl Peer {
    /// Spawns a child in `role` and waits for its ready byte.
    pub(crate) fn spawn(role: Role) -> io::Result<Self> {
        let (socket, theirs) = UnixStream::pair().map_err(|err| context(err, "socketpair"))?;
        // The command holds the child's end until it is dropped at the end of
        // this block. Were it kept, a child that died would leave the end
        // open here, and reads would wait for the timeout instead of seeing
        // the end of the stream.
        let process = {
            let mut command = child_command(role)?;
            command
                .stdin(Stdio::from(OwnedFd::from(theirs)))
                .stdout(Stdio::null())
                .stderr(Stdio::inherit());
            command
                .spawn()
                .map_err(|err| context(err, "spawning the child"))?
        };
        socket.set_read_timeout(Some(PATIENCE))?;
        socket.set_write_timeout(Some(PATIENCE))?;
        let mut peer = Self { process, socket };
        let mut first = [0];
        peer.socket
            .read_exact(&mut first)
            .map_err(|err| context(err, "waiting for the child's first byte"))?;
        if first[0] != READY {
            return Err(io::Error::other(format!(
                "the child's first byte was {:#04x}, not the ready byte",
                first[0]
            )));
        }
        Ok(peer)
    }

    pub(crate) fn socket(&mut self) -> &mut UnixStream {
        &mut self.socket
    }

    /// Closes the socket, which tells the child to end, and waits until it
    /// has ended well.
    pub(crate) fn finish(mut self) -> io::Result<()> {
        self.socket.shutdown(Shutdown::Write)?;
        let deadline = Instant::now() + EXIT_PATIENCE;
        loop {
            if let Some(status) = self.process.try_wait()? {
                if status.success() {
                    return Ok(());
                }
                return Err(io::Error::other(format!("the child ended with {status}")));
            }
            if Instant::now() >= deadline {
                // Dropping `self` kills it.
                return Err(io::Error::other(format!(
                    "the child did not end within {EXIT_PATIENCE:?} of its socket closing"
                )));
            }
            thread::sleep(Duration::from_millis(1));
        }
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        // Only a child that is still running: `finish` has reaped the others.
        if let Ok(None) = self.process.try_wait() {
            let _ = self.process.kill();
            let _ = self.process.wait();
        }
    }
}

/// The current executable, told to be the child in `role`.
#[cfg(not(test))]
fn child_command(role: Role) -> io::Result<Command> {
    let exe = std::env::current_exe().map_err(|err| context(err, "finding this executable"))?;
    let mut command = Command::new(exe);
    command.arg(crate::child::CHILD_ARG).arg(role.name());
    Ok(command)
}

/// This unit-test binary, told to run only the test that plays the child
/// (see `child::tests::ENTRY`): libtest, not this crate, parses its arguments.
#[cfg(test)]
fn child_command(role: Role) -> io::Result<Command> {
    use crate::child::tests::{ENTRY, ROLE_ENV};
    let exe = std::env::current_exe().map_err(|err| context(err, "finding this executable"))?;
    let mut command = Command::new(exe);
    command
        .args([
            "--exact",
            ENTRY,
            "--nocapture",
            "--quiet",
            "--test-threads=1",
        ])
        .env(ROLE_ENV, role.name());
    Ok(command)
}

/// `err` with what was being done when it happened.
pub(crate) fn context(err: io::Error, doing: &str) -> io::Error {
    io::Error::new(err.kind(), format!("{doing}: {err}"))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn a_child_that_dies_is_an_error_not_a_hang() {
        let mut peer = Peer::spawn(Role::Echo).expect("a child");
        peer.process.kill().expect("the child can be killed");
        peer.process.wait().expect("the child is reaped");

        let started = Instant::now();
        let mut message = 16u32.to_le_bytes().to_vec();
        message.resize(4 + 16, 0);
        let written = peer.socket().write_all(&message);
        let mut reply = [0; 20];
        let read = peer.socket().read_exact(&mut reply);
        assert!(written.is_err() || read.is_err());
        assert!(started.elapsed() < PATIENCE);
    }
}
