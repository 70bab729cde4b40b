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

use super::{LaunchError, Launched, OsExit, ProcessEnd, Transport, WorkerControl};
use crate::wire::frame::{self, FRAME_OVERHEAD, FrameError, Hello, Start, WorkerHello};
use crate::wire::pump;
use crate::wire::{ByteBuf, HostToWorker, WorkerToHost};
use wasmtron_worker::{HostEnd, WORKER_ROLE, WorkerSpec, connection_pair};

/// The largest handshake frame a worker may send.
const MAX_HELLO: usize = 4096;

/// How long a worker may take to answer the host's hello.
const HANDSHAKE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// The longest line of a worker's own log relayed to the host's stderr.
const MAX_STDERR_LINE: u64 = 16 * 1024;

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
            // A pipe rather than the host's own stderr: a worker must not
            // hold a descriptor to the host's log file, which it could
            // truncate or rewrite.
            .stderr(Stdio::piped());
        let mut child = self
            .spawn(command)
            .map_err(|err| failed(format!("cannot start `{}`: {err}", self.program.display())))?;
        let pid = child.id();
        if let Some(stderr) = child.stderr.take() {
            relay_stderr(pid, stderr);
        }
        let watch = Arc::new(ChildWatch {
            pid,
            reaped: Mutex::new(false),
            dropped: Mutex::new(None),
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
        let max_frame = spec.limits.max_message_bytes.saturating_add(FRAME_OVERHEAD);
        let killer = watch.clone();
        runtime.spawn(async move {
            let (mut reader, mut writer) = socket.into_split();
            let greeted = tokio::time::timeout(
                HANDSHAKE_TIMEOUT,
                handshake(&mut reader, &mut writer, &start),
            )
            .await;
            match greeted {
                Ok(Ok(())) => {}
                // The worker died during the handshake; the OS says how.
                Ok(Err(FrameError::Closed(_) | FrameError::Truncated | FrameError::Io(_))) => {
                    return;
                }
                Ok(Err(err)) => {
                    drop_worker(&killer, err.to_string());
                    return;
                }
                Err(_) => {
                    drop_worker(
                        &killer,
                        format!("no handshake within {} s", HANDSHAKE_TIMEOUT.as_secs()),
                    );
                    return;
                }
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
    HostEnd,
    UnboundedSender<WorkerToHost>,
    UnboundedReceiver<HostToWorker>,
) {
    let (host, worker) = connection_pair();
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

/// Forwards the worker's frames to the host's end of the connection. A bad
/// frame ends the worker: it is killed and the host hears a protocol error.
async fn read_frames(
    reader: OwnedReadHalf,
    max_frame: usize,
    to_host: &UnboundedSender<WorkerToHost>,
    watch: &ChildWatch,
) {
    match pump::read_frames(reader.as_ref(), max_frame, to_host).await {
        // The worker closed its end: its process is ending.
        Ok(()) => {}
        // Reset by a killed peer is a death, not a protocol breach.
        Err(FrameError::Io(err)) if err.kind() == io::ErrorKind::ConnectionReset => {}
        Err(FrameError::Truncated) => {}
        Err(err) => drop_worker(watch, err.to_string()),
    }
}

async fn write_frames(writer: OwnedWriteHalf, mut from_host: UnboundedReceiver<HostToWorker>) {
    if let Err(err) = pump::write_frames(writer.as_ref(), &mut from_host, |_| false).await {
        tracing::debug!("cannot write to a worker: {err}");
    }
    // The host let go of the worker (or the socket failed): closing our end
    // tells it to exit.
}

/// Kills a worker that broke the protocol. The reason is recorded on the
/// host's side, where the worker cannot reach it; the connection's end then
/// finishes the worker's service as for any death.
fn drop_worker(watch: &ChildWatch, message: String) {
    tracing::warn!(pid = watch.pid, "dropping worker: {message}");
    *watch.dropped.lock().unwrap_or_else(|p| p.into_inner()) = Some(message);
    watch.kill();
}

/// Copies a worker's own log lines to the host's stderr, each cut to
/// [`MAX_STDERR_LINE`] bytes.
fn relay_stderr(pid: u32, stderr: std::process::ChildStderr) {
    use std::io::{BufRead as _, Read as _, Write as _};
    let spawned = std::thread::Builder::new()
        .name(format!("wasmtron-stderr-{pid}"))
        .spawn(move || {
            let mut reader = io::BufReader::new(stderr);
            let mut line = Vec::new();
            loop {
                line.clear();
                match (&mut reader)
                    .take(MAX_STDERR_LINE)
                    .read_until(b'\n', &mut line)
                {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {
                        if line.last() != Some(&b'\n') {
                            line.push(b'\n');
                        }
                        let _ = io::stderr().lock().write_all(&line);
                    }
                }
            }
        });
    if let Err(err) = spawned {
        tracing::error!("cannot relay a worker's log: {err}");
    }
}

/// A child process that can be killed without racing its reaping: the pid
/// is not reused while the child is a zombie, and it stays one until
/// `reaped` is set.
#[derive(Debug)]
struct ChildWatch {
    pid: u32,
    reaped: Mutex<bool>,
    /// Why the host dropped the worker, if it did.
    dropped: Mutex<Option<String>>,
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
    fn wait_in_background(self: Arc<Self>, mut child: Child) -> oneshot::Receiver<ProcessEnd> {
        let (tx, rx) = oneshot::channel();
        let spawned = std::thread::Builder::new()
            .name(format!("wasmtron-wait-{}", self.pid))
            .spawn(move || {
                // Wait without reaping, mark, then reap: `kill` never hits
                // a recycled pid.
                if let Some(pid) = i32::try_from(self.pid).ok().and_then(Pid::from_raw) {
                    while let Err(rustix::io::Errno::INTR) = rustix::process::waitid(
                        rustix::process::WaitId::Pid(pid),
                        WaitIdOptions::EXITED | WaitIdOptions::NOWAIT,
                    ) {}
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
                let dropped = self
                    .dropped
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .take();
                let _ = tx.send(ProcessEnd { exit, dropped });
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

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    use super::*;
    use crate::wire::{Grants, Limits};

    fn start() -> Start {
        Start {
            name: "w".into(),
            world: "renderer".into(),
            component: ByteBuf::from(Vec::new()),
            channels: Vec::new(),
            limits: Limits::default(),
            grants: Grants::default(),
        }
    }

    /// Runs the host's side of the handshake against a worker that answers
    /// the host's hello with `answer`; returns the host's verdict and
    /// whatever the host wrote after its hello (nothing, when it refused).
    async fn handshake_with(answer: Vec<u8>) -> (Result<(), FrameError>, Vec<u8>) {
        let (host, mut worker) = UnixStream::pair().expect("a socket pair");
        let (mut reader, mut writer) = host.into_split();
        let worker_side = async move {
            let _: Hello = frame::expect(&mut worker, MAX_HELLO, "the host's hello")
                .await
                .expect("the host greets first");
            worker
                .write_all(&answer)
                .await
                .expect("the answer is written");
            let mut after = Vec::new();
            // The host either goes on (writes `Start`, then drops its end)
            // or stops; either way the socket ends when it returns.
            let _ = worker.read_to_end(&mut after).await;
            after
        };
        let host_side = async move {
            let verdict = handshake(&mut reader, &mut writer, &start()).await;
            drop((reader, writer));
            verdict
        };
        tokio::join!(host_side, worker_side)
    }

    fn hello(magic: &str, protocol: u32) -> Vec<u8> {
        frame::encode(&WorkerHello {
            hello: Hello {
                magic: magic.into(),
                protocol,
            },
            pid: 1,
        })
        .expect("encodable")
    }

    #[tokio::test]
    async fn the_host_goes_on_only_after_a_good_worker_hello() {
        let good = Hello::current();
        let (verdict, after) = handshake_with(hello(&good.magic, good.protocol)).await;
        assert!(verdict.is_ok(), "{verdict:?}");
        assert!(!after.is_empty(), "the host sends what to run");
    }

    #[tokio::test]
    async fn a_worker_hello_of_another_program_or_protocol_gets_nothing_to_run() {
        let good = Hello::current();
        for answer in [
            hello("not-wasmtron", good.protocol),
            hello(&good.magic, good.protocol + 1),
            // Not MessagePack.
            vec![3, 0, 0, 0, 0, 0, 0, 0, 0xc1, 0xc1, 0xc1],
            // Longer than a hello may be: refused before it is read.
            [
                u32::try_from(MAX_HELLO + 1).expect("small").to_le_bytes(),
                [0; 4],
            ]
            .concat(),
        ] {
            let (verdict, after) = handshake_with(answer.clone()).await;
            assert!(verdict.is_err(), "{answer:?} was accepted");
            assert!(after.is_empty(), "the host sent something after {answer:?}");
        }
    }
}
