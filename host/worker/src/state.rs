//! The store data every worker component runs with.

use wasmtime::ResourceLimiter;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::client::BridgeClient;
use wasmtron_wire::link::LinkEnd;

/// A worker component's store data: its (empty unless granted) WASI
/// context, its link to the host, and its memory cap.
pub(crate) struct WorkerState {
    pub(super) wasi: WasiCtx,
    /// What its refusals at the WASI boundary are logged by.
    pub(super) refusals: crate::wasi::Refusals,
    pub(super) table: ResourceTable,
    pub(crate) bridge: BridgeClient,
    pub(super) memory: MemoryCap,
    /// CPU time per call.
    pub(super) cpu: crate::engine::CpuBudget,
    /// The guest's last stderr lines, quoted when it traps.
    pub(super) stderr_tail: crate::wasi::OutputTail,
    /// The ports the component holds.
    pub(super) ports: crate::HeldPorts<wasmtron_wire::HostToWorker>,
    /// The ports linked straight to their peer's worker, by port id.
    pub(super) links: std::collections::HashMap<u64, LinkEnd<wasmtron_wire::HostToWorker>>,
    /// Told a port's id when its link brings something.
    pub(super) link_wake: tokio::sync::mpsc::UnboundedSender<u64>,
    /// Messages the component posted through the host to a port it holds
    /// itself (both ends of a channel here), by that port, not arrived back
    /// yet: with what waits unstarted there, they count toward its
    /// `max-queued-messages`.
    pub(super) to_self: std::collections::HashMap<u64, usize>,
    /// Who made the typed call running now, if one is.
    pub(super) caller: Option<wasmtron_wire::Sender>,
    /// `wasi:http`'s context, and the hooks that carry requests to the
    /// host (linked only with `allowed-hosts`).
    pub(super) http: wasmtime_wasi_http::WasiHttpCtx,
    pub(super) http_hooks: crate::http::HttpHooks,
}

impl WasiView for WorkerState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl wasmtime_wasi_http::WasiHttpView for WorkerState {
    fn http(&mut self) -> wasmtime_wasi_http::WasiHttpCtxView<'_> {
        wasmtime_wasi_http::WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.http_hooks,
        }
    }
}

impl crate::wasi::Refusing for WorkerState {
    fn refusals(&self) -> &crate::wasi::Refusals {
        &self.refusals
    }
}

/// Caps a component's linear memory, and remembers a refusal so that the
/// trap that usually follows is reported as `oom` rather than a crash.
#[derive(Debug)]
pub struct MemoryCap {
    pub max_bytes: usize,
    pub refused: Option<usize>,
}

impl MemoryCap {
    /// A cap of `max_bytes` (`max-memory-bytes`), nothing refused yet.
    #[must_use]
    pub fn new(max_bytes: usize) -> Self {
        MemoryCap {
            max_bytes,
            refused: None,
        }
    }

    /// Why a call that trapped after a refused growth ended, naming the
    /// size asked for and the limit; `None` when nothing was refused.
    #[must_use]
    pub fn refusal(&self, trap: &str) -> Option<String> {
        self.refused.map(|desired| {
            format!(
                "linear memory would grow to {desired} bytes, over the {}-byte limit ({trap})",
                self.max_bytes
            )
        })
    }
}

/// Tables are capped too: a guest must not grow host memory through them.
const MAX_TABLE_ELEMENTS: usize = 1 << 20;

impl ResourceLimiter for MemoryCap {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.max_bytes {
            self.refused = Some(desired);
            return Ok(false);
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }
}
