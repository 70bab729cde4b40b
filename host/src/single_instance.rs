//! The single-instance lock (`[app] single-instance = true`, Electron's
//! `app.requestSingleInstanceLock()`): the first launch of an app holds a
//! socket named after the user, the app and its folder; a second launch
//! finds it taken, hands its arguments and working directory to the first
//! (main hears `on-second-instance`) and ends.
//!
//! The socket is in Linux's abstract namespace, so it disappears with the
//! process that holds it: a crashed first instance leaves nothing stale.
//! Abstract sockets are reachable by every user of the machine, so the
//! holder answers only connections from its own user, and reads at most
//! [`MAX_HANDOFF`] bytes from each within [`PATIENCE`].

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::os::fd::AsFd as _;
use std::os::linux::net::SocketAddrExt as _;
use std::os::unix::net::{SocketAddr, UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::manifest::Manifest;

/// The most a second launch may send: its arguments and folder.
pub const MAX_HANDOFF: usize = 64 * 1024;

/// How long either side waits for the other.
const PATIENCE: Duration = Duration::from_secs(5);

/// What a second launch hands over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handoff {
    pub args: Vec<String>,
    pub cwd: PathBuf,
}

/// Why the lock could not be taken or the launch handed over.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InstanceError {
    #[error("cannot take the single-instance lock: {0}")]
    Lock(std::io::Error),
    #[error("the running instance did not take the launch: {0}")]
    Handoff(std::io::Error),
}

/// The lock of the first instance: held while this lives.
#[derive(Debug)]
pub struct InstanceLock {
    listener: UnixListener,
}

/// What [`acquire`] found.
#[derive(Debug)]
pub enum Acquired {
    /// This is the first instance; hand the lock to
    /// [`AppBuilder::instance_lock`](crate::AppBuilder::instance_lock).
    First(InstanceLock),
    /// Another instance runs and took this launch's arguments.
    HandedOver,
}

/// The socket's name: the user, the app's name and a hash of its folder.
pub fn socket_name(manifest: &Manifest) -> String {
    use std::hash::{Hash as _, Hasher as _};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    manifest.root.hash(&mut hasher);
    let name: String = manifest
        .name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .take(40)
        .collect();
    format!(
        "wasmtron-{}-{name}-{:016x}",
        rustix::process::getuid().as_raw(),
        hasher.finish()
    )
}

/// Takes the app's single-instance lock, or hands `handoff` to the
/// instance that holds it.
///
/// # Errors
/// When the socket cannot be made, or the holder does not answer.
pub fn acquire(manifest: &Manifest, handoff: &Handoff) -> Result<Acquired, InstanceError> {
    let name = socket_name(manifest);
    let address = SocketAddr::from_abstract_name(name.as_bytes()).map_err(InstanceError::Lock)?;
    // Twice: a holder that ends between our bind and our connect frees the
    // name for us.
    for _ in 0..2 {
        match UnixListener::bind_addr(&address) {
            Ok(listener) => return Ok(Acquired::First(InstanceLock { listener })),
            Err(err) if err.kind() == std::io::ErrorKind::AddrInUse => {}
            Err(err) => return Err(InstanceError::Lock(err)),
        }
        match UnixStream::connect_addr(&address) {
            Ok(stream) => {
                hand_over(stream, handoff).map_err(InstanceError::Handoff)?;
                return Ok(Acquired::HandedOver);
            }
            Err(err) if err.kind() == std::io::ErrorKind::ConnectionRefused => {}
            Err(err) => return Err(InstanceError::Handoff(err)),
        }
    }
    Err(InstanceError::Lock(std::io::Error::other(
        "the lock was taken and released while this launch tried it",
    )))
}

