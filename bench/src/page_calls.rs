//! Page calls in a real window: the `wasmtron` binary runs an app whose
//! window's page (`bench/page-calls/`) calls its renderer's page API
//! (`wasmtron.api.echoBytes` of the test guest page-renderer) and pings the
//! page bridge, in turns, timing both from inside the page; the figures are
//! read from the page's DOM through `wasmtron run --automation`, on an X
//! display (an Xvfb of its own when there is none).

use std::collections::VecDeque;
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use serde_json::{Value, json};

use crate::display::Display;

/// How long the page may take over all its rounds.
const PATIENCE: Duration = Duration::from_secs(600);

/// How often the page is asked whether it is done: rarely, since each
/// question is a script evaluated in the page while it measures.
const POLL: Duration = Duration::from_millis(500);

const MANIFEST: &str = r#"
[app]
name = "wasmtron-bench-page-calls"

[[window]]
label = "bench"
title = "wasmtron bench: page calls"
renderer = "dist/page_renderer.wasm"
ui = "ui"
entry = "index.html"
page-api = "probe:page/api"

[window.imports]
"probe:page/events" = "page"
"#;

const PAGE: &str = include_str!("../page-calls/index.html");
const SCRIPT: &str = include_str!("../page-calls/calls.js");

/// How much the page measures: rounds of every case in turn, batches of
/// each case per round, and milliseconds of warm-up per case.
#[derive(Debug, Clone, Copy)]
pub struct Counts {
    pub rounds: u32,
    pub batches: u32,
    pub warmup_ms: u32,
}

/// One case as the page measured it: the round trips timed together in
/// each sample, and the samples (µs per round trip).
#[derive(Debug)]
pub struct Case {
    pub batch: u64,
    pub samples_us: Vec<f64>,
}

/// What the page reported.
#[derive(Debug)]
pub struct Report {
    /// The smallest step of the page's `performance.now()`, in ms.
    pub clock_step_ms: f64,
    /// The base64 text a call's bytes are encoded to, and a ping carries,
    /// by case (`call-16`, `call-1m`): its length.
    pub encoded: Value,
    raw: Value,
}

impl Report {
    /// The case `name` (`call-16`, `ping-16`, `call-1m`, `ping-1m`,
    /// `base64-1m`).
    pub fn case(&self, name: &str) -> anyhow::Result<Case> {
        let case = &self.raw["cases"][name];
        Ok(Case {
            batch: case["batch"]
                .as_u64()
                .with_context(|| format!("`{name}` has no batch: {case}"))?,
            samples_us: crate::report::samples(case, "samples_us")?,
        })
    }
}

/// Runs the app with `wasmtron` and the page-renderer guest from `guests`
/// and returns what its page measured.
pub fn measure(wasmtron: &Path, guests: &Path, counts: Counts) -> anyhow::Result<Report> {
    let dir = tempfile::tempdir()?;
    std::fs::create_dir_all(dir.path().join("dist"))?;
    std::fs::create_dir_all(dir.path().join("ui"))?;
    let guest = guests.join("page_renderer.wasm");
    std::fs::copy(&guest, dir.path().join("dist/page_renderer.wasm")).with_context(|| {
        format!(
            "cannot copy {} (built by `cargo build --release --target wasm32-wasip2 -p page-renderer`)",
            guest.display()
        )
    })?;
    let page = PAGE
        .replace("{rounds}", &counts.rounds.to_string())
        .replace("{batches}", &counts.batches.to_string())
        .replace("{warmup}", &counts.warmup_ms.to_string());
    std::fs::write(dir.path().join("ui/index.html"), page)?;
    std::fs::write(dir.path().join("ui/calls.js"), SCRIPT)?;
    std::fs::write(dir.path().join("wasmtron.toml"), MANIFEST)?;
    let cache = tempfile::tempdir().context("cannot make a compile cache folder")?;

    let display = Display::get()?;
    let mut app = Automated::spawn(wasmtron, dir.path(), display.name(), cache.path())?;
    let deadline = Instant::now() + PATIENCE;
    let text = loop {
        let answer = app.ask(&json!({"cmd": "text", "window": "bench", "selector": "#result"}));
        if let Ok(Value::String(text)) = &answer
            && !text.is_empty()
        {
            break text.clone();
        }
        if Instant::now() > deadline {
            let progress =
                app.ask(&json!({"cmd": "text", "window": "bench", "selector": "#progress"}));
            bail!(
                "the page did not finish within {PATIENCE:?} (last answer {answer:?}, \
                 progress {progress:?}); wasmtron's last lines:\n{}",
                app.last_lines()
            );
        }
        std::thread::sleep(POLL);
    };
    let raw: Value = serde_json::from_str(&text).context("the page's report is not JSON")?;
    if let Some(error) = raw["error"].as_str() {
        bail!(
            "the page failed: {error}; wasmtron's last lines:\n{}",
            app.last_lines()
        );
    }
    app.quit();
    Ok(Report {
        clock_step_ms: raw["clock_step_ms"].as_f64().unwrap_or(f64::NAN),
        encoded: raw["encoded"].clone(),
        raw,
    })
}

