//! `wasmtron.toml` as anyone could write it, parsed and validated against an
//! app folder that does not exist (so every file it names is missing).

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use wasmtron_manifest::Manifest;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Manifest::parse(text, Path::new("/nonexistent/wasmtron-fuzz-app"));
    }
});
