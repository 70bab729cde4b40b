//! The child side of process isolation: what a worker process does from
//! the moment the host starts it until it exits.
//!
//! In order: make sure it dies with the host; take the socket (its standard
//! input); shake hands; receive and load the component the host compiled;
//! put itself in the OS sandbox; only then run guest code. Every frame from
//! the socket is decoded as hostile input.

use std::os::fd::AsFd as _;
use std::os::unix::net::UnixStream as StdUnixStream;
use std::process::ExitCode;

use anyhow::Context as _;
use tokio::net::UnixStream;
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use wasmtime::component::Component;

use super::{WorkerSpec, connection_pair};
use crate::sandbox;
use wasmtron_wire::World;
use wasmtron_wire::frame::{
    self, FRAME_OVERHEAD, FrameError, Hello, MAX_START_FRAME, Start, WorkerHello,
};
use wasmtron_wire::pump;
use wasmtron_wire::{HostToWorker, WorkerToHost};

/// The hidden first argument that makes this program a worker.
pub const WORKER_ROLE: &str = "__wasmtron-worker";

/// Exit codes of a worker that never got to run its component.
const EXIT_USAGE: u8 = 64;
const EXIT_PROTOCOL: u8 = 76;
const EXIT_LAUNCH: u8 = 78;

/// Address space a worker may map: room for one component's linear memory
/// reservation (4 GiB plus guards) several times over, and nothing like
/// the whole machine.
const ADDRESS_SPACE: u64 = 32 * 1024 * 1024 * 1024;

/// Open files a worker may hold: the socket, the runtime's own, and the
/// granted directories' files.
const MAX_OPEN_FILES: u64 = 256;

/// Runs after the sandbox is in place and before the guest starts, with
/// the worker's name. Only test builds pass one: it lets a test prove the OS
/// layer stops native code on its own.
pub type SandboxProbe = fn(&str);

/// Whether this process was started as a worker.
pub fn started_as_worker() -> bool {
    std::env::args().nth(1).as_deref() == Some(WORKER_ROLE)
}

/// If this process was started as a worker, runs it and returns its exit
/// code; otherwise returns `None` and the program goes on as usual.
pub fn main_if_worker(probe: Option<SandboxProbe>) -> Option<ExitCode> {
    let mut args = std::env::args();
    let _program = args.next();
    if args.next().as_deref() != Some(WORKER_ROLE) {
        return None;
    }
    let rest: Vec<String> = args.collect();
    let [parent, log_filter] = rest.as_slice() else {
        eprintln!("wasmtron worker: expected <parent-pid> <log-filter>");
        return Some(ExitCode::from(EXIT_USAGE));
    };
    Some(worker_main(parent, log_filter, probe))
}

