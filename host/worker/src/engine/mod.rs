//! The wasmtime engine configuration a worker runs code under, and the CPU
//! budget of each call.
//!
//! A worker never compiles: the host compiles each component with the same
//! configuration plus Cranelift and sends the result, which the worker only
//! deserializes. This crate's wasmtime therefore has no compiler; the host
//! adds one to the same [`config`].

mod budget;

pub use budget::{CpuBudget, Stopped, TICK};

use anyhow::Context as _;

/// The configuration every engine of wasmtron starts from, in the host and
/// in workers: a compiled component is loaded only by an engine whose
/// settings match the ones it was compiled with.
pub fn config() -> wasmtime::Config {
    let mut config = wasmtime::Config::new();
    config.wasm_component_model(true);
    // CPU time per call (see `budget`): compiled code checks the epoch.
    config.epoch_interruption(true);
    config
}

/// An engine from [`config`] whose epoch the CPU-time ticker advances.
///
/// # Errors
/// When wasmtime rejects the configuration (for example, an unsupported CPU).
pub fn new() -> anyhow::Result<wasmtime::Engine> {
    let engine = wasmtime::Engine::new(&config())
        .map_err(anyhow::Error::from)
        .context("cannot create the wasmtime engine")?;
    budget::register(&engine);
    Ok(engine)
}

/// How many bytes one call from a component into the host may bring: as much
/// as the component's memory may hold (`max-memory-bytes`), and never less
/// than wasmtime's own default (128 MiB). With less, a payload larger than the
/// allowance failed while it was being copied, and the component ended as
/// `crashed`; with this, every payload the component can make reaches the
/// host's own check and is refused as `too-large`, and the host still
/// allocates no more for one call than the component's memory could hold.
#[must_use]
pub fn hostcall_fuel(limits: &wasmtron_wire::Limits) -> usize {
    const WASMTIME_DEFAULT: usize = 128 << 20;
    limits
        .max_memory_bytes
        .max(WASMTIME_DEFAULT)
        .saturating_add(1 << 20)
}
