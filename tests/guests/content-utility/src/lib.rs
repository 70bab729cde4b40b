//! A utility that serves a window's content (`wasmtron:app/content`) for
//! the content tests: the same answers as the main one, named `utility`.

#[path = "../../content-main/src/serve.rs"]
mod serve;

/// The content interface's bindings; the glue wit-bindgen generates is
/// unsafe code.
#[allow(unsafe_code)]
mod bindings {
    wit_bindgen::generate!({
        path: ["../../../wit", "../content-wit"],
        world: "probe:content/serves",
    });

    type Served = super::serve::Serve<super::Plugin>;

    export!(Served);
}

#[derive(Default)]
struct Plugin;

impl serve::Named for Plugin {
    const NAME: &'static str = "utility";
}

impl wasmtron_guest::Utility for Plugin {}

wasmtron_guest::export_utility!(Plugin);
