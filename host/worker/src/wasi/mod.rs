//! The WASI context a component gets: empty unless granted, with its
//! stdout and stderr turned into log lines.

mod refusals;
mod stdio;

pub use refusals::{REFUSALS_PER_SECOND, Refusals, Refusing, watch_refusals};
pub use stdio::{OutputSink, OutputTail};

use anyhow::Context as _;
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder};

use stdio::LogStream;
use wasmtron_wire::Grants;

/// Builds the WASI context for the component `name`: only the granted
/// directories (opened now) over an empty read-only root, environment and
/// arguments, every socket address and name lookup denied, clocks
/// coarsened to [`CLOCK_STEP`] (unless precise clocks were granted), stdin
/// empty, and stdout/stderr written to the host log under `name`; with
/// what its refusals are logged by (see [`watch_refusals`]).
///
/// `stderr_tail` keeps the last lines of stderr, for crash reports.
///
/// # Errors
/// When a granted directory, or the empty root, cannot be opened.
pub fn wasi_context(
    name: &str,
    grants: &Grants,
    stderr_tail: &OutputTail,
    output: &OutputSink,
) -> anyhow::Result<(WasiCtx, Refusals)> {
    let mut builder = WasiCtxBuilder::new();
    let granted: Vec<String> = grants
        .dirs
        .iter()
        .map(|dir| {
            let access = if dir.writable {
                "read-write"
            } else {
                "read-only"
            };
            format!("{} ({access})", dir.guest)
        })
        .collect();
    let mut refusals = Refusals::new(name, output.clone(), &granted);
    refusals.add_empty_root(&mut builder)?;
    for dir in &grants.dirs {
        let perms = if dir.writable {
            FsPerms::ReadWrite
        } else {
            FsPerms::ReadOnly
        };
        builder
            .preopened_dir(&dir.host, &dir.guest, perms)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("cannot open the granted directory {}", dir.host.display()))?;
    }
    if !grants.precise_clocks {
        builder
            .wall_clock(CoarseWallClock)
            .monotonic_clock(CoarseMonotonicClock::default());
    }
    builder
        .stdout(LogStream::stdout(name, output.clone()))
        .stderr(LogStream::stderr(name, stderr_tail.clone(), output.clone()))
        .allow_ip_name_lookup(false)
        .socket_addr_check(|_, _| Box::pin(async { false }))
        .envs(&grants.env)
        .args(&grants.args);
    Ok((builder.build(), refusals))
}

/// The finest step of the clocks a component reads. Like a browser's timer
/// coarsening, it blunts timing side channels (cache probing across the
/// process boundary); a millisecond is still fine enough for timestamps,
/// timeouts and animation.
pub const CLOCK_STEP: std::time::Duration = std::time::Duration::from_millis(1);

/// The system's wall clock, rounded down to [`CLOCK_STEP`].
struct CoarseWallClock;

impl wasmtime_wasi::HostWallClock for CoarseWallClock {
    fn resolution(&self) -> std::time::Duration {
        CLOCK_STEP
    }

    fn now(&self) -> std::time::Duration {
        let since_epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let step = CLOCK_STEP.as_nanos();
        let rounded = since_epoch.as_nanos() / step * step;
        std::time::Duration::from_nanos(u64::try_from(rounded).unwrap_or(u64::MAX))
    }
}

/// A monotonic clock in nanoseconds since the context was made, rounded
/// down to [`CLOCK_STEP`].
struct CoarseMonotonicClock {
    start: std::time::Instant,
}

impl Default for CoarseMonotonicClock {
    fn default() -> Self {
        CoarseMonotonicClock {
            start: std::time::Instant::now(),
        }
    }
}

impl wasmtime_wasi::HostMonotonicClock for CoarseMonotonicClock {
    fn resolution(&self) -> u64 {
        u64::try_from(CLOCK_STEP.as_nanos()).unwrap_or(u64::MAX)
    }

    fn now(&self) -> u64 {
        let step = CLOCK_STEP.as_nanos();
        let elapsed = self.start.elapsed().as_nanos() / step * step;
        u64::try_from(elapsed).unwrap_or(u64::MAX)
    }
}
