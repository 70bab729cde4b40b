//! Host-side bindings generated from `wit/`, one module per world.
//!
//! The `types`, `log` and `ports` interfaces are generated once (in
//! `main`) and shared, so an `IpcError` or a `MessagePort` is the same Rust
//! type whichever world it crosses.

pub mod main {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "wasmtron:app/main@0.1.0",
        imports: { default: async },
        exports: { default: async },
    });
}

pub mod renderer {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "wasmtron:app/renderer@0.1.0",
        imports: { default: async },
        exports: { default: async },
        with: {
            "wasmtron:app/types": crate::bindings::main::wasmtron::app::types,
            "wasmtron:app/log": crate::bindings::main::wasmtron::app::log,
            "wasmtron:app/ports": crate::bindings::main::wasmtron::app::ports,
        },
    });
}

pub mod utility {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "wasmtron:app/utility@0.1.0",
        imports: { default: async },
        exports: { default: async },
        with: {
            "wasmtron:app/types": crate::bindings::main::wasmtron::app::types,
            "wasmtron:app/log": crate::bindings::main::wasmtron::app::log,
            "wasmtron:app/ports": crate::bindings::main::wasmtron::app::ports,
        },
    });
}
