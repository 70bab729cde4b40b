//! Launch → first window painted: the real `wasmtron` binary runs the hello
//! example in a WebKitGTK window on an X display (Xvfb when there is none),
//! and the time runs from spawning it until it logs that the page's first
//! frame was drawn (`page painted`, reported by the page itself from its
//! second animation frame after loading).

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::channel;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

const PATIENCE: Duration = Duration::from_secs(60);

/// An X display for the launches: the caller's, or an Xvfb of our own.
struct Display {
    name: String,
    server: Option<Child>,
}

impl Display {
    fn get() -> anyhow::Result<Self> {
        if let Ok(name) = std::env::var("DISPLAY")
            && !name.is_empty()
        {
            return Ok(Display { name, server: None });
        }
        for number in 90..120 {
            if Path::new(&format!("/tmp/.X11-unix/X{number}")).exists() {
                continue;
            }
            let server = Command::new("Xvfb")
                .arg(format!(":{number}"))
                .args(["-screen", "0", "1280x800x24", "-nolisten", "tcp"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .context("cannot start Xvfb (scripts/install-deps.sh installs it)")?;
            let display = Display {
                name: format!(":{number}"),
                server: Some(server),
            };
            let deadline = Instant::now() + Duration::from_secs(10);
            while !Path::new(&format!("/tmp/.X11-unix/X{number}")).exists() {
                if Instant::now() > deadline {
                    bail!("Xvfb :{number} did not come up");
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            return Ok(display);
        }
        bail!("no free X display number")
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        if let Some(server) = &mut self.server {
            let _ = server.kill();
            let _ = server.wait();
        }
    }
}

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
    let cold = launch(wasmtron, app, &display.name, cache.path())?;
    let mut samples = Vec::new();
    for _ in 0..warm {
        samples.push(launch(wasmtron, app, &display.name, cache.path())?);
    }
    Ok(Paint {
        cold,
        warm: samples,
    })
}

fn launch(wasmtron: &Path, app: &Path, display: &str, cache: &Path) -> anyhow::Result<f64> {
    let started = Instant::now();
    let mut child = Command::new(wasmtron)
        .arg("run")
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
