//! Process isolation: each worker is a child process (this program again,
//! started with a hidden role argument), connected to the host by a Unix
//! socket carrying [`frame`](crate::wire::frame)s.
//!
//! The child's end of the socket is its standard input, so no descriptor
//! numbers need agreeing on. Children are started from one long-lived
//! thread, because the kernel's parent-death signal (which ends workers if
//! the host dies) follows the *thread* that forked them.

use std::io;
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream as StdUnixStream;
use std::os::unix::process::ExitStatusExt as _;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};

use rustix::process::{Pid, Signal, WaitIdOptions};
use tokio::net::UnixStream;
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio::sync::oneshot;

use super::{LaunchError, Launched, OsExit, Transport, WorkerControl};
use crate::wire::frame::{self, FRAME_OVERHEAD, FrameError, Hello, Start, WorkerHello};
use crate::wire::{ByteBuf, ExitReason, HostToWorker, WorkerToHost};
use crate::worker::{HostLink, WorkerSpec, link_pair, process::WORKER_ROLE};

/// The largest handshake frame a worker may send.
const MAX_HELLO: usize = 4096;

type SpawnRequest = (Command, mpsc::Sender<io::Result<Child>>);

/// Starts worker processes.
#[derive(Debug)]
pub(crate) struct Process {
    program: PathBuf,
    log_filter: String,
    spawner: Mutex<mpsc::Sender<SpawnRequest>>,
}

impl Process {
    /// Workers will run `program`, which must call
    /// [`worker_main`](crate::worker_main) first thing.
    ///
    /// # Errors
    /// When the spawning thread cannot be started.
    pub(crate) fn new(program: PathBuf, log_filter: String) -> io::Result<Self> {
        let (tx, rx) = mpsc::channel::<SpawnRequest>();
        std::thread::Builder::new()
            .name("wasmtron-spawner".into())
            .spawn(move || {
                // Lives as long as the transport: when it ends, the kernel
                // ends the children it started.
                for (mut command, reply) in rx {
                    let _ = reply.send(command.spawn());
                }
            })?;
        Ok(Process {
            program,
            log_filter,
            spawner: Mutex::new(tx),
        })
    }

    fn spawn(&self, command: Command) -> io::Result<Child> {
        let (tx, rx) = mpsc::channel();
        let spawner = self.spawner.lock().unwrap_or_else(|p| p.into_inner());
        spawner
            .send((command, tx))
            .map_err(|_| io::Error::other("the spawning thread is gone"))?;
        drop(spawner);
        rx.recv()
            .map_err(|_| io::Error::other("the spawning thread is gone"))?
    }
}

impl Transport for Process {
    fn launch(
        &self,
        spec: WorkerSpec,
        runtime: &tokio::runtime::Handle,
    ) -> Result<Launched, LaunchError> {
        let failed = |reason: String| LaunchError::Spawn {
            name: spec.name.clone(),
            reason,
        };
        let component = spec
            .component
            .serialize()
            .map_err(|err| failed(format!("cannot serialize the component: {err}")))?;
        let (host_end, worker_end) = StdUnixStream::pair()
            .map_err(|err| failed(format!("cannot create a socket: {err}")))?;
        let mut command = Command::new(&self.program);
        command
            .arg(WORKER_ROLE)
            .arg(std::process::id().to_string())
            .arg(&self.log_filter)
            // Nothing of the host's environment reaches a worker. The one
            // variable set keeps WebKit's allocator, linked into this same
            // program but never used by a worker, from starting a thread
            // while the program loads: a thread that exists before the
            // sandbox would escape Landlock on kernels before ABI 8.
            .env_clear()
            .env("Malloc", "1")
            .current_dir("/")
            .stdin(Stdio::from(OwnedFd::from(worker_end)))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        let child = self
            .spawn(command)
            .map_err(|err| failed(format!("cannot start `{}`: {err}", self.program.display())))?;
        let pid = child.id();
        let watch = Arc::new(ChildWatch {
            pid,
            reaped: Mutex::new(false),
        });
        let os_exit = watch.clone().wait_in_background(child);

        host_end
            .set_nonblocking(true)
            .map_err(|err| failed(err.to_string()))?;
        let socket = {
            let _guard = runtime.enter();
            UnixStream::from_std(host_end).map_err(|err| failed(err.to_string()))?
        };
        let (host, relay_to_worker, relay_from_worker) = relay_pair();
        let start = Start {
            name: spec.name.clone(),
            world: spec.world.name().to_owned(),
            component: ByteBuf::from(component),
            channels: spec.channels.iter().cloned().collect(),
            limits: spec.limits,
            grants: spec.grants.clone(),
        };
        let max_frame = spec.limits.max_message_bytes + FRAME_OVERHEAD;
        let killer = watch.clone();
        runtime.spawn(async move {
            let (mut reader, mut writer) = socket.into_split();
            if let Err(err) = handshake(&mut reader, &mut writer, &start).await {
                drop_worker(&relay_to_worker, &killer, format!("{err}"));
                return;
            }
            tokio::spawn(write_frames(writer, relay_from_worker));
            read_frames(reader, max_frame, &relay_to_worker, &killer).await;
        });
        Ok(Launched {
            link: host,
            pid: Some(pid),
            control: Box::new(ProcessControl { watch }),
            os_exit: Some(os_exit),
        })
    }
}