/// How many of the app's last log lines are kept, for errors.
const LOG_LINES: usize = 20;

/// `wasmtron run APP --automation`: one command line in, one answer line
/// out. Killed on drop.
struct Automated {
    child: Child,
    stdin: ChildStdin,
    answers: Receiver<String>,
    next_id: u64,
    log: Arc<Mutex<VecDeque<String>>>,
}

impl Automated {
    fn spawn(wasmtron: &Path, app: &Path, display: &str, cache: &Path) -> anyhow::Result<Self> {
        let mut child = Command::new(wasmtron)
            .arg("run")
            .arg(app)
            .arg("--automation")
            .env("DISPLAY", display)
            .env(wasmtron::CACHE_ENV, cache)
            .env("WASMTRON_LOG", "warn")
            .env("NO_COLOR", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot run {}", wasmtron.display()))?;
        let stdin = child.stdin.take().context("no stdin")?;
        let stdout = child.stdout.take().context("no stdout")?;
        let stderr = child.stderr.take().context("no stderr")?;
        let (lines, answers) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        let log = Arc::new(Mutex::new(VecDeque::new()));
        let kept = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut kept = kept.lock().unwrap_or_else(PoisonError::into_inner);
                if kept.len() == LOG_LINES {
                    kept.pop_front();
                }
                kept.push_back(line);
            }
        });
        Ok(Automated {
            child,
            stdin,
            answers,
            next_id: 0,
            log,
        })
    }

    fn last_lines(&self) -> String {
        let log = self.log.lock().unwrap_or_else(PoisonError::into_inner);
        Vec::from(log.clone()).join("\n")
    }

    /// Sends `command` and waits for its answer: `ok`'s value, or the
    /// error (also when the app has gone).
    fn ask(&mut self, command: &Value) -> Result<Value, String> {
        self.next_id += 1;
        let mut request = command.clone();
        request["id"] = self.next_id.into();
        writeln!(self.stdin, "{request}")
            .and_then(|()| self.stdin.flush())
            .map_err(|e| format!("wasmtron took no command: {e}"))?;
        loop {
            let line = self
                .answers
                .recv_timeout(Duration::from_secs(30))
                .map_err(|_| "wasmtron did not answer".to_owned())?;
            let mut answer: Value =
                serde_json::from_str(&line).map_err(|e| format!("bad answer {line:?}: {e}"))?;
            if answer["id"] != self.next_id {
                continue;
            }
            return match answer.get_mut("ok") {
                Some(ok) => Ok(ok.take()),
                None => Err(answer["error"].to_string()),
            };
        }
    }

    /// Asks the app to end, and waits a little for it.
    fn quit(&mut self) {
        let _ = self.ask(&json!({"cmd": "quit"}));
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Automated {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
