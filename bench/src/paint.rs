//! Launch → first window painted: the real `wasmtron` binary runs the hello
//! example in a WebKitGTK window on an X display (Xvfb when there is none),
//! and the time runs from spawning it until it logs that the page's first
//! frame was drawn (`page painted`, reported by the page itself from its
//! second animation frame after loading).

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc::channel;
use std::time::{Duration, Instant};

use anyhow::Context as _;

use crate::display::Display;

const PATIENCE: Duration = Duration::from_secs(60);

/// Milliseconds from spawning `wasmtron run <app>` to its first painted
/// frame: the first launch with an empty compile cache (every component
/// compiled), then `warm` launches that load them from the cache it filled.
pub struct Paint {
    pub cold: f64,
    pub warm: Vec<f64>,
}

pub fn first_paint(wasmtron: &Path, app: &Path, warm: u32) -> anyhow::Result<Paint> {
    let display = Display::get()?;
    let cache = tempfile::tempdir().context("cannot make a compile cache folder")?;
    let cold = launch(wasmtron, &[], app, display.name(), cache.path())?;
    let mut samples = Vec::new();
    for _ in 0..warm {
        samples.push(launch(wasmtron, &[], app, display.name(), cache.path())?);
    }
    Ok(Paint {
        cold,
        warm: samples,
    })
}

/// Milliseconds from spawning `wasmtron run OPTIONS APP` to the page's
/// first painted frame, with the compile cache in `cache`.
pub fn launch(
    wasmtron: &Path,
    options: &[&std::ffi::OsStr],
    app: &Path,
    display: &str,
    cache: &Path,
) -> anyhow::Result<f64> {
    let started = Instant::now();
    let mut child = Command::new(wasmtron)
        .arg("run")
        .args(options)
        .arg(app)
        .env("DISPLAY", display)
        .env(wasmtron::CACHE_ENV, cache)
        .env("WASMTRON_LOG", "info")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run {}", wasmtron.display()))?;
    let stderr = child.stderr.take().context("no stderr")?;
    let (lines, painted) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("page painted") {
                let _ = lines.send(started.elapsed());
            }
        }
    });
    let waited = painted.recv_timeout(PATIENCE);
    let _ = child.kill();
    let _ = child.wait();
    let elapsed = waited.context("the window never reported a painted frame")?;
    Ok(elapsed.as_secs_f64() * 1e3)
}
