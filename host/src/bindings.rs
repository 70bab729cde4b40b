//! Host-side bindings of the main world, generated from `wit/`.
//!
//! The interfaces every world shares (`types`, `log`, `ports`) come from the
//! worker crate's bindings, so an `IpcError` or a `MessagePort` is the same
//! Rust type whichever world it crosses.

pub mod main {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "wasmtron:app/main@0.1.0",
        imports: { default: async },
        exports: { default: async },
        with: {
            "wasmtron:app/types": wasmtron_worker::bindings::shared::types,
            "wasmtron:app/log": wasmtron_worker::bindings::shared::log,
            "wasmtron:app/ports": wasmtron_worker::bindings::shared::ports,
        },
    });
}
