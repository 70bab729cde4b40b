//! What a page posts to the host (JSON from `page.js`, or from a hostile
//! page that replaced it), parsed as the desktop backend parses it.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = wasmtron_wire::page::parse(text);
    }
});
