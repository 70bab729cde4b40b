//! Bindings generated from `wit/` for the worker worlds, and the interfaces
//! every world shares.
//!
//! `types`, `log` and `ports` are generated once (with the renderer world)
//! and reused by the utility world here and by the host's main world, so an
//! `IpcError` or a `MessagePort` is the same Rust type whichever world it
//! crosses.

pub mod renderer {
    wasmtime::component::bindgen!({
        path: "../../wit",
        world: "wasmtron:app/renderer@0.1.0",
        imports: { default: async },
        exports: { default: async },
    });
}

/// The interfaces every world imports, generated once.
pub mod shared {
    pub use super::renderer::wasmtron::app::{log, ports, types};
}

pub mod utility {
    wasmtime::component::bindgen!({
        path: "../../wit",
        world: "wasmtron:app/utility@0.1.0",
        imports: { default: async },
        exports: { default: async },
        with: {
            "wasmtron:app/types": crate::bindings::shared::types,
            "wasmtron:app/log": crate::bindings::shared::log,
            "wasmtron:app/ports": crate::bindings::shared::ports,
        },
    });
}