fn worker_main(parent: &str, log_filter: &str, probe: Option<SandboxProbe>) -> ExitCode {
    // If the host is already gone, or goes, this process goes too.
    let _ = rustix::process::set_parent_process_death_signal(Some(rustix::process::Signal::KILL));
    let parent_alive = rustix::process::getppid()
        .map(|pid| pid.as_raw_nonzero().get().to_string())
        .is_some_and(|pid| pid == parent);
    if !parent_alive {
        return ExitCode::from(EXIT_USAGE);
    }
    init_logging(log_filter);
    crate::memory::keep_large_buffers();
    let socket = match take_socket() {
        Ok(socket) => socket,
        Err(err) => {
            tracing::error!("worker: {err:#}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            tracing::error!("worker: cannot start a runtime: {err}");
            return ExitCode::from(EXIT_LAUNCH);
        }
    };
    runtime.block_on(serve(socket, probe))
}

fn init_logging(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// The host's socket is this process's standard input.
fn take_socket() -> anyhow::Result<StdUnixStream> {
    let fd = std::io::stdin()
        .as_fd()
        .try_clone_to_owned()
        .context("standard input is not open")?;
    let socket = StdUnixStream::from(fd);
    socket
        .set_nonblocking(true)
        .context("standard input is not the host's socket")?;
    Ok(socket)
}

async fn serve(socket: StdUnixStream, probe: Option<SandboxProbe>) -> ExitCode {
    let socket = match UnixStream::from_std(socket) {
        Ok(socket) => socket,
        Err(err) => {
            tracing::error!("worker: standard input is not the host's socket: {err}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let (mut reader, mut writer) = socket.into_split();
    let start = match handshake(&mut reader, &mut writer).await {
        Ok(start) => start,
        Err(err) => {
            tracing::error!("worker: {err}");
            return ExitCode::from(EXIT_PROTOCOL);
        }
    };
    let name = start.name.clone();
    // The component is loaded and its granted directories opened now,
    // while paths can still be opened.
    let loaded = load(start).and_then(|spec| {
        let prepared = super::PreparedWasi::new(&spec)?;
        Ok((spec, prepared))
    });
    let (spec, prepared) = match loaded {
        Ok(loaded) => loaded,
        Err(err) => {
            let message = format!("{err:#}");
            tracing::error!(component = %name, "worker: {message}");
            let exited = WorkerToHost::Exited {
                reason: wasmtron_wire::ExitReason::LaunchFailed { message },
            };
            let _ = frame::write(&mut writer, &exited).await;
            return ExitCode::from(EXIT_LAUNCH);
        }
    };
    let granted = |writable: bool| -> Vec<std::path::PathBuf> {
        spec.grants
            .dirs
            .iter()
            .filter(|d| d.writable == writable)
            .map(|d| d.host.clone())
            .collect()
    };
    let report = sandbox::apply(&sandbox::Policy {
        read_only_dirs: granted(false),
        read_write_dirs: granted(true),
        address_space_bytes: ADDRESS_SPACE,
        max_open_files: MAX_OPEN_FILES,
    });
    let (host_side, worker_side) = connection_pair();
    if !report.layers().iter().any(|(_, layer)| layer.is_in_force()) {
        let _ = worker_side.to_host.send(WorkerToHost::Log {
            level: wasmtron_wire::log::Level::Error,
            message: "no OS sandbox layer could be applied".into(),
        });
    }
    for warning in report.warnings() {
        tracing::warn!(component = %name, "{warning}");
        let _ = worker_side.to_host.send(WorkerToHost::Log {
            level: wasmtron_wire::log::Level::Warn,
            message: format!("{warning}; the worker runs with the Wasm boundary alone there"),
        });
    }
    if let Some(probe) = probe {
        probe(&name);
    }

    // The host is trusted to keep its frames sensible, but not to the byte:
    // a UI event or an error message rides beside a payload at the limit.
    let max_frame = spec
        .limits
        .max_message_bytes
        .saturating_mul(2)
        .saturating_add(FRAME_OVERHEAD + 2 * 1024 * 1024);
    let writing = tokio::spawn(write_frames(writer, host_side.from_worker));
    tokio::spawn(read_frames(reader, max_frame, host_side.to_worker));
    // A worker process is ended by a signal, never interrupted.
    super::run(spec, worker_side, Some(prepared), Default::default()).await;
    // Everything the worker said, its exit reason last, reaches the host
    // before the process ends.
    let _ = writing.await;
    ExitCode::SUCCESS
}

async fn handshake(
    reader: &mut OwnedReadHalf,
    writer: &mut OwnedWriteHalf,
) -> Result<Start, FrameError> {
    let hello: Hello = frame::expect(reader, 4096, "the host's hello").await?;
    let answer = WorkerHello {
        hello: Hello::current(),
        pid: std::process::id(),
    };
    // Answer even a mismatched host, so that it can say what went wrong.
    frame::write(writer, &answer).await?;
    hello.check()?;
    frame::expect(reader, MAX_START_FRAME, "the component to run").await
}

/// Turns the host's `Start` into a worker spec with a loaded component.
fn load(start: Start) -> anyhow::Result<WorkerSpec> {
    let world = match start.world.as_str() {
        "renderer" => World::Renderer,
        "utility" => World::Utility,
        other => anyhow::bail!("cannot run a `{other}` component in a worker"),
    };
    let engine = crate::engine::new()?;
    let component = deserialize(&engine, &start.component)?;
    Ok(WorkerSpec {
        name: start.name,
        world,
        component,
        channels: start.channels.into_iter().collect(),
        limits: start.limits,
        grants: start.grants,
    })
}

/// Loads a component the host compiled and serialized with the same engine
/// configuration.
#[allow(unsafe_code)]
fn deserialize(engine: &wasmtime::Engine, bytes: &[u8]) -> anyhow::Result<Component> {
    // SAFETY: `Component::deserialize` trusts its input to be wasmtime's own
    // output. These bytes are: the host produced them with
    // `Component::serialize` and sent them over a socket pair it created
    // and handed only to this process, before any guest code ran here.
    // wasmtime still checks the engine's compatibility header.
    unsafe { Component::deserialize(engine, bytes) }
        .map_err(anyhow::Error::from)
        .context("cannot load the component the host sent")
}

/// Forwards the host's frames into the worker's connection. A frame that
/// does not decode ends the worker: the host is the only peer, and it does
/// not send those. When the host closes the connection, the worker's
/// events end and it exits cleanly.
async fn read_frames(
    reader: OwnedReadHalf,
    max_frame: usize,
    to_worker: UnboundedSender<HostToWorker>,
) {
    if let Err(err) = pump::read_frames(reader.as_ref(), max_frame, &to_worker).await {
        tracing::error!("worker: dropping the connection: {err}");
        std::process::exit(i32::from(EXIT_PROTOCOL));
    }
}

/// Writes the worker's messages to the host, up to and including its exit
/// message.
async fn write_frames(writer: OwnedWriteHalf, mut from_worker: UnboundedReceiver<WorkerToHost>) {
    let last = |message: &WorkerToHost| matches!(message, WorkerToHost::Exited { .. });
    let _ = pump::write_frames(writer.as_ref(), &mut from_worker, last).await;
}
