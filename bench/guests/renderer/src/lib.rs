//! The benchmark's window: runs each measurement the driver asks for (a
//! `run` push) from inside a renderer worker, timing with the guest's own
//! monotonic clock, and hands the samples to the driver's native `report`
//! handler. The soak's rounds run here too: numbered invokes to main and
//! numbered messages echoed by a utility over a port, each checked on its
//! way back.

use std::time::Instant;

use serde::Deserialize;
use serde_json::json;
use wasmtron_guest::{MessagePort, PortMessage, Push, Renderer, bridge, dom, log};

/// What the driver asks for.
#[derive(Deserialize)]
struct Run {
    scenario: String,
    /// What an `http` run asks main: `CHANNEL|ARG` for the `http` utility.
    #[serde(default)]
    text: String,
    #[serde(default)]
    size: usize,
    #[serde(default)]
    iterations: u32,
    /// The soak's first sequence number of this round.
    #[serde(default)]
    first: u64,
}

/// A round trip or a stream in flight on the port.
#[derive(Default)]
enum OnPort {
    #[default]
    Idle,
    RoundTrips {
        payload: Vec<u8>,
        left: u32,
        started: Instant,
        samples: Vec<f64>,
    },
    Stream {
        started: Instant,
        bytes: usize,
    },
    /// A soak round: numbered echoes coming back, `next` expected first.
    Soak {
        started: Instant,
        next: u64,
        left: u32,
        received: u32,
        out_of_order: u32,
    },
}

#[derive(Default)]
struct BenchWindow {
    port: Option<MessagePort>,
    on_port: OnPort,
}

fn micros(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1e6
}

fn report(value: &serde_json::Value) {
    let bytes = value.to_string().into_bytes();
    if let Err(err) = bridge::invoke_raw("report", &bytes) {
        log::error(&format!("cannot report: {}", err.message));
    }
}

fn fail(scenario: &str, message: &str) {
    report(&json!({ "scenario": scenario, "error": message }));
}

/// `bench:app/calls`, provided by main.
#[allow(unsafe_code)] // the glue wit-bindgen generates
mod typed {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "bench:app/user",
    });

    pub use bench::app::calls::*;
}

/// A record of ten fields, about `size` bytes in all.
fn ten(size: usize) -> typed::Ten {
    let text = "t".repeat(size / 4);
    typed::Ten {
        a: 1,
        b: 2,
        c: 3,
        d: u64::MAX,
        e: -5,
        f: 0.5,
        g: true,
        h: text.clone(),
        i: text,
        j: vec![9; size / 4],
    }
}

impl BenchWindow {
    /// Typed calls to main's `bench:app/calls` (`typed-text`, `typed-record`,
    /// `typed-bytes`), each checked on its way back.
    fn typed(run: &Run) {
        let mut samples = Vec::with_capacity(run.iterations as usize);
        let text = "s".repeat(run.size);
        let record = ten(run.size);
        let bytes = vec![7u8; run.size];
        for _ in 0..run.iterations {
            let started = Instant::now();
            let same = match run.scenario.as_str() {
                "typed-text" => typed::text(&text) == text,
                "typed-record" => typed::record(&record).j.len() == record.j.len(),
                _ => typed::bytes(&bytes).len() == bytes.len(),
            };
            if !same {
                return fail(&run.scenario, "a different value came back");
            }
            samples.push(micros(started));
        }
        report(&json!({ "scenario": run.scenario, "size": run.size, "samples_us": samples }));
    }

    /// Invokes main's Wasm handler (`soak-echo`, which gives back its
    /// payload) with `size` bytes: the same work as a typed call, untyped.
    fn invoke_main(run: &Run) {
        let payload = vec![7u8; run.size];
        let mut samples = Vec::with_capacity(run.iterations as usize);
        for _ in 0..run.iterations {
            let started = Instant::now();
            match bridge::invoke_raw("soak-echo", &payload) {
                Ok(reply) if reply.len() == payload.len() => samples.push(micros(started)),
                Ok(reply) => {
                    return fail("invoke-main", &format!("{} bytes came back", reply.len()));
                }
                Err(err) => return fail("invoke-main", &err.message),
            }
        }
        report(&json!({ "scenario": "invoke-main", "size": run.size, "samples_us": samples }));
    }

