//! The bindings `wit-bindgen` generates from the WIT package in `wit/`: the
//! only place in the crate that runs `generate!`.
//!
//! The interfaces every world imports (`types`, `log`, `ports`) are generated
//! once, at this module's root, from a world that imports nothing else. Each
//! world then has a submodule ([`main`], [`renderer`], [`utility`]) holding
//! only what is its own (the interfaces only it imports, its `*-events`
//! export and the macro that exports it) and pointing at the root for the
//! shared interfaces, so a `MessagePort` or an `IpcError` is one type in
//! every world.
//!
//! A component is one world, so the three world modules never meet in one
//! component: the export macro a guest calls picks the world, and unused
//! imports are pruned when the module becomes a component
//! (docs/guest-sdk.md, "Why one crate holds three worlds").

wit_bindgen::generate!({
    path: "../wit",
    // Not a copy of the WIT: a world of this crate's own that selects the
    // shared interfaces of the package in `path` (`types` comes with them).
    inline: "
        package wasmtron:guest-sdk;

        world shared {
            import wasmtron:app/log@0.1.0;
            import wasmtron:app/ports@0.1.0;
            import wasmtron:app/calls@0.1.0;
        }
    ",
    generate_all,
    // Errors and options a guest can compare (`err == DialogError::Closed`),
    // as the Rust types they stand for can.
    additional_derives: [PartialEq, Eq],
});

/// Generates world `$world`'s own bindings in the current module, reusing the
/// shared interfaces from this module's root. `$module` is the path to the
/// current module as guests see it, for the generated export macro.
/// `$derives` are the traits its types derive beyond the generated ones.
macro_rules! world {
    (
        $world:tt, $export_macro:tt, $module:tt, [$($derive:path),*]
        $(, $interface:literal => $path:path)*
    ) => {
        wit_bindgen::generate!({
            path: "../wit",
            world: $world,
            with: {
                "wasmtron:app/types@0.1.0": crate::wit::wasmtron::app::types,
                "wasmtron:app/log@0.1.0": crate::wit::wasmtron::app::log,
                "wasmtron:app/ports@0.1.0": crate::wit::wasmtron::app::ports,
                $($interface: $path,)*
            },
            additional_derives: [$($derive),*],
            pub_export_macro: true,
            export_macro_name: $export_macro,
            default_bindings_module: $module,
        });
    };
}

/// The `main` world: the imports only main has and `main-events`.
pub mod main {
    world!(
        "wasmtron:app/main@0.1.0",
        "__export_main_world",
        "wasmtron_guest::__internal::main",
        [PartialEq, Eq],
        "wasmtron:app/calls@0.1.0" => crate::wit::wasmtron::app::calls
    );
}

/// The `renderer` world: `bridge`, `dom` and `renderer-events`. Its types
/// are `PartialEq` but not `Eq`: a pointer's coordinates are `f64`.
pub mod renderer {
    world!(
        "wasmtron:app/renderer@0.1.0",
        "__export_renderer_world",
        "wasmtron_guest::__internal::renderer",
        [PartialEq]
    );
}

/// The `utility` world: `parent-port` and `utility-events`.
pub mod utility {
    world!(
        "wasmtron:app/utility@0.1.0",
        "__export_utility_world",
        "wasmtron_guest::__internal::utility",
        [PartialEq, Eq],
        "wasmtron:app/calls@0.1.0" => crate::wit::wasmtron::app::calls
    );
}