fn hand_over(mut stream: UnixStream, handoff: &Handoff) -> std::io::Result<()> {
    stream.set_read_timeout(Some(PATIENCE))?;
    stream.set_write_timeout(Some(PATIENCE))?;
    let mut line = serde_json::to_vec(handoff).map_err(std::io::Error::other)?;
    if line.len() >= MAX_HANDOFF {
        return Err(std::io::Error::other(format!(
            "the arguments are {} bytes; at most {MAX_HANDOFF} can be handed over",
            line.len()
        )));
    }
    line.push(b'\n');
    stream.write_all(&line)?;
    let mut answer = String::new();
    BufReader::new(stream).read_line(&mut answer)?;
    match answer.trim_end() {
        "ok" => Ok(()),
        "" => Err(std::io::Error::other(
            "the running instance closed without answering",
        )),
        other => Err(std::io::Error::other(format!(
            "the running instance said: {other}"
        ))),
    }
}

/// Releases the lock when dropped: the serving thread stops and the name is
/// free for the next first launch.
#[derive(Debug)]
pub(crate) struct Serving {
    listener: std::os::fd::OwnedFd,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Drop for Serving {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Release);
        // Wakes the thread's `accept`, which then ends and closes the
        // socket.
        let _ = rustix::net::shutdown(&self.listener, rustix::net::Shutdown::Both);
    }
}

impl InstanceLock {
    /// Serves second launches on a thread of its own until the returned
    /// guard drops, passing each one's handoff to `deliver`. What is not a
    /// valid handoff from this user is logged and answered with the reason.
    pub(crate) fn serve(self, deliver: impl Fn(Handoff) + Send + 'static) -> Option<Serving> {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let listener = match self.listener.as_fd().try_clone_to_owned() {
            Ok(fd) => fd,
            Err(err) => {
                tracing::error!("cannot serve second launches: {err}");
                return None;
            }
        };
        let stopped = stop.clone();
        let spawned = std::thread::Builder::new()
            .name("wasmtron-instance".into())
            .spawn(move || {
                for stream in self.listener.incoming() {
                    if stopped.load(std::sync::atomic::Ordering::Acquire) {
                        break;
                    }
                    match stream {
                        Ok(stream) => match take(stream) {
                            Ok(handoff) => deliver(handoff),
                            Err(reason) => {
                                tracing::warn!("second launch refused: {reason}");
                            }
                        },
                        Err(err) => tracing::warn!("single-instance socket: {err}"),
                    }
                }
            });
        match spawned {
            Ok(_) => Some(Serving { listener, stop }),
            Err(err) => {
                tracing::error!("cannot serve second launches: {err}");
                None
            }
        }
    }
}

/// Reads one handoff and answers it.
fn take(stream: UnixStream) -> Result<Handoff, String> {
    let answer = |mut stream: &UnixStream, text: &str| {
        let _ = stream.write_all(format!("{text}\n").as_bytes());
    };
    let ours = rustix::process::getuid();
    match rustix::net::sockopt::socket_peercred(stream.as_fd()) {
        Ok(peer) if peer.uid == ours => {}
        Ok(peer) => {
            answer(&stream, "refused: another user");
            return Err(format!("a connection from user {}", peer.uid.as_raw()));
        }
        Err(err) => return Err(format!("cannot tell who connected: {err}")),
    }
    let _ = stream.set_read_timeout(Some(PATIENCE));
    let _ = stream.set_write_timeout(Some(PATIENCE));
    let mut line = Vec::new();
    let read = BufReader::new((&stream).take(MAX_HANDOFF as u64))
        .read_until(b'\n', &mut line)
        .map_err(|err| format!("cannot read it: {err}"));
    let parsed = read.and_then(|_| {
        if line.last() != Some(&b'\n') {
            return Err(format!(
                "no whole line within {MAX_HANDOFF} bytes (or before the connection ended)"
            ));
        }
        serde_json::from_slice::<Handoff>(&line).map_err(|err| format!("malformed: {err}"))
    });
    match parsed {
        Ok(handoff) => {
            answer(&stream, "ok");
            Ok(handoff)
        }
        Err(reason) => {
            answer(&stream, &format!("refused: {reason}"));
            Err(reason)
        }
    }
}

/// This process's launch: its arguments after the program and `dir`, and
/// its working directory.
pub fn this_launch(args: Vec<String>) -> Handoff {
    Handoff {
        args,
        cwd: std::env::current_dir().unwrap_or_else(|_| Path::new("/").to_path_buf()),
    }
}
