//! wasmtron's side of the benchmark: an app with one headless window, a
//! main component and three utilities, driven through pushes to the
//! window's renderer, which measures from inside its worker and reports to a
//! native handler.

use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use serde_json::{Value, json};
use wasmtron::window::HeadlessBackend;
use wasmtron::{App, Isolation, Manifest, NativeHandler};

/// How long one measurement may take before the run gives up on it.
const PATIENCE: Duration = Duration::from_secs(120);

const MANIFEST: &str = r#"
[app]
name = "wasmtron-bench"

[main]
component = "dist/bench_main.wasm"
# It times fork → first message with its own clock.
precise-clocks = true

[[window]]
label = "bench"
renderer = "dist/bench_renderer.wasm"
ui = "ui"
entry = "index.html"
channels = ["echo", "report", "sink", "sink-count", "soak-echo", "connect", "fork-bench", "idle", "http"]
# It times microsecond round trips with its own clock, and sends 20,000
# messages in a burst (main's default queue for one sender is 10,000).
precise-clocks = true
limits = { max-queued-messages = 100000 }
# The typed-call rows: main provides `bench:app/calls`.
imports = { "bench:app/calls" = "main" }

[limits]
max-message-bytes = 4194304

[[utility]]
name = "echo"
component = "dist/bench_utility.wasm"

[[utility]]
name = "probe"
component = "dist/bench_utility.wasm"

[[utility]]
name = "idle"
component = "dist/bench_utility.wasm"

# The outbound-HTTP rows: requests to the bench's own server.
[[utility]]
name = "http"
component = "dist/http_utility.wasm"
allowed-hosts = ["HTTP_ORIGIN"]
"#;

const PAGE: &str = include_str!("../ui/index.html");

/// A running bench app and the reports its window sends.
pub struct BenchApp {
    pub app: App,
    windows: Arc<HeadlessBackend>,
    reports: Receiver<Value>,
    /// The port of the HTTP server the `http` utility may reach.
    pub http_port: u16,
    _dir: tempfile::TempDir,
}

impl BenchApp {
    /// Starts the app from the guests built into `guests`; its workers run
    /// `worker` when given (as the `wasmtron` command runs
    /// `wasmtron-worker`), else this program.
    pub fn start(
        guests: &Path,
        isolation: Isolation,
        worker: Option<&Path>,
    ) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        std::fs::create_dir_all(dir.path().join("dist"))?;
        std::fs::create_dir_all(dir.path().join("ui"))?;
        for guest in [
            "bench_main",
            "bench_renderer",
            "bench_utility",
            "http_utility",
        ] {
            let from = guests.join(format!("{guest}.wasm"));
            std::fs::copy(&from, dir.path().join(format!("dist/{guest}.wasm")))
                .with_context(|| format!("cannot copy {}", from.display()))?;
        }
        std::fs::write(dir.path().join("ui/index.html"), PAGE)?;
        let http_port = crate::http_server::start()?;
        let manifest = MANIFEST.replace("HTTP_ORIGIN", &format!("http://127.0.0.1:{http_port}"));
        std::fs::write(dir.path().join("wasmtron.toml"), manifest)?;
        let manifest = Manifest::load(dir.path())?;
        let windows = Arc::new(HeadlessBackend::new());
        let (report_tx, reports) = channel();
        let mut builder = App::builder(manifest, windows.clone());
        if let Some(worker) = worker {
            builder = builder.worker_program(worker);
        }
        let app = builder
            .isolation(isolation)
            .native_handler("echo", echo())
            .native_handler("report", report(report_tx))
            .start()?;
        let bench = BenchApp {
            app,
            windows,
            reports,
            http_port,
            _dir: dir,
        };
        bench.wait_loaded()?;
        Ok(bench)
    }

    fn wait_loaded(&self) -> anyhow::Result<()> {
        let deadline = Instant::now() + PATIENCE;
        while self.windows.text("bench", "#status").as_deref() != Some("loaded") {
            if Instant::now() > deadline {
                bail!("the bench window never loaded");
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        Ok(())
    }

    /// Asks the window to run `run` and waits for its report.
    pub fn run(&self, run: &Value) -> anyhow::Result<Value> {
        let scenario = run["scenario"].as_str().unwrap_or_default().to_owned();
        self.app
            .push("bench", "run", run.to_string().into_bytes())
            .context("cannot push to the bench window")?;
        let report = self
            .reports
            .recv_timeout(PATIENCE)
            .with_context(|| format!("no report for `{scenario}`"))?;
        if let Some(error) = report["error"].as_str() {
            bail!("`{scenario}` failed: {error}");
        }
        if report["scenario"] != json!(scenario) {
            bail!("expected a `{scenario}` report, got {report}");
        }
        Ok(report)
    }

    /// The resident memory of the worker with `pid`, from the OS.
    pub fn resident_bytes(&self, pid: u32) -> Option<u64> {
        self.app
            .metrics()
            .into_iter()
            .find(|m| m.pid == pid)
            .map(|m| m.resident_bytes)
    }
}

fn echo() -> NativeHandler {
    Arc::new(|_sender, payload| Box::pin(async move { Ok(payload) }))
}

fn report(reports: Sender<Value>) -> NativeHandler {
    let reports = std::sync::Mutex::new(reports);
    Arc::new(move |_sender, payload| {
        let value: Value = serde_json::from_slice(&payload)
            .unwrap_or_else(|err| json!({ "scenario": "?", "error": err.to_string() }));
        if let Ok(reports) = reports.lock() {
            let _ = reports.send(value);
        }
        Box::pin(async move { Ok(Vec::new()) })
    })
}