/// The host's link, plus the relay's ends of it.
fn relay_pair() -> (
    HostLink,
    UnboundedSender<WorkerToHost>,
    UnboundedReceiver<HostToWorker>,
) {
    let (host, worker) = link_pair();
    (host, worker.to_host, worker.from_host)
}

/// Host side of the handshake: greet, check the answer, then say what to run.
async fn handshake(
    reader: &mut OwnedReadHalf,
    writer: &mut OwnedWriteHalf,
    start: &Start,
) -> Result<(), FrameError> {
    frame::write(writer, &Hello::current()).await?;
    let answer: WorkerHello = frame::expect(reader, MAX_HELLO, "the worker's hello").await?;
    answer.hello.check()?;
    frame::write(writer, start).await
}

/// Forwards the worker's frames to the host's link. A bad frame ends the
/// worker: it is killed and the host hears a protocol error.
async fn read_frames(
    mut reader: OwnedReadHalf,
    max_frame: usize,
    to_host: &UnboundedSender<WorkerToHost>,
    watch: &ChildWatch,
) {
    loop {
        match frame::read::<_, WorkerToHost>(&mut reader, max_frame).await {
            Ok(Some(message)) => {
                if to_host.send(message).is_err() {
                    return;
                }
            }
            // The worker closed its end: its process is ending.
            Ok(None) => return,
            // Reset by a killed peer is a death, not a protocol breach.
            Err(FrameError::Io(err)) if err.kind() == io::ErrorKind::ConnectionReset => return,
            Err(FrameError::Truncated) => return,
            Err(err) => {
                drop_worker(to_host, watch, err.to_string());
                return;
            }
        }
    }
}

async fn write_frames(mut writer: OwnedWriteHalf, mut from_host: UnboundedReceiver<HostToWorker>) {
    while let Some(message) = from_host.recv().await {
        if let Err(err) = frame::write(&mut writer, &message).await {
            tracing::debug!("cannot write to a worker: {err}");
            return;
        }
    }
    // The host let go of the worker: closing our end tells it to exit.
}

fn drop_worker(to_host: &UnboundedSender<WorkerToHost>, watch: &ChildWatch, message: String) {
    tracing::warn!(pid = watch.pid, "dropping worker: {message}");
    watch.kill();
    let _ = to_host.send(WorkerToHost::Exited {
        reason: ExitReason::ProtocolError { message },
    });
}

/// A child process that can be killed without racing its reaping: the pid
/// is not reused while the child is a zombie, and it stays one until
/// `reaped` is set.
#[derive(Debug)]
struct ChildWatch {
    pid: u32,
    reaped: Mutex<bool>,
}

impl ChildWatch {
    fn kill(&self) {
        let reaped = self.reaped.lock().unwrap_or_else(|p| p.into_inner());
        if *reaped {
            return;
        }
        if let Some(pid) = i32::try_from(self.pid).ok().and_then(Pid::from_raw) {
            let _ = rustix::process::kill_process(pid, Signal::KILL);
        }
    }

    /// Waits for the child on a thread of its own and reports how it ended.
    fn wait_in_background(self: Arc<Self>, mut child: Child) -> oneshot::Receiver<OsExit> {
        let (tx, rx) = oneshot::channel();
        let spawned = std::thread::Builder::new()
            .name(format!("wasmtron-wait-{}", self.pid))
            .spawn(move || {
                // Wait without reaping, mark, then reap: `kill` never hits
                // a recycled pid.
                if let Some(pid) = i32::try_from(self.pid).ok().and_then(Pid::from_raw) {
                    let _ = rustix::process::waitid(
                        rustix::process::WaitId::Pid(pid),
                        WaitIdOptions::EXITED | WaitIdOptions::NOWAIT,
                    );
                }
                *self.reaped.lock().unwrap_or_else(|p| p.into_inner()) = true;
                let exit = match child.wait() {
                    Ok(status) => match (status.code(), status.signal()) {
                        (_, Some(signal)) => OsExit::Signal(signal),
                        (Some(code), None) => OsExit::Code(code),
                        (None, None) => OsExit::Code(-1),
                    },
                    Err(_) => OsExit::Code(-1),
                };
                let _ = tx.send(exit);
            });
        if let Err(err) = spawned {
            tracing::error!("cannot watch worker process: {err}");
        }
        rx
    }
}

#[derive(Debug)]
struct ProcessControl {
    watch: Arc<ChildWatch>,
}

impl WorkerControl for ProcessControl {
    fn kill(&self) {
        self.watch.kill();
    }
}