    /// Asks main to have its `http` utility do `run.text` (a request to
    /// the bench's server, or an echo), checking each answer.
    fn http(run: &Run) {
        let mut samples = Vec::with_capacity(run.iterations as usize);
        let expected = format!("status:200 size:{}", run.size);
        let echo = run.text.strip_prefix("echo|");
        for _ in 0..run.iterations {
            let started = Instant::now();
            let reply = bridge::invoke_raw("http", run.text.as_bytes())
                .map(|bytes| wasmtron_guest::decode::<String>(&bytes).unwrap_or_default());
            match reply {
                Ok(reply) if echo == Some(reply.as_str()) || reply == expected => {
                    samples.push(micros(started));
                }
                Ok(reply) => return fail("http", &format!("the utility said {reply}")),
                Err(err) => return fail("http", &err.message),
            }
        }
        report(&json!({ "scenario": "http", "size": run.size, "samples_us": samples }));
    }

    fn invoke(run: &Run) {
        let payload = vec![7u8; run.size];
        let mut samples = Vec::with_capacity(run.iterations as usize);
        for _ in 0..run.iterations {
            let started = Instant::now();
            match bridge::invoke_raw("echo", &payload) {
                Ok(reply) if reply.len() == payload.len() => samples.push(micros(started)),
                Ok(reply) => return fail("invoke", &format!("{} bytes came back", reply.len())),
                Err(err) => return fail("invoke", &err.message),
            }
        }
        report(&json!({ "scenario": "invoke", "size": run.size, "samples_us": samples }));
    }

    fn send(run: &Run) {
        let payload = vec![7u8; run.size];
        let started = Instant::now();
        for _ in 0..run.iterations {
            if let Err(err) = bridge::send_raw("sink", &payload) {
                return fail("send", &err.message);
            }
        }
        // Main answers after it took every message sent before.
        let counted = bridge::invoke::<_, u64>("sink-count", &());
        let elapsed = micros(started);
        match counted {
            Ok(count) => report(&json!({
                "scenario": "send", "size": run.size, "count": count, "elapsed_us": elapsed
            })),
            Err(err) => fail("send", &err.message),
        }
    }

    /// Numbered invokes to main's `soak-echo`, each reply compared with
    /// what it carried.
    fn soak_invoke(run: &Run) {
        let mut payload = vec![7u8; run.size.max(8)];
        let (mut ok, mut failed, mut mismatched) = (0u64, 0u64, 0u64);
        let mut first_error = String::new();
        let started = Instant::now();
        for seq in run.first..run.first + u64::from(run.iterations) {
            payload[..8].copy_from_slice(&seq.to_le_bytes());
            match bridge::invoke_raw("soak-echo", &payload) {
                Ok(reply) if reply == payload => ok += 1,
                Ok(_) => mismatched += 1,
                Err(err) => {
                    failed += 1;
                    if first_error.is_empty() {
                        first_error = format!("{:?}: {}", err.code, err.message);
                    }
                }
            }
        }
        report(&json!({
            "scenario": "soak-invoke", "ok": ok, "failed": failed,
            "mismatched": mismatched, "first_error": first_error,
            "elapsed_us": micros(started)
        }));
    }

    /// Posts a round's numbered messages to the echo utility at once; they
    /// are counted as they come back (`on_port_message`).
    fn soak_port(&mut self, run: &Run) {
        let Some(port) = &self.port else {
            return fail("soak-port", "no port");
        };
        let started = Instant::now();
        let mut message = [0u8; 9];
        message[0] = b'E';
        for seq in run.first..run.first + u64::from(run.iterations) {
            message[1..].copy_from_slice(&seq.to_le_bytes());
            if let Err(err) = port.post_raw(&message, Vec::new()) {
                return fail("soak-port", &format!("post {seq}: {err}"));
            }
        }
        self.on_port = OnPort::Soak {
            started,
            next: run.first,
            left: run.iterations,
            received: 0,
            out_of_order: 0,
        };
    }

    fn ask_main(scenario: &str, channel: &str, run: &Run) {
        if let Err(err) = bridge::invoke::<_, String>(channel, &run.iterations) {
            fail(scenario, &err.message);
        }
    }

    fn port_round_trips(&mut self, run: &Run) {
        let Some(port) = &self.port else {
            return fail("port-rtt", "no port");
        };
        let mut payload = vec![7u8; run.size.max(1)];
        payload[0] = b'E';
        let started = Instant::now();
        if let Err(err) = port.post_raw(&payload, Vec::new()) {
            return fail("port-rtt", &err.to_string());
        }
        self.on_port = OnPort::RoundTrips {
            payload,
            left: run.iterations,
            started,
            samples: Vec::with_capacity(run.iterations as usize),
        };
    }

