//! Outbound HTTP as it crosses the socket: a worker's request frame, read
//! and checked as the host reads it before making any request, and the
//! host's answer frame, as a worker reads it; and the bytes as an origin of
//! the manifest's `allowed-hosts`. Anything may be refused; nothing may
//! panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use wasmtron_wire::http::{Origin, Scheme};
use wasmtron_wire::{HostToWorker, WorkerToHost, frame};

/// The body limit the checks use, small so that the fuzzer reaches it.
const LIMIT: usize = 4096;

fuzz_target!(|body: &[u8]| {
    let allowed = [
        Origin {
            scheme: Scheme::Http,
            host: "127.0.0.1".into(),
            port: 8080,
        },
        Origin {
            scheme: Scheme::Https,
            host: "api.example.com".into(),
            port: 443,
        },
    ];
    if let Ok(WorkerToHost::Http { request, .. }) = frame::decode::<WorkerToHost>(body) {
        if let Ok(origin) = request.check(&allowed, LIMIT) {
            assert!(allowed.contains(&origin));
            assert!(request.body.len() <= LIMIT);
        }
    }
    if let Ok(HostToWorker::HttpAnswer { answer, .. }) = frame::decode::<HostToWorker>(body) {
        let _ = answer.map(|response| response.body.len() <= LIMIT);
    }
    if let Ok(text) = std::str::from_utf8(body) {
        if let Ok(origin) = Origin::parse(text) {
            // What parses once parses again to itself, as the manifest
            // shows it.
            assert_eq!(Origin::parse(&origin.to_string()), Ok(origin));
        }
    }
});
