//! A main component that serves its windows' content
//! (`wasmtron:app/content`) for the content tests.

mod serve;

/// The content interface's bindings; the glue wit-bindgen generates is
/// unsafe code.
#[allow(unsafe_code)]
mod bindings {
    wit_bindgen::generate!({
        path: ["../../../wit", "../content-wit"],
        world: "probe:content/serves",
    });

    type Served = super::serve::Serve<super::Main>;

    export!(Served);
}

#[derive(Default)]
struct Main;

impl serve::Named for Main {
    const NAME: &'static str = "main";
}

impl wasmtron_guest::Main for Main {}

wasmtron_guest::export_main!(Main);