    fn port_stream(&mut self, run: &Run) {
        let Some(port) = &self.port else {
            return fail("port-stream", "no port");
        };
        let mut ask = vec![b'S'];
        ask.extend_from_slice(&run.iterations.to_le_bytes());
        let started = Instant::now();
        if let Err(err) = port.post_raw(&ask, Vec::new()) {
            return fail("port-stream", &err.to_string());
        }
        self.on_port = OnPort::Stream { started, bytes: 0 };
    }
}

impl Renderer for BenchWindow {
    fn on_load(&mut self) {
        let _ = dom::set_text("#status", "loaded");
    }

    fn on_push(&mut self, push: Push) {
        match push.channel.as_str() {
            "port" => {
                if let Some(port) = push.ports.into_iter().next() {
                    port.start();
                    self.port = Some(port);
                    report(&json!({ "scenario": "connect" }));
                }
            }
            // Main's results, passed on to the driver.
            "report" => {
                if let Err(err) = bridge::invoke_raw("report", &push.payload) {
                    log::error(&format!("cannot report: {}", err.message));
                }
            }
            "run" => {
                let run: Run = match serde_json::from_slice(&push.payload) {
                    Ok(run) => run,
                    Err(err) => return fail("run", &err.to_string()),
                };
                match run.scenario.as_str() {
                    "invoke" => Self::invoke(&run),
                    "invoke-main" => Self::invoke_main(&run),
                    "http" => Self::http(&run),
                    "typed-text" | "typed-record" | "typed-bytes" => Self::typed(&run),
                    "send" => Self::send(&run),
                    "connect" => Self::ask_main("connect", "connect", &run),
                    "fork" => Self::ask_main("fork", "fork-bench", &run),
                    "idle" => Self::ask_main("idle", "idle", &run),
                    "port-rtt" => self.port_round_trips(&run),
                    "port-stream" => self.port_stream(&run),
                    "soak-invoke" => Self::soak_invoke(&run),
                    "soak-port" => self.soak_port(&run),
                    other => fail(other, "unknown scenario"),
                }
            }
            _ => {}
        }
    }

    fn on_port_message(&mut self, message: PortMessage) {
        match std::mem::take(&mut self.on_port) {
            OnPort::RoundTrips {
                payload,
                left,
                started,
                mut samples,
            } => {
                samples.push(micros(started));
                if left <= 1 {
                    report(&json!({
                        "scenario": "port-rtt", "size": payload.len(), "samples_us": samples
                    }));
                    return;
                }
                let started = Instant::now();
                if let Some(port) = &self.port
                    && let Err(err) = port.post_raw(&payload, Vec::new())
                {
                    return fail("port-rtt", &err.to_string());
                }
                self.on_port = OnPort::RoundTrips {
                    payload,
                    left: left - 1,
                    started,
                    samples,
                };
            }
            OnPort::Stream { started, bytes } => {
                let bytes = bytes + message.data.len();
                if message.data.first() == Some(&b'F') {
                    report(&json!({
                        "scenario": "port-stream", "bytes": bytes, "elapsed_us": micros(started)
                    }));
                } else {
                    self.on_port = OnPort::Stream { started, bytes };
                }
            }
            OnPort::Soak {
                started,
                next,
                left,
                received,
                out_of_order,
            } => {
                let seq = message
                    .data
                    .get(1..9)
                    .and_then(|b| b.try_into().ok())
                    .map(u64::from_le_bytes);
                let in_order = message.data.first() == Some(&b'E') && seq == Some(next);
                let received = received + 1;
                let out_of_order = out_of_order + u32::from(!in_order);
                if left <= 1 {
                    report(&json!({
                        "scenario": "soak-port", "received": received,
                        "out_of_order": out_of_order, "elapsed_us": micros(started)
                    }));
                    return;
                }
                self.on_port = OnPort::Soak {
                    started,
                    next: seq.map_or(next + 1, |s| s + 1),
                    left: left - 1,
                    received,
                    out_of_order,
                };
            }
            OnPort::Idle => log::warn("a port message nobody waited for"),
        }
    }
}

wasmtron_guest::export_renderer!(BenchWindow);
