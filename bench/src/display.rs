//! An X display for the rows that run a real window: the caller's
//! (`DISPLAY`), or an Xvfb of the bench's own, stopped when dropped.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

/// An X display: the caller's, or an Xvfb of our own.
pub struct Display {
    name: String,
    server: Option<Child>,
}

impl Display {
    pub fn get() -> anyhow::Result<Self> {
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

    /// The display's name, for `DISPLAY`.
    pub fn name(&self) -> &str {
        &self.name
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
