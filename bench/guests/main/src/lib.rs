//! The benchmark's main: counts what the window sends, answers the soak's
//! invokes with what they carried, sets up the port between the window and
//! the `echo` utility, and times fork → first message of the `probe`
//! utility, one instance after another.

use std::time::Instant;

use serde_json::json;
use wasmtron_guest::{
    HandlerError, Main, Payload, ProcessGone, Request, UtilityMessage, UtilityProcess, ipc, log,
    ports, utilities, windows,
};

/// The window that asks for every measurement.
const WINDOW: &str = "bench";

#[derive(Default)]
struct BenchMain {
    sunk: u64,
    echo: Option<UtilityProcess>,
    idle: Option<UtilityProcess>,
    /// The probe instance being timed, with when it was forked.
    probe: Option<(UtilityProcess, Instant)>,
    forks_left: u32,
    fork_samples: Vec<f64>,
    /// The `http` utility (`wasi:http`), forked on the first `http`.
    http: Option<UtilityProcess>,
}

impl BenchMain {
    fn connect(&mut self) -> Result<Payload, HandlerError> {
        let echo = utilities::fork("echo")?;
        let (window_end, utility_end) = ports::create_channel();
        windows::post_message(WINDOW, "port", &(), vec![window_end])?;
        echo.post_message_with_ports(&"port", vec![utility_end])?;
        self.echo = Some(echo);
        Request::reply("connected")
    }

    fn fork_probe(&mut self) {
        let started = Instant::now();
        match utilities::fork("probe") {
            Ok(probe) => {
                if let Err(err) = probe.post_message(&"ping") {
                    log::error(&format!("cannot ping the probe: {}", err.message));
                }
                self.probe = Some((probe, started));
            }
            Err(err) => self.push_report(&json!({ "scenario": "fork", "error": err.to_string() })),
        }
    }

    fn push_report(&self, value: &serde_json::Value) {
        let bytes = value.to_string().into_bytes();
        if let Err(err) = windows::push_raw(WINDOW, "report", &bytes) {
            log::error(&format!("cannot report: {}", err.message));
        }
    }
}

impl Main for BenchMain {
    fn on_ready(&mut self) {
        for channel in [
            "sink-count",
            "soak-echo",
            "connect",
            "fork-bench",
            "idle",
            "http",
        ] {
            ipc::handle(channel);
        }
    }

    fn handle(&mut self, request: Request) -> Result<Payload, HandlerError> {
        match request.channel.as_str() {
            "sink-count" => Request::reply(&std::mem::take(&mut self.sunk)),
            "soak-echo" => Ok(request.payload),
            "connect" => self.connect(),
            "fork-bench" => {
                self.forks_left = request.decode::<u32>()?;
                self.fork_samples.clear();
                self.fork_probe();
                Request::reply("started")
            }
            "idle" => {
                let idle = utilities::fork("idle")?;
                let pid = idle.pid().map(|p| p.to_string()).unwrap_or_default();
                self.idle = Some(idle);
                self.push_report(&json!({ "scenario": "idle", "pid": pid }));
                Request::reply("forked")
            }
            // `CHANNEL|ARG` for the `http` utility: `get-size|URL` makes a
            // request; `echo|TEXT` is the same path without one.
            "http" => {
                let text = String::from_utf8_lossy(&request.payload).into_owned();
                let (channel, arg) = text
                    .split_once('|')
                    .ok_or_else(|| HandlerError::new("bad-payload", "CHANNEL|ARG"))?;
                if self.http.is_none() {
                    self.http = Some(utilities::fork("http")?);
                }
                let http = self
                    .http
                    .as_ref()
                    .ok_or_else(|| HandlerError::new("gone", "no http utility"))?;
                let reply: String = http.invoke(channel, &arg.to_owned())?;
                Request::reply(&reply)
            }
            other => Err(HandlerError::new("unknown", format!("no channel {other}"))),
        }
    }

    fn on_message(&mut self, _message: Request) {
        self.sunk += 1;
    }

    fn on_utility_message(&mut self, message: UtilityMessage) {
        let Some((probe, started)) = &self.probe else {
            return;
        };
        if message.name != probe.name() {
            return;
        }
        self.fork_samples
            .push(started.elapsed().as_secs_f64() * 1e3);
        self.forks_left = self.forks_left.saturating_sub(1);
        // The next one is forked once this one is gone.
        probe.kill();
    }

    fn on_process_gone(&mut self, gone: ProcessGone) {
        let ours = self
            .probe
            .as_ref()
            .is_some_and(|(probe, _)| probe.name() == gone.name);
        if !ours {
            return;
        }
        self.probe = None;
        if self.forks_left > 0 {
            self.fork_probe();
        } else {
            let samples = std::mem::take(&mut self.fork_samples);
            self.push_report(&json!({ "scenario": "fork", "samples_ms": samples }));
        }
    }
}

wasmtron_guest::export_main!(BenchMain);

/// `bench:app/calls`, which main provides to the window for the typed-call
/// rows: each function gives back what it was given.
#[allow(unsafe_code)] // the glue wit-bindgen generates
mod typed {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "bench:app/provider",
    });

    struct Calls;

    impl exports::bench::app::calls::Guest for Calls {
        fn text(s: String) -> String {
            s
        }

        fn record(r: exports::bench::app::calls::Ten) -> exports::bench::app::calls::Ten {
            r
        }

        fn bytes(b: Vec<u8>) -> Vec<u8> {
            b
        }
    }

    export!(Calls);
}
