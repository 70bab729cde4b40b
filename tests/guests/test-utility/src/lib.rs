//! The utility worker the integration tests fork from the test main
//! component. Messages and channels each exercise one behaviour of the host:
//! replies, bursts, slow handlers, traps and unbounded memory growth.

use wasmtron_guest::{HandlerError, Payload, Request, Utility, decode, log, parent_port};

/// How much `grow` allocates per step.
const CHUNK_BYTES: usize = 1 << 20;

#[derive(Default)]
struct TestUtility;

/// Posts `text` to main, logging when the post fails.
fn post(text: &str) {
    if let Err(err) = parent_port::post_message(text) {
        log::error(&format!("cannot post to main: {err}"));
    }
}

/// Keeps the worker busy for `ms` milliseconds.
fn spin(ms: u64) {
    let start = std::time::Instant::now();
    while start.elapsed().as_millis() < u128::from(ms) {
        std::hint::spin_loop();
    }
}

/// Allocates 1 MiB after 1 MiB and never frees any, until the host's memory
/// limit stops the worker.
fn grow() -> ! {
    let mut chunks: Vec<Vec<u8>> = Vec::new();
    loop {
        // Non-zero bytes, so every page is really written.
        chunks.push(vec![0xA5; CHUNK_BYTES]);
        // Keeps the optimiser from proving the chunks unused.
        std::hint::black_box(&mut chunks);
    }
}

impl Utility for TestUtility {
    fn on_message(&mut self, payload: Payload) {
        let text: String = match decode(&payload) {
            Ok(text) => text,
            Err(err) => {
                log::error(&format!(
                    "test-utility got a message that is not text: {err}"
                ));
                return;
            }
        };
        if text == "trap" {
            panic!("utility trapped on purpose");
        }
        if let Some(count) = text.strip_prefix("burst:") {
            let count: u32 = count.parse().unwrap_or(0);
            for i in 1..=count {
                post(&i.to_string());
            }
            return;
        }
        post(&format!("echo:{text}"));
    }

    fn handle(&mut self, request: Request) -> Result<Payload, HandlerError> {
        match request.channel.as_str() {
            "echo" => Ok(request.payload),
            "spin" => {
                spin(request.decode()?);
                Request::reply("spun")
            }
            "trap" => panic!("utility trapped on purpose"),
            "grow" => grow(),
            // File access through WASI: only granted folders are there.
            "read" => {
                let path: String = request.decode()?;
                Request::reply(&match std::fs::read_to_string(&path) {
                    Ok(text) => format!("read:{text}"),
                    Err(err) => format!("denied:{}", err.kind()),
                })
            }
            "write" => {
                let path: String = request.decode()?;
                Request::reply(&match std::fs::write(&path, "written by the utility") {
                    Ok(()) => "written".to_owned(),
                    Err(err) => format!("denied:{}", err.kind()),
                })
            }
            other => Err(HandlerError::new(
                "no-handler",
                format!("test-utility has no handler for `{other}`"),
            )),
        }
    }
}

wasmtron_guest::export_utility!(TestUtility);
