//! What a page posts to the host (JSON from `page.js`, or from a hostile
//! page that replaced it), parsed as the desktop backend parses it; and the
//! same text as a page's answer to a renderer's reads.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = wasmtron_wire::page::parse(text);
        for read in [
            wasmtron_wire::DomRead::Text {
                selector: "#a".into(),
            },
            wasmtron_wire::DomRead::Count {
                selector: "li".into(),
            },
        ] {
            let _ = wasmtron_wire::parse_page_answer(&read, text, 64);
        }
    }
});
